"""What each SOS step does when the athlete answers it, in the order they meet the steps.

Each press goes through :func:`conversations.buttons.pressed` first, so a step handler only
ever sees a press on the user's own, current episode. Each reply is sent before the episode
records it: if sending fails, the step is unchanged and pressing again does the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from conversations import history, keyboards
from conversations.buttons import Press, Refusal, pressed
from conversations.emergency import number_for
from conversations.plan.views import offer_button
from conversations.replies import chat_id_of, send, sos_text, user_id_of, with_disclaimer_once
from conversations.services import Services, services
from conversations.sos import timers, views
from conversations.sos.states import (
    ABOUT_COLUMNS,
    ACTIVITY,
    EASED,
    END,
    EXERCISE,
    HAVE_SALT,
    MORE,
    MORE_FLAGS,
    MUSCLE,
    NEXT_ABOUT,
    NO_FLAG,
    NO_FLAG_CALF,
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
from conversations.texts import plan as plan_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.coaching import Attention
from rules.red_flags import RedFlag, ends_self_care
from storage import episodes, plans, users
from storage.episodes import Episode, Outcome

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
    episode_id = await _episode_for_this_cramp(svc, user, now)
    text, markup = views.triage_view(episode_id)
    await send(update, text, markup)  # a read timeout counts as delivered: the flow starts
    # The athlete first, their coaches after.
    await keep_name_current(update, svc)
    key = f"episode:{episode_id}"
    await alert_coaches(context.bot, svc, user_id, Attention.NEW_EPISODE, key)
    return TRIAGE


async def _episode_for_this_cramp(svc: Services, user: users.User, now: datetime) -> int:
    """The open episode of a cramp still in hand, or a new one.

    One episode per cramp: an episode still open (and not abandoned) is this cramp's, even when
    the conversation lost track of it (a crash between a step and its commit replays the
    step). A new cramp is started only from none, or by "This is a new cramp".
    """
    user_id = user.user_id
    episode = await episodes.open_episode_of(svc.db, user_id)
    if episode is not None and not is_abandoned(svc, episode.started_at):
        return episode.id
    # A new cramp during a recovery plan restarts the plan at day 0 (a recurrence).
    recurrence = await plans.restart_for_recurrence(svc.db, user_id, now)
    if user.pending_invite is not None:
        # An invitation from an earlier cramp is not shown again after this one.
        await users.set_pending_invite(svc.db, user_id, None)
    return await episodes.start_episode(svc.db, user_id, now, is_recurrence=recurrence)


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
            return END
        if isinstance(result, Refusal):
            return None
        return await step(SosPress(update, context, svc, result.record, result.choice))

    return handle


_AFTER_EASED_STEPS = frozenset(ABOUT_COLUMNS.values())


async def _is_current(svc: Services, episode: Episode, press: Press) -> bool:
    """Whether ``press`` on the user's ``episode`` belongs to their flow in progress."""
    if episode.is_open:
        return True
    if episode.outcome is not Outcome.EASED:
        return False
    # The questions after a cramp eased, of the user's latest episode. And "Eased" itself once
    # more: the same press handled again after a restart that came between the episode's end
    # and the step's commit (bot.reply_log); its replies are not sent twice.
    eased_again = press.step == views.RELIEF_BUTTONS.step and press.choice == EASED
    if press.step not in _AFTER_EASED_STEPS and not eased_again:
        return False
    latest = await episodes.latest_episode_of(svc.db, episode.user_id)
    return latest is not None and latest.id == episode.id


def is_abandoned(svc: Services, started_at: datetime) -> bool:
    return svc.now() - started_at > svc.timings.abandoned_after


# --- Triage ----------------------------------------------------------------------------------


