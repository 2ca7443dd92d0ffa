"""The PostgreSQL store: psycopg 3 (async) through a psycopg-pool ``AsyncConnectionPool``.

Selected by ``CRAMPCOACH_DATABASE_URL=postgresql://…`` (``storage.stores``). It implements
:class:`storage.store.Store` with the same semantics as the SQLite store:

- A **turn** takes a pooled connection and ``BEGIN`` at its first write, and holds both until
  its commit or rollback; a :meth:`PostgresDatabase.write` block outside a turn is a transaction
  of its own; a write block inside a turn is a ``SAVEPOINT``. One write transaction at a time in
  the process, as on SQLite (an asyncio lock), so handlers see the same ordering; several
  *processes* write side by side, and what they must not do twice (claims of due rows) will be
  taken with ``SELECT … FOR UPDATE SKIP LOCKED`` in their own transactions.
- **Reads** outside a begun turn take any pooled connection in autocommit mode: committed rows.
- **Behind PgBouncer in transaction mode**: no prepared statements (``prepare_threshold=None``),
  and nothing is kept in the session between transactions (no ``SET``, no temporary tables, no
  session advisory locks; the migration lock is ``pg_advisory_xact_lock``).

Queries are written once, in SQLite's spelling; :func:`translate` turns them into PostgreSQL's
(``?`` and ``:name`` placeholders into ``%s`` and ``%(name)s``, a literal ``%`` doubled, ``SELECT
value FROM json_each(?)`` into ``json_array_elements_text``, and ``RETURNING id`` added to an
``INSERT`` into a table with a generated id, which is what SQLite's ``lastrowid`` gave).

The URL may carry a password: it is never logged nor put in an error message (:func:`redact`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import re
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Buffer, Dumper, Loader
from psycopg.pq import Format
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.migrations import LATEST_VERSION, MIGRATIONS, postgres_sql
from storage.store import (
    Cursor,
    DatabaseUnusable,
    Params,
    Row,
    Statement,
    Store,
    Turn,
    Tx,
    WriteResult,
)

_LOGGER = logging.getLogger(__name__)

POOL_MIN = 1
POOL_MAX = 10
CONNECT_TIMEOUT = 10  # seconds, for the first connection and for a connection from the pool
# Tables whose id the database generates: an INSERT into one returns it (SQLite's lastrowid).
GENERATED_IDS = frozenset({"episodes", "plans", "checkins", "teams", "outbox"})
_MIGRATION_LOCK = 0x43524D50  # "CRMP": pg_advisory_xact_lock's key while migrating
Conn = psycopg.AsyncConnection[Row]


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{netloc}", parts.path, parts.query, ""))


# --- SQL translation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Translated:
    sql: str
    returns_id: bool  # RETURNING id was added: its row gives lastrowid


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|:[A-Za-z_]\w*|%")
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_JSON_EACH = "SELECT value FROM json_each(?)"
_JSON_ELEMENTS = "SELECT value::bigint FROM json_array_elements_text(?::json)"


@functools.lru_cache(maxsize=1024)
def translate(sql: str, *, many: bool = False) -> Translated:
    """SQLite's spelling of a statement into PostgreSQL's (see the module docstring)."""
    sql = sql.replace(_JSON_EACH, _JSON_ELEMENTS)

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if text.startswith(":") and text != "::":
            return f"%({text[1:]})s"
        if text.startswith("'"):
            return text.replace("%", "%%")  # a literal: psycopg reads every % outside none
        return text  # a quoted name, a cast

    out = _TOKEN.sub(token, sql)
    insert = _INSERT_INTO.match(out)
    returns_id = (
        not many
        and insert is not None
        and insert.group(1).lower() in GENERATED_IDS
        and "RETURNING" not in out.upper()
    )
    if returns_id:
        out = f"{out.rstrip().rstrip(';')} RETURNING id"
    return Translated(out, returns_id)


# --- Rows and types ----------------------------------------------------------------------------


class PgRow:
    """A row read: by position or by column name, like ``sqlite3.Row``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str, /) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PgRow):
            return tuple(self._values) == tuple(other._values)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def _rows(cursor: Any) -> RowMaker[Row]:
    description = cursor.description
    index = {} if description is None else {col.name: i for i, col in enumerate(description)}

    def make(values: Sequence[Any]) -> Row:
        return PgRow(index, values)

    return make


