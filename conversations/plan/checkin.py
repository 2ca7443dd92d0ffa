"""The daily check-in: pain (0 to 10) → yesterday's step → warning signs → today's plan.

Each answer is one tap and is written to the check-in's row at once; which question comes
next is read from that row, so there is no conversation state to persist. Sending is done by
the scheduler (``bot.scheduler``) through :func:`send_checkin`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError, TimedOut
from telegram.ext import ContextTypes, ExtBot

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Refusal, pressed
from conversations.emergency import number_for
from conversations.plan.views import carry_on_buttons, muscle_of
from conversations.replies import probably_delivered, send
from conversations.services import Services, services
from conversations.team.alerts import alert_coaches
from conversations.team.names import keep_name_current
from conversations.texts import plan as texts
from conversations.texts import recovery as advice
from rules import coaching, plan_clock
from rules import recovery as rules
from rules.coaching import Attention
from storage import plans, users
from storage.plans import Checkin, Claimed, Plan, PlanStatus

_LOGGER = logging.getLogger(__name__)

FLOW = "ci"
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

# --- Button families -------------------------------------------------------------------------

PAIN_BUTTONS = ButtonFamily.of(FLOW, "pain", {str(n) for n in range(11)})
SNOOZE_BUTTONS = ButtonFamily.of(FLOW, "snooze", {"1", "3"})
YESTERDAY_BUTTONS = ButtonFamily.of(FLOW, "yday", _YESTERDAY)
NO, YES, CHEST = "no", "yes", "chest"  # the warning question's answers
WARNING_BUTTONS = ButtonFamily.of(FLOW, "warn", {NO, YES, CHEST})


# --- Views -----------------------------------------------------------------------------------


def _pain_view(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    header = texts.CHECKIN_HEADER.format(day=checkin.day, stage=advice.stage_name(plan.stage))
    pain = [(str(n), str(n)) for n in range(11)]
    snooze = [("1", texts.SNOOZE_1H), ("3", texts.SNOOZE_3H)]
    markup = InlineKeyboardMarkup(
        [
            *PAIN_BUTTONS.rows(checkin.id, pain, per_row=6),
            *SNOOZE_BUTTONS.rows(checkin.id, snooze, per_row=2),
        ]
    )
    question = advice.for_muscle(advice.ASK_PAIN, muscle_of(plan))
    return f"{header}\n\n{question}", markup


def _yesterday_view(checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    options = [(key, advice.STEP_OUTCOME_LABELS[value]) for key, value in _YESTERDAY.items()]
    return advice.ASK_YESTERDAY, YESTERDAY_BUTTONS.keyboard(checkin.id, options)


def _warning_view(checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    options = [(NO, texts.NO_WARNING), (CHEST, texts.CHEST_WARNING), (YES, texts.HAS_WARNING)]
    return advice.ASK_WARNING_SIGN, WARNING_BUTTONS.keyboard(checkin.id, options)


def current_question(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboardMarkup]:
    """The question an open check-in is waiting on."""
    if checkin.pain is None:
        return _pain_view(plan, checkin)
    if checkin.yesterday is None:
        return _yesterday_view(checkin)
    return _warning_view(checkin)


def _expected_step(checkin: Checkin) -> str:
    if checkin.pain is None:
        return PAIN_BUTTONS.step
    return YESTERDAY_BUTTONS.step if checkin.yesterday is None else WARNING_BUTTONS.step


# --- Sending (called by the scheduler) -------------------------------------------------------


async def send_checkin(bot: ExtBot[Any], svc: Services, claimed: Claimed) -> bool:
    """Send a claimed check-in (or the "carry on?" question of a paused plan)."""
    plan, checkin = claimed.plan, claimed.checkin
    try:
        if checkin is None:
            await bot.send_message(
                plan.chat_id,
                texts.PAUSED_UNANSWERED,
                reply_markup=carry_on_buttons(plan.id),
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
    text, markup = current_question(claimed.plan, claimed.checkin)
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

_Answer = tuple[Plan, Checkin]


@dataclass(frozen=True)
class CheckinPress:
    """A press that passed the guard: on this user's open check-in, at its current question."""

    update: Update
    svc: Services
    plan: Plan
    checkin: Checkin
    choice: str


