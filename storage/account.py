"""Everything stored about one person: which tables hold it, a copy of it, and its erasure.

This is health data, held by consent: a person may take a copy of it (``/export``) or have
it erased (``/delete``). Both start from one declared registry, :data:`PERSONAL`, naming every
table that holds data about a person and how a row is tied to them; every other table is
listed in :data:`NOT_PERSONAL` with the reason. ``tests/test_account.py`` walks
``sqlite_master`` and fails for a table in neither, so a table added later cannot be missed by
the erasure without a test failing.

A person is identified by their Telegram user id. Their private chat with the bot has the same
id (Telegram makes it so), which is why ``plans.chat_id`` counts as a user column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from storage.store import Row, Store, Tx
from storage.timestamps import from_db, to_db

EXPORT_FORMAT = "crampcoach-export"
EXPORT_VERSION = 1


class Tie(Enum):
    """How a table's row is tied to a person."""

    COLUMNS = "columns"  # a column holds their user id (or their private chat's id)
    THROUGH = "through"  # the row belongs to a row of another table that is theirs
    JSON = "json"  # their id is inside a JSON column (raw updates)


@dataclass(frozen=True)
class Holder:
    """A table that holds personal data, and the columns that tie a row to a person."""

    table: str
    tie: Tie
    columns: tuple[str, ...]
    # Tie.THROUGH: (this table's column, the parent table); the parent must be listed too.
    parent: tuple[str, str] | None = None
    why: str = ""


# Children before parents: the erasure runs in this order (foreign keys would cascade too).
PERSONAL: tuple[Holder, ...] = (
    Holder(
        "checkins",
        Tie.THROUGH,
        ("plan_id",),
        ("plan_id", "plans"),
        "the daily check-ins of a plan: pain, how the day went, warning signs",
    ),
    Holder("plans", Tie.COLUMNS, ("user_id", "chat_id"), why="the recovery plan and schedule"),
    Holder(
        "programme_sessions",
        Tie.COLUMNS,
        ("user_id",),
        why="prevention programme sessions: their level and how each went",
    ),
    Holder(
        "programme_weeks",
        Tie.COLUMNS,
        ("user_id",),
        why="prevention programme weekly check-ins: cramps, training, sessions done",
    ),
    Holder(
        "programmes",
        Tie.COLUMNS,
        ("user_id", "chat_id"),
        why="the prevention programme: status, level, days and time",
    ),
    Holder("episodes", Tie.COLUMNS, ("user_id",), why="cramps and their circumstances"),
    Holder("team_members", Tie.COLUMNS, ("user_id",), why="teams joined, with the consent given"),
    Holder("team_coaches", Tie.COLUMNS, ("user_id",), why="teams coached, name, digest settings"),
    Holder("team_alerts", Tie.COLUMNS, ("user_id",), why="alerts sent to coaches about them"),
    Holder("team_digests", Tie.COLUMNS, ("coach_id",), why="daily digests sent to them"),
    Holder("ptb_user_data", Tie.COLUMNS, ("user_id",), why="python-telegram-bot's user data"),
    Holder(
        "conversation_steps",
        Tie.COLUMNS,
        ("user_id", "chat_id"),
        why="the step of a conversation in progress",
    ),
    Holder("timers", Tie.COLUMNS, ("user_id", "chat_id"), why="a cramp's countdown and check"),
    Holder("outbox", Tie.COLUMNS, ("chat_id",), why="messages to them, kept a day after sending"),
    Holder("inbox", Tie.JSON, ("payload",), why="updates received and not yet handled"),
    Holder("users", Tie.COLUMNS, ("user_id",), why="settings: country, emergency number, ..."),
    Holder(
        "heat_settings",
        Tie.COLUMNS,
        ("user_id",),
        why="the heat warning: on or off, training time, the place the forecast is for",
    ),
    Holder("heat_warnings", Tie.COLUMNS, ("user_id",), why="heat warnings sent to them"),
    Holder("team_heat", Tie.COLUMNS, ("coach_id",), why="a team's heat warning a coach set up"),
)

# Tables that hold nothing about a person, and why.
NOT_PERSONAL: Mapping[str, str] = {
    "teams": "a team: its group or channel, name and invite token; its people are in "
    "team_coaches and team_members",
    "group_chats": "a group the bot has greeted: the group's id and when",
    "leases": "which bot process holds a piece of work: a host name and a process id",
    "team_heat_warnings": "heat warnings posted in a team's group: the team, date and heat "
    "index, naming nobody",
}

