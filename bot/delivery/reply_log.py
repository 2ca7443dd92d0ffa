"""Replies sent once across a crash, with updates handled concurrently.

The inbox (``bot.delivery.inbox``) hands an update out again after a ``kill -9`` unless its
done mark was committed. The done mark goes with the update's conversation state, after its handlers
ran, and so after its replies: a kill between a reply reaching Telegram and that commit would
handle the update again and send the reply a second time. With many chats handled at once,
many updates sit in that window at any instant (each waits for its handlers to finish and for
the shared commit), so a kill repeated about one reply in five.

So every reply is logged the moment Telegram accepts it. When a message-changing request (a
send, an edit, a deletion) made while handling an update from the inbox comes back accepted,
:class:`ReplyLog` appends "update u: n replies accepted" to a small file beside the database
(``<database>-replies``), with one ``write`` call: no thread hop, no queue behind other
database work, and safe from a ``kill -9`` the moment it returns (the kernel holds it). An
update handled again at start-up runs its handlers as before, from the state it started in,
but its first n message-changing requests are not sent: :class:`ReplyLoggingRequest` answers
them itself, as Telegram did. Its conversation state is committed as usual, and any reply past
n goes out as normal.

Why after, not before: a reply logged before it leaves and lost on the way (the bot killed
while the request is on the wire) would never be sent; for someone mid-cramp a missing answer
is worse than a repeated one. The window left is the answer's way back from Telegram, a few
microseconds on top: a kill there repeats that one reply. A kill at any other instant sends
every reply exactly once (``tests/test_kill_in_flight.py``, ``bench.bench_kill``).

A replay starts from the step's old state, but the handlers' own rows (an episode's answers)
are committed as they go. The steps are written so that this does not matter: each sends its
replies before it records, and a step that ended the episode ("Eased") is taken again when
its press comes back (``conversations.sos.steps``).

The file holds only updates in hand (it is rewritten small as they finish); like the
database's write-ahead log, it is protected from a crashed process, not from a power cut.
Retries of one request (a 5xx, a refused connection) are recognised by their content and count
once. Answers to button presses are not logged: answering one twice is harmless.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.transport import WrappedRequest
from conversations.replies import probably_delivered

_LOGGER = logging.getLogger(__name__)

# Requests that change what the person sees: logged, and not repeated on a replay.
_LOGGED_PREFIXES = ("send", "edit", "copy", "forward", "delete")
_NOT_LOGGED = frozenset({"deleteWebhook", "deleteMyCommands", "sendChatAction"})
# The file is rewritten with only the updates in hand once it grows past this.
COMPACT_AFTER_BYTES = 64 * 1024


def path_beside(database: Path) -> Path:
    return database.with_name(database.name + "-replies")


@dataclass
class Handling:
    """One update being handled: how many of its replies Telegram has accepted."""

    update_id: int
    sent_before: int  # accepted in an earlier run (a replay does not send these again)
    accepted: int = 0  # accepted so far, this run included
    finished: bool = False  # its handlers returned: later sends (timers) are not the update's
    _seq_of: dict[str, int] = field(default_factory=dict)

    def seq_of(self, fingerprint: str) -> int:
        """The reply's place among the update's replies (a retry keeps its place)."""
        seq = self._seq_of.get(fingerprint)
        if seq is None:
            seq = self._seq_of[fingerprint] = len(self._seq_of) + 1
        return seq


_CURRENT: contextvars.ContextVar[Handling | None] = contextvars.ContextVar(
    "crampcoach_handling", default=None
)


class ReplyLog:
    """The ``<database>-replies`` file: how many replies each update in hand had accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._live: dict[int, int] = {}  # update id → replies accepted (updates in hand)
        self._written = 0  # bytes appended since the file was last rewritten
        self.replays = 0  # updates handled again after a crash, with replies held back
        self.held_back = 0  # replies those replays did not send again

    def read(self) -> dict[int, int]:
        """What the last run logged: update id → replies Telegram had accepted."""
        entries: dict[int, int] = {}
        with suppress(FileNotFoundError), self.path.open("rb") as file:
            for line in file:
                entry = _parse(line)
                if entry is not None:
                    update_id, count = entry
                    entries[update_id] = max(entries.get(update_id, 0), count)
        return entries

    def open(self, unfinished: Mapping[int, int]) -> None:
        """Start logging, the file rewritten with what the last run logged of the updates
        still unfinished (those the inbox is about to hand out again)."""
        self._live = dict(unfinished)
        self._rewrite()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def sent_before(self, update_id: int) -> int:
        """Replies of ``update_id`` Telegram accepted before the last restart (or so far)."""
        return self._live.get(update_id, 0)

    def accepted(self, update_id: int, count: int) -> None:
        """Telegram accepted the first ``count`` replies of ``update_id``: logged at once."""
        self._live[update_id] = count
        if self._fd is None:
            return  # not opened: an application built for a test without the inbox
        line = f"{update_id} {count}\n".encode()
        try:
            os.write(self._fd, line)
        except OSError as exc:
            # The reply is out; only a crash in the next moment would repeat it.
            _LOGGER.warning("Could not log an accepted reply: %s", exc.strerror)
            return
        self._written += len(line)
        if self._written > COMPACT_AFTER_BYTES:
            self._rewrite()

    def forget(self, update_id: int) -> None:
        """The update is done (its done mark committed): its replies need no memory."""
        self._live.pop(update_id, None)

    @contextmanager
    def handling(self, update_id: int) -> Iterator[Handling]:
        """While the handlers of an update from the inbox run."""
        handling = Handling(update_id, self.sent_before(update_id))
        if handling.sent_before:
            self.replays += 1
            _LOGGER.info(
                "Update %d handled again after a restart; its first %d replies reached "
                "Telegram before it and are not sent again",
                update_id,
                handling.sent_before,
            )
        token = _CURRENT.set(handling)
        try:
            yield handling
        finally:
            # Timers armed by the handlers inherit this context: their sends are not the
            # update's.
            handling.finished = True
            _CURRENT.reset(token)

    def _rewrite(self) -> None:
        """Replace the file with the updates in hand (atomically: a kill keeps one or the
        other, both complete)."""
        self.close()
        data = "".join(f"{update_id} {count}\n" for update_id, count in self._live.items())
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data.encode())
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(self._fd, 0o600)  # health data's neighbour: owner only, whatever the umask
        self._written = 0


