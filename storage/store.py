"""The store interface the flows use: one per database kind, the same calls on each.

Two stores implement it: :class:`storage.db.Database` (SQLite, the embedded default: one file,
statements on the event loop) and :class:`storage.postgres.PostgresDatabase` (PostgreSQL through
psycopg 3 and a connection pool, for several workers). :func:`storage.stores.open_store` picks
one from the settings. Queries are written once, in SQLite's spelling with ``?`` (or ``:name``)
placeholders; the PostgreSQL store translates them (``storage.postgres.translate``). What must
differ between the two (the schema's types, the backup API, ``PRAGMA``) stays in ``storage/``.

Writes: a **turn** (:meth:`Store.turn`, see ``storage.unit_of_work``) is one update's unit of
work. While one is open in the current task, every write made through the store joins its
transaction (taken at the first write, committed once at the end of the update), and reads after
that first write see it. Outside a turn, :meth:`Store.write` is a transaction of its own.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class DatabaseUnusable(Exception):
    """The database cannot be used as it is; the message is one line that says what to do."""


@dataclass(frozen=True)
class WriteResult:
    rowcount: int
    lastrowid: int | None


Params = tuple[object, ...] | dict[str, object]
Statement = tuple[str, Params]


class Row(Protocol):
    """A row read: by position (``row[0]``) or by column name (``row["id"]``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class Cursor(abc.ABC):
    """What a statement left: its row count, the id it inserted, the rows it read."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def rowcount(self) -> int: ...

    @property
    @abc.abstractmethod
    def lastrowid(self) -> int | None: ...

    @abc.abstractmethod
    async def fetchone(self) -> Row | None: ...

    @abc.abstractmethod
    async def fetchall(self) -> list[Row]: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


class Executed(Protocol):
    """A statement: awaited, or entered with ``async with``, it gives its cursor."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, *_: object) -> None: ...


class Tx(abc.ABC):
    """A connection inside a write transaction (or a savepoint of one)."""

    __slots__ = ()

    @abc.abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Executed: ...

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> Cursor: ...

    @abc.abstractmethod
    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Turn(abc.ABC):
    """The database side of one unit of work: a write transaction taken at its first write.

    Opened by :meth:`Store.turn`; ``storage.unit_of_work`` adds what the update sends and its
    conversation state, and commits. Writes made in the current task (and tasks it starts)
    while the turn is open join it.
    """

    db: Store
    begun: bool  # holds an open write transaction
    closed: bool

    @abc.abstractmethod
    async def tx(self) -> Tx:
        """The turn's transaction itself (no savepoint): for its own final writes."""

    @abc.abstractmethod
    def savepoint(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        """A nested block of writes: undone alone if it fails, the turn's other writes kept."""

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    @abc.abstractmethod
    async def undo(self) -> None:
        """Roll back what was written so far; the turn stays open for what comes next."""


class Store(abc.ABC):
    """One database, opened once (opening twice is safe), used from the event loop."""

    #: ``"sqlite"`` or ``"postgresql"``: for the few callers (tests, ``check``) that must know.
    dialect: str
    commits: int  # write transactions committed (the benchmarks count them per update)

    @property
    @abc.abstractmethod
    def is_open(self) -> bool: ...

    @property
    @abc.abstractmethod
    def where(self) -> str:
        """Where the data lives, for messages and logs: a path, or a URL without password."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and apply pending migrations; :class:`DatabaseUnusable` when it cannot."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def turn(self) -> contextlib.AbstractAsyncContextManager[Turn]:
        """Open a turn in the current context; the caller commits it. Left without a commit
        (an error), whatever it wrote is rolled back."""

    @abc.abstractmethod
    def write(self) -> contextlib.AbstractAsyncContextManager[Tx]:
        """A block of writes, all or none: inside a turn, a savepoint of it (committed with the
        turn); otherwise a transaction of its own, committed at the end of the block."""

    async def execute_write(self, sql: str, params: Params = ()) -> WriteResult:
        """One write statement (joining the turn, if one is open)."""
        [result] = await self.transaction([(sql, params)])
        return result

    @abc.abstractmethod
    async def transaction(self, statements: Sequence[Statement]) -> list[WriteResult]:
        """A few write statements, all or none."""

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Committed rows; inside a turn that has written, its own writes too."""

    @abc.abstractmethod
    async def schema_version(self) -> int: ...

    async def checkpoint(self) -> None:  # noqa: B027 (a no-op where the server does it)
        """Whatever the store does now and then to keep its files small (SQLite: the WAL)."""

    @abc.abstractmethod
    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` with every statement run (None: stop); for tests and benchmarks."""


def skip_locked(db: Store, alias: str) -> str:
    """The end of a claiming ``SELECT``: on PostgreSQL, lock the rows of ``alias`` it returns
    and skip rows another transaction holds (two workers claiming at once get different rows,
    neither waits); on SQLite, nothing (its one writer at a time does the same)."""
    return f" FOR UPDATE OF {alias} SKIP LOCKED" if db.dialect == "postgresql" else ""
