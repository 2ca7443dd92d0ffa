"""What each SOS step does when the athlete answers it, in the order they meet the steps.

Each press goes through :func:`conversations.buttons.pressed` first, so a step handler only
ever sees a press on the user's own, current episode. A step's writes, its replies and its next
step are one unit of work (``storage.unit_of_work``): all committed together, or none.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from conversations import history, keyboards
from conversations.buttons import Press, Refusal, parse, pressed
from conversations.emergency import number_for
from conversations.plan.setup import own_zone
from conversations.plan.views import OFFER_BUTTONS, START
from conversations.prevention import flow as prevention_flow
from conversations.replies import (
    InlineKeyboard,
    answer,
    chat_id_of,
    send,
    sos_text,
    user_id_of,
    with_disclaimer_once,
)
from conversations.services import Services, services
from conversations.sos import timers, views
from conversations.sos.states import (
    ABOUT_COLUMNS,
    ACTIVITY,
    EASED,
    END,
    EXERCISE,
    HAVE_SALT,
    HELPING,
    LATE_SIGNS,
    MORE,
    MORE_FLAGS,
    MUSCLE,
    NEXT_ABOUT,
    NO_FLAG,
    NO_FLAG_CALF,
    NOT_YET,
    PREVENT_INFO,
    REST,
    SALT,
    SALT_STEP,
    SKIP,
    STRETCH,
    STRETCH_STEP,
    TRIAGE,
    YES,
    YES_NO_COLUMNS,
)
from conversations.team import join
from conversations.team.alerts import alert_coaches
from conversations.team.names import keep_name_current
from conversations.texts import common
from conversations.texts import plan as plan_texts
from conversations.texts import prevention as prevention_texts
from conversations.texts import recovery as recovery_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from conversations.texts.common import long_date
from rules import plan_clock
from rules.coaching import Attention
from rules.recovery import Stage, opens_on
from rules.red_flags import RedFlag, ends_self_care
from storage import episodes, plans, users
from storage.episodes import Episode, Outcome
from storage.plans import PlanStatus

# Why a running plan was put on hold by the SOS flow (plans.held_for); a red flag that ended the
# flow holds it as "sos_<flag>". The same keys as a plan that starts on hold after an episode.
HOLD_CAUSE = "sos_cause"
HOLD_LONG = "sos_long"
HOLD_NOT_EASED = "sos_not_eased"

# A handler callback: returns the next state (or None to stay, END to leave).
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, str | int | None]]


@dataclass(frozen=True)
class SosPress:
    """A press that passed the guard: on this user's current episode, at a step it is on."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    svc: Services
    episode: Episode
    choice: str


_StepHandler = Callable[[SosPress], Coroutine[Any, Any, str | int | None]]


# --- Entry -----------------------------------------------------------------------------------


async def start_sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Any way in: /cramp, the 🆘 button, a message mentioning a cramp, or /start sos."""
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.now()
    user = await users.ensure_user(svc.db, user_id, now)
    episode = await _episode_for_this_cramp(svc, user, now)
    text, markup = views.triage_view(episode.id, helper=episode.helper)
    await send(update, text, markup)  # a read timeout counts as delivered: the flow starts
    await keep_name_current(update, svc)
    # The ten-minute check runs from the episode's first message, whatever screen is open
    # (NHS, "Leg cramps": a cramp lasting more than about ten minutes needs medical advice).
    due = episode.started_at + svc.timings.medical_help_after
    await timers.schedule_medical_check(svc, episode.id, chat_id_of(update), due)
    # The coaches hear of it at the first answer (or at the ten-minute check): until then it
    # may be a teammate helping someone else, which is no news about this athlete.
    return TRIAGE


async def _episode_for_this_cramp(svc: Services, user: users.User, now: datetime) -> Episode:
    """The open episode of a cramp still in hand, or a new one.

    One episode per cramp: an episode still open (and not abandoned) is this cramp's, even when
    the conversation lost track of it (a crash between a step and its commit replays the
    step). A new cramp is started only from none, or by "This is a new cramp". A recovery
    plan is left as it is here: only an exercise cramp that has run its course restarts it
    (see :func:`_restart_plan`), so a cancelled, night or helper's cramp never does.
    """
    user_id = user.user_id
    episode = await episodes.open_episode_of(svc.db, user_id)
    if episode is None or is_abandoned(svc, episode.started_at):
        if user.pending_invite is not None:
            # An invitation from an earlier cramp is not shown again after this one.
            await users.set_pending_invite(svc.db, user_id, None)
        episode_id = await episodes.start_episode(svc.db, user_id, now)
        episode = await episodes.get_episode(svc.db, episode_id)
        assert episode is not None
    return episode


async def _alert_new_cramp(press: SosPress) -> None:
    """The athlete's coaches hear of a cramp once they answered for themselves."""
    episode = press.episode
    if episode.helper:
        return
    key = f"episode:{episode.id}"
    await alert_coaches(press.svc, episode.user_id, Attention.NEW_EPISODE, key)


