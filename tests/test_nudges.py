"""Whatever arrives mid-step, the nudge carries that step's buttons.

Commands addressed to another bot (``/cramp@OtherBot``), media: each is bad input for the step
the athlete is on, answered with the nudge and the step's buttons, never with a reply the
athlete cannot act on. A shared location is kept (its zone and country) and said, and the
step's buttons come back the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.devtools.local_api import LocalUser
from conversations.texts import common
from conversations.texts import country as country_texts
from conversations.texts import plan as plan_texts
from tests.conftest import Bot, FakeClock
from tests.helpers import STATES, conversation_state, episodes_of, walk_to
from tests.plan_helpers import deliver_next_checkin, ease_a_cramp, start_plan

STRAY: dict[str, Callable[[LocalUser], Awaitable[None]]] = {
    "command-for-another-bot": lambda user: user.send("/cramp@OtherBot"),
    "help-for-another-bot": lambda user: user.send("/help@SomeOtherBot please"),
}

# A shared location is not stray: it tells where the athlete is (conversations.location).
BERLIN_SAVED = country_texts.LOCATION_SAVED.format(zone="Europe/Berlin", number="112")


@pytest.mark.parametrize("kind", list(STRAY))
@pytest.mark.parametrize("state", STATES)
async def test_stray_input_mid_flow_gets_the_step_buttons(bot: Bot, state: str, kind: str) -> None:
    user = bot.user()
    await walk_to(user, state)
    step = bot.api.last_bot_message(user.chat_id)

    await STRAY[kind](user)

    nudge = bot.api.last_bot_message(user.chat_id)
    assert nudge.message_id != step.message_id
    assert nudge.text.startswith(common.NUDGE)
    assert nudge.button_labels == step.button_labels
    assert await conversation_state(bot, user) == state
    assert len(await episodes_of(bot, user)) == 1


@pytest.mark.parametrize("state", STATES)
async def test_a_location_mid_flow_is_kept_and_brings_the_step_buttons(
    bot: Bot, state: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    step = bot.api.last_bot_message(user.chat_id)

    await user.send_location(52.52, 13.40)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.message_id != step.message_id
    assert reply.text.startswith(BERLIN_SAVED)
    assert reply.button_labels == step.button_labels
    assert await conversation_state(bot, user) == state
    assert len(await episodes_of(bot, user)) == 1


async def test_our_own_command_with_our_name_still_works_mid_flow(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, STATES[2])

    await user.send("/cancel@CrampCoachLocalBot")

    assert await conversation_state(bot, user) is None


# --- During a check-in -----------------------------------------------------------------------


@pytest.mark.parametrize("answered", [0, 1, 2])
async def test_a_location_during_an_open_check_in_asks_its_question_with_buttons(
    bot: Bot, clock: FakeClock, answered: int
) -> None:
    athlete = bot.user(3401)
    await start_plan(athlete)
    await deliver_next_checkin(bot, clock, athlete)
    for label in ["3", "Comfortable"][:answered]:
        await athlete.press(label)
    question = bot.api.last_bot_message(athlete.chat_id)

    await athlete.send_location(52.52, 13.40)

    reply = bot.api.last_bot_message(athlete.chat_id)
    assert reply.message_id != question.message_id
    assert reply.text.startswith(BERLIN_SAVED)  # the zone and country kept, and said
    assert reply.button_labels == question.button_labels
    assert reply.button_labels  # never "tap one of the buttons below" with none


@pytest.mark.parametrize("stray", ["/foo", "/cramp@OtherBot", "/today@OtherBot now"])
async def test_a_stray_command_during_an_open_check_in_asks_its_question_with_buttons(
    bot: Bot, clock: FakeClock, stray: str
) -> None:
    athlete = bot.user(3402)
    await start_plan(athlete)
    question = await deliver_next_checkin(bot, clock, athlete)

    await athlete.send(stray)

    reply = bot.api.last_bot_message(athlete.chat_id)
    assert reply.message_id != question.message_id
    assert reply.button_labels == question.button_labels


@pytest.mark.parametrize("stray", ["/foo", "/settings@OtherBot"])
async def test_a_stray_command_during_plan_set_up_asks_the_question_again(
    bot: Bot, stray: str
) -> None:
    athlete = bot.user(3403)
    await ease_a_cramp(athlete)
    await athlete.press(plan_texts.OFFER_BUTTON)
    question = bot.api.last_bot_message(athlete.chat_id)

    await athlete.send(stray)

    reply = bot.api.last_bot_message(athlete.chat_id)
    assert reply.message_id != question.message_id
    assert reply.button_labels == question.button_labels
