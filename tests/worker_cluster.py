"""Several ``python -m bot`` webhook workers on one PostgreSQL database, for real: the test of
several workers (``tests/test_workers.py``) and its benchmark (``bench/bench_workers.py``).

- :class:`RecordingBotApi`: the loopback Bot API of the benchmarks
  (:class:`bench.http_bot_api.BotApiHttpServer`: every call answered after a network-like
  delay), which also keeps the whole transcript of what each chat was sent, and hands the
  updates the athletes make to the caller instead of to ``getUpdates`` (webhook mode).
- :class:`Worker`: one ``python -m bot`` in webhook mode, its log in a file.
- :class:`WebhookProxy`: what nginx is in front of the workers: each POST goes to the next
  worker in turn; a worker that refuses the connection (killed, not started yet) is skipped
  for the next; when none takes it the answer is 502, and the poster delivers it again, as
  Telegram does with anything not answered 200.
- :func:`deliver`: Telegram's side of a webhook: POST until 200.

Nothing here is a mock of our code: the workers are the real program.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web

from bench.http_bot_api import BotApiHttpServer, Call
from tests.process_helpers import bot_env

SECRET = "workers_Webhook-secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PUBLIC_URL = "https://bot.example.org/telegram"
PATH = "/telegram"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- The Bot API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One sendMessage or editMessageText as the server took it."""

    chat_id: int
    method: str
    text: str
    buttons: tuple[str, ...]
    message_id: int
    received: float


class RecordingBotApi(BotApiHttpServer):
    """:class:`BotApiHttpServer` for webhook workers: every message kept (``transcript``), and
    the updates made by :meth:`user_sends` / :meth:`user_presses` handed out by :meth:`take`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transcript: list[Sent] = []
        self._made: dict[int, dict[str, Any]] = {}

    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._made[update_id] = {"update_id": update_id, **payload}
        self.queued_at[update_id] = time.perf_counter()
        return update_id

    def take(self, update_id: int) -> dict[str, Any]:
        """The update the athlete just made, to be posted to the webhook."""
        return self._made.pop(update_id)

    def _answer(self, method: str, params: dict[str, Any], call: Call) -> Any:
        result = super()._answer(method, params, call)
        if method in ("sendMessage", "editMessageText"):
            markup = params.get("reply_markup")
            rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
            self.transcript.append(
                Sent(
                    int(params["chat_id"]),
                    method,
                    str(params.get("text", "")),
                    tuple(str(b.get("text")) for row in rows for b in row),
                    int(call.message_id or 0),
                    call.received,
                )
            )
        return result

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.transcript if s.chat_id == chat_id and s.method == "sendMessage"]

    def in_flight(self, at: float, methods: tuple[str, ...] = ("sendMessage",)) -> list[Call]:
        """Calls that had arrived at ``at`` and were not answered yet."""
        return [
            c
            for c in self.calls
            if c.method in methods and c.received <= at and (c.answered == 0 or c.answered > at)
        ]


# --- The workers --------------------------------------------------------------------------------


class Worker:
    """``python -m bot`` in webhook mode on ``database_url``; its log in a file."""

    def __init__(
        self,
        name: str,
        database_url: str,
        api_base_url: str,
        workdir: Path,
        *,
        lease_seconds: float = 3,
        log_level: str = "INFO",
        module: str = "bot",
        **extra: str,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.health_port = free_port()
        self.log_path = workdir / f"{name}.log"
        self.env = bot_env(
            workdir / f"{name}-unused.sqlite3",
            api_base_url,
            CRAMPCOACH_DATABASE_URL=database_url,
            CRAMPCOACH_MODE="webhook",
            CRAMPCOACH_WEBHOOK_URL=PUBLIC_URL,
            CRAMPCOACH_WEBHOOK_SECRET=SECRET,
            CRAMPCOACH_WEBHOOK_LISTEN="127.0.0.1",
            CRAMPCOACH_WEBHOOK_PORT=str(self.port),
            CRAMPCOACH_HEALTH_PORT=str(self.health_port),
            CRAMPCOACH_LEASE_SECONDS=f"{lease_seconds:g}",
            CRAMPCOACH_WORKER_NAME=name,
            CRAMPCOACH_LOG_LEVEL=log_level,
            CRAMPCOACH_SHUTDOWN_GRACE="5",
            **extra,
        )
        self.workdir = workdir
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[str] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=self.workdir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.started_at = time.perf_counter()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def healthy(self, session: aiohttp.ClientSession) -> bool:
        try:
            async with session.get(
                f"http://127.0.0.1:{self.health_port}/healthz",
                timeout=aiohttp.ClientTimeout(total=2),
            ) as answer:
                return answer.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def wait_ready(self, session: aiohttp.ClientSession, within: float = 40) -> None:
        """Until /healthz answers 200 (the worker took its lease, opened its listener)."""
        deadline = time.perf_counter() + within
        while not await self.healthy(session):
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.name} never got ready:\n{self.tail()}")
            await asyncio.sleep(0.1)

    def kill(self) -> float:
        """SIGKILL; the moment it was sent (``time.perf_counter``)."""
        assert self.process is not None
        at = time.perf_counter()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        return at

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout``); the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- The proxy in front of them -----------------------------------------------------------------


class WebhookProxy:
    """Round robin over the workers' listeners, the next one tried on a refused connection."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        self.passed_over = 0  # connections refused by a worker, tried on the next
        self.bad_gateway = 0  # POSTs no worker took

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False)
        )
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            "Content-Type": request.content_type,
            SECRET_HEADER: request.headers.get(SECRET_HEADER, ""),
        }
        first = next(self._turn)
        for n in range(len(self.workers)):
            worker = self.workers[(first + n) % len(self.workers)]
            try:
                async with self._session.post(
                    f"http://127.0.0.1:{worker.port}{PATH}",
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                self.passed_over += 1  # nobody listens there: nginx's "next upstream"
            except (aiohttp.ClientError, TimeoutError):
                # The worker died with the POST in hand: whether it was stored is unknown,
                # so it is not answered 200: Telegram delivers it again (stored once).
                return web.Response(status=502)
        self.bad_gateway += 1
        return web.Response(status=502)


async def deliver(
    session: aiohttp.ClientSession, url: str, update: dict[str, Any], within: float = 60
) -> int:
    """Telegram's side: POST the update until it is answered 200; how many tries it took."""
    deadline = time.perf_counter() + within
    for attempt in itertools.count(1):
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.post(
                url,
                json=update,
                headers={SECRET_HEADER: SECRET},
                timeout=aiohttp.ClientTimeout(total=30),
            ) as answer:
                if answer.status == 200:
                    return attempt
        if time.perf_counter() > deadline:
            raise TimeoutError(f"update {update['update_id']} never taken")
        await asyncio.sleep(0.2)
    raise AssertionError("unreachable")
