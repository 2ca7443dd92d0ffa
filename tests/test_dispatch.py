"""The Application's own dispatch: python-telegram-bot's rules, every callback inside the unit.

``CrampCoachApplication.dispatch`` replaces the framework's loop (which marks every chat and
user for a persistence this bot does not keep). These tests hold it to the framework's rules:
groups in order, the first matching handler of each group, ``ApplicationHandlerStop`` ends the
update, and a ``block=False`` handler (it would run outside the unit) is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from conversations.texts import sos as texts
from tests.conftest import Bot
from tests.helpers import bot_texts


def recorder(seen: list[str], label: str, *, stop_on: str | None = None) -> Any:
    async def callback(update: Update, context: Any) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        seen.append(f"{label}:{text}")
        if stop_on is not None and text == stop_on:
            raise ApplicationHandlerStop

    return callback


async def test_groups_run_in_order_and_a_stop_ends_the_update(bot: Bot) -> None:
    seen: list[str] = []
    app = bot.application
    app.add_handler(MessageHandler(filters.TEXT, recorder(seen, "before", stop_on="quiet")), -1)
    app.add_handler(MessageHandler(filters.TEXT, recorder(seen, "after")), 1)
    app.add_handler(MessageHandler(filters.TEXT, recorder(seen, "second in group 1")), 1)
    athlete = bot.user()

    await athlete.send("/cramp")
    assert seen == ["before:/cramp", "after:/cramp"]  # one handler per group, groups in order
    assert any(texts.STOP_INSTRUCTION in t for t in bot_texts(bot.api, athlete.chat_id))

    sent_before = len(bot_texts(bot.api, athlete.chat_id))
    await athlete.send("quiet")
    assert seen[-1] == "before:quiet"  # the stop: no later group saw it
    assert len(bot_texts(bot.api, athlete.chat_id)) == sent_before


async def test_a_non_blocking_handler_is_refused(bot: Bot) -> None:
    handler = MessageHandler(filters.TEXT, recorder([], "loose"), block=False)
    with pytest.raises(ValueError, match="unit of work"):
        bot.application.add_handler(handler)
