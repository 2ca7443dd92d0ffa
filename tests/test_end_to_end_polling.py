"""``python -m bot`` for real: long polling against a Bot API-compatible server on loopback.

The bot runs as its own process with a token and ``CRAMPCOACH_API_BASE_URL`` pointing at
:class:`BotApiServer`. The test kills it with SIGKILL between two steps and starts it again:
the next button press carries on where the user was.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import RedFlag
from tests.bot_api_server import BotApiServer

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
USER = 5005
# The words of "it eased", before its duration.
EASED_AFTER = texts.EASED_AFTER.split("{", 1)[0]


@pytest.fixture
def api_server() -> Iterator[BotApiServer]:
    server = BotApiServer(TOKEN)
    server.start()
    yield server
    server.stop()


def _start_bot(server: BotApiServer, workdir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL=server.base_url,
        CRAMPCOACH_WEATHER_URL="none",  # offline: no forecast service
        CRAMPCOACH_DB_PATH=str(workdir / "bot.sqlite3"),
        CRAMPCOACH_LOG_LEVEL="DEBUG",
        # None of the main numbers a red flag lists while the country is unknown.
        CRAMPCOACH_EMERGENCY_NUMBER="10177",
    )
    # The log goes to a file, not a pipe: at DEBUG a pipe nobody reads fills up (64 KiB) and
    # the bot blocks on its next log line, which looks like a hung bot.
    log = (workdir / f"bot-{len(_LOGS)}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    _LOGS[process.pid] = log
    return process


_LOGS: dict[int, TextIO] = {}


def _output(process: subprocess.Popen[bytes]) -> str:
    """Wait for the process to end and return what it logged."""
    process.wait(timeout=20)
    log = _LOGS.pop(process.pid)
    log.close()
    return pathlib.Path(log.name).read_text()


def _kill(process: subprocess.Popen[bytes]) -> str:
    # "Between two steps": the step's reply is out and its state committed (about a millisecond
    # after the reply). A kill inside that window sends the step's reply again after the
    # restart (the inbox replays the tap); see the README.
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    return _output(process)


def test_real_process_goes_through_the_flow_and_survives_kill_9(
    api_server: BotApiServer, tmp_path: Path
) -> None:
    first = _start_bot(api_server, tmp_path)
    try:
        api_server.user_sends(USER, "/cramp")
        at = api_server.wait_for_text(texts.STOP_INSTRUCTION)
        api_server.user_presses(USER, texts.NO_FLAG_OTHER)
        at = api_server.wait_for_text(texts.ASK_MUSCLE, after=at)
    finally:
        log_one = _kill(first)

    second = _start_bot(api_server, tmp_path)
    try:
        # The same button message, pressed after a kill -9 and a restart.
        api_server.user_presses(USER, texts.MUSCLE_LABELS["calf"])
        at = api_server.wait_for_text(texts.STRETCH_HOW["calf"], after=at)
        api_server.user_presses(USER, texts.EASED)
        at = api_server.wait_for_text(texts.LATE_SIGNS_QUESTION, after=at)
        api_server.user_presses(USER, texts.NONE_OF_THESE)
        at = api_server.wait_for_text(EASED_AFTER, after=at)
    finally:
        second.send_signal(signal.SIGTERM)
        log_two = _output(second)

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
        at = api_server.wait_for_text(texts.STOP_INSTRUCTION)
        api_server.user_presses(USER, flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS])
        index = api_server.wait_for_text("Call the emergency number", after=at)
        # The athlete's country is unknown: the main numbers, then the configured one, each on
        # a line of its own so a phone offers to call it.
        text = api_server.sent[index][1]["text"]
        assert "\n\n<b>112 – " in text
        assert "\n10177 – " in text
    finally:
        bot.send_signal(signal.SIGTERM)
        _output(bot)
