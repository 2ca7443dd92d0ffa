"""The update inbox: kept before confirmed, handled once, replayed after a crash, in order.

The real Application and the in-memory Bot API; updates go through ``getUpdates`` (the
athletes here are ``via_get_updates``) or straight into the inbox as a webhook would put them.
The real-process ``kill -9`` test is in ``test_kill_in_flight.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bot.delivery.reply_log import ReplyLog, path_beside

from bot.application import CrampCoachApplication, accepted_updates, open_reply_log
from bot.delivery.inbox import Inbox, poll
from bot.devtools.local_api import Fault, LocalUser
from bot.settings import Settings
from conversations.replies import sos_text
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import sos as texts
from storage import inbox
from tests.conftest import Bot
from tests.helpers import SEND_ATTEMPTS, db_of, wait_for, walk_to

SCREEN = "Quick check"
StartBot = Callable[..., Any]


def inbox_of(bot: Bot) -> Inbox:
    application = bot.application
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    return application.inbox


def screens_sent(bot: Bot, chat_id: int) -> int:
    return sum(SCREEN in message.text for message in bot.api.bot_messages(chat_id))


async def unfinished(bot: Bot) -> list[int]:
    return [stored.update_id for stored in await inbox.pending(db_of(bot))]


async def queued(user: LocalUser, text: str) -> dict[str, Any]:
    """What Telegram would deliver when ``user`` sends ``text``, taken off the queue."""
    user.via_get_updates = True
    await user.send(text)
    return user.api.incoming_updates.pop()


async def test_an_update_delivered_twice_is_handled_once(bot: Bot) -> None:
    athlete = bot.user(2001)
    payload = await queued(athlete, "/cramp")
    keeper = inbox_of(bot)

    assert await keeper.keep_json([payload]) == [payload["update_id"]]
    assert await keeper.keep_json([payload]) == []  # Telegram sent it again: already kept
    assert await keeper.dispatch_pending(bot.application) == 1
    await wait_for(lambda: screens_sent(bot, athlete.chat_id) == 1)
    await wait_for_done(bot)
    assert await keeper.keep_json([payload]) == []  # and again, after it was handled
    assert await keeper.dispatch_pending(bot.application) == 0

    assert screens_sent(bot, athlete.chat_id) == 1


async def wait_for_done(bot: Bot) -> None:
    deadline = asyncio.get_running_loop().time() + 3
    while await unfinished(bot) or inbox_of(bot).in_hand:
        assert asyncio.get_running_loop().time() < deadline, "updates never finished"
        await asyncio.sleep(0.01)


async def test_updates_kept_but_not_handled_are_replayed_at_start_up_in_order(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athletes = [a.user(2101), a.user(2102), a.user(2103)]
    payloads = [await queued(athlete, "/cramp") for athlete in athletes]
    # Bot A kept the batch (so it was confirmed to Telegram) and died before handling it.
    await inbox_of(a).keep_json(payloads)

    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 3
    await wait_for_done(b)

    for athlete in athletes:
        assert screens_sent(b, athlete.chat_id) == 1
    replies = [int(call.params["chat_id"]) for call in b.api.calls_of("sendMessage")]
    assert replies == [2101, 2102, 2103]  # in update_id order
    assert await unfinished(b) == []


async def test_an_update_whose_handler_failed_is_not_replayed_forever(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athlete = a.user(2201)
    payload = await queued(athlete, "/cramp")
    a.api.fail(Fault("sendMessage", 400, "Bad Request: something odd", chat_id=2201))
    await inbox_of(a).keep_json([payload])
    await inbox_of(a).dispatch_pending(a.application)
    await wait_for_done(a)  # handled: the error handler told the athlete

    assert a.api.last_bot_message(2201).text == sos_text(common.ERROR_REPLY)
    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 0


async def test_polling_confirms_only_what_was_kept(bot: Bot) -> None:
    """While the inbox cannot be written, nothing is confirmed and nothing is handled."""
    athlete = bot.user(2301, via_get_updates=True)
    async with db_of(bot).write() as conn:
        await conn.execute(
            "CREATE TRIGGER inbox_full BEFORE INSERT ON inbox "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    stop = asyncio.Event()
    polling = asyncio.create_task(
        poll(bot.application, inbox_of(bot), stop, allowed_updates=accepted_updates())
    )
    try:
        await athlete.send("/cramp")
        await wait_for(lambda: len(bot.api.calls_of("getUpdates")) >= 2, within=3)
        assert len(bot.api.incoming_updates) == 1  # still waiting at "Telegram"
        assert screens_sent(bot, 2301) == 0

        async with db_of(bot).write() as conn:
            await conn.execute("DROP TRIGGER inbox_full")
        await wait_for(lambda: screens_sent(bot, 2301) == 1, within=3)
        await wait_for(lambda: not bot.api.incoming_updates)  # confirmed once kept
        await wait_for_done(bot)
    finally:
        stop.set()
        await polling
    assert screens_sent(bot, 2301) == 1


async def test_polling_hands_on_each_batch_once_across_fetches(bot: Bot) -> None:
    athletes = [bot.user(2400 + n, via_get_updates=True) for n in range(20)]
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(bot.application, inbox_of(bot), stop))
    try:
        for athlete in athletes:
            await athlete.send("/cramp")
            await asyncio.sleep(0)
        await wait_for(lambda: all(screens_sent(bot, a.chat_id) for a in athletes), within=5)
        await wait_for_done(bot)
    finally:
        stop.set()
        await polling
    assert [screens_sent(bot, a.chat_id) for a in athletes] == [1] * 20
    rows = await db_of(bot).fetch_all("SELECT COUNT(*) AS n FROM inbox WHERE done_at IS NULL")
    assert rows[0]["n"] == 0


async def test_done_updates_are_pruned_after_a_day_but_the_newest_is_kept(bot: Bot) -> None:
    keeper = inbox_of(bot)
    payloads = [await queued(bot.user(2500 + n), "/help") for n in range(3)]
    await keeper.keep_json(payloads)
    await keeper.dispatch_pending(bot.application)
    await wait_for_done(bot)
    now = keeper.clock()

    assert await inbox.prune(db_of(bot), now) == 0
    assert await inbox.prune(db_of(bot), now + timedelta(days=1, minutes=1)) == 2
    rows = await db_of(bot).fetch_all("SELECT update_id FROM inbox")
    assert [row["update_id"] for row in rows] == [payloads[-1]["update_id"]]


async def test_an_update_that_cannot_be_read_is_set_aside_and_the_rest_go_on(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A poll from a newer Bot API (fields python-telegram-bot requires are missing): kept,
    logged by id only, marked done; the /cramp behind it in the same batch is answered."""
    athlete = bot.user(2601, via_get_updates=True)
    unreadable = {"update_id": 990_001, "poll": {"id": "1", "question": "q"}}
    bot.api.incoming_updates.append(unreadable)
    await athlete.send("/cramp")
    bot.api.incoming_updates.sort(key=lambda u: int(u["update_id"]))
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(bot.application, inbox_of(bot), stop))
    try:
        await wait_for(lambda: screens_sent(bot, 2601) == 1)
        await wait_for_done(bot)
    finally:
        stop.set()
        await polling
    assert await inbox.is_done(db_of(bot), 990_001)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "Inbox update 990001 cannot be read, skipped: TypeError"
    ]


