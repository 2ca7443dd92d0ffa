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
from typing import Any

import pytest

from bot.application import CrampCoachApplication, accepted_updates
from bot.delivery.inbox import Inbox, poll
from bot.devtools.local_api import Fault, LocalUser
from conversations.replies import sos_text
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import sos as texts
from storage import inbox
from tests.conftest import Bot
from tests.faults import break_writes, mend
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
    await bot.application.settled()


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
    # the handler's first write fails
    await break_writes(db_of(a), "users_broken", "users", "INSERT", "something odd")
    await inbox_of(a).keep_json([payload])
    await inbox_of(a).dispatch_pending(a.application)
    await wait_for_done(a)  # handled: the error handler told the athlete

    assert a.api.last_bot_message(2201).text == sos_text(common.ERROR_REPLY)
    assert await db_of(a).fetch_all("SELECT * FROM conversation_steps") == []  # undone
    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 0


async def test_polling_confirms_only_what_was_kept(bot: Bot) -> None:
    """While the inbox cannot be written, nothing is confirmed and nothing is handled."""
    athlete = bot.user(2301, via_get_updates=True)
    await break_writes(db_of(bot), "inbox_full", "inbox", "INSERT", "database or disk is full")
    stop = asyncio.Event()
    polling = asyncio.create_task(
        poll(bot.application, inbox_of(bot), stop, allowed_updates=accepted_updates())
    )
    try:
        await athlete.send("/cramp")
        await wait_for(lambda: len(bot.api.calls_of("getUpdates")) >= 2, within=3)
        assert len(bot.api.incoming_updates) == 1  # still waiting at "Telegram"
        assert screens_sent(bot, 2301) == 0

        await mend(db_of(bot), "inbox_full", "inbox")
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
    """The conversation's step and the row's done mark share one transaction: when it fails,
    neither is written, and the next start handles the press again from the old step."""
    a = await start_bot()
    athlete = a.user(2701)
    await inbox_of(a).keep_json([await queued(athlete, "/cramp")])
    await inbox_of(a).dispatch_pending(a.application)
    await a.application.update_queue.join()
    await a.application.settled()
    press = await queued_press(athlete, "✅ None: something else")
    await crash_at_the_commit(a, press)  # asserts the row is left unfinished

    assert await step_of(a) == sos.TRIAGE  # not written either
    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 1
    await wait_for_done(b)
    assert await step_of(b) == sos.MUSCLE


async def step_of(bot: Bot) -> str | None:
    row = await db_of(bot).fetch_one("SELECT step FROM conversation_steps")
    return None if row is None else str(row["step"])


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


# --- Nothing sent before the commit; the outbox's crash policy (bot.delivery.outbox) ----------


async def crash_at_the_commit(bot: Bot, press: dict[str, Any]) -> None:
    """Handle ``press`` from the inbox but let the commit of its unit of work fail, as a
    ``kill -9`` at that instant would."""
    # The done mark fails (several workers' claims, also updates of the row, go through).
    await break_writes(
        db_of(bot),
        "inbox_stuck",
        "inbox",
        "UPDATE",
        "disk I/O error",
        when="NEW.done_at IS NOT NULL",
    )
    await inbox_of(bot).keep_json([press])
    await inbox_of(bot).dispatch_pending(bot.application)
    await bot.application.update_queue.join()
    await bot.application.settled()
    assert await unfinished(bot) == [press["update_id"]]
    await mend(db_of(bot), "inbox_stuck", "inbox")


def texts_with(bot: Bot, chat_id: int, fragment: str) -> int:
    return sum(fragment in message.text for message in bot.api.bot_messages(chat_id))


async def test_a_step_whose_commit_failed_sent_nothing_and_its_replay_sends_it_once(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athlete = a.user(2901)
    await walk_to(athlete, sos.TRIAGE)
    episode_rows = await db_of(a).fetch_all("SELECT * FROM episodes")
    press = await queued_press(athlete, texts.NO_FLAG_OTHER)
    await crash_at_the_commit(a, press)
    assert texts_with(a, athlete.chat_id, texts.ASK_MUSCLE) == 0  # nothing sent before it
    assert await db_of(a).fetch_all("SELECT * FROM episodes") == episode_rows  # nor written

    b = await start_bot(api=a.api)
    assert await inbox_of(b).dispatch_pending(b.application) == 1
    await wait_for_done(b)
    await b.application.settled()

    assert texts_with(b, athlete.chat_id, texts.ASK_MUSCLE) == 1
    assert await step_of(b) == sos.MUSCLE
    await b.user(2901).press(texts.MUSCLE_LABELS["calf"])  # the buttons on screen work
    assert "Stretch gently" in b.api.last_bot_message(athlete.chat_id).text


async def test_messages_committed_but_not_sent_at_a_crash_go_out_at_the_next_start(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    athlete = a.user(2902)
    await walk_to(athlete, sos.TRIAGE)
    # Telegram unreachable: the step commits, its reply waits in the outbox for a retry.
    a.api.fail(Fault("sendMessage", kind="connect", times=SEND_ATTEMPTS, chat_id=2902))
    await athlete.press(texts.NO_FLAG_OTHER)
    assert texts_with(a, athlete.chat_id, texts.ASK_MUSCLE) == 0
    assert await step_of(a) == sos.MUSCLE
    waiting = await db_of(a).fetch_all("SELECT method FROM outbox WHERE outcome IS NULL")
    assert [row["method"] for row in waiting] == ["sendMessage"]

    b = await start_bot(api=a.api)  # the same database: the next run sends it
    await b.application.settled()
    assert texts_with(b, athlete.chat_id, texts.ASK_MUSCLE) == 1


async def in_flight_at_a_crash(bot: Bot, kind: str, chat_id: int, text: str) -> None:
    """An outbox row whose send had begun (claimed) when the process died."""
    async with db_of(bot).write() as conn:
        await conn.execute(
            "INSERT INTO outbox (origin, position, chat_id, method, params, kind, created_at, "
            "claimed_at) VALUES (?, 0, ?, 'sendMessage', ?, ?, '2027-03-20T17:00:00.000000Z', "
            "'2027-03-20T17:00:00.000000Z')",
            (f"test:{kind}", chat_id, json.dumps({"chat_id": chat_id, "text": text}), kind),
        )


async def test_a_notice_in_flight_at_a_crash_is_counted_unknown_and_a_prompt_is_sent_again(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    await in_flight_at_a_crash(a, "notice", 2950, "Alex had a cramp")
    await in_flight_at_a_crash(a, "prompt", 2951, "How is your calf today?")

    b = await start_bot(api=a.api)
    await b.application.settled()

    assert texts_with(b, 2951, "How is your calf today?") == 1  # a missing one would do harm
    assert texts_with(b, 2950, "Alex had a cramp") == 0  # a coach told twice is noise
    rows = await db_of(b).fetch_all("SELECT kind, outcome FROM outbox ORDER BY id")
    assert [tuple(row) for row in rows][:2] == [("notice", "unknown"), ("prompt", "sent")]
    metrics = b.application.metrics
    assert metrics is not None
    assert metrics.registry.get_sample_value("crampcoach_outbox_unknown_total") == 1
