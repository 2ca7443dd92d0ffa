"""The prevention programme's lower-leg strength routine: its levels and how an athlete moves
between them.

The source article says strength training delays the fatigue behind exercise cramps, and that
strength work waits at least two weeks after a cramp; it does not say which exercises, or how
to progress them. Those come from:

- the NHS calf-raise and single-leg calf-raise exercise leaflets (NHS physiotherapy services,
  "Calf raises" / "Strengthening exercises for the lower leg"): seated raises, then both legs
  standing, then one leg, then off the edge of a step, with slow lowering, holding on to
  something for balance;
- the American College of Sports Medicine position stand "Progression models in resistance
  training for healthy adults" (Med Sci Sports Exerc 2009;41(3):687-708): progressive overload
  in small steps, 2 to 3 sessions a week for novices, 1 to 3 sets of 8 to 15 repetitions;
- the NSCA's "2-for-2 rule" (Baechle & Earle, Essentials of Strength Training and
  Conditioning): the load goes up once the athlete has managed the target twice in a row.

Here: up a level after two sessions in a row reported done; a "too hard" holds the level (the
count of done sessions starts again); two "too hard" in a row, or any "it hurt", step back one
level. A skipped session changes nothing. Pure data and functions: no Telegram, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DONE_TO_ADVANCE",
    "LEVELS",
    "MAX_LEVEL",
    "TOO_HARD_TO_STEP_BACK",
    "Answer",
    "Level",
    "Move",
    "Progress",
    "level_of",
    "next_level",
]


class Answer(StrEnum):
    """How a session went, as the athlete reports it. Stored by value: keep them stable."""

    DONE = "done"
    TOO_HARD = "too_hard"
    SKIPPED = "skipped"
    PAIN = "pain"


class Move(StrEnum):
    UP = "up"
    HOLD = "hold"
    BACK = "back"
    SAME = "same"  # nothing to count (a skip), or already at the top or the bottom


@dataclass(frozen=True)
class Level:
    """One level of the routine: an exercise (a key for its text), sets and reps."""

    number: int  # 1 = the easiest
    exercise: str  # the key of its instruction in conversations.texts.prevention
    sets: int
    reps: int


# Six levels, easiest first (NHS leaflets for the exercises; ACSM 2009 for 2-3 sets of 8-15).
LEVELS: tuple[Level, ...] = (
    Level(1, "seated", sets=2, reps=15),
    Level(2, "standing_both", sets=3, reps=12),
    Level(3, "eccentric_both", sets=3, reps=10),
    Level(4, "single_leg", sets=3, reps=10),
    Level(5, "single_leg_step", sets=3, reps=12),
    Level(6, "single_leg_loaded", sets=3, reps=15),
)
MAX_LEVEL = LEVELS[-1].number
#: The NSCA 2-for-2 rule: two sessions in a row done as set, then the next level.
DONE_TO_ADVANCE = 2
#: Two sessions in a row too hard: the level is too much for now.
TOO_HARD_TO_STEP_BACK = 2


def level_of(number: int) -> Level:
    """The level ``number``, clamped to the routine's range."""
    return LEVELS[min(max(number, 1), MAX_LEVEL) - 1]


@dataclass(frozen=True)
class Progress:
    level: int
    move: Move


def next_level(level: int, answers_at_level: Iterable[Answer]) -> Progress:
    """The level after the newest answer, from the answers given at ``level`` since the athlete
    reached it (oldest first, the newest last; skips ignored)."""
    counted: list[Answer] = [a for a in answers_at_level if a is not Answer.SKIPPED]
    if not counted:
        return Progress(level, Move.SAME)
    newest = counted[-1]
    if newest is Answer.PAIN:
        return _back(level)
    if newest is Answer.TOO_HARD:
        streak = _streak(counted, Answer.TOO_HARD)
        return _back(level) if streak >= TOO_HARD_TO_STEP_BACK else Progress(level, Move.HOLD)
    if _streak(counted, Answer.DONE) >= DONE_TO_ADVANCE:
        return Progress(level + 1, Move.UP) if level < MAX_LEVEL else Progress(level, Move.SAME)
    return Progress(level, Move.SAME)


def _back(level: int) -> Progress:
    return Progress(level - 1, Move.BACK) if level > 1 else Progress(level, Move.HOLD)


def _streak(answers: list[Answer], kind: Answer) -> int:
    count = 0
    for answer in reversed(answers):
        if answer is not kind:
            break
        count += 1
    return count
