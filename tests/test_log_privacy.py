"""What the logs never hold at INFO and above: what people typed, their health answers (pain
scores, circumstances, warning signs chosen), and the bot token (never, at any level).

The stories below go through every flow that handles health data, with faults on the way so
that warnings and errors are logged too, while every logger is captured from DEBUG up.
"""

from __future__ import annotations

import logging

import pytest

from bot.devtools.local_api import LOCAL_TOKEN, Fault
from conversations.texts import account as account_texts
from conversations.texts import sos as sos_texts
from tests.conftest import Bot, FakeClock
from tests.faults import break_writes, mend
from tests.helpers import SEND_ATTEMPTS, db_of, press_flag
from tests.plan_helpers import answer_checkin, deliver_next_checkin, set_up_offered_plan
from tests.team_helpers import COACH, join, make_team, private

ATHLETE = 1001
TYPED = "my calf is cramping, I'm at 12 Zephyr Lane"
TYPED_NUMBER = "0151 2345 6789"


def _callback_data_shown(bot: Bot, chat_id: int) -> set[str]:
    """Every button's data the athlete was shown: each encodes a choice (a pain score, a
    circumstance, a warning sign) next to the record it belongs to."""
    return {
        str(button["callback_data"])
        for message in bot.api.bot_messages(chat_id)
        for button in message.inline_buttons
        if "callback_data" in button
    }


async def test_no_typed_text_no_health_answer_and_never_the_token_in_the_logs(
    bot: Bot, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await make_team(bot, coach_name="Carla")
    athlete = private(bot, ATHLETE, "Ava")
    await join(bot, athlete, made, "details")

    # SOS, typed, with every circumstance answered; a send fails once on the way (retried).
    bot.api.fail(Fault("sendMessage", 500, "Internal Server Error", chat_id=ATHLETE))
    await athlete.send(TYPED)
    await athlete.press(sos_texts.NO_FLAG_CALF)
    await athlete.press(sos_texts.EASED)
    await athlete.press(sos_texts.NONE_OF_THESE)
    await athlete.press(sos_texts.ACTIVITY_LABELS["running"])
    await athlete.press(sos_texts.TIME_INTO_LABELS["30-60"])
    await athlete.press(sos_texts.YES)
    await athlete.press(sos_texts.NO)
    await set_up_offered_plan(athlete)
    await athlete.send("/settings")
    # A handler that fails (its table cannot be written): the error handler logs it; and a
    # reply that fails for good is put off by the outbox.
    await break_writes(db_of(bot), "broken", "episodes", "INSERT", "disk I/O error")
    await athlete.send(f"{TYPED} again")
    await mend(db_of(bot), "broken", "episodes")
    bot.api.fail(Fault("sendMessage", 500, "Internal Server Error", times=SEND_ATTEMPTS))
    await athlete.send("/help")
    # The daily check-in with a pain report and a warning sign.
    await deliver_next_checkin(bot, clock, athlete)
    await answer_checkin(athlete, 7, "uncomfortable", "clot")
    # A cramp with a warning sign, and the coach unreachable for its alert.
    bot.api.fail(Fault("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=COACH))
    await athlete.send("/cramp")
    await press_flag(athlete, "chest")
    await athlete.send(TYPED_NUMBER)  # typed where no question waits
    await athlete.send("/export")
    await athlete.send("/delete")
    choices = _callback_data_shown(bot, ATHLETE)
    await athlete.press(account_texts.DELETE_BUTTON)

    ours = [
        record
        for record in caplog.records
        if record.levelno >= logging.INFO
        and record.name.split(".")[0] in {"bot", "conversations", "storage"}
    ]
    assert {r.levelname for r in ours} >= {"INFO", "WARNING", "ERROR"}, "the story logs"
    loud = [record for record in caplog.records if record.levelno >= logging.INFO]
    for record in loud:
        line = record.getMessage()
        if record.exc_info:
            line += logging.Formatter().formatException(record.exc_info)
        assert "Zephyr" not in line and TYPED_NUMBER not in line, line
        assert not [data for data in choices if data in line], line
        for answer in ("chest", "30-60", "uncomfortable", "running"):
            assert answer not in line, (answer, line)
    assert LOCAL_TOKEN not in caplog.text
    assert LOCAL_TOKEN.split(":")[1] not in caplog.text
