"""Recovery-progress chart for an athlete, rendered as PNG bytes with Pillow.

Pure: no Telegram, no DB, no clock. The chart shows daily pain (0-10) as a line
with dots, the recovery stage of each day as a coloured strip under the plot,
and the recovery phases ("Rest & ice", "Massage OK", "Return to exercise",
"Strength OK") as tinted vertical bands with labels. It is drawn at twice the
output resolution and downsampled for smooth lines, and is deterministic: the
same input always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

__all__ = ["PHASES", "STAGE_NAMES", "ChartPoint", "render_progress_png"]


@dataclass(frozen=True)
class ChartPoint:
    """One check-in: day since the cramp, pain 0-10 (None if not given), stage 0-6."""

    day: int
    pain: int | None
    stage: int


STAGE_NAMES: tuple[str, ...] = (
    "Rest & ice",
    "Massage",
    "Flat walking",
    "Faster walking",
    "Inclines",
    "Running",
    "Done",
)

#: (first day, label) of each recovery phase.
PHASES: tuple[tuple[int, str], ...] = (
    (0, "Rest & ice"),
    (1, "Massage OK"),
    (3, "Return to exercise"),
    (14, "Strength OK"),
)

Color = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
HAnchor = Literal["l", "m", "r"]
VAnchor = Literal["t", "m", "b"]

# Output size (px) and the supersampling factor used while drawing.
WIDTH = 1000
HEIGHT = 600
_SCALE = 2

_STAGE_COLORS: tuple[Color, ...] = (
    (74, 134, 232),  # Rest & ice - blue
    (142, 99, 206),  # Massage - purple
    (38, 166, 154),  # Flat walking - teal
    (104, 176, 62),  # Faster walking - green
    (230, 172, 30),  # Inclines - amber
    (239, 118, 52),  # Running - orange
    (46, 125, 80),  # Done - dark green
)
_PHASE_TINTS: tuple[Color, ...] = (
    (226, 236, 250),  # Rest & ice
    (238, 231, 248),  # Massage OK
    (253, 245, 222),  # Return to exercise
    (226, 243, 231),  # Strength OK
)
_PHASE_CHIPS: tuple[Color, ...] = (
    (196, 216, 245),
    (220, 206, 240),
    (248, 226, 168),
    (194, 228, 204),
)

_BG: Color = (255, 255, 255)
_TEXT: Color = (34, 34, 34)
_MUTED: Color = (100, 100, 100)
_GRID: Color = (214, 214, 214)
_AXIS: Color = (120, 120, 120)
_PHASE_LINE: Color = (140, 140, 140)
_PAIN: Color = (198, 40, 40)

_PAIN_MAX = 10
_STAGE_MAX = len(STAGE_NAMES) - 1


def _s(value: float) -> int:
    """Convert a 1x layout length to supersampled pixels."""
    return round(value * _SCALE)


@lru_cache(maxsize=16)
def _font(size: int) -> Font:
    """Pillow's bundled default font at ``size`` (1x px); no system font files."""
    return ImageFont.load_default(size=_s(size))


def _text_size(draw: ImageDraw.ImageDraw, text: str, font: Font) -> tuple[int, int]:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return round(right - left), round(bottom - top)


