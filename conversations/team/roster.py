"""What a coach sees of a team: the roster in words and the last fourteen days as a picture,
each athlete within the level they consented to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape

from conversations.services import Services
from conversations.team.roster_chart import render_team_png
from conversations.texts import recovery as advice
from conversations.texts import team as texts
from rules import coaching, plan_clock
from rules.coaching import RosterEntry
from rules.recovery import Stage
from rules.team_chart import DayMark, TeamChartRow
from storage.roster import DayRecord, TeamRoster, team_roster
from storage.teams import Team

CHART_DAYS = 14


def chart_days(svc: Services, count: int = CHART_DAYS) -> list[date]:
    """The last ``count`` local dates, oldest first; the last is today."""
    today = plan_clock.local_date(svc.now(), None)
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


async def load(
    svc: Services, team: Team, days: Sequence[date]
) -> tuple[list[RosterEntry], TeamRoster]:
    """The team's roster (``entries``) and what the store knows of its members, with their
    check-ins on ``days`` (oldest first): what /roster and the dashboard both show. Two
    statements, whatever the team's size (``storage.roster``)."""
    found = await team_roster(svc.db, team.id, days[0], days[-1])
    return coaching.roster(found.facts, svc.now()), found


async def entries(svc: Services, team: Team) -> list[RosterEntry]:
    """The team's members, those needing attention first (``rules.coaching.roster``)."""
    everyone, _ = await load(svc, team, chart_days(svc))
    return everyone


def roster_text(
    team: Team, everyone: list[RosterEntry], shown: coaching.Page[RosterEntry], now: datetime
) -> str:
    attention = sum(1 for entry in everyone if entry.needs_attention)
    header = texts.ROSTER_HEADER.format(
        team=escape(team.name), count=len(everyone), attention=attention
    )
    lines = [header]
    lines += [athlete_line(entry, now) for entry in shown.items]
    if shown.count > 1:
        lines.append(texts.ROSTER_PAGE.format(page=shown.number + 1, pages=shown.count))
    return "\n".join(lines)


def athlete_line(entry: RosterEntry, now: datetime) -> str:
    """One athlete: status for everyone; reasons and pain only with consent to details."""
    facts = entry.facts
    name = escape(facts.name)
    reasons = coaching.visible_reasons(entry.reasons, facts.details)
    why = ": " + ", ".join(texts.REASONS[r.value] for r in reasons) if reasons else ""
    line = (
        texts.ROSTER_ATTENTION.format(name=name, why=why)
        if entry.needs_attention
        else texts.ROSTER_ON_TRACK.format(name=name)
    )
    if facts.stage is None and facts.programme_level is not None:
        # The plan is over and a prevention programme follows it: its state, not "no check-in".
        line += (
            texts.ROSTER_PROGRAMME.format(level=facts.programme_level)
            if facts.programme_level
            else texts.ROSTER_PROGRAMME_PAUSED
        )
        return line
    if facts.stage is None:
        line += texts.ROSTER_NO_PLAN
    else:
        line += texts.ROSTER_PHASE.format(phase=advice.stage_name(Stage(facts.stage)))
    if facts.last_checkin_at is None:
        line += texts.ROSTER_NEVER
    else:
        line += texts.ROSTER_LAST_CHECKIN.format(when=ago(facts.last_checkin_at, now))
    if facts.details and facts.pains:
        line += texts.ROSTER_PAINS.format(pains=" → ".join(str(p) for p in facts.pains))
    return line


async def picture(
    svc: Services, team: Team, everyone: list[RosterEntry], found: TeamRoster | None = None
) -> bytes:
    """The last fourteen days: who checked in, who missed, who needed attention. ``found``:
    the roster ``load`` gave for ``chart_days``, or None to read the days again."""
    days = chart_days(svc)
    if found is None:
        _, found = await load(svc, team, days)
    rows = [
        TeamChartRow(
            entry.facts.name,
            tuple(day_mark(found.days.get(entry.facts.user_id, {}).get(day)) for day in days),
        )
        for entry in everyone
    ]
    return render_team_png(rows, days, title=team.name)


def day_mark(record: DayRecord | None) -> DayMark:
    """A day of the picture: no check-in due, missed, checked in, or needed attention."""
    if record is None:
        return DayMark.NO_PLAN
    if not record.answered:
        return DayMark.MISSED
    return DayMark.ATTENTION if record.flagged else DayMark.CHECKED_IN


def ago(instant: datetime, now: datetime) -> str:
    """How long ago, in whole days: "today" or "3 days ago"."""
    days = (now - instant) // timedelta(days=1)
    return texts.TODAY if days < 1 else texts.DAYS_AGO.format(days=days)
