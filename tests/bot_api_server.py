"""A tiny Bot API-compatible HTTP server on 127.0.0.1, for end-to-end tests of ``python -m bot``.

It speaks the HTTP side of the Bot API (``POST /bot<token>/<method>`` with form-encoded,
JSON-valued fields), hands out queued updates to ``getUpdates`` (long polling), and records what
the bot sends. Only loopback is used.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class _Server(ThreadingHTTPServer):
    # The bot sends to many chats at once (bot.delivery.update_processor): socketserver's default
    # backlog of 5 would reset connections that Telegram's servers would have accepted.
    request_queue_size = 256
    daemon_threads = True


class BotApiServer:
    def __init__(self, token: str) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.request_paths: list[str] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._holds: list[HeldReply] = []
        self.send_delay = 0.0  # seconds each sendMessage takes, as a slow network would
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- What the user does ----------------------------------------------------------------

    def user_sends(self, user_id: int, text: str) -> None:
        self._queue(self._message(user_id, text))

    def message_update(self, user_id: int, text: str) -> dict[str, Any]:
        """What Telegram would post to a webhook when the user sends ``text`` (not queued for
        getUpdates)."""
        return {"update_id": next(self._update_ids), **self._message(user_id, text)}

    def _message(self, user_id: int, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "E2E"},
            "from": {"id": user_id, "is_bot": False, "first_name": "E2E"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"message": message}

    def user_presses(self, user_id: int, label: str) -> None:
        """Press the newest button with this label that the bot sent to the user."""
        for method, params in reversed(self.sent):
            if method != "sendMessage" or int(params["chat_id"]) != user_id:
                continue
            markup = params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        self._queue(
                            {
                                "callback_query": {
                                    "id": str(next(self._update_ids) + 10_000),
                                    "from": {"id": user_id, "is_bot": False, "first_name": "E2E"},
                                    "chat_instance": "e2e",
                                    "data": button["callback_data"],
                                    "message": {
                                        "message_id": params["_message_id"],
                                        "date": int(time.time()),
                                        "chat": {"id": user_id, "type": "private"},
                                        "text": params["text"],
                                    },
                                }
                            }
                        )
                        return
        raise LookupError(f"no button {label!r} sent to {user_id}")

    def wait_for_text(self, fragment: str, *, after: int = 0, timeout: float = 15.0) -> int:
        """Wait until the bot sends a message containing ``fragment``; return its index."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for index, (method, params) in enumerate(self.sent[after:], start=after):
                    if method == "sendMessage" and fragment in str(params.get("text", "")):
                        return index
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    texts = [str(p.get("text", ""))[:60] for _, p in self.sent]
                    raise TimeoutError(f"no message with {fragment!r}; sent: {texts}")
                self._cond.wait(remaining)

    def count_texts(self, fragment: str) -> int:
        with self._cond:
            return sum(
                1
                for method, params in self.sent
                if method == "sendMessage" and fragment in str(params.get("text", ""))
            )

    def count_calls(self, method: str) -> int:
        """How many times the bot called ``method`` (setWebhook, say)."""
        with self._cond:
            return sum(1 for sent_method, _ in self.sent if sent_method == method)

    def wait_for_count(self, fragment: str, count: int, *, timeout: float = 30.0) -> None:
        """Wait until the bot has sent ``count`` messages containing ``fragment``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.count_texts(fragment) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    found = self.count_texts(fragment)
                    raise TimeoutError(f"{found} of {count} messages with {fragment!r}")
                self._cond.wait(remaining)

    @property
    def unconfirmed(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset past them."""
        with self._cond:
            return len(self.updates)

    def hold_reply(self, fragment: str, nth: int) -> HeldReply:
        """Hold the ``nth`` sendMessage containing ``fragment`` on the wire, unrecorded.

        The bot's request is in flight (not yet accepted) until the test releases it; a
        released-after-a-kill request is dropped, as Telegram drops a request it never got.
        """
        held = HeldReply(fragment, nth)
        self._holds.append(held)
        return held

    # --- Internals -------------------------------------------------------------------------

    def _maybe_hold(self, params: dict[str, Any]) -> bool:
        """True if this request is to be dropped (held, then released without delivery)."""
        text = str(params.get("text", ""))
        for held in self._holds:
            if (
                held.fragment in text
                and not held.reached.is_set()
                and self.count_texts(held.fragment) + 1 == held.nth
            ):
                held.reached.set()
                held.released.wait(60)
                return True
        return False

    def _queue(self, payload: dict[str, Any]) -> None:
        with self._cond:
            self.updates.append({"update_id": next(self._update_ids), **payload})
            self._cond.notify_all()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 42, "is_bot": True, "first_name": "CrampCoach", "username": "E2EBot"}
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage" and self._maybe_hold(params):
            raise _Dropped
        if method == "sendMessage" and self.send_delay:
            time.sleep(self.send_delay)  # this request's own thread
        if method in ("sendMessage", "editMessageText"):
            message_id = next(self._message_ids)
            with self._cond:
                self.sent.append((method, {**params, "_message_id": message_id}))
                self._cond.notify_all()
            chat_id = int(params["chat_id"])
            return {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
            }
        with self._cond:
            self.sent.append((method, params))
            self._cond.notify_all()
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        wait = min(float(params.get("timeout", 0) or 0), 2.0)
        deadline = time.monotonic() + wait
        with self._cond:
            # As on Telegram: asking with an offset confirms every update below it.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while True:
                pending = [u for u in self.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0:
                    return pending
                self._cond.wait(remaining)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                server.request_paths.append(self.path)
                prefix = f"/bot{server.token}/"
                if not self.path.startswith(prefix):
                    self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                params = _decode(body, self.headers.get("Content-Type", ""))
                try:
                    result = server._answer(self.path[len(prefix) :], params)
                except _Dropped:
                    self.close_connection = True
                    return
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot was killed mid-request: that is the test

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


class HeldReply:
    """A reply held on the wire: ``reached`` is set when it arrives, ``released`` lets it go."""

    def __init__(self, fragment: str, nth: int) -> None:
        self.fragment = fragment
        self.nth = nth
        self.reached = threading.Event()
        self.released = threading.Event()


class _Dropped(Exception):
    """The request never reached "Telegram": no answer, nothing recorded."""


def _decode(body: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return dict(json.loads(body or "{}"))
    params: dict[str, Any] = {}
    for key, values in parse_qs(body).items():
        value = values[-1]
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
