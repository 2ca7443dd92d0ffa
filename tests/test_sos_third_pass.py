"""Issue 15, the safety third pass of the SOS flow: no warning sign cleared unseen, the
ten-minute check from the first message, a helper mode, resets said out loud, and words that
fit the day.

Each test runs the real Application against the in-memory Bot API and asserts on what the bot
sends. The default emergency number is 112 (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.devtools.local_api import ChatMessage, LocalUser
from conversations.replies import sos_text
from conversations.services import Timings
from conversations.sos import states as sos
from conversations.texts import plan as plan_texts
from conversations.texts import recovery as advice
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import MORE_SIGNS_ORDER, SCREEN_ORDER, RedFlag
from storage.episodes import Outcome
from tests.conftest import Bot, FakeClock
from tests.helpers import conversation_state, episodes_of, latest_episode, wait_for
from tests.plan_helpers import plan_of, start_plan
from tests.team_helpers import ATHLETE, COACH, alerts_to, join, make_team, private

ALL_SIGN_LABELS = [flag_texts.BUTTON_LABELS[flag] for flag in (*SCREEN_ORDER, *MORE_SIGNS_ORDER)]
# The ten-minute check, due a moment after the episode's first message (real time for the job
# queue; the fake clock says how long the cramp has lasted).
SOON = Timings(
    stretch_hold=timedelta(seconds=60),
    countdown_edits=3,
    medical_help_after=timedelta(seconds=0.3),
    abandoned_after=timedelta(hours=2),
)


async def in_berlin(user: LocalUser) -> LocalUser:
    """The athlete shares a location in Berlin: Germany, so one number, 112."""
    await user.send_location(52.52, 13.40)
    return user


async def ease_a_calf_cramp(user: LocalUser) -> None:
    """/cramp, "it's my calf", eased, and no sign on the late check (the questions wait)."""
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    await user.press(texts.EASED)
    await user.press(texts.NONE_OF_THESE)


def ten_minute_check_sent(bot: Bot, user: LocalUser) -> bool:
    return texts.STILL_CRAMPING_CHECK in [m.text for m in bot.api.bot_messages(user.chat_id)]


def labels_shown(messages: list[ChatMessage]) -> set[str]:
    return {label for message in messages for label in message.button_labels}


def index_of_offer(messages: list[ChatMessage]) -> int:
    return next(i for i, m in enumerate(messages) if plan_texts.OFFER_BUTTON in m.button_labels)


# --- 1. No sign cleared unseen ---------------------------------------------------------------


@pytest.mark.parametrize(
    "first_taps",
    [
        [texts.NO_FLAG_CALF],
        [texts.NO_FLAG_OTHER, texts.MUSCLE_LABELS["hamstring"]],
    ],
    ids=["none-its-my-calf", "none-something-else"],
)
async def test_none_on_the_first_screen_shows_all_nine_signs_before_the_plan_offer(
    bot: Bot, first_taps: list[str]
) -> None:
    user = bot.user()
    await user.send("/cramp")
    for label in first_taps:
        await user.press(label)
    await user.press(texts.EASED)

    late = bot.api.last_bot_message(user.chat_id)
    assert late.text == texts.LATE_SIGNS_QUESTION
    unseen = [flag_texts.BUTTON_LABELS[flag] for flag in MORE_SIGNS_ORDER]
    assert late.button_labels == [*unseen, texts.NONE_OF_THESE]
    await user.press(texts.NONE_OF_THESE)
    await user.press(texts.SKIP_ALL)

    messages = bot.api.bot_messages(user.chat_id)
    before_offer = messages[: index_of_offer(messages)]
    assert set(ALL_SIGN_LABELS) <= labels_shown(before_offer)
    assert (await latest_episode(bot, user)).signs_cleared == "all"


async def test_the_second_screen_seen_means_no_late_check(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.MORE_SIGNS)
    await user.press(texts.NO_FLAG_CALF)

    await user.press(texts.EASED)

    assert texts.LATE_SIGNS_QUESTION not in [m.text for m in bot.api.bot_messages(user.chat_id)]
    assert await conversation_state(bot, user) == sos.ACTIVITY


@pytest.mark.parametrize("flag", MORE_SIGNS_ORDER, ids=[f.value for f in MORE_SIGNS_ORDER])
async def test_a_sign_answered_after_easing_is_routed_as_on_the_first_screens(
    bot: Bot, flag: RedFlag
) -> None:
    user = await in_berlin(bot.user())
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    await user.press(texts.EASED)

    await user.press(flag_texts.BUTTON_LABELS[flag])

    sent = [m.text for m in bot.api.bot_messages(user.chat_id)]
    [episode] = await episodes_of(bot, user)
    assert episode.red_flag == flag.value
    if flag is RedFlag.OTHER_CAUSE:  # a doctor soon: said, then the aftercare and questions
        assert flag_texts.OTHER_CAUSE_AFTER_EASING in sent
        assert any("What now" in text for text in sent)
        assert await conversation_state(bot, user) == sos.ACTIVITY
    else:  # help now or today: no aftercare, no plan offer
        guidance = flag_texts.GUIDANCE[flag].format(number="112")
        assert any(text.startswith(guidance) for text in sent)
        assert not any("What now" in text for text in sent)
        assert plan_texts.OFFER_BUTTON not in labels_shown(bot.api.bot_messages(user.chat_id))
        assert episode.outcome is Outcome.ESCALATED
        assert await conversation_state(bot, user) is None


# --- 3. The ten-minute check from the first message ------------------------------------------


@pytest.mark.parametrize("screen", ["first", "more"])
async def test_the_ten_minute_check_fires_on_the_warning_sign_screen(
    start_bot: Callable[..., Any], clock: FakeClock, screen: str
) -> None:
    bot: Bot = await start_bot(timings=SOON)
    user = await in_berlin(bot.user())
    await user.send("/cramp")
    if screen == "more":
        await user.press(texts.MORE_SIGNS)

    await wait_for(
        lambda: texts.STILL_CRAMPING_CHECK in [m.text for m in bot.api.bot_messages(1001)]
    )

    check = bot.api.last_bot_message(user.chat_id)
    assert check.button_labels == [texts.EASED, texts.NOT_YET]
    clock.advance(minutes=11)
    await user.press(texts.NOT_YET)
    assert bot.api.last_bot_message(user.chat_id).text.startswith(
        texts.NOT_EASED.format(number="112")
    )
    assert (await latest_episode(bot, user)).outcome is Outcome.NOT_EASED


async def test_eased_at_the_ten_minute_check_still_shows_every_sign_first(
    start_bot: Callable[..., Any],
) -> None:
    bot: Bot = await start_bot(timings=SOON)
    user = bot.user()
    await user.send("/cramp")
    await wait_for(
        lambda: texts.STILL_CRAMPING_CHECK in [m.text for m in bot.api.bot_messages(1001)]
    )

    await user.press(texts.EASED)

    late = bot.api.last_bot_message(user.chat_id)
    assert late.button_labels == [*ALL_SIGN_LABELS, texts.NONE_OF_THESE]


# --- Helping someone else --------------------------------------------------------------------


async def test_the_helper_path_speaks_of_them_and_offers_no_plan(bot: Bot) -> None:
    made = await make_team(bot)
    helper = private(bot, ATHLETE, "Ava")
    await join(bot, helper, made, "details")
    await helper.send("/cramp")

    await helper.press(texts.HELPING)
    screen = bot.api.last_bot_message(helper.chat_id)
    assert screen.text == texts.HELPER_FIRST_AID_AND_SCREEN
    assert screen.button_labels[0] == texts.HELPER_NO_FLAG_CALF
    assert texts.HELPING not in screen.button_labels
    await helper.press(texts.HELPER_NO_FLAG_CALF)
    assert bot.api.last_bot_message(helper.chat_id).text.startswith(
        texts.HELPER_STRETCH_HOW["calf"]
    )
    await helper.press(texts.EASED)
    assert bot.api.last_bot_message(helper.chat_id).text == texts.HELPER_LATE_SIGNS_QUESTION
    await helper.press(texts.NONE_OF_THESE)

    ending = bot.api.last_bot_message(helper.chat_id)
    assert "What they should do now" in ending.text
    sent = bot.api.bot_messages(helper.chat_id)
    assert plan_texts.OFFER_BUTTON not in labels_shown(sent)
    assert not any(texts.ASK_ACTIVITY in m.text for m in sent)  # no pattern questions either
    words = " ".join(m.text for m in sent[1:])
    assert "them" in words and "your calf" not in words
    assert await conversation_state(bot, helper) is None
    [episode] = await episodes_of(bot, helper)
    assert episode.helper and episode.outcome is Outcome.EASED
    assert alerts_to(bot.api, COACH) == []  # the helper is not the one cramping
    await helper.send("/plan")  # nor is a plan offered afterwards
    assert bot.api.last_bot_message(helper.chat_id).text == plan_texts.NO_PLAN


async def test_a_helpers_red_flag_says_call_and_stay_with_them(bot: Bot) -> None:
    user = await in_berlin(bot.user())
    await user.send("/cramp")
    await user.press(texts.HELPING)

    await user.press(flag_texts.BUTTON_LABELS[RedFlag.CONFUSED_FAINT_VOMITING])

    guidance = bot.api.last_bot_message(user.chat_id).text
    expected = flag_texts.HELPER_GUIDANCE[RedFlag.CONFUSED_FAINT_VOMITING].format(number="112")
    assert guidance.startswith(expected)
    assert "stay with them" in guidance
    assert "<b>112</b>" in guidance.split("\n")


# --- 6. Resets said out loud -----------------------------------------------------------------


@pytest.mark.parametrize(
    "taps",
    [[texts.NO_FLAG_OTHER, texts.AT_REST_LABEL], [texts.NO_FLAG_CALF, "/cancel"]],
    ids=["night-cramp", "cancelled"],
)
async def test_a_night_or_cancelled_cramp_during_a_plan_leaves_its_day(
    bot: Bot, clock: FakeClock, taps: list[str]
) -> None:
    user = bot.user()
    await start_plan(user)
    clock.advance(days=2)
    before = await plan_of(bot, user)

    await user.send("/cramp")
    for tap in taps:
        await (user.send(tap) if tap.startswith("/") else user.press(tap))

    after = await plan_of(bot, user)
    assert (after.cramp_at, after.stage, after.recurrences) == (
        before.cramp_at,
        before.stage,
        before.recurrences,
    )
    assert after == before
    assert texts.PLAN_RESTARTS not in [m.text for m in bot.api.bot_messages(user.chat_id)]


async def test_a_new_exercise_cramp_says_the_plan_starts_again_and_why(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)
    clock.advance(days=2)

    await ease_a_calf_cramp(user)

    sent = [m.text for m in bot.api.bot_messages(user.chat_id)]
    assert texts.PLAN_RESTARTS in sent
    assert "day 0" in texts.PLAN_RESTARTS and "damages the muscle again" in texts.PLAN_RESTARTS
    assert (await plan_of(bot, user)).cramp_at == clock.now


# --- 7. Words that fit the day ---------------------------------------------------------------


async def test_the_aftercare_names_the_weekdays_in_the_athletes_zone(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)  # Berlin
    clock.advance(days=1)  # Sunday 21 March 2027, 18:00 in Berlin: day 0 of the new cramp

    await ease_a_calf_cramp(user)

    aftercare = next(
        m.text for m in reversed(bot.api.bot_messages(user.chat_id)) if "What now" in m.text
    )
    assert "From <b>Wednesday 24 March</b>, exercise again gradually" in aftercare
    assert (
        "No strength work for two weeks: it can come back from <b>Sunday 4 April</b>" in aftercare
    )


async def test_the_first_screen_asks_one_question_per_button(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")

    labels = bot.api.last_bot_message(user.chat_id).button_labels
    assert texts.NO_FLAG_OTHER in labels
    assert not any(", or " in label for label in labels)
    await user.press(texts.NO_FLAG_OTHER)
    # The muscle and "at rest" are asked on the next screen, each a row of its own.
    assert texts.AT_REST_LABEL in bot.api.last_bot_message(user.chat_id).button_labels


async def test_why_it_happened_is_one_tap_and_says_strength_after_two_weeks(bot: Bot) -> None:
    user = bot.user()
    await ease_a_calf_cramp(user)
    await user.press(texts.SKIP_ALL)

    await user.press(texts.WHY_IT_HAPPENED)

    assert bot.api.last_bot_message(user.chat_id).text == texts.PREVENT
    assert "strength training after the two weeks" in texts.PREVENT


async def test_not_yet_hours_later_gets_medical_advice_not_only_an_old_button(
    bot: Bot, clock: FakeClock
) -> None:
    user: LocalUser = await in_berlin(bot.user())
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    clock.advance(hours=2, minutes=1)

    await user.press(texts.NOT_YET)

    said = bot.api.last_bot_message(user.chat_id).text
    assert said == texts.STILL_NOT_EASED_LATE.format(number="112", sos=sos_text("{sos}"))
    assert "medical advice now" in said


# --- 2. A warning in the SOS flow holds a running plan ---------------------------------------


@pytest.mark.parametrize(
    ("flag", "reason"),
    [(RedFlag.ONE_SIDED_SWELLING, "sos_clot"), (RedFlag.OTHER_CAUSE, "sos_cause")],
    ids=["clot", "other-cause"],
)
async def test_a_see_a_doctor_ending_during_a_plan_holds_it(
    bot: Bot, clock: FakeClock, flag: RedFlag, reason: str
) -> None:
    user = bot.user()
    await start_plan(user)
    clock.advance(days=3)
    await user.send("/cramp")

    await user.press(texts.MORE_SIGNS)
    await user.press(flag_texts.BUTTON_LABELS[flag])

    plan = await plan_of(bot, user)
    assert (plan.held, plan.held_for) == (True, reason)
    said = [m.text for m in bot.api.bot_messages(user.chat_id)]
    # Said where the flow goes on; an ending that sends to help keeps its advice last.
    assert (advice.HOLD_STARTED in said) is (flag is RedFlag.OTHER_CAUSE)
    await user.send("/today")
    today = bot.api.last_bot_message(user.chat_id)
    assert "Massage or gentle foam rolling is fine" not in today.text
    assert "Today's exercise step" not in today.text


async def test_helping_someone_after_ones_own_cramp_keeps_ones_plan_offer(bot: Bot) -> None:
    user = bot.user()
    await ease_a_calf_cramp(user)
    await user.press(texts.SKIP_ALL)
    await user.send("/cramp")  # a teammate goes down
    await user.press(texts.HELPING)
    await user.send("/cancel")

    await user.press(plan_texts.OFFER_BUTTON)  # the offer from the athlete's own cramp

    assert bot.api.last_bot_message(user.chat_id).text == plan_texts.ASK_TIME
