"""The daily check-in: pain (0 to 10) → yesterday's step → warning signs → today's plan.

Each answer is one tap and is written to the check-in's row at once; which question comes
next is read from that row, so there is no conversation state to persist. Sending is done by
the scheduler (``bot.scheduler``) through :func:`send_checkin`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError, TimedOut
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from conversations import callbacks, common, keyboards, plan_clock, recovery
from conversations import recovery_rules as rules
from conversations.commands import is_known_command
from conversations.replies import (
    answer_quietly,
    from_private_chat,
    probably_delivered,
    send,
    user_id_of,
)
from conversations.services import Services, services
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from conversations.texts.common import BUTTON_EXPIRED
from storage import plans, users
from storage.plans import Checkin, Claimed, Plan

_LOGGER = logging.getLogger(__name__)


FLOW = "ci"
PRIVATE = filters.ChatType.PRIVATE
REMIND_AFTER = timedelta(hours=3)
# A send that failed (not a block) is tried again after this long.
RETRY_LEASE = timedelta(minutes=2)

# Scheduled sends yield to interactive replies in the rate limiter (bot.rate_limiter).
BACKGROUND = {"background": True}

_YESTERDAY = {
    "comfortable": rules.StepOutcome.COMFORTABLE,
    "uncomfortable": rules.StepOutcome.UNCOMFORTABLE,
    "not_done": rules.StepOutcome.NOT_DONE,
}


# --- Views -----------------------------------------------------------------------------------


def _pain_view(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    header = texts.CHECKIN_HEADER.format(
        day=checkin.day, stage=advice.stage_name(rules.Stage(plan.stage))
    )
    pain = [(str(n), str(n)) for n in range(11)]
    snooze = [("1", texts.SNOOZE_1H), ("3", texts.SNOOZE_3H)]
    pain_rows = keyboards.choices(FLOW, checkin.id, "pain", pain, per_row=6).inline_keyboard
    snooze_row = keyboards.choices(FLOW, checkin.id, "snooze", snooze, per_row=2).inline_keyboard
    markup = InlineKeyboardMarkup([*pain_rows, *snooze_row])
    return f"{header}\n\n{advice.ASK_PAIN}", markup


def _yesterday_view(checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    options = [(key, advice.STEP_OUTCOME_LABELS[value]) for key, value in _YESTERDAY.items()]
    return advice.ASK_YESTERDAY, keyboards.choices(FLOW, checkin.id, "yday", options)


def _warning_view(checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    options = [("no", texts.NO_WARNING), ("yes", texts.HAS_WARNING)]
    return advice.ASK_WARNING_SIGN, keyboards.choices(FLOW, checkin.id, "warn", options)


def _current_question(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    if checkin.pain is None:
        return _pain_view(plan, checkin)
    if checkin.yesterday is None:
        return _yesterday_view(checkin)
    return _warning_view(checkin)


# --- Sending (called by the scheduler) -------------------------------------------------------


async def send_checkin(bot: ExtBot[Any], svc: Services, claimed: Claimed) -> bool:
    """Send a claimed check-in (or the "carry on?" question of a paused plan)."""
    plan, checkin = claimed.plan, claimed.checkin
    try:
        if checkin is None:
            await bot.send_message(
                plan.chat_id,
                texts.PAUSED_UNANSWERED,
                reply_markup=recovery.carry_on_buttons(plan.id),
                rate_limit_args=BACKGROUND,
            )
            return True
        text, markup = _pain_view(plan, checkin)
        await bot.send_message(plan.chat_id, text, reply_markup=markup, rate_limit_args=BACKGROUND)
    except Forbidden:
        # The user blocked the bot: stop the plan's sends until they come back (/start).
        await users.set_blocked(svc.db, plan.user_id, svc.now())
        await plans.mark_unreachable(svc.db, plan.user_id)
        if checkin is not None:
            await plans.drop_unsendable(svc.db, checkin.id)
        return False
    except TimedOut as exc:
        if not probably_delivered(exc):
            return await _not_sent(svc, claimed, exc)
        # Telegram got it and its answer was lost: counted as sent. Sending it again after the
        # lease would be a second check-in outside the one documented window; if it was not
        # delivered after all, the reminder (REMIND_AFTER) asks the same question.
        _LOGGER.warning("Check-in %s timed out after sending; counted as sent", _id(checkin))
    except TelegramError as exc:
        return await _not_sent(svc, claimed, exc)
    if checkin is not None:
        remind_at = None if checkin.reminded else svc.now() + REMIND_AFTER
        await plans.mark_sent(svc.db, checkin.id, svc.now(), remind_at)
    return True


async def _not_sent(svc: Services, claimed: Claimed, exc: TelegramError) -> bool:
    """Left unsent in the database: the scheduler retries it after the claim lease."""
    _LOGGER.warning("Check-in %s not sent: %r", _id(claimed.checkin), exc)
    if claimed.checkin is None:
        await plans.retry_pause_notice(svc.db, claimed.plan.id, svc.now() + RETRY_LEASE)
    return False


def _id(checkin: Checkin | None) -> str:
    return "-" if checkin is None else str(checkin.id)


async def send_reminder(bot: ExtBot[Any], svc: Services, claimed: Claimed) -> bool:
    """A reminder or a snoozed check-in: the question the athlete is on, asked again."""
    if claimed.checkin is None:
        return False
    text, markup = _current_question(claimed.plan, claimed.checkin)
    if claimed.checkin.pain is None:
        text = f"{texts.REMINDER}\n\n{text}"
    try:
        await bot.send_message(
            claimed.plan.chat_id, text, reply_markup=markup, rate_limit_args=BACKGROUND
        )
    except Forbidden:
        await users.set_blocked(svc.db, claimed.plan.user_id, svc.now())
        await plans.mark_unreachable(svc.db, claimed.plan.user_id)
        return False
    except TelegramError as exc:
        _LOGGER.warning("Reminder for check-in %s not sent: %r", claimed.checkin.id, exc)
        return False
    return True


# --- Answers ---------------------------------------------------------------------------------


async def _pressed_checkin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, step: str
) -> tuple[Plan, Checkin, str] | None:
    """The check-in a press belongs to, if it is this user's, open, and at this question."""
    query = update.callback_query
    assert query is not None
    press = callbacks.parse(query.data)
    svc = services(context)
    checkin = None if press is None else await plans.get_checkin(svc.db, press.ref)
    plan = None if checkin is None else await plans.get_plan(svc.db, checkin.plan_id)
    if (
        press is None
        or checkin is None
        or plan is None
        or plan.user_id != user_id_of(update)
        or not from_private_chat(update, plan.chat_id)  # only where it was sent
    ):
        await answer_quietly(query, BUTTON_EXPIRED)
        return None
    if checkin.answered_at is not None:
        await answer_quietly(query, texts.ALREADY_ANSWERED)
        return None
    current = await plans.current_checkin_of(svc.db, plan.id)
    if plan.status == "ended" or current is None or current.id != checkin.id:
        # An unanswered check-in from an earlier day: today's one is the one to answer.
        await answer_quietly(query, BUTTON_EXPIRED)
        return None
    expected = "pain" if checkin.pain is None else "yday" if checkin.yesterday is None else "warn"
    if step not in (expected, "snooze") or (step == "snooze" and expected != "pain"):
        await answer_quietly(query, BUTTON_EXPIRED)
        return None
    await answer_quietly(query)
    return plan, checkin, press.choice