async def test_a_step_and_its_inbox_row_are_written_together_or_not_at_all(
    start_bot: StartBot,
) -> None:
    """The conversation state and the row's done mark share one transaction: when it fails,
    neither is written, and the next start handles the press again from the old step."""
    a = await start_bot()
    athlete = a.user(2701)
    await inbox_of(a).keep_json([await queued(athlete, "/cramp")])
    await inbox_of(a).dispatch_pending(a.application)
    await a.application.update_queue.join()
    press = await queued_press(athlete, "✅ None: something else")
    await crash_after_the_replies(a, press)  # asserts the row is left unfinished

    state = await db_of(a).fetch_one("SELECT state FROM ptb_conversations")
    assert state is not None and state["state"] == '"sos.triage"'  # not written either
    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 1
    await wait_for_done(b)
    state = await db_of(b).fetch_one("SELECT state FROM ptb_conversations")
    assert state is not None and state["state"] == '"sos.muscle"'


async def queued_press(user: LocalUser, label: str) -> dict[str, Any]:
    user.via_get_updates = True
    await user.press(label)
    return user.api.incoming_updates.pop()


async def test_what_people_wrote_leaves_the_inbox_once_handled(bot: Bot) -> None:
    keeper = inbox_of(bot)
    payload = await queued(bot.user(2801), "my calf is cramping after the 10k")
    await keeper.keep_json([payload])
    stored = await db_of(bot).fetch_one("SELECT payload FROM inbox")
    assert stored is not None and "10k" in stored["payload"]  # kept until handled

    await keeper.dispatch_pending(bot.application)
    await wait_for_done(bot)

    row = await db_of(bot).fetch_one("SELECT payload, done_at FROM inbox")
    assert row is not None and row["done_at"] is not None and row["payload"] == ""
    assert await keeper.keep_json([payload]) == []  # the id still tells a redelivery


# --- Replies sent once across a crash (bot.reply_log) ----------------------------------------


def reply_log_of(bot: Bot) -> ReplyLog:
    application = bot.application
    assert isinstance(application, CrampCoachApplication) and application.reply_log is not None
    return application.reply_log


