"""Benchmark: does a burst of scheduled check-ins hold up a reply to someone mid-cramp?

    python -m bench.bench_priority               # 300 due check-ins at 30 messages a second
    python -m bench.bench_priority --due 600

The real Application runs against the in-memory Bot API with the production rate limiter
(30 messages a second). The scheduler's tick starts sending the due check-ins (about ten
seconds' worth); meanwhile an athlete sends /cramp every half second. We time each /cramp from
the update to the bot's reply being sent, and compare with the same on an idle bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_scheduler import populate
from bot.application import build_application
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI
from bot.lifecycle import running
from bot.scheduler import tick
from bot.settings import Settings

NOW = datetime(2027, 3, 20, 8, 0, 30, tzinfo=UTC)
ATHLETE = 9_000_000


async def _reply_latencies(bot_app: object, api: LocalBotAPI, count: int) -> list[float]:
    from bot.devtools.local_api import LocalUser

    latencies = []
    for n in range(count):
        user = LocalUser(bot_app, api, ATHLETE + n)  # type: ignore[arg-type]
        started = time.perf_counter()
        await user.send("/cramp")
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.5)
    return latencies


async def measure(path: Path, due: int, samples: int) -> tuple[list[float], list[float], float]:
    settings = Settings(_env_file=None, db_path=path)  # type: ignore[call-arg]
    api = LocalBotAPI()
    app = build_application(
        settings, request=api, token=LOCAL_TOKEN, clock=lambda: NOW, scheduler=False
    )
    async with running(app):
        idle = await _reply_latencies(app, api, samples)
        sending = asyncio.create_task(tick(app))
        await asyncio.sleep(0.2)  # the burst is under way
        busy = await _reply_latencies(app, api, samples)
        started = time.perf_counter()
        report = await sending
        burst_seconds = time.perf_counter() - started
        assert report.checkins_sent == due, report
    return idle, busy, burst_seconds


def _summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--due", type=int, default=300)
    parser.add_argument("--samples", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        populate(path, args.due, args.due, checkins_per_plan=0)
        # The due plans' next check-in: a minute before NOW.
        conn = sqlite3.connect(path)
        conn.execute(
            "UPDATE plans SET next_checkin_at = ?",
            ((NOW - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),),
        )
        conn.commit()
        conn.close()
        idle, busy, burst = asyncio.run(measure(path, args.due, args.samples))
    print(f"/cramp reply, idle bot:                      {_summary(idle)}")
    print(f"/cramp reply, during {args.due} scheduled sends: {_summary(busy)}")
    print(
        f"the {args.due} check-ins took {burst:.1f} s after the replies "
        f"(the limiter's 30/s: {args.due / 30:.1f} s in all)"
    )


if __name__ == "__main__":
    main()
