"""Every update handled exactly once across a crash: the inbox between Telegram and handlers.

python-telegram-bot's Updater confirms a batch of updates (the next ``getUpdates`` offset)
before handling it, so a ``kill -9`` lost whatever was fetched but not yet handled. Here:

1. :meth:`Inbox.keep` writes fetched updates to SQLite (``storage.inbox``) and commits;
   only then does the polling loop ask for the next offset, which confirms them to Telegram.
   The webhook (``bot.web.webhook``) answers its POST only after ``keep`` returned, for the same
   reason.
2. :meth:`Inbox.dispatch_pending` hands every kept, unfinished update to the application's
   ``update_queue`` in ``update_id`` order, once per process. Its first call replays what the
   last run left unfinished (read from the table); after that it hands on what ``keep`` stored
   since, whatever their ids: webhook deliveries arrive side by side, a lower id after a
   higher one.
3. ``CrampCoachApplication.process_update`` handles each update as one unit of work
   (``storage.unit_of_work``): the handlers' writes, the conversation's step, the messages to
   send (outbox rows) and the row's done mark commit in one transaction, and nothing is sent
   before it: a crash keeps all of it or none.

``update_id`` is the key, so an update Telegram delivers again (kept, but the bot died before
confirming it) is stored once and handled once.

Replies are sent afterwards by the outbox sender (``bot.delivery.outbox``), which follows its
own crash policy for a send in flight at a kill.

**Several workers** (PostgreSQL, :class:`Claims` given): what a worker keeps is not handed on by
that worker as such; every worker *claims* kept updates from the table (``storage.inbox.claim``:
a chat's oldest unfinished update, never one another worker's running claim holds), renews its
claims while it works on them, and marks each done only while it still holds it. So one chat's
updates are handled one at a time, in order, by whichever worker is free, and a worker that
dies has its claims taken over once they run out. :meth:`Inbox.hand_on_forever` claims as soon
as something was kept or finished here, and every :data:`CLAIM_EVERY` for what other workers
kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.delivery.duties import wall_clock
from conversations.services import Clock
from storage import inbox
from storage.store import Store

_LOGGER = logging.getLogger(__name__)

POLL_TIMEOUT = 10.0  # seconds a getUpdates long poll waits for something to arrive
READ_MARGIN = 5.0  # seconds on top of the long poll before its answer counts as lost
MAX_BACKOFF = 30.0  # seconds between attempts while Telegram cannot be reached
PENDING_BATCH = 1000  # kept updates read from the inbox at a time
REHAND_AFTER = 1.0  # seconds before handing on again after the database failed to answer
CLAIM_EVERY = 0.1  # seconds between claims when idle (several workers: others' updates)
CLAIM_BATCH = 16  # updates claimed at a time
IN_HAND_LIMIT = 64  # no more claims while this many claimed updates are not done

# getUpdates goes through do_api_request to get the raw JSON (see poll); python-telegram-bot
# suggests get_updates for that, which would parse it.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

_App = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Claims:
    """Several workers: this worker's name in the claims, and how long one lasts unrenewed."""

    holder: str
    ttl: timedelta


