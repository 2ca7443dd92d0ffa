"""``kill -9`` at random instants with fifty taps in flight: every tap answered, duplicates
only where the outbox's crash policy allows them.

``python -m bot`` runs as a real process against the loopback Bot API server. Fifty athletes
are at the red-flag screen; all fifty press "None: something else" at once, and the bot is
killed with SIGKILL a random moment later. Each tap is then in one of three places: answered
(its unit of work committed and its reply sent), committed but not yet sent (its reply waits in
the outbox), or not committed (the update waits in the inbox, to be handled again). A second
process must answer every tap. A reply may arrive twice only if it was in flight at the kill:
its outbox row claimed and no result recorded (``bot.delivery.outbox``: a reply is sent again
rather than risk a missing one). ``bench.bench_kill`` runs the same with more kills.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot_api_server import BotApiServer
from tests.test_end_to_end_polling import TOKEN

ATHLETES = range(6001, 6051)  # fifty
SCREEN = "Stop, but stay on your feet"
NEXT_QUESTION = "Which muscle is cramping?"
KILLS = 3  # random instants, one bot (and one database) each


def start_bot(server: BotApiServer, workdir: Path) -> subprocess.Popen[str]:
    """``python -m bot``; its log goes to a file (a pipe nobody reads would fill and block)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL=server.base_url,
        CRAMPCOACH_WEATHER_URL="none",  # offline: no forecast service
        CRAMPCOACH_DB_PATH=str(workdir / "bot.sqlite3"),
        CRAMPCOACH_LOG_LEVEL="INFO",
    )
    log = (workdir / "bot.log").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=workdir, env=env, stdout=log, stderr=log, text=True
    )


@dataclass(frozen=True)
class KillRun:
    """What one kill left and what the next start made of it."""

    answered_before: int  # taps answered when the bot was killed
    in_flight: frozenset[int]  # chats whose reply was on its way (claimed, no result)
    lost: tuple[int, ...]  # taps never answered
    twice: tuple[int, ...]  # taps answered more than once
    inbox_left: int  # inbox rows still unfinished at the end

    @property
    def within_policy(self) -> bool:
        return not self.lost and set(self.twice) <= self.in_flight and not self.inbox_left


def one_run(server: BotApiServer, workdir: Path, delay: float) -> KillRun:
    first = start_bot(server, workdir)
    try:
        for athlete in ATHLETES:
            server.user_sends(athlete, "/cramp")
        server.wait_for_count(SCREEN, len(ATHLETES))
        for athlete in ATHLETES:
            server.user_presses(athlete, "✅ None: something else")
        time.sleep(delay)
        answered_before = server.count_texts(NEXT_QUESTION)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    with sqlite3.connect(workdir / "bot.sqlite3") as conn:
        in_flight = frozenset(
            int(chat)
            for (chat,) in conn.execute(
                "SELECT chat_id FROM outbox WHERE claimed_at IS NOT NULL AND outcome IS NULL"
            )
        )
    second = start_bot(server, workdir)
    try:
        server.wait_for_count(NEXT_QUESTION, len(ATHLETES), timeout=30)
        _wait_until_all_sent(workdir)
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop finishes whatever is in hand
        second.wait(30)
    answers = {
        athlete: sum(
            1
            for method, params in server.sent
            if method == "sendMessage"
            and str(params.get("chat_id")) == str(athlete)  # (a request cut by the kill: none)
            and NEXT_QUESTION in str(params.get("text", ""))
        )
        for athlete in ATHLETES
    }
    with sqlite3.connect(workdir / "bot.sqlite3") as conn:
        (left,) = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
    return KillRun(
        answered_before=answered_before,
        in_flight=in_flight,
        lost=tuple(a for a, n in answers.items() if n == 0),
        twice=tuple(a for a, n in answers.items() if n > 1),
        inbox_left=int(left),
    )


def _wait_until_all_sent(workdir: Path, *, timeout: float = 30.0) -> None:
    """Until the restarted bot has handled every update and sent (or settled) every message:
    what it would send again after the kill is sent by then."""
    deadline = time.monotonic() + timeout
    with sqlite3.connect(workdir / "bot.sqlite3") as conn:
        while True:
            (left,) = conn.execute(
                "SELECT (SELECT COUNT(*) FROM inbox WHERE done_at IS NULL) "
                "+ (SELECT COUNT(*) FROM outbox WHERE outcome IS NULL)"
            ).fetchone()
            if not left:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{left} updates or messages never finished")
            time.sleep(0.02)


@pytest.mark.parametrize("seed", range(KILLS))
def test_kill_9_at_a_random_instant_with_fifty_taps_in_flight(seed: int, tmp_path: Path) -> None:
    delay = random.Random(seed).uniform(0.0, 0.6)  # the fifty take about that long here
    server = BotApiServer(TOKEN)
    server.start()
    try:
        run = one_run(server, tmp_path, delay)
    finally:
        server.stop()
    log = (tmp_path / "bot.log").read_text()[-3000:]
    assert run.lost == (), log
    assert set(run.twice) <= run.in_flight, log  # only replies on their way at the kill
    assert run.inbox_left == 0