# --- The guard, for SOS presses --------------------------------------------------------------


def on_press(step: _StepHandler, *, answer: bool = True) -> Callback:
    """Run ``step`` with the choice pressed and its episode, only for the user's current flow.

    Stale, forged or abandoned presses are answered and never reach ``step``; a press on a flow
    abandoned hours ago closes it rather than resuming it. With ``answer=False`` the step
    answers the button itself (to show a "Why?" reason).
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        svc = services(context)

        async def check(episode: Episode, press: Press) -> Refusal | None:
            if not await _is_current(svc, episode, press):
                return Refusal.EXPIRED
            return Refusal.ABANDONED if is_abandoned(svc, episode.started_at) else None

        result = await pressed(
            update,
            load=lambda ref: episodes.get_episode(svc.db, ref),
            owner=lambda episode: episode.user_id,
            check=check,
            answer=answer,
        )
        if result is Refusal.ABANDONED:
            await end_open_episode(update, context)
            await _long_ago(update, svc)
            return END
        if isinstance(result, Refusal):
            return None
        return await step(SosPress(update, context, svc, result.record, result.choice))

    return handle


_AFTER_EASED_STEPS = frozenset({*ABOUT_COLUMNS.values(), views.LATE_BUTTONS.step})


async def _long_ago(update: Update, svc: Services) -> None:
    """A press on a flow left for hours: not only "from an earlier step". "Not yet" pressed
    hours later is a cramp that may still be going: medical advice, with the number."""
    query = update.callback_query
    press = None if query is None else parse(query.data)
    if press is not None and press.choice == NOT_YET:
        number = await number_for(svc, user_id_of(update))
        text = texts.STILL_NOT_EASED_LATE.format(number=number, sos=common.SOS_BUTTON)
    else:
        text = sos_text(texts.OLD_CRAMP)
    await send(update, text, keyboards.sos_reply_keyboard())


async def _is_current(svc: Services, episode: Episode, press: Press) -> bool:
    """Whether ``press`` on the user's ``episode`` belongs to their flow in progress."""
    if episode.is_open:
        return True
    if episode.outcome is not Outcome.EASED:
        return False
    # The questions after a cramp eased, of the user's latest episode.
    if press.step not in _AFTER_EASED_STEPS:
        return False
    return await episodes.latest_episode_id_of(svc.db, episode.user_id) == episode.id


def is_abandoned(svc: Services, started_at: datetime) -> bool:
    return svc.now() - started_at > svc.timings.abandoned_after


# --- Triage ----------------------------------------------------------------------------------


@on_press
async def on_triage(press: SosPress) -> str | int | None:
    """The safety check: a calf is one tap from relief; a red flag ends in the right help."""
    svc, episode = press.svc, press.episode
    if press.choice == HELPING:
        # Someone beside a fallen athlete: the same screen, worded for the helper.
        await episodes.set_helper(svc.db, episode.id)
        await send(press.update, *views.triage_view(episode.id, helper=True))
        return TRIAGE
    await _alert_new_cramp(press)
    if press.choice in (NO_FLAG_CALF, NO_FLAG):
        # "None" clears only the signs shown (the first screen, unless the second one was
        # opened): the others are asked once the cramp has eased (see _eased).
        await episodes.clear_signs(svc.db, episode.id, "first")
    if press.choice == NO_FLAG_CALF:
        await episodes.set_context(svc.db, episode.id, EXERCISE)
        return await _choose_muscle(press, "calf")
    if press.choice == NO_FLAG:
        await send(press.update, *views.muscle_view(episode.id))
        return MUSCLE
    if press.choice == MORE:
        # Shown is seen: from here every sign has been on screen (NHS 111 clears a sign only
        # after showing it).
        await send(press.update, *views.more_flags_view(episode.id, helper=episode.helper))
        await episodes.clear_signs(svc.db, episode.id, "all")
        return MORE_FLAGS
    return await _red_flag(press, RedFlag(press.choice))