class Inbox:
    """Keeps updates before they are confirmed and marks them done once handled."""

    def __init__(
        self,
        db: Store,
        clock: Clock,
        *,
        claims: Claims | None = None,
        wall: Clock = wall_clock,
    ) -> None:
        self.db = db
        self.clock = clock
        self.claims = claims
        self.wall = wall
        self._in_hand: set[int] = set()  # dispatched in this process, not yet done
        self._replayed = False  # the first dispatch_pending reads the table
        self._fresh: dict[int, inbox.StoredUpdate] = {}  # kept, not yet handed on
        # Keeping and handing on exclude each other: the start-up replay must not see a row
        # that a keep_json is about to add to _fresh (it would be handed on twice).
        self._lock = asyncio.Lock()
        self.wanted = asyncio.Event()  # something was kept or finished: hand on (claim) again
        self._renewing: asyncio.Task[None] | None = None

    @property
    def holder(self) -> str | None:
        """This worker's name in its claims (several workers), else None."""
        return None if self.claims is None else self.claims.holder

    async def keep_json(self, payloads: Sequence[dict[str, Any]]) -> list[int]:
        """Store updates as Telegram sent them (a getUpdates result, a webhook body) durably;
        return the ids that were new. Confirm them to Telegram only after this returned."""
        stored = {
            int(payload["update_id"]): inbox.StoredUpdate(
                int(payload["update_id"]), json.dumps(payload), chat_key_of(payload)
            )
            for payload in payloads
        }
        if self.claims is not None:  # claimed from the table, by this worker or another
            new = await inbox.store(self.db, list(stored.values()), self.clock())
            self.wanted.set()
            return new
        async with self._lock:
            new = await inbox.store(self.db, list(stored.values()), self.clock())
            for update_id in new:
                self._fresh[update_id] = stored[update_id]
        self.wanted.set()
        return new

    async def dispatch_pending(self, application: _App) -> int:
        """Hand every kept, unfinished update not yet handed on to the application, in order.

        Returns how many were handed on. Safe to call concurrently and repeatedly. Several
        workers: what this worker could claim.
        """
        if self.claims is not None:
            return await self._claim(application)
        async with self._lock:
            if not self._replayed:
                self._replayed = True
                return await self._replay(application)
            fresh, self._fresh = self._fresh, {}
            return await self._hand_on(application, [fresh[i] for i in sorted(fresh)])

    async def _replay(self, application: _App) -> int:
        """What the table holds unfinished (the last run's, and anything kept before)."""
        count, after = 0, -1
        while True:
            batch = await inbox.pending(self.db, after=after, limit=PENDING_BATCH)
            for stored in batch:
                self._fresh.pop(stored.update_id, None)
            count += await self._hand_on(application, batch)
            if len(batch) < PENDING_BATCH:
                return count
            after = batch[-1].update_id

    async def _claim(self, application: _App) -> int:
        """Claim what can be claimed, a batch at a time, while there is room in hand."""
        assert self.claims is not None
        handed = 0
        async with self._lock:
            while (room := IN_HAND_LIMIT - len(self._in_hand)) > 0:
                now = self.wall()
                batch = min(room, CLAIM_BATCH)
                claimed = await inbox.claim(
                    self.db, self.claims.holder, now, now + self.claims.ttl, batch
                )
                handed += await self._hand_on(application, claimed)
                if len(claimed) < batch:
                    break
        return handed

    async def hand_on_forever(self, application: _App) -> None:
        """Hand on what was kept whenever :attr:`wanted` is set (several workers: also every
        :data:`CLAIM_EVERY`, for what other workers kept or left) until cancelled."""
        every = CLAIM_EVERY if self.claims is not None else None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wanted.wait(), every)
            await self.hand_on_once(application)

    async def hand_on_once(self, application: _App) -> None:
        self.wanted.clear()
        try:
            await self.dispatch_pending(application)
        except Exception:
            _LOGGER.exception("Could not hand kept updates on; trying again")
            await asyncio.sleep(REHAND_AFTER)
            self.wanted.set()

    def start_renewing(self) -> None:
        """Several workers: keep this worker's claims alive while it works on them."""
        if self.claims is not None and self._renewing is None:
            self._renewing = asyncio.get_running_loop().create_task(
                self._renew_forever(), name="inbox-claims"
            )

    async def _renew_forever(self) -> None:
        assert self.claims is not None
        every = self.claims.ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            if not self._in_hand:
                continue
            try:
                await inbox.renew(
                    self.db, self.claims.holder, set(self._in_hand), self.wall() + self.claims.ttl
                )
            except Exception:
                _LOGGER.warning("Could not renew this worker's claims; trying again", exc_info=True)

    async def close(self) -> None:
        """Stop renewing; claims on updates not done are given up at once, so another worker
        takes them without waiting for them to run out (a graceful stop)."""
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            self._renewing = None
        if self.claims is not None and self._in_hand:
            with contextlib.suppress(Exception):
                await inbox.release(self.db, self.claims.holder, set(self._in_hand))
            self._in_hand.clear()

    async def failed(self, update: object) -> None:
        """The update's unit of work did not commit (its claim was taken over, or the
        database failed). Several workers: its claim is given up, for whichever worker claims
        it next (this one too); if even that fails, the claim runs out by itself. One worker:
        it stays in the inbox for the next start, as before."""
        update_id = self.done_id(update)
        if update_id is None or self.claims is None:
            return
        self._in_hand.discard(update_id)
        try:
            await inbox.release(self.db, self.claims.holder, {update_id})
        except Exception:
            _LOGGER.warning("Could not give up the claim on update %d", update_id)
        self.wanted.set()

    async def _hand_on(self, application: _App, batch: Sequence[inbox.StoredUpdate]) -> int:
        count = 0
        for stored in batch:
            update = _decode(stored, application)
            if update is None:
                # Not an update we can read (a future field's shape, a damaged row):
                # done, so it is not retried forever; logged by id only.
                await inbox.mark_done(self.db, stored.update_id, self.clock())
                continue
            self._in_hand.add(stored.update_id)
            await application.update_queue.put(update)
            count += 1
        return count

    def done_id(self, update: object) -> int | None:
        """The inbox id of an update handed out by :meth:`dispatch_pending`, else None (tests
        feed updates directly)."""
        update_id = update.update_id if isinstance(update, Update) else None
        return update_id if update_id in self._in_hand else None

    def forget(self, update_id: int) -> None:
        """The update's done mark is committed: it is no longer in hand (several workers: its
        chat's next update may be claimed now)."""
        self._in_hand.discard(update_id)
        if self.claims is not None:
            self.wanted.set()

    @property
    def in_hand(self) -> int:
        """Updates handed to the application and not yet done."""
        return len(self._in_hand)


