"""After recovery: which prevention advice leads for an athlete, when the programme may be
offered, and when its sessions and weekly check-ins fall.

The advice is the source article's first section and nothing else: strength training delays
the fatigue behind exercise cramps; avoiding the heat of the day helps; thick or compression
clothing on hot days raises skin temperature by up to 5 °C. Electrolytes or salt do not prevent
these cramps, so they are never a piece of advice here. The pattern questions asked after each
eased cramp (``rules.patterns``) decide the order: the athlete's own factor first.

Strength work waits for two weeks after a cramp (the article), so the programme is offered only
from day 14 of the recovery plan (``rules.recovery.PLAN_MIN_DAYS``).

Pure functions: no Telegram, no storage, no clock (times are passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules import recovery
from rules.patterns import Circumstances, PatternKind, strongest_pattern

__all__ = [
    "MAX_SESSIONS_PER_WEEK",
    "MIN_SESSIONS_PER_WEEK",
    "OFFER_FROM_DAY",
    "Lead",
    "advice_order",
    "may_offer",
    "next_session",
    "parse_weekdays",
    "week_start",
    "weekdays_text",
]

#: The programme starts once strength work is allowed again: day 14 (the article's two weeks).
OFFER_FROM_DAY = recovery.PLAN_MIN_DAYS
#: ACSM 2009 position stand: 2 to 3 resistance sessions a week for novices.
MIN_SESSIONS_PER_WEEK = 2
MAX_SESSIONS_PER_WEEK = 3


class Lead(StrEnum):
    """One piece of the article's prevention advice."""

    HEAT = "heat"  # train outside the hottest hours
    CLOTHING = "clothing"  # no thick or compression clothing on hot days
    STRENGTH = "strength"  # strength training (and pacing: fatigue comes later)


_DEFAULT_ORDER = (Lead.STRENGTH, Lead.HEAT, Lead.CLOTHING)
_LEAD_FOR = {
    PatternKind.HOT: Lead.HEAT,
    PatternKind.CLOTHING: Lead.CLOTHING,
    PatternKind.LATE: Lead.STRENGTH,
}


def advice_order(history: Sequence[Circumstances]) -> tuple[Lead, ...]:
    """The article's three pieces of advice, the athlete's own factor first.

    Hot days lead with heat and training times; thick or compression clothing with clothing on
    hot days; cramps late into a session with strength and pacing; anything else (no pattern,
    or only an activity) with strength, the article's main advice.
    """
    pattern = strongest_pattern(history)
    lead = Lead.STRENGTH if pattern is None else _LEAD_FOR.get(pattern.kind, Lead.STRENGTH)
    return (lead, *(item for item in _DEFAULT_ORDER if item is not lead))


def may_offer(cramp_at: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """Whether the programme may be offered: day 14 or later since the newest cramp."""
    return recovery.plan_day(cramp_at, max(now, cramp_at), zone) >= OFFER_FROM_DAY


# --- The schedule ------------------------------------------------------------------------------


def parse_weekdays(text: str | None) -> frozenset[int]:
    """Weekdays stored as "0,2,4" (Monday is 0); anything else is dropped."""
    if not text:
        return frozenset()
    days = set()
    for part in text.split(","):
        if part.strip().isdigit() and 0 <= int(part) <= 6:
            days.add(int(part))
    return frozenset(days)


def weekdays_text(days: Iterable[int]) -> str:
    """The stored form of a set of weekdays: "0,2,4"."""
    return ",".join(str(day) for day in sorted(set(days)))


def next_session(
    weekdays: Iterable[int], local_time: time, zone: ZoneInfo, after: datetime
) -> datetime | None:
    """The first instant strictly after ``after`` that falls on one of ``weekdays`` (local
    calendar in ``zone``) at ``local_time``; None without weekdays."""
    days = set(weekdays)
    if not days:
        return None
    instant = after
    for _ in range(8):
        instant = recovery.next_checkin_at(local_time, zone, instant)
        if recovery.local_date_of(instant, zone).weekday() in days:
            return instant
    raise AssertionError("unreachable: every weekday comes within eight days")


def week_start(day: date) -> date:
    """The Monday of ``day``'s week: weekly check-ins are keyed by it."""
    return day - timedelta(days=day.weekday())


def next_weekly_checkin(local_time: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The weekly check-in: Sunday at the session time, the first strictly after ``after``."""
    return next_session({6}, local_time, zone, after) or after
