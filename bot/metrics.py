"""Prometheus counters for one Application, in a registry of its own.

Not prometheus_client's global registry: tests build several applications in one process, and
each must count only its own. ``GET /metrics`` (``bot.web.health``) serves :attr:`Metrics.registry`.

The counters (Prometheus adds ``_total``):

- ``crampcoach_updates_handled``: updates handled and committed (``update_finished``).
- ``crampcoach_messages_sent``: messages Telegram accepted (sends and edits: the requests that
  spend the send budget, see ``bot.delivery.rate_limiter``).
- ``crampcoach_send_retries``: requests sent again after a 429 or a transient failure.
- ``crampcoach_telegram_429``: 429 answers ("too many requests") received.
- ``crampcoach_checkins_due``: check-ins the scheduler claimed because they were due.
- ``crampcoach_checkins_late``: check-ins delivered more than :data:`LATE_AFTER` after their due
  instant (the plan's check-in time; for a check-in sent again after a failed send, its first
  claim). After downtime the catch-up check-ins count here.
- ``crampcoach_webhook_requests`` (label ``code``): webhook POSTs by the status answered.
- ``crampcoach_weather_requests`` (label ``result``): forecasts asked for the heat warning:
  ``ok``, ``cached``, or why none came (``timeout``, ``unreachable``, ``error_status``,
  ``bad_response``); ``crampcoach_heat_warnings``: heat warnings queued.
- ``crampcoach_dashboard_requests`` (labels ``endpoint``, ``code``): the coach's dashboard's
  API calls (``session``, ``teams``, ``team``) by the status answered (401 and 403 included).

- ``crampcoach_outbox_unknown``: notices in flight at a crash, marked unknown and never sent
  again (``storage.outbox.NEVER_TWICE``); ``crampcoach_outbox_resent_after_crash``: replies and
  prompts in flight at a crash, released at the next start to be sent again.

Gauges read when scraped: ``crampcoach_updates_in_hand`` (handed to the handlers, not done
yet), ``crampcoach_outbox_in_hand``, ``crampcoach_scheduler_last_tick_timestamp_seconds``; and,
from the database at each scrape (``bot.web.health``), the backlog: ``crampcoach_outbox_unsent``,
``crampcoach_outbox_oldest_unsent_age_seconds``, ``crampcoach_inbox_unfinished`` and
``crampcoach_inbox_oldest_unfinished_age_seconds`` (0 when nothing waits); and
``crampcoach_users_by_language{language}``, the people spoken to in each language.

Who is counting: ``crampcoach_build_info{version, worker}`` (1; the package's version and
``CRAMPCOACH_WORKER_NAME``, the host name by default), so several workers' series can be told
apart and an upgrade shows as a new version. And prometheus_client's own collectors: the
process (``process_cpu_seconds_total``, ``process_resident_memory_bytes``,
``process_open_fds``, ``process_start_time_seconds``, …), the interpreter (``python_info``)
and its garbage collector (``python_gc_*``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Info,
    PlatformCollector,
    ProcessCollector,
)

from bot import version

_LOGGER = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=5)


class Metrics:
    """The counters, and the scheduler's heartbeat that the health check reads."""

    def __init__(
        self, *, monotonic: Callable[[], float] = time.monotonic, worker: str | None = None
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._monotonic = monotonic
        self.worker = worker or socket.gethostname()
        self.build_info = Info(
            "crampcoach_build",
            "The running CrampCoach: its version and this worker's name.",
            registry=self.registry,
        )
        self.build_info.info({"version": version(), "worker": self.worker})
        # The process (CPU, memory, open files, start time), the interpreter, its collector.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(f"crampcoach_{name}", doc, labels, registry=self.registry)

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(f"crampcoach_{name}", doc, registry=self.registry)

        self.updates_handled = counter("updates_handled", "Updates handled and committed.")
        self.messages_sent = counter("messages_sent", "Messages Telegram accepted (sends, edits).")
        self.send_retries = counter("send_retries", "Requests sent again after a 429 or a 5xx.")
        self.telegram_429 = counter("telegram_429", "429 (too many requests) answers received.")
        self.checkins_due = counter("checkins_due", "Check-ins claimed by the scheduler as due.")
        self.checkins_late = counter(
            "checkins_late", "Check-ins delivered more than 5 minutes after their due time."
        )
        self.outbox_unknown = counter(
            "outbox_unknown",
            "Notices in flight at a crash: maybe sent, never sent twice (storage.outbox).",
        )
        self.outbox_resent_after_crash = counter(
            "outbox_resent_after_crash",
            "Replies and prompts in flight at a crash, sent again at the next start.",
        )
        self.lease_takeovers = counter(
            "lease_takeovers",
            "Duties (sender, scheduler, poller) this worker took over from a worker whose "
            "lease ran out.",
            ("duty",),
        )
        self.duty_held = Gauge(
            "crampcoach_duty_held",
            "1 while this worker holds the duty (sender, scheduler, poller), else 0.",
            ("duty",),
            registry=self.registry,
        )
        self.weather_requests = counter(
            "weather_requests",
            "Weather forecasts asked for the heat warning, by result (ok, cached, timeout, "
            "unreachable, error_status, bad_response).",
            ("result",),
        )
        self.dashboard_requests = counter(
            "dashboard_requests",
            "Calls to the coach's dashboard's API, by endpoint and the status answered.",
            ("endpoint", "code"),
        )
        self.heat_warnings = counter(
            "heat_warnings", "Heat warnings queued (to athletes and to teams' groups)."
        )
        self.webhook_requests = counter(
            "webhook_requests", "Webhook POSTs, by the HTTP status answered.", ("code",)
        )
        self.in_hand = Gauge(
            "crampcoach_updates_in_hand",
            "Updates handed to the handlers and not done yet.",
            registry=self.registry,
        )
        self.outbox_in_hand = Gauge(
            "crampcoach_outbox_in_hand",
            "Outbox messages taken by the sender and not yet recorded as sent.",
            registry=self.registry,
        )
        self.outbox_unsent = gauge("outbox_unsent", "Outbox messages not yet sent (database).")
        self.outbox_oldest_unsent_age = gauge(
            "outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent outbox message (0 when none waits).",
        )
        self.inbox_unfinished = gauge(
            "inbox_unfinished", "Updates kept in the inbox and not yet handled (database)."
        )
        self.users_by_language = Gauge(
            "crampcoach_users_by_language",
            "People the bot speaks each language to (chosen with /language or their app's; "
            "database).",
            ("language",),
            registry=self.registry,
        )
        self.inbox_oldest_unfinished_age = gauge(
            "inbox_oldest_unfinished_age_seconds",
            "Age of the oldest update kept and not yet handled (0 when none waits).",
        )
        self.last_tick_time = Gauge(
            "crampcoach_scheduler_last_tick_timestamp_seconds",
            "When the scheduler last ticked or delivered a check-in (Unix time).",
            registry=self.registry,
        )
        # Monotonic: the health check's "ticked within N seconds" ignores wall-clock jumps.
        # Until the first tick, the count starts from here.
        self.last_tick = monotonic()
        self._ticks: set[asyncio.Task[Any]] = set()
        self._stopping_ticks = False

    def watch_in_hand(self, in_hand: Callable[[], int]) -> None:
        """Read the updates in hand (``Inbox.in_hand``) whenever the metrics are scraped."""
        self.in_hand.set_function(lambda: float(in_hand()))

    def watch_outbox(self, in_hand: Callable[[], int]) -> None:
        self.outbox_in_hand.set_function(lambda: float(in_hand()))

    def watch_duty(self, name: str, held: Callable[[], bool]) -> None:
        """Read whether this worker holds the duty ``name`` whenever the metrics are scraped."""
        self.duty_held.labels(duty=name).set_function(lambda: float(held()))

    def duty_taken_over(self, name: str) -> None:
        self.lease_takeovers.labels(duty=name).inc()

    # --- Hooks ---------------------------------------------------------------------------------

    async def update_handled(self, update: object) -> None:
        """An ``update_finished`` callback (``CrampCoachApplication.finished_callbacks``)."""
        self.updates_handled.inc()

    def scheduler_ticked(self) -> None:
        """The scheduler is alive: a tick began, or a check-in of a long tick went out."""
        self.last_tick = self._monotonic()
        self.last_tick_time.set(time.time())

    def checkin_delivered(self, due_at: datetime, now: datetime) -> None:
        self.scheduler_ticked()
        if now - due_at > LATE_AFTER:
            self.checkins_late.inc()

    @contextlib.contextmanager
    def ticking(self) -> Iterator[None]:
        """Around a scheduler tick: a graceful stop lets it finish within the grace, then
        stops it (:meth:`stop_ticks`); what it claimed and did not send goes out after the
        restart (the scheduler's claim lease)."""
        task = asyncio.current_task()
        assert task is not None
        self._ticks.add(task)
        try:
            yield
        except asyncio.CancelledError:
            if not self._stopping_ticks:
                raise
            _LOGGER.warning("Scheduler tick stopped by the shutdown; the rest goes out later")
        finally:
            self._ticks.discard(task)

    @property
    def ticks_running(self) -> int:
        return len(self._ticks)

    async def stop_ticks(self) -> None:
        """Cancel a running scheduler tick (the stop's grace is over)."""
        self._stopping_ticks = True
        ticks = list(self._ticks)
        for task in ticks:
            task.cancel()
        await asyncio.gather(*ticks, return_exceptions=True)

    def seconds_since_tick(self) -> float:
        return self._monotonic() - self.last_tick


def metrics_of(application: Any) -> Metrics | None:
    """The application's metrics (``build_application`` sets them), or None."""
    metrics = getattr(application, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None
