"""Helpers for tests that run ``python -m bot`` as real processes against :class:`BotApiServer`.

Logs go to files, not pipes: a pipe nobody reads fills up and blocks the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from conversations.texts import sos as sos_texts
from storage.db import Database
from tests.bot_api_server import BotApiServer

TOKEN = "123456789:AAE2eTestTokenNotRealButShapedLikeOne_x"
REPO = Path(__file__).resolve().parent.parent


def bot_env(db_path: Path, api_base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot process: ours, without any CRAMPCOACH_ setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    # This checkout's code, whatever the venv has installed (a worktree, an editable install).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_API_BASE_URL=api_base_url,
        CRAMPCOACH_WEATHER_URL="none",  # offline: no forecast service
        CRAMPCOACH_DB_PATH=str(db_path),
    )
    env.update(extra)
    return env


def run_bot_command(
    args: list[str], env: dict[str, str], workdir: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class BotProcess:
    """``python -m bot`` running in the background, its log in a file."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "bot") -> None:
        self.log_path = workdir / f"{name}-{time.monotonic_ns()}.log"
        self._log: IO[str] = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> str:
        """Signal the bot, wait for it to end and return what it logged."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        self._log.close()
        return self.log_path.read_text()


def wait_for_chat(
    server: BotApiServer, chat_id: int, fragment: str, *, after: int = 0, timeout: float = 20
) -> int:
    """Wait for a message to ``chat_id`` containing ``fragment``; its index in ``server.sent``."""
    deadline = time.monotonic() + timeout
    while True:
        for index, (method, params) in enumerate(list(server.sent)[after:], start=after):
            if (
                method == "sendMessage"
                and int(params["chat_id"]) == chat_id
                and fragment in str(params.get("text", ""))
            ):
                return index
        if time.monotonic() > deadline:
            raise TimeoutError(f"no message with {fragment!r} to {chat_id}")
        time.sleep(0.02)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_database(path: Path, *, user_version: int | None = None) -> None:
    """A database as the bot leaves it (migrated), optionally stamped with another version."""
    asyncio.run(_open_and_close(path))
    if user_version is not None:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute(f"PRAGMA user_version={user_version:d}")
            conn.commit()


async def _open_and_close(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


def read_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows from a database read-only (the bot may be writing it)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
        return list(conn.execute(sql).fetchall())


def integrity(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Poll ``condition()`` until true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


EASED_AFTER = sos_texts.EASED_AFTER.split("{", 1)[0]


def a_cramp_eases(server: BotApiServer, user: int) -> None:
    """The shortest SOS flow: /cramp, "it's my calf", "eased", no late warning sign; each step's
    reply awaited."""
    at = len(server.sent)
    server.user_sends(user, "/cramp")
    at = wait_for_chat(server, user, sos_texts.STOP_INSTRUCTION, after=at)
    server.user_presses(user, sos_texts.NO_FLAG_CALF)
    at = wait_for_chat(server, user, sos_texts.STRETCH_HOW["calf"], after=at)
    server.user_presses(user, sos_texts.EASED)
    at = wait_for_chat(server, user, sos_texts.LATE_SIGNS_QUESTION, after=at)
    server.user_presses(user, sos_texts.NONE_OF_THESE)
    wait_for_chat(server, user, EASED_AFTER, after=at)
