"""The coach's team chart: its pure layout (rows, names, totals) and the Pillow picture."""

from __future__ import annotations

import ast
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from conversations.team import roster_chart
from conversations.team.roster_chart import chart_height, render_team_png
from conversations.texts import team_chart as texts
from rules import team_chart
from rules.team_chart import (
    DayLabel,
    DayMark,
    TeamChartRow,
    layout_team_chart,
    shorten_name,
)

C, M, A, N = DayMark.CHECKED_IN, DayMark.MISSED, DayMark.ATTENTION, DayMark.NO_PLAN
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DAYS = tuple(date(2027, 3, 3) + timedelta(days=d) for d in range(14))


def _row(name: str, marks: str) -> TeamChartRow:
    """A row from letters: c checked in, m missed, a attention, n nothing due."""
    return TeamChartRow(name, tuple({"c": C, "m": M, "a": A, "n": N}[ch] for ch in marks))


def _team(size: int) -> list[TeamChartRow]:
    pattern = "nnnccmcaccmcca"
    return [_row(f"Athlete {n}", pattern[n % 5 :] + "c" * (n % 5)) for n in range(size)]


def _open(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


# --- Layout ----------------------------------------------------------------------------------


def test_rows_past_the_maximum_are_counted_not_drawn() -> None:
    layout = layout_team_chart(_team(45), DAYS, max_rows=30)
    assert len(layout.rows) == 30
    assert layout.hidden == 15
    assert layout.total_rows == 45
    assert [r.name for r in layout.rows[:2]] == ["Athlete 0", "Athlete 1"]


def test_a_team_within_the_maximum_hides_no_one() -> None:
    layout = layout_team_chart(_team(3), DAYS)
    assert len(layout.rows) == 3
    assert layout.hidden == 0


def test_long_names_are_shortened_with_an_ellipsis() -> None:
    layout = layout_team_chart([_row("Christopher Wellington", "c" * 14)], DAYS, max_name=16)
    assert layout.rows[0].name == "Christopher Wel…"
    assert len(layout.rows[0].name) == 16
    assert shorten_name("Mia", 16) == "Mia"
    assert shorten_name("  Ana   Lopez ", 16) == "Ana Lopez"
    assert shorten_name("Sixteen chars ok", 16) == "Sixteen chars ok"
    assert shorten_name("Ana Lopez Garcia", 10) == "Ana Lopez…"
    assert shorten_name("Ana Lopez Garcia", 5) == "Ana…"  # no space before the ellipsis


def test_totals_count_check_ins_over_days_due() -> None:
    layout = layout_team_chart([_row("Sam", "nnnnccmacmmaac")], DAYS)
    row = layout.rows[0]
    assert (row.checked_in, row.due) == (7, 10)
    assert (row.attention, row.missed) == (3, 3)
    quiet = layout_team_chart([_row("Kai", "n" * 14)], DAYS).rows[0]
    assert (quiet.checked_in, quiet.due) == (0, 0)


def test_day_labels_are_the_dates_with_day_of_month_and_weekday() -> None:
    layout = layout_team_chart([], DAYS)
    assert layout.columns == 14
    assert layout.days[0] == DayLabel(date(2027, 3, 3), 3, 2)  # a Wednesday
    assert layout.days[-1] == DayLabel(date(2027, 3, 16), 16, 1)
    assert [texts.WEEKDAY_INITIALS[d.weekday] for d in layout.days[:3]] == ["W", "T", "F"]


def test_an_empty_team_lays_out_empty() -> None:
    layout = layout_team_chart([], DAYS)
    assert layout.is_empty
    assert layout.rows == ()
    assert layout.hidden == 0


@pytest.mark.parametrize("marks", ["c" * 13, "c" * 15, ""])
def test_a_row_with_the_wrong_number_of_marks_is_refused(marks: str) -> None:
    with pytest.raises(ValueError, match="marks"):
        layout_team_chart([_row("Ok", "c" * 14), _row("Bad", marks)], DAYS)


@pytest.mark.parametrize(
    "days",
    [(), (DAYS[1], DAYS[0]), (DAYS[0], DAYS[0])],
    ids=["none", "backwards", "repeated"],
)
def test_days_must_be_given_oldest_first(days: tuple[date, ...]) -> None:
    with pytest.raises(ValueError, match="days"):
        layout_team_chart([], days)


def test_limits_below_their_minimum_are_refused() -> None:
    with pytest.raises(ValueError):
        layout_team_chart([], DAYS, max_rows=0)
    with pytest.raises(ValueError):
        layout_team_chart([_row("Sam", "c" * 14)], DAYS, max_name=1)


def test_layout_imports_nothing_but_the_standard_library() -> None:
    source = Path(team_chart.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"telegram", "storage", "conversations", "bot", "PIL"})


