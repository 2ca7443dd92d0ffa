"""Layout of the coach's team chart: who checked in on each of the last days.

Pure: no Pillow, no fonts, no Telegram, no words. Given one row of day marks per
athlete and the local dates they cover, it decides which rows are drawn (at most
``max_rows``, the rest counted as "and N more"), each row's shortened name and its
"checked in x/y days" total, and each column's date label (day of the month and
weekday). The drawing module (``conversations.team.roster_chart``) turns this into
pixels and takes every word from ``conversations.texts.team_chart``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import pairwise

__all__ = [
    "DEFAULT_MAX_NAME",
    "DEFAULT_MAX_ROWS",
    "ELLIPSIS",
    "DayLabel",
    "DayMark",
    "LaidOutRow",
    "TeamChartLayout",
    "TeamChartRow",
    "layout_team_chart",
    "shorten_name",
]

#: Athletes drawn at most; the rest are counted in an "and N more" line.
DEFAULT_MAX_ROWS = 30
#: Characters of a name shown at most, the ellipsis included.
DEFAULT_MAX_NAME = 16
ELLIPSIS = "…"


class DayMark(Enum):
    """What one athlete's day looks like on the chart."""

    NO_PLAN = "no_plan"  # nothing due: no plan yet, plan ended or paused
    CHECKED_IN = "checked_in"
    MISSED = "missed"  # a check-in was due and not answered
    ATTENTION = "attention"  # a warning sign, pain 7+ or a cramp episode that day


#: Marks that count as a check-in in the row's total.
_CHECKED = frozenset({DayMark.CHECKED_IN, DayMark.ATTENTION})


@dataclass(frozen=True)
class TeamChartRow:
    """One athlete: a name and one mark per day, oldest first."""

    name: str
    marks: tuple[DayMark, ...]


@dataclass(frozen=True)
class DayLabel:
    """A column's local date, its day of the month and weekday (0 = Monday)."""

    date: date
    day: int
    weekday: int


@dataclass(frozen=True)
class LaidOutRow:
    """A row as drawn: the shortened name, the marks and "checked in x/y days".

    ``due`` counts the days with anything due (every mark but ``NO_PLAN``);
    ``checked_in`` the days with a check-in (``CHECKED_IN`` or ``ATTENTION``).
    """

    name: str
    marks: tuple[DayMark, ...]
    checked_in: int
    due: int
    attention: int
    missed: int


@dataclass(frozen=True)
class TeamChartLayout:
    """Everything the drawing needs: the rows drawn, the rows left out, the columns."""

    rows: tuple[LaidOutRow, ...]
    hidden: int
    days: tuple[DayLabel, ...]

    @property
    def is_empty(self) -> bool:
        """No athletes on the team: the chart shows a note instead of rows."""
        return not self.rows

    @property
    def columns(self) -> int:
        return len(self.days)

    @property
    def total_rows(self) -> int:
        return len(self.rows) + self.hidden


def shorten_name(name: str, max_name: int = DEFAULT_MAX_NAME) -> str:
    """Collapse whitespace and cut to ``max_name`` characters, ending with an ellipsis."""
    if max_name < 2:
        raise ValueError("max_name must be at least 2")
    text = " ".join(name.split())
    if len(text) <= max_name:
        return text
    return text[: max_name - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _day_labels(days: Sequence[date]) -> tuple[DayLabel, ...]:
    if not days:
        raise ValueError("days must not be empty")
    for earlier, later in pairwise(days):
        if not earlier < later:
            raise ValueError("days must be in order, oldest first, without repeats")
    return tuple(DayLabel(date=d, day=d.day, weekday=d.weekday()) for d in days)


def _lay_out_row(row: TeamChartRow, max_name: int) -> LaidOutRow:
    marks = tuple(row.marks)
    return LaidOutRow(
        name=shorten_name(row.name, max_name),
        marks=marks,
        checked_in=sum(mark in _CHECKED for mark in marks),
        due=sum(mark is not DayMark.NO_PLAN for mark in marks),
        attention=marks.count(DayMark.ATTENTION),
        missed=marks.count(DayMark.MISSED),
    )


def layout_team_chart(
    rows: Sequence[TeamChartRow],
    days: Sequence[date],
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_name: int = DEFAULT_MAX_NAME,
) -> TeamChartLayout:
    """Lay out the team chart: the first ``max_rows`` rows, in the order given.

    ``days`` are the local dates of the columns, oldest first; every row must carry
    exactly one mark per day (``ValueError`` otherwise, as for empty or unordered
    days or a ``max_rows`` below 1). Rows past ``max_rows`` are counted in ``hidden``;
    the caller decides the order, so put the athletes who need attention first if
    they must never be cut.
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    labels = _day_labels(days)
    for n, row in enumerate(rows):
        if len(row.marks) != len(labels):
            raise ValueError(
                f"row {n} has {len(row.marks)} marks for {len(labels)} days",
            )
        if not all(isinstance(mark, DayMark) for mark in row.marks):
            raise ValueError(f"row {n} has a mark that is not a DayMark")
    shown = rows[:max_rows]
    return TeamChartLayout(
        rows=tuple(_lay_out_row(row, max_name) for row in shown),
        hidden=len(rows) - len(shown),
        days=labels,
    )
