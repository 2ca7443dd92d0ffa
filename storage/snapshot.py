"""Database files as wholes: look at one without changing it, copy one while the bot writes.

Plain ``sqlite3`` (no event loop): these run from the operator commands (``python -m bot check |
backup | restore``), in their own process, beside or instead of the running bot.

- :func:`inspect_file` opens read-only: is it SQLite, does ``PRAGMA integrity_check`` pass, what
  schema version does it carry.
- :func:`copy_online` copies with SQLite's online backup API, in steps, so a bot writing in WAL
  mode is never blocked; the copy is a consistent snapshot from some instant after the call.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.migrations import LATEST_VERSION, MIGRATIONS

# Pages copied per backup step (4 KiB pages: 4 MiB), and the pause between steps that lets the
# bot's writes through. A write from another connection restarts the copy; after this many
# restarts the rest is copied in one step (a single read snapshot: in WAL mode it blocks no
# writer), so a busy bot cannot keep a backup from ever finishing.
BACKUP_PAGES = 1024
BACKUP_SLEEP_SECONDS = 0.05
MAX_RESTARTS = 3
# A CrampCoach database has this table from migration 1 on.
_FIRST_TABLE = "users"


class SnapshotError(Exception):
    """A file that cannot be read, copied or used; the message is one line."""


@dataclass(frozen=True)
class FileFacts:
    """What a read-only look at a database file found."""

    version: int
    problems: tuple[str, ...]  # from PRAGMA integrity_check; empty when it passed
    is_crampcoach: bool  # has the tables of migration 1
    tables: int

    @property
    def is_newer(self) -> bool:
        return self.version > LATEST_VERSION

    @property
    def migrations_due(self) -> tuple[str, ...]:
        return tuple(
            f"{m.version} ({m.description})" for m in MIGRATIONS if m.version > self.version
        )


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


@contextlib.contextmanager
def _connect_read_only(path: Path) -> Iterator[sqlite3.Connection]:
    if not path.is_file():
        raise SnapshotError(f"{path} does not exist or is not a file")
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True, timeout=5, isolation_level=None)
    except sqlite3.Error as exc:
        raise SnapshotError(_describe(path, exc)) from None
    try:
        yield conn
    finally:
        conn.close()


def inspect_file(path: Path) -> FileFacts:
    """Read ``path`` without writing to it: SQLite at all, integrity, schema version.

    Raises :class:`SnapshotError` when it is not a readable SQLite database.
    """
    with _connect_read_only(path) as conn:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {
                str(row[0])
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as exc:
            raise SnapshotError(_describe(path, exc)) from None
    problems = tuple(str(row[0]) for row in rows if str(row[0]) != "ok")
    is_crampcoach = _FIRST_TABLE in tables and version >= 1
    return FileFacts(version, problems, is_crampcoach=is_crampcoach, tables=len(tables))


def copy_online(source: Path, target: Path) -> None:
    """Copy the database ``source`` into the new file ``target`` (created 0600 beforehand).

    The source is opened read-only: nothing is written to it. ``target`` must exist and be
    empty (the caller creates it private); on failure it is left for the caller to remove.
    """
    with _connect_read_only(source) as src:
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if not _copy_in_steps(src, target):
                _copy(src, target, pages=-1)
        except sqlite3.Error as exc:
            raise SnapshotError(_describe(source, exc)) from None


class _Restarted(Exception):
    pass


def _copy_in_steps(src: sqlite3.Connection, target: Path) -> bool:
    """The stepped copy; False if writes restarted it too often (the caller copies at once)."""
    restarts = 0
    remaining_before: int | None = None

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal restarts, remaining_before
        if remaining_before is not None and remaining > remaining_before:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise _Restarted
        remaining_before = remaining
        if remaining:
            # Python's own ``sleep`` only applies when a step finds the file busy: this pause
            # between steps is what lets the bot's writes through during a long copy.
            time.sleep(BACKUP_SLEEP_SECONDS)

    try:
        _copy(src, target, pages=BACKUP_PAGES, progress=progress)
    except _Restarted:
        return False
    return True


def _copy(src: sqlite3.Connection, target: Path, *, pages: int, progress: object = None) -> None:
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        if progress is None:
            src.backup(dst, pages=pages)
        else:
            src.backup(
                dst,
                pages=pages,
                progress=progress,  # type: ignore[arg-type]
                sleep=BACKUP_SLEEP_SECONDS,  # when a step finds the file locked
            )
        # A standalone file: no -wal beside it needed to read it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()


def checkpoint(path: Path) -> None:
    """Fold ``path``'s WAL into the file so the file alone holds everything (no bot running).

    Closing the last connection of a WAL database removes its -wal and -shm files.
    """
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600, refusing if it exists (never follow an old file)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's: a rename in it) data to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe(path: Path, exc: sqlite3.Error) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return f"{path} is not a usable SQLite database ({message})"
    return f"cannot read {path} ({message})"
