"""``python -m bot`` for real: long polling against a Bot API-compatible server on loopback.

The bot runs as its own process with a token and ``CRAMPCOACH_API_BASE_URL`` pointing at
:class:`BotApiServer`. The test kills it with SIGKILL between two steps and starts it again:
the next button press carries on where the user was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot_api_server import BotApiServer

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
USER = 5005


@pytest.fixture
def api_server() -> Iterator[BotApiServer]:
    server = BotApiServer(TOKEN)
    server.start()
    yield server
    server.stop()


def _start_bot(server: BotApiServer, workdir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL=server.base_url,
        CRAMPCOACH_DB_PATH=str(workdir / "bot.sqlite3"),
        CRAMPCOACH_LOG_LEVEL="DEBUG",
        CRAMPCOACH_EMERGENCY_NUMBER="999",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _kill(process: subprocess.Popen[str]) -> str:
    # "Between two steps": the step's reply is out and its state committed (about a millisecond
    # after the reply). A kill inside that window sends the step's reply again after the
    # restart (the inbox replays the tap); see the README.
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=10)
    return output


def test_real_process_goes_through_the_flow_and_survives_kill_9(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    first = _start_bot(api_server, tmp_path)
    try:
        api_server.user_sends(USER, "/cramp")
        at = api_server.wait_for_text("Stop what you're doing")
        api_server.user_presses(USER, "✅ None of these")
        at = api_server.wait_for_text("When did it start?", after=at)
    finally:
        log_one = _kill(first)

    second = _start_bot(api_server, tmp_path)
    try:
        # The same button message, pressed after a kill -9 and a restart.
        api_server.user_presses(USER, "🏃 During or just after exercise")
        at = api_server.wait_for_text("Which muscle", after=at)
        api_server.user_presses(USER, "Calf")
        at = api_server.wait_for_text("Face a wall", after=at)
        api_server.user_presses(USER, "✅ Eased")
        at = api_server.wait_for_text("it eased", after=at)
    finally:
        second.send_signal(signal.SIGTERM)
        log_two, _ = second.communicate(timeout=20)

    methods = {method for method, _ in api_server.sent}
    assert "setMyCommands" in methods
    assert second.returncode == 0, log_two
    # The token is in every request path, and in no log line, even at DEBUG.
    assert all(TOKEN in path for path in api_server.request_paths)
    assert TOKEN not in log_one + log_two
    assert TOKEN.split(":")[1] not in log_one + log_two


def test_red_flag_over_real_polling_names_the_configured_number(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    bot = _start_bot(api_server, tmp_path)
    try:
        api_server.user_sends(USER, "my calf is cramping")
        api_server.wait_for_text("Stop what you're doing")
        api_server.user_presses(USER, "Chest pain or short of breath")
        index = api_server.wait_for_text("Call")
        assert "999" in api_server.sent[index][1]["text"]
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.communicate(timeout=20)
