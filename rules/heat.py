"""The heat warning before training: the heat index, its categories, and when to warn.

Pure functions of plain values (temperatures, humidities, "HH:MM" times, IANA zone names and
instants): no Telegram, no database, no network.

The heat index is the US National Weather Service's (NWS): the Rothfusz regression with the
NWS adjustments for low and high humidity, and the simple formula (Steadman's) below 80 °F, as
the NWS Weather Prediction Center describes it: "The Heat Index Equation",
https://www.wpc.ncep.noaa.gov/html/heatindex_equation.shtml. The categories are the NWS's heat
index chart (https://www.weather.gov/ama/heatindex): Caution 80-90 °F, Extreme Caution
90-103 °F, Danger 103-124 °F, Extreme Danger 125 °F and above. The bot warns from Extreme
Caution (90 °F, about 32 °C): where the NWS says heat cramps and heat exhaustion become
possible with prolonged exposure and/or physical activity, which training is.

What the warning advises is the article's own prevention advice: heat adds to the cramp risk,
so train before or after the hottest hours, and wear light clothing rather than thick or
compression garments on hot days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

# The warning threshold: the NWS's "Extreme Caution" category starts here.
WARN_AT_F = 90.0
# The warning goes out in this window before the training time (local clock).
WINDOW_OPENS = timedelta(hours=2)
WINDOW_CLOSES = timedelta(hours=1)
# Never a heat message at night (local clock): from 22:00 up to 07:00.
NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)
# The training times offered as buttons (whole hours, local).
TRAINING_HOURS = tuple(range(6, 21))


class Category(StrEnum):
    """The NWS heat index categories (stored by value nowhere; for texts and tests)."""

    NONE = "none"
    CAUTION = "caution"  # 80-90 °F
    EXTREME_CAUTION = "extreme_caution"  # 90-103 °F
    DANGER = "danger"  # 103-124 °F
    EXTREME_DANGER = "extreme_danger"  # 125 °F and above


def c_to_f(celsius: float) -> float:
    return celsius * 9.0 / 5.0 + 32.0


def f_to_c(fahrenheit: float) -> float:
    return (fahrenheit - 32.0) * 5.0 / 9.0


def heat_index_f(temperature_f: float, humidity: float) -> float:
    """The NWS heat index (°F) for an air temperature (°F) and relative humidity (%).

    As the NWS computes it: the simple formula first; if that, averaged with the temperature,
    is below 80 °F it is the answer; otherwise the Rothfusz regression, adjusted down for
    humidity under 13 % at 80-112 °F and up for humidity over 85 % at 80-87 °F.
    """
    t, rh = temperature_f, min(max(humidity, 0.0), 100.0)
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + rh * 0.094)
    if (simple + t) / 2.0 < 80.0:
        return simple
    hi = (
        -42.379
        + 2.04901523 * t
        + 10.14333127 * rh
        - 0.22475541 * t * rh
        - 0.00683783 * t * t
        - 0.05481717 * rh * rh
        + 0.00122874 * t * t * rh
        + 0.00085282 * t * rh * rh
        - 0.00000199 * t * t * rh * rh
    )
    if rh < 13.0 and 80.0 <= t <= 112.0:
        hi -= ((13.0 - rh) / 4.0) * math.sqrt((17.0 - abs(t - 95.0)) / 17.0)
    elif rh > 85.0 and 80.0 <= t <= 87.0:
        hi += ((rh - 85.0) / 10.0) * ((87.0 - t) / 5.0)
    return hi


def heat_index_c(temperature_c: float, humidity: float) -> float:
    """The NWS heat index in °C, from °C (the forecast's unit)."""
    return f_to_c(heat_index_f(c_to_f(temperature_c), humidity))


def category(heat_index: float) -> Category:
    """The NWS category of a heat index in °F."""
    if heat_index >= 125.0:
        return Category.EXTREME_DANGER
    if heat_index >= 103.0:
        return Category.DANGER
    if heat_index >= 90.0:
        return Category.EXTREME_CAUTION
    if heat_index >= 80.0:
        return Category.CAUTION
    return Category.NONE


def warrants_warning(temperature_c: float, humidity: float) -> bool:
    """Whether the forecast at the training hour calls for a warning (Extreme Caution up)."""
    return heat_index_f(c_to_f(temperature_c), humidity) >= WARN_AT_F


# --- When ------------------------------------------------------------------------------------


def parse_hhmm(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def is_night(moment: time) -> bool:
    return moment >= NIGHT_STARTS or moment < NIGHT_ENDS


@dataclass(frozen=True)
class Due:
    """A warning whose window is open now: the local date it is for and the training instant."""

    local_date: date
    training_at: datetime  # aware, UTC


def due_now(training_time: str, zone: str, now: datetime) -> Due | None:
    """The warning due at ``now`` for a training at ``training_time`` (local "HH:MM") in
    ``zone``: between two hours and one hour before it, never at night; None otherwise.

    A window that falls at night (an early training) never opens: no warning that day.
    """
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    training_local = datetime.combine(local_now.date(), parse_hhmm(training_time), tzinfo=tz)
    # A training time that does not exist that day (a spring-forward gap) moves with fold=0;
    # comparing instants in UTC keeps the window two hours long in real time.
    training_at = training_local.astimezone(ZoneInfo("UTC"))
    opens, closes = training_at - WINDOW_OPENS, training_at - WINDOW_CLOSES
    if not opens <= now < closes:
        return None
    if is_night(local_now.time()):
        return None
    return Due(local_now.date(), training_at)


def training_hour(training_at: datetime) -> datetime:
    """The forecast hour (UTC, on the hour) the training falls in."""
    return training_at.astimezone(ZoneInfo("UTC")).replace(minute=0, second=0, microsecond=0)


# --- Where -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


# Used only when no zone1970.tab can be read (neither the tzdata package nor the system's):
# the main city of the zones the time-zone picker offers (rules.timezones.COMMON_ZONES).
_FALLBACK: dict[str, Place] = {
    "America/Los_Angeles": Place(34.05, -118.24),
    "America/Denver": Place(39.74, -104.98),
    "America/Chicago": Place(41.85, -87.65),
    "America/New_York": Place(40.71, -74.01),
    "America/Sao_Paulo": Place(-23.53, -46.62),
    "Europe/London": Place(51.51, -0.13),
    "Europe/Berlin": Place(52.50, 13.37),
    "Africa/Johannesburg": Place(-26.25, 28.00),
    "Asia/Dubai": Place(25.30, 55.30),
    "Asia/Kolkata": Place(22.53, 88.37),
    "Asia/Singapore": Place(1.28, 103.85),
    "Asia/Tokyo": Place(35.65, 139.74),
    "Australia/Sydney": Place(-33.87, 151.22),
    "Pacific/Auckland": Place(-36.87, 174.77),
}


def _degrees(text: str, whole_digits: int) -> float:
    """ISO 6709 as zone1970.tab writes it: ±DDMM or ±DDMMSS (±DDDMM[SS] for longitude)."""
    sign = -1.0 if text[0] == "-" else 1.0
    digits = text[1:]
    whole = int(digits[:whole_digits])
    minutes = int(digits[whole_digits : whole_digits + 2])
    seconds = int(digits[whole_digits + 2 : whole_digits + 4] or 0)
    return sign * (whole + minutes / 60.0 + seconds / 3600.0)


def parse_coordinates(text: str) -> Place:
    """``+5230+01322`` → 52.5, 13.37 (the tab file's coordinates column)."""
    split = max(text.rfind("+"), text.rfind("-"))
    return Place(_degrees(text[:split], 2), _degrees(text[split:], 3))


def parse_zone_tab(content: str) -> dict[str, Place]:
    places: dict[str, Place] = {}
    for line in content.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            try:
                places[fields[2]] = parse_coordinates(fields[1])
            except (ValueError, IndexError):
                continue
    return places


def _read_zone_tab() -> str | None:
    """zone1970.tab from the tzdata package, else the system's tz database, else None."""
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone1970.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for folder in ("/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo"):
        path = Path(folder) / "zone1970.tab"
        try:
            return path.read_text("utf-8")
        except OSError:
            continue
    return None


@lru_cache(maxsize=1)
def _zone_places() -> dict[str, Place]:
    content = _read_zone_tab()
    return parse_zone_tab(content) if content else {}


def zone_city(zone: str) -> Place | None:
    """Where a zone's city lies (the zone's principal location in the tz database), or None for
    a zone with no place (UTC, Etc/…)."""
    return _zone_places().get(zone) or _FALLBACK.get(zone)


def rounded(place: Place) -> tuple[float, float]:
    """The place to a tenth of a degree (about 10 km): the forecast cache's key, and what is
    asked of the weather service."""
    return round(place.latitude, 1), round(place.longitude, 1)
