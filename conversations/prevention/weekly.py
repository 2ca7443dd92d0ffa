"""The prevention programme's weekly check-in: one message on Sunday at the session time, with
a few taps: any cramps this week (yes / no), then how training went (well / hard / it hurt).
The sessions done that week are counted by the bot from ``programme_sessions`` and shown, not
asked.

The scheduler (``bot.scheduler``) claims due check-ins of active programmes each tick
(``storage.prevention.claim_due_weeks``) and queues each in its own unit of work keyed
``prevention-week:<id>``, marking it sent in the same unit: exactly once across restarts. The
answers are stored once (``complete_week`` only writes an unanswered week); an old or forged
press changes nothing; typed text while the check-in is open gets a kind reply and the current
question's buttons again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes

from conversations.buttons import ButtonFamily, Press, Refusal, pressed
from conversations.i18n.recipients import speaking_to
from conversations.replies import InlineKeyboard, edit_text, send, send_to, user_id_of
from conversations.services import Services, services
from conversations.texts import prevention as texts
from rules import prevention as rules
from rules.recovery import local_date_of, parse_local_time
from storage import prevention
from storage.outbox import Kind
from storage.prevention import Programme, Slot, Week
from storage.unit_of_work import UnitOfWork

_LOGGER = logging.getLogger(__name__)
RunUnit = Callable[[str, Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]]

FLOW = "pweek"
CRAMPS, TRAINING = "cramps", "training"
YES, NO = "yes", "no"
TRAINING_CHOICES = tuple(texts.TRAINING_LABELS)  # "well", "hard", "pain"

CRAMP_BUTTONS = ButtonFamily.of(FLOW, CRAMPS, {YES, NO})
TRAINING_BUTTONS = ButtonFamily.of(FLOW, TRAINING, set(TRAINING_CHOICES))

WEEK_ORIGIN = "prevention-week:"  # the unit of work queueing a weekly check-in
#: Typed text is taken as a wrong answer to the check-in only this long after it was sent;
#: after that the check-in waits for its buttons quietly.
OPEN_FOR = timedelta(hours=24)


# --- The schedule ------------------------------------------------------------------------------


def week_slot(programme: Programme, now: datetime) -> Slot:
    """The week a due check-in belongs to (the Monday of the day it was due, on the athlete's
    clock) and the next Sunday's check-in after ``now``."""
    zone = ZoneInfo(programme.zone or "UTC")
    when = parse_local_time(programme.session_time or "") or parse_local_time("18:00")
    assert when is not None
    # The week of the Sunday it was due (after downtime, not the week that began since).
    due_day = local_date_of(min(programme.next_week_at or now, now), zone)
    return Slot(rules.week_start(due_day), rules.next_weekly_checkin(when, zone, now))


async def done_in_week(svc: Services, programme: Programme, week: Week) -> int:
    last = week.week_start + timedelta(days=6)
    return await prevention.sessions_done_between(svc.db, programme.user_id, week.week_start, last)


def planned_per_week(programme: Programme) -> int:
    return len(rules.parse_weekdays(programme.weekdays))


# --- The questions -----------------------------------------------------------------------------


def cramps_question(week: Week, done: int, planned: int) -> tuple[str, InlineKeyboard]:
    text = texts.WEEK_ASK_CRAMPS.format(done=done, planned=planned)
    markup = CRAMP_BUTTONS.keyboard(week.id, [(YES, texts.YES), (NO, texts.NO)], per_row=2)
    return text, markup


def training_question(week: Week) -> tuple[str, InlineKeyboard]:
    options = [(choice, texts.TRAINING_LABELS[choice]) for choice in TRAINING_CHOICES]
    return texts.WEEK_ASK_TRAINING, TRAINING_BUTTONS.keyboard(week.id, options, per_row=3)


async def current_question(svc: Services, week: Week) -> tuple[str, InlineKeyboard]:
    """The question the open check-in is on: cramps first, then training."""
    if week.cramps is None:
        programme = await prevention.programme_of(svc.db, week.user_id)
        assert programme is not None
        done = await done_in_week(svc, programme, week)
        return cramps_question(week, done, planned_per_week(programme))
    return training_question(week)


async def queue_week(svc: Services, programme: Programme, week: Week) -> None:
    """Queue a claimed weekly check-in, marked sent in the same unit of work."""
    done = await done_in_week(svc, programme, week)
    async with speaking_to(svc.db, programme.user_id):
        text, markup = cramps_question(week, done, planned_per_week(programme))
        await send_to(programme.chat_id, text, markup, kind=Kind.PROMPT, background=True)
    await prevention.mark_week_sent(svc.db, week.id, svc.now())


