"""Benchmark: SOS steps as fast as the bot can take them, state written per step.

    python -m bench.bench_throughput            # 50 athletes, 4 flows each, 3 rounds
    python -m bench.bench_throughput --quick    # 1 round

Fifty athletes each walk the SOS flow (nine updates) again and again, each tapping as soon as
the previous tap is finished, so the bot is never idle: updates a second, CrampCoach beside
the bare echo bot fed the same way in the same run (see bench.harness). No rate limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import (
    UPDATES_PER_FLOW,
    Athlete,
    crampcoach,
    echo_bot,
    fed,
    median,
    table,
)
from bot.devtools.local_api import LocalBotAPI
from conversations.services import services_of


@dataclass(frozen=True)
class Run:
    updates_per_second: float
    transactions_per_update: float = 0.0  # CrampCoach's write transactions (all of them)
    statements_per_update: float = 0.0  # and its SQL statements, reads included


async def saturate(
    ours: bool, athletes: int, flows: int, db_path: Path, *, keyboards: bool = False
) -> Run:
    """Updates a second with ``athletes`` people tapping back to back for ``flows`` flows."""
    api = LocalBotAPI(keep_calls=False, keep_messages=4)
    app = crampcoach(db_path, api) if ours else echo_bot(api, keyboards=keyboards)
    async with fed(app, api) as bot:
        people = [Athlete(bot, 10_000 + n) for n in range(athletes)]

        async def walk(person: Athlete, updates: int) -> None:
            for _ in range(updates):
                await person.tap()

        await asyncio.gather(*(walk(p, UPDATES_PER_FLOW) for p in people))  # warm-up flow
        db = services_of(app.bot_data).db if ours else None
        statements = [0]
        if db is not None:
            await app.settled()  # type: ignore[attr-defined]
            db.trace(lambda _sql: statements.__setitem__(0, statements[0] + 1))
            commits = db.commits
        started = time.perf_counter()
        await asyncio.gather(*(walk(p, UPDATES_PER_FLOW * flows) for p in people))
        elapsed = time.perf_counter() - started
        updates = athletes * flows * UPDATES_PER_FLOW
        if db is None:
            return Run(updates / elapsed)
        await app.settled()  # type: ignore[attr-defined]  # the last results recorded too
        db.trace(None)
        return Run(updates / elapsed, (db.commits - commits) / updates, statements[0] / updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--athletes", type=int, default=50)
    parser.add_argument("--flows", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    ours: list[Run] = []
    echo: list[float] = []
    keyed: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):  # alternated, so all see the same machine load
            run = asyncio.run(saturate(False, args.athletes, args.flows, Path(tmp)))
            echo.append(run.updates_per_second)
            db = Path(tmp) / f"round{n}.sqlite3"
            ours.append(asyncio.run(saturate(True, args.athletes, args.flows, db)))
            run = asyncio.run(saturate(False, args.athletes, args.flows, Path(tmp), keyboards=True))
            keyed.append(run.updates_per_second)
    speed = median(r.updates_per_second for r in ours)
    print(
        table(
            [
                "SOS steps, saturated, state written per step",
                "CrampCoach",
                "echo floor",
                "ratio",
                "echo with SOS-sized keyboards",
                "transactions per update",
                "SQL statements per update",
            ],
            [
                [
                    f"{args.athletes} athletes, median of {rounds}",
                    f"{speed:,.0f} updates/s",
                    f"{median(echo):,.0f} updates/s",
                    f"{speed / median(echo):.2f}",
                    f"{median(keyed):,.0f} updates/s ({speed / median(keyed):.2f})",
                    f"{median(r.transactions_per_update for r in ours):.2f}",
                    f"{median(r.statements_per_update for r in ours):.1f}",
                ]
            ],
        )
    )
    print(
        f"rounds: CrampCoach {[round(r.updates_per_second) for r in ours]}, "
        f"echo {[round(x) for x in echo]}, "
        f"echo with keyboards {[round(x) for x in keyed]}"
    )


if __name__ == "__main__":
    main()
