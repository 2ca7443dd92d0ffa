"""Benchmark: 10,000 due check-ins through several workers on one PostgreSQL database, against a
Bot API that enforces Telegram's limits per token.

    python -m bench.bench_workers_checkins --database-url postgresql://user:pw@host/db
    python -m bench.bench_workers_checkins --checkins 900 --workers 3   # a quicker run

The URL may also come from ``CRAMPCOACH_BENCH_DATABASE_URL``; the run uses a schema of its own
in that database and drops it at the end.

What runs: ``--workers`` real Applications (each its own inbox claims, duties, connection pool
and rate limiter, as separate ``python -m bot`` processes would have) in this process, on one
database, all ticking the scheduler at once; one local Bot API for all of them, since
Telegram's limits are per bot token (:mod:`bench.telegram_limits`: 429 with ``retry_after``
past 30 messages a second or one a second per chat). Only the worker holding the ``scheduler``
duty claims the check-ins and only the one holding the ``sender`` duty sends: the workers
never compete for the token's budget. Counted: messages a second, 429s, check-ins lost (a
plan whose chat got none) and sent twice; beside the echo floor of ``bench.bench_checkins``
(python-telegram-bot's ``AIORateLimiter``) in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
from pydantic import SecretStr

from bench.bench_checkins import NOW, Result, echo_run
from bench.bench_scheduler import ZONES
from bench.harness import table
from bench.telegram_limits import LimitedBotAPI
from bot.application import CrampCoachApplication, build_application
from bot.delivery import duties
from bot.devtools.local_api import LOCAL_TOKEN
from bot.lifecycle import running
from bot.scheduler import tick
from bot.settings import Settings
from storage import outbox
from storage.postgres import PostgresDatabase
from storage.timestamps import to_db
from tests.pg import with_schema

ENV = "CRAMPCOACH_BENCH_DATABASE_URL"


@contextlib.asynccontextmanager
async def own_schema(base: str) -> AsyncIterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
        await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(base, schema)
    finally:
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")


async def populate(url: str, checkins: int) -> None:
    """Users and active plans, every one due a minute ago."""
    db = PostgresDatabase(url)
    await db.open()
    created = to_db(NOW - timedelta(days=5))
    cramp = to_db(NOW - timedelta(days=5, hours=3))
    due = to_db(NOW - timedelta(minutes=1))
    try:
        async with db.write() as tx:
            await tx.executemany(
                "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?)",
                [(uid, created) for uid in range(1, checkins + 1)],
            )
            await tx.executemany(
                "INSERT INTO plans (user_id, chat_id, cramp_at, checkin_time, zone, stage, "
                "status, next_checkin_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (uid, uid, cramp, "08:00", ZONES[uid % len(ZONES)], 2, "active", due, created)
                    for uid in range(1, checkins + 1)
                ],
            )
    finally:
        await db.close()


async def workers_run(url: str, checkins: int, workers: int) -> tuple[Result, list[str]]:
    api = LimitedBotAPI(keep_calls=False, keep_messages=2)
    settings = Settings(_env_file=None, database_url=SecretStr(url))  # type: ignore[call-arg]
    apps = []
    for n in range(workers):
        app = build_application(
            settings,
            request=api,
            token=LOCAL_TOKEN,
            clock=lambda: NOW,
            send_rate=30.0,
            per_chat_interval=1.0,
            scheduler=False,
            worker_holder=f"bench-{n}:{os.getpid()}:{uuid.uuid4().hex[:6]}",
        )
        assert isinstance(app, CrampCoachApplication)
        apps.append(app)
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(running(app))
        roles = [
            "+".join(name for name, duty in app.duties.items() if duty.held) or "handles only"
            for app in apps
        ]
        db = apps[0].units.db
        started = time.perf_counter()
        reports = await asyncio.gather(*(tick(app) for app in apps))
        while (await outbox.counts(db)).unsent:  # noqa: ASYNC110 (the database is the truth)
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - started
        assert sum(a.duties[duties.SENDER].held for a in apps) == 1
    plan_chats = range(1, checkins + 1)
    result = Result(
        sent=sum(r.checkins_sent for r in reports),
        seconds=seconds,
        refused=sum(api.refused.values()),
        by_limit=dict(api.refused),
        lost=sum(1 for chat in plan_chats if api.delivered[chat] == 0),
        twice=sum(1 for chat in plan_chats if api.delivered[chat] > 1),
        replies=[],
    )
    return result, roles


async def run(base: str, checkins: int, workers: int) -> tuple[Result, list[str]]:
    async with own_schema(base) as url:
        migrate = PostgresDatabase(url)
        await migrate.open()
        await migrate.close()
        await populate(url, checkins)
        return await workers_run(url, checkins, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(ENV))
    parser.add_argument("--checkins", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--echo-messages", type=int, default=1_000)
    args = parser.parse_args()
    if not args.database_url:
        parser.error(f"a PostgreSQL database is needed: --database-url or {ENV}")
    ours, roles = asyncio.run(run(args.database_url, args.checkins, args.workers))
    echo = asyncio.run(echo_run(min(args.checkins, args.echo_messages)))
    print(f"workers' duties: {', '.join(f'{n}: {r}' for n, r in enumerate(roles))}")
    print(
        f"Telegram's limit: 30 messages/s, so {args.checkins:,} take at least "
        f"{args.checkins / 30:.0f} s"
    )
    rows = [
        [
            label,
            f"{r.sent:,}",
            f"{r.seconds:,.1f} s",
            f"{r.sent / r.seconds:.1f}",
            f"{r.refused:,}" + (f" ({dict(r.by_limit)})" if r.refused else ""),
            f"{r.lost:,}",
            f"{r.twice:,}",
        ]
        for label, r in (
            (f"CrampCoach, {args.workers} workers", ours),
            ("echo floor (AIORateLimiter)", echo),
        )
    ]
    print(
        table(
            ["bot", "messages", "all out after", "messages/s", "429s", "lost", "sent twice"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