@on_press
async def on_triage(press: SosPress) -> str | int | None:
    """The safety check: a calf is one tap from relief; a red flag ends in the right help."""
    svc, episode = press.svc, press.episode
    if press.choice == NO_FLAG_CALF:
        await episodes.set_context(svc.db, episode.id, EXERCISE)
        return await _choose_muscle(press, "calf")
    if press.choice == NO_FLAG:
        await _send(press.update, *views.muscle_view(episode.id))
        return MUSCLE
    if press.choice == MORE:
        await _send(press.update, *views.more_flags_view(episode.id))
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
    number = await number_for(svc, episode.user_id)
    guidance = flag_texts.GUIDANCE[flag].format(number=number)
    bot, key = press.context.bot, f"red_flag:episode:{episode.id}"
    if not ends_self_care(flag):
        # A doctor in the coming days, not now: said, recorded, and the relief goes on.
        await send(press.update, guidance)
        await episodes.note_red_flag(svc.db, episode.id, flag.value)
        await _send(press.update, *views.muscle_view(episode.id))
        await alert_coaches(bot, svc, episode.user_id, Attention.RED_FLAG, key)
        return MUSCLE
    # Sent before the episode is closed: if sending fails, pressing again still works.
    await finish(press.update, svc, guidance)
    await episodes.end_episode(
        svc.db, episode.id, Outcome.ESCALATED, svc.now(), red_flag=flag.value
    )
    timers.cancel_all(press.context.job_queue, episode.id)
    await alert_coaches(bot, svc, episode.user_id, Attention.RED_FLAG, key)
    return END


@on_press
async def on_muscle(press: SosPress) -> str | int | None:
    """Which muscle, or at night or at rest. (``exercise`` comes from the old exercise-or-rest
    question of conversations saved before an upgrade: the muscle question follows.)"""
    if press.choice == REST:
        return await _rest_cramp(press)
    await episodes.set_context(press.svc.db, press.episode.id, EXERCISE)
    if press.choice == EXERCISE:
        await _send(press.update, *views.muscle_view(press.episode.id))
        return MUSCLE
    return await _choose_muscle(press, press.choice)


async def _rest_cramp(press: SosPress) -> int:
    svc, episode = press.svc, press.episode
    await episodes.set_context(svc.db, episode.id, REST)
    await finish(press.update, svc, texts.REST_CRAMP)
    await episodes.end_episode(svc.db, episode.id, Outcome.REST_ADVICE, svc.now())
    return END


async def _choose_muscle(press: SosPress, muscle: str) -> str:
    """The muscle is known: its stretch comes at once, and the ten-minute clock is set."""
    svc, episode = press.svc, press.episode
    await episodes.set_muscle(svc.db, episode.id, muscle)
    if episode.is_recurrence:
        await plans.set_muscle_of_live_plan(svc.db, episode.user_id, muscle)
    due = episode.started_at + svc.timings.medical_help_after
    timers.schedule_medical_check(
        press.context.job_queue,
        episode.id,
        chat_id_of(press.update),
        max(due - svc.now(), timedelta(0)),
    )
    await _begin_stretch(press, muscle, repeat=False)
    return STRETCH


# --- Relief ----------------------------------------------------------------------------------


@on_press
async def on_relief(press: SosPress) -> str | int | None:
    """Eased, not yet (the other relief step, or medical help after ten minutes), or salt."""
    svc, episode = press.svc, press.episode
    now = svc.now()
    timers.cancel_countdown(press.context.job_queue, episode.id)
    if press.choice == EASED:
        return await _eased(press)
    if press.choice == HAVE_SALT:
        return await _offer_salt(press)
    if now - episode.started_at >= svc.timings.medical_help_after:
        number = await number_for(svc, episode.user_id)
        await finish(press.update, svc, texts.NOT_EASED.format(number=number))
        await episodes.end_episode(svc.db, episode.id, Outcome.NOT_EASED, now)
        timers.cancel_medical_check(press.context.job_queue, episode.id)
        return END
    last_step = episode.relief_tried[-1] if episode.relief_tried else STRETCH_STEP
    if last_step == STRETCH_STEP:
        return await _offer_salt(press)
    await _begin_stretch(press, episode.muscle, repeat=True)
    return STRETCH


async def _offer_salt(press: SosPress) -> str:
    episode = press.episode
    text = views.salt_text(repeat=SALT_STEP in episode.relief_tried)
    await _send(press.update, text, views.relief_buttons(episode, step=SALT_STEP))
    await episodes.add_relief_tried(press.svc.db, episode.id, SALT_STEP)
    return SALT


async def _explain(press: SosPress) -> None:
    """ "Why?" under a relief step: the reason, shown on the button; nothing else changes."""
    query = press.update.callback_query
    assert query is not None
    reason = texts.SALT_WHY if press.choice == SALT_STEP else texts.STRETCH_WHY
    await query.answer(reason, show_alert=True)


