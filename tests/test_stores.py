"""The store interface on both stores: SQLite (the default) and PostgreSQL (the real server at
CRAMPCOACH_TEST_DATABASE_URL, a fresh schema per test; skipped without it).

Turns, write blocks, savepoints, reads, generated ids, and the migrations from every earlier
schema version to the latest."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.duties import holder_name
from storage import leases, migrations
from storage.store import DatabaseUnusable, Store
from storage.stores import open_store
from tests import pg

STAMP = "2027-01-01T00:00:00.000000Z"
INSERT_USER = "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?)"


async def user_ids(db: Store) -> list[int]:
    return [
        int(row["user_id"]) for row in await db.fetch_all("SELECT user_id FROM users ORDER BY 1")
    ]


async def test_a_write_is_read_back_by_name_and_by_position(store: Store) -> None:
    big = 7_000_000_000  # Telegram's ids outgrow 32 bits
    await store.execute_write(INSERT_USER, (big, STAMP))
    row = await store.fetch_one(
        "SELECT user_id, first_seen_at FROM users WHERE user_id = ?", (big,)
    )
    assert row is not None
    assert row["user_id"] == row[0] == big
    assert row["first_seen_at"] == STAMP
    assert list(row.keys()) == ["user_id", "first_seen_at"]
    named = await store.fetch_one("SELECT count(*) AS n FROM users WHERE user_id = :u", {"u": big})
    assert named is not None and named["n"] == 1


async def test_an_insert_gives_the_id_it_generated(store: Store) -> None:
    await store.execute_write(INSERT_USER, (1, STAMP))
    first = await store.execute_write(
        "INSERT INTO episodes (user_id, started_at) VALUES (?, ?)", (1, STAMP)
    )
    second = await store.execute_write(
        "INSERT INTO episodes (user_id, started_at) VALUES (?, ?)", (1, STAMP)
    )
    assert first.rowcount == second.rowcount == 1
    assert first.lastrowid is not None and second.lastrowid == first.lastrowid + 1
    ignored = await store.execute_write(
        "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (1, STAMP),
    )
    assert ignored.rowcount == 0


async def test_a_turn_commits_its_writes_together(store: Store) -> None:
    async with store.turn() as turn:
        await store.execute_write(INSERT_USER, (1, STAMP))
        async with store.write() as tx:
            await tx.execute(INSERT_USER, (2, STAMP))
        # the turn sees its own writes
        assert await user_ids(store) == [1, 2]
        await turn.commit()
    assert await user_ids(store) == [1, 2]


async def test_a_turn_left_without_a_commit_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.turn():
            await store.execute_write(INSERT_USER, (1, STAMP))
            raise RuntimeError("a handler broke")
    assert await user_ids(store) == []


async def test_undo_drops_what_was_written_and_the_turn_goes_on(store: Store) -> None:
    async with store.turn() as turn:
        await store.execute_write(INSERT_USER, (1, STAMP))
        await turn.undo()
        await store.execute_write(INSERT_USER, (2, STAMP))
        await turn.commit()
    assert await user_ids(store) == [2]


async def test_a_failing_write_block_in_a_turn_is_undone_alone(store: Store) -> None:
    async with store.turn() as turn:
        await store.execute_write(INSERT_USER, (1, STAMP))
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            async with store.write() as tx:
                await tx.execute(INSERT_USER, (2, STAMP))
                await tx.execute(INSERT_USER, (1, STAMP))  # refused: undoes 2 as well
        await store.execute_write(INSERT_USER, (3, STAMP))
        await turn.commit()
    assert await user_ids(store) == [1, 3]


async def test_a_transaction_is_all_or_none(store: Store) -> None:
    await store.execute_write(INSERT_USER, (1, STAMP))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await store.transaction([(INSERT_USER, (2, STAMP)), (INSERT_USER, (1, STAMP))])
    assert await user_ids(store) == [1]
    done = await store.transaction([(INSERT_USER, (2, STAMP)), (INSERT_USER, (3, STAMP))])
    assert [r.rowcount for r in done] == [1, 1]
    assert await user_ids(store) == [1, 2, 3]


async def test_executemany_and_json_id_lists(store: Store) -> None:
    async with store.write() as tx:
        await tx.executemany(INSERT_USER, [(n, STAMP) for n in (5, 6, 7)])
    rows = await store.fetch_all(
        "SELECT user_id FROM users WHERE user_id IN (SELECT value FROM json_each(?)) "
        "AND first_seen_at LIKE '2027-%' ORDER BY user_id",
        ("[5, 7]",),
    )
    assert [row["user_id"] for row in rows] == [5, 7]
    like = await store.fetch_one("SELECT count(*) FROM users WHERE first_seen_at LIKE '2027-%'")
    assert like is not None and like[0] == 3


async def test_the_schema_is_at_the_latest_version(store: Store) -> None:
    assert await store.schema_version() == migrations.LATEST_VERSION


# --- Migrations from every earlier version ------------------------------------------------------


async def schema_of(db: Store) -> dict[str, list[str]]:
    """Each table's columns, in order."""
    if db.dialect == "sqlite":
        tables = [
            str(row[0])
            for row in await db.fetch_all(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            table: [str(row["name"]) for row in await db.fetch_all(f"PRAGMA table_info({table})")]
            for table in tables
        }
    rows = await db.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'schema_version' "
        "ORDER BY table_name, ordinal_position"
    )
    schema: dict[str, list[str]] = {}
    for row in rows:
        schema.setdefault(str(row[0]), []).append(str(row[1]))
    return schema