_BOOLEANS = frozenset(
    {
        "hot_conditions",
        "heavy_clothing",
        "is_recurrence",
        "reminded",
        "warning_sign",
        "alerts",
        "helper",
        "cramps",
        "enabled",
    }
)


def holder(table: str) -> Holder:
    for found in PERSONAL:
        if found.table == table:
            return found
    raise KeyError(table)


# --- The copy (/export) ----------------------------------------------------------------------


def _plain(row: Row, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as plain JSON values: every column (a new one is exported too), flags as booleans."""
    data: dict[str, Any] = {}
    for key in row.keys():  # noqa: SIM118 (Row is not a mapping)
        if key in leave_out:
            continue
        value = row[key]
        if key in _BOOLEANS and value is not None:
            value = bool(value)
        elif key == "relief_tried":
            value = [step for step in str(value).split(",") if step]
        data[key] = value
    return data


async def has_data(db: Store, user_id: int) -> bool:
    """Whether anything is stored about ``user_id`` beyond the update being handled."""
    for found in PERSONAL:
        if found.tie is not Tie.COLUMNS:
            continue
        where = " OR ".join(f"{column} = ?" for column in found.columns)
        row = await db.fetch_one(
            f"SELECT 1 FROM {found.table} WHERE {where} LIMIT 1",
            tuple(user_id for _ in found.columns),
        )
        if row is not None:
            return True
    return False


async def newest_activity(db: Store, user_id: int) -> datetime | None:
    """When the person last added something: first contact, a cramp, a plan, a check-in answer,
    a team joined or coached. A confirmation asked before this is out of date."""
    row = await db.fetch_one(
        "SELECT MAX(at) AS at FROM ("
        " SELECT first_seen_at AS at FROM users WHERE user_id = :u"
        " UNION ALL SELECT MAX(started_at) FROM episodes WHERE user_id = :u"
        " UNION ALL SELECT MAX(ended_at) FROM episodes WHERE user_id = :u"
        " UNION ALL SELECT MAX(created_at) FROM plans WHERE user_id = :u"
        " UNION ALL SELECT MAX(c.answered_at) FROM checkins c JOIN plans p ON p.id = c.plan_id"
        "   WHERE p.user_id = :u"
        " UNION ALL SELECT MAX(joined_at) FROM team_members WHERE user_id = :u"
        " UNION ALL SELECT MAX(added_at) FROM team_coaches WHERE user_id = :u"
        " UNION ALL SELECT MAX(updated_at) FROM programmes WHERE user_id = :u"
        " UNION ALL SELECT MAX(answered_at) FROM programme_sessions WHERE user_id = :u"
        " UNION ALL SELECT MAX(answered_at) FROM programme_weeks WHERE user_id = :u"
        ") AS activity",
        {"u": user_id},
    )
    return None if row is None or row["at"] is None else from_db(row["at"])


async def export_data(
    db: Store, user_id: int, now: datetime, *, current_update: int | None = None
) -> dict[str, Any]:
    """Everything stored about ``user_id``, as the documented export format (README, "Your
    data"). ``current_update``: the update asking for it, left out of the updates in hand."""
    user = await db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
    episodes = await db.fetch_all(
        "SELECT * FROM episodes WHERE user_id = ? ORDER BY started_at, id", (user_id,)
    )
    plans = await db.fetch_all(
        "SELECT * FROM plans WHERE user_id = ? OR chat_id = ? ORDER BY created_at, id",
        (user_id, user_id),
    )
    plan_list = []
    for plan in plans:
        checkins = await db.fetch_all(
            "SELECT * FROM checkins WHERE plan_id = ? ORDER BY local_date, id", (plan["id"],)
        )
        plan_list.append(
            {
                **_plain(plan, leave_out=("user_id",)),
                "checkins": [_plain(c, leave_out=("plan_id",)) for c in checkins],
            }
        )
    joined = await db.fetch_all(
        "SELECT m.*, t.name AS team_name, t.status AS team_status FROM team_members m "
        "JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? ORDER BY m.team_id",
        (user_id,),
    )
    coached = await db.fetch_all(
        "SELECT c.*, t.name AS team_name, t.status AS team_status, t.chat_kind "
        "FROM team_coaches c JOIN teams t ON t.id = c.team_id WHERE c.user_id = ? "
        "ORDER BY c.team_id",
        (user_id,),
    )
    alerts = await db.fetch_all(
        "SELECT * FROM team_alerts WHERE user_id = ? ORDER BY sent_at, team_id", (user_id,)
    )
    digests = await db.fetch_all(
        "SELECT * FROM team_digests WHERE coach_id = ? ORDER BY local_date, team_id", (user_id,)
    )
    user_data = await db.fetch_all("SELECT * FROM ptb_user_data WHERE user_id = ?", (user_id,))
    programme = await db.fetch_one("SELECT * FROM programmes WHERE user_id = ?", (user_id,))
    sessions = await db.fetch_all(
        "SELECT * FROM programme_sessions WHERE user_id = ? ORDER BY due_date, id", (user_id,)
    )
    weeks = await db.fetch_all(
        "SELECT * FROM programme_weeks WHERE user_id = ? ORDER BY week_start, id", (user_id,)
    )
    heat_settings = await db.fetch_one("SELECT * FROM heat_settings WHERE user_id = ?", (user_id,))
    heat_warnings = await db.fetch_all(
        "SELECT * FROM heat_warnings WHERE user_id = ? ORDER BY local_date", (user_id,)
    )
    team_heat = await db.fetch_all(
        "SELECT * FROM team_heat WHERE coach_id = ? ORDER BY team_id", (user_id,)
    )
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": to_db(now),
        "user_id": user_id,
        "user": None if user is None else _plain(user, leave_out=("user_id",)),
        "episodes": [_plain(e, leave_out=("user_id",)) for e in episodes],
        "plans": plan_list,
        "teams_joined": [_plain(m, leave_out=("user_id",)) for m in joined],
        "teams_coached": [_plain(c, leave_out=("user_id",)) for c in coached],
        "alerts_about_you": [_plain(a, leave_out=("user_id",)) for a in alerts],
        "digests_to_you": [_plain(d, leave_out=("coach_id",)) for d in digests],
        "prevention_programme": (
            None if programme is None else _plain(programme, leave_out=("user_id",))
        ),
        "programme_sessions": [_plain(s, leave_out=("user_id",)) for s in sessions],
        "programme_weeks": [_plain(w, leave_out=("user_id",)) for w in weeks],
        "conversations": await _conversations_of(db, user_id),
        "updates_in_hand": await _updates_in_hand(db, user_id, current_update),
        "telegram_library_user_data": [json.loads(row["data"]) for row in user_data],
        "heat_settings": None
        if heat_settings is None
        else _plain(heat_settings, leave_out=("user_id",)),
        "heat_warnings": [_plain(w, leave_out=("user_id",)) for w in heat_warnings],
        "team_heat_set_up": [_plain(t, leave_out=("coach_id",)) for t in team_heat],
    }


async def _conversations_of(db: Store, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT flow, chat_id, step FROM conversation_steps WHERE user_id = ? OR chat_id = ? "
        "ORDER BY flow, chat_id",
        (user_id, user_id),
    )
    return [{"flow": row["flow"], "chat_id": row["chat_id"], "step": row["step"]} for row in rows]


async def _updates_in_hand(
    db: Store, user_id: int, current_update: int | None
) -> list[dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT update_id, payload, received_at FROM inbox WHERE done_at IS NULL ORDER BY update_id"
    )
    found = []
    for row in rows:
        if row["update_id"] == current_update or not _payload_names(row["payload"], user_id):
            continue
        try:
            payload: Any = json.loads(row["payload"])
        except ValueError:
            payload = row["payload"]
        found.append(
            {"update_id": row["update_id"], "received_at": row["received_at"], "update": payload}
        )
    return found


# --- Who a JSON column names -----------------------------------------------------------------


def _payload_names(payload: str, user_id: int) -> bool:
    """A raw update from Telegram: from the user, in their private chat, or about them.

    Every User and Chat object in an update has an integer ``id``; message ids, update ids and
    callback query ids are named otherwise (or are strings), so matching ``"id"`` keys does not
    confuse a message number with a person.
    """
    if not payload:
        return False
    try:
        update = json.loads(payload)
    except ValueError:
        return str(user_id) in payload  # unreadable: any mention counts
    return any(value == user_id for value in _ids(update))


def _ids(node: object) -> Iterator[object]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "id" and isinstance(value, int) and not isinstance(value, bool):
                yield value
            else:
                yield from _ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _ids(item)


# --- The erasure (/delete) -------------------------------------------------------------------


@dataclass(frozen=True)
class TeamLeft:
    """A team the person coached: handed to the coaches who remain, or closed (archived)."""

    team_id: int
    name: str
    remaining_coaches: tuple[int, ...]  # empty: the team was closed

    @property
    def closed(self) -> bool:
        return not self.remaining_coaches


@dataclass(frozen=True)
class Erasure:
    """What :func:`delete_everything_about` did."""

    rows: dict[str, int] = field(default_factory=dict)  # rows erased (or emptied) per table
    episode_ids: tuple[int, ...] = ()  # their timers may still be scheduled: cancel them
    teams: tuple[TeamLeft, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def delete_everything_about(
    db: Store, user_id: int, now: datetime, *, keep_update: int | None = None
) -> Erasure:
    """Erase every row about ``user_id``, in one transaction.

    Teams they coach (active ones) go to the coaches who remain, or are closed when there are
    none (archived, as when the bot is removed from the group: links join nothing). Updates
    from or about them that wait in the inbox are emptied and marked done (never handled);
    ``keep_update``, the update asking for the erasure, and those after it are left for the
    inbox to mark done (which empties them) once handled.
    """
    async with db.write() as conn:
        episode_ids = tuple(
            row[0]
            for row in await conn.execute_fetchall(
                "SELECT id FROM episodes WHERE user_id = ?", (user_id,)
            )
        )
        teams = await _leave_teams_coached(conn, user_id)
        rows: dict[str, int] = {}
        for found in PERSONAL:
            rows[found.table] = await _erase(conn, found, user_id, now, keep_update)
    return Erasure(rows={t: n for t, n in rows.items() if n}, episode_ids=episode_ids, teams=teams)


async def _leave_teams_coached(conn: Tx, user_id: int) -> tuple[TeamLeft, ...]:
    coached = await conn.execute_fetchall(
        "SELECT t.id, t.name FROM teams t JOIN team_coaches c ON c.team_id = t.id "
        "WHERE c.user_id = ? AND t.status = 'active' ORDER BY t.id",
        (user_id,),
    )
    left = []
    for team_id, name in coached:
        others = tuple(
            row[0]
            for row in await conn.execute_fetchall(
                "SELECT user_id FROM team_coaches WHERE team_id = ? AND user_id != ? "
                "ORDER BY added_at",
                (team_id, user_id),
            )
        )
        if not others:
            # As storage.teams.archive_team: the links join nothing, the chat is free again.
            await conn.execute(
                "UPDATE teams SET status = 'archived', chat_id = NULL WHERE id = ?", (team_id,)
            )
        left.append(TeamLeft(team_id, name, others))
    return tuple(left)


async def _erase(conn: Tx, found: Holder, user_id: int, now: datetime, keep: int | None) -> int:
    if found.tie is Tie.COLUMNS:
        where = " OR ".join(f"{column} = ?" for column in found.columns)
        cursor = await conn.execute(
            f"DELETE FROM {found.table} WHERE {where}", tuple(user_id for _ in found.columns)
        )
        return cursor.rowcount
    if found.tie is Tie.THROUGH:
        assert found.parent is not None
        column, parent = found.parent
        owner = holder(parent)
        where = " OR ".join(f"{c} = ?" for c in owner.columns)
        cursor = await conn.execute(
            f"DELETE FROM {found.table} WHERE {column} IN (SELECT id FROM {parent} WHERE {where})",
            tuple(user_id for _ in owner.columns),
        )
        return cursor.rowcount
    if found.table == "inbox":
        # Handled rows keep only their id (the payload was emptied when they were done).
        rows = await conn.execute_fetchall(
            "SELECT update_id, payload FROM inbox WHERE done_at IS NULL"
        )
        # Only what came before the erasure's own update: what the person sent after it (a
        # /cramp right behind the press) is a new start, handled (several workers claim it
        # from this table, so it must stay readable) and emptied once done.
        doomed_ids = [
            (to_db(now), update_id)
            for update_id, payload in rows
            if (keep is None or update_id < keep) and _payload_names(payload, user_id)
        ]
        await conn.executemany(
            "UPDATE inbox SET payload = '', done_at = ? WHERE update_id = ?", doomed_ids
        )
        return len(doomed_ids)
    raise AssertionError(f"no erasure for {found.table}: declare how its rows are found")
