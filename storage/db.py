"""The SQLite database: two connections to one file in WAL mode, used from the event loop.

Why not a thread per connection (aiosqlite): a statement against SQLite's page cache takes a
few microseconds, and the hop to a worker thread and back took ten to twenty times that under
load; an SOS step made a dozen such hops. So statements run on the event loop's thread, and the
two things that can take long never do: the write lock of another process (an operator's
``python -m bot restore``) is waited for with ``asyncio.sleep`` between tries, not inside
SQLite, and the checkpoint that copies the write-ahead log into the file (an ``fsync``) runs
in a thread of its own (:meth:`Database.checkpoint`), not inside a commit.

Writes: a **turn** (:meth:`Database.turn`, see ``storage.unit_of_work``) is one update's unit of
work. While one is open in the current task, every write made through this class joins its
transaction (taken at the first write, ``BEGIN IMMEDIATE``, and committed once at the end of the
update), and reads after that first write see it. Outside a turn, :meth:`Database.write` is a
transaction of its own. One writer at a time in the process (an asyncio lock); readers use the
other connection and see only what is committed.

This is health data: the file is created readable by its owner only (0600), and SQLite gives
its ``-wal`` and ``-shm`` side files the same mode. A file that cannot be used (not a database,
written by a newer version, a path that cannot be read or written) raises
:class:`DatabaseUnusable` with one line that says why, before anything is written to it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import logging
import os
import sqlite3
import stat
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from pathlib import Path
from typing import Any

from storage.migrations import LATEST_VERSION, apply_migrations, schema_version
from storage.store import (
    Cursor,
    DatabaseUnusable,
    Params,
    Statement,
    Store,
    Turn,
    Tx,
    WriteResult,
)
from storage.store import (
    Row as StoreRow,
)

__all__ = ["Cursor", "Database", "DatabaseUnusable", "Params", "Row", "Tx", "WriteResult"]

_LOGGER = logging.getLogger(__name__)

Row = sqlite3.Row  # satisfies storage.store.Row

BUSY_TIMEOUT_MS = 5_000  # how long a write waits for another process's write lock
# Inside SQLite a connection waits at most this long (it blocks the event loop meanwhile); the
# rest of BUSY_TIMEOUT_MS is waited for between tries, with the loop free.
_BLOCKING_BUSY_MS = 50
_RETRY_PAUSE = 0.01  # seconds between tries for the write lock
# SQLite's page cache per connection, in KiB (its default is 2,000 on each). The pages also sit
# in the operating system's file cache, so a page read again after it left ours costs a copy,
# not a disk read (the memory benchmark).
CACHE_KIB = 512
PRIVATE_MODE = 0o600  # owner read and write: the file holds health data
# Commits between two checkpoints of the write-ahead log (SQLite's own default is 1,000 pages;
# a unit of work writes about ten), and the size a restarted log is cut back to.
CHECKPOINT_EVERY = 100
WAL_KEEP_BYTES = 16 * 1024 * 1024


class SqliteCursor(Cursor):
    """What a statement left: its row count, the id it inserted, the rows it read."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> StoreRow | None:
        row: Row | None = self._cursor.fetchone()
        return row

    async def fetchall(self) -> list[StoreRow]:
        return list(self._cursor.fetchall())

    async def close(self) -> None:
        self._cursor.close()


