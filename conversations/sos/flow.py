"""The SOS conversation: its ways in, its steps, bad input at a step, and leaving.

Read :func:`build_sos_conversation` at the bottom for the whole flow at a glance.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from conversations import keyboards, location, start
from conversations.buttons import of_flow
from conversations.commands import MENTIONS_CRAMP, SOS_BUTTON, is_known_command
from conversations.general import expired_button, show_help
from conversations.plan import offer, typed
from conversations.replies import send, sos_text, user_id_of
from conversations.services import Services, services
from conversations.sos import steps, views
from conversations.sos.states import (
    ABOUT_COLUMNS,
    CONTEXT,
    END,
    FLOW,
    LATE_SIGNS,
    MORE_FLAGS,
    MUSCLE,
    OPEN_EPISODE_STATES,
    SALT,
    STRETCH,
    TRIAGE,
)
from conversations.stored_conversation import StoredConversation
from conversations.team import join
from conversations.texts import common
from conversations.texts import sos as texts
from rules.red_flags import RedFlag
from storage import episodes
from storage.episodes import Episode

PRIVATE = filters.ChatType.PRIVATE
# Input that is neither a button nor one of our commands: nudged back to the current step.
BAD_INPUT = PRIVATE & ~is_known_command() & ~SOS_BUTTON


# --- Bad input and leaving -------------------------------------------------------------------


def nudge(state: str, lead: str = common.NUDGE, *, new_cramp: bool = False) -> steps.Callback:
    """Input the step did not ask for: a short ``lead`` and the step's buttons again.

    With ``new_cramp`` (a second 🆘 while the episode is open) the buttons gain "This is a new
    cramp": the episode and its ten-minute clock go on unless the athlete says otherwise.
    """

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        svc = services(context)
        episode = await _episode_of_step(svc, state, user_id_of(update))
        message = update.effective_message
        assert message is not None
        if episode is None:
            # An abandoned flow: don't resume a cramp from hours ago.
            await steps.end_open_episode(update, context)
            if new_cramp:  # a cramp announced hours later is a new cramp
                return await steps.start_sos(update, context)
            await send(update, sos_text(common.IDLE_REPLY), markup=keyboards.sos_reply_keyboard())
            return END
        text, markup = views.view_for(state, episode)
        if new_cramp:
            markup = views.with_new_cramp_button(markup, episode.id)
        await send(update, f"{lead}\n\n{text}", markup=markup)
        return None

    return handle


async def _episode_of_step(svc: Services, state: str, user_id: int) -> Episode | None:
    """The episode a step belongs to, if it is recent enough to resume."""
    if state in ABOUT_COLUMNS or state == LATE_SIGNS:  # after it eased: the episode has ended
        episode = await episodes.latest_episode_of(svc.db, user_id)
    else:
        episode = await episodes.open_episode_of(svc.db, user_id)
    if episode is None or steps.is_abandoned(svc, episode.started_at):
        return None
    return episode


def link_mid_flow(state: str) -> steps.Callback:
    """A deep link during the flow: the step first; a team invitation is kept for after."""
    bring_back = nudge(state, common.LINK_AFTER_CRAMP)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        await join.keep_for_later(update, services(context), list(context.args or []))
        return await bring_back(update, context)

    return handle


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await steps.end_open_episode(update, context)
    message = update.effective_message
    assert message is not None
    await send(update, sos_text(common.CANCELLED), markup=keyboards.sos_reply_keyboard())
    return END


async def start_mid_flow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A plain /start during the flow leaves it (deep links are handled by each step)."""
    await steps.end_open_episode(update, context)
    await start.welcome(update, context)
    return END


def after_eased_input(state: str) -> steps.Callback:
    """Typed input while the questions after a cramp wait: the plan's, if it is waiting for it.

    A check-in time or a zone typed while the questions are open, or a pain score once a
    check-in is open, goes to the plan (a shared location is taken by ``location.mid_flow``).
    """
    ask_again = nudge(state)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
        if await typed.waiting_for_input(services(context), user_id_of(update)):
            await typed.on_private_text(update, context)
            return None
        return await ask_again(update, context)

    return handle


# --- The conversation ------------------------------------------------------------------------

