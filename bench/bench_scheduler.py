"""Benchmark: finding and claiming due check-ins among many plans, and start-up cost.

    python -m bench.bench_scheduler            # 100,000 plans, 1,000 due
    python -m bench.bench_scheduler --plans 20000 --due 500

Prints the query plan (it must use the ``plans_due`` index), the time to claim the due
check-ins (median of several rounds, each on a fresh copy of the database), and the start-up
time and peak memory of the real Application with 0 and with all the plans in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from rules import plan_clock
from rules.plan_clock import DueSlot
from storage import plans
from storage.db import Database
from storage.timestamps import to_db

NOW = datetime(2027, 3, 20, 8, 0, 30, tzinfo=UTC)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")


async def _create_schema(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


def populate(path: Path, n_plans: int, n_due: int, checkins_per_plan: int = 3) -> None:
    """Fill the database quickly with plain sqlite3: users, plans, past check-ins."""
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path)
    created = to_db(NOW - timedelta(days=5))
    cramp = to_db(NOW - timedelta(days=5, hours=3))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (user_id, first_seen_at) VALUES (?, ?)",
        ((uid, created) for uid in range(1, n_plans + 1)),
    )
    rows = []
    for uid in range(1, n_plans + 1):
        due = uid <= n_due
        # Due plans: a minute ago. The rest: spread over the next 24 hours.
        next_at = NOW - timedelta(minutes=1) if due else NOW + timedelta(seconds=60 + uid % 86_000)
        rows.append(
            (
                uid,
                uid,
                uid,
                cramp,
                "08:00",
                ZONES[uid % len(ZONES)],
                2,
                "active",
                to_db(next_at),
                created,
            )
        )
    conn.executemany(
        "INSERT INTO plans (id, user_id, chat_id, cramp_at, checkin_time, zone, stage, status, "
        "next_checkin_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO checkins (plan_id, local_date, day, claimed_at, sent_at, answered_at, pain) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                uid,
                (date(2027, 3, 16) + timedelta(days=d)).isoformat(),
                d + 1,
                created,
                created,
                created,
                2,
            )
            for uid in range(1, n_plans + 1)
            for d in range(checkins_per_plan)
        ),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def query_plan(path: Path) -> str:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM plans p WHERE p.status = 'active' "
        "AND p.next_checkin_at <= ? ORDER BY p.next_checkin_at LIMIT 1000",
        (to_db(NOW),),
    ).fetchall()
    conn.close()
    return " | ".join(row[-1] for row in rows)


async def find_once(path: Path, n_due: int) -> float:
    """Only the indexed query that finds the due plans (no claiming)."""
    db = Database(path)
    await db.open()
    started = time.perf_counter()
    rows = await db.fetch_all(
        "SELECT * FROM plans WHERE status = 'active' AND next_checkin_at <= ? "
        "ORDER BY next_checkin_at LIMIT ?",
        (to_db(NOW), n_due),
    )
    elapsed = time.perf_counter() - started
    assert len(rows) == n_due
    await db.close()
    return elapsed


async def claim_once(path: Path, n_due: int) -> tuple[float, int]:
    db = Database(path)
    await db.open()
    started = time.perf_counter()
    claimed = await plans.claim_due(db, NOW, n_due, partial(_slot, now=NOW))
    elapsed = time.perf_counter() - started
    await db.close()
    return elapsed, len(claimed)


def _slot(plan: plans.Plan, *, now: datetime) -> DueSlot:
    return plan_clock.due_slot(plan.cramp_at, plan.checkin_time, plan.zone, now)


STARTUP_PROBE = """
import asyncio, json, resource, sys, time
t0 = time.perf_counter()
from bot.application import build_application
from bot.lifecycle import running
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI
from bot.settings import Settings
async def main():
    settings = Settings(_env_file=None, db_path=sys.argv[1])
    app = build_application(settings, request=LocalBotAPI(), token=LOCAL_TOKEN, scheduler=False)
    t1 = time.perf_counter()
    async with running(app):
        t2 = time.perf_counter()
    return t1, t2
t1, t2 = asyncio.run(main())
rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
figures = {"import_and_build_s": t1 - t0, "start_s": t2 - t1, "max_rss_mib": rss_kib / 1024}
print(json.dumps(figures))
"""


def startup(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.sqlite3"
        started = time.perf_counter()
        populate(base, args.plans, args.due)
        print(
            f"populated {args.plans:,} plans ({args.due:,} due) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        print(f"query plan: {query_plan(base)}")

        finds = [asyncio.run(find_once(base, args.due)) for _ in range(args.rounds)]
        print(
            f"find {args.due:,} due of {args.plans:,} (the indexed query alone): median "
            f"{statistics.median(finds) * 1000:.1f} ms"
        )
        timings = []
        for round_no in range(args.rounds):
            copy = Path(tmp) / f"round{round_no}.sqlite3"
            shutil.copy(base, copy)
            elapsed, claimed = asyncio.run(claim_once(copy, args.due))
            assert claimed == args.due, (claimed, args.due)
            timings.append(elapsed)
        print(
            f"claim {args.due:,} due of {args.plans:,}: median "
            f"{statistics.median(timings) * 1000:.1f} ms, best {min(timings) * 1000:.1f} ms "
            f"({args.rounds} rounds)"
        )

        empty = Path(tmp) / "empty.sqlite3"
        asyncio.run(_create_schema(empty))
        for label, path in (("0 plans", empty), (f"{args.plans:,} plans", base)):
            figures = startup(path)
            print(
                f"start-up with {label}: build {figures['import_and_build_s'] * 1000:.0f} ms "
                f"(incl. imports), initialize+start {figures['start_s'] * 1000:.1f} ms, "
                f"peak RSS {figures['max_rss_mib']:.1f} MiB"
            )


if __name__ == "__main__":
    main()
