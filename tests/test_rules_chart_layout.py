"""Tests for the pure layout of the recovery chart: which days, stages and pains go where."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rules import chart_layout
from rules.chart_layout import (
    ChartPhase,
    ChartPoint,
    PainDot,
    PhaseBand,
    StageRun,
    last_day_of,
    layout_chart,
    normalise_points,
    pain_dots,
    pain_segments,
    phase_bands,
    stage_runs,
    tick_days,
    tick_step,
)
from rules.recovery import PLAN_MIN_DAYS, RETURN_TO_EXERCISE_DAY, Stage

P = ChartPoint


# --- Normalising the points ------------------------------------------------------------------


def test_points_are_sorted_deduplicated_clamped_and_negative_days_dropped() -> None:
    messy = [P(4, 15, 9), P(-3, 5, 1), P(1, -2, -1), P(1, 3, 1), P(2, None, 2)]
    assert normalise_points(messy) == (P(1, 3, 1), P(2, None, 2), P(4, 10, 6))


def test_last_point_given_for_a_day_wins() -> None:
    assert normalise_points([P(3, 2, 2), P(3, 5, 3)]) == (P(3, 5, 3),)
    assert normalise_points([P(3, 5, 3), P(3, None, 2)]) == (P(3, None, 2),)


def test_no_points_normalise_to_nothing() -> None:
    assert normalise_points([]) == ()
    assert normalise_points([P(-1, 4, 0)]) == ()


# --- The x range -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "total_days", "expected"),
    [
        ((), 14, 14),
        ((), 0, 1),
        ((), -5, 1),
        ((P(3, 4, 2),), 14, 14),
        ((P(0, 9, 0), P(60, 0, 6)), 14, 60),
        ((P(0, 9, 0),), 2, 2),
    ],
)
def test_last_day_is_plan_length_or_last_point(
    points: tuple[ChartPoint, ...], total_days: int, expected: int
) -> None:
    assert last_day_of(points, total_days) == expected


# --- Phases ----------------------------------------------------------------------------------


def test_phase_start_days_follow_the_recovery_rules() -> None:
    assert chart_layout.PHASE_START_DAYS == {
        ChartPhase.REST: 0,
        ChartPhase.MASSAGE: 1,
        ChartPhase.RETURN_TO_EXERCISE: RETURN_TO_EXERCISE_DAY,
        ChartPhase.STRENGTH: PLAN_MIN_DAYS,
    }
    assert (RETURN_TO_EXERCISE_DAY, PLAN_MIN_DAYS) == (3, 14)


def test_long_plan_shows_every_phase_each_up_to_the_next() -> None:
    assert phase_bands(20) == (
        PhaseBand(ChartPhase.REST, 0, 1),
        PhaseBand(ChartPhase.MASSAGE, 1, 3),
        PhaseBand(ChartPhase.RETURN_TO_EXERCISE, 3, 14),
        PhaseBand(ChartPhase.STRENGTH, 14, 21),
    )


def test_phase_starting_on_the_last_day_gets_that_day() -> None:
    assert phase_bands(14)[-1] == PhaseBand(ChartPhase.STRENGTH, 14, 15)


def test_short_plan_hides_later_phases() -> None:
    assert phase_bands(2) == (
        PhaseBand(ChartPhase.REST, 0, 1),
        PhaseBand(ChartPhase.MASSAGE, 1, 3),
    )
    assert [band.phase for band in phase_bands(13)] == [
        ChartPhase.REST,
        ChartPhase.MASSAGE,
        ChartPhase.RETURN_TO_EXERCISE,
    ]
    assert phase_bands(13)[-1].end == 14


# --- Stage strip -----------------------------------------------------------------------------


def test_stage_runs_carry_forward_to_the_next_checkin_and_merge() -> None:
    points = normalise_points([P(0, 8, 0), P(1, 6, 1), P(2, 5, 1), P(5, 3, 2), P(9, 2, 2)])
    assert stage_runs(points) == (
        StageRun(Stage.REST, 0, 1),
        StageRun(Stage.MASSAGE, 1, 5),
        StageRun(Stage.WALK_FLAT, 5, 10),
    )


def test_last_stage_run_ends_after_the_last_checkin() -> None:
    assert stage_runs((P(4, None, 3),)) == (StageRun(Stage.WALK_FAST, 4, 5),)
    assert stage_runs(()) == ()


def test_stage_going_back_starts_a_new_run() -> None:
    points = (P(3, 2, 2), P(4, 7, 1), P(5, 3, 2))
    assert [run.stage for run in stage_runs(points)] == [
        Stage.WALK_FLAT,
        Stage.MASSAGE,
        Stage.WALK_FLAT,
    ]


# --- Pain line -------------------------------------------------------------------------------


def test_missing_pain_breaks_the_line_and_missing_days_are_bridged() -> None:
    points = (P(0, 8, 0), P(1, None, 1), P(2, 4, 1), P(5, 3, 2), P(6, None, 2), P(7, None, 2))
    assert pain_segments(points) == (
        (PainDot(0, 8),),
        (PainDot(2, 4), PainDot(5, 3)),
    )


def test_no_pain_at_all_gives_no_segments_and_no_dots() -> None:
    points = (P(0, None, 0), P(1, None, 1))
    assert pain_segments(points) == ()
    assert pain_dots(points, label_all=True) == ()


def test_value_labels_on_every_dot_or_only_the_last() -> None:
    points = (P(0, 8, 0), P(1, 6, 1), P(2, None, 1))
    assert pain_dots(points, label_all=True) == (
        PainDot(0, 8, labelled=True),
        PainDot(1, 6, labelled=True),
    )
    assert pain_dots(points, label_all=False) == (
        PainDot(0, 8, labelled=False),
        PainDot(1, 6, labelled=True),
    )


# --- Ticks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot_width", "min_gap", "expected"),
    [
        (60.0, 40.0, 1),
        (40.0, 40.0, 1),
        (25.0, 40.0, 2),
        (10.0, 40.0, 5),
        (5.0, 40.0, 10),
        (3.0, 40.0, 20),
        (0.5, 40.0, 100),
    ],
)
def test_tick_step_is_the_smallest_nice_step_far_enough_apart(
    slot_width: float, min_gap: float, expected: int
) -> None:
    assert tick_step(slot_width, min_gap) == expected


def test_tick_step_refuses_a_zero_slot() -> None:
    with pytest.raises(ValueError):
        tick_step(0.0, 40.0)


def test_tick_days_start_at_zero_and_stop_by_the_last_day() -> None:
    assert tick_days(14, 1) == tuple(range(15))
    assert tick_days(14, 5) == (0, 5, 10)
    assert tick_days(60, 5)[-1] == 60


# --- The whole layout ------------------------------------------------------------------------


def test_empty_chart_layout() -> None:
    layout = layout_chart([], total_days=14, plot_width=880.0)
    assert layout.is_empty
    assert layout.last_day == 14
    assert layout.slots == 15
    assert layout.stage_runs == ()
    assert layout.pain_segments == ()
    assert layout.dots == ()
    assert len(layout.phases) == 4
    assert layout.tick_days == tuple(range(15))


def test_layout_positions_days_in_slots_across_the_plot() -> None:
    layout = layout_chart([P(2, 5, 1)], total_days=3, plot_width=400.0)
    assert layout.slot_width == 100.0
    assert layout.x_edge(0) == 0.0
    assert layout.x_edge(layout.slots) == 400.0
    assert layout.x_mid(2) == 250.0


def test_wide_slots_label_every_dot_narrow_slots_only_the_last() -> None:
    points = [P(d, 9 - d // 3, min(6, d // 4)) for d in range(21)]
    wide = layout_chart(points[:15], total_days=14, plot_width=880.0)
    narrow = layout_chart(points, total_days=30, plot_width=880.0)
    assert all(dot.labelled for dot in wide.dots)
    assert [dot.labelled for dot in narrow.dots] == [False] * 20 + [True]
    assert (wide.slot_width, narrow.slot_width) == (880.0 / 15, 880.0 / 31)
    assert (wide.tick_step, narrow.tick_step) == (1, 2)
    assert layout_chart(points, total_days=60, plot_width=880.0).tick_step == 5


def test_layout_of_messy_points_equals_layout_of_tidy_points() -> None:
    messy = [P(4, 15, 9), P(-3, 5, 1), P(1, -2, -1), P(1, 3, 1)]
    tidy = [P(1, 3, 1), P(4, 10, 6)]
    assert layout_chart(messy, plot_width=880.0) == layout_chart(tidy, plot_width=880.0)


# --- Purity ----------------------------------------------------------------------------------


def test_layout_imports_nothing_but_the_standard_library_and_the_rules() -> None:
    source = Path(chart_layout.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"telegram", "storage", "conversations", "bot", "PIL"})
