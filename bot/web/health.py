"""``GET /healthz`` and ``GET /metrics``, on a listener of their own, in both modes (served by
``bot.web.app``).

``/healthz`` answers 200 with a JSON body when the bot is healthy and 503 when it is not, so a
Docker ``HEALTHCHECK`` (``curl -fsS``), a load balancer or a watchdog timer can act on the
status alone. Healthy means all of:

- **database**: it answers a small query (the inbox's backlog) within :data:`DB_TIMEOUT`;
- **scheduler**: it ticked (or delivered a check-in) within :data:`TICK_STALE_AFTER` (checked
  only when the application runs the scheduler);
- **updates**: no update has waited in the inbox unfinished for more than
  :data:`STUCK_AFTER` (counted from this start for what the last run left). A quiet bot with
  no traffic is healthy;
- **outbox**: no message committed to the outbox has waited unsent for more than
  :data:`STUCK_AFTER` (counted from this start): the sender is sending (Telegram unreachable
  for that long shows here too);
- not stopping: during a graceful stop the answer is 503, so a load balancer drains.

``/metrics`` serves the application's own registry (``bot.metrics``) in Prometheus' text
format, the backlog's gauges (the outbox's and the inbox's oldest waiting rows) read from the
database at each scrape. ``/healthz`` also names the running ``version``. Neither answer is
logged above DEBUG.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram.ext import Application

from bot import version
from bot.application import CrampCoachApplication
from bot.metrics import Metrics
from conversations.services import services_of
from rules.languages import LANGUAGES
from storage import inbox, outbox, users

_LOGGER = logging.getLogger(__name__)

DB_TIMEOUT = 2.0  # seconds for the database's answer
TICK_STALE_AFTER = 180.0  # seconds: nine missed 20-second ticks
STUCK_AFTER = timedelta(seconds=120)  # an update kept and not handled for this long is stuck
SCHEDULER_JOB = "checkin-scheduler"

_App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Health:
    """One answer: each check's findings; healthy only if every one is ok."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, ok: bool, **details: Any) -> None:
        self.checks[name] = {"ok": ok, **details}

    @property
    def ok(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "version": version(),
            "checks": self.checks,
        }


class HealthChecker:
    """Looks at a running application: its database, scheduler and inbox."""

    def __init__(
        self,
        application: _App,
        *,
        stopping: asyncio.Event | None = None,
        db_timeout: float = DB_TIMEOUT,
        tick_stale_after: float = TICK_STALE_AFTER,
        stuck_after: timedelta = STUCK_AFTER,
    ) -> None:
        assert isinstance(application, CrampCoachApplication) and application.inbox is not None
        self.application = application
        self.keeper = application.inbox
        self.stopping = stopping or asyncio.Event()
        self.db_timeout = db_timeout
        self.tick_stale_after = tick_stale_after
        self.stuck_after = stuck_after
        # Rows the last run left are counted from this start, not from when they were kept.
        self.started_at: datetime = self.keeper.clock()

    async def check(self) -> Health:
        health = Health()
        await self._check_database_and_updates(health)
        self._check_scheduler(health)
        health.add("running", not self.stopping.is_set(), stopping=self.stopping.is_set())
        return health

    async def _check_database_and_updates(self, health: Health) -> None:
        db = services_of(self.application.bot_data).db
        if not db.is_open:  # asking it would open it again
            health.add("database", False, error="closed")
            health.add("updates", False, error="database closed")
            return
        try:
            backlog = await asyncio.wait_for(inbox.backlog(db), timeout=self.db_timeout)
        except TimeoutError:
            health.add("database", False, error=f"no answer within {self.db_timeout:g} s")
            health.add("updates", False, error="database did not answer")
            return
        except Exception as exc:  # a broken file, a closed connection: the kind is enough
            health.add("database", False, error=type(exc).__name__)
            health.add("updates", False, error="database did not answer")
            return
        health.add("database", True)
        waited = self._waited_since(backlog.oldest_kept_at)
        health.add(
            "updates",
            waited <= self.stuck_after.total_seconds(),
            unfinished=backlog.unfinished,
            in_hand=self.keeper.in_hand,
            oldest_unfinished_seconds=round(waited, 1),
        )
        unsent = await outbox.counts(db)
        waited = self._waited_since(unsent.oldest_unsent_at)
        health.add(
            "outbox",
            waited <= self.stuck_after.total_seconds(),
            unsent=unsent.unsent,
            oldest_unsent_seconds=round(waited, 1),
        )

    def _waited_since(self, oldest: datetime | None) -> float:
        """Seconds the oldest waiting row has waited, counted from this start at the earliest
        (what the last run left is this run's to do from its start)."""
        if oldest is None:
            return 0.0
        since = max(oldest, self.started_at)
        return max(0.0, (self.keeper.clock() - since).total_seconds())

    async def read_backlog(self, metrics: Metrics) -> None:
        """Set the backlog gauges from the database: how many rows wait in the outbox and the
        inbox, and how long the oldest of each has waited (from when it was written). Left as
        they were if the database does not answer (``/healthz`` says why)."""
        db = services_of(self.application.bot_data).db
        if not db.is_open:
            return
        try:
            async with asyncio.timeout(self.db_timeout):
                unsent = await outbox.counts(db)
                kept = await inbox.backlog(db)
                languages = await users.count_by_language(db)
        except Exception as exc:
            _LOGGER.debug("Backlog not read for /metrics: %s", type(exc).__name__)
            return
        now = self.keeper.clock()

        def age(oldest: datetime | None) -> float:
            return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())

        metrics.outbox_unsent.set(unsent.unsent)
        metrics.outbox_oldest_unsent_age.set(age(unsent.oldest_unsent_at))
        metrics.inbox_unfinished.set(kept.unfinished)
        metrics.inbox_oldest_unfinished_age.set(age(kept.oldest_kept_at))
        for code in LANGUAGES:  # every language, 0 included, so a series never goes stale
            metrics.users_by_language.labels(language=code).set(languages.get(code, 0))

    def _check_scheduler(self, health: Health) -> None:
        metrics = self.application.metrics
        job_queue = self.application.job_queue
        runs = job_queue is not None and bool(job_queue.get_jobs_by_name(SCHEDULER_JOB))
        if metrics is None or not runs or self.stopping.is_set():
            health.add("scheduler", True, running=runs and not self.stopping.is_set())
            return
        since = metrics.seconds_since_tick()
        health.add(
            "scheduler",
            since <= self.tick_stale_after,
            running=True,
            seconds_since_tick=round(since, 1),
        )


def health_routes(checker: HealthChecker) -> list[web.RouteDef]:
    """``GET /healthz`` and ``GET /metrics``, mounted on the health listener (``bot.web.app``)."""

    async def healthz(request: web.Request) -> web.Response:
        health = await checker.check()
        _LOGGER.debug("Health: %s", health.ok)
        return web.json_response(
            health.as_json(), status=200 if health.ok else 503, dumps=json.dumps
        )

    async def metrics(request: web.Request) -> web.Response:
        registry = checker.application.metrics
        assert registry is not None
        await checker.read_backlog(registry)
        body = generate_latest(registry.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]
