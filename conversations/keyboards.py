"""Reply keyboards and link buttons (inline buttons of a step are in ``conversations.buttons``)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from conversations.i18n.current import language
from conversations.texts import common

# Built once per language: every flow's last message brings this keyboard back.
_SOS_KEYBOARDS: dict[str, ReplyKeyboardMarkup] = {}


def sos_reply_keyboard() -> ReplyKeyboardMarkup:
    """The persistent "🆘 Cramp" button under the text field, in the current language."""
    spoken = language()
    if spoken not in _SOS_KEYBOARDS:
        _SOS_KEYBOARDS[spoken] = ReplyKeyboardMarkup(
            [[common.SOS_BUTTON]],
            resize_keyboard=True,
            is_persistent=True,
            input_field_placeholder=common.SOS_PLACEHOLDER,
        )
    return _SOS_KEYBOARDS[spoken]


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
