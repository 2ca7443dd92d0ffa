"""The prevention programme's fortnightly summary picture: what goes where, in days and cells.

Three rows over the last 14 days on the athlete's calendar: strength sessions reported done,
cramps (episodes started that day), hot days (a heat warning sent that day, or a cramp whose
pattern answer said it was hot). Each day is a column; a cell is marked when its row has
something that day, with a count when more than one. The drawing is
``conversations.prevention.summary``.

Pure: no Telegram, no storage, no clock (the last day is passed in).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

__all__ = ["SUMMARY_DAYS", "Cell", "Row", "SummaryLayout", "layout_summary"]

#: A fortnight: the weekly check-ins come every Sunday, the picture shows two of them.
SUMMARY_DAYS = 14


class Row(StrEnum):
    SESSIONS = "sessions"
    CRAMPS = "cramps"
    HOT = "hot"


ROWS = (Row.SESSIONS, Row.CRAMPS, Row.HOT)


@dataclass(frozen=True)
class Cell:
    row: Row
    column: int  # 0 is the oldest day
    count: int  # 0: nothing that day


@dataclass(frozen=True)
class SummaryLayout:
    first_day: date
    last_day: date
    days: tuple[date, ...]
    cells: tuple[Cell, ...]  # row by row, each oldest day first
    totals: dict[Row, int]  # sessions and cramps counted; hot: the number of hot days
    column_width: float
    tick_columns: tuple[int, ...]  # columns whose date is written under the picture

    def x_edge(self, column: float) -> float:
        return column * self.column_width

    def x_mid(self, column: int) -> float:
        return (column + 0.5) * self.column_width

    @property
    def is_empty(self) -> bool:
        return all(total == 0 for total in self.totals.values())


def layout_summary(
    last_day: date,
    *,
    sessions_done: Iterable[date],
    cramps: Iterable[date],
    hot_days: Iterable[date],
    plot_width: float,
    days: int = SUMMARY_DAYS,
) -> SummaryLayout:
    """The cells of the ``days`` days ending on ``last_day`` (both ends included); dates
    outside them are left out. A hot day counts once, however many reasons it has."""
    if days < 1:
        raise ValueError("at least one day")
    first_day = last_day - timedelta(days=days - 1)
    columns = tuple(first_day + timedelta(days=n) for n in range(days))
    inside = set(columns)
    counts: dict[Row, Counter[date]] = {
        Row.SESSIONS: Counter(day for day in sessions_done if day in inside),
        Row.CRAMPS: Counter(day for day in cramps if day in inside),
        Row.HOT: Counter(set(day for day in hot_days if day in inside)),
    }
    cells = tuple(
        Cell(row, column, counts[row][day]) for row in ROWS for column, day in enumerate(columns)
    )
    totals = {row: sum(counts[row].values()) for row in ROWS}
    # A date under every other column, and always under the last (today).
    ticks = tuple(sorted({*range(days - 1, -1, -2)}))
    return SummaryLayout(
        first_day=first_day,
        last_day=last_day,
        days=columns,
        cells=cells,
        totals=totals,
        column_width=plot_width / days,
        tick_columns=ticks,
    )
