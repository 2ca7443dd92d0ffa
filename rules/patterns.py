"""Personal patterns in an athlete's cramps, and when cramps are frequent enough for a GP.

After each eased cramp the athlete may answer up to four one-tap questions: the activity, how
far into it the cramp came, whether it was hot, and whether they wore thick or compression
clothing. The source article says exercise cramps come from neuromuscular fatigue, with heat
and restrictive (thick or compression) clothing as contributing factors; once there are two or
more episodes the bot shows the one pattern that stands out ("3 of your 4 cramps came on hot
days"), so the athlete can see which factor is theirs.

Frequent cramps are a reason to see a GP (NHS, "Leg cramps"); ``is_frequent`` decides when the
bot says so.

Pure functions: no Telegram, no storage, no clock; times are passed in as aware datetimes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from fractions import Fraction

__all__ = [
    "ACTIVITIES",
    "FREQUENT_COUNT",
    "FREQUENT_WINDOW",
    "LATE_TIMES",
    "MIN_EPISODES",
    "MIN_PATTERN_COUNT",
    "MIN_PATTERN_SHARE",
    "TIMES_INTO",
    "Circumstances",
    "Pattern",
    "PatternKind",
    "is_frequent",
    "strongest_pattern",
]

#: The activity answers, in the order ties between activities are broken. "other" is a valid
#: answer but never a pattern ("3 of your 4 cramps came during other" says nothing).
ACTIVITIES: tuple[str, ...] = ("running", "cycling", "team", "gym", "swim", "other")
#: How far into the activity the cramp came, in minutes.
TIMES_INTO: tuple[str, ...] = ("lt30", "30-60", "60-120", "gt120")
#: An hour or more into the activity: the neuromuscular fatigue the source article names.
LATE_TIMES: frozenset[str] = frozenset({"60-120", "gt120"})

#: No pattern is shown before this many episodes.
MIN_EPISODES = 2
#: A pattern needs at least this many matching episodes...
MIN_PATTERN_COUNT = 2
#: ...and at least this share of the episodes for which the question was answered.
MIN_PATTERN_SHARE = Fraction(1, 2)

#: NHS "Leg cramps" (and red-flag screening guidance) says to see a GP if cramps happen often.
#: "3 or more in 7 days", or any recurrence during a recovery plan, is this product's reading
#: of "often", not a number from the NHS page.
FREQUENT_COUNT = 3
FREQUENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Circumstances:
    """The athlete's optional answers about one eased cramp (None = not answered)."""

    activity: str | None  # one of ACTIVITIES
    time_into: str | None  # one of TIMES_INTO
    hot: bool | None  # hot conditions
    heavy_clothing: bool | None  # thick or compression clothing

    def __post_init__(self) -> None:
        if self.activity is not None and self.activity not in ACTIVITIES:
            raise ValueError(f"unknown activity: {self.activity!r}")
        if self.time_into is not None and self.time_into not in TIMES_INTO:
            raise ValueError(f"unknown time_into: {self.time_into!r}")
        for name in ("hot", "heavy_clothing"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{name} must be True, False or None: {value!r}")


class PatternKind(Enum):
    """Which factor a pattern is about; the order is the tie-break order."""

    HOT = "hot"  # cramps on hot days (article: contributing factor)
    CLOTHING = "clothing"  # thick or compression clothing (article: contributing factor)
    LATE = "late"  # an hour or more into the activity (article: fatigue)
    ACTIVITY = "activity"  # the same activity


@dataclass(frozen=True)
class Pattern:
    """``count`` of the ``total`` episodes for which the question was answered match.

    Only answered episodes count towards ``total`` (an unanswered question is not a "no");
    ``total`` is always at least ``MIN_EPISODES``. ``activity`` is set for ACTIVITY only.
    """

    kind: PatternKind
    count: int
    total: int
    activity: str | None = None

    @property
    def share(self) -> Fraction:
        """``count / total`` as an exact fraction."""
        return Fraction(self.count, self.total)


def _qualifies(count: int, total: int) -> bool:
    return (
        total >= MIN_EPISODES
        and count >= MIN_PATTERN_COUNT
        and Fraction(count, total) >= MIN_PATTERN_SHARE
    )


def _yes_pattern(kind: PatternKind, answers: Sequence[bool | None]) -> Pattern | None:
    answered = [answer for answer in answers if answer is not None]
    count = sum(answered)
    return Pattern(kind, count, len(answered)) if _qualifies(count, len(answered)) else None


def _activity_pattern(history: Sequence[Circumstances]) -> Pattern | None:
    answered = [episode.activity for episode in history if episode.activity is not None]
    counts = Counter(activity for activity in answered if activity != "other")
    if not counts:
        return None
    # Most frequent activity; ties go to the first in ACTIVITIES.
    activity = max(counts, key=lambda name: (counts[name], -ACTIVITIES.index(name)))
    count = counts[activity]
    if not _qualifies(count, len(answered)):
        return None
    return Pattern(PatternKind.ACTIVITY, count, len(answered), activity=activity)


def strongest_pattern(history: Sequence[Circumstances]) -> Pattern | None:
    """The pattern with the highest share in the athlete's cramps, or None.

    None with fewer than ``MIN_EPISODES`` episodes. A pattern qualifies when at least 2
    episodes match and they are at least half of those where the question was answered (and
    at least 2 were answered). Equal shares are broken in the order HOT, CLOTHING, LATE,
    ACTIVITY: the article's contributing factors first.
    """
    if len(history) < MIN_EPISODES:
        return None
    candidates = [
        _yes_pattern(PatternKind.HOT, [episode.hot for episode in history]),
        _yes_pattern(PatternKind.CLOTHING, [episode.heavy_clothing for episode in history]),
        _yes_pattern(
            PatternKind.LATE,
            [
                None if episode.time_into is None else episode.time_into in LATE_TIMES
                for episode in history
            ],
        ),
        _activity_pattern(history),
    ]
    best: Pattern | None = None
    for pattern in candidates:  # in tie-break order: only a strictly higher share wins
        if pattern is not None and (best is None or pattern.share > best.share):
            best = pattern
    return best


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def is_frequent(
    recent_cramp_starts: Sequence[datetime], now: datetime, *, during_plan: bool
) -> bool:
    """Whether cramps are frequent enough to suggest seeing a GP.

    True when the cramp is a recurrence during a recovery plan (``during_plan``), or when at
    least ``FREQUENT_COUNT`` cramps (``recent_cramp_starts`` includes the current one) started
    within ``FREQUENT_WINDOW`` up to ``now``, both ends included; starts after ``now`` are
    ignored. All datetimes must be aware (ValueError otherwise).
    """
    _require_aware(now, "now")
    for start in recent_cramp_starts:
        _require_aware(start, "cramp start")
    if during_plan:
        return True
    since = now - FREQUENT_WINDOW
    return sum(since <= start <= now for start in recent_cramp_starts) >= FREQUENT_COUNT