async def crash_after_the_replies(bot: Bot, press: dict[str, Any]) -> None:
    """Handle ``press`` from the inbox, its replies accepted by Telegram, but let the commit of
    its state and done mark fail, as a ``kill -9`` right after the replies would."""
    async with db_of(bot).write() as conn:
        await conn.execute(
            "CREATE TRIGGER inbox_stuck BEFORE UPDATE ON inbox "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    await inbox_of(bot).keep_json([press])
    await inbox_of(bot).dispatch_pending(bot.application)
    await bot.application.update_queue.join()
    assert await unfinished(bot) == [press["update_id"]]
    async with db_of(bot).write() as conn:
        await conn.execute("DROP TRIGGER inbox_stuck")


def texts_with(bot: Bot, chat_id: int, fragment: str) -> int:
    return sum(fragment in message.text for message in bot.api.bot_messages(chat_id))


async def test_a_reply_telegram_accepted_is_not_sent_again_when_its_update_is_replayed(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athlete = a.user(2901)
    await walk_to(athlete, sos.TRIAGE)
    press = await queued_press(athlete, texts.NO_FLAG_OTHER)
    await crash_after_the_replies(a, press)
    assert texts_with(a, athlete.chat_id, texts.ASK_MUSCLE) == 1  # the reply is out

    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 1
    await wait_for_done(b)

    # Handled again from the old step: the state moved on, the reply did not go out twice.
    assert texts_with(b, athlete.chat_id, texts.ASK_MUSCLE) == 1
    state = await db_of(b).fetch_one("SELECT state FROM ptb_conversations")
    assert state is not None and state["state"] == json.dumps(sos.MUSCLE)
    assert reply_log_of(b).held_back == 1
    await b.user(2901).press(texts.MUSCLE_LABELS["calf"])  # the buttons on screen work
    assert "Stretch gently" in b.api.last_bot_message(athlete.chat_id).text


async def test_eased_handled_again_after_the_episode_ended_goes_on_to_the_late_signs(
    start_bot: StartBot,
) -> None:
    """ "Eased" ends the episode before its step commits: a replay finds it ended, and still
    takes the step, without sending the aftercare twice."""
    a = await start_bot()
    athlete = a.user(2903)
    await walk_to(athlete, sos.SALT)
    press = await queued_press(athlete, texts.EASED)
    await crash_after_the_replies(a, press)
    sent_by_a = len(a.api.bot_messages(athlete.chat_id))

    b = await start_bot(api=a.api)
    await inbox_of(b).dispatch_pending(b.application)
    await wait_for_done(b)

    assert len(b.api.bot_messages(athlete.chat_id)) == sent_by_a  # nothing sent again
    state = await db_of(b).fetch_one("SELECT state FROM ptb_conversations")
    assert state is not None and state["state"] == json.dumps(sos.LATE_SIGNS)
    await b.user(2903).press(texts.NONE_OF_THESE)
    assert texts.ASK_ACTIVITY in b.api.last_bot_message(athlete.chat_id).text


async def test_a_reply_that_never_reached_telegram_is_sent_by_the_replay(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athlete = a.user(2902)
    await walk_to(athlete, sos.TRIAGE)
    press = await queued_press(athlete, texts.NO_FLAG_OTHER)
    # The reply never arrives (the connection refused, every retry too), then the bot dies.
    a.api.fail(Fault("sendMessage", kind="connect", times=SEND_ATTEMPTS, chat_id=2902))
    await crash_after_the_replies(a, press)
    assert texts_with(a, athlete.chat_id, texts.ASK_MUSCLE) == 0
    assert a.api.last_bot_message(athlete.chat_id).text == sos_text(common.ERROR_REPLY)

    b = await start_bot(api=a.api)
    await inbox_of(b).dispatch_pending(b.application)
    await wait_for_done(b)

    assert texts_with(b, athlete.chat_id, texts.ASK_MUSCLE) == 1
    assert reply_log_of(b).held_back == 0  # the error reply was not the step's reply


async def test_the_reply_log_keeps_only_updates_in_hand(
    start_bot: StartBot, settings: Settings
) -> None:
    bot = await start_bot()
    for athlete_id in range(2910, 2915):
        athlete = bot.user(athlete_id)
        await inbox_of(bot).keep_json([await queued(athlete, "/cramp")])
    await inbox_of(bot).dispatch_pending(bot.application)
    await wait_for_done(bot)

    log = path_beside(settings.db_path)
    assert len(log.read_text().splitlines()) == 5  # one line per accepted reply
    assert oct(log.stat().st_mode & 0o777) == oct(0o600)
    await open_reply_log(bot.application)  # as at the next start: only unfinished updates
    assert log.read_text() == ""


def test_a_line_cut_by_a_crash_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3-replies"
    path.write_text("12 1\nnot a line\n12 2\n13")
    assert ReplyLog(path).read() == {12: 2}
