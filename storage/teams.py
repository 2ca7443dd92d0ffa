"""Coach teams: a team per group or channel, its coaches, its members and what they consented to.

A team's invite token is the only thing a join link carries: it names no team id, and rotating
it (or archiving the team) makes every old link join nothing. Membership rows hold the level
the athlete consented to; leaving deletes the row, so no coach view can show them again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from storage.store import Row, Store, skip_locked
from storage.timestamps import from_db, from_db_or_none, to_db


class Consent(StrEnum):
    """What a coach may see of an athlete: stored by value, keep stable."""

    STATUS = "status"  # plan phase, on track or needs attention, last check-in
    DETAILS = "details"  # also pain scores, episodes and their circumstances


class ChatKind(StrEnum):
    GROUP = "group"  # a group or supergroup: /team there, members join from the Join button
    CHANNEL = "channel"  # /newteam in private: the coach posts the link in their channel


class TeamStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"  # the bot was removed from the group or channel


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    chat_id: int | None
    chat_kind: ChatKind
    invite_token: str
    status: TeamStatus
    created_at: datetime
    # What its group or channel is spoken to in: its first coach's language at /team.
    language: str = "en"


@dataclass(frozen=True)
class Coach:
    team_id: int
    user_id: int
    name: str  # as shown on Telegram when they became a coach
    alerts: bool
    digest_time: str | None  # "HH:MM" local; None: no digest
    digest_zone: str | None
    next_digest_at: datetime | None


@dataclass(frozen=True)
class Member:
    team_id: int
    user_id: int
    display_name: str
    consent: Consent
    joined_at: datetime


def _team(r: Row) -> Team:
    return Team(
        id=r["id"],
        name=r["name"],
        chat_id=r["chat_id"],
        chat_kind=ChatKind(r["chat_kind"]),
        invite_token=r["invite_token"],
        status=TeamStatus(r["status"]),
        created_at=from_db(r["created_at"]),
        language=r["language"],
    )


def _coach(r: Row) -> Coach:
    return Coach(
        team_id=r["team_id"],
        user_id=r["user_id"],
        name=r["name"],
        alerts=bool(r["alerts"]),
        digest_time=r["digest_time"],
        digest_zone=r["digest_zone"],
        next_digest_at=from_db_or_none(r["next_digest_at"]),
    )


def _member(r: Row) -> Member:
    return Member(
        team_id=r["team_id"],
        user_id=r["user_id"],
        display_name=r["display_name"],
        consent=Consent(r["consent"]),
        joined_at=from_db(r["joined_at"]),
    )


# --- Teams -----------------------------------------------------------------------------------


async def create_team(
    db: Store,
    *,
    name: str,
    chat_id: int | None,
    chat_kind: ChatKind,
    token: str,
    coach_id: int,
    coach_name: str,
    now: datetime,
    language: str = "en",
) -> Team:
    """A new team with its first coach, spoken to in ``language`` (the coach's). A group that
    already has an active team keeps it."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO teams (name, chat_id, chat_kind, invite_token, created_at, language) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING",
            (name, chat_id, chat_kind.value, token, to_db(now), language),
        )
        team_id = cursor.lastrowid if cursor.rowcount == 1 else None
        if team_id is not None:
            await conn.execute(
                "INSERT INTO team_coaches (team_id, user_id, name, added_at) VALUES (?, ?, ?, ?)",
                (team_id, coach_id, coach_name, to_db(now)),
            )
    team = await (get_team(db, team_id) if team_id is not None else team_of_chat(db, chat_id))
    assert team is not None
    return team


async def get_team(db: Store, team_id: int) -> Team | None:
    row = await db.fetch_one("SELECT * FROM teams WHERE id = ?", (team_id,))
    return None if row is None else _team(row)


async def team_of_chat(db: Store, chat_id: int | None) -> Team | None:
    if chat_id is None:
        return None
    row = await db.fetch_one("SELECT * FROM teams WHERE chat_id = ?", (chat_id,))
    return None if row is None else _team(row)


async def team_by_token(db: Store, token: str) -> Team | None:
    """The active team a join link's token belongs to; None for a rotated or archived one."""
    row = await db.fetch_one(
        "SELECT * FROM teams WHERE invite_token = ? AND status = 'active'", (token,)
    )
    return None if row is None else _team(row)


async def rotate_token(db: Store, team_id: int, token: str) -> None:
    async with db.write() as conn:
        await conn.execute("UPDATE teams SET invite_token = ? WHERE id = ?", (token, team_id))


