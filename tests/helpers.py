"""Shared helpers for the SOS flow tests: walking the flow, reading the chat and the database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from bot.delivery.rate_limiter import PriorityRateLimiter
from bot.devtools.local_api import ChatMessage, LocalBotAPI, LocalUser
from conversations.services import services_of
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import sos as texts
from storage import episodes
from storage.episodes import Episode
from storage.store import Store
from tests.conftest import Bot

# A 5xx is retried (bot.delivery.rate_limiter): a send fails for good only after every attempt
# failed.
SEND_ATTEMPTS = 1 + PriorityRateLimiter().max_retries

# Every step of the SOS flow, in the order an athlete meets them (the second screen of warning
# signs and the old exercise-or-rest question are off this path).
STATES = (
    sos.TRIAGE,
    sos.MUSCLE,
    sos.STRETCH,
    sos.SALT,
    sos.LATE_SIGNS,
    sos.ACTIVITY,
    sos.TIME_INTO,
    sos.HEAT,
    sos.CLOTHING,
)

# How to get from one step to the next: the button pressed at each step.
_PATH: dict[str, str] = {
    sos.TRIAGE: texts.NO_FLAG_OTHER,  # → MUSCLE (the calf button goes straight to STRETCH)
    sos.MUSCLE: texts.MUSCLE_LABELS["calf"],
    sos.STRETCH: texts.NOT_YET,  # → SALT
    sos.SALT: texts.EASED,  # → LATE_SIGNS (the signs behind "More warning signs…")
    sos.LATE_SIGNS: texts.NONE_OF_THESE,  # → the aftercare and ACTIVITY
    sos.ACTIVITY: texts.ACTIVITY_LABELS["running"],
    sos.TIME_INTO: texts.TIME_INTO_LABELS["30-60"],
    sos.HEAT: texts.YES,
    sos.CLOTHING: texts.NO,  # → the end
}

# The button that moves each step on, and the text the next step starts with.
NEXT_STEP: dict[str, tuple[str, str]] = {
    sos.TRIAGE: (texts.NO_FLAG_OTHER, texts.ASK_MUSCLE),
    sos.MUSCLE: (texts.MUSCLE_LABELS["calf"], "<b>Stretch gently"),
    sos.STRETCH: (texts.NOT_YET, "salt"),
    sos.SALT: (texts.NOT_YET, texts.REPEAT_STRETCH),
    sos.LATE_SIGNS: (texts.NONE_OF_THESE, texts.ASK_ACTIVITY),
    sos.ACTIVITY: (texts.ACTIVITY_LABELS["running"], texts.ASK_TIME_INTO),
    sos.TIME_INTO: (texts.TIME_INTO_LABELS["30-60"], texts.ASK_HEAT),
    sos.HEAT: (texts.YES, texts.ASK_CLOTHING),
    sos.CLOTHING: (texts.NO, "Thanks, noted"),
}

# A piece of text that tells each step's message apart from the others.
STEP_TEXT: dict[str, str] = {
    sos.TRIAGE: "Quick check",
    sos.MUSCLE: texts.ASK_MUSCLE,
    sos.STRETCH: "Stretch gently",
    sos.SALT: "salty",
    sos.LATE_SIGNS: "One last check",
    sos.ACTIVITY: "What were you doing?",
    sos.TIME_INTO: "How far into it",
    sos.HEAT: "Was it hot?",
    sos.CLOTHING: "Were you wearing thick or compression",
}


async def walk_to(user: LocalUser, state: str, *, start: str = "/cramp") -> None:
    """Start a flow and press through it until ``state`` is the current step."""
    await user.send(start)
    for step in STATES:
        if step == state:
            return
        await user.press(_PATH[step])
    raise ValueError(f"unknown state {state!r}")


async def walk_to_the_end(user: LocalUser) -> None:
    """A whole flow: eased after the salt (aftercare shown), every question answered."""
    await walk_to(user, sos.CLOTHING)
    await user.press(_PATH[sos.CLOTHING])


# --- The chat --------------------------------------------------------------------------------


def bot_texts(api: LocalBotAPI, chat_id: int) -> list[str]:
    return [message.text for message in api.bot_messages(chat_id)]


def last_text(api: LocalBotAPI, chat_id: int) -> str:
    return api.last_bot_message(chat_id).text


def find_button(
    api: LocalBotAPI,
    chat_id: int,
    label: str,
    *,
    in_message: str | None = None,
    episode_id: int | None = None,
) -> tuple[ChatMessage, str]:
    """The newest message with a button ``label`` (with ``in_message`` in its text, for
    episode ``episode_id``): the message and the button's callback data."""
    for message in reversed(api.bot_messages(chat_id)):
        if in_message is not None and in_message not in message.text:
            continue
        for button in message.inline_buttons:
            data = button.get("callback_data")
            if button["text"] != label or data is None:
                continue
            if episode_id is None or data.startswith(f"sos:{episode_id}:"):
                return message, str(data)
    raise LookupError(f"no button {label!r} in chat {chat_id}")


