"""The users table: who has talked to the bot, and what the bot must remember about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.store import Store
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
    country: str | None  # ISO 3166 code: picked, typed, or from a shared location
    emergency_number: str | None  # typed by the athlete in /settings; wins over the country
    awaiting: Awaiting | None
    pending_invite: str | None  # a join link opened mid-cramp, shown once the cramp is over
    zone: str | None  # IANA zone: from a shared location or a plan's zone pick
    country_asked_at: datetime | None  # the first /start asked for the country


async def ensure_user(db: Store, user_id: int, now: datetime) -> User:
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
        zone=row["zone"],
        country_asked_at=from_db_or_none(row["country_asked_at"]),
    )


async def mark_disclaimer_seen(db: Store, user_id: int, now: datetime) -> None:
    await db.execute_write(
        "UPDATE users SET disclaimer_seen_at = ? WHERE user_id = ? AND disclaimer_seen_at IS NULL",
        (to_db(now), user_id),
    )


async def set_blocked(db: Store, user_id: int, blocked_at: datetime | None) -> None:
    """Record that the user blocked the bot (or, with None, that they came back)."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET blocked_at = ? WHERE user_id = ?",
            (None if blocked_at is None else to_db(blocked_at), user_id),
        )


async def set_country(db: Store, user_id: int, country: str | None) -> None:
    """The athlete's country (for the emergency number); a typed number is forgotten."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET country = ?, emergency_number = NULL, awaiting = NULL "
            "WHERE user_id = ?",
            (country, user_id),
        )


async def set_emergency_number(db: Store, user_id: int, number: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET emergency_number = ?, awaiting = NULL WHERE user_id = ?",
            (number, user_id),
        )


async def set_awaiting(db: Store, user_id: int, awaiting: Awaiting | None) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET awaiting = ? WHERE user_id = ?",
            (None if awaiting is None else awaiting.value, user_id),
        )


async def set_pending_invite(db: Store, user_id: int, token: str | None) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET pending_invite = ? WHERE user_id = ?", (token, user_id)
        )


async def set_zone_and_country(db: Store, user_id: int, zone: str, country: str | None) -> None:
    """Where a shared location says the athlete is (the location itself is not kept).

    The zone always; the country only when the zone lies in one (a point at sea keeps the
    country we had). A number the athlete typed is theirs and still wins (see
    ``conversations.emergency``); a "which country?" question waiting is answered by this.
    """
    async with db.write() as conn:
        await conn.execute(
            "UPDATE users SET zone = ?, country = COALESCE(?, country), "
            "awaiting = CASE WHEN awaiting = ? THEN NULL ELSE awaiting END "
            "WHERE user_id = ?",
            (zone, country, Awaiting.EMERGENCY_NUMBER.value, user_id),
        )


async def set_zone(db: Store, user_id: int, zone: str) -> None:
    """The zone the athlete picked or typed for their plan (their country is left as it is:
    a zone picked from a short list is weaker evidence than a country they named)."""
    async with db.write() as conn:
        await conn.execute("UPDATE users SET zone = ? WHERE user_id = ?", (zone, user_id))


async def mark_country_asked(db: Store, user_id: int, now: datetime) -> bool:
    """Note that the country question was asked; False if it had been already (ask once)."""
    result = await db.execute_write(
        "UPDATE users SET country_asked_at = ? WHERE user_id = ? AND country_asked_at IS NULL",
        (to_db(now), user_id),
    )
    return result.rowcount == 1


# --- The language each person is spoken to in ------------------------------------------------


async def language_of(db: Store, user_id: int) -> str:
    """The language a message the bot sends on its own (a check-in, an alert) is written in:
    the one the person chose, or their Telegram app's as last seen; English if unknown."""
    row = await db.fetch_one("SELECT language FROM users WHERE user_id = ?", (user_id,))
    return "en" if row is None else str(row["language"])


async def language_setting(db: Store, user_id: int) -> tuple[str, bool] | None:
    """(the language kept for ``user_id``, whether they chose it); None for someone new."""
    row = await db.fetch_one(
        "SELECT language, language_chosen FROM users WHERE user_id = ?", (user_id,)
    )
    return None if row is None else (str(row["language"]), bool(row["language_chosen"]))


async def keep_app_language(db: Store, user_id: int, app_language: str) -> None:
    """Their Telegram app's language, kept for the messages the bot sends on its own (unless
    they chose one with /language)."""
    await db.execute_write(
        "UPDATE users SET language = ? WHERE user_id = ? AND language_chosen = 0 AND language != ?",
        (app_language, user_id, app_language),
    )


async def choose_language(db: Store, user_id: int, language: str, now: datetime) -> None:
    """``/language``: this language from now on, whatever the Telegram app's."""
    await ensure_user(db, user_id, now)
    await db.execute_write(
        "UPDATE users SET language = ?, language_chosen = 1 WHERE user_id = ?",
        (language, user_id),
    )


async def count_by_language(db: Store) -> dict[str, int]:
    """How many people the bot speaks each language to (the metric)."""
    rows = await db.fetch_all("SELECT language, COUNT(*) AS n FROM users GROUP BY language")
    return {str(row["language"]): int(row["n"]) for row in rows}
