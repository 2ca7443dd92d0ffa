"""The users table: who has talked to the bot, and what the bot must remember about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timestamps import from_db, from_db_or_none, to_db


@dataclass(frozen=True)
class User:
    user_id: int
    first_seen_at: datetime
    disclaimer_seen_at: datetime | None
    blocked_at: datetime | None


async def ensure_user(db: Database, user_id: int, now: datetime) -> User:
    """Return the user, creating the row on first contact."""
    # Nearly always the user is known: one read, no write transaction.
    row = await db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    if row is None:
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (user_id, to_db(now)),
            )
            async with conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)) as cur:
                row = await cur.fetchone()
    assert row is not None
    return User(
        user_id=row["user_id"],
        first_seen_at=from_db(row["first_seen_at"]),
        disclaimer_seen_at=from_db_or_none(row["disclaimer_seen_at"]),
        blocked_at=from_db_or_none(row["blocked_at"]),
    )


async def mark_disclaimer_seen(db: Database, user_id: int, now: datetime) -> None:
    await db.execute_write(
        "UPDATE users SET disclaimer_seen_at = ? WHERE user_id = ? AND disclaimer_seen_at IS NULL",
        (to_db(now), user_id),
    )


async def set_blocked(db: Database, user_id: int, blocked_at: datetime | None) -> None:
    """Record that the user blocked the bot (or, with None, that they came back)."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET blocked_at = ? WHERE user_id = ?",
            (None if blocked_at is None else to_db(blocked_at), user_id),
        )
