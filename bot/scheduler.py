"""The scheduler: one repeating job that sends what the database says is due: the athletes'
check-ins and reminders, and the coaches' daily digests.

With several workers (PostgreSQL) every worker runs the job, and only the one holding the
``scheduler`` duty (``bot.delivery.duties``) does anything in it.

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
import itertools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, cast

from telegram.ext import Application, ContextTypes

from bot.delivery.duties import SCHEDULER, Duty
from bot.delivery.outbox import OutboxSender
from bot.delivery.timers import TimerRunner
from bot.delivery.units import UnitRunner
from bot.metrics import metrics_of
from bot.weather.warnings import send_heat_warnings
from conversations.plan import checkin
from conversations.prevention import weekly as prevention_weekly
from conversations.prevention.sessions import send_prevention_sessions
from conversations.services import Services, services_of
from conversations.team.alerts import alert_missed_checkins
from conversations.team.digest import digest_slot, queue_digest
from rules import plan_clock
from rules.plan_clock import DueSlot
from storage import plans, teams
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)

TICK_INTERVAL = timedelta(seconds=20)
# Several workers: an SOS timer this long overdue was armed by a worker that died; the worker
# holding the scheduler's duty fires it (taking its row is one statement: never twice).
TIMER_OVERDUE = timedelta(seconds=5)
BATCH = 1000
CLAIM_LEASE = checkin.RETRY_LEASE  # an unsent claim older than this is retried
RETRY_FOR = timedelta(hours=12)  # …until it is this old


class _Delivery(Protocol):
    """What the tick needs of the application (``bot.application.CrampCoachApplication``)."""

    units: UnitRunner
    sender: OutboxSender
    timers: TimerRunner
    duties: dict[str, Duty]
    shared: bool


@dataclass(frozen=True)
class TickReport:
    checkins_sent: int
    paused: int
    reminders_sent: int
    retried: int
    digests_sent: int = 0


async def tick(application: Application[Any, Any, Any, Any, Any, Any]) -> TickReport:
    """Queue what is due now: unsent claims from before, new check-ins, then reminders and
    digests, each batch in one unit of work (claims, outbox rows and marks together); then
    wait for the outbox sender to send them."""
    svc = services_of(application.bot_data)
    now = svc.now()
    metrics = metrics_of(application)
    if metrics is not None:
        metrics.scheduler_ticked()  # for the health check: the scheduler is alive
    delivery = cast(_Delivery, application)
    duty = delivery.duties.get(SCHEDULER)
    if duty is not None and not duty.held:
        return TickReport(0, 0, 0, 0)  # another worker holds the scheduler's duty
    units = delivery.units
    if delivery.shared:
        await delivery.timers.fire_overdue(now - TIMER_OVERDUE)
    stamp = now.timestamp()
    await delivery.sender.scan()  # outbox retries now due, whatever the scanner is doing

    async def queue_each(claims: list[plans.Claimed]) -> int:
        """Each claimed check-in in a unit of work of its own (its outbox row and its sent
        mark together), keyed by the check-in: a claim whose unit never committed is found
        again after ``CLAIM_LEASE`` and queued under the same key."""
        queued = 0
        for claimed in claims:
            # A unit that never waits for anything never lets the loop go: hand it back
            # between units, or the sends (and people's replies) wait for the whole batch.
            await asyncio.sleep(0)
            origin = (
                f"{checkin.CHECKIN_ORIGIN}{claimed.checkin.id}"
                if claimed.checkin is not None
                else f"carry-on:{claimed.plan.id}:{stamp}"
            )
            try:
                await units.run(origin, partial(_queue_checkin, svc, claimed))
            except Exception as exc:
                # This plan's data cannot make a check-in: set it aside; the others go out.
                _LOGGER.warning("A check-in could not be made: %s", type(exc).__name__)
                aside = partial(_set_aside, svc, claimed.plan.id, exc)
                await units.run(f"set-aside:{claimed.plan.id}:{stamp}", aside)
                continue
            queued += 1
            if claimed.checkin is not None and metrics is not None:
                metrics.checkin_delivered(_due_at(claimed), now)
        return queued

    retried = await plans.unsent_checkins(svc.db, now - CLAIM_LEASE, now - RETRY_FOR)
    await queue_each(retried)
    sent = paused = 0
    for number in itertools.count():

        async def due(unit: UnitOfWork) -> list[plans.Claimed]:
            batch = await plans.claim_due(svc.db, now, BATCH, partial(_slot, now=now))
            await alert_missed_checkins(svc, batch)
            return batch

        batch = await units.run(f"tick:{stamp}:due:{number}", due)
        if metrics is not None:
            metrics.checkins_due.inc(sum(claimed.checkin is not None for claimed in batch))
        await queue_each(batch)
        paused += sum(claimed.checkin is None for claimed in batch)
        sent += sum(claimed.checkin is not None for claimed in batch)
        if len(batch) < BATCH:
            break

    async def remind(unit: UnitOfWork) -> int:
        reminders = await plans.claim_reminders(svc.db, now, BATCH)
        queued = 0
        for claimed in reminders:
            queued += await checkin.queue_reminder(svc, claimed)
        return queued

    reminded = await units.run(f"tick:{stamp}:reminders", remind)

    async def digests(unit: UnitOfWork) -> int:
        due_digests = await teams.claim_due_digests(svc.db, now, partial(digest_slot, now=now))
        for due in due_digests:
            await queue_digest(svc, due)
        return len(due_digests)

    digests_sent = await units.run(f"tick:{stamp}:digests", digests)
    # The prevention programme's strength sessions, each in its own keyed unit.
    await send_prevention_sessions(svc, units.run, now)
    # Heat warnings: the forecast is fetched between units, never inside one.
    weather = getattr(application, "weather", None)
    await send_heat_warnings(svc, weather, units.run, now, metrics)
    # The prevention programme's weekly check-ins, each in its unit ``prevention-week:<id>``.
    await prevention_weekly.queue_due_weeks(
        svc, units.run, now, lease=CLAIM_LEASE, retry_for=RETRY_FOR
    )
    await delivery.sender.settled()
    report = TickReport(sent, paused, reminded, len(retried), digests_sent)
    if sent or paused or reminded or retried or digests_sent:
        _LOGGER.info("Scheduler: %s", report)
    return report


async def _queue_checkin(svc: Services, claimed: plans.Claimed, unit: UnitOfWork) -> None:
    await checkin.queue_checkin(svc, claimed)


async def _set_aside(svc: Services, plan_id: int, exc: Exception, unit: UnitOfWork) -> None:
    await plans.set_aside(svc.db, plan_id, exc)


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
