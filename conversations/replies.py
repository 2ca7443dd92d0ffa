"""The one way handlers send: every message goes into the unit of work's outbox.

Nothing here talks to Telegram. Each call queues a Bot API request in the current unit of work
(``storage.unit_of_work``); it is committed with the update's other writes and sent afterwards
by the outbox sender (``bot.delivery.outbox``), through the rate limiter. So a step's replies
are never sent for a step that was not recorded, and never sent twice for one that was.

Each call returns the message's outbox key ("origin#position"): an edit made later (a
countdown) names the message by it, before Telegram has given it an id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, ParseMode

from conversations.services import Services
from conversations.texts import common
from storage import unit_of_work, users
from storage.outbox import Kind, Message

HTML = ParseMode.HTML.value

# One inline button as the Bot API reads it: {"text": ..., "callback_data": ...} (or "url").
WireButton = dict[str, str]


class InlineKeyboard:
    """An inline keyboard of plain buttons, held as the JSON the Bot API reads.

    Every step's buttons are one (``conversations.buttons.ButtonFamily`` builds them): no
    python-telegram-bot button objects are made for them, nor turned into JSON again for each
    message, on the path a step takes. ``inline_keyboard`` is its rows of buttons, each the
    dict sent as is.
    """

    __slots__ = ("inline_keyboard",)

    def __init__(self, rows: Sequence[Sequence[WireButton]]) -> None:
        self.inline_keyboard = rows

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InlineKeyboard) and self.inline_keyboard == other.inline_keyboard

    __hash__ = None  # type: ignore[assignment]  # mutable rows

    def __repr__(self) -> str:
        return f"InlineKeyboard({self.inline_keyboard!r})"


InlineMarkup = InlineKeyboard | InlineKeyboardMarkup
ReplyMarkup = InlineKeyboard | InlineKeyboardMarkup | ReplyKeyboardMarkup


async def with_disclaimer_once(svc: Services, user_id: int, text: str) -> str:
    """Append the not-a-doctor line the first time a user reaches the end of a flow."""
    user = await users.ensure_user(svc.db, user_id, svc.now())
    if user.disclaimer_seen_at is not None:
        return text
    await users.mark_disclaimer_seen(svc.db, user_id, svc.now())
    return f"{text}\n\n{common.DISCLAIMER}"


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


# --- Sending ---------------------------------------------------------------------------------


async def send(update: Update, text: str, markup: ReplyMarkup | None = None) -> str:
    """A new message to the chat the update came from (in its topic, in a forum group)."""
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    return await send_to(chat_id_of(update), text, markup, thread_id=thread)


async def send_to(
    chat_id: int,
    text: str,
    markup: ReplyMarkup | None = None,
    *,
    kind: Kind = Kind.REPLY,
    background: bool = False,
    guard: str | None = None,
    thread_id: int | None = None,
) -> str:
    """A new message to ``chat_id``. ``kind`` decides what a crash mid-send does (see
    ``storage.outbox``); ``background`` lets people's replies go first; ``guard`` names a check
    made just before sending (``bot.delivery.guards``)."""
    params: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": HTML}
    if markup is not None:
        params["reply_markup"] = wire_markup(markup)
    if thread_id is not None:
        params["message_thread_id"] = thread_id
    return _queue(
        chat_id,
        "sendMessage",
        params,
        kind=kind,
        background=background,
        guard=guard,
    )


async def edit_text(
    chat_id: int,
    message: int | str,
    text: str,
    markup: InlineMarkup | None = None,
    *,
    kind: Kind = Kind.REPLY,
) -> str:
    """Change a message's text (and buttons: None takes them off). ``message`` is Telegram's
    message id, or the outbox key of a message sent from a unit of work."""
    params: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": HTML}
    if markup is not None:
        params["reply_markup"] = wire_markup(markup)
    edit_of = None
    if isinstance(message, str):
        edit_of = message
    else:
        params["message_id"] = message
    return _queue(chat_id, "editMessageText", params, kind=kind, edit_of=edit_of)


async def remove_buttons(chat_id: int, message_id: int) -> str:
    """Take the buttons off a message (its text stays)."""
    # No parse_mode: editMessageReplyMarkup has none.
    params: dict[str, object] = {"chat_id": chat_id, "message_id": message_id}
    return _queue(chat_id, "editMessageReplyMarkup", params)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press, so the client stops spinning (with a short note, or an alert)."""
    params: dict[str, object] = {"callback_query_id": query.id}
    if text is not None:
        params["text"] = text
    if alert:
        params["show_alert"] = True
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    _queue(chat_id, "answerCallbackQuery", params, kind=Kind.ANSWER)


