"""Benchmark: 10,000 due check-ins against a Bot API that enforces Telegram's limits.

    python -m bench.bench_checkins                  # 10,000 check-ins (about 6 minutes)
    python -m bench.bench_checkins --checkins 900   # a smaller run while developing

The real Application with its production limiter (30 messages a second, one a second per
chat) sends the due check-ins through the scheduler's tick, against a local Bot API that
answers 429 with ``retry_after`` whenever Telegram's limits are crossed
(:mod:`bench.telegram_limits`). Meanwhile a new athlete sends /cramp every 2 s (``--probe-every``);
we time each from the update to the first-aid reply. The replies share Telegram's 30 a second
with the check-ins. Counted: messages a second, 429s, check-ins
lost (a plan whose chat got none) and sent twice.

The floor, in the same run: the bare echo bot with python-telegram-bot's ``AIORateLimiter``
sending messages to as many chats (at most 1,000) as fast as it lets them, against the same
kind of Bot API.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.error import TelegramError

from bench.bench_scheduler import populate
from bench.harness import Athlete, crampcoach, echo_bot, fed, ms, percentile, table
from bench.telegram_limits import LimitedBotAPI
from bot.scheduler import tick
from storage.timestamps import to_db

NOW = datetime(2027, 3, 20, 8, 0, 30, tzinfo=UTC)
ATHLETES = 9_000_000


@dataclass
class Result:
    sent: int
    seconds: float
    refused: int
    by_limit: dict[str, int]
    lost: int
    twice: int
    replies: list[float]


def _due_database(path: Path, checkins: int) -> None:
    populate(path, checkins, checkins, checkins_per_plan=0)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE plans SET next_checkin_at = ?", (to_db(NOW - timedelta(minutes=1)),))
    conn.commit()
    conn.close()


async def crampcoach_run(path: Path, checkins: int, probe_every: float) -> Result:
    api = LimitedBotAPI(keep_calls=False, keep_messages=2)
    app = crampcoach(path, api, send_rate=30.0, per_chat_interval=1.0, clock=lambda: NOW)
    async with fed(app, api) as bot:
        started = time.perf_counter()
        sending = asyncio.create_task(tick(app))
        n = 0
        while not sending.done():  # an athlete mid-cramp every half second
            n += 1
            await Athlete(bot, ATHLETES + n).tap_and_wait_for_reply()
            await asyncio.sleep(probe_every)
        report = await sending
        seconds = time.perf_counter() - started
    plan_chats = range(1, checkins + 1)
    return Result(
        sent=report.checkins_sent,
        seconds=seconds,
        refused=sum(api.refused.values()),
        by_limit=dict(api.refused),
        lost=sum(1 for chat in plan_chats if api.delivered[chat] == 0),
        twice=sum(1 for chat in plan_chats if api.delivered[chat] > 1),
        replies=bot.watch.latencies,
    )


async def echo_run(messages: int) -> Result:
    api = LimitedBotAPI(keep_calls=False, keep_messages=2)
    app = echo_bot(api, rate_limiter=True)
    async with app:
        gate = asyncio.Semaphore(50)

        async def one(chat_id: int) -> bool:
            async with gate:
                try:
                    await app.bot.send_message(chat_id, "check-in")
                except TelegramError:
                    return False
                return True

        started = time.perf_counter()
        delivered = sum(await asyncio.gather(*(one(c) for c in range(1, messages + 1))))
        seconds = time.perf_counter() - started
    chats = range(1, messages + 1)
    return Result(
        sent=delivered,
        seconds=seconds,
        refused=sum(api.refused.values()),
        by_limit=dict(api.refused),
        lost=sum(1 for chat in chats if api.delivered[chat] == 0),
        twice=sum(1 for chat in chats if api.delivered[chat] > 1),
        replies=[],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkins", type=int, default=10_000)
    parser.add_argument("--echo-messages", type=int, default=1_000)
    parser.add_argument("--probe-every", type=float, default=2.0, help="seconds between /cramp")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "due.sqlite3"
        _due_database(path, args.checkins)
        ours = asyncio.run(crampcoach_run(path, args.checkins, args.probe_every))
    echo = asyncio.run(echo_run(min(args.checkins, args.echo_messages)))
    rows = []
    for label, r in (("CrampCoach", ours), ("echo floor (AIORateLimiter)", echo)):
        rows.append(
            [
                label,
                f"{r.sent:,}",
                f"{r.seconds:,.1f} s",
                f"{r.sent / r.seconds:.1f}",
                f"{(r.sent + len(r.replies)) / r.seconds:.1f}",
                f"{r.refused:,}" + (f" ({dict(r.by_limit)})" if r.refused else ""),
                f"{r.lost:,}",
                f"{r.twice:,}",
                (
                    f"{ms(percentile(r.replies, 0.5))} / {ms(percentile(r.replies, 0.99))}"
                    f" ({len(r.replies)})"
                    if r.replies
                    else "–"
                ),
            ]
        )
    limit = args.checkins / 30
    print(f"Telegram's limit: 30 messages/s, so {args.checkins:,} take at least {limit:.0f} s")
    print(
        table(
            [
                "bot",
                "messages",
                "all out after",
                "check-ins/s",
                "all messages/s",
                "429s",
                "lost",
                "sent twice",
                "/cramp reply p50 / p99 (n)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