class _BoolAsInt(Dumper):
    """Python booleans go in as 0 and 1: the schema's flags are integers, as in SQLite."""

    format = Format.TEXT

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self.oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: Any) -> Buffer:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """``SUM`` of integers is ``numeric`` in PostgreSQL: read it as SQLite gives it, an int
    (or a float when it has a fraction)."""

    def load(self, data: Buffer) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _adapt(conn: psycopg.AsyncConnection[Any]) -> None:
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_loader("numeric", _NumericAsNumber)


# --- Cursors, transactions, turns --------------------------------------------------------------


class PgCursor(Cursor):
    """A statement's result, read in full when it ran."""

    __slots__ = ("_lastrowid", "_rowcount", "_rows")

    def __init__(self, rowcount: int, lastrowid: int | None, rows: list[Row]) -> None:
        self._rowcount = rowcount
        self._lastrowid = lastrowid
        self._rows = rows

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    async def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


class _Pending:
    """A statement run when awaited or entered with ``async with``."""

    __slots__ = ("_coro", "_cursor")

    def __init__(self, coro: Coroutine[Any, Any, PgCursor]) -> None:
        self._coro = coro
        self._cursor: PgCursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._result().__await__()

    async def _result(self) -> PgCursor:
        if self._cursor is None:
            self._cursor = await self._coro
        return self._cursor

    async def __aenter__(self) -> Cursor:
        return await self._result()

    async def __aexit__(self, *_: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


async def _run(conn: Conn, sql: str, params: Params, db: PostgresDatabase) -> PgCursor:
    done = translate(sql)
    db._traced(done.sql)
    async with conn.cursor() as cur:
        await cur.execute(done.sql, params)  # even empty: a literal's %% is read as %
        rows: list[Row] = await cur.fetchall() if cur.description is not None else []
        lastrowid = None
        if done.returns_id:
            lastrowid = int(rows[0][0]) if rows else None
            rows = []
        return PgCursor(cur.rowcount, lastrowid, rows)


class PgTx(Tx):
    """A pooled connection inside a write transaction (or a savepoint of one)."""

    __slots__ = ("_conn", "_db")

    def __init__(self, conn: Conn, db: PostgresDatabase) -> None:
        self._conn = conn
        self._db = db

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(_run(self._conn, sql, params, self._db))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Cursor:
        done = translate(sql, many=True)
        self._db._traced(done.sql)
        async with self._conn.cursor() as cur:
            await cur.executemany(done.sql, list(rows))
            return PgCursor(cur.rowcount, None, [])

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await (await _run(self._conn, sql, params, self._db)).fetchall()


class PgTurn(Turn):
    """A turn (see :class:`storage.store.Turn`) on a pooled connection: ``BEGIN`` at its first
    write, under the process's write lock."""

    db: PostgresDatabase

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.begun = False
        self.closed = False
        self._conn: Conn | None = None
        self._savepoints = 0

    async def begin(self) -> Conn:
        if self.closed:
            raise RuntimeError("this unit of work is already committed or rolled back")
        if self._conn is None:
            await self.db._lock.acquire()
            try:
                self._conn = await self.db._take()
                try:
                    await self._conn.execute("BEGIN")
                except BaseException:
                    await self.db._give_back(self._conn)
                    self._conn = None
                    raise
            except BaseException:
                self.db._lock.release()
                raise
            self.begun = True
        return self._conn

    async def tx(self) -> PgTx:
        return PgTx(await self.begin(), self.db)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[PgTx]:
        conn = await self.begin()
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        await conn.execute(f"SAVEPOINT {name}")
        try:
            yield PgTx(conn, self.db)
        except BaseException:
            await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            await conn.execute(f"RELEASE SAVEPOINT {name}")

    async def commit(self) -> None:
        await self._finish("COMMIT")

    async def rollback(self) -> None:
        await self._finish("ROLLBACK")

    async def undo(self) -> None:
        await self._end("ROLLBACK")

    async def _finish(self, how: str) -> None:
        if self.closed:
            return
        self.closed = True
        await self._end(how)

    async def _end(self, how: str) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        self.begun = False
        try:
            await conn.execute(how)
        finally:
            await self.db._give_back(conn)
            self.db._lock.release()
        if how == "COMMIT":
            self.db.commits += 1


_TURN: contextvars.ContextVar[PgTurn | None] = contextvars.ContextVar(
    "crampcoach_pg_turn", default=None
)


# --- The store ---------------------------------------------------------------------------------


class PostgresDatabase(Store):
    """A pool of connections to one PostgreSQL database (see the module docstring)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, pool_max: int = POOL_MAX) -> None:
        self.url = url
        self._pool_max = pool_max
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._lock = asyncio.Lock()  # one write transaction at a time in this process
        self._open_lock = asyncio.Lock()
        self._trace: Callable[[str], None] | None = None
        self.commits = 0

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    @property
    def where(self) -> str:
        return redact(self.url)

    async def open(self) -> None:
        """Connect, apply pending migrations, then open the pool."""
        async with self._open_lock:
            if self._pool is not None:
                return
            try:
                conn = await connect(self.url)
            except psycopg.Error as exc:
                raise DatabaseUnusable(self.describe(exc)) from None
            try:
                await apply_migrations(conn)
            except psycopg.Error as exc:
                raise DatabaseUnusable(self.describe(exc)) from None
            finally:
                await conn.close()
            pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
                self.url,
                kwargs=_connection_kwargs(),
                min_size=POOL_MIN,
                max_size=self._pool_max,
                open=False,
                configure=_configure,
                timeout=CONNECT_TIMEOUT,
                name="crampcoach",
            )
            try:
                await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            except PoolTimeout:
                await pool.close()
                raise DatabaseUnusable(
                    f"cannot connect to {self.where} within {CONNECT_TIMEOUT} s "
                    "(CRAMPCOACH_DATABASE_URL)"
                ) from None
            self._pool = pool
            _LOGGER.info("Database ready at %s", self.where)

    async def close(self) -> None:
        async with self._open_lock:
            pool, self._pool = self._pool, None
            if pool is not None:
                await pool.close()

    def describe(self, exc: BaseException) -> str:
        """One line saying why the database cannot be used, never with the password."""
        if isinstance(exc, DatabaseUnusable):
            return str(exc)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        password = urlsplit(self.url).password
        if password:
            message = message.replace(password, "***")
        return (
            f"cannot use the database {self.where} ({message}); check that the server runs "
            "and that the URL's user may connect (CRAMPCOACH_DATABASE_URL)"
        )

    # --- Turns -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[PgTurn]:
        turn = PgTurn(self)
        token = _TURN.set(turn)
        try:
            yield turn
        finally:
            _TURN.reset(token)
            await turn.rollback()  # nothing if it was committed

    def _current_turn(self) -> PgTurn | None:
        turn = _TURN.get()
        if turn is None or turn.db is not self or turn.closed:
            return None
        return turn

    # --- Writes ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[PgTx]:
        await self._ensure_open()
        turn = self._current_turn()
        if turn is not None:
            async with turn.savepoint() as tx:
                yield tx
            return
        async with self._lock, self.write_aside() as tx:  # one at a time, as on SQLite
            yield tx

    @contextlib.asynccontextmanager
    async def write_aside(self) -> AsyncIterator[PgTx]:
        await self._ensure_open()
        conn = await self._take()
        try:
            await conn.execute("BEGIN")
            try:
                yield PgTx(conn, self)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        finally:
            await self._give_back(conn)
        self.commits += 1

    async def transaction(self, statements: Sequence[Statement]) -> list[WriteResult]:
        if not statements:
            return []
        results = []
        async with self.write() as tx:
            for sql, params in statements:
                cursor = await tx.execute(sql, params)
                results.append(WriteResult(cursor.rowcount, cursor.lastrowid))
        return results

    # --- Reads -----------------------------------------------------------------------------

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        await self._ensure_open()
        turn = self._current_turn()
        if turn is not None and turn.begun:
            return await (await turn.tx()).execute_fetchall(sql, params)
        conn = await self._take()
        try:
            cursor = await _run(conn, sql, params, self)
        finally:
            await self._give_back(conn)
        return await cursor.fetchall()

    async def schema_version(self) -> int:
        await self._ensure_open()
        conn = await self._take()
        try:
            return await schema_version(conn)
        finally:
            await self._give_back(conn)

    # --- Connections -----------------------------------------------------------------------

    def trace(self, callback: Callable[[str], None] | None) -> None:
        self._trace = callback

    def _traced(self, sql: str) -> None:
        if self._trace is not None:
            self._trace(sql)

    async def _ensure_open(self) -> None:
        if self._pool is None:
            await self.open()

    async def _take(self) -> Conn:
        if self._pool is None:
            raise DatabaseUnusable(f"the database {self.where} is closed")
        return await self._pool.getconn()

    async def _give_back(self, conn: Conn) -> None:
        if self._pool is not None:
            await self._pool.putconn(conn)
        else:
            await conn.close()


def _connection_kwargs() -> dict[str, Any]:
    # autocommit: we issue BEGIN/COMMIT ourselves (as with SQLite); prepare_threshold=None: no
    # prepared statements, which PgBouncer in transaction mode cannot keep.
    return {"autocommit": True, "prepare_threshold": None, "row_factory": _rows}


async def _configure(conn: Conn) -> None:
    _adapt(conn)


async def connect(url: str) -> Conn:
    """One connection, configured as the pool's are (migrations, ``python -m bot check``)."""
    conn: Conn = await psycopg.AsyncConnection.connect(
        url, connect_timeout=CONNECT_TIMEOUT, **_connection_kwargs()
    )
    _adapt(conn)
    return conn


# --- Migrations --------------------------------------------------------------------------------


async def schema_version(conn: Conn) -> int:
    """The schema version (0: no CrampCoach tables yet), in the URL's schema."""
    cur = await conn.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    row = await cur.fetchone()
    if row is None or not row[0]:
        return 0
    cur = await conn.execute("SELECT max(version) FROM schema_version")
    row = await cur.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


async def apply_migrations(conn: Conn, *, up_to: int = LATEST_VERSION) -> int:
    """Apply every migration newer than the database, each in its own transaction with the
    version's bump (another process migrating meanwhile waits on a transaction's lock)."""
    version = await schema_version(conn)
    if version > LATEST_VERSION:
        raise DatabaseUnusable(
            f"the database was written by a newer CrampCoach (schema version {version}; this "
            f"one knows up to {LATEST_VERSION}): run the newer version or restore a backup"
        )
    for migration in MIGRATIONS:
        if migration.version > up_to:
            break
        await conn.execute("BEGIN")
        try:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            if await schema_version(conn) >= migration.version:
                await conn.execute("ROLLBACK")
                continue
            for statement in postgres_sql(migration):
                await conn.execute(statement)
            await conn.execute("DELETE FROM schema_version")
            await conn.execute(
                "INSERT INTO schema_version (version) VALUES (%s)", (migration.version,)
            )
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        _LOGGER.info("Applied migration %d: %s", migration.version, migration.description)
    return await schema_version(conn)


# --- Inspection (python -m bot check) ------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """What ``python -m bot check`` reads from the server, writing nothing."""

    server: str  # the server's version, e.g. "15.8"
    version: int  # the schema version (0: no CrampCoach tables yet)
    # Several workers: each duty's lease (name, holder, expires_at as stored), by name.
    duties: tuple[tuple[str, str, str], ...] = ()

    @property
    def migrations_due(self) -> tuple[str, ...]:
        return tuple(
            f"{m.version} ({m.description})" for m in MIGRATIONS if m.version > self.version
        )


async def inspect(url: str) -> Inspection:
    """Connect and read the schema version; :class:`DatabaseUnusable` (one line, no password)
    when the server cannot be reached or refuses."""
    probe = PostgresDatabase(url)
    try:
        conn = await connect(url)
    except psycopg.Error as exc:
        raise DatabaseUnusable(probe.describe(exc)) from None
    try:
        cur = await conn.execute("SHOW server_version")
        row = await cur.fetchone()
        version = await schema_version(conn)
        duties: tuple[tuple[str, str, str], ...] = ()
        if version >= _LEASES_VERSION:
            cur = await conn.execute("SELECT name, holder, expires_at FROM leases ORDER BY name")
            duties = tuple((str(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall())
    except psycopg.Error as exc:
        raise DatabaseUnusable(probe.describe(exc)) from None
    finally:
        await conn.close()
    server = str(row[0]).split()[0] if row is not None else "?"
    return Inspection(server, version, duties)


_LEASES_VERSION = 8  # the migration that made the leases table
