"""The outbox: every message the bot means to send, committed before it is sent.

A unit of work (``storage.unit_of_work``) writes its messages here in the same transaction as
its other writes, keyed by where they came from (``update:<id>``, ``timer:<key>@<due>``,
``checkin:<id>``) and their place among that origin's messages: a replay after a crash writes
the same keys again, and ``ON CONFLICT DO NOTHING`` keeps each once. The sender
(``bot.delivery.outbox``) sends them afterwards and records what happened.

Storage knows nothing of Telegram: a row is a Bot API method, its parameters as JSON, an
optional file, and what kind of message it is. The kind decides what a crash does to the row
whose send was in flight (:data:`NEVER_TWICE`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.store import Store, Tx
from storage.timestamps import from_db, from_db_or_none, to_db

KEEP_FINISHED = timedelta(days=1)  # a finished row is kept this long (an edit may need its id)


class Kind(StrEnum):
    """What a message is, which decides the crash policy (see :data:`NEVER_TWICE`)."""

    REPLY = "reply"  # an answer to the person's own message or press
    PROMPT = "prompt"  # sent on the bot's own clock to the person it concerns (a check-in)
    NOTICE = "notice"  # about someone else, to a coach or a group (an alert, a digest)
    ANSWER = "answer"  # the answer to a button press (stops the client's spinner)


# A reply or a prompt whose send was in flight at a crash is sent again: a repeated "stretch
# now" does no harm, a missing one does. A notice is marked unknown and counted instead: a
# coach told twice of one athlete's cramp is noise, and nobody's safety waits on it.
NEVER_TWICE = frozenset({Kind.NOTICE})


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # refused by Telegram (a bad request), or retried for too long
    BLOCKED = "blocked"  # the person blocked the bot, or the chat is gone
    UNKNOWN = "unknown"  # in flight at a crash and never sent twice: maybe sent
    SKIPPED = "skipped"  # not sent: its guard said no, or the message it edits is unknown
    CANCELLED = "cancelled"  # withdrawn before it was sent


@dataclass(frozen=True)
class Message:
    """One message to send, as a unit of work queues it."""

    chat_id: int
    method: str
    params: dict[str, object]
    kind: Kind = Kind.REPLY
    background: bool = False  # scheduled: people's replies go first (bot.delivery.limiter)
    attachment: bytes | None = None  # a file sent with it (a chart), under params["_file"]
    edit_of: str | None = None  # "origin#position" of the message this one edits
    guard: str | None = None  # a check made just before sending (see bot.delivery.outbox)
    forget: bool = False  # deleted once sent (the last word to someone whose data is erased)


@dataclass(frozen=True)
class Row:
    """A stored message, as the sender reads it."""

    id: int
    origin: str
    position: int
    chat_id: int
    method: str
    params: dict[str, object]
    kind: Kind
    background: bool
    attachment: bytes | None
    edit_of: str | None
    guard: str | None
    attempts: int
    not_before: datetime | None = None
    forget: bool = False

    @property
    def key(self) -> str:
        return f"{self.origin}#{self.position}"

    @classmethod
    def of(cls, row_id: int, origin: str, position: int, message: Message) -> Row:
        """The row a unit of work has just written (handed to the sender without a read)."""
        return cls(
            id=row_id,
            origin=origin,
            position=position,
            chat_id=message.chat_id,
            method=message.method,
            params=message.params,
            kind=message.kind,
            background=message.background,
            attachment=message.attachment,
            edit_of=message.edit_of,
            guard=message.guard,
            attempts=0,
            forget=message.forget,
        )


async def add(
    tx: Tx, origin: str, messages: Sequence[Message], now: datetime
) -> list[tuple[int, int]]:
    """Write ``messages`` in the caller's transaction, under ``origin`` and their positions;
    return (position, row id) of the rows written (a key already there is left as it was).

    One statement for all of a unit's messages, ``RETURNING`` the ids of the rows written."""
    if not messages:
        return []
    stamp = to_db(now)
    values: list[object] = []
    for position, m in enumerate(messages):
        values += (
            origin,
            position,
            m.chat_id,
            m.method,
            json.dumps(m.params, separators=(",", ":")),
            m.attachment,
            m.kind.value,
            int(m.background),
            m.edit_of,
            m.guard,
            int(m.forget),
            stamp,
        )
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(messages))
    cursor = await tx.execute(
        "INSERT INTO outbox (origin, position, chat_id, method, params, attachment, kind, "
        f"background, edit_of, guard, forget, created_at) VALUES {rows} "
        "ON CONFLICT (origin, position) DO NOTHING RETURNING position, id",
        tuple(values),
    )
    return sorted((int(row[0]), int(row[1])) for row in await cursor.fetchall())


