"""Small Pillow helpers shared by the bot's pictures: supersampled lengths, the
bundled font, text placed by its ink box, text cut to fit.

Pictures are laid out in 1x pixels, drawn at ``SCALE`` times that size and then
downsampled; ``px`` converts a 1x length. Each picture keeps its own colours,
sizes and layout.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageDraw, ImageFont

__all__ = [
    "LINE_PROBE",
    "SCALE",
    "Color",
    "Font",
    "HAnchor",
    "VAnchor",
    "bundled_font",
    "draw_text",
    "fit_text",
    "px",
    "text_size",
    "text_width",
]

Color = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
HAnchor = Literal["l", "m", "r"]
VAnchor = Literal["t", "m", "b"]

#: The supersampling factor used while drawing.
SCALE = 2

#: Characters with an ascender and a descender, to measure a line's height.
LINE_PROBE = "Ag"


def px(value: float) -> int:
    """Convert a 1x layout length to supersampled pixels."""
    return round(value * SCALE)


# DejaVu Sans, shipped with the package (conversations/fonts, its licence beside it): Pillow's
# own default font has no accented letters, and the charts speak German, Spanish and French
# too ("Mär", "Líneas", "Déc"). No system font files are used.
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


@lru_cache(maxsize=16)
def bundled_font(size: int) -> Font:
    """The bundled font at ``size`` (1x px)."""
    return ImageFont.truetype(str(FONT_FILE), size=px(size))


def text_size(draw: ImageDraw.ImageDraw, text: str, font: Font) -> tuple[int, int]:
    """Width and height of ``text``'s ink box (px)."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    return round(right - left), round(bottom - top)


def text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> int:
    """Width of ``text``'s ink box (px)."""
    return text_size(draw, text, font)[0]


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    fill: Color,
    h: HAnchor = "l",
    v: VAnchor = "t",
    *,
    line: bool = False,
    halo: Color | None = None,
) -> None:
    """Draw ``text`` aligned to ``xy`` by its ink box.

    With ``line`` it is aligned vertically by the font line (the ink of
    ``LINE_PROBE``) instead, which keeps texts with and without descenders on one
    baseline. ``halo`` outlines the letters in that colour, to stand out on lines.
    """
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    if line:
        top, bottom = draw.textbbox((0, 0), LINE_PROBE, font=font)[1::2]
    w, hgt = right - left, bottom - top
    x = xy[0] - {"l": 0.0, "m": w / 2, "r": w}[h]
    y = xy[1] - {"t": 0.0, "m": hgt / 2, "b": hgt}[v]
    origin = (round(x - left), round(y - top))
    if halo is None:
        draw.text(origin, text, font=font, fill=fill)
    else:
        draw.text(origin, text, font=font, fill=fill, stroke_width=px(2), stroke_fill=halo)


def fit_text(
    draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: int, ellipsis: str = "..."
) -> str:
    """Truncate ``text`` with ``ellipsis`` so that it fits ``max_width`` px."""
    if text_width(draw, text, font) <= max_width:
        return text
    while text and text_width(draw, text + ellipsis, font) > max_width:
        text = text[:-1]
    return text.rstrip() + ellipsis if text else ""