@on_press
async def on_late_flag(press: SosPress) -> str | int | None:
    """A warning sign pressed on the first screens after the athlete moved on: still heard.

    (Its "none" buttons are not: the flow has moved past them; see ``conversations.sos.flow``.)
    """
    return await _red_flag(press, RedFlag(press.choice))


async def _red_flag(press: SosPress, flag: RedFlag) -> str | int:
    svc, episode = press.svc, press.episode
    guidance = await _guidance(svc, episode, flag)
    if not ends_self_care(flag):
        # A doctor in the coming days, not now: said, recorded, and the relief goes on.
        await send(press.update, guidance)
        await episodes.note_red_flag(svc.db, episode.id, flag.value)
        await _hold_running_plan(press, HOLD_CAUSE)
        await send(press.update, *views.muscle_view(episode.id))
        await _alert_red_flag(press)
        return MUSCLE
    # Sent before the episode is closed: if sending fails, pressing again still works.
    await finish(press.update, svc, guidance)
    await episodes.end_episode(
        svc.db, episode.id, Outcome.ESCALATED, svc.now(), red_flag=flag.value
    )
    await timers.cancel_all(episode.id)
    await _hold_running_plan(press, f"sos_{flag.value}", say=False)
    # A cramp that ends in "get help" pauses the strength programme too, silently: the
    # emergency advice stays the last word; /prevent tells the state later.
    await prevention_flow.pause_for_cramp(svc, episode)
    await _alert_red_flag(press)
    return END


async def _hold_running_plan(press: SosPress, reason: str, *, say: bool = True) -> None:
    """A "see a doctor" ending during a running plan holds it until a doctor has cleared the
    athlete (conversations.plan.hold): no massage, stretching or exercise step meanwhile.

    Said only where the flow goes on (``say``); after an ending that sends the athlete to help
    now, the emergency advice stays the last word, and /today or the next check-in says it.
    """
    svc, episode = press.svc, press.episode
    if episode.helper:
        return
    plan = await plans.live_plan_of(svc.db, episode.user_id)
    if plan is None or plan.status is PlanStatus.SETUP:
        return
    if await plans.hold_plan(svc.db, plan.id, reason, svc.now()) and say:
        await send(press.update, recovery_texts.HOLD_STARTED)


async def _guidance(svc: Services, episode: Episode, flag: RedFlag) -> str:
    """What to do about ``flag``, for the athlete or for the person helping them."""
    number = await number_for(svc, episode.user_id)
    guidance = flag_texts.HELPER_GUIDANCE if episode.helper else flag_texts.GUIDANCE
    return guidance[flag].replace("{number}", number)


async def _alert_red_flag(press: SosPress) -> None:
    episode = press.episode
    if episode.helper:
        return  # the helper is not the one with the warning sign
    key = f"red_flag:episode:{episode.id}"
    await alert_coaches(press.svc, episode.user_id, Attention.RED_FLAG, key)


@on_press
async def on_muscle(press: SosPress) -> str | int | None:
    """Which muscle, or at night or at rest. (``exercise`` comes from the old exercise-or-rest
    question of conversations saved before an upgrade: the muscle question follows.)"""
    if press.choice == REST:
        return await _rest_cramp(press)
    await episodes.set_context(press.svc.db, press.episode.id, EXERCISE)
    if press.choice == EXERCISE:
        await send(press.update, *views.muscle_view(press.episode.id))
        return MUSCLE
    return await _choose_muscle(press, press.choice)


