"""Layout of the recovery-progress chart, in days and values: what goes where.

Pure: no Pillow, no fonts, no Telegram. Given the check-in points and the plan's
length it decides the x range, which recovery phases are visible and where their
bands run, the stage strip's runs, the pain line's segments, which dots carry a
value label and the x-axis tick step. The drawing module
(``conversations.plan.chart``) turns this into pixels; geometry that needs font
measurement (chip rows, legend rows, text fitting) stays there.

Positions across the plot are offsets from its left edge, in whatever unit the
caller gives ``plot_width`` in (the drawing module uses supersampled pixels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rules.recovery import (
    MASSAGE_AFTER_HOURS,
    PAIN_MAX,
    PAIN_MIN,
    PLAN_MIN_DAYS,
    RETURN_TO_EXERCISE_DAY,
    Stage,
)

__all__ = [
    "DEFAULT_TOTAL_DAYS",
    "MIN_TICK_GAP",
    "MIN_VALUE_LABEL_SLOT",
    "PHASE_START_DAYS",
    "ChartLayout",
    "ChartPhase",
    "ChartPoint",
    "PainDot",
    "PhaseBand",
    "StageRun",
    "last_day_of",
    "layout_chart",
    "normalise_points",
    "pain_dots",
    "pain_segments",
    "phase_bands",
    "stage_runs",
    "tick_days",
    "tick_step",
]

#: Days shown on the x axis at least (the plan's minimum length).
DEFAULT_TOTAL_DAYS = PLAN_MIN_DAYS
#: Ticks on the x axis are at least this far apart (1x px at the chart's 1000 px width).
MIN_TICK_GAP = 40.0
#: Every dot carries its value when a day's slot is at least this wide (1x px); otherwise
#: only the last dot does.
MIN_VALUE_LABEL_SLOT = 34.0

_HOURS_PER_DAY = 24


@dataclass(frozen=True)
class ChartPoint:
    """One check-in: day since the cramp, pain 0-10 (None if not given), stage 0-6."""

    day: int
    pain: int | None
    stage: int


class ChartPhase(Enum):
    """A phase of the recovery plan, shown as a tinted band with a label."""

    REST = "rest"
    MASSAGE = "massage"
    RETURN_TO_EXERCISE = "return_to_exercise"
    STRENGTH = "strength"


#: First day of each phase, from the recovery rules.
PHASE_START_DAYS: dict[ChartPhase, int] = {
    ChartPhase.REST: 0,
    ChartPhase.MASSAGE: math.ceil(MASSAGE_AFTER_HOURS / _HOURS_PER_DAY),
    ChartPhase.RETURN_TO_EXERCISE: RETURN_TO_EXERCISE_DAY,
    ChartPhase.STRENGTH: PLAN_MIN_DAYS,
}


@dataclass(frozen=True)
class PhaseBand:
    """A visible phase: its band runs from day ``start`` up to (not including) ``end``."""

    phase: ChartPhase
    start: int
    end: int


@dataclass(frozen=True)
class StageRun:
    """Consecutive days on one stage: from ``start`` up to (not including) ``end``."""

    stage: Stage
    start: int
    end: int


@dataclass(frozen=True)
class PainDot:
    """A pain value on a day; ``labelled`` when its value is written above the dot."""

    day: int
    pain: int
    labelled: bool = False


@dataclass(frozen=True)
class ChartLayout:
    """Everything the drawing needs to know about the data, in days and values."""

    points: tuple[ChartPoint, ...]
    last_day: int
    plot_width: float
    phases: tuple[PhaseBand, ...]
    stage_runs: tuple[StageRun, ...]
    pain_segments: tuple[tuple[PainDot, ...], ...]
    dots: tuple[PainDot, ...]
    tick_step: int

    @property
    def is_empty(self) -> bool:
        """No check-ins yet: the chart shows a note instead of data."""
        return not self.points

    @property
    def slots(self) -> int:
        """Number of day slots on the x axis (days 0..last_day)."""
        return self.last_day + 1

    @property
    def slot_width(self) -> float:
        """Width of one day's slot, in the unit of ``plot_width``."""
        return self.plot_width / self.slots

    @property
    def tick_days(self) -> tuple[int, ...]:
        """Days that get a tick and a number on the x axis."""
        return tick_days(self.last_day, self.tick_step)

    def x_edge(self, day: float) -> float:
        """Offset of the left edge of ``day``'s slot from the plot's left edge."""
        return day * self.slot_width

    def x_mid(self, day: int) -> float:
        """Offset of the middle of ``day``'s slot from the plot's left edge."""
        return (day + 0.5) * self.slot_width


