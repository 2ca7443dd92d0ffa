"""The SOS flow under input it did not ask for: stray messages, stale or forged button presses,
an abandoned flow, group chats and a failing Bot API. In every case the athlete is helped back
to the step they are on, and nothing is recorded that they did not choose.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.devtools.local_api import Fault, LocalUser
from conversations.emergency import numbers_text
from conversations.replies import sos_text
from conversations.services import Timings
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.emergency_numbers import numbers_when_unknown
from rules.red_flags import RedFlag
from storage.episodes import Outcome
from tests.conftest import Bot, FakeClock
from tests.faults import break_writes, mend
from tests.helpers import (
    NEXT_STEP,
    SEND_ATTEMPTS,
    STATES,
    STEP_TEXT,
    assert_press_changes_nothing,
    bot_texts,
    conversation_state,
    db_of,
    episodes_of,
    find_button,
    last_text,
    latest_episode,
    newest_containing,
    walk_to,
    walk_to_the_end,
)

# A long hold: no countdown edit lands while a test compares before and after.
QUIET = Timings(stretch_hold=timedelta(seconds=60), countdown_edits=3)


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> Bot:
    return await start_bot(timings=QUIET)  # type: ignore[no-any-return]


BAD_INPUTS: dict[str, Callable[[LocalUser], Awaitable[None]]] = {
    "text": lambda user: user.send("hello?"),
    # Text that mentions a cramp is a cramp message, not bad input: see test_sos_second_pass.py.
    "text-about-the-pain": lambda user: user.send("it still hurts!!"),
    "sticker": lambda user: user.send_sticker(),
    "photo": lambda user: user.send_photo(),
    "voice": lambda user: user.send_voice(),
    "unknown-command": lambda user: user.send("/foo"),
}


# --- Stray input at every step ---------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
@pytest.mark.parametrize("state", STATES)
async def test_bad_input_gets_a_nudge_and_the_step_again(bot: Bot, state: str, kind: str) -> None:
    user = bot.user()
    await walk_to(user, state)
    step = bot.api.last_bot_message(user.chat_id)
    episode = await latest_episode(bot, user)

    await BAD_INPUTS[kind](user)

    nudge = bot.api.last_bot_message(user.chat_id)
    assert nudge.message_id != step.message_id
    assert "tap one of the buttons" in nudge.text.lower()
    assert nudge.text.startswith(common.NUDGE)  # short, and first
    assert nudge.button_labels == step.button_labels
    assert await conversation_state(bot, user) == state
    assert await latest_episode(bot, user) == episode
    assert len(await episodes_of(bot, user)) == 1

    # The step still works: the next correct press moves on.
    label, next_text = NEXT_STEP[state]
    await user.press(label)
    assert next_text in "\n".join(bot_texts(bot.api, user.chat_id)[-2:])
    assert await conversation_state(bot, user) != state


async def test_repeated_bad_input_keeps_nudging(bot: Bot) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)

    for _ in range(3):
        await user.send("??")
        assert last_text(bot.api, user.chat_id).startswith(common.NUDGE)

    assert await conversation_state(bot, user) == sos.MUSCLE


# --- Stale presses ---------------------------------------------------------------------------

# At each step, a button of an earlier step of the same episode (label, text of its message).
EARLIER_BUTTON: dict[str, tuple[str, str]] = {
    sos.MUSCLE: (texts.NO_FLAG_CALF, "Quick check"),
    sos.STRETCH: (texts.MUSCLE_LABELS["calf"], texts.ASK_MUSCLE),
    sos.SALT: (texts.MUSCLE_LABELS["hamstring"], texts.ASK_MUSCLE),
    sos.ACTIVITY: (texts.NOT_YET, "salty"),
    sos.TIME_INTO: (texts.ACTIVITY_LABELS["running"], "What were you doing?"),
    sos.HEAT: (texts.TIME_INTO_LABELS["lt30"], "How far into it"),
    sos.CLOTHING: (texts.YES, "Was it hot?"),
}


@pytest.mark.parametrize("state", list(EARLIER_BUTTON))
async def test_press_from_an_earlier_step_is_answered_and_changes_nothing(
    bot: Bot, state: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    label, in_message = EARLIER_BUTTON[state]
    message, data = find_button(bot.api, user.chat_id, label, in_message=in_message)

    await assert_press_changes_nothing(bot, user, data, message)

    assert await conversation_state(bot, user) == state


@pytest.mark.parametrize("state", STATES)
async def test_press_from_a_previous_episode_is_answered_and_changes_nothing(
    bot: Bot, state: str
) -> None:
    user = bot.user()
    await walk_to_the_end(user)  # episode 1 has a message for every step
    first = await latest_episode(bot, user)
    await walk_to(user, state)
    label, _ = NEXT_STEP[state]
    message, data = find_button(
        bot.api, user.chat_id, label, in_message=STEP_TEXT[state], episode_id=first.id
    )

    await assert_press_changes_nothing(bot, user, data, message)

    assert await conversation_state(bot, user) == state
    assert await latest_episode(bot, user) != first


async def test_press_on_an_ended_flow_is_answered_and_changes_nothing(bot: Bot) -> None:
    user = bot.user()
    await walk_to_the_end(user)
    message, data = find_button(bot.api, user.chat_id, texts.YES, in_message="Was it hot?")

    await assert_press_changes_nothing(bot, user, data, message)


@pytest.mark.parametrize(
    ("state", "label", "sent"),
    [
        (sos.TRIAGE, texts.NO_FLAG_OTHER, texts.ASK_MUSCLE),
        (sos.TRIAGE, texts.NO_FLAG_CALF, texts.STRETCH_HOW["calf"]),
        (sos.MUSCLE, texts.MUSCLE_LABELS["calf"], texts.STRETCH_HOW["calf"]),
    ],
    ids=["none-other", "none-calf", "muscle"],
)
async def test_a_press_twice_on_the_same_button_acts_once(
    bot: Bot, state: str, label: str, sent: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    message, data = find_button(bot.api, user.chat_id, label)
    await user.press_data(data, message)

    await assert_press_changes_nothing(bot, user, data, message)

    assert len([t for t in bot_texts(bot.api, user.chat_id) if sent in t]) == 1


# --- Forged callback data --------------------------------------------------------------------

FORGED = [
    "sos:999999:flag:none",
    "sos:999999:activity:running",
    "garbage",
    "sos:1:flag:../../x",
    "sos:1:flag:" + "n" * 60,  # 71 bytes: more than Telegram ever sends
    "x:1:y:z",
    "sos:-1:flag:none",
    "sos:1:flag:none:extra",
]


@pytest.mark.parametrize("state", [None, sos.TRIAGE, sos.STRETCH, sos.ACTIVITY])
@pytest.mark.parametrize("data", FORGED)
async def test_forged_callback_data_is_answered_and_changes_nothing(
    bot: Bot, state: str | None, data: str
) -> None:
    user = bot.user()
    if state is not None:
        await walk_to(user, state)
    else:
        await user.send("/start")

    await assert_press_changes_nothing(bot, user, data)


@pytest.mark.parametrize("state", [sos.TRIAGE, sos.MUSCLE, sos.STRETCH, sos.ACTIVITY])
async def test_press_on_another_users_episode_is_answered_and_changes_nothing(
    bot: Bot, state: str
) -> None:
    victim, forger = bot.user(1001), bot.user(2002)
    await walk_to(victim, state)
    await walk_to(forger, state)
    theirs = await latest_episode(bot, victim)
    label, _ = NEXT_STEP[state]
    _, data = find_button(bot.api, victim.chat_id, label, episode_id=theirs.id)

    await assert_press_changes_nothing(bot, forger, data)

    assert await latest_episode(bot, victim) == theirs
    assert await conversation_state(bot, victim) == state


# --- An abandoned flow -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [sos.TRIAGE, sos.MUSCLE, sos.STRETCH, sos.ACTIVITY])
async def test_button_press_hours_later_does_not_resume_the_flow(
    bot: Bot, clock: FakeClock, state: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    before = await latest_episode(bot, user)
    sent = len(bot.api.bot_messages(user.chat_id))
    clock.advance(hours=3)

    label, _ = NEXT_STEP[state]
    query_id = await user.press_data(find_button(bot.api, user.chat_id, label)[1])

    assert bot.api.answered_queries[query_id] == common.BUTTON_EXPIRED
    # Nothing resumed: one short word that the cramp began long ago, and the 🆘 keyboard.
    [said] = bot.api.bot_messages(user.chat_id)[sent:]
    if label == texts.NOT_YET:  # hours of "not yet" may be a cramp still going: get advice
        # The country is unknown: the main numbers side by side.
        number = numbers_text(numbers_when_unknown("112"))
        assert said.text == texts.STILL_NOT_EASED_LATE.format(number=number, sos=common.SOS_BUTTON)
    else:
        assert said.text == sos_text(texts.OLD_CRAMP)
    after = await latest_episode(bot, user)
    assert after.id == before.id
    assert (after.context, after.muscle, after.relief_tried, after.activity) == (
        before.context,
        before.muscle,
        before.relief_tried,
        before.activity,
    )
    assert not after.is_open  # an abandoned cramp is closed, not left hanging
    if before.is_open:
        assert after.outcome is Outcome.CANCELLED
    assert await conversation_state(bot, user) is None


async def test_text_hours_later_gets_the_idle_reply_not_the_old_step(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    clock.advance(hours=3)

    await user.send("hello?")

    reply = bot.api.last_bot_message(user.chat_id)
    assert common.NUDGE not in reply.text
    assert "🆘 Cramp" in reply.text
    assert reply.inline_buttons == []
    assert (await latest_episode(bot, user)).outcome is Outcome.CANCELLED
    assert await conversation_state(bot, user) is None


@pytest.mark.parametrize("way", ["/cramp", "🆘 Cramp", "cramping again"])
async def test_a_new_cramp_hours_later_starts_afresh(bot: Bot, clock: FakeClock, way: str) -> None:
    user = bot.user()
    await walk_to(user, sos.MUSCLE)
    clock.advance(hours=3)

    await user.send(way)

    old, new = await episodes_of(bot, user)
    assert old.outcome is Outcome.CANCELLED
    assert new.is_open and new.started_at == clock.now
    assert last_text(bot.api, user.chat_id) == texts.FIRST_AID_AND_SCREEN
    assert await conversation_state(bot, user) == sos.TRIAGE


# --- Group chats -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "link"),
    [
        ("/cramp", "?start=sos"),
        ("/cramp@CrampCoachLocalBot", "?start=sos"),
        ("/start", ""),  # not a cramp: the welcome (tests/test_group_pointers.py)
        ("/help", "?start=help"),
    ],
)
async def test_group_command_points_to_the_private_chat(bot: Bot, command: str, link: str) -> None:
    member = bot.user(2001, chat_id=-100123)

    await member.send(command)

    [pointer] = bot.api.bot_messages(-100123)
    assert "private chat" in pointer.text
    assert pointer.inline_buttons == [
        {"text": common.GROUP_POINTER_BUTTON, "url": f"https://t.me/CrampCoachLocalBot{link}"}
    ]
    assert texts.STOP_INSTRUCTION not in pointer.text
    assert await episodes_of(bot, member) == []
    assert await conversation_state(bot, member) is None
    assert bot.api.bot_messages(2001) == []  # nothing sent to the private chat unasked


async def test_group_text_about_a_cramp_starts_no_flow(bot: Bot) -> None:
    member = bot.user(2001, chat_id=-100123)

    await member.send("my calf is cramping")

    assert bot.api.bot_messages(-100123) == []
    assert await episodes_of(bot, member) == []


async def test_group_pointer_leads_to_the_private_flow(bot: Bot) -> None:
    member = bot.user(2001, chat_id=-100123)
    await member.send("/cramp")
    url = bot.api.last_bot_message(-100123).inline_buttons[0]["url"]

    in_private = bot.user(2001)
    await in_private.send("/start " + url.rsplit("=", 1)[1])

    assert last_text(bot.api, 2001) == texts.FIRST_AID_AND_SCREEN
    assert len(await episodes_of(bot, in_private)) == 1


# --- A failing handler, a failing Bot API ---------------------------------------------------


async def break_table(bot: Bot, table: str, *events: str) -> None:
    """Make every ``events`` (INSERT, UPDATE) on ``table`` fail, as a full disk would."""
    for event in events:
        name = f"broken_{table}_{event.lower()}"
        await break_writes(db_of(bot), name, table, event, "disk I/O error")


async def mend_table(bot: Bot, table: str, *events: str) -> None:
    for event in events:
        await mend(db_of(bot), f"broken_{table}_{event.lower()}", table)


async def test_handler_error_is_logged_without_the_message_and_the_user_gets_a_kind_reply(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.user()
    await break_table(bot, "users", "INSERT")

    with caplog.at_level(logging.DEBUG):
        await user.send("my calf is cramping, I'm at 12 Zephyr Lane")
    await mend_table(bot, "users", "INSERT")

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors, "the error handler logs the failure"
    assert "Zephyr" not in caplog.text
    assert "cramping, I" not in caplog.text
    reply = last_text(bot.api, user.chat_id)
    assert "something went wrong" in reply
    assert "stretch gently" in reply

    await user.send("/cramp")  # and the bot still works
    assert last_text(bot.api, user.chat_id) == texts.FIRST_AID_AND_SCREEN
    assert await conversation_state(bot, user) == sos.TRIAGE


# (step, button, what the next message says, minutes to let pass first). Each step writes to
# the episode, which a broken table makes fail ("Skip these questions" writes nothing).
STEP_AFTER_AN_ERROR = [
    (sos.TRIAGE, texts.NO_FLAG_OTHER, texts.ASK_MUSCLE, 0),
    (sos.TRIAGE, texts.NO_FLAG_CALF, texts.STRETCH_HOW["calf"], 0),
    (sos.TRIAGE, texts.MORE_SIGNS, texts.MORE_SIGNS_QUESTION, 0),
    # (The country unknown: the main numbers, 112 first.)
    (sos.TRIAGE, flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS], "<b>112 – ", 0),
    (sos.MUSCLE, texts.MUSCLE_LABELS["calf"], texts.STRETCH_HOW["calf"], 0),
    (sos.MUSCLE, texts.AT_REST_LABEL, "different kind", 0),
    (sos.STRETCH, texts.NOT_YET, texts.SALT, 0),
    (sos.STRETCH, texts.HAVE_SALT, texts.SALT, 0),
    (sos.STRETCH, texts.EASED, "One last check", 0),
    (sos.STRETCH, texts.NOT_YET, "medical advice", 11),
    (sos.SALT, texts.NOT_YET, texts.REPEAT_STRETCH, 0),
    (sos.SALT, texts.EASED, "One last check", 0),
    (sos.LATE_SIGNS, texts.NONE_OF_THESE, "it eased after", 0),
    (sos.ACTIVITY, texts.ACTIVITY_LABELS["running"], texts.ASK_TIME_INTO, 0),
    (sos.HEAT, texts.YES, texts.ASK_CLOTHING, 0),
    (sos.CLOTHING, texts.NO, "Thanks, noted", 0),
]


@pytest.mark.parametrize(
    ("state", "label", "expected", "minutes"),
    STEP_AFTER_AN_ERROR,
    ids=[f"{state}-{label}-{minutes}" for state, label, _, minutes in STEP_AFTER_AN_ERROR],
)
async def test_handler_error_mid_flow_does_not_wedge_the_conversation(
    bot: Bot, clock: FakeClock, state: str, label: str, expected: str, minutes: int
) -> None:
    user = bot.user()
    await walk_to(user, state)
    message, data = find_button(bot.api, user.chat_id, label)
    clock.advance(minutes=minutes)
    await break_table(bot, "episodes", "INSERT", "UPDATE")

    await user.press_data(data, message)
    assert "something went wrong" in last_text(bot.api, user.chat_id)
    assert not any(expected in text for text in bot_texts(bot.api, user.chat_id))
    assert await conversation_state(bot, user) == state  # undone: the step is where it was

    await mend_table(bot, "episodes", "INSERT", "UPDATE")
    await user.press_data(data, message)  # the athlete taps again: it works now

    assert newest_containing(bot.api, user.chat_id, expected)


async def test_a_reply_telegram_keeps_failing_is_sent_by_the_outbox_once_it_answers(
    bot: Bot, clock: FakeClock
) -> None:
    """The step is recorded and its reply committed: a 5xx on every attempt puts it off, the
    chat's later messages waiting behind it, and it goes out once Telegram answers again."""
    user = bot.user()
    await walk_to(user, sos.TRIAGE)
    bot.api.fail(Fault("sendMessage", 500, "Internal Server Error", times=SEND_ATTEMPTS))

    await user.press(texts.NO_FLAG_OTHER)
    assert texts.ASK_MUSCLE not in last_text(bot.api, user.chat_id)
    assert await conversation_state(bot, user) == sos.MUSCLE

    clock.advance(seconds=2)
    await bot.application.sender.scan()
    await bot.application.settled()
    assert last_text(bot.api, user.chat_id) == texts.ASK_MUSCLE
    await user.press(texts.MUSCLE_LABELS["calf"])
    assert last_text(bot.api, user.chat_id).startswith(texts.STRETCH_HOW["calf"])


async def test_a_group_gets_one_pointer_per_half_minute(bot: Bot, clock: FakeClock) -> None:
    first, second = bot.user(2001, chat_id=-100123), bot.user(2002, chat_id=-100123)

    await first.send("/cramp")
    await second.send("/cramp")  # the pointer above is still there, with its button
    assert len(bot.api.bot_messages(-100123)) == 1

    clock.advance(seconds=31)
    await second.send("/cramp")
    assert len(bot.api.bot_messages(-100123)) == 2
