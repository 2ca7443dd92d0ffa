"""A Bot API server over real HTTP (aiohttp, 127.0.0.1, a random port) that answers every call
after a network-like delay, for benchmarks that run real bot processes (``bench.bench_http``).

* Every method is answered ``delay`` seconds after it arrives (a round trip). ``getUpdates``
  long-polls: with nothing queued it waits up to its ``timeout`` for an update, and once one is
  there it answers ``delay`` later with everything queued by then (up to ``limit``); asking
  with an ``offset`` confirms every update below it, as Telegram does.
* ``slow_share`` of the calls made for a chat (everything but ``getUpdates``) take ``slow_for``
  seconds more, once :attr:`BotApiHttpServer.slow_enabled` is set (not during start-up).
* Answers are shaped as Telegram's: ``sendMessage`` and ``editMessageText`` return a Message
  (id, chat, date, text, the inline keyboard echoed), ``getMe`` the bot, the rest ``true``.
* Every call is recorded (:class:`Call`) with when it arrived and when it was answered, on
  :func:`time.perf_counter`'s clock, and the messages each chat got are kept for the athletes
  (:meth:`BotApiHttpServer.wait_for_message`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER = {"id": 42, "is_bot": True, "first_name": "CrampCoach", "username": "BenchBot"}
# Parameters python-telegram-bot sends JSON-encoded (strings go as they are).
_JSON_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_markup",
        "allowed_updates",
        "show_alert",
        "commands",
        "scope",
        "drop_pending_updates",
        "link_preview_options",
        "disable_notification",
        "protect_content",
    }
)


@dataclass
class Call:
    """One Bot API request as the server saw it."""

    method: str
    received: float
    answered: float = 0.0
    chat_id: int | None = None
    callback_query_id: str | None = None
    message_id: int | None = None  # the message sent or edited
    slow: bool = False
    update_ids: tuple[int, ...] = ()  # what a getUpdates handed out

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "received": self.received,
            "answered": self.answered,
            "chat_id": self.chat_id,
            "callback_query_id": self.callback_query_id,
            "message_id": self.message_id,
            "slow": self.slow,
            "update_ids": list(self.update_ids),
        }


@dataclass
class SentMessage:
    """A message the bot sent (or edited) in a chat, as the athlete sees it."""

    method: str
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    received: float

    def button(self, label: str | None) -> dict[str, str] | None:
        """The inline button with this label (None: the first one), if the message has it."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button and (label is None or button["text"] == label):
                    return dict(button)
        return None


@dataclass
class _Chat:
    messages: list[SentMessage] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class BotApiHttpServer:
    def __init__(
        self,
        *,
        delay: float = 0.030,
        slow_share: float = 0.0,
        slow_for: float = 2.0,
        seed: int = 1,
    ) -> None:
        self.delay = delay
        self.slow_share = slow_share
        self.slow_for = slow_for
        self.slow_enabled = False
        self._random = random.Random(seed)
        self.calls: list[Call] = []
        self.unknown_methods: set[str] = set()
        self.queued_at: dict[int, float] = {}  # update id -> when it was made available
        self.handed_at: dict[int, float] = {}  # update id -> first getUpdates answer with it
        self._pending: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000)
        self._query_ids = itertools.count(1)
        self.query_chat: dict[str, int] = {}  # callback query id -> chat
        self._chats: dict[int, _Chat] = defaultdict(_Chat)
        self.first_get_updates = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- Life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        # Many connections at once (a bot's pool holds up to 256): a large backlog.
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's ``base_url`` (and CRAMPCOACH_API_BASE_URL) takes."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- What the athletes do --------------------------------------------------------------------

    def user_sends(self, user_id: int, text: str) -> int:
        """Queue a private message from ``user_id``; returns its update id."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Athlete"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Athlete"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._queue({"message": message})

    def user_presses(self, user_id: int, message: SentMessage, data: str) -> tuple[int, str]:
        """Queue a press of a button of ``message`` (callback data ``data``); returns the update
        id and the callback query's id."""
        query_id = f"q{next(self._query_ids)}"
        self.query_chat[query_id] = user_id
        shown: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Athlete"},
            "from": BOT_USER,
            "text": message.text,
        }
        if message.reply_markup is not None:
            shown["reply_markup"] = message.reply_markup
        update = {
            "callback_query": {
                "id": query_id,
                "from": {"id": user_id, "is_bot": False, "first_name": "Athlete"},
                "chat_instance": f"ci{user_id}",
                "data": data,
                "message": shown,
            }
        }
        return self._queue(update), query_id

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return self._chats[chat_id].messages

    async def wait_for_message(self, chat_id: int, within: float) -> bool:
        """Wait until the chat gets a message (or an edit); False if none came in time."""
        event = self._chats[chat_id].changed
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            return False
        return True

    # --- Internals -------------------------------------------------------------------------------

    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **payload})
        self.queued_at[update_id] = time.perf_counter()
        self._arrived.set()
        return update_id

    async def _handle(self, request: web.Request) -> web.Response:
        received = time.perf_counter()
        method = request.match_info["method"]
        params = _decode(await request.read(), request.content_type)
        call = Call(method, received)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):
            call.chat_id = chat_id
        if method == "answerCallbackQuery":
            call.callback_query_id = str(params.get("callback_query_id"))
            call.chat_id = self.query_chat.get(call.callback_query_id)
        self.calls.append(call)
        if method == "getUpdates":
            self.first_get_updates.set()
            result: Any = await self._get_updates(params, call)
        else:
            if self.slow_enabled and self.slow_share and self._random.random() < self.slow_share:
                call.slow = True
                await asyncio.sleep(self.slow_for)
            await asyncio.sleep(self.delay)
            result = self._answer(method, params, call)
        call.answered = time.perf_counter()
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = float(params.get("timeout") or 0)
        deadline = time.perf_counter() + wait
        while True:
            # As on Telegram: asking with an offset confirms every update below it.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            remaining = deadline - time.perf_counter()
            if self._pending or remaining <= 0:
                break
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        await asyncio.sleep(self.delay)
        batch = [u for u in self._pending if u["update_id"] >= offset][:limit]
        now = time.perf_counter()
        for update in batch:
            self.handed_at.setdefault(update["update_id"], now)
        call.update_ids = tuple(u["update_id"] for u in batch)
        return batch

    def _answer(self, method: str, params: dict[str, Any], call: Call) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            if method == "sendMessage":
                message_id = next(self._message_ids)
            else:
                message_id = int(params["message_id"])
            call.message_id = message_id
            markup = params.get("reply_markup")
            inline = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
            text = str(params.get("text", ""))
            chat = self._chats[chat_id]
            chat.messages.append(SentMessage(method, message_id, text, inline, call.received))
            if len(chat.messages) > 64:
                del chat.messages[:32]
            chat.changed.set()
            chat.changed = asyncio.Event()
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": BOT_USER,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Athlete"},
                "text": text,
            }
            if method == "editMessageText":
                message["edit_date"] = int(time.time())
            if inline is not None:
                message["reply_markup"] = inline
            return message
        if method not in _TRUE_METHODS:
            self.unknown_methods.add(method)
        return True


_TRUE_METHODS = frozenset(
    {
        "answerCallbackQuery",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "setChatMenuButton",
        "sendChatAction",
        "close",
        "logOut",
    }
)


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        loaded = json.loads(body or b"{}")
        return dict(loaded) if isinstance(loaded, dict) else {}
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        if key in _JSON_FIELDS:
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params
