"""Operator commands: ``python -m bot check``, ``backup FILE`` and ``restore FILE``.

Each prints what it found or did in one line per fact and says how to fix a problem; none prints
the token. Exit statuses (also in the README, "Operating it"):

- ``check``: 0 all good; 2 settings or database unusable (the bot would refuse to start);
  3 Telegram rejected the token; 4 Telegram could not be reached. With several problems, the
  lowest of these wins. A check changes nothing: the database is opened read-only, never created
  nor migrated.
- ``backup`` and ``restore``: 0 done; 1 refused or failed (nothing was changed, no partial file
  left); 2 a usage or settings error.
- Any of them stopped by Ctrl-C or SIGTERM: 130, one line, nothing half-written left.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.logging_setup import configure_logging
from bot.operations import run_lock
from bot.settings import Settings, SettingsError, database_folder_problem, load_settings
from storage import snapshot
from storage.migrations import LATEST_VERSION
from storage.snapshot import FileFacts, SnapshotError
from storage.store import DatabaseUnusable
from storage.timestamps import from_db

COMMANDS = ("check", "backup", "restore")  # their arguments: bot/__main__.py (argparse)

OK = 0
FAILED = 1
UNUSABLE = 2  # settings or database: the bot would refuse to start
TOKEN_REJECTED = 3
UNREACHABLE = 4
INTERRUPTED = 130  # as a shell reports Ctrl-C

# getMe from check: short, so an unreachable Telegram is reported in seconds, not minutes.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


def main(command: str, *, file: Path | None = None, force: bool = False) -> int:
    """Run one operator command (its arguments already parsed); the exit status (see the module
    docstring).

    SIGTERM (a stopped timer unit) is taken as Ctrl-C: the half-written file is removed on the
    way out, and one line says so.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if command == "check":
            return check()
        if command in ("backup", "restore") and file is not None:
            return backup(file, force=force) if command == "backup" else restore(file)
        raise ValueError(f"no such operator command: {command!r} (file={file})")
    except KeyboardInterrupt:
        _fail(f"{command} interrupted: nothing was changed")
        return INTERRUPTED


# --- check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    subject: str
    status: int  # 0 ok, else the exit status it stands for
    text: str
    skipped: bool = False

    def line(self) -> str:
        word = "skip" if self.skipped else ("ok" if self.status == OK else "FAIL")
        return f"{word:<5} {self.subject}: {self.text}"


def check() -> int:
    """Settings, database and token, one line each; the exit status of the worst finding."""
    findings: list[Finding] = []
    try:
        settings = load_settings()
    except SettingsError as exc:
        findings.append(Finding("settings", UNUSABLE, f"{exc}"))
        findings.append(Finding("database", OK, "not checked: fix the settings first", True))
        findings.append(Finding("telegram", OK, "not checked: fix the settings first", True))
        return _report(findings)
    token = settings.token.get_secret_value() if settings.token is not None else None
    configure_logging("ERROR", secrets=(token,) if token else ())
    if token is None:
        findings.append(
            Finding(
                "settings",
                UNUSABLE,
                "CRAMPCOACH_TOKEN is not set: get a token from @BotFather and set it in the "
                "environment file or .env",
            )
        )
    else:
        host = urlsplit(settings.api_base_url).netloc
        findings.append(Finding("settings", OK, f"read; Bot API at {host}"))
    if settings.database_url is not None:
        findings.append(asyncio.run(check_postgres(settings.database_url.get_secret_value())))
    else:
        findings.append(check_database(settings.db_path))
    if token is None:
        findings.append(Finding("telegram", OK, "not checked: no token", True))
    else:
        findings.append(asyncio.run(check_token(settings, token)))
    return _report(findings)


def _report(findings: list[Finding]) -> int:
    for finding in findings:
        print(finding.line(), flush=True)
    failed = [f.status for f in findings if f.status != OK]
    return min(failed) if failed else OK