class _Executed:
    """A statement already run: awaited, or entered with ``async with``, it gives its cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: SqliteCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._result().__await__()

    async def _result(self) -> SqliteCursor:
        return self._cursor

    async def __aenter__(self) -> SqliteCursor:
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        await self._cursor.close()


class SqliteTx(Tx):
    """A connection inside a write transaction (or a savepoint of one)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> _Executed:
        return _Executed(SqliteCursor(self._conn.execute(sql, params)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> SqliteCursor:
        return SqliteCursor(self._conn.executemany(sql, rows))

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[StoreRow]:
        return list(self._conn.execute(sql, params).fetchall())


class SqliteTurn(Turn):
    """A turn (see :class:`storage.store.Turn`) on the SQLite file: ``BEGIN IMMEDIATE`` at its
    first write, under the process's one write lock."""

    db: Database

    def __init__(self, db: Database) -> None:
        self.db = db
        self.begun = False  # holds the write lock and an open transaction
        self.closed = False
        self._savepoints = 0

    async def begin(self) -> sqlite3.Connection:
        """The writer connection, inside this turn's transaction (taken now if not yet)."""
        if self.closed:
            raise RuntimeError("this unit of work is already committed or rolled back")
        if not self.begun:
            await self.db._lock.acquire()
            try:
                await self.db._begin_immediate()
            except BaseException:
                self.db._lock.release()
                raise
            self.begun = True
        return self.db._connection(writer=True)

    async def tx(self) -> SqliteTx:
        """The turn's transaction itself (no savepoint): for its own final writes."""
        return SqliteTx(await self.begin())

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[SqliteTx]:
        """A nested block of writes: undone alone if it fails, the turn's other writes kept."""
        conn = await self.begin()
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield SqliteTx(conn)
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")

    async def commit(self) -> None:
        self._finish("COMMIT")

    async def rollback(self) -> None:
        self._finish("ROLLBACK")

    async def undo(self) -> None:
        """Roll back what was written so far; the turn stays open for what comes next."""
        if self.begun:
            self.db._connection(writer=True).execute("ROLLBACK")
            self.begun = False
            self.db._lock.release()

    def _finish(self, how: str) -> None:
        if self.closed:
            return
        self.closed = True
        if self.begun:
            self.begun = False
            try:
                self.db._connection(writer=True).execute(how)
            finally:
                self.db._lock.release()
            if how == "COMMIT":
                self.db._committed()


_TURN: contextvars.ContextVar[SqliteTurn | None] = contextvars.ContextVar(
    "crampcoach_turn", default=None
)


class Database(Store):
    """Owns the connections to one SQLite file. Open it once; it is safe to call open twice."""

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()  # one write transaction at a time in this process
        self._open_lock = asyncio.Lock()
        self._checkpointing: asyncio.Task[None] | None = None
        self._since_checkpoint = 0
        # One thread and one connection for checkpoints, kept: a connection opened per
        # checkpoint in whichever pool thread was free left a page cache's worth of memory
        # behind in each thread's allocator arena (the memory benchmark).
        self._checkpoint_thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._checkpoint_conn: sqlite3.Connection | None = None
        self.commits = 0  # write transactions committed (the benchmarks count them per update)

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    @property
    def where(self) -> str:
        return str(self.path)

    async def schema_version(self) -> int:
        await self._ensure_open()
        return schema_version(self._connection(writer=False))

    async def open(self) -> None:
        """Connect, set the pragmas and apply pending migrations.

        Raises :class:`DatabaseUnusable` (and leaves the file as it was) when the file is not
        a database, comes from a newer version, or cannot be read or written.
        """
        async with self._open_lock:
            if self._writer is not None:
                return
            try:
                self._open()
            except (sqlite3.Error, OSError) as exc:
                raise DatabaseUnusable(describe_failure(self.path, exc)) from None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._refuse_unknown_file()
        _create_private(self.path)
        writer = _connect(self.path)
        try:
            writer.execute("PRAGMA journal_mode=WAL")
            # At start-up, before serving anyone: wait for another process's migration.
            writer.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            apply_migrations(writer)
            writer.execute(f"PRAGMA busy_timeout={_BLOCKING_BUSY_MS}")
            reader = _connect(self.path)
        except BaseException:
            writer.close()
            raise
        self._writer, self._reader = writer, reader
        _tighten_modes(self.path)
        _LOGGER.info("Database ready at %s", self.path)

    def _refuse_unknown_file(self) -> None:
        """Read an existing file without writing to it: a database, of a version we know?"""
        if not self.path.exists():
            return
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master")  # "file is not a database"
            version = schema_version(conn)
        finally:
            conn.close()
        if version > LATEST_VERSION:
            raise DatabaseUnusable(
                f"{self.path} was written by a newer CrampCoach (schema version {version}; this "
                f"one knows up to {LATEST_VERSION}): run the newer version or restore a backup"
            )

    async def close(self) -> None:
        async with self._open_lock:
            if self._checkpointing is not None:
                await asyncio.gather(self._checkpointing, return_exceptions=True)
            if self._checkpoint_thread is not None:
                conn, self._checkpoint_conn = self._checkpoint_conn, None
                if conn is not None:
                    self._checkpoint_thread.submit(conn.close).result()
                self._checkpoint_thread.shutdown()
                self._checkpoint_thread = None
            for conn in (self._reader, self._writer):
                if conn is not None:
                    conn.close()
            self._writer = self._reader = None

    # --- Turns ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[SqliteTurn]:
        """Open a turn in the current context (see :class:`Turn`); the caller commits it.

        Left without a commit (an error), whatever it wrote is rolled back.
        """
        turn = SqliteTurn(self)
        token = _TURN.set(turn)
        try:
            yield turn
        finally:
            _TURN.reset(token)
            turn._finish("ROLLBACK")  # nothing if it was committed

    def _current_turn(self) -> SqliteTurn | None:
        turn = _TURN.get()
        if turn is None or turn.db is not self or turn.closed:
            return None
        return turn

    # --- Writes --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteTx]:
        """A block of writes, all or none: inside a turn, a savepoint of it (committed with the
        turn); otherwise a transaction of its own, committed at the end of the block."""
        await self._ensure_open()
        turn = self._current_turn()
        if turn is not None:
            async with turn.savepoint() as tx:
                yield tx
            return
        async with self._lock:
            await self._begin_immediate()
            conn = self._connection(writer=True)
            try:
                yield SqliteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        self._committed()

    async def transaction(self, statements: Sequence[Statement]) -> list[WriteResult]:
        """A few write statements, all or none."""
        if not statements:
            return []
        turn = self._current_turn()
        if turn is not None and len(statements) == 1:
            # One statement is all or none by itself: no savepoint around it.
            [(sql, params)] = statements
            done = (await turn.begin()).execute(sql, params)
            return [WriteResult(done.rowcount, done.lastrowid)]
        results = []
        async with self.write() as tx:
            for sql, params in statements:
                cursor = await tx.execute(sql, params)
                results.append(WriteResult(cursor.rowcount, cursor.lastrowid))
        return results

    async def _begin_immediate(self) -> None:
        """Take SQLite's write lock, waiting for another process's with the loop free."""
        conn = self._connection(writer=True)
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(_RETRY_PAUSE)

    def _committed(self) -> None:
        self.commits += 1
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY and self._checkpointing is None:
            self._since_checkpoint = 0
            self._checkpointing = asyncio.get_running_loop().create_task(self.checkpoint())

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, in a thread (it may ``fsync``).

        Our writers wait meanwhile (the write lock is held; reads and handlers go on), so the
        checkpoint catches up with the log's end and the next write starts the log again from
        its beginning: with writes going on beside it, a checkpoint never catches up, and the
        log grew by gigabytes in a busy hour.
        """
        try:
            async with self._lock:
                if self._checkpoint_thread is None:
                    self._checkpoint_thread = concurrent.futures.ThreadPoolExecutor(
                        1, thread_name_prefix="sqlite-checkpoint"
                    )
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._checkpoint_thread, self._checkpoint_now)
        except sqlite3.Error as exc:
            _LOGGER.warning("Checkpoint of the write-ahead log failed: %s", exc)
        finally:
            self._checkpointing = None

    def _checkpoint_now(self) -> None:
        """On the checkpoint thread."""
        if self._checkpoint_conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA cache_size=-64")  # it copies pages; it need not keep them
            self._checkpoint_conn = conn
        self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    # --- Reads ---------------------------------------------------------------------------------

    async def fetch_all(self, sql: str, params: Params = ()) -> list[StoreRow]:
        """Committed rows; inside a turn that has written, its own writes too."""
        await self._ensure_open()
        turn = self._current_turn()
        conn = self._connection(writer=turn is not None and turn.begun)
        return list(conn.execute(sql, params).fetchall())

    # --- Connections ---------------------------------------------------------------------------

    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` with every statement either connection runs (None: stop);
        for tests and benchmarks that count what an update costs."""
        for conn in (self._writer, self._reader):
            if conn is not None:
                conn.set_trace_callback(callback)

    async def _ensure_open(self) -> None:
        if self._writer is None:
            await self.open()

    def _connection(self, *, writer: bool) -> sqlite3.Connection:
        conn = self._writer if writer else self._reader
        if conn is None:
            raise DatabaseUnusable(f"the database {self.path} is closed")
        return conn


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={_BLOCKING_BUSY_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode: a commit survives an application crash (kill -9).
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB:d}")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # Database.checkpoint does it, off the loop
        conn.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES:d}")
    except BaseException:
        conn.close()
        raise
    return conn


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
