"""``python -m bot`` with timestamps: where an update's time goes inside the bot process.

    BENCH_HTTP_BOT_MODULE=bench.traced_bot BENCH_TRACE=/tmp/trace.jsonl python -m bench.bench_http

Wraps (at run time, nothing in the bot's modules changes) the inbox's keep and hand-on, the
application's ``process_update`` and commit, the rate limiter's wait and each Bot API request,
and writes one JSON line per event to ``BENCH_TRACE`` at exit. Times are
:func:`time.perf_counter` (CLOCK_MONOTONIC on Linux): the same clock as the benchmark's server,
so both records line up. ``BENCH_SEND_RATE`` / ``BENCH_PER_CHAT_INTERVAL`` replace the rate
limiter's settings (to see what the limit costs).
"""

from __future__ import annotations

import atexit
import contextvars
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from telegram import Update

import bot.application as application_module
import bot.delivery.inbox as inbox_module
import bot.delivery.rate_limiter as limiter_module
import bot.delivery.transport as transport_module
import bot.runner as runner_module
import storage.unit_of_work as unit_of_work_module

_EVENTS: list[dict[str, Any]] = []
_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_update", default=None)


def _event(kind: str, **fields: Any) -> None:
    _EVENTS.append({"kind": kind, "t": time.perf_counter(), **fields})


def _dump() -> None:
    path = os.environ.get("BENCH_TRACE")
    if not path:
        return
    with open(path, "w") as file:
        for event in _EVENTS:
            file.write(json.dumps(event) + "\n")


def _wrap_async(owner: Any, name: str, around: Callable[..., Any]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await around(original, *args, **kwargs)

    setattr(owner, name, wrapper)


async def _keep(original: Any, self: Any, payloads: Any) -> Any:
    ids = [int(p["update_id"]) for p in payloads]
    _event("keep_start", ids=ids)
    result = await original(self, payloads)
    _event("keep_end", ids=ids)
    return result


async def _dispatch(original: Any, self: Any, application: Any) -> Any:
    _event("dispatch_start")
    result = await original(self, application)
    _event("dispatch_end", n=result)
    return result


async def _process(original: Any, self: Any, update: object) -> Any:
    update_id = update.update_id if isinstance(update, Update) else None
    token = _UPDATE.set(update_id)
    _event("process_start", u=update_id)
    try:
        return await original(self, update)
    finally:
        _event("process_end", u=update_id)
        _UPDATE.reset(token)


async def _commit(original: Any, self: Any, now: Any) -> Any:
    """A unit of work's commit (its writes, step, outbox rows and done mark)."""
    _event("commit_start", u=_UPDATE.get(), origin=self.origin)
    result = await original(self, now)
    _event("commit_end", u=_UPDATE.get(), origin=self.origin)
    return result


async def _acquire(original: Any, self: Any, background: bool, chat_id: object) -> Any:
    started = time.perf_counter()
    result = await original(self, background, chat_id)
    _event(
        "limiter",
        u=_UPDATE.get(),
        chat=chat_id,
        background=background,
        waited=time.perf_counter() - started,
    )
    return result


async def _request(original: Any, self: Any, url: str, method: str, *args: Any, **kw: Any) -> Any:
    api = url.rsplit("/", 1)[-1]
    _event("request_start", u=_UPDATE.get(), method=api)
    try:
        return await original(self, url, method, *args, **kw)
    finally:
        _event("request_end", u=_UPDATE.get(), method=api)


def install() -> None:
    _wrap_async(inbox_module.Inbox, "keep_json", _keep)
    _wrap_async(inbox_module.Inbox, "dispatch_pending", _dispatch)
    _wrap_async(application_module.CrampCoachApplication, "process_update", _process)
    _wrap_async(unit_of_work_module.UnitOfWork, "commit", _commit)
    _wrap_async(limiter_module.PriorityRateLimiter, "_acquire", _acquire)
    _wrap_async(transport_module.ServerErrorAwareRequest, "do_request", _request)
    rate = os.environ.get("BENCH_SEND_RATE")
    interval = os.environ.get("BENCH_PER_CHAT_INTERVAL")
    if rate or interval:
        build = application_module.build_application

        @functools.wraps(build)
        def patched(settings: Any, **kwargs: Any) -> Any:
            if rate:
                kwargs["send_rate"] = float(rate)
            if interval:
                kwargs["per_chat_interval"] = float(interval)
            return build(settings, **kwargs)

        runner_module.build_application = patched  # type: ignore[attr-defined]
    atexit.register(_dump)


if __name__ == "__main__":
    install()
    from bot.__main__ import main

    sys.exit(main())
