"""Leases: a named piece of work one process holds at a time (``leases`` table).

A holder takes a lease for a while and renews it before it runs out; another holder gets it
only once it has run out (the first one died, or stopped renewing) or was given back. Taking
and renewing are one statement, so two processes asking at once cannot both win, on SQLite or
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.store import Store
from storage.timestamps import from_db, to_db


@dataclass(frozen=True)
class Held:
    """Who holds a lease another asked for, and until when."""

    holder: str
    until: datetime


@dataclass(frozen=True)
class Attempt:
    """What asking for a lease gave: ``other`` holds it (and it was left as it was), or the
    asker holds it now, ``taken_from`` a different holder whose lease had run out."""

    other: Held | None
    taken_from: str | None = None


async def attempt(
    db: Store,
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
    *,
    outright: bool = False,
) -> Attempt:
    """Take or renew ``name`` for ``holder`` until ``now + ttl`` (``outright``: whoever holds
    it; for a process that knows it is the only one, SQLite's under the run lock).

    The read of the previous holder and the write are one transaction, the write one statement:
    two processes asking at once cannot both win, on SQLite or PostgreSQL."""
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    async with db.write() as tx:
        before = await tx.execute_fetchall(
            f"SELECT holder, expires_at FROM leases WHERE name = ?{lock}", (name,)
        )
        cursor = await tx.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
            "expires_at = excluded.expires_at "
            "WHERE leases.holder = excluded.holder OR leases.expires_at <= ? OR ? = 1",
            (name, holder, to_db(now + ttl), to_db(now), int(outright)),
        )
        if cursor.rowcount == 1:
            previous = before[0]["holder"] if before else None
            return Attempt(None, previous if previous not in (None, holder) else None)
        rows = await tx.execute_fetchall(
            "SELECT holder, expires_at FROM leases WHERE name = ?", (name,)
        )
    return Attempt(Held(rows[0]["holder"], from_db(rows[0]["expires_at"])))


async def take(db: Store, name: str, holder: str, now: datetime, ttl: timedelta) -> Held | None:
    """Take or renew ``name`` for ``holder`` until ``now + ttl``.

    Returns None when ``holder`` has it now, else who holds it (and it is left as it was)."""
    return (await attempt(db, name, holder, now, ttl)).other


async def give_back(db: Store, name: str, holder: str) -> None:
    """Release ``name`` if ``holder`` still has it (another may take it at once)."""
    await db.execute_write("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