async def _rest_cramp(press: SosPress) -> int:
    svc, episode = press.svc, press.episode
    await episodes.set_context(svc.db, episode.id, REST)
    await finish(press.update, svc, texts.HELPER_REST_CRAMP if episode.helper else texts.REST_CRAMP)
    await episodes.end_episode(svc.db, episode.id, Outcome.REST_ADVICE, svc.now())
    return END


async def _choose_muscle(press: SosPress, muscle: str) -> str:
    """The muscle is known: its stretch comes at once, and the ten-minute clock is set."""
    svc, episode = press.svc, press.episode
    await episodes.set_muscle(svc.db, episode.id, muscle)
    # Scheduled at the start already; an episode from before an upgrade may have none yet.
    due = episode.started_at + svc.timings.medical_help_after
    await timers.schedule_medical_check(svc, episode.id, chat_id_of(press.update), due)
    await _begin_stretch(press, muscle, repeat=False)
    return STRETCH


# --- Relief ----------------------------------------------------------------------------------


@on_press
async def on_relief(press: SosPress) -> str | int | None:
    """Eased, not yet (the other relief step, or medical help after ten minutes), or salt."""
    svc, episode = press.svc, press.episode
    now = svc.now()
    await timers.cancel_countdown(episode.id)
    if press.choice == EASED:
        return await _eased(press)
    if press.choice == HAVE_SALT:
        return await _offer_salt(press)
    if now - episode.started_at >= svc.timings.medical_help_after:
        number = await number_for(svc, episode.user_id)
        not_eased = texts.HELPER_NOT_EASED if episode.helper else texts.NOT_EASED
        await finish(press.update, svc, not_eased.replace("{number}", number))
        await episodes.end_episode(svc.db, episode.id, Outcome.NOT_EASED, now)
        await timers.cancel_medical_check(episode.id)
        await _hold_running_plan(press, HOLD_NOT_EASED, say=False)
        return END
    if not episode.relief_tried:
        # "Not yet" before any relief step (the ten-minute question, asked early): the stretch.
        await episodes.set_context(svc.db, episode.id, EXERCISE)
        await _begin_stretch(press, episode.muscle, repeat=False)
        return STRETCH
    if episode.relief_tried[-1] == STRETCH_STEP:
        return await _offer_salt(press)
    await _begin_stretch(press, episode.muscle, repeat=True)
    return STRETCH


async def _offer_salt(press: SosPress) -> str:
    episode = press.episode
    text = views.salt_text(repeat=SALT_STEP in episode.relief_tried, helper=episode.helper)
    await send(press.update, text, views.relief_buttons(episode, step=SALT_STEP))
    await episodes.add_relief_tried(press.svc.db, episode.id, SALT_STEP)
    return SALT


async def _explain(press: SosPress) -> None:
    """ "Why?" under a relief step: the reason, shown on the button; nothing else changes."""
    query = press.update.callback_query
    assert query is not None
    reason = texts.SALT_WHY if press.choice == SALT_STEP else texts.STRETCH_WHY
    await answer(query, reason, alert=True)


on_why = on_press(_explain, answer=False)


async def _begin_stretch(press: SosPress, muscle: str | None, *, repeat: bool) -> None:
    svc, episode = press.svc, press.episode
    instructions = views.stretch_text(muscle, repeat=repeat, helper=episode.helper)
    hold = svc.timings.stretch_hold
    buttons = views.relief_buttons(episode, step=STRETCH_STEP)
    message = await send(press.update, timers.render(instructions, hold), buttons)
    await episodes.add_relief_tried(svc.db, episode.id, STRETCH_STEP)
    await timers.start_countdown(
        svc,
        chat_id=chat_id_of(press.update),
        message=message,
        episode_id=episode.id,
        instructions=instructions,
        hold=hold,
        edits=svc.timings.countdown_edits,
    )


# --- Eased: the signs not yet shown, the aftercare, the questions, then the plan ------------


