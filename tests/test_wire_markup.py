"""Steps' keyboards are built straight into the Bot API's JSON (conversations.replies.
InlineKeyboard), and other keyboards written out by conversations.replies.wire_markup, not by
python-telegram-bot's generic to_dict: the same JSON python-telegram-bot would send, and
anything wire_markup does not know left to python-telegram-bot."""

from __future__ import annotations

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LoginUrl,
    ReplyKeyboardMarkup,
)

from conversations import keyboards
from conversations.plan.views import carry_on_buttons, offer_button, stop_view, time_view
from conversations.replies import InlineKeyboard, wire_markup
from conversations.sos import states, views

STEP_KEYBOARDS = [
    views.triage_view(41)[1],
    views.more_flags_view(41)[1],
    views.context_view(41)[1],
    views.muscle_view(41)[1],
    *(views.about_view(state, 41)[1] for state in states.ABOUT_COLUMNS),
    views.with_new_cramp_button(views.muscle_view(41)[1], 41),
    offer_button(41),
    time_view(7)[1],
    stop_view(7)[1],
    carry_on_buttons(7),
]


@pytest.mark.parametrize("markup", STEP_KEYBOARDS)
def test_a_step_keyboard_is_the_json_python_telegram_bot_would_send(
    markup: InlineKeyboard,
) -> None:
    wire = wire_markup(markup)
    # The same buttons made as python-telegram-bot objects give the same JSON ...
    objects = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in markup.inline_keyboard
        ]
    )
    assert wire == objects.to_dict()
    # ... and python-telegram-bot reads it back as plain callback buttons, nothing left over.
    read = InlineKeyboardMarkup.de_json(wire, None)
    assert read is not None and read.to_dict() == wire and not read.api_kwargs
    assert all(b.callback_data and not b.api_kwargs for row in read.inline_keyboard for b in row)


@pytest.mark.parametrize(
    "markup",
    [
        keyboards.link("Open", "https://t.me/example"),
        InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="sos:1:flag:a")], []]),
    ],
)
def test_a_keyboard_of_plain_buttons_is_the_json_python_telegram_bot_would_send(
    markup: InlineKeyboardMarkup,
) -> None:
    assert wire_markup(markup) == markup.to_dict()


@pytest.mark.parametrize(
    "markup",
    [
        keyboards.sos_reply_keyboard(),
        ReplyKeyboardMarkup([["a"]]),
        InlineKeyboardMarkup([[InlineKeyboardButton("Pay", pay=True)]]),
        InlineKeyboardMarkup([[InlineKeyboardButton("Go", switch_inline_query="x")]]),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton("Log in", login_url=LoginUrl("https://example.org"))]]
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton("Both", url="https://e.org", pay=True)]]),
    ],
)
def test_anything_else_is_left_to_python_telegram_bot(
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup,
) -> None:
    assert wire_markup(markup) == markup.to_dict()
