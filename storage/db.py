"""The SQLite database: one writer connection, one reader connection, WAL mode.

Writes go through :meth:`Database.write`, which serialises writers with an asyncio lock and
opens the transaction with ``BEGIN IMMEDIATE``: a deferred transaction that later upgrades to
a write can fail with "database is locked" at once, whatever the busy timeout. Single-statement
writes (:meth:`Database.execute_write`) made at the same time share one trip to the database
thread.

This is health data: the file is created readable by its owner only (0600), and SQLite gives
its ``-wal`` and ``-shm`` side files the same mode. A file that cannot be used (not a database,
written by a newer version, a path that cannot be read or written) raises
:class:`DatabaseUnusable` with one line that says why, before anything is written to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from storage.migrations import LATEST_VERSION, apply_migrations, schema_version

_LOGGER = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
# SQLite's page cache per connection, in KiB (its default is 2,000 on each of the two). The
# pages also sit in the operating system's file cache, so a page read again after it left
# ours costs a copy, not a disk read; a full cache of each would be 3 MiB of the bot's
# resident memory for good (the memory benchmark).
CACHE_KIB = 512
PRIVATE_MODE = 0o600  # owner read and write: the file holds health data


class DatabaseUnusable(Exception):
    """The database cannot be used as it is; the message is one line that says what to do."""


@dataclass(frozen=True)
class WriteResult:
    rowcount: int
    lastrowid: int | None


Params = tuple[object, ...] | dict[str, object]
Statement = tuple[str, Params]
# Statements waiting for the next trip to the writer thread (several: one transaction), and
# who waits for their results.
_Queued = tuple[Sequence[Statement], "asyncio.Future[list[WriteResult]]"]


class Database:
    """Owns the connections to one SQLite file. Open it once; it is safe to call open twice."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()
        self._queued: list[_Queued] = []  # single statements for the next trip
        self._flusher: asyncio.Task[None] | None = None  # the task taking them there

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        """Connect, set the pragmas and apply pending migrations.

        Raises :class:`DatabaseUnusable` (and leaves the file as it was) when the file is not
        a database, comes from a newer version, or cannot be read or written.
        """
        async with self._open_lock:
            if self._writer is not None:
                return
            try:
                await self._open()
            except (sqlite3.Error, OSError) as exc:
                raise DatabaseUnusable(self._describe(exc)) from None

    async def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        await self._refuse_unknown_file()
        _create_private(self.path)
        writer = await self._connect()
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            await apply_migrations(writer)
            reader = await self._connect()
        except BaseException:
            await writer.close()
            raise
        self._writer, self._reader = writer, reader
        _tighten_modes(self.path)
        _LOGGER.info("Database ready at %s", self.path)

    async def _refuse_unknown_file(self) -> None:
        """Read an existing file without writing to it: a database, of a version we know?"""
        if not self.path.exists():
            return
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        conn = await aiosqlite.connect(uri, uri=True)
        try:
            await conn.execute("SELECT count(*) FROM sqlite_master")  # "file is not a database"
            version = await schema_version(conn)
        finally:
            await conn.close()
        if version > LATEST_VERSION:
            raise DatabaseUnusable(
                f"{self.path} was written by a newer CrampCoach (schema version {version}; this "
                f"one knows up to {LATEST_VERSION}): run the newer version or restore a backup"
            )

    def _describe(self, exc: sqlite3.Error | OSError) -> str:
        return describe_failure(self.path, exc)

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys=ON")
            # NORMAL in WAL mode: a commit survives an application crash (kill -9).
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB:d}")
        except BaseException:
            # An open connection is a thread that would keep the process alive.
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        async with self._open_lock:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    await conn.close()
            self._writer = self._reader = None

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        if self._writer is None:
            await self.open()
        assert self._writer is not None
        async with self._write_lock:
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def execute_write(self, sql: str, params: Params = ()) -> WriteResult:
        """One write statement, committed: its own transaction, as if run alone.

        Statements asked for at the same time go to the writer thread together, in one trip,
        in the order they were asked for; each is still a transaction of its own (autocommit),
        so one that fails fails alone. Why: a trip holds the write lock until the event loop
        comes back to it, and under load, one trip per statement made every writer queue
        behind that lock (the saturated benchmark spent two thirds of its time with it held).
        The trip runs under the write lock, so no statement lands inside another caller's
        ``write()`` transaction; each takes SQLite's write lock within the statement (no read
        snapshot held from before). A caller cancelled before the trip leaves its statement out.
        """
        [result] = await self._queue([(sql, params)])
        return result

    async def transaction(self, statements: Sequence[Statement]) -> list[WriteResult]:
        """A few write statements committed together, all or none, in one trip.

        ``write()`` takes a trip for ``BEGIN``, one per statement and one for ``COMMIT``, with
        the write lock held throughout; this is for a transaction that needs no reads and no
        results in between. Shares its trip with concurrent ``execute_write`` calls, as those
        do (see there). A failing statement rolls back the whole transaction and raises.
        """
        if not statements:
            return []
        return await self._queue(list(statements))

    async def _queue(self, statements: Sequence[Statement]) -> list[WriteResult]:
        if self._writer is None:
            await self.open()
        future: asyncio.Future[list[WriteResult]] = asyncio.get_running_loop().create_future()
        self._queued.append((statements, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_writes())
        return await future

    async def _flush_writes(self) -> None:
        """Take the queued statements to the writer thread, a trip at a time, until none wait."""
        batch: list[_Queued] = []
        try:
            while self._queued:
                async with self._write_lock:
                    batch = [queued for queued in self._queued if not queued[1].cancelled()]
                    self._queued = []
                    if not batch:
                        continue
                    if self._writer is None:
                        await self.open()
                    assert self._writer is not None
                    outcomes = await _run_in_thread(self._writer, batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                batch = []
        except Exception as exc:
            # The trip itself failed (the connection is gone): everyone waiting hears why.
            self._fail_waiting(batch, exc)
        except BaseException:
            self._fail_waiting(batch, None)  # cancelled: the loop is shutting down
            raise
        finally:
            self._flusher = None

    def _fail_waiting(self, batch: list[_Queued], exc: Exception | None) -> None:
        """The statements of a failed trip, and those queued after them: failed with ``exc``
        (cancelled if None), so no caller waits for a trip that will not come."""
        for _, future in [*batch, *self._queued]:
            if not future.done():
                if exc is None:
                    future.cancel()
                else:
                    future.set_exception(exc)
        self._queued = []

    async def reader(self) -> aiosqlite.Connection:
        """The read connection: sees what is committed, never a writer's half-done work."""
        if self._reader is None:
            await self.open()
        assert self._reader is not None
        return self._reader

    async def fetch_one(
        self, sql: str, params: tuple[object, ...] | dict[str, object] = ()
    ) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(
        self, sql: str, params: tuple[object, ...] | dict[str, object] = ()
    ) -> list[aiosqlite.Row]:
        # execute_fetchall: one trip to the database thread (execute, fetch and close are three).
        conn = await self.reader()
        return list(await conn.execute_fetchall(sql, params))


def describe_failure(path: Path, exc: sqlite3.Error | OSError) -> str:
    """One line saying why the database at ``path`` cannot be used, and what to do."""
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError | NotADirectoryError):
            reason = f"{exc.filename} is not a folder"
        return (
            f"cannot use the database {path}: {reason}; check that its folder exists "
            "and that the bot's user may read and write it (CRAMPCOACH_DB_PATH)"
        )
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in message or "malformed" in message or "corrupt" in message
    ):
        return (
            f"{path} is not a usable SQLite database ({message}); it was left as it "
            "is: restore it from a backup, or move it aside to start afresh"
        )
    return (
        f"cannot use the database {path} ({message}); check that the file and its "
        "folder may be read and written by the bot's user (CRAMPCOACH_DB_PATH)"
    )