_COLUMNS = (
    "id, origin, position, chat_id, method, params, attachment, kind, background, edit_of, "
    "guard, attempts, not_before, forget"
)


@dataclass(frozen=True)
class Waiting:
    """An unsent row, as little of it as a scan needs to decide whether to take it."""

    id: int
    chat_id: int
    not_before: datetime | None


async def waiting(db: Store, *, limit: int = 5000) -> list[Waiting]:
    """Unsent rows, oldest first (those waiting for a retry included: see ``not_before``).

    Only ids, chats and retry times: a sender scans this every second while thousands of
    rows it already holds wait for the rate limiter, and reading their texts each time took a
    quarter of the event loop (``bench.bench_checkins``)."""
    rows = await db.fetch_all(
        "SELECT id, chat_id, not_before FROM outbox WHERE outcome IS NULL ORDER BY id LIMIT ?",
        (limit,),
    )
    return [
        Waiting(int(r["id"]), int(r["chat_id"]), from_db_or_none(r["not_before"])) for r in rows
    ]


# Ids bound in one statement (SQLite allows 32,766 parameters; a batch is far smaller).
_IDS_PER_STATEMENT = 512


def _padded(ids: Sequence[int]) -> list[int]:
    """``ids`` made up to a power of two by repeating the last (an id twice in ``IN`` is
    matched once): a statement's text is one of ten, not one per batch size, so the
    connection's cache of prepared statements holds those few instead of a hundred
    variants, each re-prepared and each using the database library's memory."""
    padded = list(ids)
    if padded:
        size = 1 << (len(padded) - 1).bit_length()
        padded += [padded[-1]] * (size - len(padded))
    return padded


async def rows_by_id(db: Store, ids: Sequence[int]) -> list[Row]:
    """The unsent rows among ``ids``, oldest first."""
    found: list[Row] = []
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        chunk = _padded(ids[start : start + _IDS_PER_STATEMENT])
        marks = ",".join("?" * len(chunk))
        rows = await db.fetch_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE outcome IS NULL AND id IN ({marks}) ORDER BY id",
            tuple(chunk),
        )
        found += [_row(row) for row in rows]
    return found


def _row(row: object) -> Row:
    r = row  # sqlite3.Row
    return Row(
        id=int(r["id"]),  # type: ignore[index]
        origin=str(r["origin"]),  # type: ignore[index]
        position=int(r["position"]),  # type: ignore[index]
        chat_id=int(r["chat_id"]),  # type: ignore[index]
        method=str(r["method"]),  # type: ignore[index]
        params=json.loads(r["params"]),  # type: ignore[index]
        kind=Kind(r["kind"]),  # type: ignore[index]
        background=bool(r["background"]),  # type: ignore[index]
        attachment=r["attachment"],  # type: ignore[index]
        edit_of=r["edit_of"],  # type: ignore[index]
        guard=r["guard"],  # type: ignore[index]
        attempts=int(r["attempts"]),  # type: ignore[index]
        not_before=from_db_or_none(r["not_before"]),  # type: ignore[index]
        forget=bool(r["forget"]),  # type: ignore[index]
    )


async def claim(db: Store, ids: Sequence[int], now: datetime) -> set[int]:
    """Mark rows as in flight, just before they are sent, in one transaction; returns the ids
    this call claimed (a row another sender claimed first, or finished, is left to it)."""
    claimed: set[int] = set()
    if not ids:
        return claimed
    stamp = to_db(now)
    async with db.write() as tx:
        for first in range(0, len(ids), _IDS_PER_STATEMENT):
            chunk = _padded(ids[first : first + _IDS_PER_STATEMENT])
            marks = ", ".join("?" * len(chunk))
            cursor = await tx.execute(
                f"UPDATE outbox SET claimed_at = ? WHERE id IN ({marks}) "
                "AND claimed_at IS NULL AND outcome IS NULL RETURNING id",
                (stamp, *chunk),
            )
            claimed.update(int(row[0]) for row in await cursor.fetchall())
    return claimed


@dataclass(frozen=True)
class Result:
    """What became of one row."""

    id: int
    outcome: Outcome | None  # None: not yet; tried again at ``retry_at``
    message_id: int | None = None
    retry_at: datetime | None = None
    forget: bool = False  # the row goes once finished (Message.forget)
    taken: bool = False  # another sender claimed it first: nothing to record here


