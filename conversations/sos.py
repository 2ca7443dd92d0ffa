"""The cramp SOS conversation, in the order an athlete meets it.

1. First aid and the red-flag screen, at once.      (TRIAGE)
2. A red flag ends the flow with emergency guidance.
3. Exercise cramp, or night/rest cramp?              (CONTEXT)
4. Which muscle, so the stretch fits it.             (MUSCLE)
5. Relief: a gentle stretch with a countdown, then a salty taste, alternating.
   "Easing?" after each.                              (STRETCH, SALT)
6. Eased: four one-tap questions on the circumstances, then aftercare.
   (ACTIVITY, TIME_INTO, HEAT, CLOTHING)
7. Not eased after about ten minutes: get medical help.

The episode is written to the database at every step. The conversation state is persisted in
SQLite after every update, so a restart carries on where the athlete was.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from conversations import callbacks, countdown, keyboards, recovery
from conversations.commands import MENTIONS_CRAMP, SOS_BUTTON, is_known_command
from conversations.red_flags import SCREEN_ORDER, RedFlag
from conversations.replies import (
    answer_quietly,
    chat_id_of,
    send,
    sos_text,
    user_id_of,
    with_disclaimer_once,
)
from conversations.services import Services, services, services_of
from conversations.texts import common
from conversations.texts import plan as plan_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from storage import episodes, plans, users
from storage.episodes import Episode, Outcome

_LOGGER = logging.getLogger(__name__)

FLOW = "sos"

# States, in the order a user meets them. They are stored by name in SQLite: keep them stable.
TRIAGE = "sos.triage"
CONTEXT = "sos.context"
MUSCLE = "sos.muscle"
STRETCH = "sos.stretch"
SALT = "sos.salt"
ACTIVITY = "sos.activity"
TIME_INTO = "sos.time_into"
HEAT = "sos.heat"
CLOTHING = "sos.clothing"

END = ConversationHandler.END

NO_FLAG = "none"
EASED, NOT_YET = "eased", "not_yet"
YES, NO, SKIP = "yes", "no", "skip"

TEN_MINUTE_JOB = "sos-medical-check:{episode_id}"

# A handler callback: returns the next state (or None to stay, END to leave).
_Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, str | int | None]]


# --- Step views: the text and buttons of each step, for an episode -------------------------


def _triage_view(episode_id: int) -> tuple[str, InlineKeyboardMarkup]:
    options = [(NO_FLAG, texts.NO_RED_FLAG)]
    options += [(flag.value, flag_texts.BUTTON_LABELS[flag]) for flag in SCREEN_ORDER]
    return texts.FIRST_AID_AND_SCREEN, keyboards.choices(FLOW, episode_id, "flag", options)


def _context_view(episode_id: int) -> tuple[str, InlineKeyboardMarkup]:
    options = [("exercise", texts.CONTEXT_EXERCISE), ("rest", texts.CONTEXT_REST)]
    return texts.ASK_CONTEXT, keyboards.choices(FLOW, episode_id, "context", options)


def _muscle_view(episode_id: int) -> tuple[str, InlineKeyboardMarkup]:
    markup = keyboards.choices(FLOW, episode_id, "muscle", texts.MUSCLE_LABELS.items(), per_row=2)
    return texts.ASK_MUSCLE, markup


def relief_buttons(episode_id: int) -> InlineKeyboardMarkup:
    options = [(EASED, texts.EASED), (NOT_YET, texts.NOT_YET)]
    return keyboards.choices(FLOW, episode_id, "relief", options, per_row=2)


def stretch_instructions(muscle: str | None) -> str:
    how = texts.STRETCH_HOW.get(muscle or "other", texts.STRETCH_HOW["other"])
    return f"{texts.STRETCH_GENTLY}\n\n{how}"


def _about_options(step: str) -> list[tuple[str, str]]:
    if step == "activity":
        return [*texts.ACTIVITY_LABELS.items(), (SKIP, texts.SKIP)]
    if step == "time_into":
        return [*texts.TIME_INTO_LABELS.items(), (SKIP, texts.SKIP)]
    return [(YES, texts.YES), (NO, texts.NO), (SKIP, texts.SKIP)]


_ABOUT_QUESTIONS = {
    ACTIVITY: ("activity", texts.ASK_ACTIVITY),
    TIME_INTO: ("time_into", texts.ASK_TIME_INTO),
    HEAT: ("hot_conditions", texts.ASK_HEAT),
    CLOTHING: ("heavy_clothing", texts.ASK_CLOTHING),
}
_NEXT_ABOUT: dict[str, str | None] = {
    ACTIVITY: TIME_INTO,
    TIME_INTO: HEAT,
    HEAT: CLOTHING,
    CLOTHING: None,  # the last question: aftercare follows
}


def _about_view(state: str, episode_id: int) -> tuple[str, InlineKeyboardMarkup]:
    step, question = _ABOUT_QUESTIONS[state]
    per_row = 2 if step in ("activity", "time_into") else 3
    markup = keyboards.choices(FLOW, episode_id, step, _about_options(step), per_row=per_row)
    return question, markup


def _view_for(state: str, episode: Episode) -> tuple[str, InlineKeyboardMarkup]:
    """The step to show again after bad input (relief steps just ask "Easing?")."""
    if state == TRIAGE:
        return _triage_view(episode.id)
    if state == CONTEXT:
        return _context_view(episode.id)
    if state == MUSCLE:
        return _muscle_view(episode.id)
    if state in (STRETCH, SALT):
        return texts.ASK_EASING, relief_buttons(episode.id)
    return _about_view(state, episode.id)


# --- Entry ---------------------------------------------------------------------------------


async def start_sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Any way in: /cramp, the 🆘 button, a message mentioning a cramp, or /start sos."""
    svc = services(context)
    user_id = user_id_of(update)
    now = svc.now()
    await users.ensure_user(svc.db, user_id, now)
    # A new cramp during a recovery plan restarts the plan at day 0 (a recurrence).
    recurrence = await plans.restart_for_recurrence(svc.db, user_id, now)
    episode_id = await episodes.start_episode(svc.db, user_id, now, is_recurrence=recurrence)
    text, markup = _triage_view(episode_id)
    await send(update, text, markup)  # a read timeout counts as delivered: the flow starts
    return TRIAGE


