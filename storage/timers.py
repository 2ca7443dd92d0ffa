"""Timers as rows: work due at an instant (an SOS step's countdown, the ten-minute check).

A timer is a row with a key (one per purpose and episode: setting it again moves it), a kind
that names the code to run, the chat it concerns and its data as JSON. The process arms an
in-memory timer from each row (``bot.delivery.timers``) and re-arms them all at start-up; when
one fires, its unit of work deletes the row (:func:`take`) in the same transaction as what it
does, so a crash before the commit leaves the row for the next run, and a commit leaves none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.store import Store
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class Timer:
    key: str
    kind: str
    chat_id: int
    user_id: int | None
    due_at: datetime
    data: dict[str, object]


async def set_timer(db: Store, timer: Timer) -> None:
    """Set (or move) the timer ``timer.key``."""
    await db.execute_write(
        "INSERT INTO timers (key, kind, chat_id, user_id, due_at, data) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, chat_id = excluded.chat_id, "
        "user_id = excluded.user_id, due_at = excluded.due_at, data = excluded.data",
        (
            timer.key,
            timer.kind,
            timer.chat_id,
            timer.user_id,
            to_db(timer.due_at),
            json.dumps(timer.data, separators=(",", ":")),
        ),
    )


async def cancel(db: Store, *keys: str) -> None:
    for key in keys:
        await db.execute_write("DELETE FROM timers WHERE key = ?", (key,))


async def exists(db: Store, key: str) -> bool:
    return await db.fetch_one("SELECT 1 FROM timers WHERE key = ?", (key,)) is not None


async def take(db: Store, key: str, due_at: datetime) -> Timer | None:
    """Delete the timer if it is still the one armed (same key and due time) and return it;
    None if it was cancelled, moved or taken meanwhile (one statement: two takers of one
    timer cannot both get it)."""
    async with db.write() as tx:
        cursor = await tx.execute(
            "DELETE FROM timers WHERE key = ? AND due_at = ? "
            "RETURNING key, kind, chat_id, user_id, due_at, data",
            (key, to_db(due_at)),
        )
        row = await cursor.fetchone()
    return None if row is None else _timer(row)


async def due_before(db: Store, before: datetime, limit: int = 1000) -> list[Timer]:
    """Timers due before ``before``, oldest first."""
    rows = await db.fetch_all(
        "SELECT key, kind, chat_id, user_id, due_at, data FROM timers WHERE due_at < ? "
        "ORDER BY due_at LIMIT ?",
        (to_db(before), limit),
    )
    return [_timer(row) for row in rows]


async def all_timers(db: Store) -> list[Timer]:
    rows = await db.fetch_all(
        "SELECT key, kind, chat_id, user_id, due_at, data FROM timers ORDER BY due_at"
    )
    return [_timer(row) for row in rows]


def _timer(row: object) -> Timer:
    r: dict[str, object] = dict(row)  # type: ignore[call-overload]
    return Timer(
        key=str(r["key"]),
        kind=str(r["kind"]),
        chat_id=int(str(r["chat_id"])),
        user_id=None if r["user_id"] is None else int(str(r["user_id"])),
        due_at=from_db(str(r["due_at"])),
        data=json.loads(str(r["data"])),
    )
