"""The terminal chat's ``/wait``: the chat's clock moves forward and the scheduler runs on the
way, so a plan's check-ins and the prevention programme's weekly check-in can be walked to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.devtools.terminal import MovableClock, TerminalChat, parse_wait
from conversations.texts import plan as plan_texts
from conversations.texts import prevention as prevention_texts
from tests.conftest import Bot, FakeClock
from tests.plan_helpers import ASK_YESTERDAY, PAIN_QUESTION, checkin_prompts, db_of, start_plan
from tests.prevention_helpers import make_programme_for


def test_wait_lengths() -> None:
    assert parse_wait("2d") == timedelta(days=2)
    assert parse_wait(" 3H ") == timedelta(hours=3)
    assert parse_wait("30m") == timedelta(minutes=30)
    for text in ("", "2", "d", "2 days", "-1d", "0h", "61d", "1.5h", "tomorrow"):
        assert parse_wait(text) is None, text


def test_the_movable_clock_moves() -> None:
    clock = MovableClock()
    before = clock()
    clock.advance(timedelta(days=2))
    assert clock() - before >= timedelta(days=2)


def _terminal(bot: Bot, clock: FakeClock) -> TerminalChat:
    def advance(length: timedelta) -> None:
        clock.advance(seconds=length.total_seconds())

    return TerminalChat(bot.api, colour=False, application=bot.application, advance=advance)


async def test_wait_brings_the_next_checkins(
    bot: Bot, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _terminal(bot, clock)
    await start_plan(terminal.user())  # Saturday 18:00 in Berlin; check-ins at 08:00
    start = clock.now
    capsys.readouterr()

    await terminal.act("/wait 15h")

    assert clock.now == start + timedelta(hours=15)
    out = capsys.readouterr().out
    assert PAIN_QUESTION.strip().split("\n")[0][:20] in out
    assert "The clock is now Sun 21 Mar 2027, 08:00 UTC" in out
    assert len(checkin_prompts(bot.api, terminal.chat_id)) == 1
    await terminal.act("/wait 2d")
    out = capsys.readouterr().out
    assert "Day 2 check-in" in out and "Day 3 check-in" in out  # one a day, none skipped


async def test_wait_walks_to_the_weekly_checkin(
    bot: Bot, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _terminal(bot, clock)
    await make_programme_for(db_of(bot), terminal.chat_id, clock.now)
    await terminal.act("/wait 1d")
    assert "Any cramps this week?" in capsys.readouterr().out
    assert bot.api.last_bot_message(terminal.chat_id).button_labels == [
        prevention_texts.YES,
        prevention_texts.NO,
    ]


async def test_a_bad_wait_says_how_and_moves_nothing(
    bot: Bot, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _terminal(bot, clock)
    start = clock.now
    for line in ("/wait", "/wait forever", "/wait 90d"):
        await terminal.act(line)
        assert "/wait 2d, /wait 3h or /wait 30m" in capsys.readouterr().out
    assert clock.now == start
    # Without a clock to move (a chat built without one), it says so too.
    still = TerminalChat(bot.api, colour=False, application=bot.application)
    await still.act("/wait 2d")
    assert "/wait 2d" in capsys.readouterr().out
    assert clock.now == start


async def test_the_terminal_walks_the_whole_programme(
    bot: Bot, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reviewer's walk, typed as in `python -m bot chat`: the plan's fourteen check-ins
    (`/wait`, then numbered buttons), the offer at its end, the days and time, a session and
    its answer."""
    terminal = _terminal(bot, clock)

    async def tap(label: str) -> None:
        numbers = [n for n, button in terminal.buttons.items() if button.label == label]
        assert numbers, f"no button {label!r} in {terminal.buttons}"
        await terminal.act(str(max(numbers)))  # the newest message's button

    await start_plan(terminal.user())  # Saturday 18:00 in Berlin; check-ins at 08:00
    await terminal.act("/wait 14h")
    for day in range(14):
        if day:
            await terminal.act("/wait 1d")
        await tap("1")
        if ASK_YESTERDAY in bot.api.last_bot_message(terminal.chat_id).text:
            await tap("Comfortable")
        await tap(plan_texts.NO_WARNING)
    out = capsys.readouterr().out
    assert prevention_texts.FINISHED_OFFER in out

    await tap(prevention_texts.OFFER_BUTTON)
    await tap("Mon")
    await tap("Thu")
    await tap(prevention_texts.DAYS_DONE_BUTTON)
    await tap("18:00")
    assert "You're set:" in capsys.readouterr().out
    await terminal.act("/wait 2d")  # Saturday 08:00 → Monday 08:00; the session at 18:00
    await terminal.act("/wait 11h")
    assert "Strength session: level 1 of 6" in capsys.readouterr().out
    await tap(prevention_texts.SESSION_LABELS["done"])
    assert prevention_texts.KEEP_GOING in capsys.readouterr().out
