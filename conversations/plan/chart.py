"""Recovery-progress chart for an athlete, drawn as PNG bytes with Pillow.

Pure: no Telegram, no DB, no clock. ``rules.chart_layout`` decides what goes where
in days and values; this module turns that into pixels in short steps: the title,
the phase bands with their labelled chips and lines, the pain grid and axis, the
stage strip, the x ticks, the pain line with dots, the empty-chart note and the
stage legend. Every word comes from ``conversations.texts.chart`` and the stage
names from ``conversations.texts.recovery``, as in the ``/progress`` text.

The chart is drawn at twice the output resolution and downsampled for smooth
lines, and is deterministic: the same input always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from conversations.drawing import (
    LINE_PROBE,
    Color,
    Font,
    bundled_font,
    draw_text,
    fit_text,
    px,
    text_size,
    text_width,
)
from conversations.texts import chart as texts
from conversations.texts.recovery import stage_name
from rules.chart_layout import (
    DEFAULT_TOTAL_DAYS,
    MIN_TICK_GAP,
    MIN_VALUE_LABEL_SLOT,
    ChartLayout,
    ChartPhase,
    ChartPoint,
    layout_chart,
)
from rules.recovery import PAIN_MAX, Stage

__all__ = ["HEIGHT", "WIDTH", "render_progress_png"]

# Output size (px).
WIDTH = 1000
HEIGHT = 600

_STAGE_COLORS: dict[Stage, Color] = {
    Stage.REST: (74, 134, 232),  # blue
    Stage.MASSAGE: (142, 99, 206),  # purple
    Stage.WALK_FLAT: (38, 166, 154),  # teal
    Stage.WALK_FAST: (104, 176, 62),  # green
    Stage.WALK_INCLINE: (230, 172, 30),  # amber
    Stage.RUN: (239, 118, 52),  # orange
    Stage.DONE: (46, 125, 80),  # dark green
}
_PHASE_TINTS: dict[ChartPhase, Color] = {
    ChartPhase.REST: (226, 236, 250),
    ChartPhase.MASSAGE: (238, 231, 248),
    ChartPhase.RETURN_TO_EXERCISE: (253, 245, 222),
    ChartPhase.STRENGTH: (226, 243, 231),
}
_PHASE_CHIPS: dict[ChartPhase, Color] = {
    ChartPhase.REST: (196, 216, 245),
    ChartPhase.MASSAGE: (220, 206, 240),
    ChartPhase.RETURN_TO_EXERCISE: (248, 226, 168),
    ChartPhase.STRENGTH: (194, 228, 204),
}

_BG: Color = (255, 255, 255)
_TEXT: Color = (34, 34, 34)
_MUTED: Color = (100, 100, 100)
_GRID: Color = (214, 214, 214)
_AXIS: Color = (120, 120, 120)
_PHASE_LINE: Color = (140, 140, 140)
_PAIN: Color = (198, 40, 40)
_STRIP_BG: Color = (244, 244, 244)

# Font sizes (1x px).
_TITLE_SIZE = 30
_LABEL_SIZE = 18
_SMALL_SIZE = 16
_VALUE_SIZE = 17
_EMPTY_HEADING_SIZE = 28
_SWATCH_NUMBER_SIZE = 12

# Horizontal layout (1x px).
_PLOT_LEFT = 96
_PLOT_RIGHT = WIDTH - 24
_MARGIN = 24

# Legend (1x px): swatch size, gaps, first row's height and each further row's height.
_SWATCH = 18
_LEGEND_GAP_ITEM = 16
_LEGEND_GAP_SWATCH = 6
_LEGEND_ROW_H = 30
_LEGEND_ROW_PITCH = 24


def _text_on(color: Color) -> Color:
    """Readable text colour (dark or white) on a background colour."""
    r, g, b = color
    return _TEXT if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def _rotated_text(text: str, font: Font, fill: Color) -> Image.Image:
    """Text rotated 90 degrees anticlockwise, on a transparent RGBA image."""
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    img = Image.new("RGBA", (round(right - left) + 2, round(bottom - top) + 2), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((1 - left, 1 - top), text, font=font, fill=(*fill, 255))
    return img.rotate(90, expand=True)


# --- Placing what needs font measurement -------------------------------------------


@dataclass(frozen=True)
class _Chip:
    """A phase label placed in a row above the plot, with its boundary line's x."""

    phase: ChartPhase
    text: str
    row: int
    x0: int
    x1: int
    line_x: int


@dataclass(frozen=True)
class _LegendItem:
    stage: Stage
    text: str
    width: int  # swatch, gap and text


