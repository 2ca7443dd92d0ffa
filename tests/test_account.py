"""The athlete's data rights: /mydata says what is kept and who sees it, /export sends all of
it as a documented JSON file, /delete erases every row about them after one confirmation;
and the registry of personal tables covers every table there is."""

from __future__ import annotations

import asyncio
import html
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.application import CrampCoachApplication
from bot.delivery.inbox import poll
from conversations import account as account_flow
from conversations.sos import states as sos
from conversations.sos import timers
from conversations.texts import account as texts
from conversations.texts import common
from conversations.texts import sos as sos_texts
from conversations.texts import team as team_texts
from storage import account, inbox
from storage.account import NOT_PERSONAL, PERSONAL, Tie
from storage.store import Store
from tests.account_helpers import (
    RICH,
    THEIR_GROUP,
    TYPED_SECRET,
    all_rows,
    columns_of,
    make_rich_user,
    mentions,
    rows_without,
    stored_data,
    table_names,
)
from tests.conftest import Bot, FakeClock
from tests.helpers import bot_texts, db_of, plain, wait_for
from tests.plan_helpers import ease_a_cramp
from tests.team_helpers import CO_COACH, COACH, GROUP, in_group, join, make_team, private

# --- The registry covers every table ---------------------------------------------------------


async def undeclared(db: Store) -> list[str]:
    """Tables neither in the registry of personal data nor declared as holding none."""
    declared = {holder.table for holder in PERSONAL} | set(NOT_PERSONAL)
    return [table for table in await table_names(db) if table not in declared]


async def test_every_table_is_declared_personal_or_not(bot: Bot) -> None:
    db = db_of(bot)
    assert await undeclared(db) == []
    personal = [holder.table for holder in PERSONAL]
    assert len(personal) == len(set(personal)) and not set(personal) & set(NOT_PERSONAL)
    assert set(personal) | set(NOT_PERSONAL) == set(await table_names(db))
    for holder in PERSONAL:
        columns = await columns_of(db, holder.table)
        assert set(holder.columns) <= set(columns), holder
        if holder.tie is Tie.THROUGH:
            assert holder.parent is not None and holder.parent[0] in columns
            parent = account.holder(holder.parent[1])
            assert personal.index(holder.table) < personal.index(parent.table), "child first"


async def test_a_table_added_later_without_a_declaration_is_caught(bot: Bot) -> None:
    """What a future migration that forgot the registry looks like: the check names it."""
    db = db_of(bot)
    async with db.write() as conn:
        await conn.execute("CREATE TABLE notes (user_id INTEGER, text TEXT)")
    assert await undeclared(db) == ["notes"]


# --- /mydata ---------------------------------------------------------------------------------


async def test_mydata_lists_the_teams_their_coaches_and_the_level_chosen(bot: Bot) -> None:
    first = await make_team(bot, GROUP, COACH, "Carla")
    athlete = private(bot, 1001, "Ava")
    await join(bot, athlete, first, "details")

    await athlete.send("/mydata")

    text = bot.api.last_bot_message(1001).text
    assert "What I keep about you" in text and "Why" in text
    line = texts.COACH_LINE.format(
        team=first.team.name, coaches="Carla", level=team_texts.LEVEL_NAMES["details"]
    )
    assert line.strip() in text
    assert "/export" in text and "/delete" in text
    assert len(text) <= 4096


async def test_mydata_with_many_teams_fits_one_message(bot: Bot) -> None:
    athlete = private(bot, 1001, "Ava")
    for n in range(account_flow.TEAMS_LISTED + 3):
        made = await make_team(bot, -100_900_000_000 - n, 5000 + n, "C" * 60)
        await join(bot, athlete, made)
    await athlete.send("/mydata")
    text = bot.api.last_bot_message(1001).text
    assert texts.MORE_TEAMS.format(count=3) in text and len(text) <= 4096


async def test_mydata_without_a_team_says_no_coach_sees_anything(bot: Bot) -> None:
    athlete = private(bot, 1001)
    await athlete.send("/mydata")
    assert texts.NO_COACHES in bot.api.last_bot_message(1001).text


async def test_mydata_names_the_teams_a_coach_runs(bot: Bot) -> None:
    made = await make_team(bot, GROUP, COACH, "Carla")
    await private(bot, COACH).send("/mydata")
    assert f"You coach: <b>{made.team.name}</b>" in bot.api.last_bot_message(COACH).text