_Handlers = list[BaseHandler[Update, Any, object]]

# Every way a cramp is announced: /cramp, the 🆘 button, a typed "my calf is cramping", and
# the /start sos deep link of the group pointer.
_CRAMP_WAYS: tuple[tuple[str | None, filters.BaseFilter], ...] = (
    ("cramp", PRIVATE),
    ("start", PRIVATE & start.SOS_LINK),
    (None, PRIVATE & SOS_BUTTON),
    (None, PRIVATE & filters.TEXT & ~filters.COMMAND & MENTIONS_CRAMP),
)


def _on_cramp(callback: steps.Callback) -> _Handlers:
    """``callback`` for every way a cramp is announced."""
    return [
        MessageHandler(accepts, callback)
        if command is None
        else CommandHandler(command, callback, filters=accepts)
        for command, accepts in _CRAMP_WAYS
    ]


def _step(state: str, *handlers: BaseHandler[Update, Any, object]) -> _Handlers:
    """A step's handlers: its buttons, then what else may arrive while it waits."""
    open_episode = state in OPEN_EPISODE_STATES
    if open_episode:
        # One episode per cramp: a second 🆘 brings the step back; a new one is a choice.
        cramp = _on_cramp(nudge(state, texts.STILL_ON_IT, new_cramp=True))
    else:
        cramp = _on_cramp(steps.start_sos)  # it eased: this is a new cramp
    return [
        *handlers,
        views.NEW_CRAMP_BUTTONS.handler(steps.on_new_cramp),
        views.INFO_BUTTONS.handler(steps.on_info),
        CallbackQueryHandler(expired_button, pattern=of_flow(FLOW)),
        *cramp,
        # The plan offer's label typed (the terminal chat, or a client that lost the button).
        MessageHandler(PRIVATE & offer.OFFER_LABEL, offer.offer_plan),
        # A deep link (a team invitation, ...) never interrupts a cramp: the step comes first.
        CommandHandler("start", link_mid_flow(state), filters=PRIVATE & start.OTHER_LINK),
        MessageHandler(PRIVATE & filters.LOCATION, location.mid_flow(state, nudge)),
        MessageHandler(BAD_INPUT, nudge(state) if open_episode else after_eased_input(state)),
    ]


def build_sos_conversation() -> StoredConversation:
    flags = views.FLAG_BUTTONS.handler(steps.on_triage)
    # A warning sign is heard at any step of an open episode, not only on its own screen.
    late_flag = views.FLAG_BUTTONS.only(set(RedFlag)).handler(steps.on_late_flag)
    relief = (
        views.RELIEF_BUTTONS.handler(steps.on_relief),
        views.WHY_BUTTONS.handler(steps.on_why),
    )
    # "Has it eased?" at ten minutes can come while any screen of an open episode is showing.
    eased_or_not = views.RELIEF_BUTTONS.handler(steps.on_relief)
    # One conversation per user and chat, whose buttons are checked against the current step
    # and episode by buttons.pressed.
    return StoredConversation(
        FLOW,
        entry_points=_on_cramp(steps.start_sos),
        steps={
            TRIAGE: _step(TRIAGE, flags, eased_or_not),
            MORE_FLAGS: _step(MORE_FLAGS, flags, eased_or_not),
            CONTEXT: _step(
                CONTEXT, views.CONTEXT_BUTTONS.handler(steps.on_muscle), late_flag, eased_or_not
            ),
            MUSCLE: _step(
                MUSCLE, views.MUSCLE_BUTTONS.handler(steps.on_muscle), late_flag, eased_or_not
            ),
            STRETCH: _step(STRETCH, *relief, late_flag),
            SALT: _step(SALT, *relief, late_flag),
            LATE_SIGNS: _step(LATE_SIGNS, views.LATE_BUTTONS.handler(steps.on_late_sign)),
            **{
                state: _step(state, views.ABOUT_BUTTONS[column].handler(steps.on_about(state)))
                for state, column in ABOUT_COLUMNS.items()
            },
        },
        fallbacks=[
            CommandHandler("cancel", cancel, filters=PRIVATE),
            CommandHandler("start", start_mid_flow, filters=PRIVATE),
            CommandHandler("help", show_help, filters=PRIVATE),
        ],
    )
