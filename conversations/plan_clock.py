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


def due_slot(plan: Plan, now: datetime) -> DueSlot:
    zone = zone_of(plan)
    following = next_checkin(plan, now)
    # Every local date has exactly one check-in instant, so the latest one due (at or before
    # now) falls on the local date before the next one's.
    return DueSlot(
        local_date=rules.local_date_of(following, zone) - timedelta(days=1),
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