async def test_data_commands_in_a_group_point_to_the_private_chat_without_a_cramp(
    bot: Bot,
) -> None:
    for command in ("/mydata", "/export", "/delete"):
        await in_group(bot, 1001, GROUP).send(command)
    [pointer] = bot.api.bot_messages(GROUP)
    assert pointer.text == common.GROUP_POINTER
    [url] = [button["url"] for button in pointer.inline_buttons]
    assert url == f"https://t.me/{bot.api.bot_user['username']}"  # no ?start=sos
    assert await db_of(bot).fetch_all("SELECT * FROM users") == []


async def test_the_commands_are_in_the_menu_and_in_help(bot: Bot) -> None:
    [private_scope] = [
        scope
        for scope in bot.api.commands
        if "all_private_chats" in scope and "language_code" not in scope  # the English menu
    ]
    names = [command["command"] for command in bot.api.commands[private_scope]]
    assert {"mydata", "export", "delete"} <= set(names)
    for command in ("/mydata", "/export", "/delete"):
        assert command in common.HELP


# --- /export ---------------------------------------------------------------------------------


def _exported(bot: Bot, chat_id: int) -> tuple[str, dict[str, Any], str]:
    """The newest document sent to ``chat_id``: its file name, parsed JSON and caption."""
    [*_, call] = [
        call
        for call in bot.api.calls_of("sendDocument")
        if str(call.params["chat_id"]) == str(chat_id)
    ]
    name, content = call.files["document"]
    return name, json.loads(content), str(call.params.get("caption", ""))


_FLAGS = {"hot_conditions", "heavy_clothing", "is_recurrence", "reminded", "warning_sign", "alerts"}


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    """A database row as the export writes it: flags as booleans, relief steps as a list."""
    out = {}
    for key, value in row.items():
        if key in _FLAGS and value is not None:
            value = bool(value)
        if key == "relief_tried":
            value = [step for step in value.split(",") if step]
        out[key] = value
    return out


def _same(exported: dict[str, Any], row: dict[str, Any], *, leave_out: str) -> None:
    for key, value in _expected(row).items():
        if key == leave_out:
            assert key not in exported
            continue
        assert exported[key] == value, (key, exported.get(key), value)


async def test_export_is_every_field_of_the_database(bot: Bot, clock: FakeClock) -> None:
    rich = await make_rich_user(bot, clock, open_flow=False)
    db = db_of(bot)

    await rich.user.send("/export")

    name, data, caption = _exported(bot, RICH)
    assert name == f"crampcoach-export-{clock.now.date().isoformat()}.json"
    assert len(caption) <= 1024
    assert data["format"] == "crampcoach-export" and data["version"] == 1
    assert datetime.fromisoformat(data["exported_at"]) == clock.now
    assert data["user_id"] == RICH

    [user] = await db.fetch_all("SELECT * FROM users WHERE user_id = ?", (RICH,))
    _same(data["user"], dict(user), leave_out="user_id")
    assert data["user"]["pending_invite"] == rich.invited.team.invite_token

    episodes = await db.fetch_all("SELECT * FROM episodes WHERE user_id = ? ORDER BY id", (RICH,))
    assert len(data["episodes"]) == len(episodes) == 2
    for exported, row in zip(data["episodes"], episodes, strict=True):
        _same(exported, dict(row), leave_out="user_id")
    eased, flagged = data["episodes"]
    assert (eased["activity"], eased["time_into"], eased["hot_conditions"]) == (
        "running",
        "30-60",
        True,
    )
    assert flagged["red_flag"] == "chest"

    [plan] = await db.fetch_all("SELECT * FROM plans WHERE user_id = ?", (RICH,))
    [exported_plan] = data["plans"]
    _same(exported_plan, {k: plan[k] for k in plan.keys()}, leave_out="user_id")  # noqa: SIM118
    checkins = await db.fetch_all("SELECT * FROM checkins WHERE plan_id = ?", (plan["id"],))
    assert len(exported_plan["checkins"]) == len(checkins) >= 1
    for exported, row in zip(exported_plan["checkins"], checkins, strict=True):
        _same(exported, dict(row), leave_out="plan_id")
    assert exported_plan["checkins"][0]["pain"] == 4

    members = await db.fetch_all(
        "SELECT * FROM team_members WHERE user_id = ? ORDER BY team_id", (RICH,)
    )
    assert [(m["team_name"], m["consent"]) for m in data["teams_joined"]] == [
        (rich.joined[0].team.name, "details"),
        (rich.joined[1].team.name, "status"),
    ]
    for exported, row in zip(data["teams_joined"], members, strict=True):
        _same(exported, dict(row), leave_out="user_id")

    [coach] = await db.fetch_all("SELECT * FROM team_coaches WHERE user_id = ?", (RICH,))
    [exported_coach] = data["teams_coached"]
    _same(exported_coach, dict(coach), leave_out="user_id")
    assert exported_coach["team_name"] == rich.coached.team.name
    assert exported_coach["digest_time"] == "18:00"

    alerts = await db.fetch_all(
        "SELECT * FROM team_alerts WHERE user_id = ? ORDER BY sent_at, team_id", (RICH,)
    )
    assert len(data["alerts_about_you"]) == len(alerts) >= 2
    for exported, row in zip(data["alerts_about_you"], alerts, strict=True):
        _same(exported, dict(row), leave_out="user_id")
    [digest] = await db.fetch_all("SELECT * FROM team_digests WHERE coach_id = ?", (RICH,))
    _same(data["digests_to_you"][0], dict(digest), leave_out="coach_id")

    [waiting] = data["updates_in_hand"]  # the update kept, not yet handled (not /export)
    assert waiting["update_id"] == rich.pending_update
    assert waiting["update"]["message"]["text"] == TYPED_SECRET
    assert data["conversations"] == []


