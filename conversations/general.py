"""Commands and replies outside any flow: help, cancel, groups, stray input, old buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from conversations import keyboards
from conversations.plan.setup import leave_editing
from conversations.replies import answer_quietly, sos_text, user_id_of
from conversations.services import services
from conversations.texts import common
from conversations.texts import sos as sos_texts

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

GROUP_POINTER_QUIET = timedelta(seconds=30)
_POINTED_AT = "crampcoach.pointed_at"


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(sos_text(common.HELP), reply_markup=keyboards.sos_reply_keyboard())


async def prevent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/prevent: why exercise cramps happen, what doesn't work, and what helps."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(sos_texts.PREVENT, reply_markup=keyboards.sos_reply_keyboard())


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel outside the SOS flow: leaves a plan set-up or a settings change, if one is open."""
    left = await leave_editing(services(context), user_id_of(update))
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        sos_text(common.CANCELLED if left else common.NOTHING_TO_CANCEL),
        reply_markup=keyboards.sos_reply_keyboard(),
    )


async def point_to_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group there is no SOS flow: health details stay in the private chat."""
    await _point(update, context, "?start=sos")


async def point_to_data_rights(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mydata, /export, /delete in a group: the same pointer, to a chat that starts no cramp
    flow (someone asking about their data is not cramping)."""
    await _point(update, context, "")


async def _point(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> None:
    """The pointer to the private chat.

    Once per group every ``GROUP_POINTER_QUIET``: a storm of /cramp in a group gets one pointer
    (it stays in the chat, with its button), not one message each against the group's limit of
    20 a minute.
    """
    message = update.effective_message
    assert message is not None
    now = services(context).now()
    chat_data = context.chat_data if context.chat_data is not None else {}
    last = chat_data.get(_POINTED_AT)
    if isinstance(last, datetime) and now - last < GROUP_POINTER_QUIET:
        return
    chat_data[_POINTED_AT] = now
    url = f"https://t.me/{context.bot.username}{payload}"
    await message.reply_text(
        common.GROUP_POINTER,
        reply_markup=keyboards.link(common.GROUP_POINTER_BUTTON, url),
    )


async def idle_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private input that no flow is waiting for (including unknown commands)."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        sos_text(common.IDLE_REPLY), reply_markup=keyboards.sos_reply_keyboard()
    )


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press no flow is waiting for: answered, so the client stops spinning; nothing changes."""
    query = update.callback_query
    assert query is not None
    await answer_quietly(query, common.BUTTON_EXPIRED)


def command_handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """/help and /cancel outside a flow, and the pointer to the private chat in groups."""
    return [
        CommandHandler("help", show_help, filters=PRIVATE),
        CommandHandler("cancel", cancel, filters=PRIVATE),
        CommandHandler(["start", "cramp", "help"], point_to_private_chat, filters=GROUPS),
        CommandHandler(["mydata", "export", "delete"], point_to_data_rights, filters=GROUPS),
    ]


def catch_all_handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """What nothing else took. Register last."""
    return [
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, idle_reply),
        CallbackQueryHandler(expired_button),
    ]
