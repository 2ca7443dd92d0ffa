"""Shared helpers for the data-rights tests: a person with every kind of data, and the
database read table by table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.devtools.local_api import LocalUser
from conversations.texts import sos as sos_texts
from conversations.texts import team as team_texts
from storage import inbox
from storage.store import Store
from tests.conftest import Bot, FakeClock
from tests.helpers import db_of, press_flag
from tests.plan_helpers import (
    BERLIN,
    answer_checkin,
    ease_a_cramp_answering,
    local,
    plan_of,
    set_up_offered_plan,
    start_plan,
    tick_at,
)
from tests.team_helpers import (
    CO_COACH,
    COACH,
    GROUP,
    OTHER_COACH,
    OTHER_GROUP,
    MadeTeam,
    in_group,
    join,
    make_team,
    private,
)

# Distinctive ids: a scan of every column for them finds nothing by coincidence.
RICH = 424_242_424
OTHER = 1002
THEIR_GROUP = -100_200_300_600  # the team RICH coaches
FOURTH_GROUP = -100_200_300_700  # a team whose link RICH opened and left waiting
FOURTH_COACH = 701
# Words only the rich user typed: never in a log line, gone from the inbox after /delete.
TYPED_SECRET = "my calf hurts near 12 Zephyr Lane"


@dataclass
class Rich:
    user: LocalUser
    other: LocalUser
    joined: tuple[MadeTeam, MadeTeam]
    coached: MadeTeam
    invited: MadeTeam
    pending_update: int  # an update of theirs kept in the inbox, not yet handled
    other_pending_update: int


async def make_rich_user(
    bot: Bot, clock: FakeClock, *, co_coach: bool = True, open_flow: bool = True
) -> Rich:
    """A person with every kind of data: two teams joined (details, status), a team coached
    (with a co-coach, or alone) with a daily digest, a plan with an answered check-in and its
    pain report, a cramp with its circumstances, a cramp with a warning sign (alerts to the
    coaches), a join link opened and left waiting, a cramp in progress (a conversation and
    its timers), and an update of theirs waiting in the inbox. Another athlete beside them."""
    first = await make_team(bot, GROUP, COACH, "Carla")
    second = await make_team(bot, OTHER_GROUP, OTHER_COACH, "Otto")
    coached = await make_team(bot, THEIR_GROUP, RICH, "Rhea")
    if co_coach:
        bot.api.set_admins(THEIR_GROUP, bot.api.admins[THEIR_GROUP] | {CO_COACH})
        await in_group(bot, CO_COACH, THEIR_GROUP, "Cody").send("/coach")
        await private(bot, CO_COACH, "Cody").send("/start")
    invited = await make_team(bot, FOURTH_GROUP, FOURTH_COACH, "Fay")

    user, other = private(bot, RICH, "Rhea"), private(bot, OTHER, "Olli")
    await join(bot, user, first, "details")
    await join(bot, user, second, "status")
    await join(bot, other, first, "status")

    await ease_a_cramp_answering(user, activity="running", time_into="30-60", hot=True)
    await set_up_offered_plan(user)
    await start_plan(other)
    await user.send("/digest 18:00 Europe/Berlin")

    plan = await plan_of(bot, user)
    assert plan.next_checkin_at is not None
    await tick_at(bot, clock, plan.next_checkin_at)  # the other athlete's comes in the same tick
    await answer_checkin(user, 4, "uncomfortable")
    await answer_checkin(other, 2)
    await tick_at(bot, clock, local(2027, 3, 21, 18, 0, BERLIN))  # the digest, to RICH

    await user.send("/cramp")
    await press_flag(user, "chest")  # a warning sign: alerts to their coaches
    await user.send(f"/start {invited.payload}")  # the consent screen, left unanswered
    assert team_texts.JOIN_STATUS in bot.api.last_bot_message(RICH).button_labels
    if open_flow:
        await user.send("/cramp")
        await user.press(sos_texts.NO_FLAG_CALF)  # the stretch: a countdown and a 10-min check

    db = db_of(bot)
    pending = await _keep_unhandled(db, clock, user, TYPED_SECRET)
    other_pending = await _keep_unhandled(db, clock, other, "olli's own words")
    return Rich(user, other, (first, second), coached, invited, pending, other_pending)


async def _keep_unhandled(db: Store, clock: FakeClock, user: LocalUser, text: str) -> int:
    """An update from ``user`` kept in the inbox and not handled yet (in flight), before
    whatever the test does next (Telegram's update ids only grow)."""
    update_id = LocalUser.next_update_id()
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": 1_805_000_000,
            "chat": {"id": user.chat_id, "type": "private", "first_name": "x"},
            "from": user.user,
            "text": text,
        },
    }
    await inbox.store(db, [inbox.StoredUpdate(update_id, json.dumps(payload))], clock.now)
    return update_id


# --- The database, table by table ------------------------------------------------------------


async def table_names(db: Store) -> list[str]:
    if db.dialect == "postgresql":
        rows = await db.fetch_all(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name <> 'schema_version' "
            "ORDER BY table_name"
        )
    else:
        rows = await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    return [str(row["name"]) for row in rows]


async def columns_of(db: Store, table: str) -> list[str]:
    if db.dialect == "postgresql":
        rows = await db.fetch_all(
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(row["name"]) for row in rows]
    return [str(row["name"]) for row in await db.fetch_all(f"PRAGMA table_info({table})")]


async def all_rows(db: Store) -> dict[str, list[dict[str, Any]]]:
    return {
        table: [dict(row) for row in await db.fetch_all(f"SELECT * FROM {table}")]
        for table in await table_names(db)
    }


async def stored_data(db: Store) -> dict[str, list[dict[str, Any]]]:
    """Every table but the outbox, which holds the bot's own replies on their way (a press
    answered "nothing changed" still sends that answer)."""
    return {table: rows for table, rows in (await all_rows(db)).items() if table != "outbox"}


def mentions(row: dict[str, Any], user_id: int) -> list[str]:
    """The columns of ``row`` that hold ``user_id``, as a number or inside a text."""
    return [
        column
        for column, value in row.items()
        if (isinstance(value, int) and value == user_id)
        or (isinstance(value, str) and str(user_id) in value)
    ]


def rows_without(rows: dict[str, list[dict[str, Any]]], user_id: int) -> dict[str, list[str]]:
    """Every row that does not mention ``user_id``, comparable before and after."""
    return {
        table: sorted(json.dumps(r, sort_keys=True) for r in found if not mentions(r, user_id))
        for table, found in rows.items()
    }