async def test_every_column_of_a_personal_table_is_exported(bot: Bot, clock: FakeClock) -> None:
    """A column added later is in the export too (or this fails): the export reads them all."""
    await make_rich_user(bot, clock)
    db = db_of(bot)
    data = await account.export_data(db, RICH, clock.now)
    sections = {
        "users": [data["user"]],
        "episodes": data["episodes"],
        "plans": data["plans"],
        "checkins": data["plans"][0]["checkins"],
        "team_members": data["teams_joined"],
        "team_coaches": data["teams_coached"],
        "team_alerts": data["alerts_about_you"],
        "team_digests": data["digests_to_you"],
    }
    for table, exported in sections.items():
        holder = account.holder(table)
        for column in await columns_of(db, table):
            if column in holder.columns:
                continue  # the person's own id: said once, at the top
            assert exported and all(column in item for item in exported), (table, column)
    [conversation] = data["conversations"]
    assert conversation == {"flow": sos.FLOW, "chat_id": RICH, "step": sos.STRETCH}


async def test_export_with_nothing_stored_says_so(bot: Bot) -> None:
    await private(bot, 1001).send("/export")
    assert bot.api.calls_of("sendDocument") == []
    assert bot.api.last_bot_message(1001).text == texts.NOTHING_STORED


async def test_the_export_is_valid_json_for_a_plain_athlete(bot: Bot, clock: FakeClock) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/export")
    _, data, _ = _exported(bot, 1001)
    assert data["teams_joined"] == [] and data["plans"] == []
    assert [e["outcome"] for e in data["episodes"]] == ["eased"]


# --- /delete ---------------------------------------------------------------------------------


async def _confirm(bot: Bot, rich_user: Any) -> None:
    await rich_user.send("/delete")
    await rich_user.press(texts.DELETE_BUTTON)


async def _open_conversation_keys(bot: Bot) -> list[tuple[Any, ...]]:
    rows = await db_of(bot).fetch_all("SELECT chat_id, user_id FROM conversation_steps")
    return [(row["chat_id"], row["user_id"]) for row in rows]


_MOVING = ("inbox", "outbox")


async def _assert_nothing_about(bot: Bot, user_id: int) -> None:
    db = db_of(bot)
    for table, rows in (await all_rows(db)).items():
        for row in rows:
            assert not mentions(row, user_id), (table, row)
    assert not await account.has_data(db, user_id)
    for holder in PERSONAL:
        if holder.tie is Tie.COLUMNS:
            where = " OR ".join(f"{c} = ?" for c in holder.columns)
            count = await db.fetch_one(
                f"SELECT COUNT(*) AS n FROM {holder.table} WHERE {where}",
                tuple(user_id for _ in holder.columns),
            )
            assert count is not None and count["n"] == 0, holder.table