async def check_postgres(url: str) -> Finding:
    """Connect to the PostgreSQL server and read the schema version (nothing created or
    migrated); never prints the URL's password."""
    from storage import postgres  # psycopg only when PostgreSQL is configured

    where = postgres.redact(url)
    try:
        found = await postgres.inspect(url)
    except DatabaseUnusable as exc:
        return Finding("database", UNUSABLE, str(exc))
    if found.version > LATEST_VERSION:
        return Finding(
            "database",
            UNUSABLE,
            f"{where} was written by a newer CrampCoach (schema version {found.version}; this "
            f"one knows up to {LATEST_VERSION}): run the newer version or restore a backup",
        )
    server = f"PostgreSQL {found.server}"
    if found.version == 0:
        return Finding("database", OK, f"{where} ({server}) is empty: the bot sets it up at start")
    if found.migrations_due:
        due = ", ".join(found.migrations_due)
        return Finding(
            "database",
            OK,
            f"{where} ({server}): schema version {found.version}; migrations due at the next "
            f"start: {due} (take a backup first: pg_dump)",
        )
    return Finding(
        "database",
        OK,
        f"{where} ({server}): schema version {found.version} (up to date)"
        + _duties_now(found.duties),
    )


def _duties_now(duties: tuple[tuple[str, str, str], ...]) -> str:
    """Who holds each duty now (several workers), by the worker's name, or nothing."""
    now = datetime.now(UTC)
    held = [
        f"{name} by {holder.split(':')[0]}"
        for name, holder, expires_at in duties
        if from_db(expires_at) > now
    ]
    return f"; duties: {', '.join(held)}" if held else "; no worker running"


def check_database(path: Path) -> Finding:
    """What the bot would find at ``path``, read without writing (nothing created or migrated)."""
    problem = database_folder_problem(path)
    if problem:
        return Finding("database", UNUSABLE, problem)
    if not path.exists():
        return _check_new_database(path)
    if not path.is_file():
        return Finding("database", UNUSABLE, f"{path} is not a file (CRAMPCOACH_DB_PATH)")
    running = run_lock.is_held(path)
    try:
        with _tidy_side_files(path):
            facts = snapshot.inspect_file(path)
    except SnapshotError as exc:
        return Finding(
            "database",
            UNUSABLE,
            f"{exc}: restore a backup (python -m bot restore FILE) or move it aside to start "
            "afresh",
        )
    state = "the bot is running" if running else "the bot is not running"
    problem = _database_problem(path, facts)
    if problem:
        return Finding("database", UNUSABLE, problem)
    if not _writable(path):
        return Finding(
            "database",
            UNUSABLE,
            f"{path} or its folder is not writable by this user: the bot's user must be able to "
            "write both (chown/chmod it)",
        )
    if facts.version == 0:
        return Finding("database", OK, f"{path} is empty: the bot sets it up at start; {state}")
    if facts.migrations_due:
        due = ", ".join(facts.migrations_due)
        return Finding(
            "database",
            OK,
            f"{path}: schema version {facts.version}, integrity ok; migrations due at the next "
            f"start: {due} (take a backup first: python -m bot backup FILE); {state}",
        )
    return Finding(
        "database",
        OK,
        f"{path}: schema version {facts.version} (up to date), integrity ok; {state}",
    )


def _check_new_database(path: Path) -> Finding:
    """No file yet, in a folder that exists and takes files (database_folder_problem)."""
    return Finding(
        "database",
        OK,
        f"no database at {path} yet: the bot creates it at its first start (if you expected "
        "one, check CRAMPCOACH_DB_PATH)",
    )


def _database_problem(path: Path, facts: FileFacts) -> str | None:
    if facts.problems:
        return (
            f"{path} fails its integrity check ({facts.problems[0]}): stop the bot and restore "
            "a backup (python -m bot restore FILE)"
        )
    if facts.is_newer:
        return (
            f"{path} was written by a newer CrampCoach (schema version {facts.version}; this one "
            f"knows up to {LATEST_VERSION}): run the newer version or restore a backup"
        )
    if facts.version == 0 and facts.tables:
        return f"{path} is an SQLite database but not CrampCoach's (CRAMPCOACH_DB_PATH)"
    if facts.version >= 1 and not facts.is_crampcoach:
        return f"{path} is an SQLite database but not CrampCoach's (CRAMPCOACH_DB_PATH)"
    return None


def _writable(path: Path) -> bool:
    return os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


async def check_token(settings: Settings, token: str) -> Finding:
    """getMe: the token accepted, and the bot's @username. Only the error's kind is printed."""
    request = HTTPXRequest(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)
    bot = Bot(token, base_url=settings.api_base_url, request=request)
    try:
        async with bot:
            me = await bot.get_me()
    except InvalidToken:
        return Finding(
            "telegram",
            TOKEN_REJECTED,
            "Telegram rejected the token (CRAMPCOACH_TOKEN): copy it again from @BotFather "
            "(/mybots, API Token)",
        )
    except NetworkError as exc:
        return Finding(
            "telegram",
            UNREACHABLE,
            f"cannot reach Telegram ({type(exc).__name__}): check the network, a firewall or "
            "proxy, and CRAMPCOACH_API_BASE_URL",
        )
    except TelegramError as exc:
        return Finding(
            "telegram",
            UNREACHABLE,
            f"Telegram answered getMe with an error ({type(exc).__name__}): try again later",
        )
    return Finding("telegram", OK, f"the token works: this is @{me.username}")


