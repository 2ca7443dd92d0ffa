"""A graceful stop in polling mode: nothing new taken, what is in hand finished within the
grace, what is not stays in the inbox for the next start.

The real Application and the in-memory Bot API, polled through ``getUpdates``; the stop signal
is set by the test (the real SIGTERM is in ``test_webhook_process.py`` and
``test_end_to_end_polling.py``). The webhook's side is in ``test_webhook.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.application import build_application
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI, LocalUser
from bot.lifecycle import StopSignals
from bot.runner import serve_polling
from bot.settings import Settings
from tests.conftest import FakeClock
from tests.helpers import wait_for

SCREEN = "Quick check"


def with_grace(settings: Settings, grace: float) -> Settings:
    return Settings(_env_file=None, **{**settings.model_dump(), "shutdown_grace": grace})  # type: ignore[call-arg]


def screens(api: LocalBotAPI, chat_id: int) -> int:
    return sum(SCREEN in message.text for message in api.bot_messages(chat_id))


async def test_a_stop_finishes_the_updates_in_hand_and_takes_no_new_one(
    settings: Settings, clock: FakeClock
) -> None:
    config = with_grace(settings, 5.0)
    api = LocalBotAPI()
    gate = asyncio.Event()

    async def slow(call: Any) -> None:
        if call.method == "sendMessage":
            await gate.wait()

    api.delay = slow
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_polling(application, config, signals))
    athletes = [LocalUser(application, api, 5100 + n, via_get_updates=True) for n in range(5)]
    for athlete in athletes:
        await athlete.send("/cramp")
    await wait_for(lambda: not api.incoming_updates, within=5)  # fetched and confirmed

    signals.stop.set()  # with five replies on the wire
    await asyncio.sleep(0.1)
    late = LocalUser(application, api, 5200, via_get_updates=True)
    await late.send("/cramp")
    await asyncio.sleep(0.1)
    assert not run.done()  # finishing what it has
    gate.set()
    await asyncio.wait_for(run, timeout=5)

    assert [screens(api, athlete.chat_id) for athlete in athletes] == [1] * 5
    assert screens(api, 5200) == 0
    assert len(api.incoming_updates) == 1  # not confirmed: Telegram keeps it for the next start


async def test_an_update_not_finished_within_the_grace_is_handled_at_the_next_start(
    settings: Settings, clock: FakeClock
) -> None:
    config = with_grace(settings, 0.3)
    api = LocalBotAPI()
    never = asyncio.Event()

    async def stuck(call: Any) -> None:
        if call.method == "sendMessage" and int(call.params["chat_id"]) == 5301:
            await never.wait()

    api.delay = stuck
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_polling(application, config, signals))
    await LocalUser(application, api, 5301, via_get_updates=True).send("/cramp")
    await LocalUser(application, api, 5302, via_get_updates=True).send("/cramp")
    # Both kept and confirmed (the next getUpdates went out), 5302 answered, 5301 stuck. The
    # confirming getUpdates races the first reply, so both are waited for, not assumed.
    await wait_for(lambda: screens(api, 5302) == 1 and not api.incoming_updates, within=5)
    loop = asyncio.get_running_loop()
    began = loop.time()

    signals.stop.set()
    await asyncio.wait_for(run, timeout=5)

    assert loop.time() - began < 2.0  # the grace, not the stuck request, sets the stop's length
    assert screens(api, 5301) == 0 and not api.incoming_updates  # confirmed, not answered
    api.delay = None
    again = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_polling(again, config, signals))
    try:
        await wait_for(lambda: screens(api, 5301) == 1, within=5)
    finally:
        signals.stop.set()
        await asyncio.wait_for(run, timeout=5)
    assert (screens(api, 5301), screens(api, 5302)) == (1, 1)


async def test_a_second_signal_cuts_the_grace_short(settings: Settings, clock: FakeClock) -> None:
    config = with_grace(settings, 30.0)
    api = LocalBotAPI()
    never = asyncio.Event()

    async def stuck(call: Any) -> None:
        if call.method == "sendMessage":
            await never.wait()

    api.delay = stuck
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_polling(application, config, signals))
    await LocalUser(application, api, 5401, via_get_updates=True).send("/cramp")
    await wait_for(lambda: bool(api.calls_of("sendMessage")), within=5)

    signals.received()  # SIGTERM
    await asyncio.sleep(0.2)
    assert not run.done()
    signals.received()  # and again: stop now
    await asyncio.wait_for(run, timeout=3)
