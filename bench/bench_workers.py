"""Benchmark: several webhook workers on one PostgreSQL database, beside the echo floor; and the
takeover after a worker is killed.

    python -m bench.bench_workers --database-url postgresql://user:pw@127.0.0.1/db
    CRAMPCOACH_BENCH_DATABASE_URL=postgresql://… python -m bench.bench_workers --seconds 30

What runs, one after another, each on a fresh schema of that database (dropped after):

- one ``python -m bot``, then three, in webhook mode (``CRAMPCOACH_LEASE_SECONDS``, default 3
  here), behind a round-robin proxy (``tests/worker_cluster.py``, nginx's part), sending to the
  loopback Bot API of ``bench.bench_http`` (every call answered after ``--delay-ms``);
- the bare python-telegram-bot echo bot (``bench/http_echo_bot.py``, polling) under the same
  athletes, as in ``bench.bench_http``.

The athletes are ``bench.bench_http``'s: each walks the SOS flow (/cramp, then seven presses,
each about a second after the message carrying the button), and starts again; their updates are
posted to the proxy as Telegram posts them (again until answered 200). A step's latency is from
its update being made to the bot's first ``sendMessage`` to that chat. Steps/s: steps answered
per second of the run (the first ``--warmup`` seconds left out).

The takeover, in the three workers' run after its measured window: the worker holding the
``sender`` duty is killed (SIGKILL) while the athletes go on; measured from the kill to the next
message sent to anyone (the sender duty taken over), and to the first reply to a chat whose
update the killed worker had claimed and not finished (its claim taken over).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.bench_http import (
    ECHO_PATH,
    FIRST_USER,
    SOS_PATH,
    Figures,
    Run,
    athlete,
    echo_process,
    figures,
    ms,
    run_bot,
    table,
)
from bench.harness import percentile
from tests.pg import with_schema
from tests.worker_cluster import RecordingBotApi, WebhookProxy, Worker, deliver

ENV = "CRAMPCOACH_BENCH_DATABASE_URL"


class PostingApi(RecordingBotApi):
    """The Bot API whose athletes' updates are posted to the webhook at once (Telegram's part)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = ""
        self.session: aiohttp.ClientSession | None = None
        self._posting: set[asyncio.Task[int]] = set()

    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = super()._queue(payload)
        assert self.session is not None
        task = asyncio.get_running_loop().create_task(
            deliver(self.session, self.url, self.take(update_id))
        )
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)
        return update_id


@contextlib.asynccontextmanager
async def fresh_schema(base: str) -> AsyncIterator[str]:
    """A schema of its own, migrated, dropped after."""
    import psycopg

    from storage import postgres

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
        await admin.execute(f"CREATE SCHEMA {schema}")
    url = with_schema(base, schema)
    try:
        conn = await postgres.connect(url)
        try:
            await postgres.apply_migrations(conn)
        finally:
            await conn.close()
        yield url
    finally:
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as admin:
            await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@dataclass
class Takeover:
    killed_holding: str  # what the killed worker held
    claimed_chats: int  # chats whose update it had claimed, unfinished
    to_next_send: float | None  # kill → the next message sent to anyone
    to_claimed_reply: float | None  # kill → the first reply to one of those chats
    in_flight: int  # sends on the wire at the kill


async def _holders(url: str) -> tuple[dict[str, int], dict[int, set[int]]]:
    """The duties' holders (pid), and each worker's (pid) unfinished claimed chats."""
    import psycopg

    def pid(holder: object) -> int:
        parts = str(holder).split(":")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        duties = await (await conn.execute("SELECT name, holder FROM leases")).fetchall()
        claims = await (
            await conn.execute(
                "SELECT holder, chat_key FROM inbox WHERE done_at IS NULL AND holder IS NOT NULL"
            )
        ).fetchall()
    held: dict[int, set[int]] = {}
    for holder, chat in claims:
        held.setdefault(pid(holder), set()).add(int(chat))
    return {str(name): pid(holder) for name, holder in duties}, held


async def run_workers(
    count: int, base_url: str, args: argparse.Namespace, workdir: Path
) -> tuple[Run, Takeover | None]:
    api = PostingApi(delay=args.delay_ms / 1000)
    await api.start()
    run = Run(f"workers-{count}", api)
    takeover: Takeover | None = None
    async with fresh_schema(base_url) as url:
        workers = [
            Worker(
                f"w{count}-{n}",
                url,
                api.base_url,
                workdir,
                lease_seconds=args.lease_seconds,
                log_level=args.log_level,
            )
            for n in range(count)
        ]
        proxy = WebhookProxy(workers)
        await proxy.start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            api.session, api.url = session, proxy.url
            try:
                for worker in workers:
                    worker.start()
                for worker in workers:
                    await worker.wait_ready(session)
                rng = random.Random(args.seed)
                run.started = time.perf_counter()
                api.slow_enabled = True
                kill_at = run.started + args.seconds
                extra = args.takeover_seconds if count > 1 else 0.0
                walking = asyncio.gather(
                    *(
                        athlete(run, FIRST_USER + n, SOS_PATH, kill_at + extra, n / 10, rng)
                        for n in range(args.athletes)
                    )
                )
                if count > 1:
                    await asyncio.sleep(max(0.0, kill_at - time.perf_counter()))
                    takeover = await _kill_sender(api, workers, url)
                await walking
                run.stopped = kill_at
                died = [w.name for w in workers if not w.alive()]
                if len(died) > (1 if count > 1 else 0):
                    raise SystemExit(f"workers died: {died}\n{workers[0].tail()}")
            finally:
                for worker in workers:
                    worker.stop()
                await proxy.stop()
                await api.stop()
    # The measured window: before the kill.
    run.steps = [s for s in run.steps if s.queued < run.stopped]
    return run, takeover


