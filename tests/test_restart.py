"""A restart carries on where the athlete was, even after a hard kill; the database is sound.

"kill -9 between two steps": bot A is never stopped, so nothing is flushed at shutdown. Bot B
starts on the same database file and talks to the same (local) Telegram; the athlete's next tap
goes to bot B and must continue the flow.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conversations.sos import states as sos
from conversations.sos import timers
from conversations.sos.views import CONTEXT_BUTTONS
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import RedFlag
from storage.db import Database
from storage.episodes import Outcome
from storage.migrations import MIGRATIONS, apply_migrations
from tests.conftest import Bot
from tests.helpers import (
    NEXT_STEP,
    conversation_state,
    db_of,
    episodes_of,
    last_text,
    latest_episode,
    newest_containing,
    walk_to,
)

StartBot = Callable[..., Any]


async def restart_without_shutdown(start_bot: StartBot, old: Bot) -> Bot:
    """A second bot on the same database and the same chats, while the old one still runs."""
    return await start_bot(api=old.api)  # type: ignore[no-any-return]


async def test_restart_between_muscle_and_stretch_continues_to_the_stretch(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    await walk_to(a.user(), sos.MUSCLE)

    b = await restart_without_shutdown(start_bot, a)
    athlete = b.user()
    assert await conversation_state(b, athlete) == sos.MUSCLE
    await athlete.press("Calf")

    stretch = b.api.last_bot_message(athlete.chat_id)
    assert stretch.text.startswith(texts.STRETCH_HOW["calf"])
    episode = await latest_episode(b, athlete)
    assert episode.muscle == "calf" and episode.relief_tried == ("stretch",)
    assert await conversation_state(b, athlete) == sos.STRETCH


async def test_restart_between_stretch_and_salt_continues_to_the_salt(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    await walk_to(a.user(), sos.STRETCH)

    b = await restart_without_shutdown(start_bot, a)
    athlete = b.user()
    await athlete.press("Not yet")

    assert "salty" in last_text(b.api, athlete.chat_id)
    assert (await latest_episode(b, athlete)).relief_tried == ("stretch", "salt")
    assert await conversation_state(b, athlete) == sos.SALT


async def test_restart_in_the_relief_steps_rearms_the_ten_minute_check(
    start_bot: StartBot,
) -> None:
    a = await start_bot()
    await walk_to(a.user(), sos.SALT)

    b = await restart_without_shutdown(start_bot, a)

    episode = await latest_episode(b, b.user())
    assert b.application.timers.is_armed(timers.medical_check_key(episode.id))


@pytest.mark.parametrize("state", [sos.ACTIVITY, sos.TIME_INTO, sos.HEAT, sos.CLOTHING])
async def test_restart_in_the_circumstances_questions_continues_them(
    start_bot: StartBot, state: str
) -> None:
    a = await start_bot()
    await walk_to(a.user(), state)

    b = await restart_without_shutdown(start_bot, a)
    athlete = b.user()
    assert await conversation_state(b, athlete) == state
    label, expected = NEXT_STEP[state]
    await athlete.press(label)

    assert newest_containing(b.api, athlete.chat_id, expected)
    episode = await latest_episode(b, athlete)
    assert episode.outcome is Outcome.EASED
    assert episode.activity == "running"


async def test_a_whole_flow_across_two_restarts_is_recorded_once(start_bot: StartBot) -> None:
    a = await start_bot()
    await walk_to(a.user(), sos.TRIAGE)
    b = await restart_without_shutdown(start_bot, a)
    await b.user().press(texts.NO_FLAG_OTHER)
    await b.user().press("Front of thigh")
    c = await restart_without_shutdown(start_bot, b)
    athlete = c.user()

    await athlete.press(texts.EASED)
    await athlete.press(texts.NONE_OF_THESE)
    await athlete.press(texts.SKIP_ALL)

    [episode] = await episodes_of(c, athlete)
    assert episode.context == "exercise"
    assert episode.muscle == "quadriceps"
    assert episode.helped == "stretch"
    assert episode.outcome is Outcome.EASED
    assert await conversation_state(c, athlete) is None


async def test_a_flow_saved_at_the_old_context_step_goes_on_after_the_upgrade(
    start_bot: StartBot,
) -> None:
    """A conversation persisted before issue 6 may sit at the exercise-or-rest question."""
    a = await start_bot()
    await walk_to(a.user(), sos.TRIAGE)
    episode = await latest_episode(a, a.user())
    async with db_of(a).write() as conn:
        await conn.execute("UPDATE conversation_steps SET step = ?", (sos.CONTEXT,))

    b = await restart_without_shutdown(start_bot, a)
    athlete = b.user()
    assert await conversation_state(b, athlete) == sos.CONTEXT
    await athlete.press_data(CONTEXT_BUTTONS.data(episode.id, sos.EXERCISE))

    assert last_text(b.api, athlete.chat_id) == texts.ASK_MUSCLE
    assert await conversation_state(b, athlete) == sos.MUSCLE
    await athlete.press(texts.MUSCLE_LABELS["calf"])
    assert b.api.last_bot_message(athlete.chat_id).text.startswith(texts.STRETCH_HOW["calf"])
    [after] = await episodes_of(b, athlete)
    assert (after.id, after.context, after.muscle) == (episode.id, "exercise", "calf")


async def test_conversation_row_is_deleted_when_a_flow_ends(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    rows = await db_of(bot).fetch_all("SELECT flow, step FROM conversation_steps")
    assert [(row["flow"], row["step"]) for row in rows] == [(sos.FLOW, sos.MUSCLE)]

    await user.send("/cancel")

    assert await db_of(bot).fetch_all("SELECT * FROM conversation_steps") == []


async def test_conversation_rows_hold_only_flows_in_progress(bot: Bot) -> None:
    done, busy = bot.user(1), bot.user(2)
    await walk_to(done, sos.TRIAGE)
    await done.press(flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS])
    await walk_to(busy, sos.HEAT)

    rows = await db_of(bot).fetch_all("SELECT chat_id, user_id, step FROM conversation_steps")

    assert [tuple(row) for row in rows] == [(2, 2, sos.HEAT)]


# --- The database itself ---------------------------------------------------------------------


async def test_migrations_applied_twice_are_harmless(db_path: Path) -> None:
    first = Database(db_path)
    await first.open()
    async with first.write() as conn:
        await conn.execute("INSERT INTO users (user_id, first_seen_at) VALUES (7, 'x')")
    await first.close()

    second = Database(db_path)
    await second.open()
    await second.open()  # opening an open database does nothing
    try:
        version = await second.fetch_one("PRAGMA user_version")
        assert version is not None and version[0] == len(MIGRATIONS)
        users = await second.fetch_all("SELECT user_id FROM users")
        assert [row["user_id"] for row in users] == [7]  # the data survived
    finally:
        await second.close()


async def test_apply_migrations_on_a_migrated_database_changes_nothing(db_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    try:
        schema = await db.fetch_all("SELECT sql FROM sqlite_master ORDER BY name")
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            assert apply_migrations(conn) == len(MIGRATIONS)
        finally:
            conn.close()
        assert await db.fetch_all("SELECT sql FROM sqlite_master ORDER BY name") == schema
    finally:
        await db.close()


async def test_database_uses_wal_and_foreign_keys(db_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    try:
        mode = await db.fetch_one("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        keys = await db.fetch_one("PRAGMA foreign_keys")
        assert keys is not None and keys[0] == 1
        async with db.write() as conn:
            async with conn.execute("PRAGMA foreign_keys") as cursor:
                row = await cursor.fetchone()
            assert row is not None and row[0] == 1
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(db_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    try:
        with pytest.raises(Exception, match="FOREIGN KEY"):
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO episodes (user_id, started_at) VALUES (424242, 'x')"
                )
    finally:
        await db.close()
