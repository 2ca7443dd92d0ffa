"""The error handler: log what broke (never message texts or the token), tell the user kindly.

A handler that raised has its unit of work undone (its writes rolled back, its messages never
sent, its conversation left at the step it was on); the apology is then the one message the
unit sends, committed with the inbox row's done mark, so a broken update is not retried for
ever.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from conversations.replies import send_to, sos_text
from conversations.texts import common
from storage import unit_of_work

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    unit = unit_of_work.current_or_none()
    if unit is not None:
        await unit.undo()
    if isinstance(error, Forbidden):
        # The user blocked the bot; nothing to tell them, and nothing to fix here.
        _LOGGER.info("Forbidden while handling an update: %s", error.message)
        return
    where = _describe(update)
    # The kind and where it happened, never the exception's own words at ERROR: those can
    # carry a value from the data (a pain score, a typed time). In full at DEBUG only.
    frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    _LOGGER.error("Error while handling %s: %s\n%s", where, _kind(error), frames.rstrip())
    _LOGGER.debug("The error in full", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        if unit is not None:
            await send_to(update.effective_chat.id, sos_text(common.ERROR_REPLY))


def _kind(error: BaseException | None) -> str:
    """The error's type; for Telegram's errors also its description (Telegram's words)."""
    if isinstance(error, TelegramError):
        return f"{type(error).__name__}: {error.message}"
    return "no error" if error is None else type(error).__name__


def _describe(update: object) -> str:
    """Which update it was, by id and kind only: no texts, no names."""
    if isinstance(update, Update):
        kind = "callback" if update.callback_query else "message" if update.message else "other"
        return f"update {update.update_id} ({kind})"
    return "a job" if update is None else type(update).__name__
