"""Where a plan stands in time: its zone, its check-in instants, its day.

Pure functions of plain values (the cramp's instant, the "HH:MM" check-in time and the IANA
zone name a plan stores), so they know nothing of the ``plans`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules import recovery

DEFAULT_CHECKIN_TIME = time(8, 0)


@dataclass(frozen=True)
class DueSlot:
    """Where a due plan's check-in falls: its local date, plan day and the next instant."""

    local_date: date
    day: int
    next_checkin_at: datetime


def zone_named(name: str | None) -> ZoneInfo:
    """The plan's zone; UTC until the athlete has chosen one."""
    return ZoneInfo(name or "UTC")


def checkin_time_of(hhmm: str | None) -> time:
    """The local check-in time stored as "HH:MM"; 08:00 until the athlete has chosen one."""
    if hhmm is None:
        return DEFAULT_CHECKIN_TIME
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def next_checkin(checkin_time: str | None, zone: str | None, after: datetime) -> datetime:
    """The first check-in instant strictly after ``after``."""
    return recovery.next_checkin_at(checkin_time_of(checkin_time), zone_named(zone), after)


def due_slot(
    cramp_at: datetime, checkin_time: str | None, zone: str | None, now: datetime
) -> DueSlot:
    """The latest check-in due at ``now``: its local date and day, and the next instant."""
    tz = zone_named(zone)
    following = next_checkin(checkin_time, zone, now)
    # Every local date has exactly one check-in instant, so the latest one due (at or before
    # now) falls on the local date before the next one's.
    slot_date = recovery.local_date_of(following, tz) - timedelta(days=1)
    # The check-in's day is its own date's (sent late, after midnight, it is still that day's).
    return DueSlot(
        local_date=slot_date,
        day=max(0, (slot_date - recovery.local_date_of(cramp_at, tz)).days),
        next_checkin_at=following,
    )


def plan_day(cramp_at: datetime, zone: str | None, now: datetime) -> int:
    """Days since the cramp on the athlete's local calendar (never negative)."""
    return recovery.plan_day(cramp_at, max(now, cramp_at), zone_named(zone))


def hours_since_cramp(cramp_at: datetime, now: datetime) -> float:
    return recovery.hours_since(cramp_at, max(now, cramp_at))


def local_date(instant: datetime, zone: str | None) -> date:
    return recovery.local_date_of(instant, zone_named(zone))
