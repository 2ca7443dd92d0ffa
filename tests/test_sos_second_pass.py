"""Issue 6, the SOS second pass: relief within two taps, one episode per cramp, aftercare at
once, every warning sign with its action, and advice that fits the athlete.

Each test runs the real Application against the in-memory Bot API and asserts on what the bot
sends. The default emergency number is 112 (tests/conftest.py); an athlete whose country we know
(a location shared in Berlin) gets 112 as theirs; one whose country is unknown gets the main
numbers side by side.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.devtools.local_api import ChatMessage, LocalUser
from conversations.replies import sos_text
from conversations.services import Timings
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import plan as plan_texts
from conversations.texts import prevention as prevention_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.patterns import Pattern, PatternKind
from rules.red_flags import SIT_OR_LIE_DOWN, RedFlag
from storage.episodes import Outcome
from tests.conftest import Bot, FakeClock
from tests.helpers import (
    answer_of,
    assert_press_changes_nothing,
    bot_texts,
    calls_except_answers,
    chat_snapshot,
    conversation_state,
    edits_of,
    episodes_of,
    find_button,
    last_text,
    latest_episode,
    newest_containing,
    plain,
    press_flag,
    wait_for,
    walk_to,
)
from tests.plan_helpers import start_plan

# A long hold: no countdown edit or "Time" message lands while a test compares before and after.
QUIET = Timings(stretch_hold=timedelta(seconds=60), countdown_edits=3)
SHORT = Timings(stretch_hold=timedelta(seconds=0.3), countdown_edits=3)

RELIEF_LABELS = [texts.EASED, texts.NOT_YET, texts.HAVE_SALT, texts.WHY]
SALT_LABELS = [texts.EASED, texts.NOT_YET, texts.WHY]
QUESTIONS_DONE = "Thanks, noted. Tap <b>🆘 Cramp</b> if another cramp starts."
SELF_CARE_ENDS = [flag for flag in RedFlag if flag is not RedFlag.OTHER_CAUSE]
CRAMP_WAYS = ["/cramp", "🆘 Cramp", "my calf is cramping", "/start sos"]
CRAMP_IDS = ["command", "sos-button", "free-text", "deep-link"]


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> Bot:
    return await start_bot(timings=QUIET)  # type: ignore[no-any-return]


def new_messages(bot: Bot, user: LocalUser, before: int) -> list[ChatMessage]:
    return bot.api.bot_messages(user.chat_id)[before:]


def lines_of(text: str) -> list[str]:
    return text.split("\n")


async def athlete_in_berlin(bot: Bot) -> LocalUser:
    """An athlete who shared a location in Berlin: Germany, 112."""
    user = bot.user()
    await user.send_location(52.52, 13.40)
    return user


async def ease_calf_cramp(user: LocalUser) -> None:
    """/cramp, the one-tap calf, then Eased and no late warning sign (the questions are left
    open)."""
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    await user.press(texts.EASED)
    await user.press(texts.NONE_OF_THESE)


async def aftercare_of_a_cramp(bot: Bot, user: LocalUser) -> str:
    """An eased calf cramp with its questions skipped; what came with the aftercare (any
    medical advice first, in a message of its own)."""
    before = len(bot.api.bot_messages(user.chat_id))
    await ease_calf_cramp(user)
    sent = new_messages(bot, user, before)
    assert any("What now" in m.text for m in sent)
    await user.press(texts.SKIP_ALL)
    return "\n\n".join(m.text for m in sent)


# --- Relief first ----------------------------------------------------------------------------

# The taps an athlete makes from the first reply, for each muscle (and how many it should take).
TAP_PATHS: dict[str, tuple[str, list[str]]] = {
    "calf": ("calf", [texts.NO_FLAG_CALF]),
    "calf-via-muscle": ("calf", [texts.NO_FLAG_OTHER, texts.MUSCLE_LABELS["calf"]]),
    "hamstring": ("hamstring", [texts.NO_FLAG_OTHER, texts.MUSCLE_LABELS["hamstring"]]),
    "quadriceps": ("quadriceps", [texts.NO_FLAG_OTHER, texts.MUSCLE_LABELS["quadriceps"]]),
    "other": ("other", [texts.NO_FLAG_OTHER, texts.MUSCLE_LABELS["other"]]),
}


def is_relief(message: ChatMessage) -> bool:
    return any(message.text.startswith(how) for how in texts.STRETCH_HOW.values())


@pytest.mark.parametrize("path", list(TAP_PATHS))
@pytest.mark.parametrize("first_message", CRAMP_WAYS[:3], ids=CRAMP_IDS[:3])
async def test_relief_within_two_taps_from_the_first_message(
    bot: Bot, first_message: str, path: str
) -> None:
    user = bot.user()
    muscle, taps = TAP_PATHS[path]
    await user.send(first_message)
    first = len(bot.api.bot_messages(user.chat_id))
    assert not any(is_relief(m) for m in bot.api.bot_messages(user.chat_id))

    pressed = 0
    relief: list[ChatMessage] = []
    for label in taps:
        await user.press(label)
        pressed += 1
        relief = [m for m in new_messages(bot, user, first) if is_relief(m)]
        if relief:
            break

    assert relief, "no relief instruction after the taps"
    assert relief[0].text.startswith(texts.STRETCH_HOW[muscle])
    assert pressed == len(taps) <= 2
    assert pressed == (1 if path == "calf" else 2)


def instruction_of(message: ChatMessage) -> str:
    """A relief message without its countdown line."""
    return message.text.split("\n\n⏱")[0]


IMPERATIVE = re.compile(r"^<b>(Stop|Stretch|Taste)\b[^<]*</b>")


@pytest.mark.parametrize("muscle", list(texts.MUSCLE_LABELS))
async def test_every_relief_instruction_is_short_and_puts_the_action_first(
    bot: Bot, muscle: str
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    stop = lines_of(bot.api.bot_messages(user.chat_id)[0].text)[0]
    await user.press(texts.MUSCLE_LABELS[muscle])
    stretch = instruction_of(bot.api.last_bot_message(user.chat_id))
    await user.press(texts.NOT_YET)
    salt = last_text(bot.api, user.chat_id)
    await user.press(texts.NOT_YET)
    repeat_stretch = instruction_of(bot.api.last_bot_message(user.chat_id))
    await user.press(texts.NOT_YET)
    repeat_salt = last_text(bot.api, user.chat_id)

    sent = {
        "stop": (stop, texts.STOP_INSTRUCTION),
        "stretch": (stretch, texts.STRETCH_HOW[muscle]),
        "salt": (salt, texts.SALT),
        "repeat stretch": (repeat_stretch, texts.REPEAT_STRETCH),
        "repeat salt": (repeat_salt, texts.REPEAT_SALT),
    }
    for name, (text, constant) in sent.items():
        assert text == constant, name
        assert len(plain(text).split()) <= 40, f"{name}: {len(plain(text).split())} words"
        assert IMPERATIVE.match(text), f"{name} does not start with the action: {text!r}"
    # A repeat is not the whole instruction again.
    assert len(repeat_stretch.split()) < len(stretch.split())
    assert repeat_stretch not in stretch and stretch not in repeat_stretch
    assert len(repeat_salt.split()) < len(salt.split())


def test_every_relief_text_in_the_texts_is_at_most_40_words_action_first() -> None:
    """The same limit on every constant, so a muscle added later is held to it too."""
    relief = {
        **{f"stretch {muscle}": text for muscle, text in texts.STRETCH_HOW.items()},
        "repeat stretch": texts.REPEAT_STRETCH,
        "salt": texts.SALT,
        "repeat salt": texts.REPEAT_SALT,
        "stop": texts.STOP_INSTRUCTION,
    }
    for name, text in relief.items():
        assert len(plain(text).split()) <= 40, name
        assert IMPERATIVE.match(text), name
    assert all(how != texts.REPEAT_STRETCH for how in texts.STRETCH_HOW.values())


async def test_the_salty_taste_is_offered_with_the_first_stretch(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    stretch = bot.api.last_bot_message(user.chat_id)
    assert stretch.reply_markup is not None
    rows = [[b["text"] for b in row] for row in stretch.reply_markup["inline_keyboard"]]
    assert rows == [[texts.EASED, texts.NOT_YET], [texts.HAVE_SALT], [texts.WHY]]

    await user.press(texts.HAVE_SALT)

    salt = bot.api.last_bot_message(user.chat_id)
    assert salt.text == texts.SALT
    assert salt.button_labels == SALT_LABELS  # no second offer of the salt
    assert (await latest_episode(bot, user)).relief_tried == ("stretch", "salt")
    assert await conversation_state(bot, user) == sos.SALT


@pytest.mark.parametrize(
    ("salt_first", "reason"), [(False, texts.STRETCH_WHY), (True, texts.SALT_WHY)]
)
async def test_why_answers_with_an_alert_and_sends_nothing(
    bot: Bot, salt_first: bool, reason: str
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    if salt_first:
        await user.press(texts.HAVE_SALT)
    message, data = find_button(bot.api, user.chat_id, texts.WHY)
    calls = calls_except_answers(bot.api)
    chat = chat_snapshot(bot.api, user.chat_id)
    rows = await episodes_of(bot, user)
    state = await conversation_state(bot, user)

    query_id = await user.press_data(data, message)

    assert bot.api.answered_queries[query_id] == reason
    assert answer_of(bot.api, query_id).get("show_alert") is True
    assert calls_except_answers(bot.api) == calls
    assert chat_snapshot(bot.api, user.chat_id) == chat
    assert await episodes_of(bot, user) == rows
    assert await conversation_state(bot, user) == state


async def test_the_countdown_ends_with_a_new_message_carrying_the_buttons(
    start_bot: Callable[..., Any],
) -> None:
    bot: Bot = await start_bot(timings=SHORT)
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    stretch = bot.api.last_bot_message(user.chat_id)
    buttons = stretch.reply_markup

    await wait_for(lambda: last_text(bot.api, user.chat_id) == texts.TIME_UP)

    time_up = bot.api.last_bot_message(user.chat_id)
    assert time_up.message_id > stretch.message_id
    assert time_up.reply_markup == buttons
    assert time_up.button_labels == RELIEF_LABELS
    edits = edits_of(bot.api, stretch)
    assert len(edits) == SHORT.countdown_edits
    assert edits[-1]["text"].endswith(texts.COUNTDOWN_DONE)
    assert edits[-1].get("reply_markup") is None  # the last edit has no buttons
    assert stretch.inline_buttons == []
    await user.press(texts.NOT_YET)  # the new message's buttons work
    assert last_text(bot.api, user.chat_id) == texts.SALT


# --- One episode per cramp -------------------------------------------------------------------

# How to reach each step of an open episode, and the text it shows when brought back.
OPEN_STEPS: dict[str, tuple[list[str], str]] = {
    sos.TRIAGE: ([], texts.FIRST_AID_AND_SCREEN),
    sos.MORE_FLAGS: ([texts.MORE_SIGNS], texts.MORE_SIGNS_QUESTION),
    sos.MUSCLE: ([texts.NO_FLAG_OTHER], texts.ASK_MUSCLE),
    sos.STRETCH: ([texts.NO_FLAG_CALF], texts.ASK_EASING),
    sos.SALT: ([texts.NO_FLAG_CALF, texts.NOT_YET], texts.ASK_EASING),
}


@pytest.mark.parametrize("state", list(OPEN_STEPS))
@pytest.mark.parametrize("second", CRAMP_WAYS, ids=CRAMP_IDS)
async def test_a_second_cramp_message_brings_back_the_step_and_keeps_the_episode(
    bot: Bot, second: str, state: str
) -> None:
    user = bot.user()
    taps, step_text = OPEN_STEPS[state]
    await user.send("/cramp")
    for label in taps:
        await user.press(label)
    step = bot.api.last_bot_message(user.chat_id)
    before = await episodes_of(bot, user)

    await user.send(second)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text == f"{texts.STILL_ON_IT}\n\n{step_text}"
    assert reply.button_labels == [*step.button_labels, texts.NEW_CRAMP]
    assert await episodes_of(bot, user) == before  # same episode, no new row
    assert len(before) == 1 and before[0].is_open
    assert await conversation_state(bot, user) == state


async def test_a_second_cramp_message_does_not_reset_the_ten_minute_clock(
    bot: Bot, clock: FakeClock
) -> None:
    user = await athlete_in_berlin(bot)
    first_cramp = clock.now
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    clock.advance(minutes=6)
    await user.send(common.SOS_BUTTON)  # a panicked second tap
    assert last_text(bot.api, user.chat_id).startswith(texts.STILL_ON_IT)
    clock.now = first_cramp + timedelta(minutes=10)

    await user.press(texts.NOT_YET)

    advice = last_text(bot.api, user.chat_id)
    assert advice.startswith(texts.NOT_EASED.format(number="112"))
    assert "<b>112</b>" in lines_of(advice)
    [episode] = await episodes_of(bot, user)
    assert episode.started_at == first_cramp
    assert episode.outcome is Outcome.NOT_EASED


async def test_this_is_a_new_cramp_starts_a_new_episode(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    old_stretch, not_yet = find_button(bot.api, user.chat_id, texts.NOT_YET)
    clock.advance(minutes=3)
    await user.send("/cramp")

    await user.press(texts.NEW_CRAMP)

    old, new = await episodes_of(bot, user)
    assert old.outcome is Outcome.CANCELLED and old.ended_at == clock.now
    assert new.is_open and new.started_at == clock.now
    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text == texts.FIRST_AID_AND_SCREEN
    assert reply.button_labels[0] == texts.NO_FLAG_CALF
    assert await conversation_state(bot, user) == sos.TRIAGE
    # The old cramp's buttons are dead now.
    await assert_press_changes_nothing(bot, user, not_yet, old_stretch)


@pytest.mark.parametrize("second", CRAMP_WAYS, ids=CRAMP_IDS)
async def test_a_cramp_message_after_it_eased_starts_a_new_episode_directly(
    bot: Bot, second: str
) -> None:
    user = bot.user()
    await ease_calf_cramp(user)  # the questions are waiting

    await user.send(second)

    old, new = await episodes_of(bot, user)
    assert old.outcome is Outcome.EASED
    assert new.is_open
    assert last_text(bot.api, user.chat_id) == texts.FIRST_AID_AND_SCREEN
    assert await conversation_state(bot, user) == sos.TRIAGE


# --- Eased: the aftercare at once ------------------------------------------------------------


async def test_eased_shows_the_unseen_signs_then_the_aftercare_before_any_question(
    bot: Bot,
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    before = len(bot.api.bot_messages(user.chat_id))

    await user.press(texts.EASED)
    await user.press(texts.NONE_OF_THESE)

    late, aftercare, question = new_messages(bot, user, before)
    assert late.text == texts.LATE_SIGNS_QUESTION
    assert aftercare.text.startswith("✅ Good, it eased after <b>less than a minute</b>.")
    for fact in (
        "rest the calf and ice it",
        "No massage for 24 hours",
        "exercise again gradually",
        "No strength work for two weeks",
    ):
        assert fact in aftercare.text, fact
    assert texts.PREVENT not in aftercare.text  # behind "Why it happened", after the questions
    assert aftercare.inline_buttons == []
    assert question.text == texts.ASK_ACTIVITY
    assert question.button_labels[-1] == texts.SKIP_ALL
    assert bot.api.reply_keyboards[user.chat_id] is not None  # the 🆘 keyboard is back


@pytest.mark.parametrize(
    ("label", "named"),
    [
        ("hamstring", "rest the back of the thigh"),
        ("quadriceps", "rest the front of the thigh"),
        ("other", "rest the cramped muscle"),
    ],
)
async def test_the_aftercare_names_the_muscle(bot: Bot, label: str, named: str) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    await user.press(texts.MUSCLE_LABELS[label])

    await user.press(texts.EASED)
    await user.press(texts.NONE_OF_THESE)

    aftercare = newest_containing(bot.api, user.chat_id, "What now").text
    assert named in aftercare
    assert "calf" not in aftercare


async def test_skip_these_questions_ends_with_the_plan_offer(bot: Bot) -> None:
    user = bot.user()
    await ease_calf_cramp(user)
    before = await latest_episode(bot, user)

    await user.press(texts.SKIP_ALL)

    done = bot.api.last_bot_message(user.chat_id)
    assert done.text.startswith(sos_text(texts.QUESTIONS_SKIPPED))
    assert done.button_labels == [plan_texts.OFFER_BUTTON, texts.WHY_IT_HAPPENED]
    assert await conversation_state(bot, user) is None
    assert await latest_episode(bot, user) == before


async def test_leaving_after_eased_still_has_the_aftercare_in_the_chat(bot: Bot) -> None:
    user = bot.user()
    await ease_calf_cramp(user)
    aftercare = newest_containing(bot.api, user.chat_id, "What now")
    text = aftercare.text

    await user.send("/cancel")  # the athlete leaves without answering

    assert aftercare.text == text and aftercare.edits == []
    assert "ice it" in newest_containing(bot.api, user.chat_id, "What now").text
    assert (await latest_episode(bot, user)).outcome is Outcome.EASED
    assert await conversation_state(bot, user) is None


@pytest.mark.parametrize(("minutes", "long"), [(9, False), (10, True), (25, True)])
async def test_a_cramp_that_eased_after_ten_minutes_gets_medical_advice(
    bot: Bot, clock: FakeClock, minutes: int, long: bool
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    clock.advance(minutes=minutes)
    before = len(bot.api.bot_messages(user.chat_id))

    await user.press(texts.EASED)
    await user.press(texts.NONE_OF_THESE)

    sent = [m.text for m in new_messages(bot, user, before)]
    aftercare = newest_containing(bot.api, user.chat_id, "What now").text
    # The medical advice comes first, in a message of its own; the aftercare all the same.
    assert (texts.EASED_AFTER_LONG in sent[1]) is long
    assert texts.EASED_AFTER_LONG not in aftercare


async def test_a_third_cramp_within_seven_days_gets_gp_advice(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    aftercares = []
    for _ in range(3):
        aftercares.append(await aftercare_of_a_cramp(bot, user))
        clock.advance(days=2)

    first, second, third = aftercares
    assert texts.FREQUENT_CRAMPS not in first
    assert texts.FREQUENT_CRAMPS not in second
    assert texts.FREQUENT_CRAMPS in third
    for reason in ("see a GP", "statins", "water tablets", "weakness", "numbness"):
        assert reason in third, reason


async def test_cancelled_cramps_and_older_ones_do_not_count_as_frequent(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await aftercare_of_a_cramp(bot, user)
    clock.advance(days=6)
    await user.send("/cramp")
    await user.send("/cancel")  # cancelled: not a cramp that counts
    clock.advance(days=1, minutes=1)  # the first one is now more than seven days old
    await aftercare_of_a_cramp(bot, user)
    clock.advance(hours=1)

    aftercare = await aftercare_of_a_cramp(bot, user)  # the third episode, second in a week

    assert texts.FREQUENT_CRAMPS not in aftercare


async def test_a_recurrence_during_a_plan_gets_gp_advice(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user)
    clock.advance(days=1)
    before = len(bot.api.bot_messages(user.chat_id))

    await ease_calf_cramp(user)

    texts_sent = [m.text for m in new_messages(bot, user, before)]
    assert texts.FREQUENT_CRAMPS in texts_sent
    assert texts.PLAN_RESTARTS in texts_sent
    assert plan_texts.OFFER not in "\n".join(texts_sent)
    assert (await latest_episode(bot, user)).is_recurrence


# --- Every warning sign, with its action -----------------------------------------------------


@pytest.mark.parametrize("flag", SELF_CARE_ENDS, ids=[flag.value for flag in SELF_CARE_ENDS])
async def test_every_red_flag_ending_escalates_with_the_number_on_its_own_line(
    bot: Bot, clock: FakeClock, flag: RedFlag
) -> None:
    user = await athlete_in_berlin(bot)
    await user.send("/cramp")

    await press_flag(user, flag)  # from the first screen, or the second for the rarer signs

    guidance = bot.api.last_bot_message(user.chat_id)
    assert guidance.text.startswith(flag_texts.GUIDANCE[flag].format(number="112"))
    assert "<b>112</b>" in lines_of(guidance.text)
    assert guidance.inline_buttons == []
    words = plain(guidance.text)
    assert "stay on your feet" not in words.lower()
    if flag in SIT_OR_LIE_DOWN:
        assert re.search(r"\b(Sit down|Lie down|Sit or lie down)\b", words), words
    [episode] = await episodes_of(bot, user)
    assert episode.outcome is Outcome.ESCALATED
    assert episode.red_flag == flag.value
    assert episode.ended_at == clock.now
    assert episode.relief_tried == ()
    assert await conversation_state(bot, user) is None


async def test_other_cause_says_see_a_doctor_soon_then_relief_goes_on(bot: Bot) -> None:
    user = bot.user()
    await user.send("/cramp")
    before = len(bot.api.bot_messages(user.chat_id))

    await press_flag(user, RedFlag.OTHER_CAUSE)

    _more, doctor, muscle = new_messages(bot, user, before)
    assert doctor.text == flag_texts.GUIDANCE[RedFlag.OTHER_CAUSE]
    assert "see a doctor in the next few days" in doctor.text
    assert muscle.text == texts.ASK_MUSCLE
    assert muscle.button_labels == [*texts.MUSCLE_LABELS.values(), texts.AT_REST_LABEL]
    [episode] = await episodes_of(bot, user)
    assert episode.is_open
    assert episode.red_flag == RedFlag.OTHER_CAUSE.value
    assert await conversation_state(bot, user) == sos.MUSCLE

    await user.press(texts.MUSCLE_LABELS["calf"])
    assert bot.api.last_bot_message(user.chat_id).text.startswith(texts.STRETCH_HOW["calf"])


# --- The emergency number fits the athlete ---------------------------------------------------


async def red_flag_guidance(bot: Bot, user: LocalUser) -> str:
    await user.send("/cramp")
    await press_flag(user, RedFlag.CHEST_PAIN_BREATHLESS)
    return last_text(bot.api, user.chat_id)


# The main numbers while the country is unknown, one a line (the default 112 among them).
MAIN_NUMBERS_LINES = [
    "<b>112 – Europe and many other countries",
    "911 – USA, Canada",
    "999 – UK",
    "000 – Australia</b>",
]


def shows_the_main_numbers(text: str) -> bool:
    lines = lines_of(text)
    at = lines.index(MAIN_NUMBERS_LINES[0]) if MAIN_NUMBERS_LINES[0] in lines else -1
    return at > 0 and lines[at - 1] == "" and lines[at : at + 4] == MAIN_NUMBERS_LINES


async def test_the_emergency_numbers_are_the_main_ones_without_a_country(bot: Bot) -> None:
    user = bot.user()

    guidance = await red_flag_guidance(bot, user)

    assert shows_the_main_numbers(guidance)


async def test_the_emergency_number_is_the_countrys_once_a_location_is_shared(bot: Bot) -> None:
    user = await athlete_in_berlin(bot)

    guidance = await red_flag_guidance(bot, user)

    assert "<b>112</b>" in lines_of(guidance)
    assert "911" not in guidance


async def test_the_emergency_number_follows_the_plans_time_zone(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user, zone_label="New York")

    guidance = await red_flag_guidance(bot, user)

    assert "<b>911</b>" in lines_of(guidance)
    assert "112" not in guidance


@pytest.mark.parametrize(
    ("typed", "number"), [("United Kingdom", "999"), ("000", "000")], ids=["country", "number"]
)
async def test_the_emergency_number_set_in_settings_is_used(
    bot: Bot, typed: str, number: str
) -> None:
    user = bot.user()
    await user.send("/settings")
    assert "Emergency number: <b>not set yet</b>" in last_text(bot.api, user.chat_id)
    await user.press(plan_texts.CHANGE_NUMBER)
    assert last_text(bot.api, user.chat_id) == plan_texts.ASK_EMERGENCY_NUMBER

    await user.send(typed)

    assert last_text(bot.api, user.chat_id) == plan_texts.EMERGENCY_NUMBER_SAVED.format(
        number=number
    )
    guidance = await red_flag_guidance(bot, user)
    assert f"<b>{number}</b>" in lines_of(guidance)
    assert "112" not in guidance
    await user.send("/settings")
    assert f"Emergency number: <b>{number}</b>" in last_text(bot.api, user.chat_id)


async def test_junk_typed_as_an_emergency_number_is_refused(bot: Bot) -> None:
    user = bot.user()
    await user.send("/settings")
    await user.press(plan_texts.CHANGE_NUMBER)

    await user.send("banana phone")

    assert last_text(bot.api, user.chat_id) == plan_texts.EMERGENCY_NUMBER_INVALID
    guidance = await red_flag_guidance(bot, user)
    assert shows_the_main_numbers(guidance)  # still unknown


async def test_not_eased_advice_uses_the_athletes_number(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await start_plan(user, zone_label="New York")
    await user.send("/cramp")
    await user.press(texts.NO_FLAG_CALF)
    clock.advance(minutes=11)

    await user.press(texts.NOT_YET)

    assert "<b>911</b>" in lines_of(last_text(bot.api, user.chat_id))


# --- The athlete's own pattern ---------------------------------------------------------------


async def answer_questions(user: LocalUser, *, hot: bool) -> None:
    await user.press(texts.ACTIVITY_LABELS["running"])
    await user.press(texts.TIME_INTO_LABELS["30-60"])
    await user.press(texts.YES if hot else texts.NO)
    await user.press(texts.NO)


async def test_the_pattern_line_shows_once_two_cramps_came_on_hot_days(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    line = texts.pattern_line(Pattern(PatternKind.HOT, 2, 2))
    assert line == "📊 2 of your 2 cramps came on hot days."

    await ease_calf_cramp(user)
    await answer_questions(user, hot=True)
    first_done = last_text(bot.api, user.chat_id)
    clock.advance(days=1)
    await ease_calf_cramp(user)
    await answer_questions(user, hot=True)
    second_done = last_text(bot.api, user.chat_id)
    clock.advance(days=1)
    await ease_calf_cramp(user)
    await user.press(texts.SKIP_ALL)
    third_done = last_text(bot.api, user.chat_id)

    assert "📊" not in first_done
    assert second_done.startswith(f"{line}\n\n{QUESTIONS_DONE}")
    assert third_done.startswith(line)


# --- /prevent --------------------------------------------------------------------------------


async def test_prevent_sends_the_facts_and_is_listed_in_help(bot: Bot) -> None:
    user = bot.user()

    # No cramp yet: the prevention advice (strength first) and the programme's offer; the
    # facts (texts.PREVENT) come with "not yet" during the two weeks after a cramp
    # (tests/test_prevention.py).
    await user.send("/prevent")

    reply = last_text(bot.api, user.chat_id)
    for advice in prevention_texts.ADVICE.values():
        assert advice in reply
    assert prevention_texts.NOT_SALT in reply and prevention_texts.OFFER in reply
    for fact in (
        "not from running short of salt or water",
        "Cramp sprays are not a real fix",
        "Electrolyte drinks or salt tablets won't stop the next one",
        "strength training",
        "hottest hours",
        "compression clothing",
    ):
        assert fact in texts.PREVENT, fact
    await user.send("/help")
    assert "/prevent" in last_text(bot.api, user.chat_id)
    private = bot.api.commands['{"type": "all_private_chats"}']
    assert "prevent" in [command["command"] for command in private]
    assert not any("Quick check" in text for text in bot_texts(bot.api, user.chat_id))


@pytest.mark.parametrize("state", [sos.MUSCLE, sos.STRETCH, sos.SALT])
async def test_a_warning_sign_pressed_on_the_first_screen_later_is_still_heard(
    bot: Bot, state: str
) -> None:
    user = await athlete_in_berlin(bot)
    await walk_to(user, state)
    screen, data = find_button(
        bot.api, user.chat_id, flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS]
    )

    await user.press_data(data, screen)

    assert "\n\n<b>112</b>" in bot.api.last_bot_message(user.chat_id).text
    episode = await latest_episode(bot, user)
    assert episode.outcome is Outcome.ESCALATED
    assert episode.red_flag == RedFlag.CHEST_PAIN_BREATHLESS.value


async def test_a_none_button_pressed_later_changes_nothing(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    screen, data = find_button(bot.api, user.chat_id, texts.NO_FLAG_CALF)

    await assert_press_changes_nothing(bot, user, data, screen)
