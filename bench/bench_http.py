"""Benchmark: the real bot process, polling a Bot API server over HTTP, with athletes walking the
SOS flow; and a bare python-telegram-bot echo bot under the same server and athletes.

    python -m bench.bench_http                       # 40 athletes, 30 ms a call, 60 s per bot
    python -m bench.bench_http --slow-share 0.03     # and 3 % of the calls take 2 s more
    python -m bench.bench_http --seconds 20 --call-log /tmp/calls   # the raw calls, as JSONL

What runs: ``python -m bot`` (polling, a fresh SQLite database in a temporary folder) against
:class:`bench.http_bot_api.BotApiHttpServer` on 127.0.0.1, which answers every call
``--delay-ms`` after it arrives (``getUpdates``: once an update is there); then
``python -m bench.http_echo_bot`` (``concurrent_updates(True)``, python-telegram-bot's own
polling) against a fresh server, with the same athletes.

Each athlete, in a private chat, sends /cramp, then presses one button after another
(:data:`SOS_PATH`: no warning sign, it is the calf, eased, none of the late signs, then the
four questions after it), and starts again. It presses about a second (0.8 to 1.2 s) after
the bot's reply that completes the step (the message carrying the next button) reached the
server. The echo bot's athletes send /cramp and press the first button of each reply, as often.

A step's latency: from the moment its update was made available to ``getUpdates`` to the
moment the bot's first ``sendMessage`` to that chat arrived at the server (no SOS step answers
with an edit; the countdown's edits are timers). Steps queued in the first ``--warmup``
seconds are left out. With ``--slow-share``, a step counts as *delayed itself* when a slow
call for its own chat (its press's answer, a reply, an edit) was in flight while it waited;
the others are reported apart: they are what a slow call must not hold up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.harness import percentile
from bench.http_bot_api import BotApiHttpServer, Call, SentMessage
from conversations.texts import sos as texts
from tests.process_helpers import REPO, TOKEN, bot_env

# The walk: /cramp, then the label pressed at each step. "None: it's my calf" goes straight to
# the stretch (with its countdown); "Eased" asks the late signs; then the four questions.
SOS_PATH: tuple[str | None, ...] = (
    texts.NO_FLAG_CALF,
    texts.EASED,
    texts.NONE_OF_THESE,
    texts.ACTIVITY_LABELS["running"],
    texts.TIME_INTO_LABELS["30-60"],
    texts.YES,
    texts.NO,
)
STEP_NAMES = (
    "/cramp → triage",
    "calf → stretch",
    "eased → late signs",
    "none → aftercare + Q1",
    "running → Q2",
    "30-60 → Q3",
    "yes → Q4",
    "no → wrap-up",
)
ECHO_PATH: tuple[str | None, ...] = (None,) * len(SOS_PATH)  # None: the first button
STEP_TIMEOUT = 15.0  # seconds an athlete waits for a step's reply before starting over
FIRST_USER = 500_000


# --- Steps -----------------------------------------------------------------------------------


@dataclass
class Step:
    chat_id: int
    index: int  # 0: /cramp, then the presses
    update_id: int
    query_id: str | None
    queued: float
    first_reply: float | None = None  # the first sendMessage of the step reached the server
    complete: float | None = None  # the message carrying the next button reached it
    self_delayed: bool = False

    @property
    def latency(self) -> float | None:
        return None if self.first_reply is None else self.first_reply - self.queued

    def as_json(self) -> dict[str, Any]:
        return {
            "chat_id": self.chat_id,
            "index": self.index,
            "update_id": self.update_id,
            "query_id": self.query_id,
            "queued": self.queued,
            "first_reply": self.first_reply,
            "complete": self.complete,
            "self_delayed": self.self_delayed,
        }


@dataclass
class Run:
    """One bot under the athletes: its steps and the server's record."""

    name: str
    server: BotApiHttpServer
    steps: list[Step] = field(default_factory=list)
    started: float = 0.0
    stopped: float = 0.0
    restarts: int = 0  # walks started over (a step without its expected reply)