async def _eased(press: SosPress) -> str | int:
    """The cramp eased: recorded at once (its duration is now); the signs never shown are asked
    before the aftercare, so no path reaches the plan with a sign unseen."""
    svc, episode = press.svc, press.episode
    helped = episode.relief_tried[-1] if episode.relief_tried else None
    if await episodes.end_episode(svc.db, episode.id, Outcome.EASED, svc.now(), helped=helped):
        await _restart_plan(svc, episode)
        # A new cramp pauses the prevention programme: strength work waits two weeks again.
        if await prevention_flow.pause_for_cramp(svc, episode):
            await send(press.update, prevention_texts.PAUSED_BY_CRAMP)
    await timers.cancel_medical_check(episode.id)
    fresh = await episodes.get_episode(svc.db, episode.id)
    assert fresh is not None
    if views.unseen_signs(fresh):
        await send(press.update, *views.late_signs_view(fresh))
        return LATE_SIGNS
    return await _aftercare(press, fresh)


async def _restart_plan(svc: Services, episode: Episode) -> None:
    """A new exercise cramp during a recovery plan starts the plan over at day 0; it is said
    with the aftercare (texts.PLAN_RESTARTS). Night, cancelled and helpers' cramps leave it."""
    if episode.helper or episode.context != EXERCISE:
        return
    if await plans.restart_for_recurrence(svc.db, episode.user_id, episode.started_at):
        await episodes.mark_recurrence(svc.db, episode.id)
        if episode.muscle is not None:
            await plans.set_muscle_of_live_plan(svc.db, episode.user_id, episode.muscle)


@on_press
async def on_late_sign(press: SosPress) -> str | int | None:
    """The signs not yet shown, answered after the cramp eased: the same routing as before."""
    svc, episode = press.svc, press.episode
    # Each reply is sent before the answer is recorded: a failed send can be pressed again.
    if press.choice == NO_FLAG:
        next_state = await _aftercare(press, episode)
        await episodes.clear_signs(svc.db, episode.id, "all")
        return next_state
    flag = RedFlag(press.choice)
    if ends_self_care(flag):
        await finish(press.update, svc, await _guidance(svc, episode, flag))
        await episodes.clear_signs(svc.db, episode.id, "all")
        await episodes.escalate_after_easing(svc.db, episode.id, flag.value)
        await _hold_running_plan(press, f"sos_{flag.value}", say=False)
        await _alert_red_flag(press)
        return END
    # A doctor in the coming days: said and recorded; the aftercare follows.
    after = (
        flag_texts.HELPER_OTHER_CAUSE_AFTER_EASING
        if episode.helper
        else flag_texts.OTHER_CAUSE_AFTER_EASING
    )
    await send(press.update, after)
    await episodes.clear_signs(svc.db, episode.id, "all")
    await episodes.note_red_flag(svc.db, episode.id, flag.value)
    await _hold_running_plan(press, HOLD_CAUSE)
    await _alert_red_flag(press)
    return await _aftercare(press, episode)


async def _aftercare(press: SosPress, episode: Episode) -> str | int:
    """Any medical advice the cramp calls for first, then the aftercare (one screen), then the
    questions; the plan offer comes after them (:func:`_wrap_up`)."""
    svc = press.svc
    now = episode.ended_at or svc.now()
    eased = texts.EASED_AFTER.format(duration=views.duration_phrase(now - episode.started_at))
    muscle = texts.muscle_name(episode.muscle)
    if episode.helper:
        care = texts.HELPER_AFTERCARE.replace("{muscle}", muscle)
        await finish(press.update, svc, f"{eased}\n\n{care}")
        return END
    advice = []
    if now - episode.started_at >= svc.timings.medical_help_after:
        advice.append(texts.EASED_AFTER_LONG)
    if await history.cramps_are_frequent(svc, episode, now):
        advice.append(texts.FREQUENT_CRAMPS)
    if advice:
        await send(press.update, "\n\n".join(advice))
    if now - episode.started_at >= svc.timings.medical_help_after:
        await _hold_running_plan(press, HOLD_LONG)
    exercise_from, strength_from = await _key_dates(svc, episode)
    care = texts.AFTERCARE.format(
        muscle=muscle, exercise_from=exercise_from, strength_from=strength_from
    )
    await finish(press.update, svc, f"{eased}\n\n{care}")
    if episode.is_recurrence:
        await send(press.update, texts.PLAN_RESTARTS)
    await send(press.update, *views.about_view(ACTIVITY, episode.id))
    return ACTIVITY


