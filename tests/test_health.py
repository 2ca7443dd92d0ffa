"""``/healthz`` and ``/metrics``: what a watchdog, a load balancer and Prometheus see.

The real Application and the in-memory Bot API; the health listener on loopback and a real
HTTP client (httpx).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.application import CrampCoachApplication
from bot.delivery.rate_limiter import spends_budget
from bot.devtools.local_api import Fault, LocalUser
from bot.metrics import LATE_AFTER
from bot.settings import Settings
from bot.web.app import Listener, health_app
from bot.web.health import HealthChecker
from storage.timestamps import to_db
from tests.conftest import Bot, FakeClock
from tests.helpers import db_of, wait_for
from tests.plan_helpers import start_plan, tick_at
from tests.test_scheduler import MONDAY_0800, SUNDAY_0800

Probe = Callable[..., Any]


@dataclass
class Served:
    checker: HealthChecker
    client: httpx.AsyncClient

    async def health(self) -> tuple[int, dict[str, Any]]:
        response = await self.client.get("/healthz")
        return response.status_code, response.json()

    async def metrics(self) -> dict[str, float]:
        """Every sample of /metrics by name (labels folded into the name)."""
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return samples


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Any]]:
    """Serve /healthz and /metrics for a running bot."""
    listeners: list[Listener] = []
    clients: list[httpx.AsyncClient] = []

    async def start(bot: Bot, **kw: Any) -> Served:
        checker = HealthChecker(bot.application, **kw)
        listener = Listener(health_app(checker), "CRAMPCOACH_HEALTH_PORT")
        await listener.start("127.0.0.1", 0)
        listeners.append(listener)
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}")
        clients.append(client)
        return Served(checker, client)

    yield start
    for client in clients:
        await client.aclose()
    for listener in listeners:
        await listener.close()


async def kept_not_handled(user: LocalUser, text: str) -> int:
    """An update the inbox kept and nobody handled (yet)."""
    user.via_get_updates = True
    await user.send(text)
    payload = user.api.incoming_updates.pop()
    application = user.application
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    await application.inbox.keep_json([payload])
    return int(payload["update_id"])


# --- Healthy -------------------------------------------------------------------------------------


async def test_a_quiet_bot_is_healthy_for_as_long_as_it_stays_quiet(
    bot: Bot, serve: Probe, clock: FakeClock
) -> None:
    served = await serve(bot)

    status, body = await served.health()
    clock.advance(days=2)  # no traffic at all
    later, _ = await served.health()

    assert (status, later) == (200, 200)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["updates"]["unfinished"] == 0


# --- Unhealthy -----------------------------------------------------------------------------------


async def test_an_update_stuck_in_the_inbox_is_unhealthy_until_it_is_handled(
    bot: Bot, serve: Probe, clock: FakeClock
) -> None:
    served = await serve(bot)
    athlete = bot.user(4101)
    await kept_not_handled(athlete, "/cramp")

    clock.advance(seconds=60)
    waiting, _ = await served.health()  # a minute: busy, not stuck
    clock.advance(seconds=120)
    stuck, body = await served.health()

    assert (waiting, stuck) == (200, 503)
    assert body["status"] == "unhealthy"
    assert body["checks"]["updates"]["ok"] is False
    assert body["checks"]["updates"]["unfinished"] == 1
    assert body["checks"]["updates"]["oldest_unfinished_seconds"] == 180.0

    application = bot.application
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    await application.inbox.dispatch_pending(application)
    await application.update_queue.join()
    assert (await served.health())[0] == 200


async def test_what_the_last_run_left_counts_from_this_start(
    start_bot: Probe, serve: Probe, clock: FakeClock
) -> None:
    """Rows kept a day ago by a bot that died are not "stuck" the moment the next one starts:
    they wait from the start that replays them."""
    first = await start_bot()
    await kept_not_handled(first.user(4151), "/cramp")
    clock.advance(days=1)
    second = await start_bot(api=first.api)
    served = await serve(second)

    assert (await served.health())[0] == 200
    clock.advance(minutes=3)
    assert (await served.health())[0] == 503  # and not replayed within minutes: stuck


async def test_a_closed_database_is_unhealthy(bot: Bot, serve: Probe) -> None:
    served = await serve(bot)
    db = db_of(bot)
    await db.close()
    try:
        status, body = await served.health()
        assert not db.is_open  # asking did not open it again
    finally:
        await db.open()

    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "closed"}


async def test_a_database_that_fails_to_answer_is_unhealthy(bot: Bot, serve: Probe) -> None:
    served = await serve(bot)
    async with db_of(bot).write() as conn:  # the file no longer has what the bot reads
        await conn.execute("DROP TABLE inbox")

    status, body = await served.health()

    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}


async def test_a_database_another_process_is_writing_to_still_answers(
    bot: Bot, serve: Probe, db_path: Path
) -> None:
    """Reads never wait for a writer in WAL mode: a restore or a long migration elsewhere
    holding the write lock does not make the running bot look dead."""
    served = await serve(bot)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        status, body = await served.health()
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert status == 200
    assert body["checks"]["database"] == {"ok": True}


async def test_a_scheduler_that_stopped_ticking_is_unhealthy(
    start_bot: Probe, serve: Probe
) -> None:
    bot = await start_bot(scheduler=True)
    metrics = bot.application.metrics
    assert metrics is not None and bot.application.job_queue is not None
    await wait_for(lambda: metrics.seconds_since_tick() < 1.0 and metrics.ticks_running == 0)
    served = await serve(bot, tick_stale_after=0.5)

    ticking, body = await served.health()
    assert ticking == 200 and body["checks"]["scheduler"]["running"] is True
    bot.application.job_queue.scheduler.pause()  # the scheduler stopped ticking
    await asyncio.sleep(0.7)
    stopped, body = await served.health()

    assert stopped == 503
    assert body["checks"]["scheduler"]["ok"] is False
    assert body["checks"]["scheduler"]["seconds_since_tick"] > 0.5


async def test_a_stopping_bot_is_unhealthy_so_a_load_balancer_drains_it(
    bot: Bot, serve: Probe
) -> None:
    stopping = asyncio.Event()
    served = await serve(bot, stopping=stopping)
    assert (await served.health())[0] == 200

    stopping.set()
    status, body = await served.health()

    assert status == 503
    assert body["checks"]["running"] == {"ok": False, "stopping": True}


async def test_health_answers_are_not_logged_above_debug(
    bot: Bot, serve: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    served = await serve(bot)
    await db_of(bot).close()
    try:
        await served.health()
    finally:
        await db_of(bot).open()

    assert [r for r in caplog.records if r.levelname != "DEBUG" and "health" in r.name] == []


# --- Metrics -------------------------------------------------------------------------------------


async def test_metrics_parse_and_count_what_the_bot_did(
    bot: Bot, serve: Probe, clock: FakeClock
) -> None:
    served = await serve(bot)
    before = await served.metrics()
    athlete = bot.user(4201)
    # A flow with one 429 on the way: answered after Telegram's wait, once.
    bot.api.fail(Fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1))
    await start_plan(athlete)
    await tick_at(bot, clock, SUNDAY_0800)  # on time
    await tick_at(bot, clock, MONDAY_0800 + LATE_AFTER + timedelta(minutes=1))  # late

    after = await served.metrics()

    assert before["crampcoach_updates_handled_total"] == 0
    handled = after["crampcoach_updates_handled_total"]
    assert handled >= 5  # /cramp and the taps to a plan
    messages = [call for call in bot.api.calls if spends_budget(call.method)]
    assert after["crampcoach_messages_sent_total"] == len(messages) - 1  # not the refused one
    assert after["crampcoach_telegram_429_total"] == 1
    assert after["crampcoach_send_retries_total"] == 1
    assert after["crampcoach_checkins_due_total"] == 2
    assert after["crampcoach_checkins_late_total"] == 1
    assert after["crampcoach_updates_in_hand"] == 0
    assert after["crampcoach_scheduler_last_tick_timestamp_seconds"] > 0


async def test_two_applications_count_apart(start_bot: Probe, serve: Probe) -> None:
    one, two = await start_bot(), await start_bot()
    await one.user(4301).send("/help")

    counted = [
        (await (await serve(bot)).metrics())["crampcoach_updates_handled_total"]
        for bot in (one, two)
    ]

    assert counted == [1, 0]


async def test_metrics_name_the_build_and_the_worker_and_describe_the_process(
    start_bot: Probe, serve: Probe, settings: Settings
) -> None:
    settings.worker_name = "bot-worker-2"
    served = await serve(await start_bot())

    samples = await served.metrics()

    installed = metadata.version("crampcoach")
    assert samples[f"crampcoach_build_info{{version={installed},worker=bot-worker-2}}"] == 1
    # prometheus_client's process, platform and garbage collector collectors
    assert samples["process_resident_memory_bytes"] > 0
    assert samples["process_cpu_seconds_total"] >= 0
    assert samples["process_start_time_seconds"] > 0
    assert any(name.startswith("python_info{") for name in samples)
    assert any(name.startswith("python_gc_collections_total{") for name in samples)
    body = (await served.client.get("/healthz")).json()
    assert body["version"] == installed


async def test_the_worker_is_the_host_name_unless_set(bot: Bot, serve: Probe) -> None:
    samples = await (await serve(bot)).metrics()

    [info] = [name for name in samples if name.startswith("crampcoach_build_info{")]
    assert f"worker={socket.gethostname()}" in info


async def test_metrics_read_the_outbox_and_inbox_backlog_at_each_scrape(
    bot: Bot, serve: Probe, clock: FakeClock
) -> None:
    served = await serve(bot)
    quiet = await served.metrics()
    # A message the sender holds back (its retry is a day away) and an update not yet handled.
    async with db_of(bot).write() as conn:
        await conn.execute(
            "INSERT INTO outbox (origin, position, chat_id, method, params, kind, created_at, "
            "not_before) VALUES ('test:held', 0, 4501, 'sendMessage', '{}', 'prompt', ?, ?)",
            (to_db(clock()), to_db(clock() + timedelta(days=1))),
        )
    await kept_not_handled(bot.user(4502), "/help")
    clock.advance(seconds=90)

    waiting = await served.metrics()
    clock.advance(seconds=30)
    later = await served.metrics()

    assert quiet["crampcoach_outbox_unsent"] == 0
    assert quiet["crampcoach_outbox_oldest_unsent_age_seconds"] == 0
    assert quiet["crampcoach_inbox_oldest_unfinished_age_seconds"] == 0
    assert waiting["crampcoach_outbox_unsent"] == 1
    assert waiting["crampcoach_outbox_oldest_unsent_age_seconds"] == 90
    assert waiting["crampcoach_inbox_unfinished"] == 1
    assert waiting["crampcoach_inbox_oldest_unfinished_age_seconds"] == 90
    assert later["crampcoach_outbox_oldest_unsent_age_seconds"] == 120


async def test_metrics_count_what_was_in_flight_at_a_crash(start_bot: Probe, serve: Probe) -> None:
    """A notice in flight at a crash is counted unknown (never sent twice); a reply or a prompt
    in flight is sent again, and counted as such."""
    first = await start_bot()
    async with db_of(first).write() as conn:
        for position, (kind, chat_id) in enumerate(
            [("notice", 4601), ("prompt", 4602), ("reply", 4603)]
        ):
            params = json.dumps({"chat_id": chat_id, "text": f"in flight {kind}"})
            await conn.execute(
                "INSERT INTO outbox (origin, position, chat_id, method, params, kind, "
                "created_at, claimed_at) VALUES ('test:crash', ?, ?, 'sendMessage', ?, ?, "
                "'2027-03-20T17:00:00.000000Z', '2027-03-20T17:00:00.000000Z')",
                (position, chat_id, params, kind),
            )

    second = await start_bot(api=first.api)
    await second.application.settled()
    samples = await (await serve(second)).metrics()

    assert samples["crampcoach_outbox_unknown_total"] == 1
    assert samples["crampcoach_outbox_resent_after_crash_total"] == 2


async def test_metrics_count_the_people_spoken_to_in_each_language(bot: Bot, serve: Probe) -> None:
    served = await serve(bot)
    for user_id, code in ((4301, "de-DE"), (4302, "de"), (4303, "fr"), (4304, None)):
        await bot.user(user_id, language_code=code).send("/start")

    samples = await served.metrics()

    assert samples["crampcoach_users_by_language{language=de}"] == 2
    assert samples["crampcoach_users_by_language{language=fr}"] == 1
    assert samples["crampcoach_users_by_language{language=en}"] == 1
    assert samples["crampcoach_users_by_language{language=es}"] == 0
