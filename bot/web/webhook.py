"""Webhook mode: Telegram posts each update to ``CRAMPCOACH_WEBHOOK_URL``; a reverse proxy
terminating TLS forwards it to the bot's own server on ``CRAMPCOACH_WEBHOOK_LISTEN:PORT``.

Telegram forgets an update once its POST was answered 2xx, handled or not, and delivers it
again otherwise. So the answer follows the inbox (``bot.delivery.inbox``), as the polling
offset does:

- the ``X-Telegram-Bot-Api-Secret-Token`` header must equal ``CRAMPCOACH_WEBHOOK_SECRET``
  (compared in constant time): otherwise 403 and nothing stored;
- a body that is not a JSON object with an integer ``update_id``: 400, nothing stored (sending
  it again would not help);
- the update is stored durably (``Inbox.keep_json``) and only then answered 200 and handed to
  the handlers; if it cannot be stored: 500, and Telegram delivers it again later;
- an update delivered twice is stored once, handled once, answered 200 both times;
- while the bot stops: 503 before anything is stored, so Telegram delivers it again (to the
  restarted bot).

Other paths get 404, other methods on the path 405, bodies over
:data:`bot.web.app.MAX_BODY` 413. The path is mounted on the bot's public listener
(``bot.web.app``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram.error import BadRequest
from telegram.ext import Application

from bot.application import CrampCoachApplication, accepted_updates, build_application
from bot.delivery.inbox import Inbox
from bot.lifecycle import StopSignals, finish_in_hand, running
from bot.runner import keep_inbox_tidy
from bot.settings import Settings, SettingsError
from bot.web.app import served

_LOGGER = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_App = Application[Any, Any, Any, Any, Any, Any]


class WebhookRefused(SettingsError):
    """Telegram refused setWebhook (a URL it cannot reach, say); the message is one line."""


class WebhookServer:
    """Takes Telegram's POSTs on ``path``: kept in the inbox, then answered, then handled.

    It serves :meth:`routes`, mounted on a listener (``bot.web.app``), and hands what they
    kept on once :meth:`start_handing_on` was called."""

    def __init__(self, application: _App, *, path: str, secret: str) -> None:
        assert isinstance(application, CrampCoachApplication) and application.inbox is not None
        self.application = application
        self.keeper: Inbox = application.inbox
        self.path = path
        self._secret = secret.encode()
        self.accepting = True
        self._storing = 0  # POSTs past the checks, being stored
        self._idle = asyncio.Event()  # set when none is
        self._idle.set()
        self._dispatcher: asyncio.Task[None] | None = None

    def routes(self) -> list[web.RouteDef]:
        """POST on the path; any other method there is answered 405."""
        return [web.post(self.path, self._post)]

    def start_handing_on(self) -> None:
        """What the POSTs keep goes to the handlers from now on (before the listener opens)."""
        self._dispatcher = asyncio.create_task(
            self.keeper.hand_on_forever(self.application), name="webhook-dispatch"
        )

    def stop_taking(self) -> None:
        """From now on POSTs are answered 503 (Telegram delivers them again later)."""
        self.accepting = False

    async def drain(self) -> None:
        """Wait for the POSTs already being stored to be answered; hand on what they kept."""
        await self._idle.wait()
        # Several workers: a claim like any other (what is left when the grace ends is given
        # back for the others at the close).
        if self._dispatcher is not None and not self._dispatcher.done():
            await self.keeper.hand_on_once(self.application)

    async def stop_handing_on(self) -> None:
        """Nothing more goes to the handlers: what a POST still stores now stays in the inbox
        for the next start."""
        await self._stop_dispatcher()

    async def close(self) -> None:
        await self._stop_dispatcher()

    # --- One POST ------------------------------------------------------------------------------

    async def _post(self, request: web.Request) -> web.Response:
        status = await self._take(request)
        if self.application.metrics is not None:
            self.application.metrics.webhook_requests.labels(code=str(status)).inc()
        return web.Response(status=status)

    async def _take(self, request: web.Request) -> int:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return 403  # first: a stranger learns nothing, not even that the bot is stopping
        if not self.accepting:
            return 503
        self._storing += 1
        self._idle.clear()
        try:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                return 413
            payload = _update_of(body)
            if payload is None:
                return 400
            try:
                await self.keeper.keep_json([payload])
            except Exception:
                # Not stored: Telegram sends it again. The payload (what someone wrote) is not
                # logged, only the kind of failure.
                _LOGGER.exception("Could not keep update %d; answered 500", payload["update_id"])
                return 500
        finally:
            self._storing -= 1
            if not self._storing:
                self._idle.set()
        return 200

    # --- Handing kept updates on ---------------------------------------------------------------

    async def _stop_dispatcher(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None


def _update_of(body: bytes) -> dict[str, Any] | None:
    """The update a POST carries: a JSON object with an integer update_id, else None."""
    try:
        payload = json.loads(body)
    except ValueError:  # not JSON, not UTF-8
        return None
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return None
    return payload


async def set_webhook(application: _App, url: str, secret: str) -> None:
    """Tell Telegram where to post, with the secret it must send back. Updates that waited
    while the bot was down are kept (never dropped)."""
    try:
        await application.bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=accepted_updates(),
            drop_pending_updates=False,
        )
    except BadRequest as exc:
        # Telegram's words (e.g. "bad webhook: Failed to resolve host"), never the secret.
        raise WebhookRefused(
            f"Telegram refused CRAMPCOACH_WEBHOOK_URL: {exc.message}; check the URL, its "
            "TLS certificate and that Telegram can reach it"
        ) from None


# --- The runner ----------------------------------------------------------------------------------


def run_webhook(settings: Settings) -> None:
    """Run in webhook mode until SIGINT or SIGTERM; then stop gracefully (``bot.lifecycle``)."""
    application = build_application(settings, max_running=settings.max_concurrent_updates)
    asyncio.run(serve_webhook(application, settings))


async def serve_webhook(
    application: _App, settings: Settings, signals: StopSignals | None = None
) -> None:
    """Replay what the last run left, listen, set the webhook, take POSTs until a stop signal;
    then 503 to new POSTs, finish what is in hand within the grace, close."""
    assert isinstance(application, CrampCoachApplication) and application.inbox is not None
    if signals is None:
        signals = StopSignals()
        signals.install()
    secret = settings.require_webhook_secret()
    server = WebhookServer(application, path=settings.webhook_path, secret=secret)
    async with running(application), served(application, settings, signals.stop) as web_server:
        try:
            await keep_inbox_tidy(application)
            # What the last run kept but did not finish, before anything new.
            await application.inbox.dispatch_pending(application)
            web_server.mount(server.routes())
            server.start_handing_on()
            listener = await web_server.open_public()
            assert listener is not None
            await set_webhook(application, settings.webhook_url or "", secret)
            _LOGGER.info("Taking webhook updates on port %d", listener.port)
            await signals.stop.wait()
            server.stop_taking()
            loop = asyncio.get_running_loop()
            began = loop.time()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settings.shutdown_grace):
                    await server.drain()
            await server.stop_handing_on()
            grace = max(0.0, settings.shutdown_grace - (loop.time() - began))
            await finish_in_hand(application, grace, hurry=signals.hurry)
        finally:
            await server.close()