def _first_send_since(messages: Sequence[SentMessage], since: float) -> SentMessage | None:
    for message in messages:
        if message.method == "sendMessage" and message.received >= since:
            return message
    return None


def _latest_with(
    messages: Sequence[SentMessage], label: str | None, since: float = 0.0
) -> SentMessage | None:
    for message in reversed(messages):
        if message.received < since:
            break
        if message.button(label) is not None:
            return message
    return None


async def athlete(
    run: Run,
    user_id: int,
    path: Sequence[str | None],
    stop_at: float,
    start_after: float,
    rng: random.Random,
) -> None:
    server = run.server
    await asyncio.sleep(start_after)
    while time.perf_counter() < stop_at:
        for index in range(len(path) + 1):
            if time.perf_counter() >= stop_at:
                return
            query_id = None
            if index == 0:
                update_id = server.user_sends(user_id, "/cramp")
            else:
                label = path[index - 1]
                shown = _latest_with(server.messages_to(user_id), label)
                if shown is None:
                    run.restarts += 1
                    break
                button = shown.button(label)
                assert button is not None
                update_id, query_id = server.user_presses(user_id, shown, button["callback_data"])
            step = Step(user_id, index, update_id, query_id, server.queued_at[update_id])
            run.steps.append(step)
            expected = path[index] if index < len(path) else None
            if not await _wait_for_step(server, step, expected, last=index == len(path)):
                run.restarts += 1
                break
            await asyncio.sleep(rng.uniform(0.8, 1.2))


async def _wait_for_step(
    server: BotApiHttpServer, step: Step, expected: str | None, *, last: bool
) -> bool:
    """Until the step's reply with the next button (the last step: any reply) has come."""
    deadline = step.queued + STEP_TIMEOUT
    while True:
        messages = server.messages_to(step.chat_id)
        if step.first_reply is None:
            first = _first_send_since(messages, step.queued)
            if first is not None:
                step.first_reply = first.received
        done = (
            _first_send_since(messages, step.queued)
            if last
            else _latest_with(messages, expected, step.queued)
        )
        if done is not None:
            step.complete = done.received
            return True
        remaining = deadline - time.perf_counter()
        if remaining <= 0 or not await server.wait_for_message(step.chat_id, remaining):
            return False


# --- The bots as processes -------------------------------------------------------------------


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._args, self._env, self._workdir = args, env, workdir
        self._log: IO[str] | None = None
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._log = self.log_path.open("w")
        self.proc = await asyncio.create_subprocess_exec(
            *self._args, cwd=self._workdir, env=self._env, stdout=self._log, stderr=self._log
        )

    def died(self) -> bool:
        return self.proc is not None and self.proc.returncode is not None

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._log is not None:
            self._log.close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def crampcoach_process(server: BotApiHttpServer, workdir: Path, log_level: str) -> Process:
    env = bot_env(workdir / "crampcoach.sqlite3", server.base_url, CRAMPCOACH_LOG_LEVEL=log_level)
    command = os.environ.get("BENCH_HTTP_BOT_MODULE", "bot")  # a traced wrapper, say
    return Process("crampcoach", [sys.executable, "-m", command], env, workdir)


def echo_process(server: BotApiHttpServer, workdir: Path, *, limited: bool = False) -> Process:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    args = [sys.executable, "-m", "bench.http_echo_bot", TOKEN, server.base_url]
    if limited:
        args.append("--rate-limiter")
    return Process("echo-limited" if limited else "echo", args, env, workdir)