async def record(db: Store, results: Sequence[Result], now: datetime) -> None:
    """Record the results of several sends in one transaction. A finished row keeps what an
    edit of it needs (its Telegram id) but not what it said."""
    if not results:
        return
    stamp = to_db(now)
    results = [r for r in results if not r.taken]
    finished = [
        (r.id, r.outcome.value, r.message_id)
        for r in results
        if r.outcome is not None and not r.forget
    ]
    forgotten = [(r.id,) for r in results if r.outcome is not None and r.forget]
    retried = [(to_db(r.retry_at or now), r.id) for r in results if r.outcome is None]
    async with db.write() as tx:
        for first in range(0, len(finished), _RESULTS_PER_STATEMENT):
            await _mark_finished(tx, stamp, finished[first : first + _RESULTS_PER_STATEMENT])
        if forgotten:
            await tx.executemany("DELETE FROM outbox WHERE id = ?", forgotten)
        if retried:
            await tx.executemany(
                "UPDATE outbox SET not_before = ?, attempts = attempts + 1, claimed_at = NULL "
                "WHERE id = ? AND outcome IS NULL",
                retried,
            )


_RESULTS_PER_STATEMENT = 128


async def _mark_finished(
    tx: Tx, stamp: str, finished: Sequence[tuple[int, str, int | None]]
) -> None:
    """Rows finished, with their outcomes and Telegram ids, in one statement (a batch of
    results used to take one per row). Padded to a power of two with rows that match none, so
    a few statement texts serve every batch size (see :func:`_padded`)."""
    size = 1 << (len(finished) - 1).bit_length()
    rows = [*finished, *[(None, None, None)] * (size - len(finished))]
    values = ", ".join(["(CAST(? AS INTEGER), ?, CAST(? AS INTEGER))"] * size)
    await tx.execute(
        "UPDATE outbox SET sent_at = ?, outcome = v.column2, message_id = v.column3, "
        f"params = '{{}}', attachment = NULL FROM (VALUES {values}) AS v "
        "WHERE outbox.id = v.column1 AND outbox.outcome IS NULL",
        (stamp, *(value for row in rows for value in row)),
    )


async def message_id_of(db: Store, key: str) -> int | None:
    """The Telegram id of the message ``key`` ("origin#position"): None if it was not sent, or
    its id is not known (a read time-out)."""
    origin, _, position = key.rpartition("#")
    row = await db.fetch_one(
        "SELECT outcome, message_id FROM outbox WHERE origin = ? AND position = ?",
        (origin, int(position)),
    )
    if row is None or row["outcome"] != Outcome.SENT.value or row["message_id"] is None:
        return None
    return int(row["message_id"])


@dataclass(frozen=True)
class Settled:
    """What :func:`settle_crash` found in flight: notices marked unknown (never sent twice),
    and the other rows released to be sent again."""

    unknown: int
    resent: int


async def settle_crash(
    db: Store, now: datetime, *, claimed_before: datetime | None = None
) -> Settled:
    """At start-up (or when a worker takes the sender's duty over), the rows the last sender
    had claimed and not finished (in flight at a crash): those that must never go twice are
    marked unknown; the others are released, to be sent again. Both are counted.

    ``claimed_before``: only rows claimed before then (a sender that lost its duty and still
    claimed a few rows before it noticed: settled once they are that old)."""
    kinds = ",".join(f"'{k.value}'" for k in NEVER_TWICE)
    before = "" if claimed_before is None else " AND claimed_at < ?"
    params: tuple[str, ...] = () if claimed_before is None else (to_db(claimed_before),)
    async with db.write() as tx:
        cursor = await tx.execute(
            f"UPDATE outbox SET outcome = 'unknown', sent_at = ? WHERE outcome IS NULL "
            f"AND claimed_at IS NOT NULL AND kind IN ({kinds}){before}",
            (to_db(now), *params),
        )
        unknown = cursor.rowcount
        cursor = await tx.execute(
            "UPDATE outbox SET claimed_at = NULL WHERE outcome IS NULL "
            f"AND claimed_at IS NOT NULL{before}",
            params,
        )
        return Settled(unknown=unknown, resent=cursor.rowcount)


async def prune(db: Store, now: datetime) -> int:
    """Forget rows finished more than :data:`KEEP_FINISHED` ago (they hold what was said)."""
    async with db.write() as tx:
        cursor = await tx.execute(
            "DELETE FROM outbox WHERE outcome IS NOT NULL AND sent_at < ?",
            (to_db(now - KEEP_FINISHED),),
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Counts:
    unsent: int
    oldest_unsent_at: datetime | None


async def counts(db: Store) -> Counts:
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE outcome IS NULL"
    )
    if row is None or not row["n"]:
        return Counts(0, None)
    return Counts(int(row["n"]), from_db(row["oldest"]))
