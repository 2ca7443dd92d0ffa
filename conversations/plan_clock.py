"""Where a plan stands in time: its zone, its check-in instants, its day. Pure functions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations import recovery_rules as rules
from storage.plans import DueSlot, Plan

DEFAULT_CHECKIN_TIME = time(8, 0)


def zone_of(plan: Plan) -> ZoneInfo:
    return ZoneInfo(plan.zone or "UTC")


def checkin_time_of(plan: Plan) -> time:
    if plan.checkin_time is None:
        return DEFAULT_CHECKIN_TIME
    hours, minutes = plan.checkin_time.split(":")
    return time(int(hours), int(minutes))


def next_checkin(plan: Plan, after: datetime) -> datetime:
    return rules.next_checkin_at(checkin_time_of(plan), zone_of(plan), after)


# Two check-ins are 23 to 25 hours apart (daylight-saving days included).
_LONGEST_DAY = timedelta(hours=25, seconds=1)


def latest_due(plan: Plan, now: datetime) -> datetime:
    """The latest check-in instant at or before ``now`` (after downtime: the only one sent)."""
    return _previous(plan, next_checkin(plan, now))


def _previous(plan: Plan, instant: datetime) -> datetime:
    return next_checkin(plan, instant - _LONGEST_DAY)


def due_slot(plan: Plan, now: datetime) -> DueSlot:
    zone = zone_of(plan)
    following = next_checkin(plan, now)
    return DueSlot(
        local_date=rules.local_date_of(_previous(plan, following), zone),
        day=rules.plan_day(plan.cramp_at, max(now, plan.cramp_at), zone),
        next_checkin_at=following,
    )


def plan_day(plan: Plan, now: datetime) -> int:
    return rules.plan_day(plan.cramp_at, max(now, plan.cramp_at), zone_of(plan))


def hours_since_cramp(plan: Plan, now: datetime) -> float:
    return rules.hours_since(plan.cramp_at, max(now, plan.cramp_at))


def format_when(instant: datetime, zone: ZoneInfo) -> str:
    """A check-in instant as the athlete reads it: "Thu 26 Nov, 08:00"."""
    return instant.astimezone(zone).strftime("%a %d %b, %H:%M")
