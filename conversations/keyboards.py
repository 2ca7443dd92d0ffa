"""Reply keyboards and link buttons (inline buttons of a step are in ``conversations.buttons``)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from conversations.texts import common

# Built once: every flow's last message brings this keyboard back.
_SOS_KEYBOARD = ReplyKeyboardMarkup(
    [[common.SOS_BUTTON]],
    resize_keyboard=True,
    is_persistent=True,
    input_field_placeholder=common.SOS_PLACEHOLDER,
)


def sos_reply_keyboard() -> ReplyKeyboardMarkup:
    """The persistent "🆘 Cramp" button under the text field."""
    return _SOS_KEYBOARD


def location_keyboard(share_label: str) -> ReplyKeyboardMarkup:
    """A one-time keyboard with a share-my-location button (and 🆘 Cramp, always there)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(share_label, request_location=True)], [common.SOS_BUTTON]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def link(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])


def mini_app(label: str, url: str) -> InlineKeyboardMarkup:
    """A button that opens a Mini App at ``url`` inside Telegram (private chats only)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, web_app=WebAppInfo(url))]])