def _parse(line: bytes) -> tuple[int, int] | None:
    """One ``"<update id> <count>"`` line; None for anything else (a line cut by a crash)."""
    parts = line.split()
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])


def set_replies_aside() -> None:
    """What is sent from here on while handling the current update is not one of its
    replies (the error handler's apology): not logged, and sent again by a replay."""
    handling = _CURRENT.get()
    if handling is not None:
        handling.finished = True


def is_logged(method: str) -> bool:
    return method.startswith(_LOGGED_PREFIXES) and method not in _NOT_LOGGED


class ReplyLoggingRequest(WrappedRequest):
    """The bot's transport: replies of an update logged once accepted, and not sent again
    when the update is handled again after a crash (see the module)."""

    def __init__(self, inner: BaseRequest, log: ReplyLog) -> None:
        super().__init__(inner)
        self.log = log

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        handling = _CURRENT.get()
        api_method = url.rsplit("/", 1)[-1]
        seq = 0
        if handling is not None and not handling.finished and is_logged(api_method):
            parameters = {} if request_data is None else request_data.parameters
            seq = handling.seq_of(_fingerprint(api_method, parameters))
            if seq <= handling.sent_before:
                self.log.held_back += 1
                return 200, _as_telegram_answered(api_method, parameters)
        try:
            code, payload = await self.inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut as exc:
            # Telegram's answer lost on the way back: the reply counts as delivered, as the
            # flows count it (conversations.replies.send).
            if probably_delivered(exc):
                self._accepted(handling, seq)
            raise
        if 200 <= code < 300:
            self._accepted(handling, seq)
        return code, payload

    def _accepted(self, handling: Handling | None, seq: int) -> None:
        if handling is not None and seq > handling.accepted:
            handling.accepted = seq
            self.log.accepted(handling.update_id, seq)


def _fingerprint(method: str, parameters: dict[str, Any]) -> str:
    return method + json.dumps(parameters, sort_keys=True, default=repr)


def _as_telegram_answered(method: str, parameters: dict[str, Any]) -> bytes:
    """Telegram's answer to a reply it accepted before the restart, as far as it is known.

    A new message's id is not known: it is given as 0, so a later edit of it (a countdown)
    fails quietly and the step's next message is sent as usual.
    """
    result: object = True
    if method == "sendMediaGroup":
        result = []
    elif method.startswith(("send", "copy", "forward")) or "message_id" in parameters:
        message: dict[str, object] = {
            "message_id": _int(parameters.get("message_id")),
            "date": int(time.time()),
            "chat": {"id": _int(parameters.get("chat_id")), "type": "private"},
        }
        if isinstance(parameters.get("text"), str):
            message["text"] = parameters["text"]
        result = message
    return json.dumps({"ok": True, "result": result}).encode()


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