async def test_delete_erases_every_row_about_them_and_nothing_else(
    bot: Bot, clock: FakeClock
) -> None:
    rich = await make_rich_user(bot, clock, co_coach=True)
    db = db_of(bot)
    before = await all_rows(db)
    assert any(mentions(row, RICH) for rows in before.values() for row in rows)
    episode_ids = [row["id"] for row in before["episodes"] if row["user_id"] == RICH]
    armed = bot.application.timers
    medical = [timers.medical_check_key(e) for e in episode_ids]
    assert any(armed.is_armed(key) for key in medical)
    assert any(RICH in key for key in await _open_conversation_keys(bot))

    await _confirm(bot, rich.user)

    await _assert_nothing_about(bot, RICH)
    after = await all_rows(db)
    # Everyone else's rows are as they were (the inbox aside: checked below).
    their_plans = [row["id"] for row in before["plans"] if row["user_id"] == RICH]
    before["checkins"] = [row for row in before["checkins"] if row["plan_id"] not in their_plans]
    # (The outbox aside: it holds the messages this erasure sends to the others.)
    unchanged = {t: r for t, r in rows_without(before, RICH).items() if t not in _MOVING}
    assert {t: r for t, r in rows_without(after, RICH).items() if t not in _MOVING} == unchanged
    assert after["checkins"] and after["episodes"] and after["team_members"]  # the others'
    # The update of theirs waiting in the inbox is emptied and will never be handled; the
    # other athlete's waits untouched.
    waiting = {row["update_id"]: row for row in after["inbox"]}
    assert waiting[rich.pending_update]["payload"] == ""
    assert waiting[rich.pending_update]["done_at"] is not None
    assert [u.update_id for u in await inbox.pending(db)] == [rich.other_pending_update]
    assert "olli's own words" in waiting[rich.other_pending_update]["payload"]
    # No timer of theirs left: the rows are erased, and a timer armed in memory finds none.
    assert not await db.fetch_all("SELECT * FROM timers")
    for key in medical:
        if armed.is_armed(key):
            clock.advance(minutes=10)
    await asyncio.sleep(0)
    assert not any(RICH in key for key in await _open_conversation_keys(bot))
    # The team they coached carries on with the co-coach, who is told privately.
    coached = await db.fetch_one("SELECT * FROM teams WHERE id = ?", (rich.coached.team.id,))
    assert coached is not None and coached["status"] == "active"
    assert bot.api.last_bot_message(CO_COACH).text == texts.CO_COACH_LEFT.format(
        team=rich.coached.team.name
    )
    done = bot.api.last_bot_message(RICH).text
    assert done.startswith("Done: everything I kept about you is deleted")
    assert texts.TEAM_HANDED_OVER.format(team=rich.coached.team.name).strip() in done
    assert "/start" in done


async def test_after_delete_they_are_off_every_roster(bot: Bot, clock: FakeClock) -> None:
    rich = await make_rich_user(bot, clock, open_flow=False)
    await _confirm(bot, rich.user)
    await private(bot, COACH).send("/roster")
    roster = plain(" ".join(m.text for m in bot.api.bot_messages(COACH)[-2:]))
    assert "Rhea" not in roster and "Olli" in roster


async def test_a_sole_coach_deleting_closes_the_team(bot: Bot, clock: FakeClock) -> None:
    bot.api.chat_titles[THEIR_GROUP] = "Rhea's {runners} <3"  # braces and HTML in a title
    rich = await make_rich_user(bot, clock, co_coach=False)

    await _confirm(bot, rich.user)

    await _assert_nothing_about(bot, RICH)
    team = await db_of(bot).fetch_one("SELECT * FROM teams WHERE id = ?", (rich.coached.team.id,))
    assert team is not None and (team["status"], team["chat_id"]) == ("archived", None)
    assert texts.TEAM_CLOSED.format(team=html.escape(rich.coached.team.name)).strip() in (
        bot.api.last_bot_message(RICH).text
    )
    # Its join link joins nothing, and the group can make a new team.
    newcomer = private(bot, 3001)
    await newcomer.send(f"/start {rich.coached.payload}")
    assert bot.api.last_bot_message(3001).text == team_texts.INVITE_INVALID


