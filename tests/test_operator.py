"""``python -m bot check | backup FILE | restore FILE``, as real processes.

check: one line per check, an exit status per kind of failure (0 good, 2 settings or database,
3 token rejected, 4 Telegram unreachable), and nothing changed. backup: a checked, private copy
taken while the bot runs and users press buttons. restore: refused while the bot runs, and then
the bot starts on the restored data with the old database kept aside.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.operations import run_lock
from conversations.texts import plan as plan_texts
from conversations.texts import sos as sos_texts
from storage import snapshot
from storage.migrations import LATEST_VERSION
from tests.bot_api_server import BotApiServer
from tests.process_helpers import (
    TOKEN,
    BotProcess,
    a_cramp_eases,
    bot_env,
    closed_port,
    integrity,
    make_database,
    read_rows,
    run_bot_command,
    wait_for_chat,
    wait_until,
)

EASED_AFTER = sos_texts.EASED_AFTER.split("{", 1)[0]
PLAN_ON = plan_texts.PLAN_STARTED.split("{", 1)[0]
NO_PLAN = plan_texts.NO_PLAN[:40]


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    api = BotApiServer(TOKEN)
    api.start()
    yield api
    api.stop()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def execute(db: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(sql)
        conn.commit()


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".log"))


def assert_no_token(result: object) -> None:
    text = str(result)
    assert TOKEN not in text and TOKEN.split(":")[1] not in text


def check(db: Path, base_url: str, workdir: Path, **extra: str) -> tuple[int, list[str]]:
    result = run_bot_command(["check"], bot_env(db, base_url, **extra), workdir)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert_no_token(result)
    return result.returncode, result.stdout.splitlines()


def line_of(lines: list[str], subject: str) -> str:
    [line] = [line for line in lines if line.split()[1] == f"{subject}:"]
    return line


# --- check -----------------------------------------------------------------------------------


def test_check_on_a_good_database_is_all_ok_and_changes_nothing(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "crampcoach.sqlite3"
    make_database(db)
    before, files = digest(db), folder_listing(db.parent)

    status, lines = check(db, server.base_url, tmp_path)

    assert status == 0, lines
    assert len(lines) == 3 and all(line.startswith("ok ") for line in lines), lines
    assert f"schema version {LATEST_VERSION} (up to date)" in line_of(lines, "database")
    assert "@E2EBot" in line_of(lines, "telegram")
    assert digest(db) == before and folder_listing(db.parent) == files


def test_check_with_no_database_yet_is_ok_and_creates_nothing(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "crampcoach.sqlite3"
    db.parent.mkdir()
    status, lines = check(db, server.base_url, tmp_path)
    assert status == 0, lines
    assert "the bot creates it at its first start" in line_of(lines, "database")
    assert list(db.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("missing/dir/crampcoach.sqlite3", "does not exist"),
        ("notes.txt/crampcoach.sqlite3", "is not a folder"),
        ("/proc/crampcoach/crampcoach.sqlite3", "does not exist"),
        ("/proc/crampcoach.sqlite3", "cannot create files in /proc"),
    ],
)
def test_check_refuses_a_database_folder_that_is_missing_or_takes_no_files(
    server: BotApiServer, tmp_path: Path, where: str, said: str
) -> None:
    """A mistyped CRAMPCOACH_DB_PATH is not "created at the first start": status 2, one line
    naming the setting, and nothing created."""
    (tmp_path / "notes.txt").write_text("not a folder")
    before = folder_listing(tmp_path)
    status, lines = check(tmp_path / where, server.base_url, tmp_path)
    assert status == 2, lines
    database = line_of(lines, "database")
    assert database.startswith("FAIL ") and "CRAMPCOACH_DB_PATH" in database
    assert said in database, database
    assert folder_listing(tmp_path) == before
    assert not Path("/proc/crampcoach").exists()


def test_check_reports_migrations_due_without_applying_them(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db, user_version=LATEST_VERSION - 1)
    before = digest(db)
    status, lines = check(db, server.base_url, tmp_path)
    assert status == 0, lines
    assert f"migrations due at the next start: {LATEST_VERSION} (" in line_of(lines, "database")
    assert digest(db) == before


def test_check_refuses_a_corrupt_database_with_status_2(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    db.write_bytes(random.Random(3).randbytes(16_384))
    before = digest(db)
    status, lines = check(db, server.base_url, tmp_path)
    assert status == 2, lines
    database = line_of(lines, "database")
    assert database.startswith("FAIL ") and "not a usable SQLite database" in database
    assert "python -m bot restore" in database
    assert line_of(lines, "telegram").startswith("ok ")  # the other checks still ran
    assert digest(db) == before and folder_listing(tmp_path) == ["crampcoach.sqlite3"]


def test_check_refuses_a_database_with_a_damaged_page(server: BotApiServer, tmp_path: Path) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    execute(
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "INSERT INTO users (user_id, first_seen_at) SELECT i, 'x' FROM n",
    )
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 3 : page * 4] = random.Random(4).randbytes(page)  # a page in the middle
    db.write_bytes(bytes(data))
    status, lines = check(db, server.base_url, tmp_path)
    assert status == 2, lines
    assert line_of(lines, "database").startswith("FAIL ")


def break_an_index(db: Path) -> None:
    """A database that opens but fails PRAGMA integrity_check: an index that no longer matches
    its table (its definition rewritten behind SQLite's back)."""
    execute(db, "INSERT INTO users (user_id, first_seen_at) VALUES (1, 'x')")
    execute(db, "INSERT INTO episodes (user_id, started_at) VALUES (1, '2027-01-01')")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX episodes_by_user ON "
            "episodes(started_at, user_id)' WHERE name = 'episodes_by_user'"
        )
        conn.commit()


