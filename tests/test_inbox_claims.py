"""Claims on kept updates (``storage.inbox.claim``), on both stores: a chat's oldest unfinished
update first, one worker's running claim at a time, taken over once it runs out, and a done
mark that counts only for the worker that still holds the claim. And the chat key read from an
update's JSON (``bot.delivery.inbox.chat_key_of``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.delivery.inbox import chat_key_of
from storage import inbox
from storage.store import Store

T0 = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


async def keep(store: Store, *rows: tuple[int, int | None]) -> None:
    kept = [inbox.StoredUpdate(update_id, "{}", chat) for update_id, chat in rows]
    await inbox.store(store, kept, T0)


async def claim(store: Store, holder: str, at: datetime = T0) -> list[int]:
    return [s.update_id for s in await inbox.claim(store, holder, at, at + TTL, 100)]


async def done(store: Store, update_id: int, holder: str) -> None:
    async with store.write() as tx:
        await inbox.mark_done_in(tx, update_id, T0, holder=holder)


async def test_only_each_chats_oldest_unfinished_update_is_claimed(store: Store) -> None:
    await keep(store, (1, 10), (2, 10), (3, 20), (4, None), (5, 20), (6, None))
    # Chat 10's and chat 20's first; updates with no chat each on their own.
    assert await claim(store, "a") == [1, 3, 4, 6]
    assert await claim(store, "b") == []  # a's claims run; 2 and 5 wait behind them
    await done(store, 1, "a")
    assert await claim(store, "b") == [2]  # chat 10's next, to whoever asks
    await done(store, 3, "a")
    await done(store, 2, "b")
    assert await claim(store, "a") == [5]
    assert await claim(store, "b") == []


async def test_a_claim_that_ran_out_is_taken_over_and_the_old_holder_cannot_finish(
    store: Store,
) -> None:
    await keep(store, (1, 10), (2, 10))
    assert await claim(store, "dead") == [1]
    assert await claim(store, "b", T0 + TTL / 2) == []
    assert await claim(store, "b", T0 + TTL) == [1]  # ran out: b's now
    with pytest.raises(inbox.ClaimLost):
        await done(store, 1, "dead")
    assert not await inbox.is_done(store, 1)  # the refused mark rolled back with its unit
    await done(store, 1, "b")
    assert await inbox.is_done(store, 1)


async def test_renewed_claims_hold_and_released_ones_go_at_once(store: Store) -> None:
    await keep(store, (1, 10), (2, 20))
    assert await claim(store, "a") == [1, 2]
    later = T0 + TTL + timedelta(seconds=1)
    assert await inbox.renew(store, "a", {1, 2}, later + TTL) == 2
    assert await claim(store, "b", later) == []  # renewed: still a's
    await inbox.release(store, "a", {2})
    assert await claim(store, "b", later) == [2]
    # a's renewal of what b holds now renews nothing of it.
    assert await inbox.renew(store, "a", {1, 2}, later + TTL) == 1


async def test_a_redelivered_update_keeps_its_first_claim(store: Store) -> None:
    await keep(store, (1, 10))
    assert await claim(store, "a") == [1]
    await keep(store, (1, 10))  # Telegram sent it again: stored once
    assert await claim(store, "b") == []


def message(chat_id: int, user_id: int) -> dict[str, Any]:
    return {"message_id": 1, "date": 0, "chat": {"id": chat_id}, "from": {"id": user_id}}


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ({"update_id": 1, "message": message(-100, 7)}, -100),
        ({"update_id": 1, "edited_message": message(42, 42)}, 42),
        (
            {
                "update_id": 1,
                "callback_query": {"id": "q", "from": {"id": 7}, "message": message(-5, 9)},
            },
            -5,
        ),
        # A press on an inline-mode message has no chat: the user's line.
        ({"update_id": 1, "callback_query": {"id": "q", "from": {"id": 7}}}, 7),
        ({"update_id": 1, "my_chat_member": {"chat": {"id": -9}, "from": {"id": 7}}}, -9),
        ({"update_id": 1, "poll": {"id": "p"}}, None),
        ({"update_id": 1}, None),
        ({"update_id": 1, "message": {"chat": {"id": "not a number"}}}, None),
    ],
)
def test_the_chat_key_is_the_chat_else_the_user(payload: dict[str, Any], key: int | None) -> None:
    assert chat_key_of(payload) == key