async def test_they_can_start_again_and_their_old_buttons_do_nothing(
    bot: Bot, clock: FakeClock
) -> None:
    rich = await make_rich_user(bot, clock)
    await _confirm(bot, rich.user)

    await rich.user.press(team_texts.JOIN_STATUS)  # the invitation they had left open
    assert await db_of(bot).fetch_all("SELECT * FROM team_members WHERE user_id = ?", (RICH,)) == []
    await rich.user.send("hello")  # no cramp flow waiting for them any more
    assert bot.api.last_bot_message(RICH).text.startswith("I'm here for calf and leg cramps")
    await rich.user.send("/cramp")
    rows = await db_of(bot).fetch_all("SELECT * FROM episodes WHERE user_id = ?", (RICH,))
    assert len(rows) == 1 and rows[0]["outcome"] is None  # a fresh start


async def test_keep_my_data_deletes_nothing(bot: Bot, clock: FakeClock) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    before = await stored_data(db_of(bot))
    await athlete.send("/delete")
    await athlete.press(texts.KEEP_BUTTON)
    assert bot.api.last_bot_message(1001).text == texts.KEPT
    assert await stored_data(db_of(bot)) == before


async def test_a_second_press_of_the_confirmation_is_answered_kindly(
    bot: Bot, clock: FakeClock
) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/delete")
    question = bot.api.last_bot_message(1001)
    data = _delete_data(question)
    await athlete.press_data(data, question)
    sent = len(bot.api.bot_messages(1001))

    query_id = await athlete.press_data(data, question)

    assert bot.api.answered_queries[query_id] == texts.ALREADY_DELETED
    assert len(bot.api.bot_messages(1001)) == sent
    rows = await all_rows(db_of(bot))
    rows.pop("leases", None)  # the bot process's own (PostgreSQL's worker lease), no one's data
    assert rows == {t: [] for t in rows}
    assert question.inline_buttons == []  # the settled question lost its buttons


async def test_an_old_confirmation_after_new_data_asks_again(bot: Bot, clock: FakeClock) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/delete")
    old = bot.api.last_bot_message(1001)
    clock.advance(minutes=5)
    await ease_a_cramp(athlete)  # a new cramp after the question
    before = await stored_data(db_of(bot))

    await athlete.press_data(_delete_data(old), old)

    assert await stored_data(db_of(bot)) == before
    again = bot.api.last_bot_message(1001)
    assert again.text.startswith(texts.CONFIRM_AGAIN)
    await athlete.press(texts.DELETE_BUTTON)
    await _assert_nothing_about(bot, 1001)


async def test_a_confirmation_from_before_an_earlier_deletion_erases_nothing_new(
    bot: Bot, clock: FakeClock
) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/delete")
    old = bot.api.last_bot_message(1001)
    data = _delete_data(old)
    await athlete.press(texts.DELETE_BUTTON)
    clock.advance(minutes=1)
    await ease_a_cramp(athlete)  # they came back
    before = await stored_data(db_of(bot))

    await athlete.press_data(data, old)

    assert await stored_data(db_of(bot)) == before
    assert bot.api.last_bot_message(1001).text.startswith(texts.CONFIRM_AGAIN)


def _delete_data(message: Any) -> str:
    labels = {b["text"]: b["callback_data"] for b in message.inline_buttons}
    data = labels[texts.DELETE_BUTTON]
    return str(data)


async def test_forged_and_expired_confirmations_erase_nothing(bot: Bot, clock: FakeClock) -> None:
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/delete")
    question = bot.api.last_bot_message(1001)
    real = _delete_data(question)
    before = await stored_data(db_of(bot))
    future = int((clock.now + timedelta(days=3)).timestamp() * 1000)
    cases = {
        "account:123:erase:delete": texts.QUESTION_EXPIRED,  # asked in 1970
        f"account:{future}:erase:delete": texts.QUESTION_EXPIRED,  # asked in the future
        "account:999999999999999999:erase:delete": common.BUTTON_EXPIRED,  # no instant at all
        "account:1:erase:everything": common.BUTTON_EXPIRED,  # not a choice
        "account:x:erase:delete": common.BUTTON_EXPIRED,  # not of the scheme
    }
    for data, answer in cases.items():
        query_id = await athlete.press_data(data, question)
        assert bot.api.answered_queries.get(query_id) == answer, data
    # The real button, pressed in a group (forged there) or by someone else in theirs.
    query_id = await in_group(bot, 1001, GROUP).press_data(real, question)
    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    # A day later the real question has expired too.
    clock.advance(days=1, minutes=1)
    query_id = await athlete.press_data(real, question)
    assert bot.api.answered_queries[query_id] == texts.QUESTION_EXPIRED
    assert await stored_data(db_of(bot)) == before
    assert bot.api.bot_messages(GROUP) == []


