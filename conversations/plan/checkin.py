"""The daily check-in: pain (0 to 10) → yesterday's step → warning signs → today's plan.

On the cramp's own day (day 0) there is no step to report yet, so that question is skipped. A
warning sign, or pain out of proportion to a cramp, puts the plan on hold until a doctor has
seen the athlete: while it is held, a check-in asks only whether a doctor has cleared them
(``conversations.plan.hold``), and once they have, it goes on with its usual questions.

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

from telegram import Update
from telegram.ext import ContextTypes, ExtBot

from conversations import keyboards
from conversations.buttons import ButtonFamily, Press, Refusal, pressed
from conversations.emergency import number_for
from conversations.i18n.recipients import speaking_to
from conversations.membership import unreachable
from conversations.plan.views import carry_on_buttons, hold_view, muscle_of
from conversations.prevention.views import offer_buttons
from conversations.replies import InlineKeyboard, send, send_to
from conversations.services import Services, services
from conversations.team.alerts import alert_coaches
from conversations.team.names import keep_name_current
from conversations.texts import plan as texts
from conversations.texts import prevention as prevention_texts
from conversations.texts import recovery as advice
from rules import coaching, plan_clock
from rules import recovery as rules
from rules.coaching import Attention
from storage import plans
from storage.outbox import Kind
from storage.plans import Checkin, Claimed, Plan, PlanStatus

_LOGGER = logging.getLogger(__name__)

FLOW = "ci"
REMIND_AFTER = timedelta(hours=3)
# A send that failed (not a block) is tried again after this long.
RETRY_LEASE = timedelta(minutes=2)

# Scheduled sends yield to interactive replies in the rate limiter (bot.delivery.rate_limiter).
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
# The warning question's answers, one sign per row; each sign puts the plan on hold. The kind
# is also the hold's reason (plans.held_for).
NO, CHEST, URINE, CLOT, TEAR = "no", "chest", "urine", "clot", "tear"
# "Yes, one of the others" on a question sent before it had one row per sign: asked again.
LEGACY_YES = "yes"
WARNING_BUTTONS = ButtonFamily.of(FLOW, "warn", {NO, CHEST, URINE, CLOT, TEAR, LEGACY_YES})
#: The hold's reason when pain out of proportion to a cramp sends the athlete to a doctor.
HOLD_PAIN = "pain"


# --- Views -----------------------------------------------------------------------------------


def _pain_view(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboard]:
    header = texts.CHECKIN_HEADER.format(day=checkin.day, stage=advice.stage_name(plan.stage))
    pain = [(str(n), str(n)) for n in range(11)]
    snooze = [("1", texts.SNOOZE_1H), ("3", texts.SNOOZE_3H)]
    markup = InlineKeyboard(
        [
            *PAIN_BUTTONS.rows(checkin.id, pain, per_row=6),
            *SNOOZE_BUTTONS.rows(checkin.id, snooze, per_row=2),
        ]
    )
    question = advice.for_muscle(advice.ASK_PAIN, muscle_of(plan))
    return f"{header}\n\n{question}", markup


def _held_view(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboard]:
    """A check-in while the plan is on hold: the hold's advice and the doctor question."""
    header = texts.CHECKIN_HEADER.format(day=checkin.day, stage=advice.ON_HOLD)
    text, markup = hold_view(plan)
    return f"{header}\n\n{text}", markup


def _yesterday_view(checkin: Checkin) -> tuple[str, InlineKeyboard]:
    options = [(key, advice.STEP_OUTCOME_LABELS[value]) for key, value in _YESTERDAY.items()]
    return advice.ASK_YESTERDAY, YESTERDAY_BUTTONS.keyboard(checkin.id, options)


def _warning_view(checkin: Checkin) -> tuple[str, InlineKeyboard]:
    options = [
        (NO, texts.NO_WARNING),
        (CHEST, texts.CHEST_WARNING),
        (URINE, texts.URINE_WARNING),
        (CLOT, texts.CLOT_WARNING),
        (TEAR, texts.TEAR_WARNING),
    ]
    return advice.ask_warning_sign(checkin.day), WARNING_BUTTONS.keyboard(checkin.id, options)


def _asks_yesterday(checkin: Checkin) -> bool:
    """Whether the check-in asks about yesterday's step: not on the cramp's own day."""
    return checkin.day > 0 and checkin.yesterday is None