on_why = on_press(_explain, answer=False)


async def _begin_stretch(press: SosPress, muscle: str | None, *, repeat: bool) -> None:
    svc, episode = press.svc, press.episode
    instructions = views.stretch_text(muscle, repeat=repeat)
    hold = svc.timings.stretch_hold
    buttons = views.relief_buttons(episode, step=STRETCH_STEP)
    sent = await _send(press.update, timers.render(instructions, hold), buttons)
    await episodes.add_relief_tried(svc.db, episode.id, STRETCH_STEP)
    if sent is None:
        return  # its message id is unknown (see replies.send): no edits, the text says how long
    chat_id, message_id = sent
    timers.start_countdown(
        press.context.job_queue,
        chat_id=chat_id,
        message_id=message_id,
        episode_id=episode.id,
        instructions=instructions,
        hold=hold,
        edits=svc.timings.countdown_edits,
        buttons=buttons,
    )


# --- Eased: aftercare at once, then the questions --------------------------------------------


async def _eased(press: SosPress) -> str:
    """The aftercare and the plan offer at once; the questions on the circumstances after."""
    svc, episode = press.svc, press.episode
    now = svc.now()
    await finish(press.update, svc, await _aftercare_text(svc, episode, now))
    plan = await plans.live_plan_of(svc.db, episode.user_id)
    if plan is None:
        await send(press.update, plan_texts.OFFER, offer_button(episode.id))
    elif episode.is_recurrence:
        await send(press.update, plan_texts.RECURRENCE)
    await _send(press.update, *views.about_view(ACTIVITY, episode.id))
    helped = episode.relief_tried[-1] if episode.relief_tried else None
    await episodes.end_episode(svc.db, episode.id, Outcome.EASED, now, helped=helped)
    timers.cancel_medical_check(press.context.job_queue, episode.id)
    return ACTIVITY


async def _aftercare_text(svc: Services, episode: Episode, now: datetime) -> str:
    """How long it lasted, any medical advice that follows from it, what now, and why."""
    parts = [texts.EASED_AFTER.format(duration=views.duration_phrase(now - episode.started_at))]
    if now - episode.started_at >= svc.timings.medical_help_after:
        parts.append(texts.EASED_AFTER_LONG)
    if await history.cramps_are_frequent(svc, episode, now):
        parts.append(texts.FREQUENT_CRAMPS)
    muscle = texts.muscle_name(episode.muscle)
    parts.append(sos_text(texts.AFTERCARE.replace("{muscle}", muscle)))
    parts.append(texts.PREVENT)
    line = await history.personal_pattern(svc, episode.user_id)
    if line is not None:
        parts.append(line)
    return "\n\n".join(parts)


def on_about(state: str) -> Callback:
    """A handler for one circumstances question: record the answer, ask the next."""
    column = ABOUT_COLUMNS[state]

    @on_press
    async def on_answer(press: SosPress) -> str | int | None:
        svc, episode = press.svc, press.episode
        if press.choice == SKIP:
            await send(press.update, sos_text(texts.QUESTIONS_DONE))
            return END
        value: str | bool = press.choice == YES if column in YES_NO_COLUMNS else press.choice
        await episodes.set_circumstance(svc.db, episode.id, column, value)
        next_state = NEXT_ABOUT[state]
        if next_state is None:
            line = await history.personal_pattern(svc, episode.user_id)
            done = sos_text(texts.QUESTIONS_DONE)
            await send(press.update, done if line is None else f"{line}\n\n{done}")
            return END
        await _send(press.update, *views.about_view(next_state, episode.id))
        return next_state

    return on_answer


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
    timers.cancel_all(context.job_queue, episode.id)
    await episodes.end_episode(svc.db, episode.id, Outcome.CANCELLED, svc.now())
    return True


async def _send(update: Update, text: str, markup: InlineKeyboardMarkup) -> tuple[int, int] | None:
    """Send the next step as a new message; returns (chat id, message id), or None when
    Telegram's answer was lost after sending (see ``replies.send``)."""
    sent = await send(update, text, markup)
    return None if sent is None else (sent.chat_id, sent.message_id)