async def _run_in_thread(
    writer: aiosqlite.Connection, batch: Sequence[_Queued]
) -> list[list[WriteResult] | Exception]:
    """Run the queued statements one after another on the writer's thread, in one trip.

    aiosqlite has no public call for running several statements in one trip; ``_execute``
    (queue a function for its thread) is what its own methods use.
    """
    work = [statements for statements, _ in batch]
    outcomes: Any = await writer._execute(  # type: ignore[no-untyped-call]
        _run_each, writer._conn, work
    )
    return outcomes  # type: ignore[no-any-return]


def _run_each(
    conn: sqlite3.Connection, work: Sequence[Sequence[Statement]]
) -> list[list[WriteResult] | Exception]:
    """On the writer's thread: a lone statement in autocommit mode (a transaction of its own),
    several in one transaction; an error is handed to its caller, as if it had run alone."""
    outcomes: list[list[WriteResult] | Exception] = []
    for statements in work:
        atomic = len(statements) > 1
        try:
            if atomic:
                conn.execute("BEGIN IMMEDIATE")
            results = []
            try:
                for sql, params in statements:
                    cursor = conn.execute(sql, params)
                    results.append(WriteResult(cursor.rowcount, cursor.lastrowid))
                    cursor.close()
            except BaseException:
                if atomic:
                    conn.execute("ROLLBACK")
                raise
            if atomic:
                conn.execute("COMMIT")
        except Exception as exc:
            outcomes.append(exc)
        else:
            outcomes.append(results)
    return outcomes


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use the umask, often 0644).

    SQLite creates ``-wal`` and ``-shm`` with the database file's mode, so they follow.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))


def _tighten_modes(path: Path) -> None:
    """A file from before (created 0644) is made private too, side files included."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
            if mode & 0o077:
                candidate.chmod(mode & 0o700)
        except OSError:
            continue  # missing, or not ours to change: SQLite has it open either way
