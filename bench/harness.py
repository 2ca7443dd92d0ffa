"""What the benchmarks share: CrampCoach and a bare python-telegram-bot echo bot, fed the same way.

Both run in this process against the in-memory Bot API
(:class:`bot.devtools.local_api.LocalBotAPI`). Updates go into the application's ``update_queue``,
exactly where python-telegram-bot's updater puts what it fetched from Telegram, so the framework's
own dispatching is part of what is measured for both. An athlete walks the SOS flow (one message,
then eight button presses); the echo bot gets the same kinds of updates (a message, then presses),
answers each press and sends one message back, the same Bot API calls an SOS step makes.

Latency is from the moment an update is put into the queue to the moment the bot's reply (its
first ``sendMessage`` to that chat) reaches the Bot API. An update is *finished* for CrampCoach
when :meth:`bot.application.CrampCoachApplication.update_finished` runs (after its state is
committed), and for the echo bot when its reply arrives (it has nothing else to do).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.application import CrampCoachApplication, build_application
from bot.devtools.local_api import LOCAL_TOKEN, ApiCall, ChatMessage, LocalBotAPI, LocalUser
from bot.lifecycle import running
from bot.settings import Settings
from conversations.texts import sos as texts

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# The SOS flow an athlete walks in the benchmarks: /cramp, then the button pressed at each step
# (no red flag and something else, the calf, eased after the stretch, no sign on the late check,
# four questions answered). Nine updates.
SOS_PATH = (
    texts.NO_FLAG_OTHER,
    texts.MUSCLE_LABELS["calf"],
    texts.EASED,
    texts.NONE_OF_THESE,
    texts.ACTIVITY_LABELS["running"],
    texts.TIME_INTO_LABELS["30-60"],
    texts.YES,
    texts.NO,
)
UPDATES_PER_FLOW = 1 + len(SOS_PATH)
NO_LIMIT = 1_000_000.0  # a send rate no benchmark reaches: the limiter is out of the way


# --- The two bots ------------------------------------------------------------------------------


def crampcoach(
    db_path: Path,
    api: LocalBotAPI,
    *,
    send_rate: float = NO_LIMIT,
    per_chat_interval: float = 0.0,
    **kwargs: Any,
) -> CrampCoachApplication:
    settings = Settings(_env_file=None, db_path=db_path)  # type: ignore[call-arg]
    app = build_application(
        settings,
        request=api,
        token=LOCAL_TOKEN,
        send_rate=send_rate,
        per_chat_interval=per_chat_interval,
        scheduler=False,
        **kwargs,
    )
    assert isinstance(app, CrampCoachApplication)
    return app


# An SOS step's keyboard has six to eight buttons; this one has seven.
SOS_SIZE_KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton(f"Option {n}", callback_data=f"sos:12345:step:choice{n}")]
        for n in range(7)
    ]
)


def echo_handlers(markup: InlineKeyboardMarkup | None) -> list[Any]:
    """The echo floor's handlers: a message or a press answered with a message."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await context.bot.send_message(message.chat_id, message.text or "?", reply_markup=markup)

    async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer()
        await context.bot.send_message(
            query.message.chat.id, query.data or "?", reply_markup=markup
        )

    return [MessageHandler(filters.ALL, echo), CallbackQueryHandler(echo_press)]


def echo_bot(api: LocalBotAPI, *, rate_limiter: bool = False, keyboards: bool = False) -> AnyApp:
    """The floor: python-telegram-bot's defaults, one handler, nothing stored.

    ``keyboards=True``: every reply carries an SOS-sized inline keyboard (so every press
    carries it back), to show what the framework's keyboard handling alone costs.
    """
    builder = Application.builder().token(LOCAL_TOKEN).request(api).get_updates_request(api)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter())  # type: ignore[arg-type]
    app = builder.build()
    for handler in echo_handlers(SOS_SIZE_KEYBOARD if keyboards else None):
        app.add_handler(handler)
    return app


# --- Watching replies --------------------------------------------------------------------------


