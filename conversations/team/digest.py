"""The coaches' daily digest, sent by the check-in scheduler (``bot.scheduler``): claimed like a
check-in, once per coach, team and local date, and caught up once after downtime."""

from __future__ import annotations

from datetime import date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from conversations.i18n.recipients import speaking_to
from conversations.services import Services
from conversations.team import roster
from conversations.team.access import coach_guard
from conversations.team.groups import notify
from conversations.texts import team as texts
from rules import coaching, plan_clock
from storage import teams
from storage.teams import Coach, DueDigest


def digest_slot(coach: Coach, *, now: datetime) -> tuple[date, datetime]:
    """The local date a due digest is for, and the coach's next digest instant."""
    slot = plan_clock.due_slot(now, coach.digest_time, coach.digest_zone, now)
    return slot.local_date, slot.next_checkin_at


async def queue_digest(svc: Services, due: DueDigest) -> None:
    """The day's digest, queued with a guard: sent only if the coach is still an admin of the
    team's group when it goes out (asked then, not in the scheduler's unit of work)."""
    async with speaking_to(svc.db, due.coach.user_id):
        await _queue_digest(svc, due)


async def _queue_digest(svc: Services, due: DueDigest) -> None:
    entries = await roster.entries(svc, due.team)
    zone = ZoneInfo(due.coach.digest_zone or "UTC")
    day_start = datetime.combine(due.local_date, time(0), tzinfo=zone)
    summary = coaching.digest(entries, day_start)
    names = ", ".join(escape(entry.facts.name) for entry in summary.needing_attention)
    attention = texts.DIGEST_ATTENTION.format(names=names) if names else texts.DIGEST_ALL_WELL
    text = texts.DIGEST.format(
        team=escape(due.team.name),
        checked=summary.checked_in_today,
        members=summary.members,
        attention=attention,
    )
    await notify(due.coach.user_id, text, guard=coach_guard(due.team.id, due.coach.user_id))
    await teams.mark_digest_sent(svc.db, due, svc.now())
