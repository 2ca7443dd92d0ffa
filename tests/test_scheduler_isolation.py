"""One plan that cannot be scheduled never stops anyone else's check-in.

Before: a plan whose zone could not be loaded raised inside the shared claim transaction, so
nobody's check-in went out. Now such a plan (a bad zone, a damaged row, data the check-in
cannot be built from) is set aside with one logged reason, marked for attention, and every
other due check-in goes out on time. Zone names are the IANA list's, nothing else.
"""

from __future__ import annotations

import logging

import pytest

from bot.scheduler import tick
from rules.timezones import is_valid_zone, zone_from_text
from storage import plans
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import (
    ASK_PAIN,
    BERLIN,
    db_of,
    local,
    seed_active_plans,
    start_plan,
)

ATHLETES = [3001, 3002, 3003, 3004]
BAD = 3002
DUE = local(2027, 3, 21, 8, 0, BERLIN)


async def seeded(bot: Bot, clock: FakeClock) -> None:
    await seed_active_plans(db_of(bot), ATHLETES, now=clock.now, due=DUE)


async def break_plan(bot: Bot, sql: str) -> None:
    async with db_of(bot).write() as conn:
        await conn.execute(f"UPDATE plans SET {sql} WHERE user_id = ?", (BAD,))


def got_checkin(bot: Bot, user_id: int) -> bool:
    return any(ASK_PAIN in message.text for message in bot.api.bot_messages(user_id))


@pytest.mark.parametrize(
    "damage",
    [
        "zone = 'Mars/Olympus_Mons'",  # a zone that cannot be loaded (gone from tzdata, say)
        "zone = '../../etc/passwd'",
        "cramp_at = 'yesterday-ish'",  # a damaged row
        "checkin_time = '25:99'",
    ],
)
async def test_a_plan_that_cannot_be_scheduled_is_set_aside_and_the_others_go_out(
    bot: Bot, clock: FakeClock, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    await seeded(bot, clock)
    await break_plan(bot, damage)
    clock.now = DUE

    with caplog.at_level(logging.ERROR):
        report = await tick(bot.application)

    assert report.checkins_sent == len(ATHLETES) - 1
    assert [user for user in ATHLETES if got_checkin(bot, user)] == [3001, 3003, 3004]
    attention = await plans.needing_attention(db_of(bot))
    assert len(attention) == 1 and attention[0][1]  # with its reason
    reasons = [r for r in caplog.records if "set aside for attention" in r.getMessage()]
    assert len(reasons) == 1

    # The next day: the others again, the set-aside plan still quiet, no second log line.
    caplog.clear()
    clock.now = local(2027, 3, 22, 8, 0, BERLIN)
    with caplog.at_level(logging.ERROR):
        report = await tick(bot.application)
    assert report.checkins_sent == len(ATHLETES) - 1
    assert not [r for r in caplog.records if "set aside" in r.getMessage()]
    assert not got_checkin(bot, BAD)


async def test_a_check_in_that_cannot_be_built_is_set_aside_and_the_others_go_out(
    bot: Bot, clock: FakeClock
) -> None:
    await seeded(bot, clock)
    await break_plan(bot, "stage = 42")  # no such stage: the check-in's header cannot be made
    clock.now = DUE

    await tick(bot.application)
    clock.advance(minutes=30)  # past the claim lease: an unsent claim would be retried
    await tick(bot.application)

    assert [user for user in ATHLETES if got_checkin(bot, user)] == [3001, 3003, 3004]
    # The damaged row cannot even be read as a Plan (its stage is no Stage): its id, raw.
    bad = await db_of(bot).fetch_one("SELECT id FROM plans WHERE user_id = ?", (BAD,))
    assert bad is not None
    assert [plan_id for plan_id, _ in await plans.needing_attention(db_of(bot))] == [bad["id"]]


async def test_fixing_the_zone_clears_the_attention_mark(bot: Bot, clock: FakeClock) -> None:
    await seeded(bot, clock)
    await break_plan(bot, "zone = 'Mars/Olympus_Mons'")
    clock.now = DUE
    await tick(bot.application)
    plan = await plans.live_plan_of(db_of(bot), BAD)
    assert plan is not None and plan.next_checkin_at is None

    await plans.set_zone(db_of(bot), plan.id, "Europe/Berlin")
    await plans.schedule(db_of(bot), plan.id, local(2027, 3, 22, 8, 0, BERLIN))

    assert await plans.needing_attention(db_of(bot)) == []
    clock.now = local(2027, 3, 22, 8, 0, BERLIN)
    await tick(bot.application)
    assert got_checkin(bot, BAD)


# --- Zone names: the IANA list only ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "localtime",
        "posixrules",
        "Factory",
        "factory",
        "/etc/localtime",
        "posix/Europe/Berlin",
        "right/UTC",
        "../zoneinfo/UTC",
        "Europe/../UTC",
        "europe/berlin",
    ],
)
def test_names_that_are_not_iana_zones_are_not_valid(name: str) -> None:
    assert not is_valid_zone(name)


@pytest.mark.parametrize("typed", ["localtime", "LOCALTIME", "posixrules", "Factory"])
def test_typed_names_that_are_not_iana_zones_are_refused(typed: str) -> None:
    assert zone_from_text(typed) is None


@pytest.mark.parametrize("name", ["Europe/Berlin", "UTC", "Etc/GMT+2", "America/Sao_Paulo"])
def test_iana_zones_stay_valid(name: str) -> None:
    assert is_valid_zone(name)


async def test_typing_localtime_at_the_zone_step_asks_again(bot: Bot) -> None:
    athlete = bot.user(3100)
    await start_plan(athlete, zone_label="UTC")
    await athlete.send("/settings")
    await athlete.press("🌍 Time zone")
    await athlete.send("localtime")

    plan = await plans.live_plan_of(db_of(bot), athlete.user_id)
    assert plan is not None and plan.zone == "UTC" and plan.editing == "zone"