@dataclass
class Watch:
    """Per chat: when its last update was queued, and futures for its reply and its end."""

    latencies: list[float] = field(default_factory=list)
    finished: int = 0
    # Chats whose next reply was made slow on purpose: their latencies are kept apart.
    slow_chats: set[int] = field(default_factory=set)
    slow_latencies: list[float] = field(default_factory=list)
    _sent_at: dict[int, float] = field(default_factory=dict)
    _replied: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    _done: dict[int, asyncio.Future[None]] = field(default_factory=dict)

    def expect(self, chat_id: int) -> tuple[asyncio.Future[None], asyncio.Future[None]]:
        loop = asyncio.get_running_loop()
        self._sent_at[chat_id] = time.perf_counter()
        replied, done = loop.create_future(), loop.create_future()
        self._replied[chat_id], self._done[chat_id] = replied, done
        return replied, done

    def on_call(self, call: ApiCall, message: ChatMessage | None) -> None:
        if call.method != "sendMessage" or message is None:
            return
        started = self._sent_at.pop(message.chat_id, None)
        if started is not None:
            slow = message.chat_id in self.slow_chats
            self.slow_chats.discard(message.chat_id)
            (self.slow_latencies if slow else self.latencies).append(time.perf_counter() - started)
            _resolve(self._replied.pop(message.chat_id, None))

    def on_finished(self, chat_id: int) -> None:
        self.finished += 1
        _resolve(self._done.pop(chat_id, None))


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


@dataclass
class Fed:
    """A bot, its Bot API and the watch on them."""

    app: AnyApp
    api: LocalBotAPI
    watch: Watch
    ours: bool


@contextlib.asynccontextmanager
async def fed(app: AnyApp, api: LocalBotAPI) -> AsyncIterator[Fed]:
    watch = Watch()
    api.listeners.append(watch.on_call)
    ours = isinstance(app, CrampCoachApplication)
    if isinstance(app, CrampCoachApplication):

        async def finished(update: object) -> None:
            # Done once its messages are out (the outbox sends them after the commit): the
            # person taps again after reading the whole reply.
            if isinstance(update, Update) and update.effective_chat is not None:
                chat_id = update.effective_chat.id
                await app.sender.chat_sent(chat_id)
                watch.on_finished(chat_id)

        app.finished_callbacks.append(finished)
    else:
        # The echo bot is done with an update once its reply is out.
        def replied(call: ApiCall, message: ChatMessage | None) -> None:
            if call.method == "sendMessage" and message is not None:
                watch.on_finished(message.chat_id)

        api.listeners.append(replied)
    async with running(app):
        yield Fed(app, api, watch, ours)


# --- Athletes ----------------------------------------------------------------------------------


class Athlete:
    """One person in a private chat, walking the SOS flow again and again."""

    def __init__(self, bot: Fed, user_id: int) -> None:
        self.bot = bot
        self.user = LocalUser(bot.app, bot.api, user_id)
        self.user.through_queue = True
        self.step = 0

    async def tap(self) -> None:
        """Queue the next update of the flow; returns once it is finished."""
        _, done = self.bot.watch.expect(self.user.chat_id)
        await self._next()
        await done

    async def tap_and_wait_for_reply(self) -> None:
        replied, done = self.bot.watch.expect(self.user.chat_id)
        await self._next()
        await replied
        await done

    async def _next(self) -> None:
        step, self.step = self.step, (self.step + 1) % UPDATES_PER_FLOW
        if step == 0:
            await self.user.send("/cramp")
        elif self.bot.ours:
            await self.user.press(SOS_PATH[step - 1])
        else:
            last = self.bot.api.last_bot_message(self.user.chat_id)
            await self.user.press_data(f"sos:1:step:{step}", last)


async def every(
    period: float, duration: float, offset: float, action: Callable[[], Awaitable[None]]
) -> None:
    """Run ``action`` every ``period`` seconds (from ``offset``) until ``duration`` is over;
    if it ran late, the next run starts at once (a person taps after seeing the reply)."""
    start = time.perf_counter()
    due = start + offset
    while due < start + duration:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await action()
        due = max(due + period, time.perf_counter())


# --- Figures -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table, ready for the README."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def round_trip(seconds: float) -> Callable[[ApiCall], Awaitable[None]]:
    """Every Bot API call takes ``seconds`` (a network round trip)."""

    async def delay(call: ApiCall) -> None:
        await asyncio.sleep(seconds)

    return delay
