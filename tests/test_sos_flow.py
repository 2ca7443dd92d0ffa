"""The cramp SOS flow, end to end: what the athlete sees at every branch, and what is stored.

The real Application runs against the in-memory Bot API; a LocalUser sends real updates. The
emergency number is set to 999 here so that no text can pass by hard-coding the default 112;
the red-flag tests' athlete is in Harare (Zimbabwe, a country our table leaves out), where the
configured number is the one given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from bot.devtools.local_api import ApiCall, ChatMessage, LocalUser
from bot.settings import Settings
from conversations.services import Timings
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import plan as plan_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import MORE_SIGNS_ORDER, SCREEN_ORDER, URGENCY, RedFlag, Urgency
from storage.episodes import Outcome
from tests.conftest import FAST, Bot, FakeClock, make_settings
from tests.helpers import (
    assert_press_changes_nothing,
    bot_texts,
    conversation_state,
    db_of,
    edits_of,
    episodes_of,
    find_button,
    last_text,
    latest_episode,
    newest_containing,
    press_flag,
    wait_for,
    walk_to,
    walk_to_the_end,
)

NUMBER = "999"
HARARE = (-17.83, 31.05)  # Zimbabwe: not in rules.emergency_numbers, so the configured number
SOS_KEYBOARD = [[{"text": "🆘 Cramp"}]]
# The first relief step: eased or not, the salty taste as its own button, and why it helps.
RELIEF_LABELS = [texts.EASED, texts.NOT_YET, texts.HAVE_SALT, texts.WHY]
# Once the salt has been tried (or is the step), its button is gone.
RELIEF_LABELS_AFTER_SALT = [texts.EASED, texts.NOT_YET, texts.WHY]
RED_FLAG_LABELS = [flag_texts.BUTTON_LABELS[flag] for flag in SCREEN_ORDER]
NO_FLAG_LABELS = [texts.NO_FLAG_CALF, texts.NO_FLAG_OTHER]
SELF_CARE_ENDS = [flag for flag in RedFlag if flag is not RedFlag.OTHER_CAUSE]


@pytest.fixture
def settings(db_path: Path, store_url: str | None) -> Settings:
    """A non-default emergency number: the texts must use the configured one."""
    return make_settings(db_path, store_url, emergency_number=NUMBER)


async def athlete_in_harare(bot: Bot) -> LocalUser:
    """An athlete whose country we know (a location shared) and whose number is the default."""
    user = bot.user()
    await user.send_location(*HARARE)
    return user


def sos_keyboard_of(bot: Bot, user: LocalUser) -> Any:
    keyboard = bot.api.reply_keyboards.get(user.chat_id)
    return None if keyboard is None else keyboard["keyboard"]


# --- Entry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_message",
    ["/cramp", "🆘 Cramp", "my calf is cramping!", "/start sos"],
    ids=["command", "sos-button", "free-text", "deep-link"],
)
async def test_every_way_in_starts_the_flow_even_before_start(bot: Bot, first_message: str) -> None:
    user = bot.user()

    await user.send(first_message)  # the very first message: no /start before it

    [reply] = bot.api.bot_messages(user.chat_id)
    assert reply.text == texts.FIRST_AID_AND_SCREEN
    assert reply.button_labels == [
        *NO_FLAG_LABELS,
        *RED_FLAG_LABELS,
        texts.MORE_SIGNS,
        texts.HELPING,
    ]
    assert await conversation_state(bot, user) == sos.TRIAGE


async def test_first_reply_has_first_aid_and_every_warning_sign_on_two_screens(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith("<b>Stop, but stay on your feet</b> with some weight on the leg.")
    assert "Taking all the weight off" in reply.text
    assert "Quick check" in reply.text
    assert reply.button_labels == [
        "✅ None: it's my calf",
        "✅ None: something else",
        "🫁 Chest pain or short of breath",
        "😵 Confused, fainted, vomiting or dark pee",
        "🔥 Very hot skin or a high temperature",
        "⚡ Cramps in several muscles at once",
        "💥 A pop, a kick feeling, can't go on tiptoe",
        "More warning signs…",
        "🤝 I'm helping someone",
    ]

    await user.press(texts.MORE_SIGNS)

    more = bot.api.last_bot_message(user.chat_id)
    assert more.text == texts.MORE_SIGNS_QUESTION
    assert more.button_labels == [
        *(flag_texts.BUTTON_LABELS[flag] for flag in MORE_SIGNS_ORDER),
        *NO_FLAG_LABELS,
    ]
    # Every sign is on one screen or the other.
    assert {*SCREEN_ORDER, *MORE_SIGNS_ORDER} == set(RedFlag)
    assert await conversation_state(bot, user) == sos.MORE_FLAGS


async def test_episode_row_is_created_at_once_and_written_as_the_flow_goes(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()

    await user.send("/cramp")
    [episode] = await episodes_of(bot, user)
    assert episode.started_at == clock.now
    assert episode.is_open and episode.context is None

    await user.press(texts.NO_FLAG_OTHER)
    episode = await latest_episode(bot, user)
    assert episode.muscle is None and episode.relief_tried == () and episode.is_open

    await user.press("Calf")
    episode = await latest_episode(bot, user)
    assert episode.context == "exercise"
    assert episode.muscle == "calf"
    assert episode.relief_tried == ("stretch",)
    assert episode.is_open


async def test_the_calf_button_records_an_exercise_calf_cramp_and_starts_the_stretch(
    bot: Bot,
) -> None:
    user = bot.user()
    await user.send("/cramp")

    await user.press(texts.NO_FLAG_CALF)

    [episode] = await episodes_of(bot, user)
    assert (episode.context, episode.muscle) == ("exercise", "calf")
    assert episode.relief_tried == ("stretch",)
    assert episode.is_open
    assert await conversation_state(bot, user) == sos.STRETCH


# --- Red flags -------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", SELF_CARE_ENDS, ids=[flag.value for flag in SELF_CARE_ENDS])
async def test_red_flag_shows_emergency_number(bot: Bot, clock: FakeClock, flag: RedFlag) -> None:
    user = await athlete_in_harare(bot)
    await user.send("/cramp")
    triage, none_data = find_button(bot.api, user.chat_id, texts.NO_FLAG_CALF)

    await press_flag(user, flag)

    guidance = bot.api.last_bot_message(user.chat_id)
    assert f"\n\n<b>{NUMBER}</b>" in guidance.text
    assert "112" not in guidance.text
    assert guidance.inline_buttons == []
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    [episode] = await episodes_of(bot, user)
    assert episode.outcome is Outcome.ESCALATED
    assert episode.red_flag == flag.value
    assert episode.ended_at == clock.now
    assert episode.context is None  # no self-care step was reached
    assert await conversation_state(bot, user) is None

    # The flow is over: the old screen's buttons are answered as expired and change nothing.
    await assert_press_changes_nothing(bot, user, none_data, triage)


EMERGENCIES = [flag for flag in RedFlag if URGENCY[flag] is Urgency.EMERGENCY]


@pytest.mark.parametrize("flag", EMERGENCIES, ids=[flag.value for flag in EMERGENCIES])
async def test_emergency_red_flags_say_call_the_number_now(bot: Bot, flag: RedFlag) -> None:
    user = await athlete_in_harare(bot)
    await user.send("/cramp")
    await press_flag(user, flag)

    text = last_text(bot.api, user.chat_id)
    assert text.startswith(f"🚨 <b>Call the emergency number now:</b>\n\n<b>{NUMBER}</b>\n\n")


async def test_tear_or_clot_red_flag_says_do_not_stretch(bot: Bot) -> None:
    user = bot.user()
    for flag in (RedFlag.POP_OR_TEAR, RedFlag.ONE_SIDED_SWELLING):
        await user.send("/cramp")
        await press_flag(user, flag)
        text = last_text(bot.api, user.chat_id)
        assert "today" in text
        assert "don't stretch" in text.lower() or "don't massage or stretch" in text.lower()


# --- Night / rest cramps ---------------------------------------------------------------------


async def test_night_cramp_gets_gentle_rest_advice_not_the_exercise_protocol(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)

    await user.press(texts.AT_REST_LABEL)

    advice = bot.api.last_bot_message(user.chat_id)
    assert "different kind" in advice.text
    assert "gentle" in advice.text
    assert "Never force it" in advice.text
    assert "doctor" in advice.text and "often" in advice.text
    for exercise_claim in ("day 3", "salt", "two weeks", "strength"):
        assert exercise_claim not in advice.text.lower()
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    [episode] = await episodes_of(bot, user)
    assert episode.context == "rest"
    assert episode.outcome is Outcome.REST_ADVICE
    assert episode.ended_at == clock.now
    assert episode.relief_tried == ()
    assert await conversation_state(bot, user) is None


# --- Stretch and countdown -------------------------------------------------------------------


@pytest.mark.parametrize("muscle", list(texts.MUSCLE_LABELS))
async def test_each_muscle_gets_its_own_gentle_stretch(bot: Bot, muscle: str) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)

    await user.press(texts.MUSCLE_LABELS[muscle])

    stretch = bot.api.last_bot_message(user.chat_id)
    assert stretch.text.startswith(texts.STRETCH_HOW[muscle])
    assert stretch.text.startswith("<b>Stretch gently, never hard.</b>")
    assert "mild" in stretch.text
    assert "Hold it gently" in stretch.text
    assert stretch.button_labels == RELIEF_LABELS
    assert (await latest_episode(bot, user)).muscle == muscle
    assert await conversation_state(bot, user) == sos.STRETCH


async def test_stretch_countdown_edits_the_message_then_asks_if_easing_in_a_new_one(
    bot: Bot,
) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    stretch = bot.api.last_bot_message(user.chat_id)
    buttons = stretch.reply_markup
    sent = len(bot.api.bot_messages(user.chat_id))
    assert "Hold it gently" in stretch.text

    await asyncio.sleep(0.5)  # the 0.3 s countdown runs in the job queue

    edits = edits_of(bot.api, stretch)
    assert len(edits) == FAST.countdown_edits
    assert all(edit.get("reply_markup") == buttons for edit in edits[:-1])
    # The last edit says it's done and takes the buttons off...
    assert edits[-1]["text"].endswith(texts.COUNTDOWN_DONE)
    assert edits[-1].get("reply_markup") is None
    assert stretch.text.endswith(texts.COUNTDOWN_DONE)  # the message as the user sees it now
    assert stretch.inline_buttons == []
    # ...and a new message (it notifies, unlike an edit) asks whether it eases, with them.
    [time_up] = bot.api.bot_messages(user.chat_id)[sent:]
    assert time_up.text == texts.TIME_UP
    assert time_up.reply_markup == buttons
    assert time_up.button_labels == RELIEF_LABELS


async def test_pressing_a_button_mid_countdown_stops_the_edits(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot(timings=Timings(stretch_hold=timedelta(seconds=0.6), countdown_edits=3))
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    stretch = bot.api.last_bot_message(user.chat_id)
    await wait_for(lambda: len(edits_of(bot.api, stretch)) >= 1)

    await user.press("✅ Eased")
    edits_at_press = len(edits_of(bot.api, stretch))
    await asyncio.sleep(0.7)  # past the end of the countdown

    assert edits_at_press < 3
    assert len(edits_of(bot.api, stretch)) == edits_at_press
    assert texts.TIME_UP not in bot_texts(bot.api, user.chat_id)


async def test_countdown_runs_on_timers_and_no_handler_sleeps(
    start_bot: Callable[..., Any],
) -> None:
    bot = await start_bot(timings=Timings(stretch_hold=timedelta(seconds=5), countdown_edits=3))
    user = bot.user()
    await walk_to(user, sos.MUSCLE)

    started = time.monotonic()
    await user.press("Calf")
    took = time.monotonic() - started

    assert took < 1.0
    assert "5 s" in last_text(bot.api, user.chat_id)
    assert bot.api.calls_of("editMessageText") == []


async def test_a_stretch_holds_two_timers_however_many_edits_its_countdown_makes(
    start_bot: Callable[..., Any],
) -> None:
    """Each edit sets the next: one countdown row and the ten-minute check per episode."""
    bot = await start_bot(timings=Timings(stretch_hold=timedelta(seconds=0.8), countdown_edits=4))
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    episode = await latest_episode(bot, user)
    keys = [row["key"] for row in await db_of(bot).fetch_all("SELECT key FROM timers ORDER BY key")]
    assert keys == [f"sos-countdown:{episode.id}", f"sos-medical-check:{episode.id}"]
    assert bot.application.timers.armed == 2

    stretch = bot.api.last_bot_message(user.chat_id)
    await wait_for(lambda: texts.TIME_UP in bot_texts(bot.api, user.chat_id))

    assert len(edits_of(bot.api, stretch)) == 4
    keys = [row["key"] for row in await db_of(bot).fetch_all("SELECT key FROM timers")]
    assert keys == [f"sos-medical-check:{episode.id}"]


# --- Relief: salt, stretch again, eased ------------------------------------------------------


async def test_not_yet_after_stretch_offers_a_salty_taste(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)

    await user.press("Not yet")

    salt = bot.api.last_bot_message(user.chat_id)
    assert salt.text == texts.SALT
    assert salt.text.startswith("<b>Taste something salty.</b>")
    assert "crushed salt tablet" in salt.text
    assert "salty snack or drink" in salt.text
    assert "swirl it round your mouth" in salt.text
    assert "spit it out" in salt.text
    assert "No need to swallow it" in salt.text
    assert salt.button_labels == RELIEF_LABELS_AFTER_SALT
    assert (await latest_episode(bot, user)).relief_tried == ("stretch", "salt")
    assert await conversation_state(bot, user) == sos.SALT


async def test_not_yet_after_salt_stretches_again_with_a_new_countdown(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.SALT)

    await user.press("Not yet")

    again = bot.api.last_bot_message(user.chat_id)
    assert again.text.startswith(texts.REPEAT_STRETCH)  # short: they have just done it
    assert texts.STRETCH_HOW["calf"] not in again.text
    assert again.button_labels == RELIEF_LABELS_AFTER_SALT
    assert (await latest_episode(bot, user)).relief_tried == ("stretch", "salt", "stretch")
    assert await conversation_state(bot, user) == sos.STRETCH
    await wait_for(lambda: len(edits_of(bot.api, again)) == FAST.countdown_edits)
    await wait_for(lambda: last_text(bot.api, user.chat_id) == texts.TIME_UP)
    assert again.text.endswith(texts.COUNTDOWN_DONE)

    await user.press("Not yet")  # and round again: the salt, shorter this time
    assert last_text(bot.api, user.chat_id) == texts.REPEAT_SALT
    assert await conversation_state(bot, user) == sos.SALT


@pytest.mark.parametrize(
    ("state", "helped"), [(sos.STRETCH, "stretch"), (sos.SALT, "salt")], ids=["stretch", "salt"]
)
async def test_eased_records_duration_and_what_helped(
    bot: Bot, clock: FakeClock, state: str, helped: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    clock.advance(minutes=3)

    await user.press("✅ Eased")
    await user.press(texts.NONE_OF_THESE)

    aftercare = newest_containing(bot.api, user.chat_id, "it eased after")
    assert "it eased after <b>about 3 minutes</b>" in aftercare.text
    assert "What were you doing?" in last_text(bot.api, user.chat_id)
    [episode] = await episodes_of(bot, user)
    assert episode.outcome is Outcome.EASED
    assert episode.ended_at == clock.now
    assert episode.ended_at - episode.started_at == timedelta(minutes=3)
    assert episode.helped == helped
    assert await conversation_state(bot, user) == sos.ACTIVITY


async def test_eased_within_a_minute_says_so(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    await user.press("✅ Eased")
    await user.press(texts.NONE_OF_THESE)
    assert (
        "eased after <b>less than a minute</b>"
        in newest_containing(bot.api, user.chat_id, "eased after").text
    )


async def test_circumstances_are_asked_in_order_and_stored(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    await user.press("✅ Eased")
    await user.press(texts.NONE_OF_THESE)
    aftercare = newest_containing(bot.api, user.chat_id, "What now")
    asked = [last_text(bot.api, user.chat_id)]
    labels = [bot.api.last_bot_message(user.chat_id).button_labels]

    for answer in ("Cycling", "1–2 hours", "Yes"):
        await user.press(answer)
        asked.append(last_text(bot.api, user.chat_id))
        labels.append(bot.api.last_bot_message(user.chat_id).button_labels)
    last_question = bot.api.last_bot_message(user.chat_id)
    await user.press("No")

    assert "What were you doing?" in asked[0]
    assert labels[0] == [*texts.ACTIVITY_LABELS.values(), "Skip these questions"]
    assert "How far into it" in asked[1]
    assert labels[1] == [*texts.TIME_INTO_LABELS.values(), "Skip"]
    assert "Was it hot?" in asked[2]
    assert labels[2] == ["Yes", "No", "Skip"]
    assert "thick or compression clothing" in asked[3]
    assert labels[3] == ["Yes", "No", "Skip"]
    # The aftercare came before the questions, and the last answer gets a thank-you.
    assert aftercare.message_id < newest_containing(bot.api, user.chat_id, asked[0]).message_id
    done = bot.api.last_bot_message(user.chat_id)
    assert done.message_id > last_question.message_id
    assert done.text.startswith("Thanks, noted. Tap <b>🆘 Cramp</b> if another cramp starts.")
    assert "What now" not in done.text
    # The plan offer comes last, so it stays the newest buttons.
    assert done.text.endswith(plan_texts.OFFER)
    assert done.button_labels == [plan_texts.OFFER_BUTTON, texts.WHY_IT_HAPPENED]
    episode = await latest_episode(bot, user)
    assert (episode.activity, episode.time_into) == ("cycling", "60-120")
    assert (episode.hot_conditions, episode.heavy_clothing) == (True, False)
    assert episode.outcome is Outcome.EASED
    assert await conversation_state(bot, user) is None


async def test_each_answer_is_stored_before_the_next_question(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.ACTIVITY)

    await user.press("Gym")
    assert (await latest_episode(bot, user)).activity == "gym"
    await user.press("Under 30 min")
    assert (await latest_episode(bot, user)).time_into == "lt30"
    await user.press("No")
    assert (await latest_episode(bot, user)).hot_conditions is False


@pytest.mark.parametrize(
    ("state", "skip"),
    [
        (sos.ACTIVITY, texts.SKIP_ALL),
        (sos.TIME_INTO, texts.SKIP),
        (sos.HEAT, texts.SKIP),
        (sos.CLOTHING, texts.SKIP),
    ],
)
async def test_skip_ends_the_questions_with_the_plan_offer(bot: Bot, state: str, skip: str) -> None:
    user = bot.user()
    await walk_to(user, state)
    before = await latest_episode(bot, user)
    skipped = bot.api.last_bot_message(user.chat_id)

    await user.press(skip)

    [done] = bot.api.bot_messages(user.chat_id)[-1:]
    assert done.message_id > skipped.message_id
    assert done.text == (
        f"No problem. Tap <b>🆘 Cramp</b> if another cramp starts.\n\n{plan_texts.OFFER}"
    )
    assert done.button_labels == [plan_texts.OFFER_BUTTON, texts.WHY_IT_HAPPENED]
    assert await latest_episode(bot, user) == before  # nothing stored for the skipped ones
    assert await conversation_state(bot, user) is None


async def test_aftercare_note_and_the_sos_keyboard_come_as_soon_as_it_eased(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.ACTIVITY)  # eased; no question answered yet

    aftercare = newest_containing(bot.api, user.chat_id, "What now")
    assert "rest the calf and ice it" in aftercare.text
    assert "No massage for 24 hours" in aftercare.text
    # No time zone known yet: the day is counted, not named.
    assert "From <b>day 3 (today is day 0)</b>" in aftercare.text
    assert "No strength work for two weeks: it can come back from <b>day 14</b>" in aftercare.text
    assert aftercare.inline_buttons == []
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    keyboard = bot.api.reply_keyboards[user.chat_id]
    assert keyboard is not None and keyboard["is_persistent"] is True


# --- Not eased -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [sos.STRETCH, sos.SALT])
async def test_not_eased_after_ten_minutes_sends_to_medical_help(
    bot: Bot, clock: FakeClock, state: str
) -> None:
    user = await athlete_in_harare(bot)
    await walk_to(user, state)
    clock.advance(minutes=11)

    await user.press("Not yet")

    advice = bot.api.last_bot_message(user.chat_id)
    assert advice.text.startswith(texts.NOT_EASED.format(number=NUMBER))
    assert "ten minutes" in advice.text
    assert "medical advice" in advice.text
    assert f"\n\n<b>{NUMBER}</b>" in advice.text  # on a line of its own
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    [episode] = await episodes_of(bot, user)
    assert episode.outcome is Outcome.NOT_EASED
    assert episode.ended_at == clock.now
    assert await conversation_state(bot, user) is None


async def test_not_yet_before_ten_minutes_keeps_helping(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    clock.advance(minutes=9)

    await user.press("Not yet")

    assert "salt" in last_text(bot.api, user.chat_id)
    assert (await latest_episode(bot, user)).is_open


async def test_bot_asks_has_it_eased_after_ten_minutes_on_its_own(
    start_bot: Callable[..., Any],
) -> None:
    timings = Timings(
        stretch_hold=timedelta(seconds=0.3),
        countdown_edits=3,
        medical_help_after=timedelta(seconds=0.2),
    )
    bot = await start_bot(timings=timings)
    user = bot.user()
    await walk_to(user, sos.STRETCH)

    await asyncio.sleep(0.4)

    check = newest_containing(bot.api, user.chat_id, "Has it eased?")
    assert check.text == texts.STILL_CRAMPING_CHECK
    assert check.button_labels == RELIEF_LABELS
    message, data = find_button(bot.api, user.chat_id, texts.EASED, in_message="Has it eased?")
    await user.press_data(data, message)
    assert (await latest_episode(bot, user)).outcome is Outcome.EASED


async def test_no_ten_minute_check_once_it_eased(start_bot: Callable[..., Any]) -> None:
    timings = Timings(stretch_hold=timedelta(seconds=5), medical_help_after=timedelta(seconds=0.2))
    bot = await start_bot(timings=timings)
    user = bot.user()
    await walk_to(user, sos.STRETCH)

    await user.press("✅ Eased")
    await asyncio.sleep(0.4)

    assert not any("Has it eased?" in text for text in bot_texts(bot.api, user.chat_id))


# --- Commands --------------------------------------------------------------------------------


async def test_cancel_mid_flow_leaves_and_marks_the_episode_cancelled(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    calf, calf_data = find_button(bot.api, user.chat_id, "Calf")

    await user.send("/cancel")

    assert "Okay, stopped" in last_text(bot.api, user.chat_id)
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    [episode] = await episodes_of(bot, user)
    assert episode.outcome is Outcome.CANCELLED
    assert episode.ended_at == clock.now
    assert await conversation_state(bot, user) is None
    await assert_press_changes_nothing(bot, user, calf_data, calf)


async def test_cancel_during_the_countdown_stops_it(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    stretch = bot.api.last_bot_message(user.chat_id)

    await user.send("/cancel")
    await asyncio.sleep(0.5)

    assert edits_of(bot.api, stretch) == []


async def test_cancel_outside_a_flow_gets_a_kind_reply(bot: Bot) -> None:
    user = bot.user()

    await user.send("/cancel")

    assert "nothing to cancel" in last_text(bot.api, user.chat_id)
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD
    assert await episodes_of(bot, user) == []


async def test_start_shows_welcome_disclaimer_and_sos_keyboard(bot: Bot) -> None:
    user = bot.user()

    await user.send("/start")

    # The first time, the country question follows (conversations.country), and the keyboard
    # offers to share a location beside 🆘 Cramp.
    welcome, question = bot_texts(bot.api, user.chat_id)
    assert "CrampCoach" in welcome
    assert "I'm not a doctor" in welcome
    assert "🆘 Cramp" in welcome and "/cramp" in welcome
    assert "which country" in question
    assert sos_keyboard_of(bot, user)[-1] == SOS_KEYBOARD[0]
    assert await episodes_of(bot, user) == []

    await user.send("/start")

    assert "CrampCoach" in last_text(bot.api, user.chat_id)
    assert sos_keyboard_of(bot, user) == SOS_KEYBOARD


async def test_plain_start_mid_flow_leaves_the_flow(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    before = len(bot.api.bot_messages(user.chat_id))

    await user.send("/start")

    # The welcome (then, this first time, the country question).
    welcome, *_ = bot.api.bot_messages(user.chat_id)[before:]
    assert "CrampCoach" in welcome.text
    assert (await latest_episode(bot, user)).outcome is Outcome.CANCELLED
    assert await conversation_state(bot, user) is None


async def test_cramp_mid_flow_keeps_the_episode_and_offers_a_new_one(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    before = await episodes_of(bot, user)

    await user.send("/cramp")

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(texts.STILL_ON_IT)
    assert texts.ASK_MUSCLE in reply.text
    assert reply.button_labels[-1] == texts.NEW_CRAMP
    assert await episodes_of(bot, user) == before  # the same open episode, nothing new
    assert await conversation_state(bot, user) == sos.MUSCLE

    await user.press(texts.NEW_CRAMP)

    first, second = await episodes_of(bot, user)
    assert first.outcome is Outcome.CANCELLED
    assert second.is_open
    assert last_text(bot.api, user.chat_id) == texts.FIRST_AID_AND_SCREEN
    assert await conversation_state(bot, user) == sos.TRIAGE


async def test_help_lists_the_commands(bot: Bot) -> None:
    user = bot.user()

    await user.send("/help")

    help_text = last_text(bot.api, user.chat_id)
    for command in ("/cramp", "/prevent", "/cancel", "/help", "/start"):
        assert command in help_text


async def test_help_mid_flow_keeps_the_step(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)

    await user.send("/help")

    assert "/cancel" in last_text(bot.api, user.chat_id)
    assert await conversation_state(bot, user) == sos.MUSCLE
    await user.press("Calf")
    assert await conversation_state(bot, user) == sos.STRETCH


async def test_commands_are_registered_at_start_up(bot: Bot) -> None:
    private = bot.api.commands['{"type": "all_private_chats"}']
    names = [command["command"] for command in private]
    assert names[0] == "cramp"
    assert {"cramp", "prevent", "cancel", "help", "start"} <= set(names)
    assert all(command["description"] for command in private)


# --- The disclaimer --------------------------------------------------------------------------


async def test_disclaimer_is_shown_once_at_the_end_of_the_first_flow(bot: Bot) -> None:
    user = bot.user()

    await user.send("/cramp")  # no /start first
    assert "not a doctor" not in last_text(bot.api, user.chat_id)  # first aid comes first
    await user.press(texts.NO_FLAG_OTHER)
    await user.press(texts.AT_REST_LABEL)
    first_end = last_text(bot.api, user.chat_id)

    await walk_to_the_end(user)
    second_end = newest_containing(bot.api, user.chat_id, "What now").text

    assert common.DISCLAIMER in first_end
    assert "not a doctor" not in second_end


async def test_no_disclaimer_at_the_end_after_start_showed_it(bot: Bot) -> None:
    user = bot.user()
    await user.send("/start")

    await user.send("/cramp")
    await user.press(flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS])

    assert "not a doctor" not in last_text(bot.api, user.chat_id)


# --- Many athletes at once -------------------------------------------------------------------


async def test_hundred_users_in_the_flow_at_once_each_get_their_own_countdown(bot: Bot) -> None:
    users = [bot.user(5000 + n) for n in range(100)]
    # When each stretch message was sent and when the end of its countdown was.
    sent_at: dict[int, float] = {}
    done_at: dict[int, float] = {}

    def timer(call: ApiCall, message: ChatMessage | None) -> None:
        if message is None or call.method != "sendMessage":
            return
        if "Stretch gently" in message.text:
            sent_at[message.chat_id] = time.monotonic()
        elif message.text == texts.TIME_UP:
            done_at[message.chat_id] = time.monotonic()

    bot.api.listeners.append(timer)
    started = time.monotonic()

    await asyncio.gather(*(walk_to(user, sos.STRETCH) for user in users))
    all_in = time.monotonic()
    stretches = [newest_containing(bot.api, user.chat_id, "Stretch gently") for user in users]
    await wait_for(
        lambda: (
            all(len(edits_of(bot.api, m)) == FAST.countdown_edits for m in stretches)
            and len(done_at) == len(users)
        ),
        within=5.0,
    )
    finished = time.monotonic()

    # A 0.3 s hold: nobody's countdown waits for anybody else's, and no handler sleeps.
    assert all_in - started < 3.0  # 400 updates, each written to SQLite
    assert finished - all_in < 1.0
    for user, stretch in zip(users, stretches, strict=True):
        assert stretch.chat_id == user.chat_id
        assert stretch.text.startswith(texts.STRETCH_HOW["calf"])
        assert stretch.text.endswith(texts.COUNTDOWN_DONE)
        assert last_text(bot.api, user.chat_id) == texts.TIME_UP
        assert bot.api.last_bot_message(user.chat_id).button_labels == RELIEF_LABELS
        # The hold counts from the step's commit; its message goes out a moment after (the
        # outbox sends it, with 99 others): at most that moment shorter as seen.
        assert 0.25 <= done_at[user.chat_id] - sent_at[user.chat_id] < 1.0
        assert await conversation_state(bot, user) == sos.STRETCH
    assert len({episode.id for u in users for episode in await episodes_of(bot, u)}) == 100


async def test_a_step_goes_out_exactly_as_send_message_would_send_it(bot: Bot) -> None:
    """Steps go out through the outbox as written (conversations.replies.send): the request is
    the one ``send_message`` would make, the HTML parse mode and the keyboard included."""
    user = bot.user()
    await user.send("/cramp")
    [step] = bot.api.calls_of("sendMessage")
    markup = InlineKeyboardMarkup.de_json(step.params["reply_markup"], None)
    await bot.application.bot.send_message(
        user.chat_id, step.params["text"], reply_markup=markup, parse_mode="HTML"
    )
    same = bot.api.calls_of("sendMessage")[-1]
    assert same.params == step.params
    assert step.params["parse_mode"] == "HTML"
