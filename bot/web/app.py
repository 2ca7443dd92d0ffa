"""The bot's own HTTP server, composed in one place for both modes (``bot.runner``,
``bot.web.webhook``).

Each listening address serves one aiohttp application, built by :func:`compose` from route
tables:

- the health listener, ``CRAMPCOACH_HEALTH_LISTEN:PORT``, in both modes (none when the port
  is unset): ``GET /healthz`` and ``GET /metrics`` (``bot.web.health``), open from the start
  to the end of a run;
- the public listener, ``CRAMPCOACH_WEBHOOK_LISTEN:PORT``, behind the reverse proxy: what is
  mounted on it with :meth:`WebServer.mount` (in webhook mode, the webhook's POST path,
  ``bot.web.webhook``), opened by :meth:`WebServer.open_public` once the runner takes requests.
  In both modes, when ``CRAMPCOACH_PUBLIC_URL`` is set, the coach's dashboard
  (``bot.web.dashboard``: ``/app/`` and ``/app/api/``); in polling mode without it nothing is
  mounted, and the bot then listens on no public port.

The settings refuse one address for both: the health endpoints never face the proxy. A later
feature mounts its routes on the public application the same way, before it opens, in
:func:`served`. Neither listener writes an access log (paths and bodies stay out of the logs).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import AsyncIterator, Iterable
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.settings import Settings
from bot.web.dashboard.routes import Dashboard
from bot.web.health import HealthChecker, health_routes

MAX_BODY = 1024 * 1024  # bytes a request may carry; Telegram's updates are a few KiB
CLOSE_WITHIN = 1.0  # seconds a closing listener gives connections still open
HEALTH_SETTING = "CRAMPCOACH_HEALTH_LISTEN and CRAMPCOACH_HEALTH_PORT"
PUBLIC_SETTING = "CRAMPCOACH_WEBHOOK_LISTEN and CRAMPCOACH_WEBHOOK_PORT"

Routes = Iterable[web.AbstractRouteDef]

_App = Application[Any, Any, Any, Any, Any, Any]


def compose(*tables: Routes) -> web.Application:
    """One aiohttp application serving every table's routes (bodies over :data:`MAX_BODY`
    are answered 413)."""
    app = web.Application(client_max_size=MAX_BODY)
    for table in tables:
        app.add_routes(table)
    return app


def health_app(checker: HealthChecker) -> web.Application:
    """What the health listener serves: ``/healthz`` and ``/metrics``."""
    return compose(health_routes(checker))


class ListenError(Exception):
    """The bot's own HTTP server could not listen; the message is one line."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry  # worth starting again later (the address is busy right now)


class Listener:
    """An aiohttp application on host:port, without an access log (paths and bodies stay out
    of the logs)."""

    def __init__(self, app: web.Application, setting: str) -> None:
        self.app = app
        self.setting = setting  # named in a ListenError
        # At close, what matters was answered (the runners wait for it first): connections
        # still open get a second, not aiohttp's default minute.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=CLOSE_WITHIN
        )
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            reason = exc.strerror or type(exc).__name__
            raise ListenError(
                f"cannot listen on {host}:{port} ({reason}); check {self.setting}",
                retry=exc.errno == errno.EADDRINUSE,
            ) from None
        address = self._runner.addresses[0]
        self.port = int(address[1])

    async def close(self) -> None:
        await self._runner.cleanup()


class WebServer:
    """The bot's listeners during a run: the health one (when its port is set) and the public
    one (when something is mounted on it)."""

    def __init__(self, settings: Settings, checker: HealthChecker | None = None) -> None:
        self.settings = settings
        self.public_app = compose()
        self._mounted = False
        self.health = None if checker is None else Listener(health_app(checker), HEALTH_SETTING)
        self.public: Listener | None = None

    def mount(self, routes: Routes) -> None:
        """Serve ``routes`` on the public listener; before :meth:`open_public` (aiohttp
        freezes an application's routes once it serves)."""
        self.public_app.add_routes(routes)
        self._mounted = True

    async def open_health(self) -> None:
        if self.health is not None:
            assert self.settings.health_port is not None
            await self.health.start(self.settings.health_listen, self.settings.health_port)

    async def open_public(self) -> Listener | None:
        """Listen on ``CRAMPCOACH_WEBHOOK_LISTEN:PORT`` if anything is mounted (nothing is in
        polling mode: then no public port is opened, and None is returned)."""
        if not self._mounted:
            return None
        listener = Listener(self.public_app, PUBLIC_SETTING)
        await listener.start(self.settings.webhook_listen, self.settings.webhook_port)
        self.public = listener
        return listener

    async def close(self) -> None:
        """The public listener first, then the health one."""
        public, self.public = self.public, None
        if public is not None:
            await public.close()
        if self.health is not None:
            await self.health.close()


@contextlib.asynccontextmanager
async def served(
    application: _App, settings: Settings, stopping: asyncio.Event
) -> AsyncIterator[WebServer]:
    """The bot's web server while in the block: ``/healthz`` and ``/metrics`` from the start
    (nothing when ``CRAMPCOACH_HEALTH_PORT`` is unset); the public listener once the runner
    mounts its routes and opens it. Both closed at the end."""
    checker = None
    if settings.health_port is not None:
        checker = HealthChecker(application, stopping=stopping)
    server = WebServer(settings, checker)
    # Routes every mode serves publicly are mounted here, before it opens: the coach's
    # dashboard when CRAMPCOACH_PUBLIC_URL names where it is reached.
    if settings.serves_public:
        server.mount(Dashboard(application).routes())
    await server.open_health()
    try:
        yield server
    finally:
        await server.close()