async def archive_team(db: Store, team_id: int) -> None:
    """Close a team: its links join nothing, and its chat is free for a new team."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE teams SET status = 'archived', chat_id = NULL WHERE id = ?", (team_id,)
        )


async def move_chat(db: Store, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its team follows the new chat id."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE teams SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )


async def set_chat(db: Store, team_id: int, chat_id: int) -> None:
    """A channel team: the channel the bot published the join post in."""
    async with db.write() as conn:
        await conn.execute("UPDATE teams SET chat_id = ? WHERE id = ?", (chat_id, team_id))


# --- Coaches ---------------------------------------------------------------------------------


async def add_coach(db: Store, team_id: int, user_id: int, name: str, now: datetime) -> bool:
    """Make ``user_id`` a coach of the team. False if they already were."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO team_coaches (team_id, user_id, name, added_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (team_id, user_id, name, to_db(now)),
        )
        return cursor.rowcount == 1


async def remove_coach(db: Store, team_id: int, user_id: int) -> bool:
    """False if ``user_id`` was not a coach of the team."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "DELETE FROM team_coaches WHERE team_id = ? AND user_id = ?", (team_id, user_id)
        )
        return cursor.rowcount == 1


async def coaches_of(db: Store, team_id: int) -> list[Coach]:
    rows = await db.fetch_all(
        "SELECT * FROM team_coaches WHERE team_id = ? ORDER BY added_at", (team_id,)
    )
    return [_coach(row) for row in rows]


async def coach(db: Store, team_id: int, user_id: int) -> Coach | None:
    row = await db.fetch_one(
        "SELECT * FROM team_coaches WHERE team_id = ? AND user_id = ?", (team_id, user_id)
    )
    return None if row is None else _coach(row)


async def teams_coached_by(db: Store, user_id: int) -> list[Team]:
    """The active teams ``user_id`` coaches, oldest first."""
    rows = await db.fetch_all(
        "SELECT t.* FROM teams t JOIN team_coaches c ON c.team_id = t.id "
        "WHERE c.user_id = ? AND t.status = 'active' ORDER BY t.created_at, t.id",
        (user_id,),
    )
    return [_team(row) for row in rows]


async def active_coach_ids(db: Store) -> list[int]:
    """Everyone who coaches at least one active team."""
    rows = await db.fetch_all(
        "SELECT DISTINCT c.user_id FROM team_coaches c JOIN teams t ON t.id = c.team_id "
        "WHERE t.status = 'active' ORDER BY c.user_id"
    )
    return [int(row["user_id"]) for row in rows]


async def set_alerts(db: Store, team_id: int, user_id: int, on: bool) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE team_coaches SET alerts = ? WHERE team_id = ? AND user_id = ?",
            (int(on), team_id, user_id),
        )


async def set_digest(
    db: Store,
    team_id: int,
    user_id: int,
    *,
    local_time: str | None,
    zone: str | None,
    next_at: datetime | None,
) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE team_coaches SET digest_time = ?, digest_zone = ?, next_digest_at = ? "
            "WHERE team_id = ? AND user_id = ?",
            (local_time, zone, None if next_at is None else to_db(next_at), team_id, user_id),
        )


# --- Members ---------------------------------------------------------------------------------


async def join(
    db: Store, team_id: int, user_id: int, name: str, consent: Consent, now: datetime
) -> None:
    """Join (or change the level of) a team: the athlete's consent, given now."""
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO team_members (team_id, user_id, display_name, consent, joined_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, user_id) DO UPDATE SET "
            "consent = excluded.consent, display_name = excluded.display_name",
            (team_id, user_id, name, consent.value, to_db(now)),
        )


async def leave(db: Store, team_id: int, user_id: int) -> bool:
    async with db.write() as conn:
        cursor = await conn.execute(
            "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", (team_id, user_id)
        )
        return cursor.rowcount == 1


async def leave_all(db: Store, user_id: int) -> int:
    """Take the athlete off every roster (a plan stopped, their data deleted)."""
    async with db.write() as conn:
        cursor = await conn.execute("DELETE FROM team_members WHERE user_id = ?", (user_id,))
        await conn.execute("DELETE FROM team_alerts WHERE user_id = ?", (user_id,))
        return cursor.rowcount


async def membership(db: Store, team_id: int, user_id: int) -> Member | None:
    row = await db.fetch_one(
        "SELECT * FROM team_members WHERE team_id = ? AND user_id = ?", (team_id, user_id)
    )
    return None if row is None else _member(row)


async def members_of(db: Store, team_id: int) -> list[Member]:
    rows = await db.fetch_all(
        "SELECT * FROM team_members WHERE team_id = ? ORDER BY lower(display_name)",
        (team_id,),
    )
    return [_member(row) for row in rows]


async def memberships_of(db: Store, user_id: int) -> list[tuple[Team, Member]]:
    """The athlete's active teams and their consent in each."""
    rows = await db.fetch_all(
        "SELECT t.*, m.team_id, m.user_id, m.display_name, m.consent, m.joined_at "
        "FROM team_members m JOIN teams t ON t.id = m.team_id "
        "WHERE m.user_id = ? AND t.status = 'active' ORDER BY t.id",
        (user_id,),
    )
    return [(_team(row), _member(row)) for row in rows]


