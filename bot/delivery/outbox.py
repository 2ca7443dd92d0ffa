"""The outbox sender: sends what units of work committed, in order per chat, and records it.

Rows reach it two ways: a unit of work hands over the rows it has just committed
(:meth:`OutboxSender.take`, no read), and a scan of the table (at start-up, then every
:data:`SCAN_EVERY`) finds any row not in hand: one left by the last run, or one waiting for a
retry. Every send goes through the bot's one rate limiter (``bot.rate_limiter``): people's
replies before scheduled sends, per-chat and per-group spacing, 429s and 5xx retried there.

One chat's messages go one after another, in the order they were written (a step's text before
its question); different chats' go side by side. Answers to button presses go at once, beside
the chat's messages: they change nothing anyone reads.

What happens to each row (``storage.outbox.Outcome``):

- accepted: sent, with Telegram's ``message_id`` kept, so that a later edit of it (a
  countdown's) finds it; a read time-out counts as sent (the request reached Telegram), its
  id unknown, and an edit of a message whose id is unknown is skipped;
- the person blocked the bot, or the chat is gone: blocked, and ``on_blocked`` is told;
- refused (a bad request): failed, logged by kind;
- Telegram unreachable, a 5xx or a 429 still failing after the limiter's retries: tried again
  later (:data:`RETRY_PAUSES`), the chat's later messages waiting behind it, until
  :data:`GIVE_UP_AFTER`.

**The crash policy**, for the row whose send was in flight when the process died. A reply or a
prompt (an SOS step, a check-in) is sent again: a repeated "stretch now" does no harm, a missing
one does. A notice (a coach's alert or digest, a team post) must never go twice: it is marked
claimed in the database just before its send, and at the next start a claimed notice with no
result is marked unknown and counted (``outbox_unknown``), never sent again; a reply or prompt
released to go again is counted too (``outbox_resent_after_crash``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
from telegram import InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.delivery.transient_errors import is_transient
from bot.metrics import Metrics
from storage import outbox
from storage.outbox import NEVER_TWICE, Kind, Outcome, Result, Row
from storage.store import Store

_LOGGER = logging.getLogger(__name__)

# Requests go out through do_api_request with the parameters the unit of work wrote (see
# conversations.replies); python-telegram-bot suggests its typed methods, which would build
# and parse objects the sender has no use for.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

SCAN_EVERY = 1.0  # seconds between scans of the table for rows not in hand
# Several workers: the sender scans often, since other workers' units hand it nothing directly.
SHARED_SCAN_EVERY = 0.05
# A claim older than this, not in this sender's hands, was left by a sender that lost its duty:
# settled by the crash policy (a row still in a sender's hands is never settled).
STALE_CLAIM = timedelta(minutes=10)
RETRY_PAUSES = (1, 2, 5, 10, 30, 60)  # seconds before each retry; the last repeats
GIVE_UP_AFTER = {  # a row still failing this long after it was first tried is failed
    Kind.REPLY: timedelta(minutes=15),
    Kind.ANSWER: timedelta(seconds=30),  # Telegram refuses answers to old presses anyway
    Kind.PROMPT: timedelta(hours=12),
    Kind.NOTICE: timedelta(hours=12),
}
_FILE_METHODS = {"sendPhoto": "photo", "sendDocument": "document"}

Guard = Callable[[str], Awaitable[bool]]
Blocked = Callable[[int, str], Awaitable[None]]  # (chat id, the row's origin)
Clock = Callable[[], datetime]


class OutboxSender:
    """Drains the outbox through ``bot`` (whose rate limiter paces it)."""

    def __init__(
        self,
        bot: ExtBot[Any],
        db: Store,
        clock: Clock,
        *,
        metrics: Metrics | None = None,
        guards: Mapping[str, Guard] | None = None,
        on_blocked: Blocked | None = None,
        scan_every: float = SCAN_EVERY,
    ) -> None:
        self.bot = bot
        self.scan_every = scan_every
        # Sending only while started: with several workers, only the worker holding the
        # sender's duty (bot.delivery.duties) sends; the others' units just commit their rows.
        self.active = False
        self.db = db
        self.clock = clock
        self.metrics = metrics
        self.guards: dict[str, Guard] = dict(guards or {})
        self.on_blocked = on_blocked
        self._lines: dict[int, collections.deque[Row]] = {}  # per chat, waiting in order
        self._senders: dict[int, asyncio.Task[None]] = {}  # per chat, sending its line
        self._answers: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()  # row ids taken and not yet recorded
        self._held: dict[int, datetime] = {}  # chats whose line waits for a retry, until when
        # Telegram's ids of messages sent and not yet recorded (an edit may come first).
        self._unrecorded_ids: dict[str, int | None] = {}
        self._key_of: dict[int, str] = {}
        self._results: list[Result] = []
        self._recorder: asyncio.Task[None] | None = None
        self._claims: dict[int, asyncio.Future[bool]] = {}
        self._claimer: asyncio.Task[None] | None = None
        self._scanner: asyncio.Task[None] | None = None
        self._wake_scan = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.unknown_at_start = 0
        self.resent_at_start = 0

    # --- Life --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Apply the crash policy to what the last run left in flight, then start sending."""
        self.active = True
        settled = await outbox.settle_crash(self.db, self.clock())
        self.unknown_at_start = settled.unknown
        self.resent_at_start = settled.resent
        if settled.unknown:
            _LOGGER.warning(
                "%d notices were being sent when the bot stopped: marked unknown, not sent again",
                settled.unknown,
            )
        if settled.resent:
            _LOGGER.info(
                "%d messages were being sent when the bot stopped: sending them again",
                settled.resent,
            )
        if self.metrics is not None:
            self.metrics.outbox_unknown.inc(settled.unknown)
            self.metrics.outbox_resent_after_crash.inc(settled.resent)
        # What the last run left, a retry it had put off included: a new start is the moment
        # to try again.
        await self.scan(retries_due=True)
        self._scanner = asyncio.get_running_loop().create_task(self._scan_forever())

    async def stop(self) -> None:
        """Stop taking rows; what is being sent finishes and is recorded."""
        self.active = False
        if self._scanner is not None:
            self._scanner.cancel()
            await asyncio.gather(self._scanner, return_exceptions=True)
            self._scanner = None
        await self.settled()

    async def abandon(self) -> int:
        """Stop sending now (a stop whose grace ran out): sends in progress are cancelled and
        stay claimed, so the next start treats them as in flight at a crash (the policy);
        rows not yet begun stay unclaimed. What finished is recorded. Returns how many rows
        were left."""
        self.active = False
        if self._scanner is not None:
            self._scanner.cancel()
        tasks = [*self._senders.values(), *self._answers]
        if self._scanner is not None:
            tasks.append(self._scanner)
            self._scanner = None
        left = len(self._in_hand)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._recorder is not None:
            await asyncio.gather(self._recorder, return_exceptions=True)
        self._lines.clear()
        self._in_hand.clear()
        self._idle.set()
        return left

    async def settled(self) -> None:
        """Return once every row in hand has been sent (or put off) and recorded."""
        while not self._idle.is_set():
            await self._idle.wait()
            await asyncio.sleep(0)  # a line may have been given more rows meanwhile

    async def chat_sent(self, chat_id: int) -> None:
        """Return once what the sender has taken for ``chat_id`` has gone out (its line is
        empty): the moment a person sees the whole reply."""
        line = self._senders.get(chat_id)
        if line is not None:
            await asyncio.shield(line)

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    # --- Taking rows ---------------------------------------------------------------------------

    def take(self, rows: Iterable[Row]) -> None:
        """Rows a unit of work has just committed: send them (in their chat's order); not
        sending (another worker holds the duty), left to the sender's scan."""
        if not self.active:
            return
        now = None
        for row in rows:
            if row.id in self._in_hand:
                continue
            held = self._held.get(row.chat_id)
            if held is not None and row.kind is not Kind.ANSWER:
                now = now or self.clock()
                if held > now:
                    continue  # the scan takes it, in order, once the line's retry is due
                del self._held[row.chat_id]
            self._in_hand.add(row.id)
            self._idle.clear()
            if row.kind is Kind.ANSWER:
                task = asyncio.get_running_loop().create_task(self._send_answer(row))
                self._answers.add(task)
                task.add_done_callback(self._answer_done)
                continue
            self._lines.setdefault(row.chat_id, collections.deque()).append(row)
            if row.chat_id not in self._senders:
                self._senders[row.chat_id] = asyncio.get_running_loop().create_task(
                    self._send_line(row.chat_id)
                )

    async def scan(self, *, retries_due: bool = False) -> int:
        """Take every unsent row not in hand whose chat's line is not waiting for a retry
        (``retries_due``: whatever it waits for)."""
        now = self.clock()
        blocked: set[int] = set()
        wanted = []
        for waiting in await outbox.waiting(self.db):
            if waiting.id in self._in_hand or waiting.chat_id in blocked:
                continue
            if waiting.not_before is not None and waiting.not_before > now and not retries_due:
                blocked.add(waiting.chat_id)  # its chat's later rows wait behind it
                continue
            wanted.append(waiting.id)
        taken = await outbox.rows_by_id(self.db, wanted) if wanted else []
        for row in taken:
            self._held.pop(row.chat_id, None)
        self.take(taken)
        return len(taken)

    def wake(self) -> None:
        self._wake_scan.set()

    async def _scan_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_stale_look = loop.time() + STALE_CLAIM.total_seconds()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_scan.wait(), self.scan_every)
            self._wake_scan.clear()
            try:
                if loop.time() >= next_stale_look:
                    next_stale_look = loop.time() + STALE_CLAIM.total_seconds()
                    await self._settle_stale()
                await self.scan()
            except Exception:
                _LOGGER.exception("Scanning the outbox failed; trying again shortly")

    async def _settle_stale(self) -> None:
        if self._in_hand:
            return  # this sender's own claims could be among them: look again later
        settled = await outbox.settle_crash(
            self.db, self.clock(), claimed_before=self.clock() - STALE_CLAIM
        )
        if self.metrics is not None:
            self.metrics.outbox_unknown.inc(settled.unknown)
            self.metrics.outbox_resent_after_crash.inc(settled.resent)

    # --- Sending -----------------------------------------------------------------------------

    async def _send_line(self, chat_id: int) -> None:
        line = self._lines[chat_id]
        try:
            while line:
                row = line.popleft()
                result = await self._send(row)
                self._record(result)
                if result.outcome is None and not result.taken:  # put off: later rows wait
                    assert result.retry_at is not None
                    self._held[chat_id] = result.retry_at
                    for later in line:
                        self._in_hand.discard(later.id)
                    line.clear()
        finally:
            del self._lines[chat_id]
            del self._senders[chat_id]
            self._maybe_idle()

    async def _send_answer(self, row: Row) -> None:
        self._record(await self._send(row))

    def _answer_done(self, task: asyncio.Task[None]) -> None:
        self._answers.discard(task)
        self._maybe_idle()

    async def _send(self, row: Row) -> Result:
        try:
            result = await self._attempt(row)
        except Exception:
            _LOGGER.exception("Sending outbox row %d failed unexpectedly", row.id)
            result = self._later(row)
        return dataclasses.replace(result, forget=row.forget) if row.forget else result

    async def _attempt(self, row: Row) -> Result:
        if row.guard is not None and not await self._guard_allows(row.guard):
            return Result(row.id, Outcome.SKIPPED)
        params = dict(row.params)
        if row.edit_of is not None:
            message_id = await self._message_id(row.edit_of)
            if message_id is None:
                return Result(row.id, Outcome.SKIPPED)  # never sent, or its id unknown
            params["message_id"] = message_id
        if not await self._claim(row.id):
            return Result(row.id, None, taken=True)  # another sender has it
        try:
            answer = await self._request(row, params)
        except Forbidden as exc:
            _LOGGER.info("Outbox row %d not delivered: %s", row.id, exc.message)
            if self.on_blocked is not None and row.chat_id > 0:  # a person's private chat
                await self.on_blocked(row.chat_id, row.origin)
            return Result(row.id, Outcome.BLOCKED)
        except BadRequest as exc:
            return self._refused(row, exc)
        except TimedOut as exc:
            if isinstance(exc.__cause__, httpx.ReadTimeout):
                # The request reached Telegram; only its answer was lost.
                _LOGGER.warning("%s timed out after it was sent; counted as sent", row.method)
                return Result(row.id, Outcome.SENT)
            return self._later(row)
        except RetryAfter as exc:
            return self._later(row, after=_seconds(exc.retry_after))
        except TelegramError as exc:
            if is_transient(exc) or row.kind not in NEVER_TWICE:
                return self._later(row)
            # Written, and maybe delivered: a notice is never sent twice.
            return Result(row.id, Outcome.UNKNOWN)
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        known = None if message_id is None else int(message_id)
        self._unrecorded_ids[row.key] = known
        self._key_of[row.id] = row.key
        return Result(row.id, Outcome.SENT, known)

    async def _request(self, row: Row, params: dict[str, object]) -> object:
        field = _FILE_METHODS.get(row.method)
        if field is not None:
            filename = str(params.pop("filename", "file"))
            params[field] = InputFile(row.attachment or b"", filename=filename)
        return await self.bot.do_api_request(
            row.method, api_kwargs=params, rate_limit_args={"background": row.background}
        )

    async def _guard_allows(self, guard: str) -> bool:
        name, _, argument = guard.partition(":")
        check = self.guards.get(name)
        if check is None:
            _LOGGER.error("No guard %r: the message is not sent", name)
            return False
        return await check(argument)

    def _refused(self, row: Row, exc: BadRequest) -> Result:
        if "not modified" in exc.message:
            return Result(row.id, Outcome.SKIPPED)  # an edit to what it already says
        if row.kind is Kind.ANSWER or "message to edit not found" in exc.message:
            _LOGGER.debug("%s refused: %s", row.method, exc.message)
        else:
            _LOGGER.warning("%s refused by Telegram: %s", row.method, exc.message)
        return Result(row.id, Outcome.FAILED)

    def _later(self, row: Row, *, after: float | None = None) -> Result:
        now = self.clock()
        pause = RETRY_PAUSES[min(row.attempts, len(RETRY_PAUSES) - 1)]
        tried_for = sum(RETRY_PAUSES[min(i, len(RETRY_PAUSES) - 1)] for i in range(row.attempts))
        if timedelta(seconds=tried_for) > GIVE_UP_AFTER[row.kind]:
            _LOGGER.warning("%s given up after %d attempts", row.method, row.attempts + 1)
            return Result(row.id, Outcome.FAILED)
        wait = max(pause, after or 0.0)
        return Result(row.id, None, retry_at=now + timedelta(seconds=wait))

    # --- Message ids for edits ---------------------------------------------------------------

    async def _message_id(self, key: str) -> int | None:
        if key in self._unrecorded_ids:
            return self._unrecorded_ids[key]
        return await outbox.message_id_of(self.db, key)

    # --- Claiming ----------------------------------------------------------------------------

    async def _claim(self, row_id: int) -> bool:
        """Mark the row in flight before its send; claims asked for together share one
        transaction. False: another sender (a second process) claimed it first."""
        future = self._claims.get(row_id)
        if future is None:
            future = self._claims[row_id] = asyncio.get_running_loop().create_future()
        if self._claimer is None:
            self._claimer = asyncio.get_running_loop().create_task(self._write_claims())
        return await future

    async def _write_claims(self) -> None:
        try:
            while self._claims:
                batch, self._claims = self._claims, {}
                try:
                    won = await outbox.claim(self.db, list(batch), self.clock())
                except Exception as exc:
                    for future in batch.values():
                        future.set_exception(exc)
                    continue
                for row_id, future in batch.items():
                    future.set_result(row_id in won)
        finally:
            self._claimer = None

    # --- Recording ---------------------------------------------------------------------------

    def _record(self, result: Result) -> None:
        """Queue a result; results that come in together are written in one transaction."""
        self._results.append(result)
        if self.metrics is not None and result.outcome is Outcome.UNKNOWN:
            self.metrics.outbox_unknown.inc()
        if self._recorder is None:
            self._recorder = asyncio.get_running_loop().create_task(self._write_results())

    async def _write_results(self) -> None:
        try:
            while self._results:
                batch, self._results = self._results, []
                try:
                    await outbox.record(self.db, batch, self.clock())
                except Exception:
                    # Left unsent in the table: the next scan takes them again.
                    _LOGGER.exception("Could not record %d outbox results", len(batch))
                for result in batch:
                    self._in_hand.discard(result.id)
                    key = self._key_of.pop(result.id, None)
                    if key is not None:
                        self._unrecorded_ids.pop(key, None)
        finally:
            self._recorder = None
            self._maybe_idle()

    def _maybe_idle(self) -> None:
        busy = self._senders or self._answers or self._recorder is not None or self._results
        if not busy:
            self._in_hand.clear()
            self._idle.set()


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