async def run_bot(
    name: str,
    start_process: Callable[[BotApiHttpServer], Process],
    path: Sequence[str | None],
    args: argparse.Namespace,
) -> Run:
    server = BotApiHttpServer(
        delay=args.delay_ms / 1000, slow_share=args.slow_share, slow_for=args.slow_seconds
    )
    await server.start()
    process = start_process(server)
    run = Run(name, server)
    try:
        await process.start()
        ready = asyncio.ensure_future(server.first_get_updates.wait())
        waited = 0.0
        while not ready.done():
            await asyncio.sleep(0.1)
            waited += 0.1
            if process.died() or waited > 60:
                ready.cancel()
                raise SystemExit(f"{name} did not start polling:\n{process.tail()}")
        rng = random.Random(args.seed)
        run.started = time.perf_counter()
        server.slow_enabled = True
        stop_at = run.started + args.seconds
        await asyncio.gather(
            *(
                athlete(run, FIRST_USER + n, path, stop_at, n / args.athletes, rng)
                for n in range(args.athletes)
            )
        )
        run.stopped = time.perf_counter()
        if process.died():
            raise SystemExit(f"{name} died during the run:\n{process.tail()}")
    finally:
        await process.stop()
        await server.stop()
    _mark_self_delayed(run, args.slow_seconds + args.delay_ms / 1000)
    return run


def _mark_self_delayed(run: Run, slow_call: float) -> None:
    """A step waited on a slow call of its own chat (overlapping its wait)."""
    slow: dict[int, list[Call]] = {}
    for call in run.server.calls:
        if call.slow and call.chat_id is not None:
            slow.setdefault(call.chat_id, []).append(call)
    for step in run.steps:
        end = step.first_reply if step.first_reply is not None else step.queued + STEP_TIMEOUT
        step.self_delayed = any(
            call.received < end and call.received + slow_call > step.queued
            for call in slow.get(step.chat_id, ())
        )


# --- Figures ---------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "–"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Figures:
    latencies: list[float]
    clean: list[float]  # of the steps not delayed themselves
    self_delayed: int
    unanswered: int
    messages_per_second: float
    peak_per_second: int


def measured(run: Run, warmup: float) -> list[Step]:
    return [step for step in run.steps if step.queued >= run.started + warmup]


def figures(run: Run, warmup: float) -> Figures:
    steps = measured(run, warmup)
    latencies = [s.latency for s in steps if s.latency is not None]
    clean = [s.latency for s in steps if s.latency is not None and not s.self_delayed]
    per_second: Counter[int] = Counter()
    for call in run.server.calls:
        sent = call.method in ("sendMessage", "editMessageText")
        if sent and run.started <= call.received <= run.stopped:
            per_second[int(call.received - run.started)] += 1
    seconds = max(run.stopped - run.started, 1e-9)
    return Figures(
        latencies,
        clean,
        sum(s.self_delayed for s in steps),
        sum(s.first_reply is None for s in steps),
        sum(per_second.values()) / seconds,
        max(per_second.values(), default=0),
    )


def breakdown(run: Run, warmup: float) -> dict[str, list[float]]:
    """Where a step's time goes, from the server's record of the calls."""
    server = run.server
    answers = {c.callback_query_id: c for c in server.calls if c.method == "answerCallbackQuery"}
    by_chat: dict[int, list[Call]] = {}
    for call in server.calls:
        if call.chat_id is not None:
            by_chat.setdefault(call.chat_id, []).append(call)
    parts: dict[str, list[float]] = {
        "queued → handed out by getUpdates": [],
        "handed out → answerCallbackQuery arrives": [],
        "answerCallbackQuery answered → first reply arrives": [],
        "handed out → first reply arrives": [],
        "first reply → step complete (next button)": [],
        "calls for the chat during the step": [],
    }
    for step in measured(run, warmup):
        handed = server.handed_at.get(step.update_id)
        if handed is None or step.first_reply is None:
            continue
        parts["queued → handed out by getUpdates"].append(handed - step.queued)
        parts["handed out → first reply arrives"].append(step.first_reply - handed)
        answer = answers.get(step.query_id) if step.query_id else None
        if answer is not None:
            parts["handed out → answerCallbackQuery arrives"].append(answer.received - handed)
            parts["answerCallbackQuery answered → first reply arrives"].append(
                step.first_reply - answer.answered
            )
        if step.complete is not None:
            parts["first reply → step complete (next button)"].append(
                step.complete - step.first_reply
            )
            calls = [
                c
                for c in by_chat.get(step.chat_id, ())
                if step.queued <= c.received <= step.complete
            ]
            parts["calls for the chat during the step"].append(float(len(calls)))
    # The poller: from one getUpdates answer (with updates) to the next request.
    polls = [c for c in server.calls if c.method == "getUpdates" and c.received >= run.started]
    turnaround, batch = [], []
    for current, following in itertools.pairwise(polls):
        if current.update_ids:
            turnaround.append(following.received - current.answered)
            batch.append(float(len(current.update_ids)))
    parts["getUpdates answered → next getUpdates sent"] = turnaround
    parts["updates per getUpdates batch"] = batch
    return parts


