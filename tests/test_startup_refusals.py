"""Start-up refusals: one line on stderr, exit status 2, no traceback, the file untouched.

Each case runs ``python -m bot`` as a real process with a token and a Bot API URL nobody
listens on: a refusal must come before the network is touched, and the process must really
exit (an aiosqlite connection left open is a thread that kept it alive for ever).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnusable
from storage.migrations import LATEST_VERSION
from tests.bot_api_server import BotApiServer

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
REPO = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


def run_bot(db_path: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    # This checkout's code, whatever the venv has installed (a worktree, an editable install).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL="http://127.0.0.1:9/bot",  # nothing listens: never reached
        CRAMPCOACH_DB_PATH=str(db_path),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,  # a process kept alive by a leaked thread fails here
    )


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crampcoach: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert TOKEN not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable, for root too (an immutable flag), then undo it."""
    if IS_ROOT:
        if shutil.which("chattr") is None:
            pytest.skip("needs chattr to make a path read-only for root")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("this file system has no immutable flag")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode & 0o555)
        try:
            yield
        finally:
            path.chmod(mode)


def make_database(path: Path, *, user_version: int | None = None) -> None:
    asyncio.run(_open_and_close(path))
    if user_version is not None:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute(f"PRAGMA user_version={user_version:d}")
            conn.commit()


async def _open_and_close(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


# --- The real process --------------------------------------------------------------------


def test_a_corrupt_database_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "crampcoach.sqlite3"
    db_path.parent.mkdir()
    db_path.write_bytes(random.Random(10).randbytes(16_384))
    before = digest(db_path)

    result = run_bot(db_path, tmp_path)

    assert_refused(result, "not a usable SQLite database", "restore it from a backup")
    assert digest(db_path) == before
    assert side_files(db_path) == []


def test_a_database_with_a_damaged_header_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    make_database(db_path)
    damaged = bytearray(db_path.read_bytes())
    damaged[:16] = b"not sqlite at al"
    db_path.write_bytes(bytes(damaged))
    before = digest(db_path)

    assert_refused(run_bot(db_path, tmp_path), "not a usable SQLite database")
    assert digest(db_path) == before


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    make_database(db_path, user_version=LATEST_VERSION + 1)
    before = digest(db_path)

    result = run_bot(db_path, tmp_path)

    assert_refused(result, "newer CrampCoach", f"schema version {LATEST_VERSION + 1}")
    assert digest(db_path) == before


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with read_only(folder):
        result = run_bot(folder / "crampcoach.sqlite3", tmp_path)
    assert_refused(result, "cannot use the database", "read and write")
    assert list(folder.iterdir()) == []


def test_a_read_only_database_file_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    make_database(db_path, user_version=LATEST_VERSION - 1)  # a migration is due: a write
    before = digest(db_path)
    with read_only(db_path):
        result = run_bot(db_path, tmp_path)
    assert_refused(result, "cannot use the database")
    assert digest(db_path) == before


def test_a_path_through_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    result = run_bot(tmp_path / "notes.txt" / "crampcoach.sqlite3", tmp_path)
    assert_refused(result, "notes.txt is not a folder")


def test_a_mistyped_database_folder_is_refused_and_nothing_created(tmp_path: Path) -> None:
    """CRAMPCOACH_DB_PATH=/nonexistent/dir/x.db: no folders and no empty database made."""
    before = sorted(tmp_path.rglob("*"))
    result = run_bot(tmp_path / "nonexistent" / "dir" / "x.db", tmp_path)
    assert_refused(result, "CRAMPCOACH_DB_PATH", "does not exist", "create it")
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize(
    ("db_path", "said"),
    [
        ("/proc/crampcoach/crampcoach.sqlite3", "does not exist"),
        ("/proc/crampcoach.sqlite3", "cannot create files in /proc"),
    ],
)
def test_a_database_folder_that_takes_no_files_is_refused(
    tmp_path: Path, db_path: str, said: str
) -> None:
    assert_refused(run_bot(Path(db_path), tmp_path), "CRAMPCOACH_DB_PATH", said)


@pytest.mark.skipif(IS_ROOT, reason="root reads any file")
def test_an_unreadable_database_file_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    make_database(db_path)
    db_path.chmod(0)
    try:
        assert_refused(run_bot(db_path, tmp_path), "cannot use the database")
    finally:
        db_path.chmod(0o600)


# --- In process: the same refusals, and the file's mode --------------------------------------


async def test_open_refuses_a_corrupt_file_without_leaving_a_connection(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    db_path.write_bytes(b"\x00" * 4096 + b"garbage" * 100)
    db = Database(db_path)
    with pytest.raises(DatabaseUnusable, match="not a usable SQLite database"):
        await db.open()
    assert not db.is_open
    assert side_files(db_path) == []


async def test_database_and_side_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a common default: files would be 0644
    try:
        db_path = tmp_path / "crampcoach.sqlite3"
        db = Database(db_path)
        await db.open()
        try:
            async with db.write() as conn:
                await conn.execute("INSERT INTO users (user_id, first_seen_at) VALUES (1, 'x')")
            names = ["crampcoach.sqlite3", "crampcoach.sqlite3-wal", "crampcoach.sqlite3-shm"]
            modes = {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in names}
        finally:
            await db.close()
    finally:
        os.umask(old)
    assert modes == dict.fromkeys(names, 0o600)


async def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    db_path = tmp_path / "crampcoach.sqlite3"
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("CREATE TABLE t (x)")
    db_path.chmod(0o644)
    db = Database(db_path)
    await db.open()
    await db.close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


# --- Telegram at start-up ----------------------------------------------------------------


def test_telegram_unreachable_at_start_up_is_one_line_and_status_1(tmp_path: Path) -> None:
    result = run_bot(tmp_path / "crampcoach.sqlite3", tmp_path)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("crampcoach: cannot reach Telegram at start-up")
    assert TOKEN not in result.stderr and TOKEN.split(":")[1] not in result.stderr


def test_a_token_telegram_rejects_is_one_line_and_status_2(tmp_path: Path) -> None:
    server = BotApiServer("987654321:AAE2eAnotherTokenThanTheOneTheBotHas_x")  # answers 401
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
        env.update(
            CRAMPCOACH_TOKEN=TOKEN,
            CRAMPCOACH_API_BASE_URL=server.base_url,
            CRAMPCOACH_DB_PATH=str(tmp_path / "crampcoach.sqlite3"),
        )
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.stop()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("crampcoach: Telegram rejected the token")
    assert TOKEN.split(":")[1] not in result.stderr
