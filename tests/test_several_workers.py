"""Several workers on one PostgreSQL database, in one test process: two real Applications, each
with its own inbox, claims and duties, talking to one local Bot API (one Telegram).

Updates are kept by whichever worker "received" them (as nginx would spread webhook POSTs) and
claimed from the table by either; the replies go out through the worker holding the sender's
duty. The processes-and-SIGKILL version of this is tests/test_workers.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.application import CrampCoachApplication, build_application
from bot.delivery import duties
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI, LocalUser
from bot.lifecycle import StopSignals, running
from bot.runner import serve_polling
from bot.scheduler import tick
from bot.settings import Settings
from conversations.texts import sos as texts
from rules import plan_clock
from rules.plan_clock import DueSlot
from storage import inbox, plans
from storage.postgres import PostgresDatabase
from tests.conftest import FAST, FakeClock, make_settings
from tests.helpers import bot_texts
from tests.plan_helpers import seed_active_plans

LEASE_SECONDS = 1.0  # renewals every third of a second: takeovers within the test's patience


@pytest.fixture
def only_postgresql(store_url: str | None) -> str:
    if store_url is None:
        pytest.skip("several workers share PostgreSQL; on SQLite one process runs (run lock)")
    return store_url


def worker(
    settings: Settings, api: LocalBotAPI, clock: FakeClock, name: str
) -> CrampCoachApplication:
    """One worker (an Application named ``name`` in its claims and duties), unstarted; limits
    off, as in the other bot tests."""
    app = build_application(
        settings,
        request=api,
        token=LOCAL_TOKEN,
        clock=clock,
        timings=FAST,
        send_rate=1_000_000.0,
        per_chat_interval=0.0,
        retry_backoff=0.0,
        scheduler=False,
        worker_holder=f"{name}:1:test",
    )
    assert isinstance(app, CrampCoachApplication)
    return app


class Workers:
    """Start workers on one database and one Bot API; feed them updates as Telegram would."""

    def __init__(self, db_path: Path, url: str, clock: FakeClock, stack: AsyncExitStack) -> None:
        self.settings = make_settings(db_path, url, lease_seconds=LEASE_SECONDS)
        self.clock = clock
        self.stack = stack
        self.api = LocalBotAPI()
        self.apps: list[CrampCoachApplication] = []
        self._contexts: dict[int, Any] = {}
        self.finished: list[tuple[str, int]] = []  # (worker, update id), as each finished

    async def start(self, name: str) -> CrampCoachApplication:
        app = worker(self.settings, self.api, self.clock, name)
        assert app.inbox is not None
        context = running(app)
        await context.__aenter__()
        self._contexts[id(app)] = context
        handing = asyncio.get_running_loop().create_task(app.inbox.hand_on_forever(app))

        async def finished(update: object) -> None:
            self.finished.append((name, getattr(update, "update_id", -1)))

        app.finished_callbacks.append(finished)

        async def stop() -> None:
            handing.cancel()
            await asyncio.gather(handing, return_exceptions=True)
            if id(app) in self._contexts:
                await self._contexts.pop(id(app)).__aexit__(None, None, None)

        self.stack.push_async_callback(stop)
        self.apps.append(app)
        return app

    async def stop(self, app: CrampCoachApplication) -> None:
        """A graceful stop (SIGTERM): duties and claims given back at once."""
        await self._contexts.pop(id(app)).__aexit__(None, None, None)

    def user(self, user_id: int) -> LocalUser:
        # Its updates wait in the Bot API's queue until a worker's POST "arrives" (deliver).
        return LocalUser(self.apps[0], self.api, user_id, via_get_updates=True)

    async def deliver(self, to: CrampCoachApplication) -> list[int]:
        """What users did since the last call, posted to the worker ``to``."""
        payloads, self.api.incoming_updates = self.api.incoming_updates, []
        assert to.inbox is not None
        await to.inbox.keep_json(payloads)
        return [int(p["update_id"]) for p in payloads]

    async def until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        await until(condition, within)

    async def replied(self, chat_id: int, count: int) -> None:
        await self.until(lambda: len(bot_texts(self.api, chat_id)) >= count)


@pytest.fixture
async def workers(db_path: Path, only_postgresql: str, clock: FakeClock) -> AsyncIterator[Workers]:
    async with AsyncExitStack() as stack:
        yield Workers(db_path, only_postgresql, clock, stack)


async def walk(
    workers: Workers, user: LocalUser, to: Callable[[int], CrampCoachApplication]
) -> list[str]:
    """/cramp, no warning sign, calf, eased: each update posted to the worker ``to(step)``."""
    steps: list[Callable[[], Awaitable[None]]] = [
        lambda: user.send("/cramp"),
        lambda: user.press(texts.NO_FLAG_CALF),
        lambda: user.press(texts.EASED),
    ]
    for number, step in enumerate(steps):
        before = len(bot_texts(workers.api, user.chat_id))
        await step()
        await workers.deliver(to(number))
        await workers.replied(user.chat_id, before + 1)
        await asyncio.sleep(0.05)  # the step's later messages
    return bot_texts(workers.api, user.chat_id)


async def test_updates_posted_to_either_worker_are_each_handled_once(workers: Workers) -> None:
    first, second = await workers.start("one"), await workers.start("two")
    assert first.duties[duties.SENDER].held and not second.duties[duties.SENDER].held
    athletes = [workers.user(5000 + n) for n in range(6)]
    results = await asyncio.gather(
        *(walk(workers, a, lambda step: (first, second)[step % 2]) for a in athletes)
    )
    for texts_seen in results:
        assert any("Stretch gently" in t for t in texts_seen)  # the step after the triage
    # Each update handled once, by one worker; the inbox holds none unfinished.
    ids = [update_id for _, update_id in workers.finished]
    assert len(ids) == len(set(ids)) == 3 * len(athletes)
    assert (await inbox.backlog(first.inbox.db)).unfinished == 0  # type: ignore[union-attr]
    # Nothing sent twice: every sendMessage text of a chat appears once per step.
    for athlete in athletes:
        sends = [c for c in workers.api.calls if c.method == "sendMessage"]
        mine = [c for c in sends if c.params.get("chat_id") == athlete.chat_id]
        assert len(mine) == len(bot_texts(workers.api, athlete.chat_id))


async def test_one_chats_burst_is_handled_in_order_across_workers(workers: Workers) -> None:
    first, second = await workers.start("one"), await workers.start("two")
    athlete = workers.user(6001)
    sent: list[int] = []
    for n in range(12):
        await athlete.send(f"hello {n}")
        sent += await workers.deliver((first, second)[n % 2])
    await workers.until(lambda: len(workers.finished) == len(sent))
    handled = [update_id for _, update_id in workers.finished]
    assert handled == sorted(sent)  # one at a time, oldest first, whoever handled each


async def test_a_dead_workers_claim_is_taken_over_and_its_late_commit_refused(
    workers: Workers,
) -> None:
    survivor = await workers.start("alive")
    db = survivor.inbox.db  # type: ignore[union-attr]
    athlete = workers.user(6002)
    await athlete.send("/cramp")
    payloads, workers.api.incoming_updates = workers.api.incoming_updates, []
    update_id = int(payloads[0]["update_id"])
    # A worker that died keeps it and claims it first: a claim nobody will renew.
    now = datetime.now(UTC)
    await inbox.store(db, [inbox.StoredUpdate(update_id, json.dumps(payloads[0]), 6002)], now)
    dead = await inbox.claim(db, "dead:9:test", now, now + timedelta(seconds=1), 10)
    assert [stored.update_id for stored in dead] == [update_id]
    began = asyncio.get_running_loop().time()
    await workers.replied(athlete.chat_id, 1)
    waited = asyncio.get_running_loop().time() - began
    assert waited < 1.0 + 1.0  # the claim's second, then the next idle claim
    assert "Quick check" in bot_texts(workers.api, athlete.chat_id)[0]
    # The dead worker's late done mark (it was only stalled) is refused: no double outcome.
    with pytest.raises(inbox.ClaimLost):
        async with db.write() as tx:
            await inbox.mark_done_in(tx, update_id, now, holder="dead:9:test")


async def test_a_graceful_stop_hands_the_sender_and_the_chats_to_the_other_worker(
    workers: Workers,
) -> None:
    first, second = await workers.start("one"), await workers.start("two")
    athlete = workers.user(6003)
    await athlete.send("/cramp")
    await workers.deliver(first)
    await workers.replied(athlete.chat_id, 1)
    await workers.stop(first)  # a rolling restart: the first worker goes
    await workers.until(lambda: second.duties[duties.SENDER].held, within=3.0)
    await athlete.press(texts.NO_FLAG_CALF)
    await workers.deliver(second)
    await workers.replied(athlete.chat_id, 2)
    assert any("Stretch gently" in t for t in bot_texts(workers.api, athlete.chat_id))
    assert second.duties[duties.SENDER].takeovers == 0  # given back, not taken over


async def test_only_the_scheduler_duty_holder_sends_check_ins(
    workers: Workers, clock: FakeClock
) -> None:
    first, second = await workers.start("one"), await workers.start("two")
    db = first.inbox.db  # type: ignore[union-attr]
    due = clock.now - timedelta(minutes=1)
    await seed_active_plans(db, range(7000, 7005), now=clock.now - timedelta(days=1), due=due)
    idle = await tick(second)  # not its duty: it claims nothing
    assert (idle.checkins_sent, idle.reminders_sent, idle.digests_sent) == (0, 0, 0)
    report = await tick(first)
    assert report.checkins_sent == 5
    await first.settled()
    for user_id in range(7000, 7005):
        assert len(bot_texts(workers.api, user_id)) == 1  # each check-in once
    again = await tick(first)
    assert again.checkins_sent == 0


SCREEN = "Stop, but stay on your feet"


def screens(api: LocalBotAPI, chat_id: int) -> int:
    return sum(SCREEN in message.text for message in api.bot_messages(chat_id))


async def test_in_polling_mode_one_worker_polls_and_the_other_takes_over_at_its_stop(
    db_path: Path, only_postgresql: str, clock: FakeClock
) -> None:
    settings = make_settings(db_path, only_postgresql, lease_seconds=LEASE_SECONDS)
    api = LocalBotAPI()
    apps = [worker(settings, api, clock, f"poll{n}") for n in range(2)]
    signals = [StopSignals(), StopSignals()]
    runs = [
        asyncio.create_task(serve_polling(app, settings, sig))
        for app, sig in zip(apps, signals, strict=True)
    ]
    polling: list[CrampCoachApplication] = []

    def pollers() -> list[CrampCoachApplication]:
        return [
            app
            for app in apps
            if isinstance(app, CrampCoachApplication)
            and duties.POLLER in app.duties
            and app.duties[duties.POLLER].held
        ]

    try:
        await until(lambda: len(pollers()) == 1)
        polling = pollers()
        athletes = [LocalUser(apps[0], api, 8000 + n, via_get_updates=True) for n in range(6)]
        for athlete in athletes:
            await athlete.send("/cramp")
        await until(lambda: all(screens(api, a.chat_id) == 1 for a in athletes))
        assert len(pollers()) == 1  # still one: Telegram allows one getUpdates at a time

        first = apps.index(polling[0])
        signals[first].stop.set()  # a rolling restart: the polling worker goes
        await asyncio.wait_for(runs[first], 10)
        other = apps[1 - first]
        await until(lambda: pollers() == [other], within=3.0)
        late = LocalUser(other, api, 8100, via_get_updates=True)
        await late.send("/cramp")
        await until(lambda: screens(api, late.chat_id) == 1)
        assert all(screens(api, a.chat_id) == 1 for a in athletes)  # none answered twice
    finally:
        for sig in signals:
            sig.stop.set()
        await asyncio.wait_for(asyncio.gather(*runs, return_exceptions=True), 15)


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_two_workers_claiming_due_check_ins_at_once_never_get_the_same_plan(
    only_postgresql: str, clock: FakeClock
) -> None:
    """Even without the scheduler's duty (a worker stalled past its lease while the next one
    ticks), the claims lock and skip each other's rows."""
    one, two = PostgresDatabase(only_postgresql), PostgresDatabase(only_postgresql)
    await one.open()
    await two.open()
    try:
        due = clock.now - timedelta(minutes=1)
        await seed_active_plans(one, range(9000, 9060), now=clock.now - timedelta(days=1), due=due)

        def slot(plan: plans.Plan) -> DueSlot:
            return plan_clock.due_slot(plan.cramp_at, plan.checkin_time, plan.zone, clock.now)

        claims = await asyncio.gather(
            *(plans.claim_due(db, clock.now, 40, slot) for db in (one, two, one, two))
        )
        claimed = [c.plan.id for batch in claims for c in batch]
        assert len(claimed) == len(set(claimed)) == 60
    finally:
        await one.close()
        await two.close()


async def test_a_sender_whose_lease_may_have_run_out_claims_nothing_more(
    workers: Workers,
) -> None:
    """It stalled: its lease ran out unrenewed (another worker may send now). What it commits
    waits in the outbox, unclaimed, for whichever worker sends next."""
    sender = await workers.start("one")
    duty = sender.duties[duties.SENDER]
    assert duty.held and sender.sender.licensed()
    duty.held_until = datetime.now(UTC) - timedelta(seconds=1)  # as if renewals stopped
    assert not sender.sender.licensed()
    athlete = workers.user(6201)
    await athlete.send("/cramp")
    await workers.deliver(sender)
    await workers.until(lambda: len(workers.finished) == 1)
    await sender.settled()
    assert bot_texts(workers.api, athlete.chat_id) == []
    db = sender.units.db
    rows = await db.fetch_all("SELECT claimed_at, outcome FROM outbox WHERE chat_id = 6201")
    assert rows and all(r["claimed_at"] is None and r["outcome"] is None for r in rows)
    # Renewed again (or another worker's sender): the rows go, in order, once.
    duty.held_until = datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)
    await workers.replied(athlete.chat_id, 1)
    await sender.settled()
    assert "Quick check" in bot_texts(workers.api, athlete.chat_id)[0]
