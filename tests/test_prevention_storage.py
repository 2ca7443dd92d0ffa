"""The prevention programme's tables and queries, on SQLite and on PostgreSQL: claims that
happen once, answers recorded once, the level's answers, pausing, migration 10, and
migration 11 (the heat warning's tables)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rules.strength import Answer
from storage import heat, migrations, prevention, users
from storage.prevention import Programme, ProgrammeStatus, Slot
from storage.store import Store
from storage.stores import open_store

NOW = datetime(2027, 4, 5, 6, 0, tzinfo=UTC)
USER = 4242


def _slot(day: date, next_at: datetime) -> Slot:
    return Slot(day, next_at)


async def _active(store: Store, *, due: datetime = NOW) -> Programme:
    await users.ensure_user(store, USER, NOW)
    await prevention.start_setup(store, USER, USER, "Europe/Berlin", NOW)
    await prevention.set_weekdays(store, USER, "0,3", NOW)
    await prevention.activate(
        store,
        USER,
        session_time="08:00",
        zone="Europe/Berlin",
        next_session_at=due,
        next_week_at=due + timedelta(days=6),
        now=NOW,
    )
    programme = await prevention.programme_of(store, USER)
    assert programme is not None
    return programme


async def test_a_session_is_claimed_once_and_the_next_is_scheduled(store: Store) -> None:
    await _active(store)
    later = NOW + timedelta(days=3)

    def slot(programme: Programme) -> Slot:
        return _slot(date(2027, 4, 5), later)

    [(programme, session)] = await prevention.claim_due_sessions(store, NOW, 10, slot)
    assert (session.due_date, session.level, session.sent_at) == (date(2027, 4, 5), 1, None)
    assert programme.status is ProgrammeStatus.ACTIVE
    again = await prevention.programme_of(store, USER)
    assert again is not None and again.next_session_at == later
    # Nothing due any more; the same date claimed again (after a restart) makes no new row.
    assert await prevention.claim_due_sessions(store, NOW, 10, slot) == []
    assert await prevention.unsent_sessions(store, NOW + timedelta(minutes=3), NOW) == [
        (again, session)
    ]
    await prevention.mark_session_sent(store, session.id, NOW)
    assert await prevention.unsent_sessions(store, NOW + timedelta(minutes=3), NOW) == []
    assert len(await prevention.sessions_of(store, USER)) == 1


async def test_answers_are_recorded_once_and_counted_at_their_level(store: Store) -> None:
    await _active(store)
    ids = []
    for n in range(4):
        day = date(2027, 4, 5) + timedelta(days=n)
        at = NOW + timedelta(days=n)

        def slot(programme: Programme, day: date = day, at: datetime = at) -> Slot:
            return _slot(day, at + timedelta(days=1))

        [(_, session)] = await prevention.claim_due_sessions(store, at, 10, slot)
        await prevention.mark_session_sent(store, session.id, at)
        ids.append(session.id)
        if n == 1:
            await prevention.set_level(store, USER, 2, at)
    assert await prevention.record_answer(store, ids[0], Answer.DONE, NOW)
    assert not await prevention.record_answer(store, ids[0], Answer.PAIN, NOW)
    assert await prevention.record_answer(store, ids[1], Answer.DONE, NOW)
    assert await prevention.record_answer(store, ids[2], Answer.TOO_HARD, NOW)
    assert await prevention.record_answer(store, ids[3], Answer.DONE, NOW)
    assert await prevention.answers_at_level(store, USER, 2) == [Answer.TOO_HARD, Answer.DONE]
    newest = await prevention.newest_session_of(store, USER)
    assert newest is not None and newest.id == ids[3]
    done = await prevention.sessions_done_between(store, USER, date(2027, 4, 5), date(2027, 4, 7))
    assert done == 2


async def test_weekly_checkins_are_claimed_once_and_answered_once(store: Store) -> None:
    await _active(store, due=NOW + timedelta(days=30))
    week_at = NOW + timedelta(days=36)  # the first week is due six days after the session

    def slot(programme: Programme) -> Slot:
        return _slot(date(2027, 4, 5), week_at + timedelta(days=7))

    [(_, week)] = await prevention.claim_due_weeks(store, week_at, 10, slot)
    assert await prevention.claim_due_weeks(store, week_at, 10, slot) == []
    await prevention.mark_week_sent(store, week.id, week_at)
    await prevention.record_week_cramps(store, week.id, cramps=False)
    assert await prevention.complete_week(store, week.id, "well", 2, week_at)
    assert not await prevention.complete_week(store, week.id, "pain", 0, week_at)
    [stored] = await prevention.weeks_of(store, USER)
    assert (stored.cramps, stored.training, stored.sessions_done) == (False, "well", 2)


async def test_pause_stops_what_is_due_and_setup_keeps_the_level(store: Store) -> None:
    await _active(store)
    await prevention.set_level(store, USER, 4, NOW)
    assert await prevention.pause(store, USER, NOW)
    assert not await prevention.pause(store, USER, NOW)
    paused = await prevention.programme_of(store, USER)
    assert paused is not None
    assert (paused.status, paused.next_session_at, paused.paused_at) == ("paused", None, NOW)
    assert (
        await prevention.claim_due_sessions(store, NOW, 10, lambda p: _slot(date(2027, 4, 5), NOW))
        == []
    )
    again = await prevention.start_setup(store, USER, USER, None, NOW)
    assert (again.status, again.level, again.zone) == ("setup", 4, "Europe/Berlin")
    assert await prevention.leave_setup(store, USER, NOW)
    stopped = await prevention.programme_of(store, USER)
    assert stopped is not None and stopped.status is ProgrammeStatus.STOPPED


async def test_migration_10_adds_the_programme_tables_to_a_version_9_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrations.apply_migrations(conn, up_to=9) == 9
        conn.execute("INSERT INTO users (user_id, first_seen_at) VALUES (1, '2027-01-01')")
    finally:
        conn.close()
    db = open_store(None, path)
    await db.open()
    try:
        assert await db.schema_version() == migrations.LATEST_VERSION >= 10
        await prevention.start_setup(db, 1, 1, None, NOW)
        programme = await prevention.programme_of(db, 1)
        assert programme is not None and programme.level == 1
    finally:
        await db.close()


async def test_migration_11_adds_the_heat_tables_to_a_version_10_database(
    tmp_path: Path,
) -> None:
    """A database at the programme's version 10 takes the heat warning's tables, and the
    once-a-day warning row holds: a second claim for the same local date is refused."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrations.apply_migrations(conn, up_to=10) == 10
        conn.execute("INSERT INTO users (user_id, first_seen_at) VALUES (1, '2027-01-01')")
    finally:
        conn.close()
    db = open_store(None, path)
    await db.open()
    try:
        assert await db.schema_version() == migrations.LATEST_VERSION >= 11
        day = date(2027, 7, 1)
        assert await heat.record_warning(db, 1, day, 95.04, NOW)
        assert not await heat.record_warning(db, 1, day, 97.0, NOW)
        assert await heat.warned(db, 1, day)
        [row] = await heat.warnings_of(db, 1)
        assert row["heat_index"] == 95.0
    finally:
        await db.close()
