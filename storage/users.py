"""The users table: who has talked to the bot, and what the bot must remember about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import Database
from storage.timestamps import from_db, from_db_or_none, to_db


class Awaiting(StrEnum):
    """Typed input the bot is waiting for from this user, outside any plan."""

    EMERGENCY_NUMBER = "emergency_number"
    TEAM_NAME = "team_name"  # a coach naming a new channel team (/newteam)


@dataclass(frozen=True)
class User:
    user_id: int
    first_seen_at: datetime
    disclaimer_seen_at: datetime | None
    blocked_at: datetime | None
    country: str | None  # ISO 3166 code: chosen, or derived from the plan's time zone
    emergency_number: str | None  # typed by the athlete in /settings; wins over the country
    awaiting: Awaiting | None
    pending_invite: str | None  # a join link opened mid-cramp, shown once the cramp is over


async def ensure_user(db: Database, user_id: int, now: datetime) -> User:
    """Return the user, creating the row on first contact."""
    # Nearly always the user is known: one read, no write transaction.
    row = await db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    if row is None:
        await db.execute_write(
            "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (user_id, to_db(now)),
        )
        # Committed: the read connection sees it (or the row a concurrent first contact made).
        row = await db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    assert row is not None
    return User(
        user_id=row["user_id"],
        first_seen_at=from_db(row["first_seen_at"]),
        disclaimer_seen_at=from_db_or_none(row["disclaimer_seen_at"]),
        blocked_at=from_db_or_none(row["blocked_at"]),
        country=row["country"],
        emergency_number=row["emergency_number"],
        awaiting=None if row["awaiting"] is None else Awaiting(row["awaiting"]),
        pending_invite=row["pending_invite"],
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


async def set_country(db: Database, user_id: int, country: str | None) -> None:
    """The athlete's country (for the emergency number); a typed number is forgotten."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET country = ?, emergency_number = NULL, awaiting = NULL "
            "WHERE user_id = ?",
            (country, user_id),
        )


async def set_emergency_number(db: Database, user_id: int, number: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET emergency_number = ?, awaiting = NULL WHERE user_id = ?",
            (number, user_id),
        )


async def set_awaiting(db: Database, user_id: int, awaiting: Awaiting | None) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET awaiting = ? WHERE user_id = ?",
            (None if awaiting is None else awaiting.value, user_id),
        )


async def set_pending_invite(db: Database, user_id: int, token: str | None) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET pending_invite = ? WHERE user_id = ?", (token, user_id)
        )


async def zone_of(db: Database, user_id: int) -> str | None:
    """The user's own time zone (from a shared location or a pick), if known."""
    row = await db.fetch_one("SELECT zone FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else row["zone"]