async def on_pain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_checkin(update, context, step="pain")
    if pressed is None:
        return
    _, checkin, choice = pressed
    await _record_pain(update, context, checkin, int(choice))


async def _record_pain(
    update: Update, context: ContextTypes.DEFAULT_TYPE, checkin: Checkin, pain: int
) -> None:
    svc = services(context)
    await plans.record_pain(svc.db, checkin.id, pain)
    text, markup = _yesterday_view(checkin)
    await send(update, text, markup)


async def on_snooze(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_checkin(update, context, step="snooze")
    if pressed is None:
        return
    _, checkin, choice = pressed
    svc = services(context)
    hours = 3 if choice == "3" else 1
    await plans.snooze(svc.db, checkin.id, svc.now() + timedelta(hours=hours))
    await send(update, texts.SNOOZED.format(hours=hours))


async def on_yesterday(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _pressed_checkin(update, context, step="yday")
    if pressed is None:
        return
    _, checkin, choice = pressed
    await plans.record_yesterday(services(context).db, checkin.id, choice)
    text, markup = _warning_view(checkin)
    await send(update, text, markup)


async def on_warning(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last answer: decide today's stage with the recovery rules and say what to do."""
    pressed = await _pressed_checkin(update, context, step="warn")
    if pressed is None:
        return
    plan, checkin, choice = pressed
    svc = services(context)
    now = svc.now()
    fresh = await plans.get_checkin(svc.db, checkin.id)
    assert fresh is not None and fresh.pain is not None and fresh.yesterday is not None
    report = rules.CheckinReport(
        pain=fresh.pain, yesterday=_YESTERDAY[fresh.yesterday], warning_sign=choice == "yes"
    )
    outcome = rules.decide(
        rules.Stage(plan.stage),
        report,
        await plans.previous_pain(svc.db, plan.id, fresh.local_date),
        plan.cramp_at,
        max(now, plan.cramp_at),
        plan_clock.zone_of(plan),
    )
    recorded = await plans.complete_checkin(
        svc.db,
        fresh,
        warning_sign=report.warning_sign,
        decision=outcome.decision.name.lower(),
        stage_before=plan.stage,
        stage_after=int(outcome.new_stage),
        now=now,
    )
    if not recorded:
        return
    today = rules.plan_for_day(
        outcome.day, plan_clock.hours_since_cramp(plan, now), outcome.new_stage
    )
    await send(update, _decision_text(svc, outcome, today), keyboards.sos_reply_keyboard())
    if outcome.decision is rules.Decision.FINISHED:
        await plans.end_plan(svc.db, plan.id, now)


def _decision_text(svc: Services, outcome: rules.Outcome, today: rules.DayPlan) -> str:
    text = advice.outcome_text(outcome, today)
    if outcome.decision is rules.Decision.RED_FLAG:
        text = text.format(number=svc.emergency_number)
    return text


# --- Typed input outside the SOS flow --------------------------------------------------------


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text while no SOS flow runs: a setting being chosen, a pain score, or idle."""
    svc = services(context)
    message = update.effective_message
    assert message is not None
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    if plan is not None and plan.editing is not None:
        await recovery.typed_setting(update, context, plan)
        return
    checkin = None if plan is None else await plans.open_checkin_of(svc.db, plan.id)
    if plan is not None and checkin is not None:
        if checkin.pain is None and message.text is not None:
            pain = rules.parse_pain(message.text)
            if pain is not None:
                await _record_pain(update, context, checkin, pain)
                return
        text, markup = _current_question(plan, checkin)
        await message.reply_text(f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", reply_markup=markup)
        return
    await common.idle_reply(update, context)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: a zone being chosen takes it; an open check-in asks its question
    again, with its buttons (it used to say "tap one of the buttons below" with none)."""
    svc = services(context)
    plan = await plans.live_plan_of(svc.db, user_id_of(update))
    checkin = None if plan is None else await plans.open_checkin_of(svc.db, plan.id)
    if plan is None or plan.editing is not None or checkin is None:
        await recovery.on_location(update, context)
        return
    message = update.effective_message
    assert message is not None
    text, markup = _current_question(plan, checkin)
    await message.reply_text(f"{texts.ANSWER_WITH_BUTTONS}\n\n{text}", reply_markup=markup)


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CallbackQueryHandler(
            on_pain, pattern=callbacks.matcher(FLOW, "pain", {str(n) for n in range(11)})
        ),
        CallbackQueryHandler(on_snooze, pattern=callbacks.matcher(FLOW, "snooze", {"1", "3"})),
        CallbackQueryHandler(on_yesterday, pattern=callbacks.matcher(FLOW, "yday", _YESTERDAY)),
        CallbackQueryHandler(on_warning, pattern=callbacks.matcher(FLOW, "warn", {"yes", "no"})),
        MessageHandler(PRIVATE & filters.LOCATION, on_location),
        # Unknown commands and other bots' commands too: a question being asked is asked again
        # with its buttons (our own commands were taken by their handlers before this one).
        MessageHandler(PRIVATE & ~is_known_command() & ~filters.StatusUpdate.ALL, on_private_text),
    ]