# --- backup ----------------------------------------------------------------------------------


def _not_for_postgres() -> int:
    print(
        "crampcoach: CRAMPCOACH_DATABASE_URL is set: back up and restore PostgreSQL with its own "
        "tools (pg_dump, pg_restore); this command copies the SQLite file",
        file=sys.stderr,
    )
    return 1


def backup(target: Path, *, force: bool = False) -> int:
    """A consistent copy of the live database at ``target``, checked before it is put there."""
    settings = _settings_or_none()
    if settings is None:
        return UNUSABLE
    if settings.database_url is not None:
        return _not_for_postgres()
    source = settings.db_path
    refusal = _backup_refusal(source, target, force=force)
    if refusal:
        _fail(refusal)
        return FAILED
    running = run_lock.is_held(source)
    temporary = target.parent / f".{target.name}.partial-{os.getpid()}"
    try:
        with _removed_on_failure(temporary):
            snapshot.create_private(temporary)
            with _tidy_side_files(source):
                snapshot.copy_online(source, temporary)
            facts = _verified_copy(temporary, what="the copy")
            snapshot.fsync_path(temporary)
            _put_in_place(temporary, target, overwrite=force)
            snapshot.fsync_path(target.parent)
    except (SnapshotError, OSError, sqlite3.Error) as exc:
        _fail(f"backup failed, nothing written to {target}: {_reason(exc)}")
        return FAILED
    state = "while the bot ran" if running else "the bot was not running"
    print(
        f"crampcoach: backed up {source} to {target}: {_size(target)}, schema version "
        f"{facts.version} ({state})"
    )
    return OK


def _backup_refusal(source: Path, target: Path, *, force: bool) -> str | None:
    if not source.is_file():
        return f"no database at {source} (CRAMPCOACH_DB_PATH): nothing to back up"
    if target.is_dir():
        return f"{target} is a folder: give a file name, e.g. {target / 'crampcoach.sqlite3'}"
    if not target.parent.is_dir():
        return f"the folder {target.parent} does not exist: create it first"
    if _same_family(source, target):
        return f"{target} is the live database or one of its files: choose another name"
    if target.exists() and not force:
        return f"{target} exists: choose another name, or add --force to replace it"
    return None


_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}


def _put_in_place(temporary: Path, target: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails if target appeared meanwhile: nothing is overwritten
    except FileExistsError:
        raise
    except OSError as exc:
        # No hard links here (a FAT or SMB backup drive): checked, then renamed.
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if target.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.replace(temporary, target)
        return
    temporary.unlink()


# --- restore ---------------------------------------------------------------------------------


def restore(source: Path) -> int:
    """Replace the database with the backup ``source``; the old one is kept aside."""
    settings = _settings_or_none()
    if settings is None:
        return UNUSABLE
    if settings.database_url is not None:
        return _not_for_postgres()
    database = settings.db_path
    problem = database_folder_problem(database)
    if problem:
        _fail(f"{problem}; nothing restored")
        return UNUSABLE
    untouched = f"{database} is untouched"
    if not source.is_file():
        _fail(f"no file at {source}: nothing restored, {untouched}")
        return FAILED
    if _same_family(database, source):
        _fail(f"{source} is the live database itself: give a backup file")
        return FAILED
    with _tidy_side_files(source):
        try:
            facts = _verified_copy(source, what=str(source))
        except SnapshotError as exc:
            _fail(f"not restored, {untouched}: {exc}")
            return FAILED
        try:
            with run_lock.held_if_free(database) as lock:
                if lock is None:
                    _fail(
                        f"the bot is running (it holds {run_lock.lock_path(database)}): stop "
                        f"it first (systemctl stop crampcoach), then restore; {untouched}"
                    )
                    return FAILED
                aside = _swap_in(source, database)
        except (SnapshotError, OSError, sqlite3.Error) as exc:
            _fail(f"restore failed, {untouched}: {_reason(exc)}")
            return FAILED
    kept = f"the old one is kept as {aside}" if aside else "there was no database before"
    print(
        f"crampcoach: restored {database} from {source} (schema version {facts.version}, "
        f"{_size(database)}); {kept}; start the bot"
    )
    return OK


def _swap_in(source: Path, database: Path) -> Path | None:
    """Copy ``source`` beside the database, move the old one aside, rename the copy in.

    Runs under the run lock. Returns where the old database went (``None``: there was none).
    """
    temporary = database.parent / f".{database.name}.restoring-{os.getpid()}"
    with _removed_on_failure(temporary):
        snapshot.create_private(temporary)
        snapshot.copy_online(source, temporary)
        _verified_copy(temporary, what="the copy")
        _give_to_owner_of(temporary, database)
        snapshot.fsync_path(temporary)
        aside = _move_aside(database)
        try:
            os.rename(temporary, database)
        except BaseException:  # a failed rename, or Ctrl-C between the two: put it back
            if aside is not None and not database.exists():
                _move_back(aside, database)
            raise
        snapshot.fsync_path(database.parent)
    return aside


# Files that belong to one database and go with it: SQLite's.
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _move_aside(database: Path) -> Path | None:
    """Rename the database (its WAL folded in first, or moved with it) to a dated name."""
    if not database.exists():
        return None
    with contextlib.suppress(sqlite3.Error, OSError):
        snapshot.checkpoint(database)  # a corrupt file cannot be: its side files move with it
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.name}.before-restore-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = database.with_name(f"{database.name}.before-restore-{stamp}-{counter}")
    os.rename(database, aside)
    for suffix in _SIDE_FILES:
        side = Path(f"{database}{suffix}")
        if side.exists():
            os.rename(side, Path(f"{aside}{suffix}"))
    return aside


