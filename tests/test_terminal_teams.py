"""The terminal chat plays a coach, athletes and a group: a newcomer tries the team flow without
Telegram. Each test runs ``python -m bot chat`` as a subprocess, offline, and reads its output."""

from __future__ import annotations

import re
from pathlib import Path

from bot.devtools.local_api import BOT_USERNAME
from bot.devtools.terminal import to_terminal
from conversations.texts import dashboard as dashboard_texts
from conversations.texts import team as texts
from tests.test_settings import run_bot

TEAM = "Riverside Runners"


def plain(html_text: str) -> str:
    return to_terminal(html_text, colour=False)


def chat_session(tmp_path: Path, *lines: str) -> str:
    result = run_bot(tmp_path, "chat", stdin="\n".join([*lines, "/quit", ""]))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return result.stdout


def test_start_line_tells_how_to_play_the_coach_and_the_group(tmp_path: Path) -> None:
    out = chat_session(tmp_path)

    assert "/as coach" in out
    assert "/group" in out
    assert "/private" in out
    assert "athlete@private> " in out


def test_coach_makes_a_team_in_the_group_an_athlete_joins_and_the_coach_sees_them(
    tmp_path: Path,
) -> None:
    out = chat_session(
        tmp_path,
        "/as coach",
        "/group",
        "/team",
        "/as athlete",
        "1",  # the Join button: a deep link to the bot
        # Join: share my status ([1] is the 🆘 Cramp key of Alex's chat, from the welcome, and
        # [2] to [8] the first /start's country question)
        "9",
        "/as coach",
        "/private",
        "/roster",
    )

    # The coach adds the bot to the group: it greets once, then /team makes the team.
    assert "coach@group> " in out
    assert out.count(plain(texts.GROUP_GREETING)) == 1
    created = out.index(plain(texts.TEAM_CREATED.format(team=TEAM, coaches="Casey")))
    join_button = re.compile(
        rf"\[1\] {re.escape(texts.JOIN_BUTTON)} → "
        rf"https://t\.me/{BOT_USERNAME}\?start=join_[A-Za-z0-9_-]{{24}}\n"
    )
    assert join_button.search(out, created)
    # The athlete presses it in the group: the consent screen comes in their private chat.
    consent = out.index(plain(texts.CONSENT.format(team=TEAM, coaches="Casey")), created)
    assert "athlete@group> " in out[created:consent]
    assert f"[9] {texts.JOIN_STATUS}" in out[consent:]
    assert f"[10] {texts.JOIN_DETAILS}" in out[consent:]
    assert f"[11] {texts.DECLINE}" in out[consent:]
    joined = out.index(plain(texts.JOINED.format(team=TEAM, level="status")), consent)
    assert "athlete@private> " in out[consent:joined]
    # The coach, back in their private chat, finds the athlete on the roster.
    header = plain(texts.ROSTER_HEADER.format(team=TEAM, count=1, attention=0))
    roster = out.index(header, joined)
    assert "coach@private> " in out[joined:roster]
    assert plain(texts.ROSTER_ON_TRACK.format(name="Alex")) in out[roster:]
    assert f"[picture] {plain(texts.ROSTER_CAPTION.format(team=TEAM))}" in out[roster:]


def test_an_athlete_is_no_admin_of_the_group_and_the_bot_greets_only_once(
    tmp_path: Path,
) -> None:
    out = chat_session(tmp_path, "/group", "/team", "/private", "/group", "/team")

    assert "athlete@group> " in out
    assert out.count(plain(texts.GROUP_GREETING)) == 1
    # The second /team comes within the half minute: the first refusal answers it (issue 15).
    assert out.count(plain(texts.ONLY_ADMINS_CREATE)) == 1
    assert plain(texts.TEAM_CREATED.format(team=TEAM, coaches="Alex")) not in out


def test_a_second_athlete_joins_with_details_and_the_coach_alert_is_shown_marked(
    tmp_path: Path,
) -> None:
    out = chat_session(
        tmp_path,
        "/as coach",
        "/group",
        "/team",
        "/as friend",
        "1",  # the Join button opens Jo's private chat with /start join_...
        "2",  # Join: share details too
        "/cramp",
        "5",  # no warning sign: calf (the consent's [1]-[3] and 🆘 Cramp's [4] stay numbered)
    )

    assert "friend@group> " in out
    assert plain(texts.JOINED.format(team=TEAM, level=texts.LEVEL_NAMES["details"])) in out
    why = ": " + texts.REASONS["new_episode"]
    alert = out.index(plain(texts.ALERT.format(name="Jo", team=TEAM, why=why)))
    # It went to the coach's private chat, not the one on screen: the terminal says whose.
    assert "(to Casey, the coach, in their private chat" in out[alert - 200 : alert]


def test_a_coach_gets_the_dashboard_button_and_its_address(tmp_path: Path) -> None:
    result = run_bot(
        tmp_path,
        "chat",
        # [1] is the 🆘 Cramp key and [2] to [8] the first /start's country question: [9].
        stdin="\n".join(["/as coach", "/group", "/team", "/private", "/dashboard", "9", "/quit"]),
        CRAMPCOACH_PUBLIC_URL="https://bot.example.org",
    )
    out = result.stdout
    assert result.returncode == 0 and "Traceback" not in result.stderr + out

    shown = out.index(plain(dashboard_texts.DASHBOARD))
    button = f"[9] {dashboard_texts.DASHBOARD_BUTTON} → Mini App https://bot.example.org/app/"
    assert button in out[shown:]
    assert "opens a Mini App inside the chat: https://bot.example.org/app/" in out[shown:]
