"""Benchmark: ``kill -9`` at random instants while fifty taps are in flight.

    python -m bench.bench_kill               # 10 runs
    python -m bench.bench_kill --runs 30 --seed 7

Each run starts ``python -m bot`` against the loopback Bot API server of the tests, brings
fifty athletes to the red-flag screen, queues fifty taps at once and kills the bot with
SIGKILL after a random delay (0 to 3 s, about the time the fifty take), then starts it again
and waits until every tap has its answer (or 20 s have passed). It counts, per run, the taps
in flight at the kill (not yet answered), the taps never answered (lost) and the taps
answered twice.

``tests/test_kill_in_flight.py`` kills at one chosen instant (a reply on the wire) and must
find 0 lost and 0 twice. A random instant can also fall in the one window left (Telegram's
answer to a reply on its way back, before ``bot.delivery.reply_log`` has logged it: microseconds on
loopback); such a tap would be answered twice. Nothing can be lost.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

from tests.bot_api_server import BotApiServer
from tests.test_end_to_end_polling import TOKEN
from tests.test_kill_in_flight import _start_bot

ATHLETES = range(7001, 7051)
SCREEN = "Stop, but stay on your feet"
NEXT = "Which muscle is cramping?"


def one_run(delay: float) -> tuple[int, int, int, int, int]:
    """(in flight at the kill, of them confirmed, lost, twice, inbox rows left unfinished)."""
    server = BotApiServer(TOKEN)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            workdir = Path(folder)
            first = _start_bot(server, workdir)
            for athlete in ATHLETES:
                server.user_sends(athlete, "/cramp")
            server.wait_for_count(SCREEN, len(ATHLETES))
            for athlete in ATHLETES:
                server.user_presses(athlete, "✅ None: something else")
            time.sleep(delay)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            in_flight = len(ATHLETES) - server.count_texts(NEXT)
            unconfirmed = server.unconfirmed  # Telegram would send these again anyway

            second = _start_bot(server, workdir)
            with contextlib.suppress(TimeoutError):
                server.wait_for_count(NEXT, len(ATHLETES), timeout=20)
            second.send_signal(signal.SIGTERM)
            second.wait(30)
            counts = [
                sum(
                    1
                    for method, params in server.sent
                    if method == "sendMessage"
                    and int(params["chat_id"]) == athlete
                    and NEXT in str(params.get("text", ""))
                )
                for athlete in ATHLETES
            ]
            with sqlite3.connect(workdir / "bot.sqlite3") as conn:
                (left,) = conn.execute(
                    "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"
                ).fetchone()
    finally:
        server.stop()
    confirmed = in_flight - unconfirmed
    return in_flight, confirmed, counts.count(0), sum(1 for c in counts if c > 1), int(left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--within", type=float, default=3.0, help="latest kill, seconds")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        "| run | kill after | taps in flight | of them confirmed to Telegram | lost "
        "| answered twice | inbox rows left |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    totals = [0, 0, 0, 0]
    for run in range(1, args.runs + 1):
        delay = rng.uniform(0.0, args.within)
        in_flight, confirmed, lost, twice, left = one_run(delay)
        for index, value in enumerate((in_flight, confirmed, lost, twice)):
            totals[index] += value
        print(
            f"| {run} | {delay * 1000:.0f} ms | {in_flight} | {confirmed} | {lost} | {twice} "
            f"| {left} |"
        )
    print(f"| all | | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | |")


if __name__ == "__main__":
    main()