def _move_back(aside: Path, database: Path) -> None:
    os.rename(aside, database)
    for suffix in _SIDE_FILES:
        side = Path(f"{aside}{suffix}")
        if side.exists():
            os.rename(side, Path(f"{database}{suffix}"))


def _give_to_owner_of(path: Path, database: Path) -> None:
    """Run as root, the restored file still belongs to the bot's user (the old file's owner)."""
    if os.geteuid() != 0:
        return
    owner = database if database.exists() else database.parent
    info = owner.stat()
    os.chown(path, info.st_uid, info.st_gid)


# --- Shared ----------------------------------------------------------------------------------


def _verified_copy(path: Path, *, what: str) -> FileFacts:
    """``path`` passes the integrity check and holds a schema this code can run."""
    facts = snapshot.inspect_file(path)
    if facts.problems:
        raise SnapshotError(f"{what} fails its integrity check ({facts.problems[0]})")
    if not facts.is_crampcoach:
        raise SnapshotError(f"{what} is not a CrampCoach database")
    if facts.is_newer:
        raise SnapshotError(
            f"{what} was written by a newer CrampCoach (schema version {facts.version}; this "
            f"one knows up to {LATEST_VERSION}): use that version"
        )
    return facts


def _settings_or_none() -> Settings | None:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(str(exc))
        return None


@contextlib.contextmanager
def _removed_on_failure(path: Path) -> Iterator[None]:
    """No partial file: ``path`` (and a journal SQLite may have left) goes if the block fails."""
    try:
        yield
    except BaseException:
        for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise


@contextlib.contextmanager
def _tidy_side_files(path: Path) -> Iterator[None]:
    """Leave no -wal/-shm behind that a read-only look created (a WAL file with no bot on it).

    They are removed only when empty and when nobody holds the run lock: a bot that opened the
    database meanwhile would be using them.
    """
    created = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if not p.exists()]
    try:
        yield
    finally:
        leftovers = [p for p in created if p.exists()]
        wal = Path(f"{path}-wal")
        if leftovers and (wal not in leftovers or wal.stat().st_size == 0):
            with contextlib.suppress(OSError), run_lock.held_if_free(path) as lock:
                if lock is not None:
                    for leftover in leftovers:
                        leftover.unlink()


def _same_family(database: Path, other: Path) -> bool:
    """``other`` is the database or one of its side files (-wal, -shm, -journal, lock)."""
    family = {database.resolve()}
    family |= {Path(f"{database}{s}").resolve() for s in ("-wal", "-shm", "-journal", ".lock")}
    return other.resolve() in family


def _size(path: Path) -> str:
    size = path.stat().st_size
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or type(exc).__name__}{where}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text


def _fail(message: str) -> None:
    print(f"crampcoach: {message}", file=sys.stderr)