async def migrate_to(db_path: Path, url: str | None, version: int) -> None:
    """A database left at ``version`` by an earlier CrampCoach."""
    if url is None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            migrations.apply_migrations(conn, up_to=version)
        finally:
            conn.close()
        return
    from storage import postgres

    pconn = await postgres.connect(url)
    try:
        assert await postgres.apply_migrations(pconn, up_to=version) == version
    finally:
        await pconn.close()


async def schema_after_open(url: str | None, path: Path) -> dict[str, list[str]]:
    db = open_store(url, path)
    await db.open()
    try:
        return await schema_of(db)
    finally:
        await db.close()


@pytest.mark.parametrize("start", range(migrations.LATEST_VERSION))
async def test_every_earlier_version_migrates_to_the_latest_schema(
    tmp_path: Path, store_url: str | None, start: int
) -> None:
    if store_url is not None:
        async with pg.fresh_schema(empty=True) as fresh_url:
            expected = await schema_after_open(fresh_url, tmp_path / "unused")
    else:
        expected = await schema_after_open(None, tmp_path / "fresh.sqlite3")

    path = tmp_path / "old.sqlite3"
    async with contextlib.AsyncExitStack() as stack:
        old_url = None
        if store_url is not None:  # the test's schema is migrated already: take an empty one
            old_url = await stack.enter_async_context(pg.fresh_schema(empty=True))
        await migrate_to(path, old_url, start)
        db = open_store(old_url, path)
        await db.open()
        try:
            assert await db.schema_version() == migrations.LATEST_VERSION
            assert await schema_of(db) == expected
        finally:
            await db.close()


async def test_a_postgres_database_from_a_newer_version_is_refused(
    store_url: str | None, store: Store
) -> None:
    if store_url is None:
        pytest.skip("SQLite's refusal is in test_startup_refusals.py")
    await store.execute_write("UPDATE schema_version SET version = ?", (99,))
    await store.close()
    again = open_store(store_url, Path("unused"))
    with pytest.raises(DatabaseUnusable, match="newer CrampCoach"):
        await again.open()
    await again.close()


# --- PostgreSQL only ----------------------------------------------------------------------------


