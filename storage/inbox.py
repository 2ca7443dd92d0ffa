"""The update inbox: every update fetched from Telegram, kept until it has been handled.

Telegram forgets an update once the bot asks for the next offset (or answers a webhook POST
with 200), handled or not. So each update is written here first, in one committed transaction,
and only then confirmed; it is marked done once handled, and whatever is not done is handled
again at start-up, in ``update_id`` order. ``update_id`` is the key: an update Telegram sends
again (it was stored but not yet confirmed when the bot died) is stored once and handled once.

Payloads are the update's JSON exactly as the bot received it; storage knows nothing of its
shape. A payload holds what people wrote, so it is emptied when its update is done; the id is
kept a day (Telegram keeps undelivered updates no longer) so that a late redelivery is still
recognised, then pruned.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.store import Store, Tx
from storage.timestamps import from_db, to_db

KEEP_DONE = timedelta(days=1)


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    payload: str  # the update's JSON


async def store(db: Store, updates: Sequence[StoredUpdate], now: datetime) -> list[int]:
    """Keep ``updates`` durably; return the ids that were new (the others were already kept).

    When this returns, the updates are committed: it is safe to confirm them to Telegram.
    """
    if not updates:
        return []
    stamp = to_db(now)
    new: list[int] = []
    async with db.write() as conn:
        for update in updates:
            cursor = await conn.execute(
                "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?) "
                "ON CONFLICT (update_id) DO NOTHING",
                (update.update_id, update.payload, stamp),
            )
            if cursor.rowcount == 1:
                new.append(update.update_id)
    return new


async def pending(db: Store, *, after: int | None = None, limit: int = 1000) -> list[StoredUpdate]:
    """Updates kept but not yet handled, oldest first (``after``: only ids above it)."""
    rows = await db.fetch_all(
        "SELECT update_id, payload FROM inbox WHERE done_at IS NULL AND update_id > ? "
        "ORDER BY update_id LIMIT ?",
        (-1 if after is None else after, limit),
    )
    return [StoredUpdate(int(row["update_id"]), str(row["payload"])) for row in rows]


async def unfinished_among(db: Store, update_ids: Collection[int]) -> set[int]:
    """Which of ``update_ids`` are kept and not yet done."""
    found: set[int] = set()
    ids = list(update_ids)
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters is far above
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = await db.fetch_all(
            f"SELECT update_id FROM inbox WHERE done_at IS NULL AND update_id IN ({marks})",
            tuple(chunk),
        )
        found.update(int(row["update_id"]) for row in rows)
    return found


async def mark_done(db: Store, update_id: int, now: datetime) -> None:
    """The update has been handled and its state written: never handle it again."""
    async with db.write() as conn:
        await mark_done_in(conn, update_id, now)


async def mark_done_in(conn: Tx, update_id: int, now: datetime) -> None:
    """:func:`mark_done` inside the caller's transaction (the one writing the update's state)."""
    # The payload (what the person wrote) is dropped at once: only the id is needed to
    # recognise a redelivery.
    await conn.execute(
        "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ? AND done_at IS NULL",
        (to_db(now), update_id),
    )


async def is_done(db: Store, update_id: int) -> bool:
    row = await db.fetch_one("SELECT done_at FROM inbox WHERE update_id = ?", (update_id,))
    return row is not None and row["done_at"] is not None


async def prune(db: Store, now: datetime) -> int:
    """Forget updates handled more than :data:`KEEP_DONE` ago; keep the newest row always."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ? "
            "AND update_id < (SELECT MAX(update_id) FROM inbox)",
            (to_db(now - KEEP_DONE),),
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Backlog:
    """Updates kept but not handled yet: how many, and when the oldest of them was kept."""

    unfinished: int
    oldest_kept_at: datetime | None


async def backlog(db: Store) -> Backlog:
    """For the health check: one read over the pending rows only (a partial index)."""
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM inbox WHERE done_at IS NULL"
    )
    if row is None or not row["n"]:
        return Backlog(0, None)
    return Backlog(int(row["n"]), from_db(row["oldest"]))