# --- Button presses --------------------------------------------------------------------------


async def _pressed_episode(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[str, Episode] | int | None:
    """The choice pressed and its episode.

    None (answered as expired) for a stale press: another user's episode, an ended one, or a
    past episode's question. END for a press on a flow abandoned hours ago: it is closed, not
    resumed. Handlers return anything but a (choice, episode) pair as their next state.
    """
    query = update.callback_query
    assert query is not None
    press = callbacks.parse(query.data)
    svc = services(context)
    episode = None if press is None else await episodes.get_episode(svc.db, press.ref)
    if (
        press is None
        or episode is None
        or not await _is_current(svc, episode, press.step, user_id_of(update))
    ):
        await answer_quietly(query, common.BUTTON_EXPIRED)
        return None
    if _is_abandoned(svc, episode.started_at):
        await answer_quietly(query, common.BUTTON_EXPIRED)
        await cancel_quietly(update, context)
        return END
    await answer_quietly(query)
    return press.choice, episode


_AFTER_EASED_STEPS = frozenset(column for column, _ in _ABOUT_QUESTIONS.values())


async def _is_current(svc: Services, episode: Episode, step: str, user_id: int) -> bool:
    """Whether a press of ``step`` on ``episode`` belongs to the user's flow in progress."""
    if episode.user_id != user_id:
        return False
    if episode.is_open:
        return True
    # The questions after a cramp eased: only those of the user's latest episode.
    if step not in _AFTER_EASED_STEPS or episode.outcome is not Outcome.EASED:
        return False
    latest = await episodes.latest_episode_of(svc.db, user_id)
    return latest is not None and latest.id == episode.id


_StepHandler = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, str, Episode], Coroutine[Any, Any, str | int | None]
]


