"""Coach rules: who needs attention, in what order a roster lists athletes, and what an alert
or a digest may say at the level each athlete consented to. Pure functions of plain values.

An athlete needs attention (issue "coach teams"; the thresholds match the recovery plan's own
step-back rules in ``rules.recovery``) after a red flag (in the SOS flow or a check-in), with
pain of 7 or more or pain rising two days running, after two check-ins in a row went
unanswered, or after a new cramp episode. A red flag and a new episode count for three days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Generic, TypeVar

from rules.recovery import PAIN_STEP_BACK_AT

#: Pain at or above this at a check-in alerts the coach (the plan steps back at the same level).
ALERT_PAIN_AT = PAIN_STEP_BACK_AT
#: Two unanswered check-ins in a row alert the coach.
MISSED_CHECKINS_ALERT = 2
#: How long a red flag or a new episode keeps an athlete at the top of the roster.
RECENT = timedelta(days=3)
#: Athletes per roster page: a Telegram message stays readable and well under 4096 characters.
ROSTER_PAGE_SIZE = 25


class Attention(Enum):
    """Why an athlete needs attention, most urgent first."""

    RED_FLAG = "red_flag"
    HIGH_PAIN = "high_pain"
    RISING_PAIN = "rising_pain"
    NEW_EPISODE = "new_episode"
    MISSED_CHECKINS = "missed"


@dataclass(frozen=True)
class AthleteFacts:
    """What the database knows of one team member, as plain values."""

    user_id: int
    name: str
    details: bool  # consented to details (pain, episodes), not only status
    stage: int | None  # the plan's stage; None without a live plan
    plan_running: bool
    last_checkin_at: datetime | None  # the last answered check-in
    pains: tuple[int, ...]  # the last answered check-ins' pain, oldest first
    unanswered_days: int  # check-ins in a row without an answer
    last_red_flag_at: datetime | None  # a red flag in the SOS flow or at a check-in
    last_episode_at: datetime | None  # the start of the latest cramp episode
    # The prevention programme after recovery: its level while it runs, 0 while it is paused
    # (by a new cramp or the athlete); None when the athlete follows none. Status, like the
    # plan's phase: shown at either consent level.
    programme_level: int | None = None


def rising_two_days(pains: Sequence[int]) -> bool:
    """Pain up at each of the last two check-ins (three readings, each higher)."""
    return len(pains) >= 3 and pains[-3] < pains[-2] < pains[-1]


def attention(facts: AthleteFacts, now: datetime) -> tuple[Attention, ...]:
    """Why the athlete needs attention now, most urgent first; empty when on track."""
    reasons: list[Attention] = []
    if facts.last_red_flag_at is not None and now - facts.last_red_flag_at <= RECENT:
        reasons.append(Attention.RED_FLAG)
    if facts.pains and facts.pains[-1] >= ALERT_PAIN_AT:
        reasons.append(Attention.HIGH_PAIN)
    if rising_two_days(facts.pains):
        reasons.append(Attention.RISING_PAIN)
    if facts.last_episode_at is not None and now - facts.last_episode_at <= RECENT:
        reasons.append(Attention.NEW_EPISODE)
    if facts.plan_running and facts.unanswered_days >= MISSED_CHECKINS_ALERT:
        reasons.append(Attention.MISSED_CHECKINS)
    return tuple(reasons)


@dataclass(frozen=True)
class RosterEntry:
    facts: AthleteFacts
    reasons: tuple[Attention, ...]

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)


def roster(members: Sequence[AthleteFacts], now: datetime) -> list[RosterEntry]:
    """Those needing attention first (the most urgent reason first), then the rest by name."""
    order = list(Attention)
    entries = [RosterEntry(facts, attention(facts, now)) for facts in members]

    def key(entry: RosterEntry) -> tuple[int, int, str, int]:
        urgency = order.index(entry.reasons[0]) if entry.reasons else len(order)
        return (
            0 if entry.reasons else 1,
            urgency,
            entry.facts.name.casefold(),
            entry.facts.user_id,
        )

    return sorted(entries, key=key)


class RosterStatus(Enum):
    """An athlete's one-word status on the dashboard, at either consent level."""

    ATTENTION = "attention"
    RECOVERING = "recovering"  # a recovery plan is live
    PROGRAMME = "programme"  # the plan is over; a prevention programme follows it
    FINE = "fine"


def roster_status(entry: RosterEntry) -> RosterStatus:
    if entry.needs_attention:
        return RosterStatus.ATTENTION
    if entry.facts.stage is not None:
        return RosterStatus.RECOVERING
    if entry.facts.programme_level is not None:
        return RosterStatus.PROGRAMME
    return RosterStatus.FINE


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int  # 0-based
    count: int  # how many pages in all (at least 1)


def page(items: Sequence[T], number: int, size: int = ROSTER_PAGE_SIZE) -> Page[T]:
    """Page ``number`` of ``items`` (clamped to the pages that exist)."""
    if size < 1:
        raise ValueError("page size must be at least 1")
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Page(tuple(items[number * size : (number + 1) * size]), number, count)


def visible_reasons(reasons: Sequence[Attention], details: bool) -> tuple[Attention, ...]:
    """What a coach may be told of why: the reasons at the details level, none at status.

    At the status level the coach learns only *that* the athlete needs attention: the reason
    (a red flag, a pain score, an episode) is health detail the athlete did not share.
    """
    return tuple(reasons) if details else ()


@dataclass(frozen=True)
class Digest:
    """One team's day, for its coach: how many checked in, who needs attention."""

    members: int
    checked_in_today: int
    needing_attention: tuple[RosterEntry, ...]


def digest(entries: Sequence[RosterEntry], today_starts_at: datetime) -> Digest:
    """Summarise a roster for the day that began (locally) at ``today_starts_at``."""
    checked = sum(
        1
        for entry in entries
        if entry.facts.last_checkin_at is not None
        and entry.facts.last_checkin_at >= today_starts_at
    )
    return Digest(
        members=len(entries),
        checked_in_today=checked,
        needing_attention=tuple(entry for entry in entries if entry.needs_attention),
    )
