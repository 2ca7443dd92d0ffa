"""PostgreSQL for the tests: the real server at ``CRAMPCOACH_TEST_DATABASE_URL``, a fresh schema
per test (``search_path`` in the URL's ``options``), dropped afterwards. Nothing is mocked.

Without the URL every PostgreSQL case is skipped, and pytest's summary says so in one line.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

ENV = "CRAMPCOACH_TEST_DATABASE_URL"
BACKENDS = ("sqlite", "postgresql")
NOT_SET = f"PostgreSQL cases skipped: {ENV} is not set"

# Tests that do not run on PostgreSQL yet, by module (or "module::test"), with the reason.
SQLITE_ONLY: dict[str, str] = {
    "test_inbox::test_updates_kept_but_not_handled_are_replayed_at_start_up_in_order": (
        "it checks the order of replies across chats, which are handled side by side; only "
        "SQLite's statements on the event loop keep that order"
    ),
    "test_health::test_a_database_that_fails_to_answer_is_unhealthy": (
        "it names SQLite's error class"
    ),
    "test_sos_flow::test_hundred_users_in_the_flow_at_once_each_get_their_own_countdown": (
        "its time bound is SQLite's; PostgreSQL's round trips are slower per statement"
    ),
}

_skipped = {"not_set": 0}


def url() -> str | None:
    return os.environ.get(ENV) or None


def skip_unless_ready(node: pytest.Item) -> None:
    if url() is None:
        _skipped["not_set"] += 1
        pytest.skip(NOT_SET)
    name = node.nodeid.split("[")[0]
    module = name.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
    test = f"{module}::{name.split('::')[-1]}"
    for key in (test, module):
        if key in SQLITE_ONLY:
            pytest.skip(f"not on PostgreSQL yet: {SQLITE_ONLY[key]}")


def with_schema(base: str, schema: str) -> str:
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


_free: list[str] = []  # schemas at the latest version, emptied, ready for the next test
_RECYCLE_CHECK = (
    "SELECT (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "        JOIN pg_namespace n ON n.oid = c.relnamespace "
    "        WHERE n.nspname = current_schema() AND NOT t.tgisinternal), "
    "       (SELECT string_agg(quote_ident(table_name), ', ') FROM information_schema.tables "
    "        WHERE table_schema = current_schema() AND table_name <> 'schema_version')"
)


@contextlib.asynccontextmanager
async def fresh_schema(*, empty: bool = False) -> AsyncIterator[str]:
    """A URL whose schema is this test's alone: at the latest version with no rows (a schema
    another test used, emptied with TRUNCATE … RESTART IDENTITY: much faster than migrating
    again), or ``empty`` (no tables: for the migration tests)."""
    import psycopg

    from storage import postgres
    from storage.migrations import LATEST_VERSION

    base = url()
    assert base is not None
    if not empty and _free:
        schema = _free.pop()
    else:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
            await admin.execute(f"CREATE SCHEMA {schema}")
        if not empty:
            conn = await postgres.connect(with_schema(base, schema))
            try:
                await postgres.apply_migrations(conn)
            finally:
                await conn.close()
    recycled = False
    try:
        yield with_schema(base, schema)
    finally:
        if not empty:
            recycled = await _empty(with_schema(base, schema), LATEST_VERSION)
        if recycled:
            _free.append(schema)
        else:
            await _drop(base, schema)


async def _empty(schema_url: str, latest: int) -> bool:
    """Empty a used schema for the next test; False when it is not as migrations left it."""
    import psycopg

    from storage import postgres

    try:
        async with await psycopg.AsyncConnection.connect(schema_url, autocommit=True) as conn:
            await conn.execute("SET lock_timeout = '5s'")
            if await postgres.schema_version(conn) != latest:  # type: ignore[arg-type]
                return False
            row = await (await conn.execute(_RECYCLE_CHECK)).fetchone()
            if row is None or row[0] or not row[1]:
                return False  # a trigger a test left behind
            await conn.execute(f"TRUNCATE {row[1]} RESTART IDENTITY CASCADE")
    except psycopg.Error:
        return False
    return True


async def _drop(base: str, schema: str) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
        await admin.execute("SET lock_timeout = '10s'")
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def drop_leftovers() -> None:
    """At the end of the session: drop the schemas kept for reuse."""
    if not _free or url() is None:
        return
    import asyncio

    base = url()
    assert base is not None

    async def drop_all() -> None:
        while _free:
            await _drop(base, _free.pop())

    asyncio.run(drop_all())


def summary() -> str | None:
    if _skipped["not_set"]:
        return f"{NOT_SET} ({_skipped['not_set']} cases; set it to run them, see .ci/run)"
    return None