# --- Texts -----------------------------------------------------------------------------------


def test_every_mark_has_a_legend_label() -> None:
    assert set(texts.LEGEND) == set(DayMark)
    assert texts.TITLE.format(count=14) == "Last 14 days"
    assert texts.MORE.format(count=3) == "and 3 more"


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (date(2027, 3, 3), date(2027, 3, 16), "3 - 16 Mar"),
        (date(2027, 2, 24), date(2027, 3, 9), "24 Feb - 9 Mar"),
        (date(2026, 12, 29), date(2027, 1, 11), "29 Dec 2026 - 11 Jan 2027"),
        (date(2027, 3, 3), date(2027, 3, 3), "3 Mar"),
    ],
)
def test_date_range(first: date, last: date, text: str) -> None:
    assert texts.date_range(first, last) == text


# --- Picture ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 12, 30])
def test_renders_a_valid_png_1000_px_wide(size: int) -> None:
    img = _open(render_team_png(_team(size), DAYS))
    assert img.format == "PNG"
    assert img.mode == "RGB"
    assert img.size == (1000, chart_height(layout_team_chart(_team(size), DAYS)))


def test_height_grows_with_the_rows() -> None:
    heights = [_open(render_team_png(_team(n), DAYS)).height for n in (1, 2, 10)]
    assert heights[0] < heights[1] < heights[2]


def test_a_hundred_athletes_stay_capped() -> None:
    capped = _open(render_team_png(_team(100), DAYS))
    at_max = _open(render_team_png(_team(30), DAYS))
    assert capped.width == 1000
    assert capped.height == _open(render_team_png(_team(31), DAYS)).height
    assert at_max.height < capped.height < at_max.height + 60  # the "and N more" line only
    assert render_team_png(_team(100), DAYS) != render_team_png(_team(99), DAYS)


def test_deterministic_output() -> None:
    assert render_team_png(_team(12), DAYS) == render_team_png(list(_team(12)), list(DAYS))
    assert render_team_png([], DAYS) == render_team_png([], DAYS)


def test_data_changes_the_image() -> None:
    base = render_team_png([_row("Sam", "c" * 14)], DAYS)
    assert render_team_png([_row("Sam", "c" * 13 + "m")], DAYS) != base
    assert render_team_png([_row("Sam", "c" * 13 + "a")], DAYS) != base
    assert render_team_png([_row("Kai", "c" * 14)], DAYS) != base
    assert render_team_png([_row("Sam", "c" * 14)], DAYS, title="Hawks") != base
    later = tuple(d + timedelta(days=1) for d in DAYS)
    assert render_team_png([_row("Sam", "c" * 14)], later) != base


def test_the_empty_team_renders_its_note() -> None:
    img = _open(render_team_png([], DAYS))
    colors = img.getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 10
    assert render_team_png([], DAYS) != render_team_png([_row("Sam", "n" * 14)], DAYS)


def test_missed_and_attention_carry_a_symbol_not_only_a_colour() -> None:
    """In greyscale a missed or attention cell still differs from a plain cell's middle."""
    layout = layout_team_chart([_row("Sam", "cmancmancmanca")], DAYS)
    img = _open(render_team_png([_row("Sam", "cmancmancmanca")], DAYS)).convert("L")
    cy = round(roster_chart._row_cy(0) / 2)  # the first row's middle, at 1x
    for column, mark in enumerate(layout.rows[0].marks):
        x0, x1 = (v / 2 for v in roster_chart._column_box(layout, column))
        cx = round((x0 + x1) / 2)
        middle = img.getpixel((cx, cy))
        edge = img.getpixel((round(x0) + 6, cy))
        assert isinstance(middle, int) and isinstance(edge, int)
        has_symbol = abs(middle - edge) > 40
        assert has_symbol is (mark in (DayMark.MISSED, DayMark.ATTENTION)), (column, mark)


def test_names_the_bundled_font_cannot_draw_are_folded() -> None:
    # The bundled font draws every letter of German, Spanish and French, and Cyrillic.
    assert roster_chart._drawable("José Álvarez") == "José Álvarez"
    assert (
        roster_chart._drawable("Jürgen Müßig, Françoise, Núñez") == "Jürgen Müßig, Françoise, Núñez"
    )
    assert roster_chart._drawable("Jose\u0301") == "José"  # a combining accent, composed
    assert roster_chart._drawable("Иван Петров") == "Иван Петров"
    assert roster_chart._drawable("Sam 🏃") == "Sam"
    assert roster_chart._drawable("王伟") == "?"
    assert roster_chart._drawable("Ana 王伟") == "Ana ?"
    assert roster_chart._drawable("🏃") == "?"
    assert roster_chart._drawable("Hawks U18 – Seniors") == "Hawks U18 - Seniors"