@dataclass(frozen=True)
class _Frame:
    """Pixel geometry of the chart (supersampled), top to bottom."""

    layout: ChartLayout
    left: int
    right: int
    labels_top: int
    chip_row_h: int
    plot_top: int
    pain_top: int
    plot_bottom: int
    band_top: int
    band_bottom: int
    ticks_y: int
    legend_y: int
    legend_h: int

    def x_edge(self, day: float) -> float:
        return self.left + self.layout.x_edge(day)

    def x_mid(self, day: int) -> float:
        return self.left + self.layout.x_mid(day)

    def y_pain(self, pain: int) -> float:
        return self.plot_bottom - pain / PAIN_MAX * (self.plot_bottom - self.pain_top)


def _chip_row_height(draw: ImageDraw.ImageDraw) -> int:
    return text_size(draw, LINE_PROBE, bundled_font(_LABEL_SIZE))[1] + 2 * px(3) + px(4)


def _place_chips(
    draw: ImageDraw.ImageDraw, layout: ChartLayout, left: int, right: int
) -> list[_Chip]:
    """Phase labels in greedy rows so that no two overlap, each at its phase's start."""
    chips: list[_Chip] = []
    row_ends: list[int] = []
    for band in layout.phases:
        text = texts.PHASE_LABELS[band.phase]
        chip_w = text_width(draw, text, bundled_font(_LABEL_SIZE)) + 2 * px(6)
        line_x = round(left + layout.x_edge(band.start))
        x0 = max(min(line_x, right - chip_w), left)
        row = next((r for r, end in enumerate(row_ends) if x0 >= end + px(8)), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0)
        row_ends[row] = x0 + chip_w
        chips.append(_Chip(band.phase, text, row, x0, x0 + chip_w, line_x))
    return chips


