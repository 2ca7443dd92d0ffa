"""Telegram and the network misbehaving, through the whole bot: what the athlete still gets.

Each test drives the real Application through the local Bot API with a fault injected: a 429
in one chat, a group storm, a 5xx, a refused connection, a reply lost to a read timeout.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.devtools.local_api import Fault
from tests.conftest import Bot, FakeClock
from tests.helpers import bot_texts, wait_for
from tests.plan_helpers import ASK_PAIN, BERLIN, checkin_prompts, local, start_plan, tick_at

# RetryAfter.retry_after as an int is deprecated in python-telegram-bot 22.2+.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

FIRST_AID = "Stop, but stay on your feet"
GROUP = -100_777


def first_aid_ids(bot: Bot, chat_id: int) -> list[int]:
    return [m.message_id for m in bot.api.bot_messages(chat_id) if FIRST_AID in m.text]


def something_went_wrong(bot: Bot, chat_id: int) -> bool:
    return any("something went wrong" in text for text in bot_texts(bot.api, chat_id))


# --- 429 in one chat -------------------------------------------------------------------------


async def test_one_chats_429_does_not_hold_up_another_athletes_sos_reply(bot: Bot) -> None:
    flooded, other = bot.user(1001), bot.user(1002)
    bot.api.fail(
        Fault("sendMessage", 429, "Too Many Requests: retry after 1", chat_id=1001, retry_after=1)
    )

    first = asyncio.create_task(flooded.send("/cramp"))
    await wait_for(lambda: bool(bot.api.calls_of("sendMessage")))  # chat 1001 got its 429
    await other.send("/cramp")
    await first

    # The other athlete's reply went out while chat 1001 waited out its retry_after.
    assert first_aid_ids(bot, 1002) < first_aid_ids(bot, 1001)
    assert len(first_aid_ids(bot, 1001)) == 1  # and the flooded chat still got its reply


async def test_a_group_cramp_storm_costs_private_chats_nothing(bot: Bot) -> None:
    storm = [
        asyncio.create_task(bot.user(3000 + n, chat_id=GROUP).send("/cramp")) for n in range(25)
    ]
    await asyncio.gather(*storm)

    athlete = bot.user(1001)
    await athlete.send("/cramp")

    assert first_aid_ids(bot, athlete.chat_id)
    # One pointer to the private chat for the whole storm (it stays there with its button).
    assert len(bot.api.bot_messages(GROUP)) == 1


# --- Transient failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("sendMessage", 500, "Internal Server Error", times=2),
        Fault("sendMessage", 502, "Bad Gateway"),
        Fault("sendMessage", kind="connect", times=2),
    ],
    ids=["500-twice", "502", "connection-refused"],
)
async def test_a_transient_failure_of_an_sos_reply_is_retried(bot: Bot, fault: Fault) -> None:
    athlete = bot.user()
    bot.api.fail(fault)

    await athlete.send("/cramp")

    assert len(first_aid_ids(bot, athlete.chat_id)) == 1
    assert not something_went_wrong(bot, athlete.chat_id)


async def test_a_5xx_on_a_check_in_is_retried_in_the_same_tick(bot: Bot, clock: FakeClock) -> None:
    athlete = bot.user()
    await start_plan(athlete)
    bot.api.fail(Fault("sendMessage", 503, "Service Unavailable", chat_id=athlete.chat_id, times=2))

    report = await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))

    assert report.checkins_sent == 1
    [prompt] = checkin_prompts(bot.api, athlete.chat_id)
    assert ASK_PAIN in prompt.text


async def test_a_reply_lost_to_a_read_timeout_is_not_sent_again(bot: Bot) -> None:
    # The message reached the chat; only the answer was lost. Sending it again would show the
    # athlete the same step twice, so the limiter leaves the decision to the flow.
    athlete = bot.user()
    bot.api.fail(Fault("sendMessage", kind="read_timeout"))

    await athlete.send("/cramp")

    assert len(first_aid_ids(bot, athlete.chat_id)) == 1
    assert len(bot.api.calls_of("sendMessage")) <= 2  # the reply once (and any error notice)
