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

Several workers (PostgreSQL) share the table: each update is stored with its chat's key, and a
worker *claims* updates before handling them (:func:`claim`): only a chat's oldest unfinished
update can be claimed, and only while no other worker's claim on it is running, so one chat's
updates are handled one at a time and in order across all workers. A claim lasts until
``held_until``; the worker renews it while it works (:func:`renew`) and its done mark counts
only while it still holds the claim (:func:`mark_done_in` with ``holder``). A worker that dies
stops renewing, and once its claim has run out another worker claims the update again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.store import Store, Tx, skip_locked
from storage.timestamps import from_db, to_db

KEEP_DONE = timedelta(days=1)


@dataclass(frozen=True)
class StoredUpdate:
    update_id: int
    payload: str  # the update's JSON
    chat_key: int | None = None  # its chat (else its user): the line it waits in


class ClaimLost(Exception):
    """The worker's claim on an update ran out and another worker claimed it: this worker's
    handling of it must not commit."""


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
                "INSERT INTO inbox (update_id, payload, received_at, chat_key) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING",
                (update.update_id, update.payload, stamp, update.chat_key),
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


async def claim(
    db: Store, holder: str, now: datetime, until: datetime, limit: int
) -> list[StoredUpdate]:
    """Claim for ``holder`` until ``until`` up to ``limit`` updates that are each the oldest
    unfinished update of their chat and not claimed by anyone now (a claim that ran out
    counts as none); oldest first.

    One statement. On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP
    LOCKED``: two workers claiming at once never get the same update, and neither waits for
    the other. On SQLite the write lock does the same.
    """
    async with db.write() as tx:
        cursor = await tx.execute(
            "UPDATE inbox SET holder = ?, held_until = ? WHERE update_id IN ("
            " SELECT i.update_id FROM inbox i"
            " WHERE i.done_at IS NULL AND (i.held_until IS NULL OR i.held_until <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.chat_key = i.chat_key"
            "  AND e.done_at IS NULL AND e.update_id < i.update_id)"
            f" ORDER BY i.update_id LIMIT ?{skip_locked(db, 'i')}"
            ") RETURNING update_id, payload, chat_key",
            (holder, to_db(until), to_db(now), limit),
        )
        rows = await cursor.fetchall()
    claimed = [
        StoredUpdate(int(row["update_id"]), str(row["payload"]), _key(row["chat_key"]))
        for row in rows
    ]
    return sorted(claimed, key=lambda stored: stored.update_id)


async def renew(db: Store, holder: str, update_ids: Collection[int], until: datetime) -> int:
    """Extend ``holder``'s running claims on ``update_ids`` to ``until``; returns how many it
    still held (a claim another worker took over is not renewed)."""
    renewed = 0
    ids = list(update_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        async with db.write() as tx:
            cursor = await tx.execute(
                f"UPDATE inbox SET held_until = ? WHERE holder = ? AND done_at IS NULL "
                f"AND update_id IN ({marks})",
                (to_db(until), holder, *chunk),
            )
            renewed += cursor.rowcount
    return renewed


async def release(db: Store, holder: str, update_ids: Collection[int]) -> None:
    """Give up ``holder``'s claims on ``update_ids`` now: any worker may claim them at once."""
    ids = list(update_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        await db.execute_write(
            f"UPDATE inbox SET holder = NULL, held_until = NULL WHERE holder = ? "
            f"AND done_at IS NULL AND update_id IN ({marks})",
            (holder, *chunk),
        )


def _key(value: object) -> int | None:
    return None if value is None else int(str(value))


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


async def mark_done_in(
    conn: Tx, update_id: int, now: datetime, *, holder: str | None = None
) -> None:
    """:func:`mark_done` inside the caller's transaction (the one writing the update's state).

    With ``holder`` (a worker that claimed the update), :class:`ClaimLost` if that worker's
    claim was taken over meanwhile: the caller's transaction must then roll back, since the
    worker that holds the claim now writes the update's outcome."""
    # The payload (what the person wrote) is dropped at once: only the id is needed to
    # recognise a redelivery.
    if holder is None:
        await conn.execute(
            "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ? AND done_at IS NULL",
            (to_db(now), update_id),
        )
        return
    cursor = await conn.execute(
        "UPDATE inbox SET done_at = ?, payload = '' WHERE update_id = ? AND done_at IS NULL "
        "AND holder = ?",
        (to_db(now), update_id, holder),
    )
    if cursor.rowcount != 1:
        raise ClaimLost(f"update {update_id} was claimed by another worker")


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
