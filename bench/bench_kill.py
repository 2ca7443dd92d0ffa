"""Benchmark: ``kill -9`` at random instants while fifty taps are in flight.

    python -m bench.bench_kill               # 10 runs
    python -m bench.bench_kill --runs 30 --seed 7

Each run starts ``python -m bot`` against the loopback Bot API server of the tests, brings
fifty athletes to the red-flag screen, queues fifty taps at once and kills the bot with
SIGKILL after a random delay, then starts it again and waits until every tap has its answer
(``tests.test_kill_in_flight.one_run``). Per run: the taps answered before the kill, the
replies in flight at it (outbox rows claimed, no result: the crash policy sends these again),
the taps never answered (lost), the taps answered twice, and whether every duplicate was one
the policy allows.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from tests.bot_api_server import BotApiServer
from tests.test_end_to_end_polling import TOKEN
from tests.test_kill_in_flight import ATHLETES, KillRun, one_run


def run_once(delay: float) -> KillRun:
    server = BotApiServer(TOKEN)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            return one_run(server, Path(folder), delay)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--within", type=float, default=1.0, help="latest kill, seconds")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        "| run | kill after | answered before | in flight at the kill | lost | answered twice "
        "| within the policy |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    lost = twice = in_flight = 0
    for run in range(1, args.runs + 1):
        delay = rng.uniform(0.0, args.within)
        result = run_once(delay)
        lost += len(result.lost)
        twice += len(result.twice)
        in_flight += len(result.in_flight)
        print(
            f"| {run} | {delay * 1000:.0f} ms | {result.answered_before} / {len(ATHLETES)} "
            f"| {len(result.in_flight)} | {len(result.lost)} | {len(result.twice)} "
            f"| {'yes' if result.within_policy else 'NO'} |"
        )
    print(f"| all | | | {in_flight} | {lost} | {twice} | |")


if __name__ == "__main__":
    main()
