"""``python -m bot`` in webhook mode, for real: SIGTERM in the middle of a burst loses nothing.

The bot runs as its own process; the loopback Bot API server (``tests/bot_api_server.py``)
stands in for Telegram's Bot API, and the test posts updates to the bot's webhook as Telegram
would, delivering again whatever was not answered 200 (Telegram retries those).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.web.webhook import SECRET_HEADER
from tests.bot_api_server import BotApiServer
from tests.test_end_to_end_polling import TOKEN
from tests.test_webhook import free_port

REPO = Path(__file__).resolve().parent.parent
SECRET = "e2e_Webhook-secret_0123456789"
URL = "https://bot.example.org/telegram"
SCREEN = "Stop, but stay on your feet"


@pytest.fixture
def api_server() -> Iterator[BotApiServer]:
    server = BotApiServer(TOKEN)
    server.start()
    yield server
    server.stop()


class BotProcess:
    """``python -m bot`` in webhook mode; its log goes to a file (an unread pipe would fill)."""

    def __init__(
        self, server: BotApiServer, workdir: Path, *, grace: float, mode: str = "webhook"
    ) -> None:
        self.server = server
        self.workdir = workdir
        self.grace = grace
        self.mode = mode
        self.port = free_port()
        self.health_port = free_port()
        self.log = workdir / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
        env.update(
            PYTHONPATH=str(REPO),  # this checkout's code, whatever the venv has installed
            CRAMPCOACH_TOKEN=TOKEN,
            CRAMPCOACH_API_BASE_URL=self.server.base_url,
            CRAMPCOACH_WEATHER_URL="none",  # offline: no forecast service
            CRAMPCOACH_DB_PATH=str(self.workdir / "bot.sqlite3"),
            CRAMPCOACH_LOG_LEVEL="DEBUG",  # the secret must stay out even at DEBUG
            CRAMPCOACH_MODE=self.mode,
            CRAMPCOACH_WEBHOOK_URL=URL,
            CRAMPCOACH_WEBHOOK_SECRET=SECRET,
            CRAMPCOACH_WEBHOOK_LISTEN="127.0.0.1",
            CRAMPCOACH_WEBHOOK_PORT=str(self.port),
            CRAMPCOACH_HEALTH_PORT=str(self.health_port),
            CRAMPCOACH_SHUTDOWN_GRACE=str(self.grace),
        )
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait:
            return
        ready = "setWebhook" if self.mode == "webhook" else "deleteWebhook"
        sets = self.server.count_calls(ready)
        deadline = time.monotonic() + 30
        while self.server.count_calls(ready) == sets or not self.healthy():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the bot never got ready"
            time.sleep(0.05)

    def healthy(self) -> bool:
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    def post(self, update: dict[str, Any]) -> int | None:
        """Deliver one update as Telegram does: the status, or None if nobody answered."""
        try:
            answer = httpx.post(
                f"http://127.0.0.1:{self.port}/telegram",
                json=update,
                headers={SECRET_HEADER: SECRET},
                timeout=10,
            )
        except httpx.TransportError:
            return None
        return answer.status_code

    def terminate(self) -> float:
        """SIGTERM; wait for the exit; return how long it took."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=self.grace + 20)
        return time.monotonic() - began


def answers(server: BotApiServer, chat_id: int) -> int:
    return sum(
        1
        for method, params in list(server.sent)
        if method == "sendMessage"
        and int(params["chat_id"]) == chat_id
        and SCREEN in str(params.get("text", ""))
    )


def unfinished_and_kept(workdir: Path) -> tuple[int, int]:
    with sqlite3.connect(workdir / "bot.sqlite3") as conn:
        (unfinished,) = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
        (kept,) = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()
    return int(unfinished), int(kept)


def deliver_until_taken(bot: BotProcess, updates: list[dict[str, Any]]) -> None:
    """Telegram delivers again what was not answered 200."""
    deadline = time.monotonic() + 30
    for update in updates:
        while bot.post(update) != 200:
            assert time.monotonic() < deadline, "an update was never taken"
            time.sleep(0.1)