def normalise_points(points: Sequence[ChartPoint]) -> tuple[ChartPoint, ...]:
    """Sort by day, keep the last point given for a day, clamp values, drop day < 0."""
    by_day: dict[int, ChartPoint] = {}
    for p in points:
        day = int(p.day)
        if day < 0:
            continue
        pain = None if p.pain is None else min(max(int(p.pain), PAIN_MIN), PAIN_MAX)
        stage = min(max(int(p.stage), min(Stage)), max(Stage))
        by_day[day] = ChartPoint(day=day, pain=pain, stage=stage)
    return tuple(by_day[d] for d in sorted(by_day))


def last_day_of(points: Sequence[ChartPoint], total_days: int) -> int:
    """Last day on the x axis: the plan's length (at least 1) or the last point's day.

    ``points`` must be normalised (sorted by day).
    """
    return max(max(int(total_days), 1), points[-1].day if points else 0)


def phase_bands(last_day: int) -> tuple[PhaseBand, ...]:
    """The phases that start by ``last_day``; each band ends where the next one starts."""
    visible = [(phase, start) for phase, start in PHASE_START_DAYS.items() if start <= last_day]
    return tuple(
        PhaseBand(
            phase=phase,
            start=start,
            end=visible[n + 1][1] if n + 1 < len(visible) else last_day + 1,
        )
        for n, (phase, start) in enumerate(visible)
    )


def stage_runs(points: Sequence[ChartPoint]) -> tuple[StageRun, ...]:
    """Runs of the stage strip: a stage carries forward to the next check-in.

    The last check-in's stage covers its own day only. ``points`` must be normalised.
    """
    runs: list[StageRun] = []
    for n, p in enumerate(points):
        end = points[n + 1].day if n + 1 < len(points) else p.day + 1
        stage = Stage(p.stage)
        if runs and runs[-1].stage == stage and runs[-1].end == p.day:
            runs[-1] = StageRun(stage, runs[-1].start, end)
        else:
            runs.append(StageRun(stage, p.day, end))
    return tuple(runs)


def pain_segments(points: Sequence[ChartPoint]) -> tuple[tuple[PainDot, ...], ...]:
    """Pieces of the pain line: a point without pain breaks it; missing days are bridged."""
    segments: list[tuple[PainDot, ...]] = []
    segment: list[PainDot] = []
    for p in points:
        if p.pain is None:
            if segment:
                segments.append(tuple(segment))
            segment = []
        else:
            segment.append(PainDot(p.day, p.pain))
    if segment:
        segments.append(tuple(segment))
    return tuple(segments)


def pain_dots(points: Sequence[ChartPoint], *, label_all: bool) -> tuple[PainDot, ...]:
    """A dot for every point with pain; all labelled, or only the last one."""
    given = [(p.day, p.pain) for p in points if p.pain is not None]
    return tuple(
        PainDot(day, pain, labelled=label_all or n == len(given) - 1)
        for n, (day, pain) in enumerate(given)
    )


def tick_step(slot_width: float, min_gap: float) -> int:
    """Smallest "nice" day step (1, 2, 5, 10, 20, ...) with ticks ``min_gap`` apart."""
    if slot_width <= 0:
        raise ValueError("slot_width must be positive")
    magnitude = 1
    while True:
        for mult in (1, 2, 5):
            step = mult * magnitude
            if step * slot_width >= min_gap:
                return step
        magnitude *= 10


def tick_days(last_day: int, step: int) -> tuple[int, ...]:
    """Days 0, step, 2*step, ... up to ``last_day``."""
    return tuple(range(0, last_day + 1, step))


def layout_chart(
    points: Sequence[ChartPoint],
    *,
    total_days: int = DEFAULT_TOTAL_DAYS,
    plot_width: float,
    min_tick_gap: float = MIN_TICK_GAP,
    min_value_label_slot: float = MIN_VALUE_LABEL_SLOT,
) -> ChartLayout:
    """Lay out the chart for ``points`` over a plot ``plot_width`` wide.

    The x axis runs over days ``0..max(total_days, last day)``, one slot per day.
    ``min_tick_gap`` and ``min_value_label_slot`` are in the unit of ``plot_width``.
    """
    pts = normalise_points(points)
    last_day = last_day_of(pts, total_days)
    slot_width = plot_width / (last_day + 1)
    return ChartLayout(
        points=pts,
        last_day=last_day,
        plot_width=plot_width,
        phases=phase_bands(last_day),
        stage_runs=stage_runs(pts),
        pain_segments=pain_segments(pts),
        dots=pain_dots(pts, label_all=slot_width >= min_value_label_slot),
        tick_step=tick_step(slot_width, min_tick_gap),
    )