def calls_except_answers(api: LocalBotAPI) -> list[tuple[str, str]]:
    """Every Bot API call but answerCallbackQuery, comparable before and after a press."""
    return [
        (call.method, json.dumps(call.params, sort_keys=True, default=str))
        for call in api.calls
        if call.method != "answerCallbackQuery"
    ]


def chat_snapshot(api: LocalBotAPI, chat_id: int) -> list[tuple[int, str, str, int]]:
    return [
        (m.message_id, m.text, json.dumps(m.reply_markup, sort_keys=True), len(m.edits))
        for m in api.chat(chat_id)
        if m.from_bot
    ]


def edits_of(api: LocalBotAPI, message: ChatMessage) -> list[dict[str, Any]]:
    """The editMessageText calls made for one message."""
    return [
        call.params
        for call in api.calls_of("editMessageText")
        if int(call.params["chat_id"]) == message.chat_id
        and int(call.params["message_id"]) == message.message_id
    ]


# --- The database ----------------------------------------------------------------------------


def db_of(bot: Bot) -> Store:
    return services_of(bot.application.bot_data).db


async def episodes_of(bot: Bot, user: LocalUser) -> list[Episode]:
    return await episodes.episodes_of(db_of(bot), user.user_id)


async def latest_episode(bot: Bot, user: LocalUser) -> Episode:
    history = await episodes_of(bot, user)
    assert history, f"no episode for user {user.user_id}"
    return history[-1]


async def conversation_state(bot: Bot, user: LocalUser) -> str | None:
    """The SOS conversation's step stored for this user's chat (None: no flow)."""
    row = await db_of(bot).fetch_one(
        "SELECT step FROM conversation_steps WHERE chat_id = ? AND user_id = ? AND flow = ?",
        (user.chat_id, user.user_id, sos.FLOW),
    )
    return None if row is None else str(row["step"])


async def wait_for(condition: Callable[[], bool], *, within: float = 2.0) -> None:
    """Wait (for job-queue work) until ``condition`` holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.01)


async def assert_press_changes_nothing(
    bot: Bot, user: LocalUser, data: str, message: ChatMessage | None = None
) -> None:
    """Press ``data``: the press is answered as from an earlier step and nothing else happens
    (no message sent or edited, episode rows and conversation state as they were)."""
    calls = calls_except_answers(bot.api)
    chat = chat_snapshot(bot.api, user.chat_id)
    rows = await episodes_of(bot, user)
    state = await conversation_state(bot, user)

    query_id = await user.press_data(data, message)

    assert bot.api.answered_queries.get(query_id) == common.BUTTON_EXPIRED
    assert calls_except_answers(bot.api) == calls
    assert chat_snapshot(bot.api, user.chat_id) == chat
    assert await episodes_of(bot, user) == rows
    assert await conversation_state(bot, user) == state


def newest_containing(api: LocalBotAPI, chat_id: int, text: str) -> ChatMessage:
    """The newest bot message containing ``text`` (a flow's ending may be followed by more)."""
    for message in reversed(api.bot_messages(chat_id)):
        if text in message.text:
            return message
    raise LookupError(f"no bot message containing {text!r} in chat {chat_id}")


# --- Issue 6: the two screens of warning signs, "Why?" answers, plain text -------------------


async def press_flag(user: LocalUser, flag: str) -> None:
    """Press a warning sign's button (a ``RedFlag``), opening the second screen first if it is
    there."""
    from conversations.texts import red_flags as flag_texts
    from rules.red_flags import MORE_SIGNS_ORDER, RedFlag

    sign = RedFlag(flag)
    if sign in MORE_SIGNS_ORDER:
        await user.press(texts.MORE_SIGNS)
    await user.press(flag_texts.BUTTON_LABELS[sign])


def answer_of(api: LocalBotAPI, query_id: str) -> dict[str, Any]:
    """The parameters of the answerCallbackQuery call for ``query_id`` (text, show_alert)."""
    [call] = [
        call
        for call in api.calls_of("answerCallbackQuery")
        if str(call.params["callback_query_id"]) == query_id
    ]
    return call.params


def plain(text: str) -> str:
    """A message's text with its HTML tags stripped."""
    import re

    return re.sub(r"<[^>]+>", "", text)