async def test_the_password_is_never_in_a_message(store_url: str | None) -> None:
    if store_url is None:
        pytest.skip("SQLite has no password")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(store_url)
    wrong = "s3cret-Wrong-Pw"
    host = parts.netloc.rsplit("@", 1)[1]
    bad_url = urlunsplit(
        (parts.scheme, f"{parts.username}:{wrong}@{host}", parts.path, parts.query, "")
    )
    db = open_store(bad_url, Path("unused"))
    assert wrong not in db.where
    with pytest.raises(DatabaseUnusable) as refused:
        await db.open()
    assert wrong not in str(refused.value)
    assert "***" in str(refused.value)


def test_queries_are_translated_once_for_postgresql() -> None:
    from storage.postgres import translate

    done = translate("INSERT INTO outbox (origin, kind) VALUES (?, ?) ON CONFLICT DO NOTHING")
    assert done.sql.endswith("VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id")
    assert done.returns_id
    assert translate("SELECT * FROM users WHERE x LIKE 'a%' AND y = :u").sql == (
        "SELECT * FROM users WHERE x LIKE 'a%%' AND y = %(u)s"
    )
    assert translate("SELECT '?' , ?::text").sql == "SELECT '?' , %s::text"
    assert not translate("INSERT INTO users (user_id) VALUES (?)").returns_id


def test_the_url_selects_postgresql_and_its_password_stays_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import SettingsError, load_settings
    from storage.db import Database
    from storage.postgres import PostgresDatabase

    secret = "pw-Never-Shown"
    monkeypatch.setenv("CRAMPCOACH_DB_PATH", str(tmp_path / "x.sqlite3"))
    monkeypatch.delenv("CRAMPCOACH_DATABASE_URL", raising=False)
    assert isinstance(load_settings(None).database(), Database)  # SQLite stays the default
    monkeypatch.setenv(
        "CRAMPCOACH_DATABASE_URL", f"postgresql://bot:{secret}@db.example.org:6432/crampcoach"
    )
    chosen = load_settings(None)
    db = chosen.database()
    assert isinstance(db, PostgresDatabase)
    assert db.where == "postgresql://bot:***@db.example.org:6432/crampcoach"
    assert secret not in repr(chosen) and secret not in str(chosen.model_dump())
    monkeypatch.setenv("CRAMPCOACH_DATABASE_URL", f"mysql://bot:{secret}@host/db")
    with pytest.raises(SettingsError) as refused:
        load_settings(None)
    assert secret not in str(refused.value)
    assert str(refused.value).startswith("CRAMPCOACH_DATABASE_URL must be a postgresql:// URL")


async def test_check_reads_postgresqls_schema_version_without_writing(
    store_url: str | None, store: Store
) -> None:
    if store_url is None:
        pytest.skip("SQLite's check is in test_operator.py")
    from bot.operations.commands import OK, UNUSABLE, check_postgres

    found = await check_postgres(store_url)
    assert found.status == OK
    assert f"schema version {migrations.LATEST_VERSION} (up to date)" in found.text
    assert "PostgreSQL" in found.text
    assert found.text.endswith("no worker running")
    # Several workers: who holds each duty now, by the worker's name (a run-out lease: none).
    now = datetime.now(UTC)
    await leases.take(store, "sender", holder_name("worker-2"), now, timedelta(seconds=15))
    await leases.take(store, "poller", "gone:1:aa", now - timedelta(minutes=1), timedelta(0))
    found = await check_postgres(store_url)
    assert found.text.endswith("; duties: sender by worker-2")
    async with pg.fresh_schema(empty=True) as empty_url:
        empty = await check_postgres(empty_url)
        assert empty.status == OK and "is empty" in empty.text
        db = open_store(empty_url, Path("unused"))
        assert await db.schema_version() == migrations.LATEST_VERSION  # opening migrates
        await db.close()
    await store.execute_write("UPDATE schema_version SET version = ?", (99,))
    newer = await check_postgres(store_url)
    assert newer.status == UNUSABLE and "newer CrampCoach" in newer.text