def test_sigterm_in_a_burst_exits_0_within_the_grace_and_every_update_is_answered_once(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    athletes = list(range(7001, 7061))  # sixty
    api_server.send_delay = 0.5  # each reply half a second on the wire: updates stay in hand
    bot = BotProcess(api_server, tmp_path, grace=10)
    bot.start()
    webhook = [params for method, params in api_server.sent if method == "setWebhook"][-1]
    assert webhook["url"] == URL and webhook["secret_token"] == SECRET
    assert webhook["drop_pending_updates"] is False
    assert set(webhook["allowed_updates"]) >= {"message", "callback_query"}

    updates = [api_server.message_update(athlete, "/cramp") for athlete in athletes]
    statuses: dict[int, int | None] = {}
    taken = threading.Semaphore(0)

    def deliver(update: dict[str, Any]) -> None:
        statuses[update["update_id"]] = bot.post(update)
        taken.release()

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(deliver, update) for update in updates]
        for _ in range(20):
            taken.acquire(timeout=30)
        answered_at_term = sum(answers(api_server, athlete) for athlete in athletes)
        took = bot.terminate()  # while the burst goes on
        for future in futures:
            future.result()
    assert bot.process is not None and bot.process.returncode == 0, bot.log.read_text()[-3000:]
    assert took < bot.grace, bot.log.read_text()[-5000:]

    delivered = [u for u in updates if statuses[u["update_id"]] == 200]
    refused = [u for u in updates if statuses[u["update_id"]] != 200]
    assert answered_at_term < len(delivered)  # replies were on the wire at the SIGTERM
    assert refused, "the burst ended before the stop"
    # Taken before the stop: finished within the grace, answered once.
    assert [answers(api_server, u["message"]["chat"]["id"]) for u in delivered] == [1] * len(
        delivered
    )
    assert set(statuses[u["update_id"]] for u in refused) <= {503, None}

    api_server.send_delay = 0.0
    restarted = BotProcess(api_server, tmp_path, grace=10)
    restarted.start()
    try:
        deliver_until_taken(restarted, refused)
        api_server.wait_for_count(SCREEN, len(athletes))
    finally:
        restarted.terminate()

    assert [answers(api_server, athlete) for athlete in athletes] == [1] * len(athletes)
    assert restarted.process is not None and restarted.process.returncode == 0
    assert unfinished_and_kept(tmp_path) == (0, len(athletes))
    log = bot.log.read_text()
    assert SECRET not in log and TOKEN.split(":")[1] not in log


def test_a_reply_not_sent_within_the_grace_is_sent_once_after_the_restart(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    held = api_server.hold_reply(SCREEN, 1)  # the first /cramp's reply never gets through
    bot = BotProcess(api_server, tmp_path, grace=1)
    bot.start()
    stuck, quick = (
        api_server.message_update(7101, "/cramp"),
        api_server.message_update(7102, "/cramp"),
    )
    try:
        assert bot.post(stuck) == 200
        assert held.reached.wait(15)
        assert bot.post(quick) == 200
        api_server.wait_for_text(SCREEN)

        took = bot.terminate()
    finally:
        held.released.set()  # dropped: the bot gave up on it
    assert bot.process is not None and bot.process.returncode == 0
    assert took < bot.grace + 3  # the grace, not the stuck request, sets the stop's length
    # The update was handled and committed; its reply, stuck on the wire, waits in the outbox.
    assert "not sent within the grace" in bot.log.read_text()
    assert unfinished_and_kept(tmp_path) == (0, 2)

    restarted = BotProcess(api_server, tmp_path, grace=10)
    restarted.start()
    try:
        api_server.wait_for_count(SCREEN, 2)
    finally:
        restarted.terminate()
    assert (answers(api_server, 7101), answers(api_server, 7102)) == (1, 1)
    assert unfinished_and_kept(tmp_path) == (0, 2)


def test_polling_serves_health_and_metrics_too(api_server: BotApiServer, tmp_path: Path) -> None:
    bot = BotProcess(api_server, tmp_path, grace=10, mode="polling")
    bot.start()
    try:
        api_server.user_sends(7201, "/cramp")
        api_server.wait_for_text(SCREEN)
        metrics = httpx.get(f"http://127.0.0.1:{bot.health_port}/metrics", timeout=5)
        health = httpx.get(f"http://127.0.0.1:{bot.health_port}/healthz", timeout=5)
    finally:
        took = bot.terminate()
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(metrics.text)
        for sample in family.samples
    }
    assert samples["crampcoach_messages_sent_total"] >= 1
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert bot.process is not None and bot.process.returncode == 0
    assert took < bot.grace
    lines = bot.log.read_text().splitlines()
    assert [line for line in lines if "Health:" in line and " DEBUG " not in line] == []


def test_a_webhook_port_already_taken_exits_1_with_one_line(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    bot = BotProcess(api_server, tmp_path, grace=10)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", bot.port))
        taken.listen()
        bot.start(wait=False)
        assert bot.process is not None
        bot.process.wait(timeout=30)

    assert bot.process.returncode == 1  # systemd tries again: the old process may be stopping
    last = bot.log.read_text().strip().splitlines()[-1]
    assert last.startswith(f"crampcoach: cannot listen on 127.0.0.1:{bot.port} (")
    assert "CRAMPCOACH_WEBHOOK_PORT" in last and "Traceback" not in bot.log.read_text()