async def test_delete_with_nothing_stored_asks_nothing(bot: Bot) -> None:
    await private(bot, 1001).send("/delete")
    message = bot.api.last_bot_message(1001)
    assert message.text == texts.NOTHING_STORED and message.inline_buttons == []


async def test_delete_mid_cramp_is_a_command_not_a_nudge(bot: Bot, clock: FakeClock) -> None:
    athlete = private(bot, 1001)
    await athlete.send("/cramp")
    await athlete.send("/delete")
    assert bot.api.last_bot_message(1001).text.startswith("<b>Delete everything")
    await athlete.press(texts.DELETE_BUTTON)
    await _assert_nothing_about(bot, 1001)


async def test_a_coach_sees_what_happens_to_their_teams_before_confirming(bot: Bot) -> None:
    await make_team(bot, GROUP, COACH, "Carla")
    await private(bot, COACH).send("/delete")
    assert texts.CONFIRM_COACHED.strip() in bot.api.last_bot_message(COACH).text


# --- The storage function on its own ---------------------------------------------------------


async def test_the_update_being_handled_keeps_its_inbox_row(bot: Bot, clock: FakeClock) -> None:
    """The /delete press's own row is left for the inbox to mark done (emptying it)."""
    rich = await make_rich_user(bot, clock, open_flow=False)
    db = db_of(bot)
    erasure = await account.delete_everything_about(
        db, RICH, clock.now, keep_update=rich.pending_update
    )
    assert [u.update_id for u in await inbox.pending(db)] == [
        rich.pending_update,
        rich.other_pending_update,
    ]
    assert erasure.rows["users"] == 1 and erasure.rows["episodes"] == 2
    assert [team.team_id for team in erasure.teams] == [rich.coached.team.id]


def test_a_confirmation_ref_is_the_moment_it_was_asked() -> None:
    asked = datetime(2027, 3, 20, 17, 0, 1, 250_000, tzinfo=UTC)
    assert account_flow._ref(asked) == 1_805_562_001_250


# --- Through the real inbox, as `python -m bot` polls -----------------------------------------


async def test_delete_through_the_polling_inbox_leaves_nothing_in_it(
    bot: Bot, clock: FakeClock
) -> None:
    """The press is fetched with getUpdates, kept in the inbox, handled, and its row marked
    done and emptied. A /cramp sent right behind it, in the same batch, had its row emptied
    by the erasure but is still answered (an SOS is never dropped): a fresh start."""
    athlete = private(bot, 1001)
    await ease_a_cramp(athlete)
    await athlete.send("/delete")
    athlete.via_get_updates = True
    await athlete.press(texts.DELETE_BUTTON)
    await athlete.send("/cramp")  # right after the press, fetched in the same batch
    stop = asyncio.Event()
    application = bot.application
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    polling = asyncio.create_task(poll(application, application.inbox, stop))
    # As the runner does: what is kept is handed on (several workers: claimed) as it comes.
    handing = asyncio.create_task(application.inbox.hand_on_forever(application))
    try:
        await wait_for(lambda: bot.api.incoming_updates == [])
        deadline = asyncio.get_running_loop().time() + 3
        while await inbox.pending(db_of(bot)) or application.inbox.in_hand:
            assert asyncio.get_running_loop().time() < deadline, "updates never finished"
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await polling
        handing.cancel()
        await asyncio.gather(handing, return_exceptions=True)
    await application.settled()  # the replies committed, sent

    rows = await db_of(bot).fetch_all("SELECT * FROM inbox")
    assert len(rows) == 2 and all(row["payload"] == "" and row["done_at"] for row in rows)
    done, sos_screen = bot_texts(bot.api, 1001)[-2:]
    assert done.startswith("Done: everything") and sos_screen == sos_texts.FIRST_AID_AND_SCREEN
    episodes = await db_of(bot).fetch_all("SELECT * FROM episodes")
    assert [row["outcome"] for row in episodes] == [None]  # only the new cramp's