def _stat(name: str, values: Sequence[float]) -> tuple[str, str, str]:
    if name.startswith(("calls", "updates")):
        return (
            f"{statistics.median(values):.1f}" if values else "–",
            f"{percentile(values, 0.99):.1f}" if values else "–",
            f"{statistics.fmean(values):.2f}" if values else "–",
        )
    mean = statistics.fmean(values) if values else float("nan")
    return ms(percentile(values, 0.5)), ms(percentile(values, 0.99)), ms(mean)


def by_step(run: Run, warmup: float) -> list[list[object]]:
    rows: list[list[object]] = []
    steps = measured(run, warmup)
    for index, name in enumerate(STEP_NAMES):
        lat = [s.latency for s in steps if s.index == index and s.latency is not None]
        whole = [
            s.complete - s.queued for s in steps if s.index == index and s.complete is not None
        ]
        rows.append(
            [
                name,
                len(lat),
                ms(percentile(lat, 0.5)),
                ms(percentile(lat, 0.99)),
                ms(percentile(whole, 0.5)),
                ms(percentile(whole, 0.99)),
            ]
        )
    return rows


def report(ours: Run, floors: Sequence[Run], args: argparse.Namespace) -> str:
    """The Markdown report: CrampCoach and the echo floor(s), side by side."""
    echo = floors[0]
    out = [
        f"{args.athletes} athletes walking the SOS flow, a press about 1 s after each reply; "
        f"every Bot API call answered after {args.delay_ms:g} ms"
        + (
            f"; {args.slow_share:.0%} of calls for a chat take {args.slow_seconds:g} s more"
            if args.slow_share
            else ""
        )
        + f"; {args.seconds:g} s per bot, first {args.warmup:g} s left out.",
        "",
    ]
    headers = ["bot", "steps", "p50", "p90", "p99", "max", "msgs/s", "peak/s", "no reply"]
    if args.slow_share:
        headers += ["delayed themselves", "p50 others", "p99 others"]
    rows: list[list[object]] = []
    stats = {}
    for run in (ours, *floors):
        f = stats[run.name] = figures(run, args.warmup)
        row: list[object] = [
            LABELS[run.name],
            len(f.latencies),
            ms(percentile(f.latencies, 0.5)),
            ms(percentile(f.latencies, 0.9)),
            ms(percentile(f.latencies, 0.99)),
            ms(max(f.latencies, default=float("nan"))),
            f"{f.messages_per_second:.1f}",
            f.peak_per_second,
            f.unanswered,
        ]
        if args.slow_share:
            row += [f.self_delayed, ms(percentile(f.clean, 0.5)), ms(percentile(f.clean, 0.99))]
        rows.append(row)
    a, b = stats[ours.name], stats[echo.name]

    def ratio(q: float, clean: bool = False) -> str:
        x, y = (a.clean, b.clean) if clean else (a.latencies, b.latencies)
        return f"×{percentile(x, q) / percentile(y, q):.1f}" if x and y else "–"

    ratio_row: list[object] = [
        "CrampCoach ÷ echo floor",
        "",
        ratio(0.5),
        ratio(0.9),
        ratio(0.99),
        "",
        "",
        "",
        "",
    ]
    if args.slow_share:
        ratio_row += ["", ratio(0.5, True), ratio(0.99, True)]
    rows.append(ratio_row)
    out.append(table(headers, rows))
    out += ["", "Where a step's time goes (from the server's record of the calls):", ""]
    ours_parts, echo_parts = breakdown(ours, args.warmup), breakdown(echo, args.warmup)
    part_rows = []
    for name in ours_parts:
        o, e = _stat(name, ours_parts[name]), _stat(name, echo_parts[name])
        part_rows.append([name, *o, *e])
    out.append(table(["", "CrampCoach p50", "p99", "mean", "echo p50", "p99", "mean"], part_rows))
    out += [
        "",
        "CrampCoach by step (first reply; whole step: to the message with the next button):",
        "",
        table(["step", "n", "p50", "p99", "whole p50", "whole p99"], by_step(ours, args.warmup)),
    ]
    restarts = [f"{LABELS[r.name]} {r.restarts}" for r in (ours, *floors) if r.restarts]
    if restarts:
        out += [
            "",
            "walks started over (a step without its expected reply): " + ", ".join(restarts),
        ]
    for run in (ours, *floors):
        methods = Counter(c.method for c in run.server.calls if c.received >= run.started)
        calls = ", ".join(f"{m} {n}" for m, n in methods.most_common())
        out += ["", f"{LABELS[run.name]}: calls during the run: {calls}"]
    return "\n".join(out)