def _draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    fill: Color,
    h: HAnchor = "l",
    v: VAnchor = "t",
    halo: bool = False,
) -> tuple[int, int, int, int]:
    """Draw ``text`` aligned to ``xy`` by its ink box; return that box."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    w, hgt = right - left, bottom - top
    x = xy[0] - {"l": 0.0, "m": w / 2, "r": w}[h]
    y = xy[1] - {"t": 0.0, "m": hgt / 2, "b": hgt}[v]
    origin = (round(x - left), round(y - top))
    if halo:
        draw.text(origin, text, font=font, fill=fill, stroke_width=_s(2), stroke_fill=_BG)
    else:
        draw.text(origin, text, font=font, fill=fill)
    return round(x), round(y), round(x + w), round(y + hgt)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: int) -> str:
    """Truncate ``text`` with an ellipsis so that it fits ``max_width`` px."""
    if _text_size(draw, text, font)[0] <= max_width:
        return text
    while text and _text_size(draw, text + "...", font)[0] > max_width:
        text = text[:-1]
    return text.rstrip() + "..." if text else ""


def _text_on(color: Color) -> Color:
    """Readable text colour (dark or white) on a background colour."""
    r, g, b = color
    return _TEXT if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def _normalise(points: Sequence[ChartPoint]) -> list[ChartPoint]:
    """Sort by day, keep the last point given for a day, clamp values, drop day < 0."""
    by_day: dict[int, ChartPoint] = {}
    for p in points:
        day = int(p.day)
        if day < 0:
            continue
        pain = None if p.pain is None else min(max(int(p.pain), 0), _PAIN_MAX)
        stage = min(max(int(p.stage), 0), _STAGE_MAX)
        by_day[day] = ChartPoint(day=day, pain=pain, stage=stage)
    return [by_day[d] for d in sorted(by_day)]


def _tick_step(slot_width: float, min_gap: float) -> int:
    """Smallest "nice" day step whose ticks are at least ``min_gap`` px apart."""
    magnitude = 1
    while True:
        for mult in (1, 2, 5):
            step = mult * magnitude
            if step * slot_width >= min_gap:
                return step
        magnitude *= 10


def _rotated_text(text: str, font: Font, fill: Color) -> Image.Image:
    """Text rotated 90 degrees anticlockwise, on a transparent RGBA image."""
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    img = Image.new("RGBA", (round(right - left) + 2, round(bottom - top) + 2), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((1 - left, 1 - top), text, font=font, fill=(*fill, 255))
    return img.rotate(90, expand=True)


def render_progress_png(
    points: Sequence[ChartPoint],
    *,
    total_days: int = 14,
    title: str = "Recovery progress",
) -> bytes:
    """Render the recovery chart as PNG bytes (1000x600 px).

    The x axis runs over days ``0..max(total_days, last day)``, one slot per day.
    Pain is drawn as a line with dots; a point with ``pain=None`` breaks the line
    (days with no point at all are bridged). The stage strip carries each stage
    forward until the next check-in and ends at the last one. Points are sorted
    by day (the last one given for a day wins), pain is clamped to 0-10, stage to
    0-6 and negative days are ignored. With no points an empty chart with a short
    note is drawn.
    """
    pts = _normalise(points)
    last_day = max(max(int(total_days), 1), pts[-1].day if pts else 0)

    img = Image.new("RGB", (_s(WIDTH), _s(HEIGHT)), _BG)
    draw = ImageDraw.Draw(img)

    f_title = _font(30)
    f_label = _font(18)
    f_small = _font(16)
    f_value = _font(17)

    # ---- horizontal layout -------------------------------------------------
    left = _s(96)
    right = _s(WIDTH - 24)
    slots = last_day + 1
    slot_w = (right - left) / slots

    def x_edge(day: float) -> float:
        return left + day * slot_w

    def x_mid(day: int) -> float:
        return left + (day + 0.5) * slot_w

    # ---- title ---------------------------------------------------------------
    title_text = _fit_text(draw, " ".join(title.split()), f_title, _s(WIDTH - 48))
    _draw_text(draw, (_s(24), _s(14)), title_text, f_title, _TEXT)

    # ---- phase labels: greedy rows so that no two labels overlap -------------
    pad_x, pad_y = _s(6), _s(3)
    row_h = _text_size(draw, "Ag", f_label)[1] + 2 * pad_y + _s(4)
    labels_top = _s(60)
    row_ends: list[int] = []
    placed: list[tuple[int, int, int, int, int, str]] = []  # idx, row, x0, x1, line_x, text
    for idx, (day, text) in enumerate(PHASES):
        if day > last_day:
            continue
        chip_w = _text_size(draw, text, f_label)[0] + 2 * pad_x
        line_x = round(x_edge(day))
        x0 = min(line_x, right - chip_w)
        x0 = max(x0, left)
        row = next((r for r, end in enumerate(row_ends) if x0 >= end + _s(8)), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0)
        row_ends[row] = x0 + chip_w
        placed.append((idx, row, x0, x0 + chip_w, line_x, text))
    n_rows = max(len(row_ends), 1)
    plot_top = labels_top + n_rows * row_h + _s(6)

    # ---- vertical layout (bottom up) -----------------------------------------
    legend_h = _s(30)
    legend_y = _s(HEIGHT) - _s(10) - legend_h
    ticks_y = legend_y - _s(34)
    band_h = _s(36)
    band_bottom = ticks_y - _s(6)
    band_top = band_bottom - band_h
    plot_bottom = band_top - _s(10)
    pain_top = plot_top + _s(24)  # headroom for a value label above pain 10
    pain_h = plot_bottom - pain_top

    def y_pain(pain: int) -> float:
        return plot_bottom - pain / _PAIN_MAX * pain_h

    # ---- phase bands ---------------------------------------------------------
    visible = [(i, d) for i, (d, _) in enumerate(PHASES) if d <= last_day]
    for n, (i, day) in enumerate(visible):
        end = visible[n + 1][1] if n + 1 < len(visible) else slots
        draw.rectangle(
            (round(x_edge(day)), plot_top, round(x_edge(end)), plot_bottom),
            fill=_PHASE_TINTS[i],
        )

    # ---- pain grid and y axis ------------------------------------------------
    for pain in range(0, _PAIN_MAX + 1, 2):
        y = round(y_pain(pain))
        draw.line((left, y, right, y), fill=_GRID, width=_s(1))
        _draw_text(draw, (left - _s(10), y), str(pain), f_label, _MUTED, h="r", v="m")
    axis_title = _rotated_text("Pain (0-10)", f_label, _TEXT)
    img.paste(
        axis_title,
        (_s(14), round((plot_top + plot_bottom) / 2 - axis_title.height / 2)),
        axis_title,
    )

    # ---- phase boundary lines and labels --------------------------------------
    chip_boxes = [
        (x0, labels_top + row * row_h, x1, labels_top + (row + 1) * row_h - _s(4))
        for _, row, x0, x1, _, _ in placed
    ]
    for (idx, _row, x0, _x1, line_x, text), box in zip(placed, chip_boxes, strict=True):
        draw.rounded_rectangle(box, radius=_s(5), fill=_PHASE_CHIPS[idx])
        _draw_text(draw, (x0 + pad_x, (box[1] + box[3]) / 2), text, f_label, _TEXT, v="m")
        # Leader from the chip down to the plot, unless it would cross a lower chip.
        crosses = any(b[0] <= line_x <= b[2] and b[1] > box[1] for b in chip_boxes if b is not box)
        line_top = plot_top if crosses else box[3]
        draw.line((line_x, line_top, line_x, plot_bottom), fill=_PHASE_LINE, width=_s(1.5))

    # ---- plot frame ------------------------------------------------------------
    draw.line((left, plot_top, left, plot_bottom), fill=_AXIS, width=_s(1.5))
    draw.line((left, plot_bottom, right, plot_bottom), fill=_AXIS, width=_s(1.5))

    # ---- stage strip -------------------------------------------------------------
    draw.rectangle((left, band_top, right, band_bottom), fill=(244, 244, 244))
    _draw_text(
        draw, (left - _s(10), (band_top + band_bottom) / 2), "Stage", f_small, _MUTED, h="r", v="m"
    )
    runs: list[tuple[int, int, int]] = []  # stage, first day, day after last
    for n, p in enumerate(pts):
        end = pts[n + 1].day if n + 1 < len(pts) else p.day + 1
        if runs and runs[-1][0] == p.stage and runs[-1][2] == p.day:
            runs[-1] = (p.stage, runs[-1][1], end)
        else:
            runs.append((p.stage, p.day, end))
    for stage, start, end in runs:
        x0, x1 = round(x_edge(start)), round(x_edge(end))
        color = _STAGE_COLORS[stage]
        draw.rectangle((x0, band_top, x1, band_bottom), fill=color)
        if x1 - x0 > _s(3):
            draw.line((x1, band_top, x1, band_bottom), fill=_BG, width=_s(1))
        for text in (STAGE_NAMES[stage], str(stage)):
            if _text_size(draw, text, f_small)[0] + _s(8) <= x1 - x0:
                _draw_text(
                    draw,
                    ((x0 + x1) / 2, (band_top + band_bottom) / 2),
                    text,
                    f_small,
                    _text_on(color),
                    h="m",
                    v="m",
                )
                break

    # ---- x axis ticks -------------------------------------------------------------
    step = _tick_step(slot_w, _s(40))
    _draw_text(draw, (left - _s(10), ticks_y + _s(4)), "Day", f_small, _MUTED, h="r")
    for day in range(0, last_day + 1, step):
        x = x_mid(day)
        draw.line((x, band_bottom, x, band_bottom + _s(5)), fill=_AXIS, width=_s(1))
        _draw_text(draw, (x, ticks_y + _s(4)), str(day), f_label, _TEXT, h="m")

    # ---- pain line and dots -------------------------------------------------------
    segment: list[tuple[float, float]] = []
    segments: list[list[tuple[float, float]]] = []
    for p in pts:
        if p.pain is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append((x_mid(p.day), y_pain(p.pain)))
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            draw.line(seg, fill=_PAIN, width=_s(3.5), joint="curve")
    radius = _s(7 if slot_w >= _s(20) else 5)
    show_values = slot_w >= _s(34)
    dots = [(p.day, p.pain) for p in pts if p.pain is not None]
    for n, (day, pain) in enumerate(dots):
        dx, dy = x_mid(day), y_pain(pain)
        draw.ellipse(
            (dx - radius, dy - radius, dx + radius, dy + radius),
            fill=_PAIN,
            outline=_BG,
            width=_s(2),
        )
        if show_values or n == len(dots) - 1:
            _draw_text(
                draw, (dx, dy - radius - _s(4)), str(pain), f_value, _PAIN, h="m", v="b", halo=True
            )

    # ---- empty-chart note -------------------------------------------------------
    if not pts:
        cx, cy = (left + right) / 2, (pain_top + plot_bottom) / 2
        note = "Your pain and recovery stage will appear here after your first check-in."
        note_w = _text_size(draw, note, f_label)[0]
        draw.rounded_rectangle(
            (cx - note_w / 2 - _s(20), cy - _s(52), cx + note_w / 2 + _s(20), cy + _s(44)),
            radius=_s(10),
            fill=_BG,
            outline=_GRID,
            width=_s(1.5),
        )
        _draw_text(draw, (cx, cy - _s(6)), "No check-ins yet", _font(28), _TEXT, h="m", v="b")
        _draw_text(draw, (cx, cy + _s(8)), note, f_label, _MUTED, h="m", v="t")

    # ---- stage legend -------------------------------------------------------------
    sw = _s(16)
    gap_item, gap_swatch = _s(16), _s(6)
    widths = [sw + gap_swatch + _text_size(draw, n, f_small)[0] for n in STAGE_NAMES]
    x = (_s(WIDTH) - (sum(widths) + gap_item * (len(widths) - 1))) / 2
    cy = legend_y + legend_h / 2
    for stage, (name, w) in enumerate(zip(STAGE_NAMES, widths, strict=True)):
        draw.rounded_rectangle(
            (x, cy - sw / 2, x + sw, cy + sw / 2), radius=_s(3), fill=_STAGE_COLORS[stage]
        )
        _draw_text(draw, (x + sw + gap_swatch, cy), name, f_small, _TEXT, v="m")
        x += w + gap_item

    out = img.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
