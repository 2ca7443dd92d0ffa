"""Benchmark: replies under the production rate limiter (30 messages a second).

    python -m bench.bench_limits               # 12 s of steady load, then the burst
    python -m bench.bench_limits --quick       # 6 s

1. A steady 25 replies a second spread over 200 athletes (each taps every 8 s, walking the SOS
   flow): reply latency, from the update entering the update queue to the reply reaching the
   Bot API.
2. 50 athletes send /cramp at the same instant: when does each get its first reply?

CrampCoach runs with its production limiter; the echo floor is the bare echo bot with
python-telegram-bot's own ``AIORateLimiter``, fed the same way in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.harness import Athlete, Watch, crampcoach, echo_bot, every, fed, ms, percentile, table
from bot.devtools.local_api import LocalBotAPI

STEADY_USERS = 200
PERIOD = 8.0  # 200 athletes / 8 s = 25 replies a second
BURST = 50


def _bot(ours: bool, db_path: Path, api: LocalBotAPI):  # type: ignore[no-untyped-def]
    if ours:
        return crampcoach(db_path, api, send_rate=30.0, per_chat_interval=1.0)
    return echo_bot(api, rate_limiter=True)


async def steady(ours: bool, duration: float, db_path: Path) -> Watch:
    api = LocalBotAPI(keep_calls=False, keep_messages=4)
    async with fed(_bot(ours, db_path, api), api) as bot:
        people = [Athlete(bot, 30_000 + n) for n in range(STEADY_USERS)]
        await asyncio.gather(
            *(
                every(PERIOD, duration, PERIOD * n / STEADY_USERS, p.tap_and_wait_for_reply)
                for n, p in enumerate(people)
            )
        )
        return bot.watch


async def burst(ours: bool, db_path: Path) -> Watch:
    api = LocalBotAPI(keep_calls=False, keep_messages=4)
    async with fed(_bot(ours, db_path, api), api) as bot:
        people = [Athlete(bot, 40_000 + n) for n in range(BURST)]
        await asyncio.gather(*(p.tap_and_wait_for_reply() for p in people))
        return bot.watch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="of steady load")
    parser.add_argument("--quick", action="store_true", help="6 s of steady load")
    args = parser.parse_args()
    duration = 6.0 if args.quick else args.seconds
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for ours, label in ((True, "CrampCoach"), (False, "echo floor (AIORateLimiter)")):
            load = asyncio.run(steady(ours, duration, Path(tmp) / "steady.db")).latencies
            rows.append(
                [
                    f"{STEADY_USERS} athletes, 25 replies/s",
                    label,
                    f"{len(load):,}",
                    ms(percentile(load, 0.5)),
                    ms(percentile(load, 0.99)),
                    ms(max(load)),
                ]
            )
        for ours, label in ((True, "CrampCoach"), (False, "echo floor (AIORateLimiter)")):
            first = asyncio.run(burst(ours, Path(tmp) / "burst.db")).latencies
            rows.append(
                [
                    f"{BURST} simultaneous /cramp, first reply",
                    label,
                    f"{len(first):,}",
                    ms(percentile(first, 0.5)),
                    ms(percentile(first, 0.99)),
                    ms(max(first)),
                ]
            )
    print(f"production limits: 30 messages/s overall; {duration:.0f} s of steady load")
    print(table(["load", "bot", "replies", "p50", "p99", "max"], rows))


if __name__ == "__main__":
    main()
