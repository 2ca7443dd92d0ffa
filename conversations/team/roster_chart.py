"""The coach's team chart for /roster, drawn as PNG bytes with Pillow.

Pure: no Telegram, no DB, no clock. ``rules.team_chart`` decides which rows are
drawn, their shortened names and totals, and the columns' dates; this module turns
that into pixels in short steps: the title and date range, the legend, the day
labels, one row per athlete (name, a cell per day, "x/y" checked in), the
"and N more" line and the empty-team note. Every word comes from
``conversations.texts.team_chart``.

Colour is never the only cue: a missed day carries a dot and a day needing
attention an exclamation mark. The picture is 1000 px wide and grows with the rows
(capped by ``max_rows``); it is drawn at twice the output resolution, downsampled,
and deterministic: the same input always gives the same bytes.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date
from functools import lru_cache, partial

from PIL import Image, ImageDraw

from conversations.drawing import Color, bundled_font, draw_text, fit_text, px, text_width
from conversations.texts import team_chart as texts
from rules.team_chart import (
    DEFAULT_MAX_NAME,
    DEFAULT_MAX_ROWS,
    DayMark,
    LaidOutRow,
    TeamChartLayout,
    TeamChartRow,
    layout_team_chart,
)

__all__ = ["WIDTH", "chart_height", "render_team_png"]

Box = tuple[float, float, float, float]

WIDTH = 1000

# Okabe-Ito based: told apart by colour-blind readers, and by the symbols as well.
_FILLS: dict[DayMark, Color] = {
    DayMark.NO_PLAN: (236, 236, 236),
    DayMark.CHECKED_IN: (0, 114, 178),  # blue
    DayMark.MISSED: (253, 232, 190),  # pale amber, with a dot
    DayMark.ATTENTION: (213, 94, 0),  # vermillion, with "!"
}
_MISSED_DOT: Color = (160, 96, 0)
_MISSED_OUTLINE: Color = (222, 170, 80)

_BG: Color = (255, 255, 255)
_TEXT: Color = (34, 34, 34)
_MUTED: Color = (110, 110, 110)
_STRIPE: Color = (245, 246, 248)
_RULE: Color = (214, 214, 214)

# Font sizes (1x px).
_TITLE_SIZE = 30
_LABEL_SIZE = 18
_SMALL_SIZE = 16
_TINY_SIZE = 14

# Horizontal layout (1x px): name column, cells, totals column.
_MARGIN = 24
_NAME_LEFT = _MARGIN
_CELLS_LEFT = 214
_CELLS_RIGHT = WIDTH - _MARGIN - 96
_TOTAL_RIGHT = WIDTH - _MARGIN
_CELL_GAP = 4

# Vertical layout (1x px).
_TITLE_TOP = 14
_LEGEND_CY = 76
_HEADER_TOP = 104
_GRID_TOP = 150
_ROW_PITCH = 28
_CELL_H = 22
_MORE_H = 34
_EMPTY_H = 140
_BOTTOM = 20

_SWATCH_W = 30
_LEGEND_GAP_SWATCH = 8
_LEGEND_GAP_ITEM = 28

_ELLIPSIS = "…"
_UNKNOWN = "?"
#: Dashes the bundled font lacks, drawn as a hyphen.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))

#: Text aligned vertically by the font line rather than its ink, which keeps names
#: with and without descenders on one baseline.
_draw_text = partial(draw_text, line=True)


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    """Whether the bundled font draws ``char`` (rather than its "missing" box)."""
    font = bundled_font(_LABEL_SIZE)
    return char.isspace() or bytes(font.getmask(char)) != bytes(font.getmask("\uffff"))


def _drawable(name: str) -> str:
    """``name`` in letters the bundled font has, other letters as "?".

    The bundled font (DejaVu Sans) covers Latin with its accents, Greek and Cyrillic: "José",
    "Müller" and "Иван" stay as they are; a name in a script it lacks becomes "?" (a name with
    nothing else, one "?") and emoji are left out.
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", name.translate(_DASHES)):
        if _has_glyph(ch):
            out.append(ch)
        elif unicodedata.category(ch)[0] in "LN" and (not out or out[-1] != _UNKNOWN):
            out.append(_UNKNOWN)
    text = " ".join("".join(out).split())
    return text if text.replace(_UNKNOWN, "").strip() else _UNKNOWN