def test_check_backup_and_restore_refuse_a_database_failing_its_integrity_check(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    break_an_index(db)
    before = digest(db)

    status, lines = check(db, server.base_url, tmp_path)
    assert status == 2, lines
    assert "fails its integrity check (row 1 missing from index" in line_of(lines, "database")

    (tmp_path / "backups").mkdir()
    status, line = backup(db, tmp_path / "backups" / "copy.sqlite3", tmp_path)
    assert status == 1 and "integrity check" in line, line
    assert folder_listing(tmp_path / "backups") == []

    other = tmp_path / "other.sqlite3"
    make_database(other)
    status, line = restore(other, db, tmp_path)
    assert status == 1 and "integrity check" in line, line
    assert digest(db) == before


def test_check_refuses_a_database_from_a_newer_version(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db, user_version=LATEST_VERSION + 1)
    before = digest(db)
    status, lines = check(db, server.base_url, tmp_path)
    assert status == 2, lines
    assert "newer CrampCoach" in line_of(lines, "database")
    assert digest(db) == before


def test_check_names_a_bad_setting_with_status_2(server: BotApiServer, tmp_path: Path) -> None:
    status, lines = check(
        tmp_path / "x.sqlite3", server.base_url, tmp_path, CRAMPCOACH_EMERGENCY_NUMBER="call me"
    )
    assert status == 2, lines
    assert line_of(lines, "settings").startswith("FAIL ")
    assert "CRAMPCOACH_EMERGENCY_NUMBER" in line_of(lines, "settings")
    assert line_of(lines, "database").startswith("skip ")
    assert server.request_paths == []


def test_check_without_a_token_says_so_and_checks_the_database(
    server: BotApiServer, tmp_path: Path
) -> None:
    status, lines = check(tmp_path / "x.sqlite3", server.base_url, tmp_path, CRAMPCOACH_TOKEN="")
    assert status == 2, lines
    assert "CRAMPCOACH_TOKEN is not set" in line_of(lines, "settings")
    assert line_of(lines, "database").startswith("ok ")
    assert line_of(lines, "telegram").startswith("skip ")


def test_check_reports_a_rejected_token_with_status_3(tmp_path: Path) -> None:
    other = BotApiServer("987654321:AAE2eAnotherTokenThanTheOneTheBotHas_x")  # answers 401
    other.start()
    try:
        status, lines = check(tmp_path / "x.sqlite3", other.base_url, tmp_path)
    finally:
        other.stop()
    assert status == 3, lines
    assert "rejected the token" in line_of(lines, "telegram")


def test_check_reports_telegram_unreachable_with_status_4(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot"
    status, lines = check(tmp_path / "x.sqlite3", url, tmp_path)
    assert status == 4, lines
    assert "cannot reach Telegram" in line_of(lines, "telegram")


def test_the_lowest_status_wins_when_several_checks_fail(tmp_path: Path) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db, user_version=LATEST_VERSION + 1)
    status, lines = check(db, f"http://127.0.0.1:{closed_port()}/bot", tmp_path)
    assert status == 2, lines
    assert line_of(lines, "telegram").startswith("FAIL ")


# --- backup ----------------------------------------------------------------------------------


def backup(db: Path, target: Path, workdir: Path, *flags: str) -> tuple[int, str]:
    env = bot_env(db, "http://127.0.0.1:9/bot")
    result = run_bot_command(["backup", *flags, str(target)], env, workdir)
    assert "Traceback" not in result.stderr, result.stderr
    assert_no_token(result)
    output = (result.stdout + result.stderr).strip()
    assert len(output.splitlines()) == 1, output
    return result.returncode, output


def test_backup_writes_a_private_checked_copy_and_never_overwrites_unasked(
    tmp_path: Path,
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    target = tmp_path / "backups" / "one.sqlite3"
    target.parent.mkdir()

    status, line = backup(db, target, tmp_path)
    assert status == 0, line
    assert f"schema version {LATEST_VERSION}" in line and "KiB" in line
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert integrity(target) == ["ok"]
    assert folder_listing(target.parent) == ["one.sqlite3"]  # no -wal needed beside it

    first = digest(target)
    execute(db, "INSERT INTO users (user_id, first_seen_at) VALUES (1, 'x')")
    status, line = backup(db, target, tmp_path)
    assert status == 1 and "--force" in line
    assert digest(target) == first

    status, line = backup(db, target, tmp_path, "--force")
    assert status == 0, line
    assert read_rows(target, "SELECT user_id FROM users") == [(1,)]
    assert folder_listing(target.parent) == ["one.sqlite3"]


@pytest.mark.parametrize("case", ["no database", "corrupt", "no folder", "the database itself"])
def test_a_failed_backup_says_why_and_leaves_no_file(tmp_path: Path, case: str) -> None:
    db = tmp_path / "data" / "crampcoach.sqlite3"
    db.parent.mkdir()
    target = tmp_path / "backups" / "copy.sqlite3"
    target.parent.mkdir()
    if case == "corrupt":
        db.write_bytes(random.Random(5).randbytes(8192))
    elif case != "no database":
        make_database(db)
    if case == "no folder":
        target = tmp_path / "missing" / "copy.sqlite3"
    if case == "the database itself":
        target = db

    status, line = backup(db, target, tmp_path)

    assert status == 1, line
    assert line.startswith("crampcoach: ")
    assert folder_listing(tmp_path / "backups") == []


def test_backups_taken_while_users_press_through_the_sos_flow(
    server: BotApiServer, tmp_path: Path
) -> None:
    """Several backups while three users go through the SOS flow again and again: each copy
    passes the integrity check and holds every episode committed before it started."""
    db = tmp_path / "crampcoach.sqlite3"
    bot = BotProcess(bot_env(db, server.base_url), tmp_path)
    stop = threading.Event()
    errors: list[BaseException] = []
    flows = [0]

    def user(user_id: int) -> None:
        at = 0
        try:
            while not stop.is_set():
                server.user_sends(user_id, "/cramp")
                at = wait_for_chat(server, user_id, sos_texts.STOP_INSTRUCTION, after=at)
                server.user_presses(user_id, sos_texts.NO_FLAG_CALF)
                at = wait_for_chat(server, user_id, sos_texts.STRETCH_HOW["calf"], after=at)
                server.user_presses(user_id, sos_texts.EASED)
                at = wait_for_chat(server, user_id, sos_texts.LATE_SIGNS_QUESTION, after=at)
                server.user_presses(user_id, sos_texts.NONE_OF_THESE)
                at = wait_for_chat(server, user_id, EASED_AFTER, after=at)
                flows[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=user, args=(7000 + n,)) for n in range(3)]
    try:
        for thread in threads:
            thread.start()
        wait_until(lambda: flows[0] >= 3 or bool(errors))
        for n in range(4):
            committed = {row[0] for row in read_rows(db, "SELECT id FROM episodes")}
            target = tmp_path / f"backup-{n}.sqlite3"
            status, line = backup(db, target, tmp_path)
            assert status == 0, line
            assert "while the bot ran" in line
            assert integrity(target) == ["ok"]
            copied = {row[0] for row in read_rows(target, "SELECT id FROM episodes")}
            assert committed <= copied
            assert len(committed) >= 3
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        log = bot.stop()
    assert not errors, errors
    assert bot.process.returncode == 0, log
    assert flows[0] > 3  # the users went on while the backups ran
    assert not run_lock.lock_path(db).exists()  # let go, and tidied, at exit


# --- restore ---------------------------------------------------------------------------------


def restore(db: Path, source: Path, workdir: Path) -> tuple[int, str]:
    result = run_bot_command(
        ["restore", str(source)], bot_env(db, "http://127.0.0.1:9/bot"), workdir
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert_no_token(result)
    output = (result.stdout + result.stderr).strip()
    assert len(output.splitlines()) == 1, output
    return result.returncode, output


def start_a_plan(server: BotApiServer, user_id: int) -> None:
    server.user_sends(user_id, "/cramp")
    at = wait_for_chat(server, user_id, sos_texts.STOP_INSTRUCTION)
    server.user_presses(user_id, sos_texts.NO_FLAG_CALF)
    at = wait_for_chat(server, user_id, sos_texts.STRETCH_HOW["calf"], after=at)
    server.user_presses(user_id, sos_texts.EASED)
    at = wait_for_chat(server, user_id, sos_texts.LATE_SIGNS_QUESTION, after=at)
    server.user_presses(user_id, sos_texts.NONE_OF_THESE)
    at = wait_for_chat(server, user_id, sos_texts.ASK_ACTIVITY[:30], after=at)
    server.user_presses(user_id, sos_texts.SKIP_ALL)
    at = wait_for_chat(server, user_id, plan_texts.OFFER[:30], after=at)
    server.user_presses(user_id, plan_texts.OFFER_BUTTON)
    at = wait_for_chat(server, user_id, plan_texts.ASK_TIME[:20], after=at)
    server.user_presses(user_id, "08:00")
    at = wait_for_chat(server, user_id, plan_texts.PICK_ZONE, after=at)
    server.user_presses(user_id, "Berlin / Paris")
    wait_for_chat(server, user_id, PLAN_ON, after=at)


def test_restore_is_refused_while_the_bot_runs_then_brings_the_plan_back(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    saved = tmp_path / "before.sqlite3"
    user = 7100
    env = bot_env(db, server.base_url)

    bot = BotProcess(env, tmp_path)
    try:
        start_a_plan(server, user)
        status, line = backup(db, saved, tmp_path)
        assert status == 0, line

        status, line = restore(db, saved, tmp_path)
        assert status == 1 and "the bot is running" in line, line
        assert not list(tmp_path.glob("*.before-restore-*"))

        # After the backup the plan is stopped: the restore brings it back.
        at = len(server.sent)
        server.user_sends(user, "/stopplan")
        at = wait_for_chat(server, user, plan_texts.CONFIRM_STOP, after=at)
        server.user_presses(user, plan_texts.STOP_YES)
        wait_for_chat(server, user, plan_texts.STOPPED, after=at)
    finally:
        log = bot.stop()
    assert bot.process.returncode == 0, log
    assert read_rows(db, "SELECT status FROM plans") == [("ended",)]

    status, line = restore(db, saved, tmp_path)

    assert status == 0, line
    [aside] = tmp_path.glob("crampcoach.sqlite3.before-restore-*[0-9]Z")
    assert aside.name in line
    assert read_rows(aside, "SELECT status FROM plans") == [("ended",)]
    assert read_rows(db, "SELECT status FROM plans") == [("active",)]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()

    bot = BotProcess(env, tmp_path)
    try:
        at = len(server.sent)
        server.user_sends(user, "/today")
        # /today answers with the plan of the day, not "you don't have a plan".
        index = wait_for_chat(server, user, "", after=at)
        assert NO_PLAN not in str(server.sent[index][1]["text"])
    finally:
        log = bot.stop()
    assert bot.process.returncode == 0, log


@pytest.mark.parametrize("case", ["corrupt", "newer", "not crampcoach", "missing"])
def test_restore_refuses_a_bad_file_and_leaves_the_database_alone(
    tmp_path: Path, case: str
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    execute(db, "INSERT INTO users (user_id, first_seen_at) VALUES (1, 'x')")
    before = digest(db)
    source = tmp_path / "backups" / "bad.sqlite3"
    source.parent.mkdir()
    if case == "corrupt":
        source.write_bytes(random.Random(6).randbytes(8192))
    elif case == "newer":
        make_database(source, user_version=LATEST_VERSION + 1)
    elif case == "not crampcoach":
        execute(source, "CREATE TABLE notes (text)")

    status, line = restore(db, source, tmp_path)

    assert status == 1, line
    assert "untouched" in line
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "crampcoach.sqlite3"]


def test_restore_onto_a_fresh_machine_needs_no_old_database(tmp_path: Path) -> None:
    source = tmp_path / "saved.sqlite3"
    make_database(source)
    db = tmp_path / "data" / "crampcoach.sqlite3"
    db.parent.mkdir()
    status, line = restore(db, source, tmp_path)
    assert status == 0, line
    assert "there was no database before" in line
    assert integrity(db) == ["ok"]


# --- The copy itself, in process ------------------------------------------------------------


def test_a_copy_restarted_by_writes_again_and_again_still_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write by another connection restarts SQLite's stepped backup; after a few restarts
    the rest is copied in one step, so a busy bot cannot hold a backup off for ever."""
    source = tmp_path / "crampcoach.sqlite3"
    make_database(source)
    execute(
        source,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO users (user_id, first_seen_at) SELECT i, 'a first seen time' FROM n",
    )
    monkeypatch.setattr(snapshot, "BACKUP_PAGES", 2)  # many steps, so writes land between them
    monkeypatch.setattr(snapshot, "BACKUP_SLEEP_SECONDS", 0.01)
    stop = threading.Event()
    writes = [0]

    def writer() -> None:
        with contextlib.closing(sqlite3.connect(source, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO users (user_id, first_seen_at) VALUES (?, 'w')",
                    (100_000 + writes[0],),
                )
                writes[0] += 1
                time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_until(lambda: writes[0] > 5)
        committed = writes[0]
        target = tmp_path / "copy.sqlite3"
        snapshot.create_private(target)
        snapshot.copy_online(source, target)
    finally:
        stop.set()
        thread.join()
    assert integrity(target) == ["ok"]
    [(count,)] = read_rows(target, "SELECT count(*) FROM users WHERE first_seen_at = 'w'")
    assert int(str(count)) >= committed


# --- The run lock ----------------------------------------------------------------------------


def test_a_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    held = run_lock.try_lock(db)
    assert held is not None
    try:
        assert run_lock.is_held(db)
        with pytest.raises(run_lock.RunLockHeld, match="another CrampCoach process"):
            run_lock.hold_until_exit(db, wait=0.3)
        with run_lock.held_if_free(db) as lock:
            assert lock is None
    finally:
        held.release()
    assert not run_lock.is_held(db)
    assert not run_lock.lock_path(db).exists()


def test_a_bot_started_during_a_restore_waits_for_it_then_runs(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    held = run_lock.try_lock(db)  # as a restore holds it
    assert held is not None
    bot = BotProcess(bot_env(db, server.base_url), tmp_path)
    try:
        time.sleep(1.0)
        assert bot.process.poll() is None  # waiting, not refused
        assert not db.exists()  # and nothing opened before the lock
        held.release()
        a_cramp_eases(server, 7200)
    finally:
        log = bot.stop()
    assert bot.process.returncode == 0, log


def test_a_second_bot_process_is_refused_with_one_line_and_status_2(
    server: BotApiServer, tmp_path: Path
) -> None:
    db = tmp_path / "crampcoach.sqlite3"
    first = BotProcess(bot_env(db, server.base_url), tmp_path)
    try:
        a_cramp_eases(server, 7300)
        second = run_bot_command([], bot_env(db, server.base_url), tmp_path)
    finally:
        log = first.stop()
    assert first.process.returncode == 0, log
    assert second.returncode == 2, second.stderr
    [line] = second.stderr.splitlines()[-1:]
    assert line.startswith("crampcoach: another CrampCoach process is using")
    assert "Traceback" not in second.stderr


def test_a_refused_start_lets_go_of_the_lock(tmp_path: Path) -> None:
    other = BotApiServer("987654321:AAE2eAnotherTokenThanTheOneTheBotHas_x")  # answers 401
    other.start()
    try:
        db = tmp_path / "crampcoach.sqlite3"
        result = run_bot_command([], bot_env(db, other.base_url), tmp_path)
    finally:
        other.stop()
    assert result.returncode == 2, result.stderr
    assert not run_lock.lock_path(db).exists()
    assert not run_lock.is_held(db)


def test_a_backup_stopped_half_way_leaves_no_file(tmp_path: Path) -> None:
    """SIGTERM (a timer unit stopped) mid-copy: status 130, one line, no partial file."""
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    execute(  # about 100 MB: the copy takes many steps, with a pause after each
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) "
        "INSERT INTO ptb_user_data (user_id, data) SELECT i, hex(randomblob(2000)) FROM n",
    )
    backups = tmp_path / "backups"
    backups.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "backup", str(backups / "big.sqlite3")],
        cwd=tmp_path,
        env=bot_env(db, "http://127.0.0.1:9/bot"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: any(backups.iterdir()) or process.poll() is not None)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    assert err.splitlines() == ["crampcoach: backup interrupted: nothing was changed"]
    assert list(backups.iterdir()) == []


def test_restore_keeps_what_the_old_databases_wal_held(tmp_path: Path) -> None:
    """A bot killed with -9 leaves commits in the -wal file only: the database kept aside holds
    them (checkpointed into it), and no stray -wal is left beside the restored one."""
    db = tmp_path / "crampcoach.sqlite3"
    make_database(db)
    saved = tmp_path / "saved.sqlite3"
    shutil.copy(db, saved)
    killed = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('PRAGMA journal_mode=WAL')\n"
        "conn.execute(\"INSERT INTO users (user_id, first_seen_at) VALUES (9, 'x')\")\n"
        "os._exit(0)  # no close, no checkpoint: as after kill -9\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(db)], check=True, timeout=30)
    assert Path(f"{db}-wal").stat().st_size > 0

    status, line = restore(db, saved, tmp_path)

    assert status == 0, line
    [aside] = tmp_path.glob("crampcoach.sqlite3.before-restore-*[0-9]Z")
    assert not Path(f"{aside}-wal").exists()  # folded in, not needed beside it
    assert read_rows(aside, "SELECT user_id FROM users") == [(9,)]
    assert read_rows(db, "SELECT user_id FROM users") == []
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
