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
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

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

Color = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Box = tuple[float, float, float, float]
HAnchor = Literal["l", "m", "r"]
VAnchor = Literal["t", "m", "b"]

WIDTH = 1000
_SCALE = 2

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


def _s(value: float) -> int:
    """Convert a 1x layout length to supersampled pixels."""
    return round(value * _SCALE)


@lru_cache(maxsize=16)
def _font(size: int) -> Font:
    """Pillow's bundled default font at ``size`` (1x px); no system font files."""
    return ImageFont.load_default(size=_s(size))


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> int:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return round(right - left)


def _draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    fill: Color,
    h: HAnchor = "l",
    v: VAnchor = "t",
) -> None:
    """Draw ``text`` aligned to ``xy``: horizontally by its ink, vertically by the font line.

    Aligning by the line (ascender to descender) rather than the ink keeps names
    with and without descenders on one baseline.
    """
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    top, bottom = draw.textbbox((0, 0), "Ag", font=font)[1::2]
    w, hgt = right - left, bottom - top
    x = xy[0] - {"l": 0.0, "m": w / 2, "r": w}[h]
    y = xy[1] - {"t": 0.0, "m": hgt / 2, "b": hgt}[v]
    draw.text((round(x - left), round(y - top)), text, font=font, fill=fill)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: int) -> str:
    """Truncate ``text`` with an ellipsis so that it fits ``max_width`` px."""
    if _text_width(draw, text, font) <= max_width:
        return text
    text = text.removesuffix(_ELLIPSIS)
    while text and _text_width(draw, text + _ELLIPSIS, font) > max_width:
        text = text[:-1]
    return text.rstrip() + _ELLIPSIS if text else ""


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    """Whether the bundled font draws ``char`` (rather than its "missing" box)."""
    font = _font(_LABEL_SIZE)
    return char.isspace() or bytes(font.getmask(char)) != bytes(font.getmask("\uffff"))


def _drawable(name: str) -> str:
    """``name`` in letters the bundled font has: accents dropped, other letters as "?".

    The bundled font covers ASCII only, so "José" becomes "Jose", a name in another
    script "?" (a name with nothing else, one "?") and emoji are
    left out.
    """
    folded = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", name.translate(_DASHES))
        if not unicodedata.combining(ch)
    )
    out: list[str] = []
    for ch in folded:
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
    pitch = (_s(_CELLS_RIGHT) - _s(_CELLS_LEFT)) / layout.columns
    x0 = _s(_CELLS_LEFT) + column * pitch
    return x0 + _s(_CELL_GAP) / 2, x0 + pitch - _s(_CELL_GAP) / 2


def _row_cy(row: int) -> float:
    return _s(_GRID_TOP + (row + 0.5) * _ROW_PITCH)


# --- Drawing steps ----------------------------------------------------------------------


