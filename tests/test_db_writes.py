"""Single-statement writes made at the same time share a trip to the database thread: each
still commits alone, fails alone, and never lands inside another caller's transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database

INSERT_USER = "INSERT INTO users (user_id, first_seen_at) VALUES (?, '2027-01-01T00:00:00+00:00')"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "writes.sqlite3")
    await database.open()
    yield database
    await database.close()


async def user_ids(db: Database) -> list[int]:
    return [row["user_id"] for row in await db.fetch_all("SELECT user_id FROM users ORDER BY 1")]


async def test_statements_at_the_same_time_each_get_their_own_result(db: Database) -> None:
    results = await asyncio.gather(*(db.execute_write(INSERT_USER, (n,)) for n in range(1, 51)))

    assert [result.lastrowid for result in results] == list(range(1, 51))
    assert all(result.rowcount == 1 for result in results)
    assert await user_ids(db) == list(range(1, 51))
    nothing = await db.execute_write("UPDATE users SET country = 'DE' WHERE user_id = 999")
    assert nothing.rowcount == 0


async def test_a_failing_statement_fails_alone(db: Database) -> None:
    await db.execute_write(INSERT_USER, (1,))

    results = await asyncio.gather(
        db.execute_write(INSERT_USER, (2,)),
        db.execute_write(INSERT_USER, (1,)),  # the same user again: refused
        db.execute_write("UPDATE no_such_table SET x = 1"),
        db.execute_write(INSERT_USER, (3,)),
        return_exceptions=True,
    )

    assert isinstance(results[1], sqlite3.IntegrityError)
    assert isinstance(results[2], sqlite3.OperationalError)
    assert await user_ids(db) == [1, 2, 3]


async def test_a_statement_never_lands_inside_a_transaction_being_rolled_back(
    db: Database,
) -> None:
    inside = asyncio.Event()

    async def transaction() -> None:
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute(INSERT_USER, (1,))
                inside.set()
                await asyncio.sleep(0.05)  # the single statement is asked for meanwhile
                raise RuntimeError("rolled back")

    async def single() -> None:
        await inside.wait()
        await db.execute_write(INSERT_USER, (2,))

    await asyncio.gather(transaction(), single())

    assert await user_ids(db) == [2]


async def test_a_caller_cancelled_before_the_trip_leaves_its_statement_out(db: Database) -> None:
    async with db.write():  # holds the write lock: the statement waits for its trip
        cancelled = asyncio.create_task(db.execute_write(INSERT_USER, (7,)))
        kept = asyncio.create_task(db.execute_write(INSERT_USER, (8,)))
        await asyncio.sleep(0.01)
        cancelled.cancel()

    assert (await kept).rowcount == 1
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await user_ids(db) == [8]


async def test_a_write_after_close_opens_the_database_again(db: Database) -> None:
    await db.close()

    await db.execute_write(INSERT_USER, (5,))

    assert await user_ids(db) == [5]


async def test_a_transaction_commits_all_its_statements_and_returns_each_result(
    db: Database,
) -> None:
    first, second = await db.transaction([(INSERT_USER, (1,)), (INSERT_USER, (2,))])

    assert (first.lastrowid, second.lastrowid) == (1, 2)
    assert await user_ids(db) == [1, 2]
    assert await db.transaction([]) == []


async def test_a_failing_statement_rolls_back_its_whole_transaction_and_only_that(
    db: Database,
) -> None:
    await db.execute_write(INSERT_USER, (1,))

    results = await asyncio.gather(
        db.transaction([(INSERT_USER, (2,)), (INSERT_USER, (1,))]),  # the second is refused
        db.execute_write(INSERT_USER, (3,)),
        return_exceptions=True,
    )

    assert isinstance(results[0], sqlite3.IntegrityError)
    assert await user_ids(db) == [1, 3]
    await db.transaction([(INSERT_USER, (4,)), (INSERT_USER, (5,))])  # no transaction left open
    assert await user_ids(db) == [1, 3, 4, 5]