# --- Geometry -------------------------------------------------------------------------


def chart_height(layout: TeamChartLayout) -> int:
    """Output height (1x px): the header, one pitch per row, the "more" line or the note."""
    body = _EMPTY_H if layout.is_empty else len(layout.rows) * _ROW_PITCH
    more = _MORE_H if layout.hidden else 0
    return _GRID_TOP + body + more + _BOTTOM


def _column_box(layout: TeamChartLayout, column: int) -> tuple[float, float]:
    """Left and right edge of a day's cell (supersampled px)."""
    pitch = (px(_CELLS_RIGHT) - px(_CELLS_LEFT)) / layout.columns
    x0 = px(_CELLS_LEFT) + column * pitch
    return x0 + px(_CELL_GAP) / 2, x0 + pitch - px(_CELL_GAP) / 2


def _row_cy(row: int) -> float:
    return px(_GRID_TOP + (row + 0.5) * _ROW_PITCH)


# --- Drawing steps ----------------------------------------------------------------------


def _draw_cell(draw: ImageDraw.ImageDraw, box: Box, mark: DayMark) -> None:
    """A day's cell: its colour, and a dot (missed) or "!" (needs attention)."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    outline = _MISSED_OUTLINE if mark is DayMark.MISSED else None
    draw.rounded_rectangle(box, radius=px(4), fill=_FILLS[mark], outline=outline, width=px(1))
    if mark is DayMark.MISSED:
        r = px(3.5)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_MISSED_DOT)
    elif mark is DayMark.ATTENTION:
        half = px(1.6)
        draw.rounded_rectangle(
            (cx - half, cy - px(7), cx + half, cy + px(2)), radius=half, fill=_BG
        )
        draw.ellipse((cx - half, cy + px(4), cx + half, cy + px(4) + 2 * half), fill=_BG)


def _draw_title(draw: ImageDraw.ImageDraw, title: str, layout: TeamChartLayout) -> None:
    small = bundled_font(_LABEL_SIZE)
    dates = texts.date_range(layout.days[0].date, layout.days[-1].date)
    dates_w = text_width(draw, dates, small)
    y = px(_TITLE_TOP)
    _draw_text(draw, (px(WIDTH - _MARGIN), y + px(8)), dates, small, _MUTED, h="r")
    font = bundled_font(_TITLE_SIZE)
    room = px(WIDTH - 2 * _MARGIN - 24) - dates_w
    text = fit_text(draw, _drawable(title), font, room, _ELLIPSIS)
    _draw_text(draw, (px(_MARGIN), y), text, font, _TEXT)


def _draw_legend(draw: ImageDraw.ImageDraw) -> None:
    """The four marks in one centred row, each with the cell it explains."""
    font = bundled_font(_SMALL_SIZE)
    items = [(mark, texts.LEGEND[mark]) for mark in texts.LEGEND]
    widths = [px(_SWATCH_W + _LEGEND_GAP_SWATCH) + text_width(draw, t, font) for _, t in items]
    x: float = (px(WIDTH) - sum(widths) - px(_LEGEND_GAP_ITEM) * (len(items) - 1)) / 2
    cy = px(_LEGEND_CY)
    for (mark, text), width in zip(items, widths, strict=True):
        _draw_cell(draw, (x, cy - px(_CELL_H) / 2, x + px(_SWATCH_W), cy + px(_CELL_H) / 2), mark)
        _draw_text(draw, (x + px(_SWATCH_W + _LEGEND_GAP_SWATCH), cy), text, font, _TEXT, v="m")
        x += width + px(_LEGEND_GAP_ITEM)


def _draw_header(draw: ImageDraw.ImageDraw, layout: TeamChartLayout) -> None:
    """Weekday initial over the day of the month, per column; the totals' heading."""
    top = px(_HEADER_TOP)
    for n, label in enumerate(layout.days):
        x0, x1 = _column_box(layout, n)
        cx = (x0 + x1) / 2
        initial = texts.WEEKDAY_INITIALS[label.weekday]
        _draw_text(draw, (cx, top), initial, bundled_font(_TINY_SIZE), _MUTED, h="m")
        _draw_text(
            draw, (cx, top + px(18)), str(label.day), bundled_font(_SMALL_SIZE), _TEXT, h="m"
        )
    heading = texts.TOTAL_HEADING
    _draw_text(
        draw, (px(_TOTAL_RIGHT), top + px(18)), heading, bundled_font(_TINY_SIZE), _MUTED, h="r"
    )
    rule_y = px(_GRID_TOP) - px(3)
    draw.line((px(_MARGIN), rule_y, px(WIDTH - _MARGIN), rule_y), fill=_RULE, width=px(1))


