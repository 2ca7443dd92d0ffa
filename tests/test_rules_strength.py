"""The strength routine's levels and the progression rule (NSCA 2-for-2, ACSM 2009)."""

from __future__ import annotations

import pytest

from rules.strength import (
    LEVELS,
    MAX_LEVEL,
    Answer,
    Move,
    Progress,
    level_of,
    next_level,
)

D, H, S, P = Answer.DONE, Answer.TOO_HARD, Answer.SKIPPED, Answer.PAIN


def test_six_levels_easiest_first_with_sets_and_reps() -> None:
    assert [level.number for level in LEVELS] == [1, 2, 3, 4, 5, 6]
    assert LEVELS[0].exercise == "seated"
    assert LEVELS[-1].exercise == "single_leg_loaded"
    for level in LEVELS:
        # ACSM 2009 for novices: 1 to 3 sets of 8 to 15 repetitions.
        assert 1 <= level.sets <= 3
        assert 8 <= level.reps <= 15
    assert len({level.exercise for level in LEVELS}) == len(LEVELS)


def test_level_of_clamps() -> None:
    assert level_of(0).number == 1
    assert level_of(3).number == 3
    assert level_of(99).number == MAX_LEVEL


@pytest.mark.parametrize(
    ("level", "answers", "expected"),
    [
        (1, [], Progress(1, Move.SAME)),
        (1, [D], Progress(1, Move.SAME)),
        (1, [D, D], Progress(2, Move.UP)),
        (1, [D, S, D], Progress(2, Move.UP)),  # a skip breaks nothing
        (3, [D, H], Progress(3, Move.HOLD)),
        (3, [H, D], Progress(3, Move.SAME)),  # the count of done starts again after too hard
        (3, [H, D, D], Progress(4, Move.UP)),
        (3, [H, H], Progress(2, Move.BACK)),
        (3, [H, S, H], Progress(2, Move.BACK)),
        (3, [P], Progress(2, Move.BACK)),
        (3, [D, P], Progress(2, Move.BACK)),
        (1, [P], Progress(1, Move.HOLD)),  # nowhere lower to go
        (1, [H, H], Progress(1, Move.HOLD)),
        (MAX_LEVEL, [D, D], Progress(MAX_LEVEL, Move.SAME)),  # the top: stay there
        (2, [S], Progress(2, Move.SAME)),
    ],
)
def test_progression(level: int, answers: list[Answer], expected: Progress) -> None:
    assert next_level(level, answers) == expected


def test_answers_are_stored_by_stable_values() -> None:
    assert [a.value for a in Answer] == ["done", "too_hard", "skipped", "pain"]
