"""The terminal chat's own bits: HTML to terminal text, and the share-location stand-in."""

from __future__ import annotations

from bot.terminal import _parse_location, to_terminal


def test_location_command_gives_coordinates() -> None:
    assert _parse_location("/location 52.52 13.40") == (52.52, 13.40)


def test_anything_else_is_not_a_location() -> None:
    for line in ("/location", "/location north 13", "location 1 2", "52.52 13.40", "1"):
        assert _parse_location(line) is None


def test_html_becomes_plain_text_without_colour() -> None:
    assert to_terminal("<b>Stop</b> &amp; <i>wait</i>", colour=False) == "Stop & wait"
