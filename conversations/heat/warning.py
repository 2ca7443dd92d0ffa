"""The heat warning itself, queued by the scheduler (``bot.weather.warnings``) in a unit of work
keyed ``heat:<user>:<local date>`` (``team-heat:<team>:<local date>``): the day's sent row and
the message are committed together, and the row's unique key makes it once a day, restarts and
several workers included."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from conversations.i18n.recipients import speaking_in, speaking_to
from conversations.replies import send_to
from conversations.services import Services
from conversations.texts import heat as texts
from rules import heat as rules
from storage import heat, teams
from storage.outbox import Kind


def feels_like_c(heat_index_f: float) -> int:
    return round(rules.f_to_c(heat_index_f))


async def queue_athlete_warning(
    svc: Services,
    user_id: int,
    local_date: date,
    training_time: str,
    heat_index_f: float,
    now: datetime,
) -> bool:
    """Queue the day's warning to the athlete; False if they had it already today."""
    if not await heat.record_warning(svc.db, user_id, local_date, heat_index_f, now):
        return False
    async with speaking_to(svc.db, user_id):
        text = texts.WARNING.format(time=training_time, feels=feels_like_c(heat_index_f))
        # A notice: a crash mid-send never sends it twice (storage.outbox); people's replies
        # first.
        await send_to(user_id, text, kind=Kind.NOTICE, background=True)
    return True


async def queue_team_warning(
    svc: Services,
    team: heat.TeamToWarn,
    local_date: date,
    heat_index_f: float,
    now: datetime,
) -> bool:
    """Queue the day's warning to the team's group (it names nobody); False if sent today."""
    if not await heat.record_team_warning(svc.db, team.heat.team_id, local_date, heat_index_f, now):
        return False
    found = await teams.get_team(svc.db, team.heat.team_id)
    with speaking_in("en" if found is None else found.language):
        text = texts.TEAM_WARNING.format(
            team=escape(team.name),
            time=team.heat.training_time,
            feels=feels_like_c(heat_index_f),
        )
        await send_to(team.chat_id, text, kind=Kind.NOTICE, background=True)
    return True
