"""Benchmark: does an SOS timer cost more when many episodes are open?

    python -m bench.bench_timers                 # 10, 1,000 and 10,000 open episodes
    python -m bench.bench_timers --open 10 100000

Each open episode in its relief steps has two jobs in python-telegram-bot's JobQueue: its
countdown's next edit (each edit schedules the next) and the ten-minute check. With that many
episodes open, we time what one more athlete's stretch costs the job queue: scheduling its
jobs, then cancelling them (the athlete answered), through the same functions the SOS flow
calls. The floor: the same with 10 open episodes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import time
from datetime import timedelta

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bench.harness import table
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI
from conversations.sos import timers

HOLD = timedelta(seconds=30)
EDITS = 3
SAMPLES = 300


def _stretch(app: Application, episode_id: int) -> None:  # type: ignore[type-arg]
    timers.start_countdown(
        app.job_queue,
        chat_id=episode_id,
        message_id=1,
        episode_id=episode_id,
        instructions="Stretch gently",
        hold=HOLD,
        edits=EDITS,
        buttons=InlineKeyboardMarkup([]),
    )
    timers.schedule_medical_check(app.job_queue, episode_id, episode_id, timedelta(minutes=10))


def _answered(app: Application, episode_id: int) -> None:  # type: ignore[type-arg]
    timers.cancel_all(app.job_queue, episode_id)


async def cost_per_stretch(open_episodes: int, *, gc_paused: bool = False) -> tuple[float, float]:
    """Microseconds to schedule, and to cancel, one more stretch's timers.

    ``gc_paused``: Python's cyclic garbage collector held still while timing, to tell the job
    queue's own cost from the collector's, which grows with everything the process holds.
    """
    api = LocalBotAPI()
    app = Application.builder().token(LOCAL_TOKEN).request(api).get_updates_request(api).build()
    async with app:
        assert app.job_queue is not None
        await app.job_queue.start()
        for episode_id in range(1, open_episodes + 1):
            _stretch(app, episode_id)
        await asyncio.sleep(0)
        ids = range(open_episodes + 1, open_episodes + 1 + SAMPLES)
        gc.collect()
        if gc_paused:
            gc.disable()
        started = time.perf_counter()
        for episode_id in ids:
            _stretch(app, episode_id)
        scheduled = time.perf_counter() - started
        await asyncio.sleep(0)
        started = time.perf_counter()
        for episode_id in ids:
            _answered(app, episode_id)
        cancelled = time.perf_counter() - started
        gc.enable()
        await app.job_queue.stop(wait=False)
    return scheduled / SAMPLES * 1e6, cancelled / SAMPLES * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--open", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=3, help="best of this many")
    args = parser.parse_args()
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
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
                "one stretch: schedule its jobs + cancel them",
                f"beside {args.open[0]:,} open",
                "the same, GC paused",
                f"beside {args.open[0]:,} open",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
