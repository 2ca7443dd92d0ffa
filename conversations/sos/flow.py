"""The SOS ConversationHandler: its ways in, its steps, bad input at a step, and leaving.

Read :func:`build_sos_conversation` at the bottom for the whole flow at a glance.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from conversations import keyboards, start
from conversations.buttons import of_flow
from conversations.commands import MENTIONS_CRAMP, SOS_BUTTON, is_known_command
from conversations.general import expired_button, show_help
from conversations.replies import sos_text, user_id_of
from conversations.services import Services, services
from conversations.sos import steps, views
from conversations.sos.states import (
    ABOUT_COLUMNS,
    CONTEXT,
    END,
    FLOW,
    MUSCLE,
    SALT,
    STRETCH,
    TRIAGE,
)
from conversations.texts import common
from storage import episodes
from storage.episodes import Episode

PRIVATE = filters.ChatType.PRIVATE
# Input that is neither a button nor one of our commands: nudged back to the current step.
BAD_INPUT = PRIVATE & ~is_known_command() & ~SOS_BUTTON


# --- Bad input and leaving -------------------------------------------------------------------


def nudge(state: str, lead: str = common.NUDGE) -> steps.Callback:
    """Input the step did not ask for: a short ``lead`` and the step's buttons again."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        svc = services(context)
        episode = await _episode_of_step(svc, state, user_id_of(update))
        message = update.effective_message
        assert message is not None
        if episode is None:
            # An abandoned flow: don't resume a cramp from hours ago.
            await steps.end_open_episode(update, context)
            await message.reply_text(
                sos_text(common.IDLE_REPLY), reply_markup=keyboards.sos_reply_keyboard()
            )
            return END
        text, markup = views.view_for(state, episode.id)
        await message.reply_text(f"{lead}\n\n{text}", reply_markup=markup)
        return None

    return handle


async def _episode_of_step(svc: Services, state: str, user_id: int) -> Episode | None:
    """The episode a step belongs to, if it is recent enough to resume."""
    if state in ABOUT_COLUMNS:  # the questions after it eased: the episode has ended
        episode = await episodes.latest_episode_of(svc.db, user_id)
    else:
        episode = await episodes.open_episode_of(svc.db, user_id)
    if episode is None or steps.is_abandoned(svc, episode.started_at):
        return None
    return episode


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await steps.end_open_episode(update, context)
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        sos_text(common.CANCELLED), reply_markup=keyboards.sos_reply_keyboard()
    )
    return END


async def start_mid_flow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/start during the flow: ``/start sos`` restarts the SOS, a plain /start leaves it."""
    if start.payload_of(context) is start.Payload.SOS:
        return await steps.start_sos(update, context)
    await steps.end_open_episode(update, context)
    await start.welcome(update, context)
    return END


# --- The conversation ------------------------------------------------------------------------

_Handlers = list[BaseHandler[Update, Any, object]]


def _step(state: str, handler: BaseHandler[Update, Any, object]) -> _Handlers:
    """A step's handlers: its buttons, then what else may arrive while it waits."""
    return [
        handler,
        CallbackQueryHandler(expired_button, pattern=of_flow(FLOW)),
        # A deep link (a team invitation, ...) never interrupts a cramp: the step comes first.
        CommandHandler(
            "start", nudge(state, common.LINK_AFTER_CRAMP), filters=PRIVATE & start.OTHER_LINK
        ),
        MessageHandler(BAD_INPUT, nudge(state)),
    ]


def build_sos_conversation() -> ConversationHandler[Any]:
    # per_message=False is deliberate: one conversation per user and chat, whose buttons are
    # checked against the current step and episode by buttons.pressed.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            name=FLOW,
            persistent=True,
            entry_points=[
                CommandHandler("cramp", steps.start_sos, filters=PRIVATE),
                CommandHandler("start", steps.start_sos, filters=PRIVATE & start.SOS_LINK),
                MessageHandler(PRIVATE & SOS_BUTTON, steps.start_sos),
                MessageHandler(
                    PRIVATE & filters.TEXT & ~filters.COMMAND & MENTIONS_CRAMP, steps.start_sos
                ),
            ],
            states={
                TRIAGE: _step(TRIAGE, views.FLAG_BUTTONS.handler(steps.on_triage)),
                CONTEXT: _step(CONTEXT, views.CONTEXT_BUTTONS.handler(steps.on_context)),
                MUSCLE: _step(MUSCLE, views.MUSCLE_BUTTONS.handler(steps.on_muscle)),
                STRETCH: _step(STRETCH, views.RELIEF_BUTTONS.handler(steps.on_relief)),
                SALT: _step(SALT, views.RELIEF_BUTTONS.handler(steps.on_relief)),
                **{
                    state: _step(state, views.ABOUT_BUTTONS[column].handler(steps.on_about(state)))
                    for state, column in ABOUT_COLUMNS.items()
                },
            },
            fallbacks=[
                CommandHandler("cramp", steps.start_sos, filters=PRIVATE),
                MessageHandler(PRIVATE & SOS_BUTTON, steps.start_sos),
                CommandHandler("cancel", cancel, filters=PRIVATE),
                CommandHandler("start", start_mid_flow, filters=PRIVATE),
                CommandHandler("help", show_help, filters=PRIVATE),
            ],
        )
