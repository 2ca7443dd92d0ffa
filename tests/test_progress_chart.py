"""Tests for the Pillow-rendered recovery progress chart."""

from __future__ import annotations

import io
from typing import cast

import pytest
from PIL import Image

from conversations.plan.chart import render_progress_png
from rules.chart_layout import ChartPoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RGB = tuple[int, int, int]


def _open(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _thirty_days() -> list[ChartPoint]:
    return [
        ChartPoint(day=d, pain=None if d % 7 == 6 else max(0, 9 - d // 3), stage=min(6, d // 4))
        for d in range(31)
    ]


@pytest.mark.parametrize(
    "points",
    [
        [],
        [ChartPoint(day=0, pain=8, stage=0)],
        [ChartPoint(day=0, pain=None, stage=0)],
        _thirty_days(),
    ],
    ids=["empty", "one", "one-no-pain", "thirty-days"],
)
def test_renders_valid_png_of_expected_size(points: list[ChartPoint]) -> None:
    img = _open(render_progress_png(points))
    assert img.format == "PNG"
    assert img.size == (1000, 600)
    assert img.mode == "RGB"


def test_empty_chart_is_not_blank() -> None:
    img = _open(render_progress_png([]))
    colors = img.getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 10


def test_deterministic_output() -> None:
    points = _thirty_days()
    assert render_progress_png(points) == render_progress_png(list(points))
    assert render_progress_png([]) == render_progress_png([])


def test_data_changes_the_image() -> None:
    low = render_progress_png([ChartPoint(day=2, pain=1, stage=2)])
    high = render_progress_png([ChartPoint(day=2, pain=9, stage=2)])
    assert low != high
    assert render_progress_png([], title="Sam") != render_progress_png([], title="Alex")


def test_pain_dot_drawn_in_red() -> None:
    img = _open(render_progress_png([ChartPoint(day=5, pain=5, stage=3)]))
    # An RGB image's colours are (r, g, b) triples; Pillow's stub also allows a float.
    colors = cast(list[tuple[int, RGB]] | None, img.getcolors(maxcolors=1_000_000))
    assert colors is not None
    reds = sum(count for count, (r, g, b) in colors if r > 170 and g < 80 and b < 80)
    assert reds > 50


def test_unsorted_duplicate_and_out_of_range_points_are_tolerated() -> None:
    messy = [
        ChartPoint(day=4, pain=15, stage=9),
        ChartPoint(day=-3, pain=5, stage=1),
        ChartPoint(day=1, pain=-2, stage=-1),
        ChartPoint(day=1, pain=3, stage=1),
    ]
    tidy = [
        ChartPoint(day=1, pain=3, stage=1),
        ChartPoint(day=4, pain=10, stage=6),
    ]
    assert render_progress_png(messy) == render_progress_png(tidy)


def test_axis_extends_beyond_total_days_and_odd_arguments() -> None:
    long_run = [ChartPoint(day=0, pain=9, stage=0), ChartPoint(day=60, pain=0, stage=6)]
    assert _open(render_progress_png(long_run, total_days=14)).size == (1000, 600)
    assert _open(render_progress_png([], total_days=0)).size == (1000, 600)
    long_title = "A really long title " * 20
    assert _open(render_progress_png([], title=long_title)).size == (1000, 600)


def test_missing_pain_breaks_the_line() -> None:
    joined = render_progress_png([ChartPoint(0, 8, 0), ChartPoint(1, 6, 1), ChartPoint(2, 4, 1)])
    gap = render_progress_png([ChartPoint(0, 8, 0), ChartPoint(1, None, 1), ChartPoint(2, 4, 1)])
    assert joined != gap