def current_question(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboard]:
    """The question an open check-in is waiting on (the doctor question while on hold)."""
    if checkin.pain is None:
        return _held_view(plan, checkin) if plan.held else _pain_view(plan, checkin)
    if _asks_yesterday(checkin):
        return _yesterday_view(checkin)
    return _warning_view(checkin)


def first_question(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboard]:
    """A check-in's first message: the pain question, or the doctor question while on hold."""
    return _held_view(plan, checkin) if plan.held else _pain_view(plan, checkin)


def pain_question(plan: Plan, checkin: Checkin) -> tuple[str, InlineKeyboard]:
    """The pain question (a hold just lifted: the check-in goes on as usual)."""
    return _pain_view(plan, checkin)


def _expected_step(plan: Plan, checkin: Checkin) -> str | None:
    """The step of the buttons the check-in takes now (None: only the doctor question's)."""
    if checkin.pain is None:
        return None if plan.held else PAIN_BUTTONS.step
    return YESTERDAY_BUTTONS.step if _asks_yesterday(checkin) else WARNING_BUTTONS.step


# --- Sending (called by the scheduler, in its unit of work) ---------------------------------


async def queue_checkin(svc: Services, claimed: Claimed) -> None:
    """Queue a claimed check-in (or the "carry on?" question of a paused plan), marked sent in
    the same unit of work, in the athlete's language. A person who blocked the bot is found by
    the sender (``membership.unreachable``)."""
    async with speaking_to(svc.db, claimed.plan.user_id):
        await _queue_checkin(svc, claimed)


async def _queue_checkin(svc: Services, claimed: Claimed) -> None:
    plan, checkin = claimed.plan, claimed.checkin
    if checkin is None:
        markup = carry_on_buttons(plan.id)
        await send_to(plan.chat_id, texts.PAUSED_UNANSWERED, markup, **_SCHEDULED)
        return
    text, markup = first_question(plan, checkin)
    await send_to(plan.chat_id, text, markup, **_SCHEDULED)
    remind_at = None if checkin.reminded else svc.now() + REMIND_AFTER
    await plans.mark_sent(svc.db, checkin.id, svc.now(), remind_at)


CHECKIN_ORIGIN = "checkin:"  # the unit of work queueing a check-in (bot.scheduler)


async def undeliverable(svc: Services, user_id: int, origin: str) -> None:
    """Telegram refused a message to ``user_id``: they blocked the bot. Scheduled sends stop
    until they come back; a check-in that never reached them is not an unanswered day."""
    await unreachable(svc, user_id)
    if origin.startswith(CHECKIN_ORIGIN):
        await plans.drop_unsendable(svc.db, int(origin.removeprefix(CHECKIN_ORIGIN)))


async def queue_reminder(svc: Services, claimed: Claimed) -> bool:
    """A reminder or a snoozed check-in: the question the athlete is on, asked again."""
    if claimed.checkin is None:
        return False
    async with speaking_to(svc.db, claimed.plan.user_id):
        text, markup = current_question(claimed.plan, claimed.checkin)
        if claimed.checkin.pain is None:
            text = f"{texts.REMINDER}\n\n{text}"
        await send_to(claimed.plan.chat_id, text, markup, **_SCHEDULED)
    return True


