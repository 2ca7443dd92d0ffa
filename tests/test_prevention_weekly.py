"""The prevention programme's weekly check-in, through the real Application and the fake Bot
API: it comes on Sunday at the session time, once, with the week's sessions done counted by the
bot; two taps answer it (cramps, then training), stored once; bad input gets a kind reply and
the buttons again; a restart never sends it twice; a paused programme gets none.

Programmes are made through the store (the set-up is another flow's): active, Monday and
Thursday at 08:00 in Berlin. The clock starts on Saturday 20 March 2027, 17:00 UTC; the first
weekly check-in is Sunday 21 March at 08:00 Berlin (07:00 UTC), for the week of Monday 15 March.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.scheduler import CLAIM_LEASE
from conversations.prevention import weekly
from conversations.texts import common
from conversations.texts import prevention as texts
from storage import prevention
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import db_of, tick_at
from tests.prevention_helpers import SUNDAY_CHECKIN, USER, make_programme

NEXT_SUNDAY = datetime(2027, 3, 28, 6, 0, tzinfo=UTC)  # 08:00 in Berlin, summer time
WEEK_OF = date(2027, 3, 15)
TRAINING_LABELS = list(texts.TRAINING_LABELS.values())


def week_prompts(bot: Bot) -> list[str]:
    return [m.text for m in bot.api.bot_messages(USER) if "Any cramps this week?" in m.text]


def sent_prompts(bot: Bot) -> list[str]:
    """Every weekly check-in sent (an answered one's message is edited since)."""
    return [
        call.params["text"]
        for call in bot.api.calls_of("sendMessage")
        if "Any cramps this week?" in call.params.get("text", "")
    ]


async def weeks(bot: Bot) -> list[prevention.Week]:
    return await prevention.weeks_of(db_of(bot), USER)


async def test_the_weekly_checkin_comes_once_on_sunday_and_takes_two_taps(
    bot: Bot, clock: FakeClock
) -> None:
    # Two done this week (Monday and Thursday), one skipped; one done the week before.
    done = (date(2027, 3, 11), date(2027, 3, 15), date(2027, 3, 18))
    await make_programme(db_of(bot), clock.now, done=done)
    await tick_at(bot, clock, SUNDAY_CHECKIN - timedelta(minutes=1))
    assert week_prompts(bot) == []

    await tick_at(bot, clock, SUNDAY_CHECKIN)
    await tick_at(bot, clock, SUNDAY_CHECKIN + timedelta(hours=1))
    assert week_prompts(bot) == [texts.WEEK_ASK_CRAMPS.format(done=2, planned=2)]
    message = bot.api.last_bot_message(USER)
    assert message.button_labels == [texts.YES, texts.NO]
    [week] = await weeks(bot)
    assert (week.week_start, week.sent_at, week.answered_at) == (WEEK_OF, SUNDAY_CHECKIN, None)
    programme = await prevention.programme_of(db_of(bot), USER)
    assert programme is not None and programme.next_week_at == NEXT_SUNDAY

    user = bot.user(USER)
    await user.press(texts.NO)
    # One message: the cramp question becomes the training question.
    message = bot.api.last_bot_message(USER)
    assert message.text == texts.WEEK_ASK_TRAINING
    assert message.button_labels == TRAINING_LABELS
    await user.press(texts.TRAINING_LABELS["well"])
    assert bot.api.last_bot_message(USER).text == texts.WEEK_THANKS
    [week] = await weeks(bot)
    assert (week.cramps, week.training, week.sessions_done) == (False, "well", 2)
    assert week.answered_at is not None

    # Stored once: an old button changes nothing.
    await user.press_data(weekly.TRAINING_BUTTONS.data(week.id, "pain"))
    answers = bot.api.calls_of("answerCallbackQuery")
    assert answers[-1].params.get("text") == common.ALREADY_ANSWERED
    assert (await weeks(bot))[0].training == "well"

    # The next one comes a week later (summer time by then: 08:00 Berlin is 06:00 UTC).
    await tick_at(bot, clock, NEXT_SUNDAY)
    assert week_prompts(bot) == [texts.WEEK_ASK_CRAMPS.format(done=0, planned=2)]
    assert len(sent_prompts(bot)) == 2
    assert [w.week_start for w in await weeks(bot)] == [WEEK_OF, date(2027, 3, 22)]


async def test_cramps_and_pain_get_their_note(bot: Bot, clock: FakeClock) -> None:
    await make_programme(db_of(bot), clock.now)
    await tick_at(bot, clock, SUNDAY_CHECKIN)
    assert week_prompts(bot) == [texts.WEEK_ASK_CRAMPS.format(done=0, planned=2)]
    user = bot.user(USER)
    await user.press(texts.YES)
    await user.press(texts.TRAINING_LABELS["pain"])
    assert bot.api.last_bot_message(USER).text == f"{texts.WEEK_PAIN}\n{texts.WEEK_CRAMP_NOTE}"
    [week] = await weeks(bot)
    assert (week.cramps, week.training, week.sessions_done) == (True, "pain", 0)


async def test_bad_input_gets_a_kind_reply_and_the_buttons_again(
    bot: Bot, clock: FakeClock
) -> None:
    await make_programme(db_of(bot), clock.now, done=(date(2027, 3, 15),))
    await tick_at(bot, clock, SUNDAY_CHECKIN)
    user = bot.user(USER)
    question = texts.WEEK_ASK_CRAMPS.format(done=1, planned=2)

    await user.send("it was fine I think")
    reply = bot.api.last_bot_message(USER)
    assert reply.text == f"{texts.USE_THE_BUTTONS}\n\n{question}"
    assert reply.button_labels == [texts.YES, texts.NO]

    # The training buttons before the cramp question is answered (forged): nothing stored.
    [week] = await weeks(bot)
    await user.press_data(weekly.TRAINING_BUTTONS.data(week.id, "well"))
    assert bot.api.calls_of("answerCallbackQuery")[-1].params.get("text") == common.BUTTON_EXPIRED
    # Someone else's week, or data we never built: refused.
    await user.press_data(weekly.CRAMP_BUTTONS.data(week.id + 1000, "no"))
    await user.press_data("pweek:1:cramps:maybe")
    assert (await weeks(bot))[0].cramps is None

    await user.press(texts.NO)
    await user.send("👍")
    reply = bot.api.last_bot_message(USER)
    assert reply.text == f"{texts.USE_THE_BUTTONS}\n\n{texts.WEEK_ASK_TRAINING}"
    assert reply.button_labels == TRAINING_LABELS
    # The cramp answer again (its old button): already answered, not changed.
    await user.press_data(weekly.CRAMP_BUTTONS.data(week.id, "yes"))
    assert (await weeks(bot))[0].cramps is False
    await user.press(texts.TRAINING_LABELS["hard"])
    assert bot.api.last_bot_message(USER).text == texts.WEEK_THANKS
    # Answered: typed text is no longer taken for it.
    before = len(bot.api.bot_messages(USER))
    await user.send("hello")
    assert all(texts.USE_THE_BUTTONS not in m.text for m in bot.api.bot_messages(USER)[before:])


async def test_a_claim_whose_unit_never_committed_is_sent_once_after_a_restart(
    start_bot: Callable[..., Any], clock: FakeClock
) -> None:
    first: Bot = await start_bot()
    db = db_of(first)
    await make_programme(db, clock.now)
    clock.now = SUNDAY_CHECKIN
    # A tick claimed the check-in, then the worker died before its unit committed.
    claimed = await prevention.claim_due_weeks(
        db, clock.now, 10, lambda programme: weekly.week_slot(programme, clock.now)
    )
    assert len(claimed) == 1
    second: Bot = await start_bot(api=first.api)
    await tick_at(second, clock, SUNDAY_CHECKIN + timedelta(seconds=20))
    assert week_prompts(second) == []  # the lease has not run out: it may still be in flight
    await tick_at(second, clock, SUNDAY_CHECKIN + CLAIM_LEASE + timedelta(seconds=1))
    await tick_at(second, clock, SUNDAY_CHECKIN + CLAIM_LEASE + timedelta(minutes=5))
    third: Bot = await start_bot(api=first.api)
    await tick_at(third, clock, SUNDAY_CHECKIN + timedelta(hours=2))
    assert len(sent_prompts(third)) == 1
    [week] = await weeks(third)
    assert week.sent_at is not None


async def test_a_paused_or_stopped_programme_gets_no_checkin(bot: Bot, clock: FakeClock) -> None:
    await make_programme(db_of(bot), clock.now)
    await prevention.pause(db_of(bot), USER, clock.now)
    await tick_at(bot, clock, SUNDAY_CHECKIN)
    await tick_at(bot, clock, NEXT_SUNDAY)
    assert week_prompts(bot) == []
    assert await weeks(bot) == []


async def test_after_downtime_the_checkin_is_for_the_week_it_was_due(
    bot: Bot, clock: FakeClock
) -> None:
    await make_programme(db_of(bot), clock.now, done=(date(2027, 3, 15),))
    # The bot was down from Sunday morning to Tuesday: the check-in is the week of 15 March's.
    await tick_at(bot, clock, SUNDAY_CHECKIN + timedelta(days=2))
    assert week_prompts(bot) == [texts.WEEK_ASK_CRAMPS.format(done=1, planned=2)]
    [week] = await weeks(bot)
    assert week.week_start == WEEK_OF
    programme = await prevention.programme_of(db_of(bot), USER)
    assert programme is not None and programme.next_week_at == NEXT_SUNDAY
