"""The scheduler: one repeating job that sends what the database says is due: the athletes'
check-ins and reminders, and the coaches' daily digests.

There is no job per user: every ``interval`` the tick claims due check-ins (an indexed query on
``plans.next_checkin_at``), sends them, and does the same for reminders and snoozes. Claiming
happens before sending, in one transaction, so a restart never sends the same day twice.

The one window for a duplicate: the bot crashes after Telegram accepted a check-in but before
``sent_at`` was committed (a few milliseconds). The check-in is then sent again after
``CLAIM_LEASE``. Nothing is skipped silently: a claimed check-in stays unsent in the database
until it is delivered or the user is found to have blocked the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.metrics import metrics_of
from conversations.plan import checkin
from conversations.services import services_of
from conversations.team.alerts import alert_missed_checkins
from conversations.team.digest import digest_slot, send_digest
from rules import plan_clock
from rules.plan_clock import DueSlot
from storage import plans, teams

_LOGGER = logging.getLogger(__name__)

TICK_INTERVAL = timedelta(seconds=20)
BATCH = 1000
IN_FLIGHT = 50  # concurrent sends; the rate limiter keeps them under Telegram's limits
CLAIM_LEASE = checkin.RETRY_LEASE  # an unsent claim older than this is retried
RETRY_FOR = timedelta(hours=12)  # …until it is this old


@dataclass(frozen=True)
class TickReport:
    checkins_sent: int
    paused: int
    reminders_sent: int
    retried: int
    digests_sent: int = 0


async def tick(application: Application[Any, Any, Any, Any, Any, Any]) -> TickReport:
    """Send what is due now: unsent claims from before, new check-ins, then reminders."""
    svc = services_of(application.bot_data)
    bot = application.bot
    now = svc.now()
    metrics = metrics_of(application)
    if metrics is not None:
        metrics.scheduler_ticked()  # for the health check: the scheduler is alive

    async def send_checkin(bot: Any, svc: Any, claimed: plans.Claimed) -> bool:
        delivered = await checkin.send_checkin(bot, svc, claimed)
        if delivered and claimed.checkin is not None and metrics is not None:
            metrics.checkin_delivered(_due_at(claimed), svc.now())
        return delivered

    async def send_all(
        claims: list[plans.Claimed], send: Callable[..., Awaitable[bool]]
    ) -> list[bool]:
        # Many sends in flight at once: the rate limiter, not one network round trip after
        # another, sets the pace (about 30 a second).
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(claimed: plans.Claimed) -> bool:
            async with gate:
                try:
                    return await send(bot, svc, claimed)
                except Exception as exc:
                    # Not a Telegram error (those are handled in the send): this plan's data
                    # cannot make a check-in. Set it aside; the others go out regardless.
                    await plans.set_aside(svc.db, claimed.plan.id, exc)
                    return False

        return list(await asyncio.gather(*(one(claimed) for claimed in claims)))

    retried = await plans.unsent_checkins(svc.db, now - CLAIM_LEASE, now - RETRY_FOR)
    await send_all(retried, send_checkin)
    sent = paused = 0
    while True:
        batch = await plans.claim_due(svc.db, now, BATCH, partial(_slot, now=now))
        if metrics is not None:
            metrics.checkins_due.inc(sum(claimed.checkin is not None for claimed in batch))
        for claimed, delivered in zip(batch, await send_all(batch, send_checkin), strict=True):
            if delivered and claimed.checkin is None:
                paused += 1
            elif delivered:
                sent += 1
        await alert_missed_checkins(bot, svc, batch)
        if len(batch) < BATCH:
            break
    reminders = await plans.claim_reminders(svc.db, now, BATCH)
    reminded = sum(await send_all(reminders, checkin.send_reminder))
    due_digests = await teams.claim_due_digests(svc.db, now, partial(digest_slot, now=now))
    digests = sum([await send_digest(bot, svc, due) for due in due_digests])
    report = TickReport(sent, paused, reminded, len(retried), digests)
    if sent or paused or reminded or retried or digests:
        _LOGGER.info("Scheduler: %s", report)
    return report


def _slot(plan: plans.Plan, *, now: Any) -> DueSlot:
    return plan_clock.due_slot(plan.cramp_at, plan.checkin_time, plan.zone, now)


def _due_at(claimed: plans.Claimed) -> datetime:
    """When a claimed check-in was due: the plan's instant as claimed (it has moved on since
    for a check-in sent again after a failed send: then its first claim)."""
    assert claimed.checkin is not None
    due = claimed.plan.next_checkin_at
    return claimed.checkin.claimed_at if due is None else min(due, claimed.checkin.claimed_at)


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    metrics = metrics_of(context.application)
    with contextlib.nullcontext() if metrics is None else metrics.ticking():
        await tick(context.application)


def start_scheduler(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(
        _tick_job,
        interval=TICK_INTERVAL,
        first=timedelta(seconds=1),
        name="checkin-scheduler",
        # A long tick (a big batch at 30 a second) just delays the next one: no overlap, no
        # backlog of missed runs, no warnings for them.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