def _draw_cell(draw: ImageDraw.ImageDraw, box: Box, mark: DayMark) -> None:
    """A day's cell: its colour, and a dot (missed) or "!" (needs attention)."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    outline = _MISSED_OUTLINE if mark is DayMark.MISSED else None
    draw.rounded_rectangle(box, radius=_s(4), fill=_FILLS[mark], outline=outline, width=_s(1))
    if mark is DayMark.MISSED:
        r = _s(3.5)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_MISSED_DOT)
    elif mark is DayMark.ATTENTION:
        half = _s(1.6)
        draw.rounded_rectangle(
            (cx - half, cy - _s(7), cx + half, cy + _s(2)), radius=half, fill=_BG
        )
        draw.ellipse((cx - half, cy + _s(4), cx + half, cy + _s(4) + 2 * half), fill=_BG)


def _draw_title(draw: ImageDraw.ImageDraw, title: str, layout: TeamChartLayout) -> None:
    small = _font(_LABEL_SIZE)
    dates = texts.date_range(layout.days[0].date, layout.days[-1].date)
    dates_w = _text_width(draw, dates, small)
    y = _s(_TITLE_TOP)
    _draw_text(draw, (_s(WIDTH - _MARGIN), y + _s(8)), dates, small, _MUTED, h="r")
    font = _font(_TITLE_SIZE)
    room = _s(WIDTH - 2 * _MARGIN - 24) - dates_w
    _draw_text(draw, (_s(_MARGIN), y), _fit_text(draw, _drawable(title), font, room), font, _TEXT)


def _draw_legend(draw: ImageDraw.ImageDraw) -> None:
    """The four marks in one centred row, each with the cell it explains."""
    font = _font(_SMALL_SIZE)
    items = [(mark, texts.LEGEND[mark]) for mark in texts.LEGEND]
    widths = [_s(_SWATCH_W + _LEGEND_GAP_SWATCH) + _text_width(draw, t, font) for _, t in items]
    x: float = (_s(WIDTH) - sum(widths) - _s(_LEGEND_GAP_ITEM) * (len(items) - 1)) / 2
    cy = _s(_LEGEND_CY)
    for (mark, text), width in zip(items, widths, strict=True):
        _draw_cell(draw, (x, cy - _s(_CELL_H) / 2, x + _s(_SWATCH_W), cy + _s(_CELL_H) / 2), mark)
        _draw_text(draw, (x + _s(_SWATCH_W + _LEGEND_GAP_SWATCH), cy), text, font, _TEXT, v="m")
        x += width + _s(_LEGEND_GAP_ITEM)


def _draw_header(draw: ImageDraw.ImageDraw, layout: TeamChartLayout) -> None:
    """Weekday initial over the day of the month, per column; the totals' heading."""
    top = _s(_HEADER_TOP)
    for n, label in enumerate(layout.days):
        x0, x1 = _column_box(layout, n)
        cx = (x0 + x1) / 2
        initial = texts.WEEKDAY_INITIALS[label.weekday]
        _draw_text(draw, (cx, top), initial, _font(_TINY_SIZE), _MUTED, h="m")
        _draw_text(draw, (cx, top + _s(18)), str(label.day), _font(_SMALL_SIZE), _TEXT, h="m")
    heading = texts.TOTAL_HEADING
    _draw_text(draw, (_s(_TOTAL_RIGHT), top + _s(18)), heading, _font(_TINY_SIZE), _MUTED, h="r")
    rule_y = _s(_GRID_TOP) - _s(3)
    draw.line((_s(_MARGIN), rule_y, _s(WIDTH - _MARGIN), rule_y), fill=_RULE, width=_s(1))


def _draw_row(draw: ImageDraw.ImageDraw, layout: TeamChartLayout, n: int, row: LaidOutRow) -> None:
    """A zebra stripe, the name, a cell per day and the "x/y" total."""
    cy = _row_cy(n)
    if n % 2:
        half = _s(_ROW_PITCH) / 2
        draw.rectangle(
            (_s(_MARGIN) - _s(8), cy - half, _s(WIDTH - _MARGIN) + _s(8), cy + half), fill=_STRIPE
        )
    font = _font(_LABEL_SIZE)
    name_room = _s(_CELLS_LEFT - _NAME_LEFT - 10)
    name = _fit_text(draw, _drawable(row.name), font, name_room)
    _draw_text(draw, (_s(_NAME_LEFT), cy), name, font, _TEXT, v="m")
    for column, mark in enumerate(row.marks):
        x0, x1 = _column_box(layout, column)
        _draw_cell(draw, (x0, cy - _s(_CELL_H) / 2, x1, cy + _s(_CELL_H) / 2), mark)
    total = f"{row.checked_in}/{row.due}" if row.due else "-"
    _draw_text(
        draw, (_s(_TOTAL_RIGHT), cy), total, font, _TEXT if row.due else _MUTED, h="r", v="m"
    )


def _draw_more(draw: ImageDraw.ImageDraw, layout: TeamChartLayout) -> None:
    y = _s(_GRID_TOP + len(layout.rows) * _ROW_PITCH + _MORE_H / 2)
    text = texts.MORE.format(count=layout.hidden)
    _draw_text(draw, (_s(_NAME_LEFT), y), text, _font(_LABEL_SIZE), _MUTED, v="m")


def _draw_empty_note(draw: ImageDraw.ImageDraw) -> None:
    """A boxed note where the rows would be, for a team with no athletes."""
    top, bottom = _s(_GRID_TOP + 14), _s(_GRID_TOP + _EMPTY_H - 14)
    draw.rounded_rectangle(
        (_s(_MARGIN), top, _s(WIDTH - _MARGIN), bottom), radius=_s(10), outline=_RULE, width=_s(1.5)
    )
    cx, cy = _s(WIDTH / 2), (top + bottom) / 2
    _draw_text(draw, (cx, cy - _s(4)), texts.EMPTY_HEADING, _font(26), _TEXT, h="m", v="b")
    _draw_text(draw, (cx, cy + _s(6)), texts.EMPTY_NOTE, _font(_LABEL_SIZE), _MUTED, h="m")


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
    img = Image.new("RGB", (_s(WIDTH), _s(height)), _BG)
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
