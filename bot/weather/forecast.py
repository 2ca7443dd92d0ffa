"""An Open-Meteo forecast client: the temperature and humidity at one place and hour.

Open-Meteo (https://open-meteo.com/en/docs) needs no key: ``GET /v1/forecast?latitude=…&
longitude=…&hourly=temperature_2m,relative_humidity_2m&timezone=GMT&forecast_days=2`` answers
``{"latitude", "longitude", "generationtime_ms", "utc_offset_seconds", "timezone",
"hourly_units", "hourly": {"time": ["2027-07-20T00:00", …], "temperature_2m": […],
"relative_humidity_2m": […]}}``, times in GMT, °C and %.

Answers are cached per place (rounded to a tenth of a degree) and UTC hour, at most
:data:`CACHE_SIZE` of them, so a thousand athletes in one city ask once an hour. Every failure
is a quiet skip (``None``): the service down or slow (time-outs: connect 3 s, read 5 s, 8 s in
all), an error status, or an answer that is not the shape above. Never a guess, never a wrong
warning, never an exception out of here: one log line and a count
(``crampcoach_weather_requests_total{result}``). A failure is remembered for
:data:`FAILURE_BACKOFF`, so a service that is down is not asked every scheduler tick.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_LOGGER = logging.getLogger(__name__)

OPEN_METEO_URL = "https://api.open-meteo.com/v1/forecast"
CACHE_SIZE = 512
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
TOTAL_TIMEOUT = 8.0
FAILURE_BACKOFF = timedelta(minutes=5)

Place = tuple[float, float]  # latitude, longitude, rounded to 0.1°


@dataclass(frozen=True)
class Conditions:
    temperature_c: float
    humidity: float


@dataclass(frozen=True)
class _Entry:
    hours: dict[datetime, Conditions] | None  # None: the request failed
    until: datetime


class BadForecast(ValueError):
    """The service answered something that is not a forecast of the expected shape."""


def parse_forecast(body: object) -> dict[datetime, Conditions]:
    """The hours of an Open-Meteo answer (times in GMT); hours with a missing value are left
    out. Raises :class:`BadForecast` for anything else."""
    if not isinstance(body, dict):
        raise BadForecast("not an object")
    if body.get("utc_offset_seconds", 0) != 0:
        raise BadForecast("not in GMT")
    hourly = body.get("hourly")
    if not isinstance(hourly, dict):
        raise BadForecast("no hourly")
    times = hourly.get("time")
    temperatures = hourly.get("temperature_2m")
    humidities = hourly.get("relative_humidity_2m")
    lists = (times, temperatures, humidities)
    if not all(isinstance(x, list) for x in lists):
        raise BadForecast("hourly lists missing")
    assert isinstance(times, list) and isinstance(temperatures, list)
    assert isinstance(humidities, list)
    if not len(times) == len(temperatures) == len(humidities):
        raise BadForecast("hourly lists of different lengths")
    hours: dict[datetime, Conditions] = {}
    for when, temperature, humidity in zip(times, temperatures, humidities, strict=True):
        if temperature is None or humidity is None:
            continue
        if not isinstance(when, str):
            raise BadForecast("a time is not text")
        if not _number(temperature) or not _number(humidity):
            raise BadForecast("a value is not a number")
        try:
            moment = datetime.fromisoformat(when)
        except ValueError as exc:
            raise BadForecast("a time is not ISO 8601") from exc
        if not -90.0 <= temperature <= 70.0 or not 0.0 <= humidity <= 100.0:
            raise BadForecast("a value out of range")
        hour = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        hours[hour] = Conditions(float(temperature), float(humidity))
    return hours


def _number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


class WeatherClient:
    """The forecast at a place and hour, or None; cached, bounded, never raising."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime],
        on_result: Callable[[str], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self._clock = clock
        self._on_result = on_result
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._cache: OrderedDict[tuple[Place, datetime], _Entry] = OrderedDict()
        self.requests = 0  # made over HTTP (for tests and logs)

    async def conditions(self, place: Place, hour: datetime) -> Conditions | None:
        """The forecast for ``place`` at ``hour`` (UTC, on the hour), or None if it cannot be
        had now (the service failed, or the answer has no such hour)."""
        now = self._clock()
        this_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        key = (place, this_hour)
        entry = self._cache.get(key)
        if entry is not None and entry.until > now:
            self._cache.move_to_end(key)
            self._count("cached")
            return None if entry.hours is None else entry.hours.get(hour)
        hours = await self._fetch(place)
        until = this_hour + timedelta(hours=1) if hours is not None else now + FAILURE_BACKOFF
        self._cache[key] = _Entry(hours, until)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return None if hours is None else hours.get(hour)

    async def _fetch(self, place: Place) -> dict[datetime, Conditions] | None:
        latitude, longitude = place
        params: dict[str, Any] = {
            "latitude": f"{latitude:.1f}",
            "longitude": f"{longitude:.1f}",
            "hourly": "temperature_2m,relative_humidity_2m",
            "timezone": "GMT",
            "forecast_days": 2,
        }
        self.requests += 1
        try:
            async with asyncio.timeout(TOTAL_TIMEOUT):
                response = await self._http().get(self.url, params=params)
        except (TimeoutError, httpx.TimeoutException):
            return self._failed("timeout", "timed out")
        except httpx.HTTPError as exc:
            return self._failed("unreachable", type(exc).__name__)
        if response.status_code != 200:
            return self._failed("error_status", f"status {response.status_code}")
        try:
            hours = parse_forecast(response.json())
        except (ValueError, UnicodeDecodeError) as exc:  # BadForecast, JSON errors
            return self._failed("bad_response", str(exc)[:80] or type(exc).__name__)
        self._count("ok")
        return hours

    def _failed(self, result: str, why: str) -> dict[datetime, Conditions] | None:
        _LOGGER.warning("Weather forecast skipped (%s): %s", result, why)
        self._count(result)
        return None

    def _count(self, result: str) -> None:
        if self._on_result is not None:
            self._on_result(result)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(
                    READ_TIMEOUT, connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, pool=CONNECT_TIMEOUT
                ),
                transport=self._transport,
                follow_redirects=False,
                headers={"User-Agent": "CrampCoach heat warning"},
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def weather_client(
    url: str | None,
    *,
    clock: Callable[[], datetime],
    on_result: Callable[[str], None] | None = None,
) -> WeatherClient | None:
    """The client for ``CRAMPCOACH_WEATHER_URL``, or None when it is ``none`` (off)."""
    if url is None or url.strip().lower() == "none":
        return None
    return WeatherClient(url, clock=clock, on_result=on_result)