def _draw_row(draw: ImageDraw.ImageDraw, layout: TeamChartLayout, n: int, row: LaidOutRow) -> None:
    """A zebra stripe, the name, a cell per day and the "x/y" total."""
    cy = _row_cy(n)
    if n % 2:
        half = px(_ROW_PITCH) / 2
        draw.rectangle(
            (px(_MARGIN) - px(8), cy - half, px(WIDTH - _MARGIN) + px(8), cy + half), fill=_STRIPE
        )
    font = bundled_font(_LABEL_SIZE)
    name_room = px(_CELLS_LEFT - _NAME_LEFT - 10)
    name = fit_text(draw, _drawable(row.name), font, name_room, _ELLIPSIS)
    _draw_text(draw, (px(_NAME_LEFT), cy), name, font, _TEXT, v="m")
    for column, mark in enumerate(row.marks):
        x0, x1 = _column_box(layout, column)
        _draw_cell(draw, (x0, cy - px(_CELL_H) / 2, x1, cy + px(_CELL_H) / 2), mark)
    total = f"{row.checked_in}/{row.due}" if row.due else "-"
    _draw_text(
        draw, (px(_TOTAL_RIGHT), cy), total, font, _TEXT if row.due else _MUTED, h="r", v="m"
    )


def _draw_more(draw: ImageDraw.ImageDraw, layout: TeamChartLayout) -> None:
    y = px(_GRID_TOP + len(layout.rows) * _ROW_PITCH + _MORE_H / 2)
    text = texts.MORE.format(count=layout.hidden)
    _draw_text(draw, (px(_NAME_LEFT), y), text, bundled_font(_LABEL_SIZE), _MUTED, v="m")


def _draw_empty_note(draw: ImageDraw.ImageDraw) -> None:
    """A boxed note where the rows would be, for a team with no athletes."""
    top, bottom = px(_GRID_TOP + 14), px(_GRID_TOP + _EMPTY_H - 14)
    draw.rounded_rectangle(
        (px(_MARGIN), top, px(WIDTH - _MARGIN), bottom), radius=px(10), outline=_RULE, width=px(1.5)
    )
    cx, cy = px(WIDTH / 2), (top + bottom) / 2
    _draw_text(draw, (cx, cy - px(4)), texts.EMPTY_HEADING, bundled_font(26), _TEXT, h="m", v="b")
    _draw_text(draw, (cx, cy + px(6)), texts.EMPTY_NOTE, bundled_font(_LABEL_SIZE), _MUTED, h="m")


def render_team_png(
    rows: Sequence[TeamChartRow],
    days: Sequence[date],
    *,
    title: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_name: int = DEFAULT_MAX_NAME,
) -> bytes:
    """Render the team chart as PNG bytes (1000 px wide, RGB, height by rows).

    One row per athlete in the order given, at most ``max_rows`` (the rest in an
    "and N more" line); ``days`` are the columns' local dates, oldest first, and
    every row has one mark per day (``ValueError`` otherwise). ``title`` defaults
    to "Last N days" from the texts.
    """
    layout = layout_team_chart(rows, days, max_rows=max_rows, max_name=max_name)
    height = chart_height(layout)
    img = Image.new("RGB", (px(WIDTH), px(height)), _BG)
    draw = ImageDraw.Draw(img)

    _draw_title(draw, texts.TITLE.format(count=layout.columns) if title is None else title, layout)
    _draw_legend(draw)
    _draw_header(draw, layout)
    for n, row in enumerate(layout.rows):
        _draw_row(draw, layout, n, row)
    if layout.hidden:
        _draw_more(draw, layout)
    if layout.is_empty:
        _draw_empty_note(draw)

    out = img.resize((WIDTH, height), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
