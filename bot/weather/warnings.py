"""The scheduler's heat warnings (``bot.scheduler`` calls :func:`send_heat_warnings` each tick).

For every athlete and team whose warning is on, the rule (``rules.heat.due_now``) says whether
its window is open now (two hours to one hour before training, local time, never at night). For
those not yet warned that local date, the forecast is fetched **outside any unit of work** (no
transaction is held open over HTTP), and if the heat index at the training hour reaches the
threshold, one unit keyed ``heat:<user>:<date>`` (``team-heat:<team>:<date>``) records the day's
warning and queues the message together. A restart, a second tick or a second worker finds the
row and sends nothing more that day. A forecast that cannot be had sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from bot.metrics import Metrics
from bot.weather.forecast import WeatherClient
from conversations.heat import warning
from conversations.services import Services
from rules import heat as rules
from rules.heat import Due
from storage import heat
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
RunUnit = Callable[[str, Callable[[UnitOfWork], Awaitable[T]]], Awaitable[T]]


async def _heat_index_at(
    weather: WeatherClient, latitude: float, longitude: float, training_at: datetime
) -> float | None:
    place = rules.rounded(rules.Place(latitude, longitude))
    found = await weather.conditions(place, rules.training_hour(training_at))
    if found is None:
        return None
    return rules.heat_index_f(rules.c_to_f(found.temperature_c), found.humidity)


async def _hot_training(
    weather: WeatherClient,
    *,
    training_time: str | None,
    zone: str | None,
    latitude: float | None,
    longitude: float | None,
    now: datetime,
    warned: Callable[[date], Awaitable[bool]],
    who: str,
) -> tuple[Due, float] | None:
    """The warning due now and its heat index, for a training not yet warned about today whose
    forecast reaches the threshold; None otherwise (a setting this code cannot read is logged
    and skipped, never a crash of the tick)."""
    if training_time is None or zone is None or latitude is None or longitude is None:
        return None
    try:
        due = rules.due_now(training_time, zone, now)
    except (ValueError, KeyError) as exc:  # a zone or time this code no longer reads
        _LOGGER.warning("A %s heat warning setting was skipped: %s", who, type(exc).__name__)
        return None
    if due is None or await warned(due.local_date):
        return None
    index = await _heat_index_at(weather, latitude, longitude, due.training_at)
    if index is None or index < rules.WARN_AT_F:
        return None
    return due, index


async def send_heat_warnings(
    svc: Services,
    weather: WeatherClient | None,
    run_unit: RunUnit[bool],
    now: datetime,
    metrics: Metrics | None = None,
) -> int:
    """Queue the heat warnings due now; how many were queued."""
    if weather is None:
        return 0
    queued = 0
    for settings in await heat.enabled_settings(svc.db):
        hot = await _hot_training(
            weather,
            training_time=settings.training_time,
            zone=settings.zone,
            latitude=settings.latitude,
            longitude=settings.longitude,
            now=now,
            warned=partial(heat.warned, svc.db, settings.user_id),
            who="athlete's",
        )
        if hot is None:
            continue
        due, index = hot
        assert settings.training_time is not None
        await asyncio.sleep(0)  # let people's updates in between units
        queue = partial(
            warning.queue_athlete_warning,
            svc,
            settings.user_id,
            due.local_date,
            settings.training_time,
            index,
            now,
        )
        origin = f"heat:{settings.user_id}:{due.local_date.isoformat()}"
        if await run_unit(origin, lambda _unit, queue=queue: queue()):  # type: ignore[misc]
            queued += 1
    for team in await heat.enabled_teams(svc.db):
        team_heat = team.heat
        hot = await _hot_training(
            weather,
            training_time=team_heat.training_time,
            zone=team_heat.zone,
            latitude=team_heat.latitude,
            longitude=team_heat.longitude,
            now=now,
            warned=partial(heat.team_warned, svc.db, team_heat.team_id),
            who="team",
        )
        if hot is None:
            continue
        due, index = hot
        await asyncio.sleep(0)
        team_queue = partial(warning.queue_team_warning, svc, team, due.local_date, index, now)
        origin = f"team-heat:{team_heat.team_id}:{due.local_date.isoformat()}"
        if await run_unit(origin, lambda _unit, q=team_queue: q()):  # type: ignore[misc]
            queued += 1
    if metrics is not None and queued:
        metrics.heat_warnings.inc(queued)
    return queued
