"""The SQLite database: one writer connection, one reader connection, WAL mode.

Writes go through :meth:`Database.write`, which serialises writers with an asyncio lock and
opens the transaction with ``BEGIN IMMEDIATE``: a deferred transaction that later upgrades to
a write can fail with "database is locked" at once, whatever the busy timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.migrations import apply_migrations

_LOGGER = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000


@dataclass(frozen=True)
class WriteResult:
    rowcount: int
    lastrowid: int | None


class Database:
    """Owns the connections to one SQLite file. Open it once; it is safe to call open twice."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def open(self) -> None:
        """Connect, set the pragmas and apply pending migrations."""
        async with self._open_lock:
            if self._writer is not None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = await self._connect()
            try:
                await writer.execute("PRAGMA journal_mode=WAL")
                await apply_migrations(writer)
                reader = await self._connect()
            except BaseException:
                await writer.close()
                raise
            self._writer, self._reader = writer, reader
            _LOGGER.info("Database ready at %s", self.path)

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode: a commit survives an application crash (kill -9).
        await conn.execute("PRAGMA synchronous=NORMAL")
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

    async def execute_write(
        self, sql: str, params: tuple[object, ...] | dict[str, object] = ()
    ) -> WriteResult:
        """One write statement, committed: one trip to the database thread, not three.

        A single statement in autocommit mode is a transaction of its own. It runs under the
        write lock, so it never lands inside another caller's ``write()`` transaction, and it
        takes SQLite's write lock within the statement (no read snapshot held from before).
        """
        if self._writer is None:
            await self.open()
        assert self._writer is not None
        async with self._write_lock:
            cursor = await self._writer.execute(sql, params)
        return WriteResult(cursor.rowcount, cursor.lastrowid)

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
