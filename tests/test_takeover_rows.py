"""What a worker that died leaves in rows, taken over by the others, on both stores: its SOS
timers fired once by the worker holding the scheduler's duty (``TimerRunner.fire_overdue``),
and the outbox rows its sender had claimed settled by the crash policy once they are old
(``storage.outbox.settle_crash`` with ``claimed_before``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.timers import TimerRunner
from bot.delivery.units import UnitRunner
from storage import outbox, timers
from storage.outbox import Kind, Message
from storage.store import Store
from storage.timers import Timer

T0 = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)


async def test_overdue_timers_not_armed_here_fire_once(store: Store) -> None:
    fired: list[str] = []

    async def note(timer: Timer) -> None:
        fired.append(timer.key)

    now = [T0 - timedelta(minutes=2)]  # when this worker armed its own timer
    units = UnitRunner(store, lambda: now[0])
    runner = TimerRunner(store, lambda: now[0], {"probe": note}, units.run)
    units.timers = runner

    def timer(key: str, due: datetime) -> Timer:
        return Timer(key, "probe", 42, 42, due, {"n": key})

    # A dead worker's timer, long overdue; one armed here (this worker fires it itself);
    # one not due yet.
    await timers.set_timer(store, timer("dead", T0 - timedelta(minutes=1)))
    armed_here = timer("mine", T0 - timedelta(minutes=1))
    await timers.set_timer(store, armed_here)
    await timers.set_timer(store, timer("later", T0 + timedelta(minutes=1)))
    runner.arm(armed_here)  # due in a minute of real time, as this worker's clock read then
    now[0] = T0
    try:
        assert await runner.fire_overdue(T0 - timedelta(seconds=5)) == 1
        assert fired == ["dead"]
        assert not await timers.exists(store, "dead")  # taken with its firing
        assert await timers.exists(store, "later")
        # Another worker's scheduler ticking too, or this one again: nothing twice.
        assert await runner.fire_overdue(T0 - timedelta(seconds=5)) == 0
        assert fired == ["dead"]
    finally:
        await runner.stop()


async def test_a_lost_senders_old_claims_are_settled_by_the_crash_policy(store: Store) -> None:
    async with store.write() as tx:
        added = await outbox.add(
            tx,
            "update:1",
            [
                Message(7, "sendMessage", {"chat_id": 7, "text": "stretch now"}),
                Message(8, "sendMessage", {"chat_id": 8, "text": "coach note"}, Kind.NOTICE),
                Message(9, "sendMessage", {"chat_id": 9, "text": "just claimed"}),
            ],
            T0,
        )
    ids = [row_id for _, row_id in sorted(added)]
    assert await outbox.claim(store, ids[:2], T0) == set(ids[:2])
    assert await outbox.claim(store, ids[2:], T0 + timedelta(minutes=20)) == {ids[2]}

    settled = await outbox.settle_crash(
        store, T0 + timedelta(minutes=21), claimed_before=T0 + timedelta(minutes=11)
    )

    assert (settled.unknown, settled.resent) == (1, 1)
    rows = {
        int(r["id"]): (r["claimed_at"], r["outcome"])
        for r in await store.fetch_all("SELECT id, claimed_at, outcome FROM outbox")
    }
    assert rows[ids[0]] == (None, None)  # a reply: released, to be sent again
    assert rows[ids[1]][1] == "unknown"  # a notice: never twice
    assert rows[ids[2]][0] is not None and rows[ids[2]][1] is None  # recent: left to its sender
