"""The run lock: one process at a time owns the database, so a restore never swaps it under a bot.

The running bot holds an exclusive ``flock`` on ``<db>.lock`` beside the database, taken before
the database is opened (migrations included) and let go at exit. ``python -m bot restore`` takes
the same lock without waiting and refuses if it cannot; ``backup`` only looks (a backup is safe
while the bot runs). The kernel drops a ``flock`` when its process dies, kill -9 included, so a
lock file left behind never blocks anyone.

The file is unlinked on release, while still locked; whoever locks checks afterwards that the
path still names the file it locked (the classic unlink race), and tries again if not. It is
empty and world-readable (0644): a root-run restore leaves nothing the bot's user cannot lock.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from storage.db import DatabaseUnusable, describe_failure

# A bot started while a restore (or a check tidying up) holds the lock waits this long for it.
START_WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.1


class RunLockHeld(DatabaseUnusable):
    """Another process holds the run lock; the message says which database and what to do."""


def lock_path(db_path: Path) -> Path:
    return Path(f"{db_path}.lock")


class RunLock:
    """A held run lock; :meth:`release` unlinks the file and lets go (safe to call twice)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still locked: see the module docstring
        os.close(self._fd)
        self._fd = None


def try_lock(db_path: Path) -> RunLock | None:
    """Take the lock without waiting: the lock, or ``None`` if another process holds it.

    Creates the database's folder if needed; an ``OSError`` means the folder is not usable.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        if _still_named(path, fd):
            with contextlib.suppress(OSError):
                os.fchmod(fd, 0o644)  # the umask (0077 under systemd) made it 0600
            return RunLock(path, fd)
        os.close(fd)  # unlinked by its last holder between our open and our lock: again


def _still_named(path: Path, fd: int) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def is_held(db_path: Path) -> bool:
    """Whether a process (a running bot) holds the lock now. Creates nothing."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextlib.contextmanager
def held_if_free(db_path: Path) -> Iterator[RunLock | None]:
    """Hold the lock for the block if nobody else does; ``None`` inside if someone does."""
    lock = try_lock(db_path)
    try:
        yield lock
    finally:
        if lock is not None:
            lock.release()


def hold_until_exit(db_path: Path, wait: float = START_WAIT_SECONDS) -> RunLock:
    """The bot's lock, taken before the database is opened and let go when the process exits.

    Waits up to ``wait`` seconds (a restore finishing), then raises :class:`RunLockHeld`. A
    folder that cannot be used raises :class:`DatabaseUnusable` with the usual line.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            lock = try_lock(db_path)
        except OSError as exc:
            raise DatabaseUnusable(describe_failure(db_path, exc)) from None
        if lock is not None:
            atexit.register(lock.release)
            return lock
        if time.monotonic() >= deadline:
            raise RunLockHeld(
                f"another CrampCoach process is using {db_path} (it holds {lock_path(db_path)}):"
                " stop the other bot, or wait for the restore to finish, then start again"
            )
        time.sleep(_POLL_SECONDS)
