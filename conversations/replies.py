"""Small helpers shared by the flows for sending and answering."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import httpx
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.constants import ChatType
from telegram.error import BadRequest, TimedOut
from telegram.warnings import PTBUserWarning

from conversations.services import Services
from conversations.texts import common
from storage import users

_LOGGER = logging.getLogger(__name__)

# send() calls sendMessage through do_api_request to keep Telegram's answer raw (see there);
# python-telegram-bot suggests send_message for that, which would parse it.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


async def with_disclaimer_once(svc: Services, user_id: int, text: str) -> str:
    """Append the not-a-doctor line the first time a user reaches the end of a flow."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.disclaimer_seen_at is not None:
        return text
    await users.mark_disclaimer_seen(svc.db, user_id, svc.now())
    return f"{text}\n\n{common.DISCLAIMER}"


async def answer_quietly(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press so the client stops spinning; a too-old query is no error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        # "Query is too old": the press is still handled, the spinner has long stopped.
        _LOGGER.debug("Could not answer callback query: %s", exc.message)


def user_id_of(update: Update) -> int:
    user = update.effective_user
    assert user is not None, "handlers here only run for updates from a user"
    return user.id


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None, "handlers here only run for updates in a chat"
    return chat.id


def from_private_chat(update: Update, chat_id: int | None = None) -> bool:
    """Whether the update comes from a private chat (``chat_id``'s, if given).

    Plan and check-in buttons act only where they were sent: a forged press in a group must
    not post someone's health answers there.
    """
    chat = update.effective_chat
    return (
        chat is not None
        and chat.type == ChatType.PRIVATE
        and (chat_id is None or chat.id == chat_id)
    )


def sos_text(template: str) -> str:
    return template.format(sos=common.SOS_BUTTON)


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True, slots=True)
class Sent:
    """Where a sent message landed: all a flow keeps of Telegram's answer."""

    chat_id: int
    message_id: int


async def send(update: Update, text: str, markup: ReplyMarkup | None = None) -> Sent | None:
    """Send a new message to the chat the update came from (not a reply-quote).

    None: the request went out but Telegram's answer was lost (a read timeout). The message
    was probably delivered, so the step counts as done and its new state is kept: otherwise
    the athlete sees the next question, while the conversation stays a step behind and their
    next tap is "from an earlier step". If it was not delivered after all, the step's previous
    buttons (or any input, which is nudged with the current step's buttons) bring it back.
    Any other failure (not sent, or refused) raises, and the step stays where it was.

    Telegram's answer is the whole message, our keyboard included; ``Bot.send_message`` would
    parse all of it into a ``Message`` (a fifth of the bot's time per update in the saturated
    benchmark), and the flows keep only its id. So the request is the same ``sendMessage``
    (through the rate limiter, with the bot's ``Defaults``), and the answer stays raw.
    """
    try:
        result = await update.get_bot().do_api_request(
            "sendMessage",
            api_kwargs={
                "chat_id": chat_id_of(update),
                "text": text,
                "reply_markup": wire_markup(markup),
                # Filled from the bot's Defaults (parse mode HTML), as send_message does.
                "parse_mode": DEFAULT_NONE,
                "disable_notification": DEFAULT_NONE,
                "protect_content": DEFAULT_NONE,
                "link_preview_options": DEFAULT_NONE,
            },
        )
    except TimedOut as exc:
        if not probably_delivered(exc):
            raise
        _LOGGER.warning("A reply timed out after it was sent; counted as delivered")
        return None
    return Sent(int(result["chat"]["id"]), int(result["message_id"]))


# A button with a text and only one of these goes out as written here (see wire_markup).
_PLAIN = ("callback_data", "url")
_OTHER_FIELDS = tuple(
    field for field in InlineKeyboardButton.__slots__ if field not in ("text", *_PLAIN)
)


def wire_markup(markup: ReplyMarkup | None) -> ReplyMarkup | dict[str, object] | None:
    """The keyboard as Telegram reads it (its JSON object), for an inline keyboard of plain
    buttons: a text with callback data, or with a link. Every step's keyboard is one.

    python-telegram-bot's generic ``to_dict`` looks at every field of every button, nested,
    for each message: a tenth of the time of a saturated SOS step went into writing the step's
    keyboard out. Anything else (a reply keyboard, a button of another kind) is left to it.
    """
    if type(markup) is not InlineKeyboardMarkup or markup.api_kwargs:
        return markup
    rows: list[list[dict[str, str]]] = []
    for row in markup.inline_keyboard:
        wire_row = []
        for button in row:
            wire = _plain_button(button)
            if wire is None:
                return markup
            wire_row.append(wire)
        rows.append(wire_row)
    return {"inline_keyboard": rows}


def _plain_button(button: InlineKeyboardButton) -> dict[str, str] | None:
    if type(button) is not InlineKeyboardButton or button.api_kwargs:
        return None
    if any(getattr(button, field) is not None for field in _OTHER_FIELDS):
        return None
    data, url = button.callback_data, button.url
    if isinstance(data, str) and url is None:
        return {"text": button.text, "callback_data": data}
    if isinstance(url, str) and data is None:
        return {"text": button.text, "url": url}
    return None


def probably_delivered(exc: TimedOut) -> bool:
    """A timeout while reading Telegram's answer: the request itself had reached Telegram.

    A connect, pool or write timeout means it did not (or not whole): sending again is safe.
    """
    return isinstance(exc.__cause__, httpx.ReadTimeout)
