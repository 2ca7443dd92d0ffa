"""The coach's dashboard on the bot's public listener: the page under ``/app/`` and its JSON
API under ``/app/api/`` (mounted by ``bot.web.app.served`` when ``CRAMPCOACH_PUBLIC_URL`` is
set, in both modes).

- ``POST /app/api/session`` takes the page's raw ``initData`` (``bot.web.dashboard.init_data``)
  and answers a short-lived bearer token (``bot.web.dashboard.sessions``);
- ``GET /app/api/teams`` lists the teams the token's user coaches now;
- ``GET /app/api/teams/{id}`` is one team's roster (``conversations.team.dashboard``).

Every call is authorised from the database (an active team that lists the user as a coach),
never from anything the page says about itself. 401: no valid ``initData`` or token; 403: a
valid user asking for a team they do not coach (an unknown or closed team answers the same, so
ids cannot be probed); 429 past the per-user limit. An error body is a code and a sentence,
never athlete data. Every answer carries the Content-Security-Policy and ``no-store``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.metrics import Metrics
from bot.web.dashboard import init_data
from bot.web.dashboard.limits import PerUserLimit
from bot.web.dashboard.sessions import Sessions
from conversations.i18n.current import language
from conversations.i18n.recipients import speaking_to
from conversations.services import Services, services_of
from conversations.team import dashboard
from conversations.texts import dashboard as texts
from storage import teams

_LOGGER = logging.getLogger(__name__)

# Telegram's own script is the only one from elsewhere; frames only inside Telegram Web.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors https://web.telegram.org"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC_FILES = {
    "index.html": "text/html",
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
}
MAX_SESSION_BODY = 16 * 1024  # bytes: initData is well under 2 KiB

_App = Application[Any, Any, Any, Any, Any, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An answer other than 200: its status, code and one sentence for the page."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: float = 0) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


UNAUTHORIZED = texts.API_UNAUTHORIZED  # in English: no one is known yet when it is said


class Dashboard:
    """The dashboard's routes for one running application."""

    def __init__(self, application: _App, *, limit: PerUserLimit | None = None) -> None:
        self._application = application
        self._bot_token = application.bot.token
        self.sessions = Sessions(self._bot_token)
        self.limit = limit or PerUserLimit()
        self._static = {
            name: resources.files("bot.web.dashboard").joinpath("static", name).read_bytes()
            for name in STATIC_FILES
        }

    @property
    def _svc(self) -> Services:
        return services_of(self._application.bot_data)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/app", self._to_page),
            web.get("/app/", self._page),
            web.post("/app/api/session", self._api("session", self._session)),
            web.get("/app/api/teams", self._api("teams", self._teams)),
            web.get("/app/api/teams/{team_id}", self._api("team", self._team)),
            web.get("/app/{name}", self._file),
        ]

    # --- The page ---------------------------------------------------------------------------

    async def _to_page(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect("/app/", headers=SECURITY_HEADERS)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return self._static_response("index.html")

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES or name == "index.html":
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        return self._static_response(name)

    def _static_response(self, name: str) -> web.Response:
        return web.Response(
            body=self._static[name],
            content_type=STATIC_FILES[name],
            charset="utf-8",
            headers=SECURITY_HEADERS,
        )

    # --- The API ----------------------------------------------------------------------------

    def _api(
        self, endpoint: str, handle: Callable[[web.Request], Awaitable[dict[str, Any]]]
    ) -> Handler:
        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                body, status = await handle(request), 200
            except ApiError as error:
                body, status = {"error": error.code, "message": str(error)}, error.status
                headers = dict(SECURITY_HEADERS)
                if error.retry_after:
                    headers["Retry-After"] = str(max(1, round(error.retry_after)))
                self._count(endpoint, status)
                return web.json_response(body, status=status, headers=headers)
            self._count(endpoint, status)
            return web.json_response(body, status=status, headers=SECURITY_HEADERS)

        return answer

    def _count(self, endpoint: str, status: int) -> None:
        metrics: Metrics | None = getattr(self._application, "metrics", None)
        if metrics is not None:
            metrics.dashboard_requests.labels(endpoint=endpoint, code=str(status)).inc()

    async def _session(self, request: web.Request) -> dict[str, Any]:
        raw = await _init_data_of(request)
        try:
            user = init_data.validate(raw, self._bot_token, self._svc.now())
        except init_data.InvalidInitData as refused:
            # Why, in words of ours; never the data (it names a person).
            _LOGGER.info("Dashboard initData refused: %s", refused)
            raise ApiError(401, "unauthorized", UNAUTHORIZED) from None
        self._take(user.id)
        async with speaking_to(self._svc.db, user.id):
            return {
                "token": self.sessions.issue(user.id, self._svc.now()),
                "expires_in": int(self.sessions.lifetime.total_seconds()),
                "user": {"first_name": user.first_name},
                # The page's words in the coach's language (its own English is the fallback).
                "language": language(),
                "text": texts.PAGE,
            }

    async def _teams(self, request: web.Request) -> dict[str, Any]:
        user_id = self._user_of(request)
        coached = await teams.teams_coached_by(self._svc.db, user_id)
        if not coached:
            raise ApiError(403, "forbidden", texts.API_FORBIDDEN)
        return {"teams": [{"id": team.id, "name": team.name} for team in coached]}

    async def _team(self, request: web.Request) -> dict[str, Any]:
        user_id = self._user_of(request)
        try:
            team_id = int(request.match_info["team_id"])
        except ValueError:
            raise ApiError(403, "forbidden", texts.API_FORBIDDEN) from None
        coached = {team.id: team for team in await teams.teams_coached_by(self._svc.db, user_id)}
        team = coached.get(team_id)
        if team is None:
            raise ApiError(403, "forbidden", texts.API_FORBIDDEN)
        async with speaking_to(self._svc.db, user_id):  # labels in the coach's language
            return await dashboard.team_view(self._svc, team)

    def _user_of(self, request: web.Request) -> int:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user_id = (
            self.sessions.user_of(token.strip(), self._svc.now())
            if scheme.lower() == "bearer"
            else None
        )
        if user_id is None:
            raise ApiError(401, "unauthorized", UNAUTHORIZED)
        self._take(user_id)
        return user_id

    def _take(self, user_id: int) -> None:
        wait = self.limit.take(user_id, time.monotonic())
        if wait:
            raise ApiError(429, "rate_limited", texts.API_RATE_LIMITED, retry_after=wait)


async def _init_data_of(request: web.Request) -> str:
    if request.content_length is not None and request.content_length > MAX_SESSION_BODY:
        raise ApiError(400, "bad_request", "The request is too large.")
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "The request is not JSON.") from None
    raw = body.get("init_data") if isinstance(body, dict) else None
    if not isinstance(raw, str) or not raw:
        raise ApiError(401, "unauthorized", UNAUTHORIZED)
    return raw
