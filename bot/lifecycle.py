"""Running an Application outside ``run_polling``: its life (start, stop), and a graceful stop
on SIGTERM for both runners (``bot.runner``, ``bot.web.webhook``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import Application

from bot.application import CrampCoachApplication

_LOGGER = logging.getLogger(__name__)

_LOOK_EVERY = 0.02  # seconds between looks at the updates in hand during a graceful stop


@contextlib.asynccontextmanager
async def running(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """initialize → post_init → start … stop → shutdown → post_shutdown, as run_polling does."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield application
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


class StopSignals:
    """SIGTERM and SIGINT: the first asks for a graceful stop (``stop``), a second one for
    an immediate one (``hurry``: the grace is cut short)."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.hurry = asyncio.Event()

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.received)

    def received(self) -> None:
        """A signal arrived (the handler; tests call it for a signal)."""
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()


async def finish_in_hand(
    application: Application[Any, Any, Any, Any, Any, Any],
    grace: float,
    *,
    hurry: asyncio.Event | None = None,
) -> int:
    """The graceful part of a stop, once no new update is taken.

    No new job starts (the scheduler's tick; SOS timers stay in their rows for the next
    start); the updates in hand, the messages the outbox sender has taken and a running tick
    get up to ``grace`` seconds. Then what is left is stopped: its updates are not marked done,
    so the inbox hands them out again at the next start, and unsent messages stay in the
    outbox. Returns how many updates were left.
    """
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    keeper, metrics = application.inbox, application.metrics
    job_queue = application.job_queue
    if job_queue is not None and job_queue.scheduler.running:
        job_queue.scheduler.pause()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    hurry = hurry or asyncio.Event()

    sender = application.sender

    def busy() -> bool:
        ticking = metrics is not None and metrics.ticks_running
        return bool(keeper.in_hand or sender.in_hand or ticking)

    _LOGGER.info(
        "Stopping: no new updates taken; %d in hand, up to %.1f s to finish them",
        keeper.in_hand,
        grace,
    )
    while busy() and not hurry.is_set() and (left := deadline - loop.time()) > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hurry.wait(), timeout=min(left, _LOOK_EVERY))
    if metrics is not None:
        await metrics.stop_ticks()
    if sender.in_hand:
        unsent = await sender.abandon()
        _LOGGER.warning("%d messages not sent within the grace: sent at the next start", unsent)
    left_over = keeper.in_hand
    if left_over:
        await application.abandon_updates()
        _LOGGER.warning(
            "%d updates not finished within the %.0f s grace: they stay in the inbox and are "
            "handled at the next start",
            left_over,
            grace,
        )
    return left_over
