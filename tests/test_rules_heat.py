"""rules/heat.py alone: the NWS heat index, its categories, when a warning is due, where a
zone's city lies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rules import heat
from rules.heat import Category


@pytest.mark.parametrize(
    ("temperature_f", "humidity", "expected"),
    [
        # The NWS heat index chart (weather.gov/ama/heatindex), rounded to whole degrees.
        (80, 40, 80),
        (90, 50, 95),
        (96, 65, 121),
        (100, 40, 109),
        (86, 90, 105),
        (104, 55, 137),
    ],
)
def test_the_heat_index_matches_the_nws_chart(
    temperature_f: float, humidity: float, expected: int
) -> None:
    assert round(heat.heat_index_f(temperature_f, humidity)) == pytest.approx(expected, abs=1)


def test_below_80_f_the_simple_formula_is_used() -> None:
    # 0.5 * (70 + 61 + (70 - 68) * 1.2 + 50 * 0.094)
    assert heat.heat_index_f(70, 50) == pytest.approx(69.05)


def test_the_low_and_high_humidity_adjustments() -> None:
    dry = heat.heat_index_f(100, 5)
    assert dry < heat.heat_index_f(100, 13)
    humid = heat.heat_index_f(84, 95)
    rothfusz = heat.heat_index_f(84, 85)
    assert humid > rothfusz


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (79.9, Category.NONE),
        (80, Category.CAUTION),
        (89.9, Category.CAUTION),
        (90, Category.EXTREME_CAUTION),
        (102.9, Category.EXTREME_CAUTION),
        (103, Category.DANGER),
        (124.9, Category.DANGER),
        (125, Category.EXTREME_DANGER),
    ],
)
def test_categories(value: float, expected: Category) -> None:
    assert heat.category(value) is expected


def test_the_threshold_is_extreme_caution() -> None:
    assert heat.WARN_AT_F == 90
    assert heat.warrants_warning(35, 40)  # 95 °F, 40 %: about 99 °F
    assert not heat.warrants_warning(22, 60)  # a mild day
    assert not heat.warrants_warning(29, 40)  # 84 °F: Caution only
    assert heat.heat_index_c(20, 50) < 21


def test_celsius_and_fahrenheit() -> None:
    assert heat.c_to_f(32) == pytest.approx(89.6)
    assert heat.f_to_c(90) == pytest.approx(32.22, abs=0.01)


# --- When --------------------------------------------------------------------------------------


def _utc(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2027, 7, day, hour, minute, tzinfo=UTC)


def test_the_window_is_two_hours_to_one_hour_before_training() -> None:
    # Berlin in July is UTC+2: training at 18:00 local is 16:00 UTC.
    assert heat.due_now("18:00", "Europe/Berlin", _utc(13, 59)) is None
    due = heat.due_now("18:00", "Europe/Berlin", _utc(14, 0))
    assert due == heat.Due(date(2027, 7, 20), _utc(16))
    assert heat.due_now("18:00", "Europe/Berlin", _utc(14, 59)) is not None
    assert heat.due_now("18:00", "Europe/Berlin", _utc(15, 0)) is None
    assert heat.due_now("18:00", "Europe/Berlin", _utc(17)) is None


def test_never_at_night() -> None:
    # Training at 08:00 local: its window, 06:00-07:00, is at night: no warning at all.
    for minute in (0, 30, 59):
        assert heat.due_now("08:00", "Europe/Berlin", _utc(4, minute)) is None
    # Training at 08:30: only the part of the window from 07:00 is open.
    assert heat.due_now("08:30", "Europe/Berlin", _utc(4, 45)) is None
    assert heat.due_now("08:30", "Europe/Berlin", _utc(5, 0)) is not None
    assert heat.is_night(datetime(2027, 7, 20, 22, 0).time())
    assert heat.is_night(datetime(2027, 7, 20, 6, 59).time())
    assert not heat.is_night(datetime(2027, 7, 20, 7, 0).time())


def test_the_local_date_is_the_athletes() -> None:
    # New York, training 20:00 local (00:00 UTC next day): the window is on the 20th locally.
    due = heat.due_now("20:00", "America/New_York", _utc(22, 30))
    assert due is not None and due.local_date == date(2027, 7, 20)
    assert heat.training_hour(due.training_at) == _utc(0, day=21)


def test_the_training_hour_is_on_the_hour_in_utc() -> None:
    assert heat.training_hour(_utc(16, 45)) == _utc(16)


# --- Where -------------------------------------------------------------------------------------


def test_coordinates_of_the_tab_file() -> None:
    berlin = heat.parse_coordinates("+5230+01322")
    assert berlin.latitude == pytest.approx(52.5)
    assert berlin.longitude == pytest.approx(13.3667, abs=1e-3)
    south = heat.parse_coordinates("-3352+15113")
    assert south.latitude < 0 and south.longitude > 0
    seconds = heat.parse_coordinates("+404251-0740023")
    assert seconds.latitude == pytest.approx(40.714, abs=1e-3)
    assert seconds.longitude == pytest.approx(-74.006, abs=1e-3)


def test_a_zones_city() -> None:
    berlin = heat.zone_city("Europe/Berlin")
    assert berlin is not None and heat.rounded(berlin) == (52.5, 13.4)
    new_york = heat.zone_city("America/New_York")
    assert new_york is not None and heat.rounded(new_york) == (40.7, -74.0)
    assert heat.zone_city("UTC") is None


def test_the_tab_parser_skips_comments_and_bad_lines() -> None:
    places = heat.parse_zone_tab("# c\nAD\t+4230+00131\tEurope/Andorra\nXX\tbad\tNowhere/X\n")
    assert set(places) == {"Europe/Andorra"}