def _on_press(step: _StepHandler) -> _Callback:
    """Run ``step`` with the choice pressed and its episode, only for the user's current flow.

    Stale, forged or abandoned presses are answered and never reach ``step``.
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        pressed = await _pressed_episode(update, context)
        if not isinstance(pressed, tuple):
            return pressed
        choice, episode = pressed
        return await step(update, context, choice, episode)

    return handle


@_on_press
async def on_triage(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: str, episode: Episode
) -> str | int | None:
    svc = services(context)
    if choice == NO_FLAG:
        text, markup = _context_view(episode.id)
        await _send(update, text, markup)
        return CONTEXT
    flag = RedFlag(choice)
    guidance = flag_texts.GUIDANCE[flag].format(number=svc.emergency_number)
    # Sent before the episode is closed: if sending fails, pressing again still works.
    await _finish(update, svc, guidance)
    await episodes.end_episode(
        svc.db, episode.id, Outcome.ESCALATED, svc.now(), red_flag=flag.value
    )
    return END


@_on_press
async def on_context(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: str, episode: Episode
) -> str | int | None:
    svc = services(context)
    await episodes.set_context(svc.db, episode.id, choice)
    if choice == "rest":
        await _finish(update, svc, texts.REST_CRAMP)
        await episodes.end_episode(svc.db, episode.id, Outcome.REST_ADVICE, svc.now())
        return END
    text, markup = _muscle_view(episode.id)
    await _send(update, text, markup)
    return MUSCLE


@_on_press
async def on_muscle(
    update: Update, context: ContextTypes.DEFAULT_TYPE, muscle: str, episode: Episode
) -> str | int | None:
    svc = services(context)
    await episodes.set_muscle(svc.db, episode.id, muscle)
    _schedule_medical_check(context, episode, chat_id_of(update))
    await _begin_stretch(update, context, episode.id, muscle, repeat=False)
    return STRETCH


@_on_press
async def on_relief(
    update: Update, context: ContextTypes.DEFAULT_TYPE, choice: str, episode: Episode
) -> str | int | None:
    svc = services(context)
    now = svc.now()
    countdown.cancel(context.job_queue, episode.id)
    # Each reply is sent before the episode records it: if sending fails, the step is unchanged
    # and pressing again does the same thing.
    if choice == EASED:
        helped = episode.relief_tried[-1] if episode.relief_tried else None
        eased = texts.EASED_AFTER.format(duration=_duration(now - episode.started_at))
        question, markup = _about_view(ACTIVITY, episode.id)
        await _send(update, f"{eased}\n\n{question}", markup)
        await episodes.end_episode(svc.db, episode.id, Outcome.EASED, now, helped=helped)
        _cancel_medical_check(context, episode.id)
        return ACTIVITY
    if now - episode.started_at >= svc.timings.medical_help_after:
        await _finish(update, svc, texts.NOT_EASED.format(number=svc.emergency_number))
        await episodes.end_episode(svc.db, episode.id, Outcome.NOT_EASED, now)
        _cancel_medical_check(context, episode.id)
        return END
    last_step = episode.relief_tried[-1] if episode.relief_tried else "stretch"
    if last_step == "stretch":
        await _send(update, texts.SALT, relief_buttons(episode.id))
        await episodes.add_relief_tried(svc.db, episode.id, "salt")
        return SALT
    await _begin_stretch(update, context, episode.id, episode.muscle, repeat=True)
    return STRETCH


def _on_about(state: str) -> _Callback:
    """A handler for one circumstances question: record the answer, ask the next."""
    column, _ = _ABOUT_QUESTIONS[state]

    @_on_press
    async def on_answer(
        update: Update, context: ContextTypes.DEFAULT_TYPE, choice: str, episode: Episode
    ) -> str | int | None:
        svc = services(context)
        if choice == SKIP:
            await _aftercare(update, svc, episode)
            return END
        value: str | bool = (
            choice == YES if column in ("hot_conditions", "heavy_clothing") else choice
        )
        await episodes.set_circumstance(svc.db, episode.id, column, value)
        next_state = _NEXT_ABOUT[state]
        if next_state is None:
            await _aftercare(update, svc, episode)
            return END
        text, markup = _about_view(next_state, episode.id)
        await _send(update, text, markup)
        return next_state

    return on_answer


# --- Relief timers ---------------------------------------------------------------------------


async def _begin_stretch(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    episode_id: int,
    muscle: str | None,
    *,
    repeat: bool,
) -> None:
    svc = services(context)
    instructions = stretch_instructions(muscle)
    if repeat:
        instructions = f"{texts.REPEAT_STRETCH}\n\n{instructions}"
    hold = svc.timings.stretch_hold
    text = countdown.render(instructions, hold)
    sent = await _send(update, text, relief_buttons(episode_id))
    await episodes.add_relief_tried(svc.db, episode_id, "stretch")
    if sent is None:
        return  # its message id is unknown: no countdown edits, the text says how long
    countdown.start(
        context.job_queue,
        chat_id=sent[0],
        message_id=sent[1],
        episode_id=episode_id,
        instructions=instructions,
        hold=hold,
        edits=svc.timings.countdown_edits,
        buttons=relief_buttons(episode_id),
    )


def _schedule_medical_check(
    context: ContextTypes.DEFAULT_TYPE, episode: Episode, chat_id: int
) -> None:
    svc = services(context)
    due = episode.started_at + svc.timings.medical_help_after
    schedule_medical_check(
        context.job_queue, episode.id, chat_id, max(due - svc.now(), timedelta(0))
    )


def schedule_medical_check(
    job_queue: JobQueue[Any] | None,
    episode_id: int,
    chat_id: int,
    delay: timedelta,
) -> None:
    """After about ten minutes, ask once more whether the cramp has eased."""
    if job_queue is None:
        return
    name = TEN_MINUTE_JOB.format(episode_id=episode_id)
    if job_queue.get_jobs_by_name(name):
        return
    job_queue.run_once(_medical_check, delay, data=episode_id, chat_id=chat_id, name=name)


async def _medical_check(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = context.job
    assert job is not None and isinstance(job.data, int) and job.chat_id is not None
    svc = services(context)
    episode = await episodes.get_episode(svc.db, job.data)
    # Only while the athlete is still in the relief steps of this episode.
    if episode is None or not episode.is_open or not episode.relief_tried:
        return
    await context.bot.send_message(
        job.chat_id, texts.STILL_CRAMPING_CHECK, reply_markup=relief_buttons(episode.id)
    )


async def rearm_timers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After a restart, schedule again the ten-minute checks of episodes still in progress."""
    svc = services_of(application.bot_data)
    since = svc.now() - svc.timings.abandoned_after
    for episode in await episodes.open_episodes_started_since(svc.db, since):
        if episode.relief_tried:
            due = episode.started_at + svc.timings.medical_help_after
            delay = max(due - svc.now(), timedelta(0))
            # Private chats: the chat id is the user id.
            schedule_medical_check(application.job_queue, episode.id, episode.user_id, delay)


