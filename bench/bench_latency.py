"""Benchmark: reply latency with 500 athletes tapping every 2 seconds, no rate limiter.

    python -m bench.bench_latency               # three scenarios, 8 s of tapping each
    python -m bench.bench_latency --quick       # 4 s each

Each athlete walks the SOS flow, one tap every 2 s (staggered; a tap whose reply is late
waits for it, as a person would). Latency: from the update entering the update queue to the
bot's reply reaching the Bot API. Three scenarios, each for CrampCoach and for the bare echo
bot fed the same way in the same run:

1. an instant Bot API;
2. a 30 ms round trip on every Bot API call;
3. one update in fifty whose reply takes 2 s (a slow round trip): the others' latency.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.harness import Athlete, Watch, crampcoach, echo_bot, every, fed, ms, percentile, table
from bot.devtools.local_api import ApiCall, LocalBotAPI

PERIOD = 2.0
SLOW_EVERY = 50
SLOW_FOR = 2.0


def one_in_fifty_slow(watch: list[Watch]) -> Callable[[ApiCall], Awaitable[None]]:
    """Every 50th reply (sendMessage) takes 2 s to come back."""
    replies = itertools.count(1)

    async def delay(call: ApiCall) -> None:
        if call.method == "sendMessage" and next(replies) % SLOW_EVERY == 0:
            watch[0].slow_chats.add(int(call.params["chat_id"]))
            await asyncio.sleep(SLOW_FOR)

    return delay


def thirty_ms(call: ApiCall) -> Awaitable[None]:
    return asyncio.sleep(0.030)


async def run(ours: bool, scenario: str, users: int, duration: float, db_path: Path) -> Watch:
    api = LocalBotAPI(keep_calls=False, keep_messages=4)
    holder: list[Watch] = []
    if scenario == "rtt":
        api.delay = thirty_ms
    elif scenario == "slow":
        api.delay = one_in_fifty_slow(holder)
    app = crampcoach(db_path, api) if ours else echo_bot(api)
    async with fed(app, api) as bot:
        holder.append(bot.watch)
        people = [Athlete(bot, 20_000 + n) for n in range(users)]
        await asyncio.gather(
            *(
                every(PERIOD, duration, PERIOD * n / users, person.tap_and_wait_for_reply)
                for n, person in enumerate(people)
            )
        )
        return bot.watch


SCENARIOS = {
    "instant": "instant Bot API",
    "rtt": "30 ms round trip on every call",
    "slow": "1 update in 50 takes 2 s: the others",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=8.0, help="of tapping, per run")
    parser.add_argument("--quick", action="store_true", help="4 s per run")
    parser.add_argument("--only", choices=list(SCENARIOS), nargs="*")
    args = parser.parse_args()
    duration = 4.0 if args.quick else args.seconds
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or SCENARIOS:
            ours = asyncio.run(run(True, name, args.users, duration, Path(tmp) / f"{name}.db"))
            echo = asyncio.run(run(False, name, args.users, duration, Path(tmp)))
            for label, watch in (("CrampCoach", ours), ("echo floor", echo)):
                lat = watch.latencies
                rows.append(
                    [
                        SCENARIOS[name],
                        label,
                        f"{len(lat):,}",
                        ms(percentile(lat, 0.5)),
                        ms(percentile(lat, 0.99)),
                        ms(max(lat)),
                    ]
                )
    print(f"{args.users} athletes, one tap every {PERIOD:.0f} s each, {duration:.0f} s per run")
    print(table(["scenario", "bot", "replies", "p50", "p99", "max"], rows))


if __name__ == "__main__":
    main()
