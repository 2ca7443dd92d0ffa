"""The prevention programme after recovery: one row per athlete, its sessions and its weekly
check-ins.

Like the recovery plan's check-ins (``storage.plans``), the next session and the next weekly
check-in are UTC instants on the programme's row, indexed, and the scheduler asks what is due.
Claiming a session inserts its row, unique per athlete and local date, and moves the next
instant on in the same transaction: a second claim of the same session cannot happen, whatever
restarts happen. A claim is marked sent in the unit of work that queues its message.

Every function writes inside the current unit of work when one is open (``Store.write``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from rules.strength import Answer
from storage.store import Row, Store, skip_locked
from storage.timestamps import from_db, from_db_or_none, to_db


class ProgrammeStatus(StrEnum):
    """Stored by value: keep the values stable."""

    SETUP = "setup"  # the athlete is picking the days and the time
    ACTIVE = "active"
    PAUSED = "paused"  # by a new cramp (or the athlete); resumed from /prevent or the offer
    STOPPED = "stopped"


class Editing(StrEnum):
    DAYS = "days"
    TIME = "time"


@dataclass(frozen=True)
class Programme:
    user_id: int
    chat_id: int
    status: ProgrammeStatus
    editing: Editing | None
    level: int
    weekdays: str  # "0,2,4": Monday is 0 (rules.prevention.parse_weekdays)
    session_time: str | None  # "HH:MM", local
    zone: str | None
    next_session_at: datetime | None
    next_week_at: datetime | None
    started_at: datetime
    paused_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    due_date: date
    level: int
    claimed_at: datetime
    sent_at: datetime | None
    answer: Answer | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Week:
    id: int
    user_id: int
    week_start: date
    claimed_at: datetime
    sent_at: datetime | None
    cramps: bool | None
    training: str | None  # "well", "hard", "pain"
    sessions_done: int | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Slot:
    """Where a due item falls: its local date (or week's Monday) and the next instant."""

    local_date: date
    next_at: datetime


_Item = TypeVar("_Item", "Session", "Week")


def _programme(row: Row) -> Programme:
    return Programme(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        status=ProgrammeStatus(row["status"]),
        editing=None if row["editing"] is None else Editing(row["editing"]),
        level=row["level"],
        weekdays=row["weekdays"],
        session_time=row["session_time"],
        zone=row["zone"],
        next_session_at=from_db_or_none(row["next_session_at"]),
        next_week_at=from_db_or_none(row["next_week_at"]),
        started_at=from_db(row["started_at"]),
        paused_at=from_db_or_none(row["paused_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def _session(row: Row) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        due_date=date.fromisoformat(row["due_date"]),
        level=row["level"],
        claimed_at=from_db(row["claimed_at"]),
        sent_at=from_db_or_none(row["sent_at"]),
        answer=None if row["answer"] is None else Answer(row["answer"]),
        answered_at=from_db_or_none(row["answered_at"]),
    )


def _week(row: Row) -> Week:
    return Week(
        id=row["id"],
        user_id=row["user_id"],
        week_start=date.fromisoformat(row["week_start"]),
        claimed_at=from_db(row["claimed_at"]),
        sent_at=from_db_or_none(row["sent_at"]),
        cramps=None if row["cramps"] is None else bool(row["cramps"]),
        training=row["training"],
        sessions_done=row["sessions_done"],
        answered_at=from_db_or_none(row["answered_at"]),
    )


# --- The programme ------------------------------------------------------------------------------


async def programme_of(db: Store, user_id: int) -> Programme | None:
    row = await db.fetch_one("SELECT * FROM programmes WHERE user_id = ?", (user_id,))
    return None if row is None else _programme(row)


async def start_setup(
    db: Store, user_id: int, chat_id: int, zone: str | None, now: datetime
) -> Programme:
    """Start (or restart) choosing the days: the level reached before is kept."""
    stamp = to_db(now)
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO programmes (user_id, chat_id, status, editing, weekdays, zone, "
            "started_at, updated_at) VALUES (?, ?, 'setup', 'days', '', ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            "status = 'setup', editing = 'days', weekdays = '', "
            "zone = COALESCE(excluded.zone, programmes.zone), next_session_at = NULL, "
            "next_week_at = NULL, updated_at = excluded.updated_at",
            (user_id, chat_id, zone, stamp, stamp),
        )
    programme = await programme_of(db, user_id)
    assert programme is not None
    return programme


async def change_days(db: Store, user_id: int, now: datetime) -> None:
    """ "Change days" on a running programme: pick again; sessions wait until Done."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programmes SET editing = 'days', weekdays = '', updated_at = ? "
            "WHERE user_id = ?",
            (to_db(now), user_id),
        )


async def set_weekdays(db: Store, user_id: int, weekdays: str, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programmes SET weekdays = ?, updated_at = ? WHERE user_id = ?",
            (weekdays, to_db(now), user_id),
        )


async def set_editing(db: Store, user_id: int, editing: Editing | None, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programmes SET editing = ?, updated_at = ? WHERE user_id = ?",
            (editing, to_db(now), user_id),
        )


async def activate(
    db: Store,
    user_id: int,
    *,
    session_time: str,
    zone: str,
    next_session_at: datetime | None,
    next_week_at: datetime,
    now: datetime,
) -> None:
    """The days and time are chosen (or the programme resumes): sessions are scheduled."""
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programmes SET status = 'active', editing = NULL, session_time = ?, "
            "zone = ?, next_session_at = ?, next_week_at = ?, paused_at = NULL, updated_at = ? "
            "WHERE user_id = ?",
            (
                session_time,
                zone,
                None if next_session_at is None else to_db(next_session_at),
                to_db(next_week_at),
                to_db(now),
                user_id,
            ),
        )


async def pause(db: Store, user_id: int, now: datetime) -> bool:
    """A new cramp (or the athlete): nothing more is sent until it resumes. True if it was
    running or being set up."""
    result = await db.execute_write(
        "UPDATE programmes SET status = 'paused', editing = NULL, next_session_at = NULL, "
        "next_week_at = NULL, paused_at = ?, updated_at = ? "
        "WHERE user_id = ? AND status IN ('active', 'setup')",
        (to_db(now), to_db(now), user_id),
    )
    return result.rowcount > 0


async def stop(db: Store, user_id: int, now: datetime) -> bool:
    result = await db.execute_write(
        "UPDATE programmes SET status = 'stopped', editing = NULL, next_session_at = NULL, "
        "next_week_at = NULL, updated_at = ? WHERE user_id = ? AND status <> 'stopped'",
        (to_db(now), user_id),
    )
    return result.rowcount > 0


async def leave_setup(db: Store, user_id: int, now: datetime) -> bool:
    """/cancel while picking days or a time: a first set-up is dropped (stopped), a change of
    days on a running programme keeps the days it had. True if something was left."""
    programme = await programme_of(db, user_id)
    if programme is None or programme.editing is None:
        return False
    if programme.status is ProgrammeStatus.SETUP:
        await stop(db, user_id, now)
    else:
        await set_editing(db, user_id, None, now)
    return True


async def set_level(db: Store, user_id: int, level: int, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programmes SET level = ?, updated_at = ? WHERE user_id = ?",
            (level, to_db(now), user_id),
        )


# --- Claiming what is due -------------------------------------------------------------------


async def claim_due_sessions(
    db: Store, now: datetime, limit: int, slot_of: Callable[[Programme], Slot]
) -> list[tuple[Programme, Session]]:
    """Claim due sessions in one transaction: a row per session (unique per athlete and date),
    the programme's next instant moved on. After downtime, one session: the latest due."""
    return await _claim(
        db,
        now,
        limit,
        slot_of,
        column="next_session_at",
        insert=(
            "INSERT INTO programme_sessions (user_id, due_date, level, claimed_at) "
            "SELECT user_id, ?, level, ? FROM programmes WHERE user_id = ? "
            "ON CONFLICT (user_id, due_date) DO NOTHING"
        ),
        table="programme_sessions",
        make=_session,
    )


async def claim_due_weeks(
    db: Store, now: datetime, limit: int, slot_of: Callable[[Programme], Slot]
) -> list[tuple[Programme, Week]]:
    """Claim due weekly check-ins (``Slot.local_date``: the week's Monday), like sessions."""
    return await _claim(
        db,
        now,
        limit,
        slot_of,
        column="next_week_at",
        insert=(
            "INSERT INTO programme_weeks (user_id, week_start, claimed_at) "
            "SELECT user_id, ?, ? FROM programmes WHERE user_id = ? "
            "ON CONFLICT (user_id, week_start) DO NOTHING"
        ),
        table="programme_weeks",
        make=_week,
    )


async def _claim(
    db: Store,
    now: datetime,
    limit: int,
    slot_of: Callable[[Programme], Slot],
    *,
    column: str,
    insert: str,
    table: str,
    make: Callable[[Row], _Item],
) -> list[tuple[Programme, _Item]]:
    stamp = to_db(now)
    async with db.write() as conn:
        async with conn.execute(
            # Nothing is claimed while the days are being changed: Done schedules again.
            f"SELECT p.* FROM programmes p WHERE p.status = 'active' AND p.editing IS NULL "
            f"AND p.{column} <= ? "
            f"ORDER BY p.{column} LIMIT ?{skip_locked(db, 'p')}",
            (stamp, limit),
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        due: dict[int, Programme] = {}
        for row in rows:
            programme = _programme(row)
            slot = slot_of(programme)
            due[programme.user_id] = programme
            await conn.execute(insert, (slot.local_date.isoformat(), stamp, programme.user_id))
            await conn.execute(
                f"UPDATE programmes SET {column} = ? WHERE user_id = ?",
                (to_db(slot.next_at), programme.user_id),
            )
        async with conn.execute(
            f"SELECT * FROM {table} WHERE claimed_at = ? AND sent_at IS NULL "
            "AND user_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (stamp, json.dumps(list(due))),
        ) as cursor:
            claimed = [make(row) for row in await cursor.fetchall()]
    return [(due[item.user_id], item) for item in claimed]


async def unsent_sessions(
    db: Store, claimed_before: datetime, claimed_after: datetime
) -> list[tuple[Programme, Session]]:
    """Sessions claimed but never marked sent (their unit never committed): queue again."""
    rows = await db.fetch_all(
        "SELECT s.* FROM programme_sessions s JOIN programmes p ON p.user_id = s.user_id "
        "WHERE s.sent_at IS NULL AND s.claimed_at < ? AND s.claimed_at >= ? "
        "AND p.status = 'active' ORDER BY s.claimed_at LIMIT 1000",
        (to_db(claimed_before), to_db(claimed_after)),
    )
    return await _with_programmes(db, [_session(row) for row in rows])


async def unsent_weeks(
    db: Store, claimed_before: datetime, claimed_after: datetime
) -> list[tuple[Programme, Week]]:
    rows = await db.fetch_all(
        "SELECT w.* FROM programme_weeks w JOIN programmes p ON p.user_id = w.user_id "
        "WHERE w.sent_at IS NULL AND w.claimed_at < ? AND w.claimed_at >= ? "
        "AND p.status = 'active' ORDER BY w.claimed_at LIMIT 1000",
        (to_db(claimed_before), to_db(claimed_after)),
    )
    return await _with_programmes(db, [_week(row) for row in rows])


async def _with_programmes(db: Store, items: list[_Item]) -> list[tuple[Programme, _Item]]:
    result = []
    for item in items:
        programme = await programme_of(db, item.user_id)
        if programme is not None:
            result.append((programme, item))
    return result


async def mark_session_sent(db: Store, session_id: int, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programme_sessions SET sent_at = ? WHERE id = ?", (to_db(now), session_id)
        )


async def mark_week_sent(db: Store, week_id: int, now: datetime) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programme_weeks SET sent_at = ? WHERE id = ?", (to_db(now), week_id)
        )


# --- Answers ---------------------------------------------------------------------------------


async def get_session(db: Store, session_id: int) -> Session | None:
    row = await db.fetch_one("SELECT * FROM programme_sessions WHERE id = ?", (session_id,))
    return None if row is None else _session(row)


async def newest_session_of(db: Store, user_id: int) -> Session | None:
    """The newest session sent: the only one that takes an answer."""
    row = await db.fetch_one(
        "SELECT * FROM programme_sessions WHERE user_id = ? AND sent_at IS NOT NULL "
        "ORDER BY due_date DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else _session(row)


async def record_answer(db: Store, session_id: int, answer: Answer, now: datetime) -> bool:
    """The session's answer, once. True if this was the first."""
    result = await db.execute_write(
        "UPDATE programme_sessions SET answer = ?, answered_at = ? "
        "WHERE id = ? AND answered_at IS NULL",
        (answer.value, to_db(now), session_id),
    )
    return result.rowcount > 0


async def answers_at_level(db: Store, user_id: int, level: int) -> list[Answer]:
    """The answers given at ``level`` since the athlete last reached it, oldest first."""
    rows = await db.fetch_all(
        "SELECT level, answer FROM programme_sessions WHERE user_id = ? AND answer IS NOT NULL "
        "ORDER BY due_date DESC, id DESC",
        (user_id,),
    )
    answers: list[Answer] = []
    for row in rows:
        if row["level"] != level:
            break
        answers.append(Answer(row["answer"]))
    return answers[::-1]


async def sessions_of(db: Store, user_id: int) -> list[Session]:
    rows = await db.fetch_all(
        "SELECT * FROM programme_sessions WHERE user_id = ? ORDER BY due_date, id", (user_id,)
    )
    return [_session(row) for row in rows]


async def sessions_done_between(db: Store, user_id: int, first: date, last: date) -> int:
    """Sessions reported done with due dates from ``first`` to ``last``, both included."""
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM programme_sessions WHERE user_id = ? AND answer = 'done' "
        "AND due_date >= ? AND due_date <= ?",
        (user_id, first.isoformat(), last.isoformat()),
    )
    return 0 if row is None else int(row["n"])


async def get_week(db: Store, week_id: int) -> Week | None:
    row = await db.fetch_one("SELECT * FROM programme_weeks WHERE id = ?", (week_id,))
    return None if row is None else _week(row)


async def newest_week_of(db: Store, user_id: int) -> Week | None:
    row = await db.fetch_one(
        "SELECT * FROM programme_weeks WHERE user_id = ? AND sent_at IS NOT NULL "
        "ORDER BY week_start DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else _week(row)


async def record_week_cramps(db: Store, week_id: int, cramps: bool) -> None:
    async with db.write() as conn:
        await conn.execute(
            "UPDATE programme_weeks SET cramps = ? WHERE id = ? AND answered_at IS NULL",
            (int(cramps), week_id),
        )


async def complete_week(
    db: Store, week_id: int, training: str, sessions_done: int, now: datetime
) -> bool:
    result = await db.execute_write(
        "UPDATE programme_weeks SET training = ?, sessions_done = ?, answered_at = ? "
        "WHERE id = ? AND answered_at IS NULL",
        (training, sessions_done, to_db(now), week_id),
    )
    return result.rowcount > 0


async def weeks_of(db: Store, user_id: int) -> list[Week]:
    rows = await db.fetch_all(
        "SELECT * FROM programme_weeks WHERE user_id = ? ORDER BY week_start, id", (user_id,)
    )
    return [_week(row) for row in rows]