async def queue_due_weeks(
    svc: Services, run_unit: RunUnit, now: datetime, *, lease: timedelta, retry_for: timedelta
) -> int:
    """The scheduler's part: weekly check-ins claimed before but never sent (their unit never
    committed) and those due now, each queued in its own unit keyed ``prevention-week:<id>``.
    How many were queued."""
    retried = await prevention.unsent_weeks(svc.db, now - lease, now - retry_for)

    async def claim(unit: UnitOfWork) -> list[tuple[Programme, Week]]:
        return await prevention.claim_due_weeks(svc.db, now, 1000, partial(week_slot, now=now))

    claimed = await run_unit(f"tick:{now.timestamp()}:prevention-weeks", claim)
    queued = 0
    for programme, week in [*retried, *claimed]:
        await asyncio.sleep(0)  # let people's updates in between units

        async def work(
            _unit: UnitOfWork, programme: Programme = programme, week: Week = week
        ) -> None:
            await queue_week(svc, programme, week)

        try:
            await run_unit(f"{WEEK_ORIGIN}{week.id}", work)
        except Exception as exc:  # one programme's data must not stop the others
            _LOGGER.warning("A weekly check-in could not be made: %s", type(exc).__name__)
            continue
        queued += 1
    return queued


# --- Presses -----------------------------------------------------------------------------------


async def _pressed_week(update: Update, svc: Services) -> tuple[Week, Press] | None:
    async def load(week_id: int) -> Week | None:
        return await prevention.get_week(svc.db, week_id)

    async def check(week: Week, press: Press) -> Refusal | None:
        if week.answered_at is not None:
            return Refusal.ALREADY_ANSWERED
        newest = await prevention.newest_week_of(svc.db, week.user_id)
        if newest is None or newest.id != week.id:
            return Refusal.EXPIRED  # an older week's message
        if press.step == CRAMPS and week.cramps is not None:
            return Refusal.ALREADY_ANSWERED
        if press.step == TRAINING and week.cramps is None:
            return Refusal.EXPIRED
        return None

    result = await pressed(update, load=load, owner=lambda week: week.user_id, check=check)
    if isinstance(result, Refusal):
        return None
    return result.record, Press(FLOW, result.record.id, result.step, result.choice)


def _message_id(update: Update) -> int | None:
    query = update.callback_query
    message = None if query is None else query.message
    return None if message is None else message.message_id


async def on_cramps_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    found = await _pressed_week(update, svc)
    if found is None:
        return
    week, press = found
    await prevention.record_week_cramps(svc.db, week.id, press.choice == YES)
    text, markup = training_question(week)
    message_id = _message_id(update)
    if message_id is None:
        await send(update, text, markup)
    else:
        await edit_text(user_id_of(update), message_id, text, markup)


async def on_training_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    found = await _pressed_week(update, svc)
    if found is None:
        return
    week, press = found
    programme = await prevention.programme_of(svc.db, week.user_id)
    done = 0 if programme is None else await done_in_week(svc, programme, week)
    if not await prevention.complete_week(svc.db, week.id, press.choice, done, svc.now()):
        return  # answered in the meantime: stored once
    message_id = _message_id(update)
    label = texts.TRAINING_LABELS[press.choice]
    if message_id is not None:
        await edit_text(user_id_of(update), message_id, f"{texts.WEEK_ASK_TRAINING} {label}")
    reply = texts.WEEK_PAIN if press.choice == "pain" else texts.WEEK_THANKS
    if week.cramps:
        reply = f"{reply}\n{texts.WEEK_CRAMP_NOTE}"
    await send(update, reply)


# --- Typed text while the check-in is open -----------------------------------------------------


async def open_week_of(svc: Services, user_id: int) -> Week | None:
    """The newest weekly check-in if it is sent, unanswered and recent (``OPEN_FOR``)."""
    programme = await prevention.programme_of(svc.db, user_id)
    if programme is None or programme.status is not prevention.ProgrammeStatus.ACTIVE:
        return None
    week = await prevention.newest_week_of(svc.db, user_id)
    if week is None or week.answered_at is not None or week.sent_at is None:
        return None
    if svc.now() - week.sent_at > OPEN_FOR:
        return None
    return week


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Text while the weekly check-in waits for its taps: a kind nudge and the current
    question's buttons again. False if no check-in is open (the text is someone else's)."""
    svc = services(context)
    week = await open_week_of(svc, user_id_of(update))
    if week is None:
        return False
    text, markup = await current_question(svc, week)
    await send(update, f"{texts.USE_THE_BUTTONS}\n\n{text}", markup)
    return True


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    return [
        CRAMP_BUTTONS.handler(on_cramps_pressed),
        TRAINING_BUTTONS.handler(on_training_pressed),
    ]