LABELS = {
    "crampcoach": "CrampCoach (`python -m bot`)",
    "echo": "echo floor",
    "echo-limited": "echo floor + AIORateLimiter",
}


def write_call_log(directory: Path, run: Run) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"calls-{run.name}.jsonl").open("w") as file:
        for call in run.server.calls:
            file.write(json.dumps({**call.as_json(), "t": call.received - run.started}) + "\n")
    with (directory / f"steps-{run.name}.jsonl").open("w") as file:
        for step in run.steps:
            handed = run.server.handed_at.get(step.update_id)
            file.write(json.dumps({**step.as_json(), "handed": handed}) + "\n")


async def main_async(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        ours = await run_bot(
            "crampcoach",
            lambda server: crampcoach_process(server, workdir, args.log_level),
            SOS_PATH,
            args,
        )
        floors = [
            await run_bot("echo", lambda server: echo_process(server, workdir), ECHO_PATH, args)
        ]
        if args.echo_rate_limiter:
            floors.append(
                await run_bot(
                    "echo-limited",
                    lambda server: echo_process(server, workdir, limited=True),
                    ECHO_PATH,
                    args,
                )
            )
        if args.call_log is not None:
            for run in (ours, *floors):
                write_call_log(args.call_log, run)
            with contextlib.suppress(OSError):
                (args.call_log / "crampcoach.log").write_text(
                    (workdir / "crampcoach.log").read_text(errors="replace")
                )
        return report(ours, floors, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--delay-ms", type=float, default=30.0, help="every call's round trip")
    parser.add_argument("--seconds", type=float, default=60.0, help="of tapping, per bot")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds left out at the start")
    parser.add_argument(
        "--slow-share", type=float, default=0.0, help="share of calls for a chat made slow (0.03)"
    )
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="how slow")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-level", default="INFO", help="CrampCoach's CRAMPCOACH_LOG_LEVEL")
    parser.add_argument(
        "--echo-rate-limiter",
        action="store_true",
        help="also run the echo floor with python-telegram-bot's AIORateLimiter (30 msgs/s)",
    )
    parser.add_argument("--call-log", type=Path, help="write every call and step here (JSONL)")
    args = parser.parse_args()
    print(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
