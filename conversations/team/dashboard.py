"""What the coach's dashboard shows of a team, as JSON-ready values: the same roster as
/roster (``conversations.team.roster.load``), each athlete within the level they consented to.

At the status level a row carries the status, the plan's phase and day, the last check-in and
the 14 days' marks (answered, missed, needed attention); reasons, pain numbers and an alert's
reason only at the details level: never more than /roster says of the athlete.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from conversations.services import Services
from conversations.team import roster
from conversations.texts import dashboard as texts
from conversations.texts import recovery as advice
from conversations.texts import team as team_texts
from rules import coaching, plan_clock
from rules.coaching import AthleteFacts, RosterEntry
from rules.recovery import Stage
from storage.roster import DayRecord, TeamRoster
from storage.teams import Team

WEEK = 7  # days the figures count, today included


async def team_view(svc: Services, team: Team) -> dict[str, Any]:
    now = svc.now()
    days = roster.chart_days(svc)
    entries, loaded = await roster.load(svc, team, days)
    week = days[-WEEK:]
    return {
        "team": {"id": team.id, "name": team.name},
        "days": [day.isoformat() for day in days],
        "figures": {
            "members": len(entries),
            "needs_attention": sum(1 for entry in entries if entry.needs_attention),
            "week_sent": sum(
                1 for e in entries for d in week if d in loaded.days.get(e.facts.user_id, {})
            ),
            "week_answered": sum(
                1
                for e in entries
                for d in week
                if (record := loaded.days.get(e.facts.user_id, {}).get(d)) and record.answered
            ),
        },
        "athletes": [athlete_row(entry, loaded, days, now) for entry in entries],
    }


def athlete_row(
    entry: RosterEntry, loaded: TeamRoster, days: list[date], now: datetime
) -> dict[str, Any]:
    facts = entry.facts
    status = coaching.roster_status(entry)
    plan = loaded.plans.get(facts.user_id)
    plan_day = (
        None
        if plan is None or facts.stage is None
        else plan_clock.plan_day(plan.cramp_at, plan.zone, now)
    )
    alert = loaded.last_alerts.get(facts.user_id)
    records = loaded.days.get(facts.user_id, {})
    reasons = coaching.visible_reasons(entry.reasons, facts.details)
    return {
        "user_id": facts.user_id,
        "name": facts.name,
        "consent": "details" if facts.details else "status",
        "status": status.value,
        "status_label": texts.STATUS_LABELS[status.value],
        "detail_label": _detail_label(entry, plan_day),
        "plan_day": plan_day,
        "reasons": [team_texts.REASONS[reason.value] for reason in reasons],
        "last_checkin": _iso(facts.last_checkin_at),
        # While a plan runs ("never" before its first answer); after it, the strip tells.
        "last_checkin_label": _last_checkin_label(facts, now),
        "last_alert": None
        if alert is None
        else {
            "at": _iso(alert.at),
            "label": roster.ago(alert.at, now),
            "reason": (
                team_texts.REASONS.get(alert.reason) if facts.details and alert.reason else None
            ),
        },
        "strip": [_day(day, records.get(day), facts.details) for day in days],
    }


def _last_checkin_label(facts: AthleteFacts, now: datetime) -> str | None:
    if facts.last_checkin_at is not None:
        return roster.ago(facts.last_checkin_at, now)
    return texts.NEVER if facts.stage is not None else None


def _detail_label(entry: RosterEntry, plan_day: int | None) -> str:
    facts = entry.facts
    if facts.stage is not None:
        phase = advice.stage_name(Stage(facts.stage))
        return phase if plan_day is None else texts.PHASE.format(phase=phase, day=plan_day)
    if facts.programme_level is not None:
        if facts.programme_level:
            return texts.PROGRAMME.format(level=facts.programme_level)
        return texts.PROGRAMME_PAUSED
    return texts.NO_PLAN


def _day(day: date, record: DayRecord | None, details: bool) -> dict[str, Any]:
    mark = roster.day_mark(record)
    pain = record.pain if record is not None and details else None
    return {"date": day.isoformat(), "mark": mark.value, "pain": pain}


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()
