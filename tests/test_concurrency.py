"""Many athletes at once: concurrent across chats, strictly in order within one.

The real Application handles updates through
:class:`bot.delivery.update_processor.PerChatUpdateProcessor`; these tests interleave users over a
randomly slow local Bot API and check what each athlete was sent, what the database holds, and that
one athlete's slow step holds up no one else.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

from telegram import Update

from bot.delivery.update_processor import PerChatUpdateProcessor, ordering_key
from bot.devtools.local_api import ApiCall
from conversations.sos import states as sos
from conversations.texts import sos as texts
from storage.episodes import Outcome
from tests.conftest import Bot
from tests.helpers import (
    STATES,
    STEP_TEXT,
    conversation_state,
    db_of,
    latest_episode,
    wait_for,
    walk_to,
    walk_to_the_end,
)

StartBot = Callable[..., Any]
FIRST_AID = "Stop, but stay on your feet"


def randomly_slow(seed: int) -> Callable[[ApiCall], Any]:
    """A transport whose every call takes 0 to 5 ms, at random (but repeatably)."""
    rng = random.Random(seed)

    async def delay(call: ApiCall) -> None:
        await asyncio.sleep(rng.random() * 0.005)

    return delay


async def test_interleaved_athletes_each_get_their_own_whole_flow(bot: Bot) -> None:
    bot.api.delay = randomly_slow(9)
    athletes = [bot.user(2000 + n) for n in range(20)]

    await asyncio.gather(*(walk_to_the_end(athlete) for athlete in athletes))

    for athlete in athletes:
        texts_sent = [m.text for m in bot.api.bot_messages(athlete.chat_id)]
        # Each step's question once, in the flow's order, in this athlete's chat only.
        positions = [
            next(i for i, text in enumerate(texts_sent) if STEP_TEXT[state] in text)
            for state in STATES
        ]
        assert positions == sorted(positions)
        assert sum(FIRST_AID in text for text in texts_sent) == 1
        episode = await latest_episode(bot, athlete)
        assert episode.user_id == athlete.user_id
        assert episode.outcome is Outcome.EASED
        assert (episode.activity, episode.time_into, episode.hot_conditions) == (
            "running",
            "30-60",
            True,
        )
        assert await conversation_state(bot, athlete) is None


async def test_interleaved_athletes_mid_flow_carry_on_after_a_restart(
    start_bot: StartBot,
) -> None:
    old: Bot = await start_bot()
    old.api.delay = randomly_slow(10)
    rng = random.Random(10)
    targets = {2000 + n: rng.choice(STATES[:5]) for n in range(16)}

    await asyncio.gather(*(walk_to(old.user(uid), state) for uid, state in targets.items()))

    new: Bot = await start_bot(api=old.api)  # the old bot is never stopped: nothing flushed
    for uid, state in targets.items():
        assert await conversation_state(new, new.user(uid)) == state


async def test_two_quick_taps_of_one_athlete_are_handled_one_after_the_other(bot: Bot) -> None:
    athlete = bot.user()
    await athlete.send("/cramp")
    bot.api.delay = randomly_slow(11)

    # A double tap on "none: another muscle": the second press must see the first one's new step.
    await asyncio.gather(athlete.press(texts.NO_FLAG_OTHER), athlete.press(texts.NO_FLAG_OTHER))

    asked = [m for m in bot.api.bot_messages(athlete.chat_id) if texts.ASK_MUSCLE in m.text]
    assert len(asked) == 1
    assert await conversation_state(bot, athlete) == sos.MUSCLE


async def test_one_athletes_slow_reply_holds_up_no_one_else(bot: Bot) -> None:
    release = asyncio.Event()

    async def slow_for_the_first(call: ApiCall) -> None:
        if call.method == "sendMessage" and call.params.get("chat_id") == 1001:
            await release.wait()  # a round trip that does not come back until we say so

    bot.api.delay = slow_for_the_first
    slow, others = bot.user(1001), [bot.user(1002 + n) for n in range(5)]
    for athlete in (slow, *others):
        athlete.through_queue = True  # as the updater delivers them

    await slow.send("/cramp")
    await wait_for(lambda: bool(bot.api.calls_of("sendMessage")))
    for athlete in others:
        await athlete.send("/cramp")

    await wait_for(lambda: all(bot.api.bot_messages(a.chat_id) for a in others))
    assert bot.api.bot_messages(slow.chat_id) == []  # still waiting for its round trip
    release.set()
    await wait_for(lambda: bool(bot.api.bot_messages(slow.chat_id)))


async def test_an_update_counts_as_finished_only_once_its_state_is_committed(bot: Bot) -> None:
    athlete = bot.user()
    seen: list[str | None] = []

    async def finished(update: object) -> None:
        seen.append(await conversation_state(bot, athlete))

    bot.application.finished_callbacks.append(finished)
    await athlete.send("/cramp")
    await athlete.press(texts.NO_FLAG_OTHER)
    await athlete.send("/cancel")

    assert seen == [sos.TRIAGE, sos.MUSCLE, None]


async def test_unchanged_conversation_states_are_not_written_again(bot: Bot) -> None:
    athlete = bot.user()
    await athlete.send("/cramp")
    statements: list[str] = []
    db_of(bot).trace(statements.append)

    await athlete.send("/cramp")  # the same cramp: its step again, the same state (TRIAGE)

    db_of(bot).trace(None)
    assert texts.STILL_ON_IT in bot.api.last_bot_message(athlete.chat_id).text
    assert not [sql for sql in statements if "INTO conversation_steps" in sql]
    assert await conversation_state(bot, athlete) == sos.TRIAGE


# --- The processor on its own -----------------------------------------------------------------


def _update(chat_id: int, update_id: int) -> Update:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat_id, "type": "private", "first_name": "A"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
        "text": "hi",
    }
    update = Update.de_json({"update_id": update_id, "message": message}, None)
    assert update is not None
    return update


async def test_the_processor_keeps_order_within_a_chat_and_bounds_the_running() -> None:
    processor = PerChatUpdateProcessor(max_running=3)
    gates = {n: asyncio.Event() for n in range(8)}
    running: set[int] = set()
    peak = 0
    log: list[int] = []

    async def handle(n: int) -> None:
        nonlocal peak
        running.add(n)
        peak = max(peak, len(running))
        await gates[n].wait()
        log.append(n)
        running.discard(n)

    # Updates 0-3 in chat 1, 4-7 each in its own chat.
    chats = [1, 1, 1, 1, 2, 3, 4, 5]
    tasks = [
        asyncio.create_task(processor.process_update(_update(chat, n), handle(n)))
        for n, chat in enumerate(chats)
    ]
    await asyncio.sleep(0)
    for n in (3, 2, 1, 7, 6, 5, 4, 0):  # released out of order
        gates[n].set()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)

    assert [n for n in log if chats[n] == 1] == [0, 1, 2, 3]
    assert peak <= 3
    assert processor.lines == 0


def test_updates_are_lined_up_by_chat_then_user() -> None:
    assert ordering_key(_update(5, 1)) == ("chat", 5)
    assert ordering_key(object()) is None
