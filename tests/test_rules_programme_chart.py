"""The summary picture's layout, alone: the fortnight's columns, counts and totals."""

from __future__ import annotations

from datetime import date

import pytest

from rules.programme_chart import SUMMARY_DAYS, Cell, Row, layout_summary

LAST = date(2027, 4, 4)


def test_fourteen_columns_ending_today_with_counts_and_totals() -> None:
    layout = layout_summary(
        LAST,
        sessions_done=[date(2027, 3, 22), date(2027, 3, 25), date(2027, 4, 1), date(2027, 3, 1)],
        cramps=[date(2027, 4, 2), date(2027, 4, 2)],
        hot_days=[date(2027, 4, 2), date(2027, 4, 2), date(2027, 4, 3), date(2027, 4, 5)],
        plot_width=700,
    )
    assert len(layout.days) == SUMMARY_DAYS
    assert (layout.first_day, layout.last_day) == (date(2027, 3, 22), LAST)
    assert layout.totals == {Row.SESSIONS: 3, Row.CRAMPS: 2, Row.HOT: 2}
    assert Cell(Row.CRAMPS, 11, 2) in layout.cells
    assert Cell(Row.HOT, 11, 1) in layout.cells  # one hot day, however many reasons
    assert Cell(Row.SESSIONS, 0, 1) in layout.cells
    assert len(layout.cells) == 3 * SUMMARY_DAYS
    assert layout.column_width == 50
    assert (layout.x_edge(0), layout.x_mid(13)) == (0, 675)
    assert layout.tick_columns[-1] == 13
    assert not layout.is_empty


def test_an_empty_fortnight() -> None:
    layout = layout_summary(LAST, sessions_done=[], cramps=[], hot_days=[], plot_width=140)
    assert layout.is_empty
    assert all(cell.count == 0 for cell in layout.cells)


def test_no_days_is_refused() -> None:
    with pytest.raises(ValueError):
        layout_summary(LAST, sessions_done=[], cramps=[], hot_days=[], plot_width=1, days=0)