async def send_photo(
    chat_id: int,
    png: bytes,
    caption: str | None = None,
    markup: ReplyMarkup | None = None,
    *,
    filename: str = "chart.png",
    kind: Kind = Kind.REPLY,
) -> str:
    params: dict[str, object] = {"chat_id": chat_id, "filename": filename}
    if caption is not None:
        params.update(caption=caption, parse_mode=HTML)
    if markup is not None:
        params["reply_markup"] = wire_markup(markup)
    return _queue(chat_id, "sendPhoto", params, kind=kind, attachment=png)


async def send_document(
    chat_id: int, data: bytes, filename: str, caption: str | None = None
) -> str:
    params: dict[str, object] = {"chat_id": chat_id, "filename": filename}
    if caption is not None:
        params.update(caption=caption, parse_mode=HTML)
    return _queue(chat_id, "sendDocument", params, attachment=data)


async def set_commands(
    chat_id: int, commands: list[BotCommand] | None, scope: BotCommandScope
) -> None:
    """Set (None: delete) the command menu of ``scope``, after the unit of work commits."""
    params: dict[str, object] = {"scope": scope.to_dict()}
    if commands is None:
        _queue(chat_id, "deleteMyCommands", params, background=True)
        return
    params["commands"] = [command.to_dict() for command in commands]
    _queue(chat_id, "setMyCommands", params, background=True)


async def set_menu_button(chat_id: int, button: MenuButton | None) -> None:
    """Set (None: back to Telegram's default) the menu button of a private chat, after the unit
    of work commits."""
    params: dict[str, object] = {"chat_id": chat_id}
    if button is not None:
        params["menu_button"] = button.to_dict()
    _queue(chat_id, "setChatMenuButton", params, background=True)


def _queue(
    chat_id: int,
    method: str,
    params: dict[str, object],
    *,
    kind: Kind = Kind.REPLY,
    background: bool = False,
    guard: str | None = None,
    edit_of: str | None = None,
    attachment: bytes | None = None,
) -> str:
    return unit_of_work.current().send(
        Message(
            chat_id=chat_id,
            method=method,
            params=params,
            kind=kind,
            background=background,
            guard=guard,
            edit_of=edit_of,
            attachment=attachment,
        )
    )


# A button with a text and only one of these goes out as written here (see wire_markup).
_PLAIN = ("callback_data", "url")
_OTHER_FIELDS = tuple(
    field for field in InlineKeyboardButton.__slots__ if field not in ("text", *_PLAIN)
)


def wire_markup(markup: ReplyMarkup) -> dict[str, Any]:
    """The keyboard as Telegram reads it (its JSON object).

    An :class:`InlineKeyboard` (every step's keyboard) is that already. Other inline keyboards
    of plain buttons (a text with callback data, or with a link) are written out directly:
    python-telegram-bot's generic ``to_dict`` looks at every field of every button, nested.
    """
    if isinstance(markup, InlineKeyboard):
        return {"inline_keyboard": markup.inline_keyboard}
    if type(markup) is InlineKeyboardMarkup and not markup.api_kwargs:
        rows: list[list[dict[str, str]]] = []
        for row in markup.inline_keyboard:
            wire_row = []
            for button in row:
                wire = _plain_button(button)
                if wire is None:
                    return markup.to_dict()
                wire_row.append(wire)
            rows.append(wire_row)
        return {"inline_keyboard": rows}
    return markup.to_dict()


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