async def _kill_sender(api: PostingApi, workers: list[Worker], url: str) -> Takeover:
    """Kill the sender duty's holder, at a moment it has claimed updates in hand (looked for
    during up to 5 s; then killed anyway)."""
    deadline = time.perf_counter() + 5
    while True:
        duties, claims = await _holders(url)
        sender = duties.get("sender")
        if claims.get(sender or -1) or time.perf_counter() > deadline:
            break
    [victim] = [w for w in workers if w.alive() and w.pid == sender] or [workers[0]]
    held = [name for name, pid in duties.items() if pid == victim.pid]
    chats = claims.get(victim.pid, set())
    killed_at = victim.kill()
    in_flight = len(api.in_flight(killed_at))
    deadline = killed_at + 60
    next_send = claimed_reply = None
    while time.perf_counter() < deadline and (next_send is None or claimed_reply is None):
        for sent in api.transcript:
            if sent.received <= killed_at or sent.method != "sendMessage":
                continue
            if next_send is None:
                next_send = sent.received - killed_at
            if claimed_reply is None and sent.chat_id in chats:
                claimed_reply = sent.received - killed_at
        if not chats and next_send is not None:
            break
        await asyncio.sleep(0.05)
    return Takeover(", ".join(held) or "no duty", len(chats), next_send, claimed_reply, in_flight)


def _steps_per_second(run: Run, warmup: float) -> float:
    answered = [
        s for s in run.steps if s.queued >= run.started + warmup and s.first_reply is not None
    ]
    return len(answered) / max(run.stopped - run.started - warmup, 1e-9)


def report(
    runs: Sequence[Run], echo: Run, takeover: Takeover | None, args: argparse.Namespace
) -> str:
    stats: dict[str, Figures] = {r.name: figures(r, args.warmup) for r in (*runs, echo)}
    rates = {r.name: _steps_per_second(r, args.warmup) for r in (*runs, echo)}
    floor, floor_rate = stats[echo.name], rates[echo.name]
    p99_floor = percentile(floor.latencies, 0.99)
    labels = {
        "workers-1": "CrampCoach, 1 worker (PostgreSQL)",
        "workers-3": "CrampCoach, 3 workers (PostgreSQL)",
        "echo": "echo floor (polling, nothing stored)",
    }
    rows: list[list[object]] = []
    for run in (*runs, echo):
        f, rate = stats[run.name], rates[run.name]
        p99 = percentile(f.latencies, 0.99)
        rows.append(
            [
                labels.get(run.name, run.name),
                len(f.latencies),
                f"{rate:.1f}",
                ms(percentile(f.latencies, 0.5)),
                ms(p99),
                f.unanswered,
                f"{rate / floor_rate:.2f}" if run is not echo else "1",
                f"×{p99 / p99_floor:.1f}" if run is not echo else "×1",
            ]
        )
    out = [
        f"{args.athletes} athletes walking the SOS flow, a press about 1 s after each reply; "
        f"every Bot API call answered after {args.delay_ms:g} ms; {args.seconds:g} s per run, "
        f"first {args.warmup:g} s left out; CRAMPCOACH_LEASE_SECONDS={args.lease_seconds:g}.",
        "",
        table(
            [
                "bot",
                "steps",
                "steps/s",
                "p50",
                "p99",
                "no reply",
                "steps/s ÷ floor",
                "p99 ÷ floor",
            ],
            rows,
        ),
    ]
    if takeover is not None:

        def seconds(value: float | None) -> str:
            return "–" if value is None else f"{value:.2f} s"

        out += [
            "",
            f"Takeover: SIGKILL of the worker holding {takeover.killed_holding} "
            f"({takeover.in_flight} sends on the wire, {takeover.claimed_chats} chats with an "
            f"update it had claimed): next message sent after {seconds(takeover.to_next_send)}; "
            f"first reply to one of those chats after {seconds(takeover.to_claimed_reply)}.",
        ]
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        workdir = Path(tmp)
        runs: list[Run] = []
        takeover = None
        for count in (1, 3):
            run, taken = await run_workers(count, args.database_url, args, workdir)
            runs.append(run)
            takeover = taken or takeover
        echo = await run_bot("echo", lambda server: echo_process(server, workdir), ECHO_PATH, args)
        return report(runs, echo, takeover, args)


def main() -> None:
    # A killed worker's requests in flight end in "Connection lost" on the Bot API's side.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(ENV))
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--delay-ms", type=float, default=30.0, help="every call's round trip")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured, per run")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds left out at the start")
    parser.add_argument("--takeover-seconds", type=float, default=15.0, help="after the kill")
    parser.add_argument("--lease-seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-level", default="INFO", help="the workers' CRAMPCOACH_LOG_LEVEL")
    # bench_http's run_bot (the echo floor) reads these too.
    parser.add_argument("--slow-share", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--slow-seconds", type=float, default=2.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.database_url:
        parser.error(f"give --database-url or set {ENV} (a PostgreSQL database to make schemas in)")
    print(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