# A check-in is a prompt (sent again if a crash caught it in flight) that yields to people's
# replies in the rate limiter.
_SCHEDULED: dict[str, Any] = {"kind": Kind.PROMPT, "background": True}


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
            expected = _expected_step(plan, checkin)
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
    if checkin.day > 0:
        await send(update, *_yesterday_view(checkin))
    else:
        await send(update, *_warning_view(checkin))


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
    if press.choice == LEGACY_YES:
        # "One of the others" from before each sign had its row: which one decides what to do.
        text, markup = _warning_view(press.checkin)
        await send(press.update, f"{texts.WHICH_WARNING}\n\n{text}", markup)
        return
    fresh = await plans.get_checkin(svc.db, press.checkin.id)
    assert fresh is not None and fresh.pain is not None
    yesterday = None if fresh.yesterday is None else _YESTERDAY[fresh.yesterday]
    report = rules.CheckinReport(
        pain=fresh.pain, yesterday=yesterday, warning_sign=press.choice != NO
    )
    outcome = rules.decide(
        plan.stage,
        report,
        await plans.previous_pain(svc.db, plan.id, fresh.local_date),
        plan.cramp_at,
        max(now, plan.cramp_at),
        plan_clock.zone_named(plan.zone),
        held=plan.held,
    )
    holds = rules.holds_plan(outcome)
    recorded = await plans.complete_checkin(
        svc.db,
        fresh,
        warning_sign=report.warning_sign,
        decision=outcome.decision.name.lower(),
        stage_before=plan.stage,
        stage_after=outcome.new_stage,
        now=now,
        hold_for=(HOLD_PAIN if press.choice == NO else press.choice) if holds else None,
    )
    if not recorded:
        return
    held = plan.held or holds
    today = rules.plan_for_day(
        outcome.day, plan_clock.hours_since_cramp(plan.cramp_at, now), outcome.new_stage, held=held
    )
    text = await _decision_text(svc, plan, outcome, today, press.choice, holds=holds)
    if outcome.decision is rules.Decision.FINISHED:
        # The prevention programme's offer: from day 14, the end of the plan, on its message.
        text = f"{text}\n\n{prevention_texts.FINISHED_OFFER}"
        await send(press.update, text, offer_buttons(plan.user_id))
    else:
        await send(press.update, text, keyboards.sos_reply_keyboard())
    await _alert_coaches(press, fresh.pain, needs_doctor=holds)
    if outcome.decision is rules.Decision.FINISHED:
        await plans.end_plan(svc.db, plan.id, now)


async def _alert_coaches(press: CheckinPress, pain: int, *, needs_doctor: bool) -> None:
    """A warning sign or pain out of proportion (the plan goes on hold), pain of 7 or more, or
    pain rising two days running: the coaches know."""
    svc, plan, checkin = press.svc, press.plan, press.checkin
    await keep_name_current(press.update, svc)
    history = await plans.checkins_of(svc.db, plan.id)
    pains = [c.pain for c in history if c.answered_at is not None and c.pain is not None]
    reasons = []
    # One alert per check-in for a hold: "a warning sign", unless the hold is for pain that
    # already alerts as high pain (pain out of proportion early on can be below that).
    if needs_doctor and (press.choice != NO or pain < coaching.ALERT_PAIN_AT):
        reasons.append(Attention.RED_FLAG)
    if pain >= coaching.ALERT_PAIN_AT:
        reasons.append(Attention.HIGH_PAIN)
    if coaching.rising_two_days(pains):
        reasons.append(Attention.RISING_PAIN)
    bot = press.update.get_bot()
    assert isinstance(bot, ExtBot)
    for reason in reasons:
        key = f"{reason.value}:checkin:{checkin.id}"
        await alert_coaches(svc, plan.user_id, reason, key)


# What each warning sign needs (sources beside the texts in texts.recovery): the emergency
# number now for chest pain or dark urine, a doctor today for the others.
def _warning_texts() -> dict[str, str]:
    """Read at each use: the texts are in the update's language."""
    return {
        CHEST: advice.RED_FLAG_CHEST,
        URINE: advice.RED_FLAG_URINE,
        CLOT: advice.RED_FLAG,
        TEAR: advice.RED_FLAG_TEAR,
    }


async def _decision_text(
    svc: Services,
    plan: Plan,
    outcome: rules.Outcome,
    today: rules.DayPlan,
    choice: str,
    *,
    holds: bool,
) -> str:
    """The check-in's answer: today's decision and plan, and any medical advice first.

    When the answer puts the plan on hold, the medical advice and the hold are all it says: the
    day's step is off until a doctor has seen the athlete.
    """
    number = await number_for(svc, plan.user_id)
    warnings = _warning_texts()
    if choice in warnings:
        text = f"{warnings[choice]}\n\n{advice.HOLD_STARTED}"
    elif holds:
        text = f"{advice.SEVERE_PAIN}\n\n{advice.HOLD_STARTED}"
    else:
        text = advice.outcome_text(outcome, today)
    return advice.for_muscle(text.replace("{number}", number), muscle_of(plan))


def handlers() -> list[Any]:
    """The check-in's buttons."""
    return [
        PAIN_BUTTONS.handler(on_pain),
        SNOOZE_BUTTONS.handler(on_snooze),
        YESTERDAY_BUTTONS.handler(on_yesterday),
        WARNING_BUTTONS.handler(on_warning),
    ]
