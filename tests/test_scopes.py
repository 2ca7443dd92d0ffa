"""Buttons act only where they were sent; every step's nudge carries the step's buttons.

Callback data comes from the client and can be forged. A plan's and a check-in's buttons are
sent in the athlete's private chat: pressed (forged) in a group, they are answered as expired
and nothing is posted to the group, where the whole team would read someone's health answers.
"""

from __future__ import annotations

from bot.devtools.local_api import LocalUser
from conversations.texts import common
from conversations.texts import plan as plan_texts
from storage import plans
from tests.conftest import Bot, FakeClock
from tests.helpers import find_button
from tests.plan_helpers import (
    ASK_YESTERDAY,
    db_of,
    deliver_next_checkin,
    ease_a_cramp,
    start_plan,
)

GROUP = -100_555


async def in_the_group(bot: Bot, athlete: LocalUser) -> LocalUser:
    """The same athlete in a team group, where the bot has posted its pointer."""
    member = bot.user(athlete.user_id, chat_id=GROUP)
    await member.send("/cramp")
    return member


def group_posts(bot: Bot) -> int:
    return len(bot.api.bot_messages(GROUP))


async def test_a_plan_offer_pressed_in_a_group_creates_no_plan(bot: Bot) -> None:
    athlete = bot.user(3301)
    await ease_a_cramp(athlete)
    _, data = find_button(bot.api, athlete.chat_id, plan_texts.OFFER_BUTTON)
    member = await in_the_group(bot, athlete)
    posts = group_posts(bot)

    query = await member.press_data(data)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert group_posts(bot) == posts
    assert await plans.live_plan_of(db_of(bot), athlete.user_id) is None


async def test_plan_set_up_buttons_pressed_in_a_group_change_nothing(bot: Bot) -> None:
    athlete = bot.user(3302)
    await ease_a_cramp(athlete)
    await athlete.press(plan_texts.OFFER_BUTTON)
    await athlete.press("08:00")  # the zone question is open
    _, data = find_button(bot.api, athlete.chat_id, "Tokyo")
    member = await in_the_group(bot, athlete)
    posts = group_posts(bot)

    query = await member.press_data(data)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert group_posts(bot) == posts
    plan = await plans.live_plan_of(db_of(bot), athlete.user_id)
    assert plan is not None and plan.zone is None and plan.editing == "zone"


async def test_plan_commands_buttons_pressed_in_a_group_change_nothing(bot: Bot) -> None:
    athlete = bot.user(3303)
    await start_plan(athlete)
    await athlete.send("/settings")
    _, data = find_button(bot.api, athlete.chat_id, "🌍 Time zone")
    member = await in_the_group(bot, athlete)
    posts = group_posts(bot)

    query = await member.press_data(data)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert group_posts(bot) == posts


async def test_check_in_buttons_pressed_in_a_group_change_nothing(
    bot: Bot, clock: FakeClock
) -> None:
    athlete = bot.user(3304)
    await start_plan(athlete)
    message = await deliver_next_checkin(bot, clock, athlete)
    data = next(b["callback_data"] for b in message.inline_buttons if b["text"] == "3")
    member = await in_the_group(bot, athlete)
    posts = group_posts(bot)

    query = await member.press_data(data)

    assert bot.api.answered_queries[query] == common.BUTTON_EXPIRED
    assert group_posts(bot) == posts
    plan = await plans.live_plan_of(db_of(bot), athlete.user_id)
    assert plan is not None
    checkin = await plans.open_checkin_of(db_of(bot), plan.id)
    assert checkin is not None and checkin.pain is None
    # The same press in the private chat still works.
    await athlete.press("3")
    assert ASK_YESTERDAY in bot.api.last_bot_message(athlete.chat_id).text
