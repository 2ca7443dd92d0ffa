"""Leases (``storage.leases``) on both stores, and the worker lease that keeps a second
process off a PostgreSQL database (``bot.operations.worker_lease``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.application import CrampCoachApplication, build_application
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI
from bot.lifecycle import running
from bot.operations.worker_lease import LeaseHeld, WorkerLease
from storage import leases
from storage.store import Store
from tests.conftest import Bot, make_settings

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


async def test_a_second_process_on_postgresql_waits_then_refuses_in_one_line(
    start_bot: Callable[..., Any], db_path: Path, store_url: str | None
) -> None:
    if store_url is None:
        pytest.skip("SQLite: the run lock keeps a second process off the file (test_restart)")
    first: Bot = await start_bot()
    assert first.application.worker_lease is not None
    second = build_application(
        make_settings(db_path, store_url),
        request=LocalBotAPI(),
        token=LOCAL_TOKEN,
        scheduler=False,
        worker_holder="other-host:1:abcd",
        lease_wait=0.6,
    )
    with pytest.raises(LeaseHeld) as refused:
        async with running(second):
            pass
    assert "another process" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert "@" not in str(refused.value)  # nothing of the URL


async def test_a_graceful_stop_gives_the_lease_back(db_path: Path, store_url: str | None) -> None:
    if store_url is None:
        pytest.skip("the worker lease is PostgreSQL's")
    settings = make_settings(db_path, store_url)

    def one(holder: str) -> Any:
        return build_application(
            settings,
            request=LocalBotAPI(),
            token=LOCAL_TOKEN,
            scheduler=False,
            worker_holder=holder,
            lease_wait=0.6,
        )

    async with running(one("first:1:aaaa")):
        pass
    async with running(one("second:2:bbbb")) as app:  # at once: no wait for a TTL
        assert isinstance(app, CrampCoachApplication) and app.worker_lease is not None


async def test_a_process_whose_lease_was_taken_over_stops(store: Store) -> None:
    """It stalled past the TTL and another process took over: it must not go on."""
    lost = asyncio.Event()
    lease = WorkerLease(store, holder="stalled:1:aaaa", renew_every=0.05, on_lost=lost.set)
    await lease.acquire()
    later = datetime.now(UTC) + TTL + timedelta(seconds=1)
    assert await leases.take(store, "worker", "other:2:bbbb", later, TTL) is None
    await asyncio.wait_for(lost.wait(), 2.0)
    await lease.release()  # gives back nothing it no longer holds
    held = await leases.take(store, "worker", "third:3:cccc", later, TTL)
    assert held is not None and held.holder == "other:2:bbbb"