async def _key_dates(svc: Services, episode: Episode) -> tuple[str, str]:
    """Day 3 and day 14 as the athlete's calendar names them, or counted when the time zone
    is not known yet."""
    plan = await plans.live_plan_of(svc.db, episode.user_id)
    zone = plan.zone if plan is not None and plan.zone else None
    zone = zone or await own_zone(svc, episode.user_id)
    if zone is None:
        return texts.EXERCISE_FROM_DAY, texts.STRENGTH_FROM_DAY
    local = plan_clock.zone_named(zone)
    exercise_from = opens_on(Stage.WALK_FLAT, episode.started_at, local)  # day 3
    strength_from = opens_on(Stage.DONE, episode.started_at, local)  # day 14
    assert exercise_from is not None and strength_from is not None
    return long_date(exercise_from), long_date(strength_from)


async def _wrap_up(press: SosPress, lead: str) -> int:
    """The end of the questions: thanks, the pattern line, and the plan offer as the newest
    buttons (with "Why it happened"), so it cannot scroll away."""
    svc, episode = press.svc, press.episode
    line = await history.personal_pattern(svc, episode.user_id)
    text = lead if line is None else f"{line}\n\n{lead}"
    rows = views.INFO_BUTTONS.rows(episode.id, [(PREVENT_INFO, texts.WHY_IT_HAPPENED)])
    if await plans.live_plan_of(svc.db, episode.user_id) is None:
        text = f"{text}\n\n{plan_texts.OFFER}"
        rows = [*OFFER_BUTTONS.rows(episode.id, [(START, plan_texts.OFFER_BUTTON)]), *rows]
    await send(press.update, text, InlineKeyboard(rows))
    return END


def on_about(state: str) -> Callback:
    """A handler for one circumstances question: record the answer, ask the next."""
    column = ABOUT_COLUMNS[state]

    @on_press
    async def on_answer(press: SosPress) -> str | int | None:
        svc, episode = press.svc, press.episode
        if press.choice == SKIP:
            return await _wrap_up(press, sos_text(texts.QUESTIONS_SKIPPED))
        value: str | bool = press.choice == YES if column in YES_NO_COLUMNS else press.choice
        await episodes.set_circumstance(svc.db, episode.id, column, value)
        next_state = NEXT_ABOUT[state]
        if next_state is None:
            return await _wrap_up(press, sos_text(texts.QUESTIONS_DONE))
        await send(press.update, *views.about_view(next_state, episode.id))
        return next_state

    return on_answer


async def on_info(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Why it happened": the prevention facts, on request; nothing else changes."""
    svc = services(context)
    result = await pressed(
        update,
        load=lambda ref: episodes.get_episode(svc.db, ref),
        owner=lambda episode: episode.user_id,
    )
    if not isinstance(result, Refusal):
        await send(update, texts.PREVENT)


# --- One episode per cramp -------------------------------------------------------------------


@on_press
async def on_new_cramp(press: SosPress) -> str:
    """ "This is a new cramp": the open episode is closed, and a new one starts at the top."""
    await end_open_episode(press.update, press.context)
    return await start_sos(press.update, press.context)


# --- Endings ---------------------------------------------------------------------------------


async def finish(update: Update, svc: Services, text: str) -> None:
    """The last message of a cramp: brings back the 🆘 keyboard, the disclaimer once, and a
    team invitation opened during the cramp."""
    text = await with_disclaimer_once(svc, user_id_of(update), text)
    await send(update, text, keyboards.sos_reply_keyboard())
    await join.show_pending_invitation(update, svc)


async def end_open_episode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Close the user's open episode as cancelled, with its timers. True if there was one."""
    svc = services(context)
    episode = await episodes.open_episode_of(svc.db, user_id_of(update))
    if episode is None:
        return False
    await timers.cancel_all(episode.id)
    await episodes.end_episode(svc.db, episode.id, Outcome.CANCELLED, svc.now())
    return True