def _place_legend(draw: ImageDraw.ImageDraw, max_width: int) -> list[list[_LegendItem]]:
    """Stage legend items in as few rows as fit ``max_width``, split evenly, in order."""
    items = [
        _LegendItem(
            stage,
            stage_name(stage),
            px(_SWATCH + _LEGEND_GAP_SWATCH)
            + text_width(draw, stage_name(stage), bundled_font(_SMALL_SIZE)),
        )
        for stage in Stage
    ]
    for n_rows in range(1, len(items) + 1):
        per_row = -(-len(items) // n_rows)
        rows = [items[i : i + per_row] for i in range(0, len(items), per_row)]
        if all(_row_width(row) <= max_width for row in rows):
            return rows
    return [[item] for item in items]


def _row_width(row: Sequence[_LegendItem]) -> int:
    return sum(item.width for item in row) + px(_LEGEND_GAP_ITEM) * (len(row) - 1)


def _frame(layout: ChartLayout, chip_rows: int, chip_row_h: int, legend_rows: int) -> _Frame:
    """Vertical layout: chip rows under the title, then bottom up from the legend."""
    labels_top = px(60)
    plot_top = labels_top + max(chip_rows, 1) * chip_row_h + px(6)
    legend_h = px(_LEGEND_ROW_H + (legend_rows - 1) * _LEGEND_ROW_PITCH)
    legend_y = px(HEIGHT) - px(10) - legend_h
    ticks_y = legend_y - px(34)
    band_bottom = ticks_y - px(6)
    band_top = band_bottom - px(36)
    plot_bottom = band_top - px(10)
    return _Frame(
        layout=layout,
        left=px(_PLOT_LEFT),
        right=px(_PLOT_RIGHT),
        labels_top=labels_top,
        chip_row_h=chip_row_h,
        plot_top=plot_top,
        pain_top=plot_top + px(24),  # headroom for a value label above pain 10
        plot_bottom=plot_bottom,
        band_top=band_top,
        band_bottom=band_bottom,
        ticks_y=ticks_y,
        legend_y=legend_y,
        legend_h=legend_h,
    )


# --- Drawing steps -------------------------------------------------------------------


def _draw_title(draw: ImageDraw.ImageDraw, title: str) -> None:
    font = bundled_font(_TITLE_SIZE)
    text = fit_text(draw, " ".join(title.split()), font, px(WIDTH - 2 * _MARGIN))
    draw_text(draw, (px(_MARGIN), px(14)), text, font, _TEXT)


def _draw_phase_bands(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    for band in frame.layout.phases:
        box = (
            round(frame.x_edge(band.start)),
            frame.plot_top,
            round(frame.x_edge(band.end)),
            frame.plot_bottom,
        )
        draw.rectangle(box, fill=_PHASE_TINTS[band.phase])


def _draw_pain_grid(img: Image.Image, draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    """Horizontal grid lines every 2 pain points, their numbers and the axis title."""
    font = bundled_font(_LABEL_SIZE)
    for pain in range(0, PAIN_MAX + 1, 2):
        y = round(frame.y_pain(pain))
        draw.line((frame.left, y, frame.right, y), fill=_GRID, width=px(1))
        draw_text(draw, (frame.left - px(10), y), str(pain), font, _MUTED, h="r", v="m")
    axis_title = _rotated_text(texts.PAIN_AXIS, font, _TEXT)
    y = round((frame.plot_top + frame.plot_bottom) / 2 - axis_title.height / 2)
    img.paste(axis_title, (px(14), y), axis_title)


def _draw_phase_chips(draw: ImageDraw.ImageDraw, frame: _Frame, chips: Sequence[_Chip]) -> None:
    """Each phase's label chip and its boundary line down to the plot's bottom."""
    boxes = [
        (
            c.x0,
            frame.labels_top + c.row * frame.chip_row_h,
            c.x1,
            frame.labels_top + (c.row + 1) * frame.chip_row_h - px(4),
        )
        for c in chips
    ]
    for chip, box in zip(chips, boxes, strict=True):
        draw.rounded_rectangle(box, radius=px(5), fill=_PHASE_CHIPS[chip.phase])
        mid_y = (box[1] + box[3]) / 2
        draw_text(
            draw, (chip.x0 + px(6), mid_y), chip.text, bundled_font(_LABEL_SIZE), _TEXT, v="m"
        )
        # The line starts under the chip, unless it would cross a chip in a lower row.
        crosses = any(b[0] <= chip.line_x <= b[2] and b[1] > box[1] for b in boxes if b is not box)
        line_top = frame.plot_top if crosses else box[3]
        line = (chip.line_x, line_top, chip.line_x, frame.plot_bottom)
        draw.line(line, fill=_PHASE_LINE, width=px(1.5))


def _draw_plot_frame(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    width = px(1.5)
    draw.line((frame.left, frame.plot_top, frame.left, frame.plot_bottom), _AXIS, width)
    draw.line((frame.left, frame.plot_bottom, frame.right, frame.plot_bottom), _AXIS, width)


def _draw_stage_strip(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    """The strip under the plot: each run of a stage in its colour, named if it fits."""
    font = bundled_font(_SMALL_SIZE)
    top, bottom = frame.band_top, frame.band_bottom
    mid_y = (top + bottom) / 2
    draw.rectangle((frame.left, top, frame.right, bottom), fill=_STRIP_BG)
    draw_text(draw, (frame.left - px(10), mid_y), texts.STAGE_AXIS, font, _MUTED, h="r", v="m")
    for run in frame.layout.stage_runs:
        x0, x1 = round(frame.x_edge(run.start)), round(frame.x_edge(run.end))
        color = _STAGE_COLORS[run.stage]
        draw.rectangle((x0, top, x1, bottom), fill=color)
        if x1 - x0 > px(3):
            draw.line((x1, top, x1, bottom), fill=_BG, width=px(1))
        for text in (stage_name(run.stage), str(int(run.stage))):
            if text_width(draw, text, font) + px(8) <= x1 - x0:
                draw_text(draw, ((x0 + x1) / 2, mid_y), text, font, _text_on(color), "m", "m")
                break


def _draw_x_ticks(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    y = frame.ticks_y + px(4)
    draw_text(
        draw, (frame.left - px(10), y), texts.DAY_AXIS, bundled_font(_SMALL_SIZE), _MUTED, h="r"
    )
    for day in frame.layout.tick_days:
        x = frame.x_mid(day)
        draw.line((x, frame.band_bottom, x, frame.band_bottom + px(5)), fill=_AXIS, width=px(1))
        draw_text(draw, (x, y), str(day), bundled_font(_LABEL_SIZE), _TEXT, h="m")


def _draw_pain(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    """The pain line (broken where pain was not given), its dots and value labels."""
    layout = frame.layout
    for segment in layout.pain_segments:
        if len(segment) > 1:
            xy = [(frame.x_mid(dot.day), frame.y_pain(dot.pain)) for dot in segment]
            draw.line(xy, fill=_PAIN, width=px(3.5), joint="curve")
    radius = px(7 if layout.slot_width >= px(20) else 5)
    for dot in layout.dots:
        dx, dy = frame.x_mid(dot.day), frame.y_pain(dot.pain)
        box = (dx - radius, dy - radius, dx + radius, dy + radius)
        draw.ellipse(box, fill=_PAIN, outline=_BG, width=px(2))
        if dot.labelled:
            at = (dx, dy - radius - px(4))
            draw_text(draw, at, str(dot.pain), bundled_font(_VALUE_SIZE), _PAIN, "m", "b", halo=_BG)


def _draw_empty_note(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    """A boxed note in the middle of the plot, for a chart with no check-ins."""
    font = bundled_font(_LABEL_SIZE)
    cx = (frame.left + frame.right) / 2
    cy = (frame.pain_top + frame.plot_bottom) / 2
    half_w = text_width(draw, texts.EMPTY_NOTE, font) / 2 + px(20)
    draw.rounded_rectangle(
        (cx - half_w, cy - px(52), cx + half_w, cy + px(44)),
        radius=px(10),
        fill=_BG,
        outline=_GRID,
        width=px(1.5),
    )
    heading_font = bundled_font(_EMPTY_HEADING_SIZE)
    draw_text(draw, (cx, cy - px(6)), texts.EMPTY_HEADING, heading_font, _TEXT, h="m", v="b")
    draw_text(draw, (cx, cy + px(8)), texts.EMPTY_NOTE, font, _MUTED, h="m", v="t")


def _draw_legend(
    draw: ImageDraw.ImageDraw, frame: _Frame, rows: Sequence[Sequence[_LegendItem]]
) -> None:
    """One row per line, centred; each swatch carries the number the strip falls back to."""
    sw = px(_SWATCH)
    first_cy = frame.legend_y + px(_LEGEND_ROW_H) / 2
    for n, row in enumerate(rows):
        cy = first_cy + n * px(_LEGEND_ROW_PITCH)
        x: float = (px(WIDTH) - _row_width(row)) / 2
        for item in row:
            color = _STAGE_COLORS[item.stage]
            draw.rounded_rectangle((x, cy - sw / 2, x + sw, cy + sw / 2), radius=px(3), fill=color)
            number = str(int(item.stage))
            font = bundled_font(_SWATCH_NUMBER_SIZE)
            draw_text(draw, (x + sw / 2, cy), number, font, _text_on(color), "m", "m")
            text_x = x + sw + px(_LEGEND_GAP_SWATCH)
            draw_text(draw, (text_x, cy), item.text, bundled_font(_SMALL_SIZE), _TEXT, v="m")
            x += item.width + px(_LEGEND_GAP_ITEM)


def render_progress_png(
    points: Sequence[ChartPoint],
    *,
    total_days: int = DEFAULT_TOTAL_DAYS,
    title: str | None = None,
) -> bytes:
    """Render the recovery chart as PNG bytes (1000x600 px, RGB).

    The x axis runs over days ``0..max(total_days, last day)``, one slot per day.
    Pain is drawn as a line with dots; a point with ``pain=None`` breaks the line
    (days with no point at all are bridged). The stage strip carries each stage
    forward until the next check-in and ends at the last one. Points are sorted
    by day (the last one given for a day wins), pain is clamped to 0-10, stage to
    0-6 and negative days are ignored. With no points an empty chart with a short
    note is drawn. ``title`` defaults to the texts' chart title.
    """
    img = Image.new("RGB", (px(WIDTH), px(HEIGHT)), _BG)
    draw = ImageDraw.Draw(img)
    left, right = px(_PLOT_LEFT), px(_PLOT_RIGHT)
    layout = layout_chart(
        points,
        total_days=total_days,
        plot_width=right - left,
        min_tick_gap=px(MIN_TICK_GAP),
        min_value_label_slot=px(MIN_VALUE_LABEL_SLOT),
    )
    chips = _place_chips(draw, layout, left, right)
    legend = _place_legend(draw, px(WIDTH - 2 * _MARGIN))
    chip_rows = max((chip.row + 1 for chip in chips), default=1)
    frame = _frame(layout, chip_rows, _chip_row_height(draw), len(legend))

    _draw_title(draw, texts.TITLE if title is None else title)
    _draw_phase_bands(draw, frame)
    _draw_pain_grid(img, draw, frame)
    _draw_phase_chips(draw, frame, chips)
    _draw_plot_frame(draw, frame)
    _draw_stage_strip(draw, frame)
    _draw_x_ticks(draw, frame)
    _draw_pain(draw, frame)
    if layout.is_empty:
        _draw_empty_note(draw, frame)
    _draw_legend(draw, frame, legend)

    out = img.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
