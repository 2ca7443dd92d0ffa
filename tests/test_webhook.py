"""Webhook mode: Telegram's POSTs, kept in the inbox before they are answered.

The real Application and the in-memory Bot API; the bot's own webhook server listens on
loopback and a real HTTP client (httpx) plays Telegram. The real-process test, with SIGTERM in
the middle of a burst, is in ``test_webhook_process.py``.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.application import accepted_updates, build_application
from bot.devtools.local_api import LOCAL_TOKEN, Fault, LocalBotAPI, LocalUser
from bot.lifecycle import StopSignals
from bot.settings import Settings
from bot.web.app import MAX_BODY, Listener, compose
from bot.web.webhook import SECRET_HEADER, WebhookRefused, WebhookServer, serve_webhook
from storage import inbox
from storage.db import Database
from tests.conftest import Bot, FakeClock
from tests.faults import break_writes, mend
from tests.helpers import db_of, wait_for

SECRET = "s3cret_Token-for-tests"
PATH = "/telegram"
SCREEN = "Quick check"


@dataclass
class Hook:
    bot: Bot
    server: WebhookServer
    client: httpx.AsyncClient

    async def post(
        self, payload: object, *, secret: str | None = SECRET, path: str = PATH
    ) -> httpx.Response:
        headers = {} if secret is None else {SECRET_HEADER: secret}
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return await self.client.post(
            path, content=body, headers={"Content-Type": "application/json", **headers}
        )


@pytest.fixture
async def hook(bot: Bot) -> AsyncIterator[Hook]:
    server = WebhookServer(bot.application, path=PATH, secret=SECRET)
    listener = Listener(compose(server.routes()), "CRAMPCOACH_WEBHOOK_PORT")
    server.start_handing_on()
    await listener.start("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as client:
        yield Hook(bot, server, client)
    await server.close()
    await listener.close()


async def update_of(user: LocalUser, text: str) -> dict[str, Any]:
    """What Telegram would post when ``user`` sends ``text``."""
    user.via_get_updates = True
    await user.send(text)
    return user.api.incoming_updates.pop()


async def rows(bot: Bot) -> list[tuple[int, bool]]:
    """The inbox: (update_id, done) for each row."""
    found = await db_of(bot).fetch_all("SELECT update_id, done_at FROM inbox ORDER BY update_id")
    return [(int(row["update_id"]), row["done_at"] is not None) for row in found]


def screens(bot: Bot, chat_id: int) -> int:
    return sum(SCREEN in message.text for message in bot.api.bot_messages(chat_id))


async def all_done(bot: Bot) -> None:
    for _ in range(300):
        if not await inbox.pending(db_of(bot)):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("updates never finished")


# --- The secret ----------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
async def test_a_post_without_the_right_secret_is_refused_and_nothing_is_stored(
    hook: Hook, secret: str | None
) -> None:
    athlete = hook.bot.user(3001)
    payload = await update_of(athlete, "/cramp")

    response = await hook.post(payload, secret=secret)

    assert response.status_code == 403
    assert await rows(hook.bot) == []
    await asyncio.sleep(0.05)
    assert screens(hook.bot, athlete.chat_id) == 0


# --- Kept, answered, handled ---------------------------------------------------------------------


async def test_an_update_is_kept_before_it_is_answered_and_then_handled(hook: Hook) -> None:
    athlete = hook.bot.user(3101)
    payload = await update_of(athlete, "/cramp")
    gate = asyncio.Event()

    async def held(call: Any) -> None:
        if call.method == "sendMessage":
            await gate.wait()

    hook.bot.api.delay = held  # the reply cannot go out until the test says so

    response = await hook.post(payload)

    assert response.status_code == 200
    # Answered 200 (Telegram forgets it now): the row is committed before; its reply waits.
    assert [update_id for update_id, _ in await rows(hook.bot)] == [payload["update_id"]]
    assert screens(hook.bot, athlete.chat_id) == 0
    gate.set()
    await wait_for(lambda: screens(hook.bot, athlete.chat_id) == 1)
    await all_done(hook.bot)
    assert await rows(hook.bot) == [(payload["update_id"], True)]


async def test_an_update_delivered_twice_is_kept_once_handled_once_answered_200(
    hook: Hook,
) -> None:
    athlete = hook.bot.user(3201)
    payload = await update_of(athlete, "/cramp")

    first, second = await asyncio.gather(hook.post(payload), hook.post(payload))
    await wait_for(lambda: screens(hook.bot, athlete.chat_id) == 1)
    await all_done(hook.bot)
    third = await hook.post(payload)  # again, after it was handled
    await asyncio.sleep(0.1)

    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert screens(hook.bot, athlete.chat_id) == 1
    assert await rows(hook.bot) == [(payload["update_id"], True)]


async def test_a_lower_update_id_arriving_after_a_higher_one_is_handled_too(hook: Hook) -> None:
    """Telegram posts over several connections at once: ids do not arrive in order."""
    early, late = hook.bot.user(3301), hook.bot.user(3302)
    lower = await update_of(early, "/cramp")
    higher = await update_of(late, "/cramp")

    assert (await hook.post(higher)).status_code == 200
    await wait_for(lambda: screens(hook.bot, late.chat_id) == 1)
    assert (await hook.post(lower)).status_code == 200
    await wait_for(lambda: screens(hook.bot, early.chat_id) == 1)
    await all_done(hook.bot)

    assert (screens(hook.bot, early.chat_id), screens(hook.bot, late.chat_id)) == (1, 1)


async def test_a_burst_of_posts_side_by_side_is_answered_once_each(hook: Hook) -> None:
    athletes = [hook.bot.user(3400 + n) for n in range(30)]
    payloads = [await update_of(athlete, "/cramp") for athlete in athletes]
    payloads.reverse()  # and out of order

    responses = await asyncio.gather(*(hook.post(payload) for payload in payloads))

    assert {r.status_code for r in responses} == {200}
    await wait_for(lambda: all(screens(hook.bot, a.chat_id) for a in athletes), within=5)
    await all_done(hook.bot)
    assert [screens(hook.bot, a.chat_id) for a in athletes] == [1] * 30


# --- Bad requests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\x00",
        b"",
        b"[]",
        b'"update"',
        b"{}",
        b'{"update_id": "7", "message": {}}',
        b'{"update_id": true}',
        b'{"update_id": 7.5}',
        b'{"update_id": -1}',
    ],
)
async def test_a_malformed_body_is_a_400_and_nothing_is_stored(hook: Hook, body: bytes) -> None:
    response = await hook.post(body)

    assert response.status_code == 400
    assert await rows(hook.bot) == []


async def test_other_paths_methods_and_oversized_bodies_are_refused(hook: Hook) -> None:
    payload = await update_of(hook.bot.user(3501), "/cramp")

    assert (await hook.post(payload, path="/other")).status_code == 404
    assert (await hook.post(payload, path="/telegram/x")).status_code == 404
    assert (await hook.client.get(PATH)).status_code == 405
    assert (await hook.client.put(PATH, headers={SECRET_HEADER: SECRET})).status_code == 405
    big = {**payload, "padding": "x" * MAX_BODY}
    assert (await hook.post(big)).status_code == 413
    assert (await hook.post(big, secret="wrong")).status_code == 403  # before the body is read
    assert await rows(hook.bot) == []


# --- Faults ---------------------------------------------------------------------------------------


async def test_an_update_that_cannot_be_stored_is_a_500_and_handled_when_sent_again(
    hook: Hook,
) -> None:
    athlete = hook.bot.user(3601)
    payload = await update_of(athlete, "/cramp")
    await break_writes(db_of(hook.bot), "inbox_full", "inbox", "INSERT", "database or disk is full")

    refused = await hook.post(payload)
    await asyncio.sleep(0.1)

    assert refused.status_code == 500  # Telegram delivers it again later
    assert screens(hook.bot, athlete.chat_id) == 0
    assert await rows(hook.bot) == []

    await mend(db_of(hook.bot), "inbox_full", "inbox")
    again = await hook.post(payload)

    assert again.status_code == 200
    await wait_for(lambda: screens(hook.bot, athlete.chat_id) == 1)
    await all_done(hook.bot)
    assert screens(hook.bot, athlete.chat_id) == 1


async def test_while_stopping_posts_get_503_and_nothing_is_stored(hook: Hook) -> None:
    athlete = hook.bot.user(3701)
    payload = await update_of(athlete, "/cramp")
    hook.server.stop_taking()

    response = await hook.post(payload)

    assert response.status_code == 503  # Telegram tries again later: the restarted bot
    assert await rows(hook.bot) == []


async def test_the_counters_see_each_answer(hook: Hook) -> None:
    payload = await update_of(hook.bot.user(3801), "/help")
    await hook.post(payload, secret="wrong")
    await hook.post(b"nope")
    await hook.post(payload)
    await all_done(hook.bot)

    metrics = hook.bot.application.metrics
    assert metrics is not None
    counted = {
        code: metrics.webhook_requests.labels(code=code)._value.get()
        for code in ("200", "400", "403")
    }
    assert counted == {"200": 1.0, "400": 1.0, "403": 1.0}


# --- Start-up and stop --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(settings: Settings, **extra: Any) -> Settings:
    values = {
        **settings.model_dump(),
        "mode": "webhook",
        "webhook_url": "https://bot.example.org/telegram",
        "webhook_secret": SECRET,
        "webhook_port": free_port(),
        "shutdown_grace": 2.0,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_start_up_replays_what_was_left_sets_the_webhook_with_the_secret_and_serves(
    settings: Settings, clock: FakeClock
) -> None:
    config = webhook_settings(settings)
    api = LocalBotAPI()
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    # Left by the last run: kept (so answered 200 to Telegram) and never handled.
    leftover = await update_of(LocalUser(application, api, 3901), "/cramp")
    db = config.database()
    await db.open()
    await inbox.store(
        db, [inbox.StoredUpdate(leftover["update_id"], json.dumps(leftover))], clock()
    )
    await db.close()
    signals = StopSignals()
    run = asyncio.create_task(serve_webhook(application, config, signals))
    try:
        await wait_for(lambda: api.webhook is not None, within=5)
        assert api.webhook == {
            "url": "https://bot.example.org/telegram",
            "secret_token": SECRET,
            "allowed_updates": accepted_updates(),
            "drop_pending_updates": False,  # what Telegram kept while the bot was down, too
        }
        assert not api.calls_of("deleteWebhook")
        await wait_for(lambda: any(SCREEN in m.text for m in api.bot_messages(3901)))

        payload = await update_of(LocalUser(application, api, 3902), "/cramp")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{config.webhook_port}") as c:
            response = await c.post(PATH, json=payload, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
        await wait_for(lambda: any(SCREEN in m.text for m in api.bot_messages(3902)))
    finally:
        signals.stop.set()
        await asyncio.wait_for(run, timeout=10)
    assert not run.exception()


async def test_telegram_refusing_the_webhook_url_is_one_line_naming_the_setting(
    settings: Settings, clock: FakeClock
) -> None:
    config = webhook_settings(settings)
    api = LocalBotAPI()
    api.fail(Fault("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host"))
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)

    with pytest.raises(WebhookRefused) as refused:
        await asyncio.wait_for(serve_webhook(application, config, StopSignals()), timeout=10)

    message = str(refused.value)
    assert "CRAMPCOACH_WEBHOOK_URL" in message and "failed to resolve host" in message
    assert SECRET not in message and "\n" not in message


async def test_a_graceful_stop_finishes_the_updates_in_hand_and_503s_new_posts(
    settings: Settings, clock: FakeClock
) -> None:
    config = webhook_settings(settings, shutdown_grace=5.0)
    api = LocalBotAPI()
    gate = asyncio.Event()

    async def slow(call: Any) -> None:
        if call.method == "sendMessage":
            await gate.wait()

    api.delay = slow
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_webhook(application, config, signals))
    athletes = [LocalUser(application, api, 3950 + n) for n in range(5)]
    payloads = [await update_of(athlete, "/cramp") for athlete in athletes]
    late = await update_of(LocalUser(application, api, 3960), "/cramp")
    await wait_for(lambda: api.webhook is not None, within=5)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{config.webhook_port}") as c:
        for payload in payloads:
            response = await c.post(PATH, json=payload, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
        signals.stop.set()  # SIGTERM with five replies on the wire
        await asyncio.sleep(0.1)
        refused = await c.post(PATH, json=late, headers={SECRET_HEADER: SECRET})
        assert refused.status_code == 503
        assert not run.done()  # finishing what it has
        gate.set()
        await asyncio.wait_for(run, timeout=5)

    assert [sum(SCREEN in m.text for m in api.bot_messages(a.chat_id)) for a in athletes] == [1] * 5
    db = Database(config.db_path)
    await db.open()
    try:
        assert await inbox.pending(db) == []
        assert not await db.fetch_all(
            "SELECT 1 FROM inbox WHERE update_id = ?", (late["update_id"],)
        )
    finally:
        await db.close()


async def test_updates_not_finished_within_the_grace_stay_for_the_next_start(
    settings: Settings, clock: FakeClock
) -> None:
    config = webhook_settings(settings, shutdown_grace=0.3)
    api = LocalBotAPI()
    never = asyncio.Event()

    async def stuck(call: Any) -> None:
        if call.method == "sendMessage" and int(call.params["chat_id"]) == 3971:
            await never.wait()

    api.delay = stuck
    application = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_webhook(application, config, signals))
    stuck_user, quick_user = LocalUser(application, api, 3971), LocalUser(application, api, 3972)
    payloads = [await update_of(stuck_user, "/cramp"), await update_of(quick_user, "/cramp")]
    await wait_for(lambda: api.webhook is not None, within=5)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{config.webhook_port}") as c:
        for payload in payloads:
            await c.post(PATH, json=payload, headers={SECRET_HEADER: SECRET})
    await wait_for(lambda: bool(api.bot_messages(3972)))
    loop = asyncio.get_running_loop()
    began = loop.time()
    signals.stop.set()
    await asyncio.wait_for(run, timeout=5)

    assert loop.time() - began < 2.0  # the grace, not the stuck request, sets the stop's length
    assert api.bot_messages(3971) == []
    # The next start hands it out again: nothing lost.
    api.delay = None
    again = build_application(config, request=api, token=LOCAL_TOKEN, clock=clock)
    signals = StopSignals()
    run = asyncio.create_task(serve_webhook(again, config, signals))
    try:
        await wait_for(lambda: any(SCREEN in m.text for m in api.bot_messages(3971)), within=5)
    finally:
        signals.stop.set()
        await asyncio.wait_for(run, timeout=5)
    assert sum(SCREEN in m.text for m in api.bot_messages(3971)) == 1
    assert sum(SCREEN in m.text for m in api.bot_messages(3972)) == 1