_AnswerHandler = Callable[[CheckinPress], Awaitable[None]]
_Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def on_checkin_press(answer: _AnswerHandler) -> _Callback:
    """Run ``answer`` only for a press on this user's open check-in, at its current question.

    Anything else is answered on the button (expired, or already answered) and changes nothing.
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)

        async def load(checkin_id: int) -> _Answer | None:
            checkin = await plans.get_checkin(svc.db, checkin_id)
            plan = None if checkin is None else await plans.get_plan(svc.db, checkin.plan_id)
            return None if plan is None or checkin is None else (plan, checkin)

        async def check(found: _Answer, press: Press) -> Refusal | None:
            plan, checkin = found
            if checkin.answered_at is not None:
                return Refusal.ALREADY_ANSWERED
            current = await plans.current_checkin_of(svc.db, plan.id)
            if plan.status is PlanStatus.ENDED or current is None or current.id != checkin.id:
                # An unanswered check-in from an earlier day: today's one is the one to answer.
                return Refusal.EXPIRED
            expected = _expected_step(checkin)
            snoozing = press.step == SNOOZE_BUTTONS.step and expected == PAIN_BUTTONS.step
            return None if press.step == expected or snoozing else Refusal.EXPIRED

        result = await pressed(update, load=load, owner=lambda found: found[0].user_id, check=check)
        if not isinstance(result, Refusal):
            plan, checkin = result.record
            await answer(CheckinPress(update, svc, plan, checkin, result.choice))

    return handle


@on_checkin_press
async def on_pain(press: CheckinPress) -> None:
    await record_pain(press.update, press.svc, press.checkin, int(press.choice))


async def record_pain(update: Update, svc: Services, checkin: Checkin, pain: int) -> None:
    await plans.record_pain(svc.db, checkin.id, pain)
    await send(update, *_yesterday_view(checkin))


@on_checkin_press
async def on_snooze(press: CheckinPress) -> None:
    hours = 3 if press.choice == "3" else 1
    await plans.snooze(press.svc.db, press.checkin.id, press.svc.now() + timedelta(hours=hours))
    await send(press.update, texts.SNOOZED.format(hours=hours))


@on_checkin_press
async def on_yesterday(press: CheckinPress) -> None:
    await plans.record_yesterday(press.svc.db, press.checkin.id, press.choice)
    await send(press.update, *_warning_view(press.checkin))


@on_checkin_press
async def on_warning(press: CheckinPress) -> None:
    """The last answer: decide today's stage with the recovery rules and say what to do."""
    svc, plan, now = press.svc, press.plan, press.svc.now()
    fresh = await plans.get_checkin(svc.db, press.checkin.id)
    assert fresh is not None and fresh.pain is not None and fresh.yesterday is not None
    report = rules.CheckinReport(
        pain=fresh.pain, yesterday=_YESTERDAY[fresh.yesterday], warning_sign=press.choice != NO
    )
    outcome = rules.decide(
        plan.stage,
        report,
        await plans.previous_pain(svc.db, plan.id, fresh.local_date),
        plan.cramp_at,
        max(now, plan.cramp_at),
        plan_clock.zone_named(plan.zone),
    )
    recorded = await plans.complete_checkin(
        svc.db,
        fresh,
        warning_sign=report.warning_sign,
        decision=outcome.decision.name.lower(),
        stage_before=plan.stage,
        stage_after=outcome.new_stage,
        now=now,
    )
    if not recorded:
        return
    today = rules.plan_for_day(
        outcome.day, plan_clock.hours_since_cramp(plan.cramp_at, now), outcome.new_stage
    )
    text = await _decision_text(svc, plan, outcome, today, chest=press.choice == CHEST)
    await send(press.update, text, keyboards.sos_reply_keyboard())
    await _alert_coaches(press, fresh.pain)
    if outcome.decision is rules.Decision.FINISHED:
        await plans.end_plan(svc.db, plan.id, now)


async def _alert_coaches(press: CheckinPress, pain: int) -> None:
    """A warning sign, pain of 7 or more, or pain rising two days running: the coaches know."""
    svc, plan, checkin = press.svc, press.plan, press.checkin
    await keep_name_current(press.update, svc)
    history = await plans.checkins_of(svc.db, plan.id)
    pains = [c.pain for c in history if c.answered_at is not None and c.pain is not None]
    reasons = []
    if press.choice != NO:
        reasons.append(Attention.RED_FLAG)
    if pain >= coaching.ALERT_PAIN_AT:
        reasons.append(Attention.HIGH_PAIN)
    if coaching.rising_two_days(pains):
        reasons.append(Attention.RISING_PAIN)
    bot = press.update.get_bot()
    assert isinstance(bot, ExtBot)
    for reason in reasons:
        key = f"{reason.value}:checkin:{checkin.id}"
        await alert_coaches(bot, svc, plan.user_id, reason, key)


async def _decision_text(
    svc: Services, plan: Plan, outcome: rules.Outcome, today: rules.DayPlan, *, chest: bool
) -> str:
    """The check-in's answer: today's decision and plan, and any medical advice first."""
    number = await number_for(svc, plan.user_id)
    if chest:
        return advice.RED_FLAG_CHEST.format(number=number)
    text = advice.outcome_text(outcome, today)
    if outcome.decision is rules.Decision.RED_FLAG:
        text = text.format(number=number)
    if outcome.seek_medical_advice:
        text = f"{advice.SEVERE_PAIN.format(number=number)}\n\n{text}"
    return advice.for_muscle(text, muscle_of(plan))


def handlers() -> list[Any]:
    """The check-in's buttons."""
    return [
        PAIN_BUTTONS.handler(on_pain),
        SNOOZE_BUTTONS.handler(on_snooze),
        YESTERDAY_BUTTONS.handler(on_yesterday),
        WARNING_BUTTONS.handler(on_warning),
    ]