def chat_key_of(payload: dict[str, Any]) -> int | None:
    """The line an update waits in, read from its JSON: its chat, else its user (as
    ``bot.delivery.update_processor.ordering_key`` does with the parsed update)."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):
            chat = holder.get("chat") if isinstance(holder, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


def _decode(stored: inbox.StoredUpdate, application: _App) -> Update | None:
    try:
        return Update.de_json(json.loads(stored.payload), application.bot)
    except Exception as exc:  # python-telegram-bot raises TypeError, KeyError, ValueError...
        _LOGGER.error(
            "Inbox update %d cannot be read, skipped: %s", stored.update_id, type(exc).__name__
        )
        return None


async def poll(
    application: _App,
    keeper: Inbox,
    stop: asyncio.Event,
    *,
    allowed_updates: Sequence[str] | None = None,
    poll_timeout: float = POLL_TIMEOUT,
) -> None:
    """Long polling through the inbox until ``stop`` is set.

    Each batch is kept (committed) before the next ``getUpdates`` asks for the offset past it,
    which is what confirms it to Telegram. A failure to keep leaves the offset where it was:
    Telegram sends the batch again.
    """
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        # Raw JSON, not Update objects: what Telegram sent is what the inbox keeps, and one
        # update python-telegram-bot cannot parse (a field a newer Bot API made required, say)
        # is set aside on its own instead of failing every fetch of its batch for ever.
        fetch = asyncio.ensure_future(
            application.bot.do_api_request(
                "getUpdates",
                api_kwargs={
                    "offset": offset,
                    "timeout": poll_timeout,
                    "allowed_updates": allowed_updates,
                },
                read_timeout=poll_timeout + READ_MARGIN,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            # Stopping: the batch in flight was not confirmed, Telegram keeps it for us.
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            return
        try:
            result = fetch.result()
        except RetryAfter as exc:
            await _pause(stop, _seconds(exc.retry_after))
            continue
        except TimedOut:
            continue  # a long poll that outlived its read timeout: ask again
        except InvalidToken:
            raise
        except (Conflict, NetworkError) as exc:
            # Telegram unreachable, or another instance polling with this token.
            _LOGGER.warning("getUpdates failed, retrying in %.0f s: %r", backoff, exc)
            await _pause(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = 1.0
        updates = [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if not updates:
            continue
        try:
            await keeper.keep_json(updates)
        except Exception:
            # Not confirmed: the same batch comes back on the next getUpdates.
            _LOGGER.exception("Could not keep %d updates; fetching them again", len(updates))
            await _pause(stop, 1.0)
            continue
        offset = max(int(u["update_id"]) for u in updates) + 1
        await keeper.dispatch_pending(application)


async def poll_while_held(
    application: _App,
    keeper: Inbox,
    stop: asyncio.Event,
    held: Callable[[], bool],
    *,
    allowed_updates: Sequence[str] | None = None,
    look_every: float = 0.2,
) -> None:
    """Several workers: :func:`poll` while this worker holds the poller's duty (``held``), wait
    while another does, until ``stop`` is set. A batch in flight when the duty is lost is not
    confirmed: the worker polling next gets it again."""
    while not stop.is_set():
        if not held():
            await _pause(stop, look_every)
            continue
        halt = asyncio.Event()
        watcher = asyncio.get_running_loop().create_task(_halt_when(halt, stop, held, look_every))
        try:
            await poll(application, keeper, halt, allowed_updates=allowed_updates)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)


async def _halt_when(
    halt: asyncio.Event, stop: asyncio.Event, held: Callable[[], bool], look_every: float
) -> None:
    """Set ``halt`` once ``stop`` is set or the duty is no longer held."""
    while held() and not stop.is_set():
        await _pause(stop, look_every)
    halt.set()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


async def delete_webhook(application: _App) -> None:
    """Polling and a webhook exclude each other; pending updates are kept (never dropped)."""
    try:
        await application.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as exc:
        _LOGGER.warning("Could not delete the webhook: %r", exc)
