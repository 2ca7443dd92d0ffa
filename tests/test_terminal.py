"""The terminal chat's own bits: HTML to terminal text, the share-location stand-in, deep
links, the group's members as its fake Bot API tells them, its numbered buttons, and its
database: always its own, never the one CRAMPCOACH_DB_PATH names."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import ChatMember
from telegram.constants import ChatMemberStatus

from bot.devtools.local_api import ChatMessage
from bot.devtools.terminal import (
    ATHLETE,
    COACH,
    FRIEND,
    Button,
    ButtonNumbers,
    TerminalChat,
    _inline,
    _parse_location,
    deep_link_payload,
    group_member,
    to_terminal,
)
from conversations.i18n.current import speaking
from conversations.texts import plan as plan_texts
from conversations.texts import red_flags as flag_labels
from conversations.texts import sos as sos_texts
from rules.red_flags import RedFlag
from storage.db import Database
from tests.conftest import Bot
from tests.plan_helpers import seed_active_plans
from tests.test_settings import clean_env

HOUR = timedelta(hours=1)


def test_location_command_gives_coordinates() -> None:
    assert _parse_location("/location 52.52 13.40") == (52.52, 13.40)


def test_anything_else_is_not_a_location() -> None:
    for line in ("/location", "/location north 13", "location 1 2", "52.52 13.40", "1"):
        assert _parse_location(line) is None


def test_html_becomes_plain_text_without_colour() -> None:
    assert to_terminal("<b>Stop</b> &amp; <i>wait</i>", colour=False) == "Stop & wait"


def test_other_tags_are_dropped_and_escaped_brackets_kept() -> None:
    text = 'send <code>/publish @x</code> <a href="https://t.me/x">here</a> if 1 &lt; 2'
    assert to_terminal(text, colour=False) == "send /publish @x here if 1 < 2"


def test_deep_link_to_this_bot_gives_its_start_payload() -> None:
    bot = "CrampCoachLocalBot"
    assert deep_link_payload(f"https://t.me/{bot}?start=join_abc-_1", bot) == "join_abc-_1"
    assert deep_link_payload(f"https://t.me/{bot.lower()}?start=sos", bot) == "sos"
    assert deep_link_payload(f"https://t.me/{bot}", bot) == ""
    assert deep_link_payload("https://t.me/OtherBot?start=join_x", bot) is None
    assert deep_link_payload(f"https://example.com/{bot}?start=join_x", bot) is None


def test_the_coach_is_an_admin_of_the_group_and_the_others_are_members() -> None:
    bot_user = {"id": 99, "is_bot": True, "first_name": "Bot", "username": "B"}

    def status(user_id: int) -> str:
        member = ChatMember.de_json(group_member(user_id, bot_user), None)
        assert member is not None
        return member.status

    assert status(COACH.user_id) == ChatMemberStatus.ADMINISTRATOR
    assert status(ATHLETE.user_id) == ChatMemberStatus.MEMBER
    assert status(FRIEND.user_id) == ChatMemberStatus.MEMBER
    assert status(99) == ChatMemberStatus.MEMBER
    assert status(12345) == ChatMemberStatus.LEFT


# --- Numbered buttons: every button still on a recent message, numbers kept (issue 15) -------


def numbered(out: str, label: str) -> int:
    """The number the terminal printed for ``label`` (the last time it printed it)."""
    found = re.findall(rf"\[(\d+)\] {re.escape(label)}", out)
    assert found, f"{label!r} was not numbered"
    return int(found[-1])


async def test_a_plan_offer_with_newer_messages_below_it_can_still_be_pressed(
    bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = TerminalChat(bot.api, colour=False, application=bot.application)
    await terminal.act("/cramp")
    await terminal.act(str(numbered(capsys.readouterr().out, sos_texts.NO_FLAG_CALF)))
    await terminal.act(str(numbered(capsys.readouterr().out, sos_texts.EASED)))
    await terminal.act(str(numbered(capsys.readouterr().out, sos_texts.NONE_OF_THESE)))
    await terminal.act(str(numbered(capsys.readouterr().out, sos_texts.SKIP_ALL)))
    offer = numbered(capsys.readouterr().out, plan_texts.OFFER_BUTTON)
    await terminal.act("/help")  # a newer message below the offer
    # The offer's button kept its number, shown on the line for the older message.
    assert f"[{offer}]" in capsys.readouterr().out

    await terminal.act(str(offer))

    assert bot.api.last_bot_message(terminal.chat_id).text == plan_texts.ASK_TIME


async def test_buttons_lists_older_buttons_with_their_labels(
    bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = TerminalChat(bot.api, colour=False, application=bot.application)
    await terminal.act("/cramp")
    first_screen = capsys.readouterr().out
    chest = numbered(first_screen, flag_labels.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS])
    await terminal.act(str(numbered(first_screen, sos_texts.NO_FLAG_OTHER)))
    capsys.readouterr()

    await terminal.act("/buttons")

    listed = capsys.readouterr().out
    assert numbered(listed, flag_labels.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS]) == chest
    assert numbered(listed, sos_texts.MUSCLE_LABELS["calf"]) > chest


async def test_a_warning_sign_on_the_first_screen_is_pressed_by_its_number_later(
    bot: Bot, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = TerminalChat(bot.api, colour=False, application=bot.application)
    await terminal.act("/cramp")
    first_screen = capsys.readouterr().out
    await terminal.act(str(numbered(first_screen, sos_texts.NO_FLAG_OTHER)))

    await terminal.act(
        str(numbered(first_screen, flag_labels.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS]))
    )

    # The chest-pain guidance; the country is unknown, so the main numbers side by side.
    assert "\n\n<b>112 – " in bot.api.last_bot_message(terminal.chat_id).text


def _message(message_id: int, *labels: str) -> ChatMessage:
    markup = {"inline_keyboard": [[{"text": t, "callback_data": t}] for t in labels]}
    return ChatMessage(1, message_id, "text", markup, from_bot=True, date=0)


def test_numbers_stay_with_their_buttons_and_free_ones_are_given_again() -> None:
    numbers = ButtonNumbers()
    first, second = _message(1, "a", "b"), _message(2, "c")
    sos = Button("🆘 Cramp")

    numbers.update([sos])
    numbers.update([*_inline(first), sos])
    numbers.update([*_inline(first), *_inline(second), sos])
    assert {n: b.label for n, b in numbers.by_number.items()} == {
        1: "🆘 Cramp",
        2: "a",
        3: "b",
        4: "c",
    }

    first.reply_markup = None  # an edit removed its keyboard: 2 and 3 are free again
    third = _message(3, "d", "e", "f")
    numbers.update([*_inline(second), *_inline(third), sos])
    assert {n: b.label for n, b in numbers.by_number.items()} == {
        1: "🆘 Cramp",
        4: "c",
        2: "d",
        3: "e",
        5: "f",
    }


# --- The terminal chat never touches a bot's database (issue: the operator's tools) ----------


async def _a_bot_database_with_a_due_checkin(path: Path, athlete: int) -> None:
    db = Database(path)
    await db.open()
    try:
        now = datetime.now(UTC)
        await seed_active_plans(db, [athlete], now=now - timedelta(days=2), due=now - HOUR)
    finally:
        await db.close()


def test_chat_with_crampcoach_db_path_set_leaves_that_database_alone(tmp_path: Path) -> None:
    """A real athlete's check-in is due in the bot's database named by CRAMPCOACH_DB_PATH. The
    terminal chat runs past its scheduler's first tick (1 s) and leaves: the bot's database is
    byte for byte as it was, no -wal or lock file beside it, the check-in unclaimed, nothing
    printed for the athlete; the chat's own database is gone with it."""
    athlete = 4242
    db = tmp_path / "bot" / "crampcoach.sqlite3"
    db.parent.mkdir()
    asyncio.run(_a_bot_database_with_a_due_checkin(db, athlete))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    temporary, work = tmp_path / "tmp", tmp_path / "work"
    temporary.mkdir()
    work.mkdir()
    env = clean_env(CRAMPCOACH_DB_PATH=str(db), TMPDIR=str(temporary))
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        cwd=work,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert chat.stdin is not None
    chat.stdin.write("/help\n")
    chat.stdin.flush()
    time.sleep(3)  # the scheduler ticks 1 s after the start
    out, err = chat.communicate("/quit\n", timeout=60)

    assert chat.returncode == 0, err
    assert "Traceback" not in out + err
    assert f"CRAMPCOACH_DB_PATH={db} is not used" in out
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["crampcoach.sqlite3"]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM checkins").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)
    assert f"(in chat {athlete})" not in out
    assert list(temporary.iterdir()) == [] and list(work.iterdir()) == []


def test_lang_plays_an_app_in_another_language(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "de"],
        cwd=tmp_path,
        env=clean_env(),
        input="/cramp\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    with speaking("de"):
        first_line = to_terminal(sos_texts.FIRST_AID_AND_SCREEN, colour=False).splitlines()[0]
    assert first_line in result.stdout
