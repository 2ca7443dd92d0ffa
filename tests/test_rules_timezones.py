"""Tests for the check-in time-zone helpers."""

from __future__ import annotations

import math
import zoneinfo

import pytest

from rules.timezones import (
    COMMON_ZONES,
    is_valid_zone,
    zone_for_location,
    zone_from_text,
)


@pytest.mark.parametrize(
    ("lat", "lng", "expected"),
    [
        (52.52, 13.405, "Europe/Berlin"),
        (40.71, -74.0, "America/New_York"),
        (-33.87, 151.21, "Australia/Sydney"),
        (51.5074, -0.1278, "Europe/London"),
        (35.68, 139.69, "Asia/Tokyo"),
    ],
)
def test_zone_for_location_cities(lat: float, lng: float, expected: str) -> None:
    assert zone_for_location(lat, lng) == expected


def test_zone_for_location_at_sea_is_loadable() -> None:
    name = zone_for_location(0.0, -30.0)
    assert name is not None
    zoneinfo.ZoneInfo(name)


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (200.0, 13.0),
        (-91.0, 0.0),
        (52.52, 181.0),
        (52.52, -180.5),
        (math.nan, 13.405),
        (52.52, math.nan),
        (math.inf, 0.0),
        (0.0, -math.inf),
    ],
)
def test_zone_for_location_invalid(lat: float, lng: float) -> None:
    assert zone_for_location(lat, lng) is None


@pytest.mark.parametrize(("label", "zone"), COMMON_ZONES)
def test_common_zones_are_valid(label: str, zone: str) -> None:
    assert label
    assert is_valid_zone(zone)
    zoneinfo.ZoneInfo(zone)


def test_common_zones_shape() -> None:
    assert 10 <= len(COMMON_ZONES) <= 20
    labels = [label for label, _ in COMMON_ZONES]
    zones = [zone for _, zone in COMMON_ZONES]
    assert len(set(labels)) == len(labels)
    assert len(set(zones)) == len(zones)
    assert "Europe/London" in zones and "UTC" in zones


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+2"]
)
def test_is_valid_zone_accepts(name: str) -> None:
    assert is_valid_zone(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Not/AZone",
        "europe/berlin",
        "../etc/passwd",
        "/etc/passwd",
        "Europe/../Europe/Berlin",
        "Europe\\Berlin",
        "Europe/Berlin\x00",
        "Europe",
        " Europe/Berlin",
        "A" * 200,
    ],
)
def test_is_valid_zone_rejects(name: str) -> None:
    assert not is_valid_zone(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  AMERICA/NEW_YORK  ", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("utc", "UTC"),
        ("Tokyo", "Asia/Tokyo"),
        ("london", "Europe/London"),
        ("Berlin / Paris", "Europe/Berlin"),
        ("paris", "Europe/Berlin"),
        ("São Paulo", "America/Sao_Paulo"),
        ("India", "Asia/Kolkata"),
    ],
)
def test_zone_from_text_good(text: str, expected: str) -> None:
    assert zone_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Atlantis",
        "Mars/Olympus_Mons",
        "../etc/passwd",
        "/etc/passwd",
        "../../usr/share/zoneinfo/Europe/Berlin",
        "Europe/../Europe/Berlin",
        "x" * 500,
    ],
)
def test_zone_from_text_bad(text: str) -> None:
    assert zone_from_text(text) is None


def test_every_common_label_round_trips() -> None:
    for label, zone in COMMON_ZONES:
        assert zone_from_text(label) == zone
        assert zone_from_text(label.upper()) == zone
        assert zone_from_text(zone.lower()) == zone
