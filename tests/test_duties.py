"""Leases (``storage.leases``) and duties held by them (``bot.delivery.duties``), on both
stores: one worker at a time does a duty, another takes it over once the holder stops
renewing, a graceful stop hands it on at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.delivery.duties import Duty
from storage import leases
from storage.store import Store

T0 = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


async def test_one_holder_at_a_time_until_it_runs_out(store: Store) -> None:
    assert await leases.take(store, "worker", "a", T0, TTL) is None
    held = await leases.take(store, "worker", "b", T0 + timedelta(seconds=5), TTL)
    assert held == leases.Held("a", T0 + TTL)
    # The holder renews; the other still waits.
    assert await leases.take(store, "worker", "a", T0 + timedelta(seconds=10), TTL) is None
    held = await leases.take(store, "worker", "b", T0 + timedelta(seconds=20), TTL)
    assert held == leases.Held("a", T0 + timedelta(seconds=10) + TTL)
    # "a" stopped renewing (it died): once run out, "b" takes it, and "a" is refused.
    assert await leases.take(store, "worker", "b", T0 + timedelta(seconds=25), TTL) is None
    held = await leases.take(store, "worker", "a", T0 + timedelta(seconds=26), TTL)
    assert held is not None and held.holder == "b"


async def test_given_back_it_goes_at_once_and_only_by_its_holder(store: Store) -> None:
    await leases.take(store, "worker", "a", T0, TTL)
    await leases.give_back(store, "worker", "b")  # not b's: nothing happens
    assert (await leases.take(store, "worker", "b", T0, TTL)) is not None
    await leases.give_back(store, "worker", "a")
    assert await leases.take(store, "worker", "b", T0, TTL) is None
    assert await leases.take(store, "other", "a", T0, TTL) is None  # leases are by name


async def test_an_attempt_says_whose_run_out_lease_it_took(store: Store) -> None:
    assert (await leases.attempt(store, "sender", "a", T0, TTL)).taken_from is None
    renewed = await leases.attempt(store, "sender", "a", T0 + timedelta(seconds=5), TTL)
    assert renewed == leases.Attempt(None, None)  # a renewal is no takeover
    late = T0 + timedelta(seconds=30)
    assert await leases.attempt(store, "sender", "b", late, TTL) == leases.Attempt(None, "a")
    # Outright (one process on SQLite, under the run lock): whoever held it.
    taken = await leases.attempt(store, "sender", "c", late, TTL, outright=True)
    assert taken == leases.Attempt(None, "b")


class Log:
    """What a duty's hooks were told, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.changed = asyncio.Event()

    async def gained(self) -> None:
        self.events.append("gained")
        self.changed.set()

    async def lost(self) -> None:
        self.events.append("lost")
        self.changed.set()

    async def next(self) -> str:
        await asyncio.wait_for(self.changed.wait(), 5.0)
        self.changed.clear()
        return self.events[-1]


SHORT = timedelta(seconds=0.6)  # the duties below renew every 0.2 s


def duty(
    store: Store, holder: str, log: Log, on_takeover: Callable[[str], None] | None = None
) -> Duty:
    return Duty(
        store,
        "sender",
        holder=holder,
        ttl=SHORT,
        on_gained=log.gained,
        on_lost=log.lost,
        on_takeover=on_takeover,
    )


async def test_one_worker_does_a_duty_and_a_second_waits(store: Store) -> None:
    first_log, second_log = Log(), Log()
    first, second = duty(store, "one:1:aa", first_log), duty(store, "two:2:bb", second_log)
    await first.start()
    await second.start()
    try:
        assert first.held and first_log.events == ["gained"]
        await asyncio.sleep(SHORT.total_seconds() * 2)  # several renewals
        assert not second.held and second_log.events == []
    finally:
        await first.stop()
        await second.stop()


async def test_a_dead_workers_duty_is_taken_over_once_its_lease_runs_out(store: Store) -> None:
    # A worker took the lease and died: it never renews.
    taken = await leases.attempt(store, "sender", "dead:1:aa", datetime.now(UTC), SHORT)
    assert taken.other is None
    takeovers: list[str] = []
    log = Log()
    survivor = duty(store, "alive:2:bb", log, on_takeover=takeovers.append)
    began = asyncio.get_running_loop().time()
    await survivor.start()
    try:
        assert not survivor.held
        assert await log.next() == "gained"
        waited = asyncio.get_running_loop().time() - began
        # Within the lease's time and one renewal period after it.
        assert waited <= SHORT.total_seconds() + survivor.renew_every + 0.5
        assert survivor.takeovers == 1 and takeovers == ["sender"]
    finally:
        await survivor.stop()


async def test_a_worker_whose_duty_was_taken_over_stops_doing_it(store: Store) -> None:
    """It stalled past its lease and another worker took the duty: it must not go on."""
    log = Log()
    stalled = duty(store, "stalled:1:aa", log)
    await stalled.start()
    assert stalled.held and await log.next() == "gained"
    later = datetime.now(UTC) + SHORT + timedelta(seconds=1)
    assert (await leases.attempt(store, "sender", "other:2:bb", later, SHORT)).other is None
    assert await log.next() == "lost"
    assert not stalled.held
    await stalled.stop()  # gives back nothing it no longer holds
    held = await leases.take(store, "sender", "third:3:cc", later, SHORT)
    assert held is not None and held.holder == "other:2:bb"


async def test_a_graceful_stop_hands_the_duty_on_at_once(store: Store) -> None:
    first_log, second_log = Log(), Log()
    first = duty(store, "one:1:aa", first_log)
    await first.start()
    second = duty(store, "two:2:bb", second_log)
    await second.start()
    try:
        assert first.held and not second.held
        await first.stop()
        assert first_log.events == ["gained", "lost"]
        # At the second's next renewal, not after the lease's time.
        began = asyncio.get_running_loop().time()
        assert await second_log.next() == "gained"
        assert asyncio.get_running_loop().time() - began <= second.renew_every + 0.3
        assert second.takeovers == 0  # given back, not taken over
    finally:
        await second.stop()


async def test_a_duty_whose_work_fails_to_start_is_given_back_and_tried_again(
    store: Store,
) -> None:
    starts: list[str] = []

    async def flaky() -> None:
        starts.append("start")
        if len(starts) == 1:
            raise RuntimeError("the database went away for a moment")

    worker = Duty(store, "sender", holder="one:1:aa", ttl=SHORT, on_gained=flaky)
    await worker.start()
    try:
        assert starts == ["start"] and not worker.held
        # Given back: the lease is free for anyone at once.
        assert (
            await leases.attempt(store, "sender", "probe", datetime.now(UTC), SHORT)
        ).other is None
        await leases.give_back(store, "sender", "probe")
        # The next turn starts it again.
        deadline = asyncio.get_running_loop().time() + 3
        while not worker.held:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        assert starts == ["start", "start"]
    finally:
        await worker.stop()
