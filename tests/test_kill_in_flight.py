"""``kill -9`` with fifty taps in flight: every tap is answered, none twice.

``python -m bot`` runs as a real process against the loopback Bot API server. Fifty athletes
are at the red-flag screen; all fifty press "None: something else" at once. The
server holds one of
the replies on the wire (the bot is mid-request, the reply not yet accepted) and the test
kills the bot with SIGKILL right then. By that time every tap has been confirmed to "Telegram"
(the next getUpdates offset moved past it), so nothing will be delivered again: only the inbox
remembers the taps not yet answered. A second process must answer each of them exactly once,
with updates handled concurrently across chats (the default): replies Telegram accepted
before the kill are not sent again (``bot.delivery.reply_log``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.bot_api_server import BotApiServer
from tests.test_end_to_end_polling import TOKEN, api_server  # noqa: F401

ATHLETES = range(6001, 6051)  # fifty
SCREEN = "Stop, but stay on your feet"
NEXT_QUESTION = "Which muscle is cramping?"
KILL_AT_REPLY = 8  # the kill comes while the 8th reply is on the wire


def _start_bot(server: BotApiServer, workdir: Path) -> subprocess.Popen[str]:
    """``python -m bot``; its log goes to a file (a pipe nobody reads would fill and block)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL=server.base_url,
        CRAMPCOACH_DB_PATH=str(workdir / "bot.sqlite3"),
        CRAMPCOACH_LOG_LEVEL="INFO",
    )
    log = (workdir / "bot.log").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=workdir, env=env, stdout=log, stderr=log, text=True
    )


def _wait_until_confirmed(server: BotApiServer, *, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while server.unconfirmed:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.unconfirmed} updates never confirmed")
        time.sleep(0.01)


def _wait_until_logged(workdir: Path, server: BotApiServer, *, timeout: float = 10.0) -> None:
    """Until the bot's reply log holds every reply Telegram accepted (see
    bot.delivery.reply_log)."""
    log = workdir / "bot.sqlite3-replies"
    deadline = time.monotonic() + timeout
    while True:
        accepted = server.count_texts(SCREEN) + server.count_texts(NEXT_QUESTION)
        logged = len(log.read_bytes().splitlines()) if log.exists() else 0
        if logged >= accepted:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{logged} of {accepted} accepted replies logged")
        time.sleep(0.005)


def test_kill_9_with_fifty_taps_in_flight_loses_none_and_repeats_none(
    api_server: BotApiServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    held = api_server.hold_reply(NEXT_QUESTION, KILL_AT_REPLY)
    first = _start_bot(api_server, tmp_path)
    try:
        for athlete in ATHLETES:
            api_server.user_sends(athlete, "/cramp")
        api_server.wait_for_count(SCREEN, len(ATHLETES))

        for athlete in ATHLETES:
            api_server.user_presses(athlete, "✅ None: something else")
        assert held.reached.wait(30), "the bot never got to the 8th reply"
        # Every tap is confirmed to "Telegram" by now: without the inbox they would be lost.
        _wait_until_confirmed(api_server)
        # The instant chosen: one reply on the wire, Telegram's answers to the replies before
        # it read by the bot (on a busy machine they can wait in its socket a while: a kill
        # then is the one window bench.bench_kill measures).
        _wait_until_logged(tmp_path, api_server)
        answered_before_kill = api_server.count_texts(NEXT_QUESTION)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    finally:
        held.released.set()
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=10)
    in_flight = len(ATHLETES) - answered_before_kill
    # Replies go out concurrently across chats: at least those before the held one are out.
    assert answered_before_kill >= KILL_AT_REPLY - 1
    assert in_flight > 0

    second = _start_bot(api_server, tmp_path)
    try:
        api_server.wait_for_count(NEXT_QUESTION, len(ATHLETES))
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop finishes whatever is in hand
        second.communicate(timeout=30)
    assert second.returncode == 0, (tmp_path / "bot.log").read_text()[-3000:]

    answers = {
        athlete: sum(
            1
            for method, params in api_server.sent
            if method == "sendMessage"
            and int(params["chat_id"]) == athlete
            and NEXT_QUESTION in str(params.get("text", ""))
        )
        for athlete in ATHLETES
    }
    lost = [athlete for athlete, count in answers.items() if count == 0]
    twice = [athlete for athlete, count in answers.items() if count > 1]
    assert (lost, twice) == ([], [])
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        (unfinished,) = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
        (kept,) = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()
    assert unfinished == 0
    assert kept == 2 * len(ATHLETES)  # each /cramp and each tap, once