def _cancel_medical_check(context: ContextTypes.DEFAULT_TYPE, episode_id: int) -> None:
    if context.job_queue is None:
        return
    for job in context.job_queue.get_jobs_by_name(TEN_MINUTE_JOB.format(episode_id=episode_id)):
        job.schedule_removal()


# --- Endings ---------------------------------------------------------------------------------


async def _aftercare(update: Update, svc: Services, episode: Episode) -> None:
    """The first-aftercare note, then the recovery plan: offered, or restarted at day 0."""
    await _finish(update, svc, sos_text(texts.AFTERCARE))
    plan = await plans.live_plan_of(svc.db, episode.user_id)
    if plan is None:
        await send(update, plan_texts.OFFER, recovery.offer_button(episode.id))
    elif episode.is_recurrence:
        await send(update, plan_texts.RECURRENCE)


async def _finish(update: Update, svc: Services, text: str) -> None:
    """The last message of a flow: brings back the 🆘 keyboard, and the disclaimer once."""
    text = await with_disclaimer_once(svc, user_id_of(update), text)
    await send(update, text, keyboards.sos_reply_keyboard())


async def _send(update: Update, text: str, markup: InlineKeyboardMarkup) -> tuple[int, int] | None:
    """Send the next step as a new message; returns (chat id, message id), or None when
    Telegram's answer was lost after sending (see ``replies.send``)."""
    sent = await send(update, text, markup)
    return None if sent is None else (sent.chat_id, sent.message_id)


def _duration(elapsed: timedelta) -> str:
    minutes = round(elapsed.total_seconds() / 60)
    if minutes < 1:
        return "less than a minute"
    return "about a minute" if minutes == 1 else f"about {minutes} minutes"


# --- Leaving, restarting, bad input ----------------------------------------------------------


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    svc = services(context)
    episode = await episodes.open_episode_of(svc.db, user_id_of(update))
    if episode is not None:
        countdown.cancel(context.job_queue, episode.id)
        _cancel_medical_check(context, episode.id)
        await episodes.end_episode(svc.db, episode.id, Outcome.CANCELLED, svc.now())
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        sos_text(common.CANCELLED), reply_markup=keyboards.sos_reply_keyboard()
    )
    return END


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(sos_text(common.HELP))


