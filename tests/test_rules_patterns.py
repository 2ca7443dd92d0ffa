"""Tests for the personal cramp patterns and the "frequent cramps" rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from rules.patterns import (
    Circumstances,
    Pattern,
    PatternKind,
    is_frequent,
    strongest_pattern,
)


def ep(
    activity: str | None = None,
    time_into: str | None = None,
    hot: bool | None = None,
    heavy_clothing: bool | None = None,
) -> Circumstances:
    return Circumstances(
        activity=activity, time_into=time_into, hot=hot, heavy_clothing=heavy_clothing
    )


# --- strongest_pattern: each kind ---------------------------------------------------------


def test_hot_pattern() -> None:
    history = [ep(hot=True), ep(hot=True), ep(hot=True), ep(hot=False)]
    assert strongest_pattern(history) == Pattern(PatternKind.HOT, 3, 4)


def test_clothing_pattern() -> None:
    history = [ep(heavy_clothing=True), ep(heavy_clothing=True), ep(heavy_clothing=False)]
    assert strongest_pattern(history) == Pattern(PatternKind.CLOTHING, 2, 3)


def test_late_pattern_counts_60_120_and_gt120() -> None:
    history = [ep(time_into="60-120"), ep(time_into="gt120"), ep(time_into="lt30")]
    assert strongest_pattern(history) == Pattern(PatternKind.LATE, 2, 3)


def test_30_to_60_is_not_late() -> None:
    history = [ep(time_into="30-60"), ep(time_into="30-60"), ep(time_into="lt30")]
    assert strongest_pattern(history) is None


def test_activity_pattern() -> None:
    history = [ep(activity="cycling"), ep(activity="cycling"), ep(activity="running")]
    assert strongest_pattern(history) == Pattern(PatternKind.ACTIVITY, 2, 3, activity="cycling")


def test_other_activity_is_never_a_pattern_but_counts_as_answered() -> None:
    assert strongest_pattern([ep(activity="other"), ep(activity="other")]) is None
    history = [ep(activity="gym"), ep(activity="gym"), ep(activity="other"), ep(activity="other")]
    assert strongest_pattern(history) == Pattern(PatternKind.ACTIVITY, 2, 4, activity="gym")


def test_activity_tie_goes_to_first_listed() -> None:
    history = [ep(activity="swim"), ep(activity="running")] * 2
    assert strongest_pattern(history) == Pattern(PatternKind.ACTIVITY, 2, 4, activity="running")


# --- strongest_pattern: choosing and tie-breaking -----------------------------------------


def test_highest_share_wins_over_order() -> None:
    history = [
        ep(hot=True, activity="running"),
        ep(hot=True, activity="running"),
        ep(hot=False, activity="running"),
    ]
    assert strongest_pattern(history) == Pattern(PatternKind.ACTIVITY, 3, 3, activity="running")


def test_equal_share_tie_order_hot_clothing_late_activity() -> None:
    everything = ep(activity="running", time_into="gt120", hot=True, heavy_clothing=True)
    history = [everything, everything]
    assert strongest_pattern(history) == Pattern(PatternKind.HOT, 2, 2)

    no_hot = ep(activity="running", time_into="gt120", hot=False, heavy_clothing=True)
    assert strongest_pattern([no_hot, no_hot]) == Pattern(PatternKind.CLOTHING, 2, 2)

    late_only = ep(activity="running", time_into="gt120")
    assert strongest_pattern([late_only, late_only]) == Pattern(PatternKind.LATE, 2, 2)


def test_equal_share_different_counts_still_uses_order() -> None:
    # HOT 2/4 and CLOTHING 3/6 are both a half: HOT comes first.
    history = [
        ep(hot=True, heavy_clothing=True),
        ep(hot=True, heavy_clothing=True),
        ep(hot=False, heavy_clothing=True),
        ep(hot=False, heavy_clothing=False),
        ep(heavy_clothing=False),
        ep(heavy_clothing=False),
    ]
    assert strongest_pattern(history) == Pattern(PatternKind.HOT, 2, 4)


# --- strongest_pattern: thresholds and unanswered questions --------------------------------


def test_fewer_than_two_episodes() -> None:
    assert strongest_pattern([]) is None
    assert strongest_pattern([ep(hot=True, activity="running")]) is None


def test_exactly_half_qualifies() -> None:
    history = [ep(hot=True), ep(hot=True), ep(hot=False), ep(hot=False)]
    assert strongest_pattern(history) == Pattern(PatternKind.HOT, 2, 4)


def test_below_half_does_not_qualify() -> None:
    history = [ep(hot=True), ep(hot=True), ep(hot=False), ep(hot=False), ep(hot=False)]
    assert strongest_pattern(history) is None


def test_one_match_is_not_a_pattern() -> None:
    assert strongest_pattern([ep(hot=True), ep(hot=False)]) is None


def test_unanswered_episodes_do_not_count_in_total() -> None:
    history = [ep(hot=True), ep(hot=True), ep(), ep(), ep(hot=False)]
    assert strongest_pattern(history) == Pattern(PatternKind.HOT, 2, 3)


def test_only_one_answered_is_not_enough() -> None:
    # Two episodes, but the question answered only once: total would be 1.
    assert strongest_pattern([ep(hot=True), ep()]) is None


def test_nothing_answered() -> None:
    assert strongest_pattern([ep(), ep(), ep()]) is None


def test_share_property() -> None:
    assert Pattern(PatternKind.HOT, 3, 4).share == pytest.approx(0.75)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"activity": "chess"},
        {"activity": "Running"},
        {"time_into": "90"},
        {"hot": 1},
        {"heavy_clothing": "yes"},
    ],
)
def test_circumstances_reject_unknown_answers(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {
        "activity": None,
        "time_into": None,
        "hot": None,
        "heavy_clothing": None,
    }
    values.update(kwargs)
    with pytest.raises(ValueError):
        Circumstances(**values)  # type: ignore[arg-type]


# --- is_frequent --------------------------------------------------------------------------

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_three_cramps_within_a_week_is_frequent() -> None:
    assert is_frequent([days_ago(5), days_ago(2), NOW], NOW, during_plan=False)


def test_two_cramps_is_not_frequent() -> None:
    assert not is_frequent([days_ago(2), NOW], NOW, during_plan=False)


def test_exactly_seven_days_counts() -> None:
    assert is_frequent([days_ago(7), days_ago(3), NOW], NOW, during_plan=False)


def test_just_over_seven_days_does_not_count() -> None:
    starts = [NOW - timedelta(days=7, seconds=1), days_ago(3), NOW]
    assert not is_frequent(starts, NOW, during_plan=False)


def test_future_starts_are_ignored() -> None:
    starts = [days_ago(3), NOW, NOW + timedelta(minutes=1)]
    assert not is_frequent(starts, NOW, during_plan=False)


def test_during_plan_is_always_frequent() -> None:
    assert is_frequent([NOW], NOW, during_plan=True)
    assert is_frequent([], NOW, during_plan=True)


def test_other_offsets_compare_as_instants() -> None:
    plus_two = timezone(timedelta(hours=2))
    starts = [days_ago(6.9).astimezone(plus_two), days_ago(1), NOW.astimezone(plus_two)]
    assert is_frequent(starts, NOW, during_plan=False)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2024, 6, 10, 12, 0)
    with pytest.raises(ValueError):
        is_frequent([NOW], naive, during_plan=False)
    with pytest.raises(ValueError):
        is_frequent([naive], NOW, during_plan=True)
