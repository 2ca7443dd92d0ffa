"""Benchmark: resident memory after 10,000 completed SOS flows, beside the echo floor.

    python -m bench.bench_memory               # 10,000 athletes, one whole flow each
    python -m bench.bench_memory --flows 2000  # quicker

Each bot runs in its own fresh process. 10,000 different athletes each walk one whole SOS
flow (nine updates; 100 at a time); the echo bot gets the same updates. Then the garbage
collector runs and we read the process's resident memory (VmRSS) now, not its peak: what a
long-running bot keeps. The local Bot API in each process forgets each chat once its flow is
over (and the benchmark its own bookkeeping after each batch), so what grows is what the bots
keep.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import UPDATES_PER_FLOW, Athlete, crampcoach, echo_bot, fed, table
from bot.devtools.local_api import LocalBotAPI

AT_ONCE = 100


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def _run(ours: bool, flows: int, db_path: Path) -> dict[str, float]:
    api = LocalBotAPI(keep_calls=False, keep_messages=2)
    app = crampcoach(db_path, api) if ours else echo_bot(api)
    async with fed(app, api) as bot:
        gc.collect()
        started = rss_mib()
        for first in range(0, flows, AT_ONCE):
            people = [Athlete(bot, 50_000 + n) for n in range(first, min(flows, first + AT_ONCE))]

            async def walk(person: Athlete) -> None:
                for _ in range(UPDATES_PER_FLOW):
                    await person.tap()
                # The local Bot API forgets the chat: its memory is Telegram's, not the bot's.
                api.messages.pop(person.user.chat_id, None)
                api.reply_keyboards.pop(person.user.chat_id, None)

            await asyncio.gather(*(walk(p) for p in people))
            # Nor does the benchmark keep what it no longer needs: the answered callback queries
            # (Telegram's too) and the latencies (not reported here). Kept, they were long-lived
            # objects strewn among each batch's short-lived ones, so memory the bots freed
            # stayed held by the allocator (both bots; more for the one that allocates more).
            api.answered_queries.clear()
            bot.watch.latencies.clear()
        gc.collect()
        end = rss_mib()
        # Freed memory the C allocator still holds (after the peak of 100 flows at once) is
        # given back here: what remains is what is in use.
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return {"start": started, "end": end, "trimmed": rss_mib()}


def _child(kind: str, flows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(_run(kind == "ours", flows, Path(tmp) / "memory.sqlite3"))
    print(json.dumps(figures))


def _measure(kind: str, flows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_memory", "--child", kind, "--flows", str(flows)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--child", choices=["ours", "echo"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.flows)
        return
    ours, echo = _measure("ours", args.flows), _measure("echo", args.flows)
    rows = [
        [
            label,
            f"{f['start']:.1f} MiB",
            f"{f['end']:.1f} MiB",
            f"{f['end'] - f['start']:+.1f} MiB",
            f"{f['trimmed']:.1f} MiB",
        ]
        for label, f in (("CrampCoach", ours), ("echo floor", echo))
    ]
    print(f"{args.flows:,} SOS flows by {args.flows:,} athletes ({args.flows * 9:,} updates)")
    headers = ["bot", "RSS after start", "RSS after the flows", "growth", "after malloc_trim"]
    print(table(headers, rows))
    print(
        f"CrampCoach beside the echo floor after the flows: {ours['end'] - echo['end']:+.1f} MiB"
        f" (after malloc_trim: {ours['trimmed'] - echo['trimmed']:+.1f} MiB)"
    )


if __name__ == "__main__":
    main()
