"""Commands and replies outside any flow: help, cancel, groups, stray input, old buttons."""

from __future__ import annotations

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
from conversations.group_quiet import GROUP_QUIET, may_answer
from conversations.heat import flow as heat_flow
from conversations.plan.setup import leave_editing
from conversations.prevention import flow as prevention_flow
from conversations.replies import answer, send, sos_text, user_id_of
from conversations.services import services
from conversations.team.access import START_GROUP_PAYLOAD
from conversations.texts import common

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

# One pointer of each kind per group per half minute (conversations.group_quiet).
GROUP_POINTER_QUIET = GROUP_QUIET
# The private chat the pointer opens: ``t.me/<bot>`` plus this (see conversations.start).
TO_CRAMP, TO_HELP, TO_WELCOME = "?start=sos", "?start=help", ""


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    await send(update, sos_text(common.HELP), markup=keyboards.sos_reply_keyboard())


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel outside the SOS flow: leaves a plan set-up, a settings change or the heat
    warning's set-up, if one is open."""
    left = await leave_editing(services(context), user_id_of(update))
    # The heat warning's set-up too (its question is no longer asked).
    left = await heat_flow.leave_setup(services(context), user_id_of(update)) or left
    # The prevention programme's set-up too.
    left = await prevention_flow.leave_setup(services(context), user_id_of(update)) or left
    message = update.effective_message
    assert message is not None
    await send(
        update,
        sos_text(common.CANCELLED if left else common.NOTHING_TO_CANCEL),
        markup=keyboards.sos_reply_keyboard(),
    )


async def point_to_cramp_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cramp in a group: there is no SOS flow there (health details stay in the private
    chat); the pointer's link starts it in the private chat, since this person said cramp."""
    await _point(update, context, TO_CRAMP)


async def point_to_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help in a group: the pointer opens the help in the private chat, not a cramp (a cramp
    flow would tell the person's coach they need attention)."""
    await _point(update, context, TO_HELP)


async def point_to_welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start in a group, and /mydata, /export, /delete: the pointer opens the private chat
    with no cramp flow (someone asking about their data is not cramping)."""
    if context.args == [START_GROUP_PAYLOAD]:
        return  # the bot was just added through a coach's link: its greeting says what to do
    await _point(update, context, TO_WELCOME)


async def _point(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> None:
    """The pointer to the private chat.

    Once per group and link every ``GROUP_POINTER_QUIET``: a storm of /cramp in a group gets
    one pointer (it stays in the chat, with its button), not one message each against the
    group's limit of 20 a minute. A /cramp right after a /help pointer still gets its own.
    """
    message = update.effective_message
    assert message is not None
    if not may_answer(context, f"pointer{payload}"):
        return
    url = f"https://t.me/{context.bot.username}{payload}"
    await send(
        update,
        common.GROUP_POINTER,
        markup=keyboards.link(common.GROUP_POINTER_BUTTON, url),
    )


async def idle_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private input that no flow is waiting for (including unknown commands)."""
    message = update.effective_message
    assert message is not None
    await send(update, sos_text(common.IDLE_REPLY), markup=keyboards.sos_reply_keyboard())


async def expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press no flow is waiting for: answered, so the client stops spinning; nothing changes."""
    query = update.callback_query
    assert query is not None
    await answer(query, common.BUTTON_EXPIRED)


def command_handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """/help and /cancel outside a flow, and the pointer to the private chat in groups."""
    return [
        CommandHandler("help", show_help, filters=PRIVATE),
        CommandHandler("cancel", cancel, filters=PRIVATE),
        CommandHandler("cramp", point_to_cramp_help, filters=GROUPS),
        CommandHandler("help", point_to_help, filters=GROUPS),
        CommandHandler(["start", "mydata", "export", "delete"], point_to_welcome, filters=GROUPS),
    ]


def catch_all_handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """What nothing else took. Register last."""
    return [
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, idle_reply),
        CallbackQueryHandler(expired_button),
    ]
