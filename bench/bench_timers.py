"""Benchmark: does an SOS timer cost more when many episodes are open?

    python -m bench.bench_timers                 # 10, 1,000 and 10,000 open episodes
    python -m bench.bench_timers --open 10 100000

Each open episode in its relief steps has two timer rows (``storage.timers``), each armed in
memory (``bot.delivery.timers``): its countdown's next edit (each edit sets the next) and the
ten-minute check. With that many episodes open, we time what one more athlete's stretch costs:
a unit of work that sets its two timers and arms them after the commit, then one that cancels
them (the athlete answered), through the same functions the SOS flow calls. The floor: the
same with 10 open episodes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bench.harness import table
from bot.delivery.timers import TimerRunner
from bot.delivery.units import UnitRunner
from conversations.services import Services
from conversations.sos import timers
from storage.db import Database
from storage.unit_of_work import UnitOfWork

HOLD = timedelta(seconds=30)
EDITS = 3
SAMPLES = 300
NOW = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)


async def cost_per_stretch(open_episodes: int, *, gc_paused: bool = False) -> tuple[float, float]:
    """Microseconds to set (and arm), and to cancel (and disarm), one more stretch's timers.

    ``gc_paused``: Python's cyclic garbage collector held still while timing, to tell the
    timers' own cost from the collector's, which grows with everything the process holds.
    """
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.open()
        svc = Services(db=db, emergency_number="112", clock=lambda: NOW)
        units = UnitRunner(db, svc.clock)
        units.timers = runner = TimerRunner(db, svc.clock, {}, units.run)

        async def stretch(episode_id: int, unit: UnitOfWork) -> None:
            await timers.start_countdown(
                svc,
                chat_id=episode_id,
                message=f"update:{episode_id}#0",
                episode_id=episode_id,
                instructions="Stretch gently",
                hold=HOLD,
                edits=EDITS,
            )
            due = NOW + timedelta(minutes=10)
            await timers.schedule_medical_check(svc, episode_id, episode_id, due)

        async def answered(episode_id: int, unit: UnitOfWork) -> None:
            await timers.cancel_all(episode_id)

        for episode_id in range(1, open_episodes + 1):
            await units.run(f"open:{episode_id}", partial(stretch, episode_id))
        ids = range(open_episodes + 1, open_episodes + 1 + SAMPLES)
        gc.collect()
        if gc_paused:
            gc.disable()
        started = time.perf_counter()
        for episode_id in ids:
            await units.run(f"stretch:{episode_id}", partial(stretch, episode_id))
        scheduled = time.perf_counter() - started
        started = time.perf_counter()
        for episode_id in ids:
            await units.run(f"answer:{episode_id}", partial(answered, episode_id))
        cancelled = time.perf_counter() - started
        gc.enable()
        await runner.stop()
        await db.close()
    return scheduled / SAMPLES * 1e6, cancelled / SAMPLES * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--open", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=3, help="best of this many")
    args = parser.parse_args()
    rows = []
    floors: dict[bool, float] = {}
    for count in args.open:
        row = [f"{count:,}"]
        for paused in (False, True):
            schedule_us, cancel_us = min(
                (
                    asyncio.run(cost_per_stretch(count, gc_paused=paused))
                    for _ in range(args.rounds)
                ),
                key=sum,
            )
            floor = floors.setdefault(paused, schedule_us + cancel_us)
            row += [
                f"{schedule_us:,.0f} + {cancel_us:,.0f} µs",
                f"{(schedule_us + cancel_us) / floor:.2f}×",
            ]
        rows.append(row)
    print(
        table(
            [
                "open episodes",
                "one stretch: set its timers + cancel them",
                f"beside {args.open[0]:,} open",
                "the same, GC paused",
                f"beside {args.open[0]:,} open",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