async def start_over(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/start in the middle of a flow: /start sos restarts the SOS, plain /start leaves it."""
    if context.args and context.args[0] == "sos":
        return await start_sos(update, context)
    await cancel_quietly(update, context)
    from conversations.common import welcome  # the welcome lives with the other commands

    await welcome(update, context)
    return END


async def cancel_quietly(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    episode = await episodes.open_episode_of(svc.db, user_id_of(update))
    if episode is not None:
        countdown.cancel(context.job_queue, episode.id)
        _cancel_medical_check(context, episode.id)
        await episodes.end_episode(svc.db, episode.id, Outcome.CANCELLED, svc.now())


def _nudge(state: str) -> _Callback:
    """Bad input at a step: a short nudge and the step's buttons again."""

    async def nudge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        svc = services(context)
        episode = await _episode_of_step(svc, state, user_id_of(update))
        message = update.effective_message
        assert message is not None
        if episode is None:
            # An abandoned flow: don't resume a cramp from hours ago.
            await cancel_quietly(update, context)
            await message.reply_text(
                sos_text(common.IDLE_REPLY), reply_markup=keyboards.sos_reply_keyboard()
            )
            return END
        text, markup = _view_for(state, episode)
        await message.reply_text(f"{common.NUDGE}\n\n{text}", reply_markup=markup)
        return None

    return nudge


async def _episode_of_step(svc: Services, state: str, user_id: int) -> Episode | None:
    """The episode a step belongs to, if it is recent enough to resume."""
    after_eased = state in _ABOUT_QUESTIONS
    if after_eased:
        episode = await episodes.latest_episode_of(svc.db, user_id)
    else:
        episode = await episodes.open_episode_of(svc.db, user_id)
    if episode is None or _is_abandoned(svc, episode.started_at):
        return None
    return episode


def _is_abandoned(svc: Services, started_at: datetime) -> bool:
    return svc.now() - started_at > svc.timings.abandoned_after


async def stale_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await answer_quietly(query, common.BUTTON_EXPIRED)


# --- The conversation ------------------------------------------------------------------------

PRIVATE = filters.ChatType.PRIVATE
# Input that is neither a button nor one of our commands: nudged back to the current step.
BAD_INPUT = PRIVATE & ~is_known_command() & ~SOS_BUTTON
# A press of an SOS button that does not fit the current step, or data we never built.
_OUR_OR_FORGED = lambda data: (p := callbacks.parse(data)) is None or p.flow == FLOW  # noqa: E731


_Handlers = list[BaseHandler[Update, Any, object]]


def _step(state: str, handler: BaseHandler[Update, Any, object]) -> _Handlers:
    return [
        handler,
        CallbackQueryHandler(stale_press, pattern=_OUR_OR_FORGED),
        MessageHandler(BAD_INPUT, _nudge(state)),
    ]


def build_sos_conversation() -> ConversationHandler[Any]:
    about: dict[object, _Handlers] = {
        state: _step(
            state,
            CallbackQueryHandler(
                _on_about(state),
                pattern=callbacks.matcher(
                    FLOW, column, {choice for choice, _ in _about_options(column)}
                ),
            ),
        )
        for state, (column, _) in _ABOUT_QUESTIONS.items()
    }
    flags = {NO_FLAG, *(flag.value for flag in RedFlag)}
    # per_message=False is deliberate: one conversation per user and chat, whose buttons are
    # checked against the current step and episode by the handlers themselves.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _conversation(about, flags)


def _conversation(about: dict[object, _Handlers], flags: set[str]) -> ConversationHandler[Any]:
    return ConversationHandler(
        name=FLOW,
        persistent=True,
        entry_points=[
            CommandHandler("cramp", start_sos, filters=PRIVATE),
            CommandHandler("start", start_sos, filters=PRIVATE & filters.Regex(r"\ssos$")),
            MessageHandler(PRIVATE & SOS_BUTTON, start_sos),
            MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND & MENTIONS_CRAMP, start_sos),
        ],
        states={
            TRIAGE: _step(
                TRIAGE,
                CallbackQueryHandler(on_triage, pattern=callbacks.matcher(FLOW, "flag", flags)),
            ),
            CONTEXT: _step(
                CONTEXT,
                CallbackQueryHandler(
                    on_context, pattern=callbacks.matcher(FLOW, "context", {"exercise", "rest"})
                ),
            ),
            MUSCLE: _step(
                MUSCLE,
                CallbackQueryHandler(
                    on_muscle, pattern=callbacks.matcher(FLOW, "muscle", texts.MUSCLE_LABELS)
                ),
            ),
            STRETCH: _step(
                STRETCH,
                CallbackQueryHandler(
                    on_relief, pattern=callbacks.matcher(FLOW, "relief", {EASED, NOT_YET})
                ),
            ),
            SALT: _step(
                SALT,
                CallbackQueryHandler(
                    on_relief, pattern=callbacks.matcher(FLOW, "relief", {EASED, NOT_YET})
                ),
            ),
            **about,
        },
        fallbacks=[
            CommandHandler("cramp", start_sos, filters=PRIVATE),
            MessageHandler(PRIVATE & SOS_BUTTON, start_sos),
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CommandHandler("start", start_over, filters=PRIVATE),
            CommandHandler("help", show_help, filters=PRIVATE),
        ],
    )