async def rename_member(db: Store, user_id: int, name: str) -> bool:
    """The athlete's Telegram name changed: every roster shows the new one. Returns whether
    they are on any roster.

    Read first: most people are on no roster, and a write would queue behind everyone's.
    """
    row = await db.fetch_one(
        "SELECT MAX(CASE WHEN display_name != ? THEN 1 ELSE 0 END) AS stale "
        "FROM team_members WHERE user_id = ?",
        (name, user_id),
    )
    stale = None if row is None else row["stale"]
    if stale is None:
        return False  # on no roster
    if stale:
        async with db.write() as conn:
            await conn.execute(
                "UPDATE team_members SET display_name = ? WHERE user_id = ? AND display_name != ?",
                (name, user_id, name),
            )
    return True


# --- Alerts and digests ----------------------------------------------------------------------


async def record_alert(
    db: Store, team_id: int, user_id: int, event_key: str, now: datetime, *, reason: str
) -> bool:
    """Claim one alert about one athlete's event for a team. False if it was sent already.

    ``reason`` is the ``rules.coaching.Attention`` value the alert was for."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO team_alerts (team_id, user_id, event_key, sent_at, reason) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (team_id, user_id, event_key, to_db(now), reason),
        )
        return cursor.rowcount == 1


@dataclass(frozen=True)
class DueDigest:
    team: Team
    coach: Coach
    local_date: date


async def claim_due_digests(
    db: Store,
    now: datetime,
    slot_of: Callable[[Coach], tuple[date, datetime]],
    limit: int = 500,
) -> list[DueDigest]:
    """Claim the digests due now, like check-ins: once per coach, team and local date.

    ``slot_of`` gives a due coach's local date and next digest instant. Claiming inserts the
    digest row (unique per team, coach and date) and moves the next instant on in the same
    transaction, so a restart never sends a day's digest twice; after downtime each coach gets
    one, the latest due.
    """
    claimed: list[DueDigest] = []
    async with db.write() as conn:
        async with conn.execute(
            "SELECT c.*, t.id AS t_id FROM team_coaches c JOIN teams t ON t.id = c.team_id "
            "WHERE c.next_digest_at <= ? AND t.status = 'active' "
            f"ORDER BY c.next_digest_at LIMIT ?{skip_locked(db, 'c')}",
            (to_db(now), limit),
        ) as cursor:
            rows = list(await cursor.fetchall())
        for row in rows:
            found = _coach(row)
            local_date, next_at = slot_of(found)
            await conn.execute(
                "UPDATE team_coaches SET next_digest_at = ? WHERE team_id = ? AND user_id = ?",
                (to_db(next_at), found.team_id, found.user_id),
            )
            cursor = await conn.execute(
                "INSERT INTO team_digests (team_id, coach_id, local_date, claimed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (found.team_id, found.user_id, local_date.isoformat(), to_db(now)),
            )
            if cursor.rowcount == 1:
                async with conn.execute(
                    "SELECT * FROM teams WHERE id = ?", (found.team_id,)
                ) as team_cursor:
                    team_row = await team_cursor.fetchone()
                assert team_row is not None
                claimed.append(DueDigest(_team(team_row), found, local_date))
    return claimed


async def mark_digest_sent(db: Store, digest: DueDigest, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE team_digests SET sent_at = ? "
            "WHERE team_id = ? AND coach_id = ? AND local_date = ?",
            (to_db(now), digest.team.id, digest.coach.user_id, digest.local_date.isoformat()),
        )


async def mark_greeted(db: Store, chat_id: int, now: datetime) -> bool:
    """Greet a group once: True the first time the bot is added to it."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "INSERT INTO group_chats (chat_id, greeted_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (chat_id, to_db(now)),
        )
        return cursor.rowcount == 1


# --- Missed check-ins (the roster coaches see is read by ``storage.roster``) ------------------


async def members_among(db: Store, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` belong to a team (one query for a batch of check-ins)."""
    if not user_ids:
        return set()
    rows = await db.fetch_all(
        "SELECT DISTINCT user_id FROM team_members WHERE user_id IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(user_ids),),
    )
    return {row["user_id"] for row in rows}


async def missed_in_a_row(db: Store, plan_id: int, before: date) -> int:
    """How many sent check-ins before ``before`` went unanswered in a row, newest first."""
    rows = await db.fetch_all(
        "SELECT answered_at FROM checkins WHERE plan_id = ? AND local_date < ? "
        "AND sent_at IS NOT NULL ORDER BY local_date DESC LIMIT 5",
        (plan_id, before.isoformat()),
    )
    missed = 0
    for row in rows:
        if row["answered_at"] is not None:
            break
        missed += 1
    return missed
