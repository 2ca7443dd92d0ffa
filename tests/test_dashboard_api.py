"""The coach's dashboard's server (issue 19): its page and JSON API on the bot's own web server,
in front of the real Application and database; /dashboard and the coach's menu button in the
chat. The page itself is tested in a real browser (tests/test_dashboard_browser.py)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.devtools.local_api import LOCAL_TOKEN
from bot.settings import Settings, SettingsError, load_settings
from bot.web.app import compose, served
from bot.web.dashboard.limits import PerUserLimit
from bot.web.dashboard.routes import CONTENT_SECURITY_POLICY, UNAUTHORIZED, Dashboard
from conversations.i18n.current import speaking
from conversations.texts import dashboard as texts
from conversations.texts import team as team_texts
from tests.conftest import Bot, FakeClock, make_settings
from tests.dashboard_helpers import coach_user, sign_init_data, validation_table
from tests.plan_helpers import BERLIN, answer_checkin, local, start_plan, tick_at
from tests.team_helpers import (
    ATHLETE,
    COACH,
    OTHER_COACH,
    OTHER_GROUP,
    SECOND_ATHLETE,
    MadeTeam,
    join,
    make_team,
    private,
    remove_bot,
)

PUBLIC_URL = "https://bot.example.org"
NOBODY = 777  # a Telegram user who coaches no team
NOW = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)  # the clock fixture's start: only for case ids


@pytest.fixture
def settings(db_path: Path, store_url: str | None) -> Settings:
    return make_settings(db_path, store_url, public_url=PUBLIC_URL)


class Client:
    """The page's side of the API, over real HTTP on loopback."""

    def __init__(self, http: aiohttp.ClientSession, base: str, bot: Bot, clock: FakeClock):
        self.http, self.base, self.bot, self.clock = http, base, bot, clock

    async def call(
        self, method: str, path: str, *, token: str | None = None, body: object = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        async with self.http.request(
            method, self.base + path, headers=headers, data=data
        ) as response:
            text = await response.text()
            payload = json.loads(text) if response.content_type == "application/json" else {}
            return response.status, payload, dict(response.headers)

    async def session(self, user_id: int = COACH, **sign: Any) -> str:
        raw = sign_init_data(LOCAL_TOKEN, coach_user(user_id), self.clock.now, **sign)
        status, body, _ = await self.call("POST", "/app/api/session", body={"init_data": raw})
        assert status == 200, body
        return str(body["token"])

    async def team(self, team_id: int, user_id: int = COACH) -> dict[str, Any]:
        status, body, _ = await self.call(
            "GET", f"/app/api/teams/{team_id}", token=await self.session(user_id)
        )
        assert status == 200, body
        return dict(body)


async def _serve(bot: Bot, dashboard: Dashboard | None = None) -> TestServer:
    server = TestServer(compose((dashboard or Dashboard(bot.application)).routes()))
    await server.start_server()
    return server


@pytest.fixture
async def client(bot: Bot, clock: FakeClock) -> AsyncIterator[Client]:
    server = await _serve(bot)
    async with aiohttp.ClientSession() as http:
        yield Client(http, str(server.make_url("")).rstrip("/"), bot, clock)
    await server.close()


async def _squad(bot: Bot, clock: FakeClock) -> MadeTeam:
    """Stan shares his status, Dana details; both eased a cramp and answered a check-in."""
    made = await make_team(bot)
    stan, dana = private(bot, ATHLETE, "Stan"), private(bot, SECOND_ATHLETE, "Dana")
    await join(bot, stan, made, "status")
    await join(bot, dana, made, "details")
    for athlete in (stan, dana):
        await start_plan(athlete)  # an eased cramp (a new episode), a plan at 08:00 Berlin
    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))
    await answer_checkin(stan, pain=8)
    await answer_checkin(dana, pain=8)
    return made


def _athlete(view: dict[str, Any], name: str) -> dict[str, Any]:
    [row] = [row for row in view["athletes"] if row["name"] == name]
    return dict(row)


# --- What a coach sees -------------------------------------------------------------------------


async def test_a_coach_sees_each_athlete_within_what_they_consented_to(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)

    token = await client.session()
    status, listed, _ = await client.call("GET", "/app/api/teams", token=token)
    view = await client.team(made.team.id)

    assert status == 200 and listed == {"teams": [{"id": made.team.id, "name": made.team.name}]}
    assert view["team"] == {"id": made.team.id, "name": made.team.name}
    assert len(view["days"]) == 14 and view["days"][-1] == "2027-03-21"
    assert view["figures"] == {
        "members": 2,
        "needs_attention": 2,
        "week_sent": 2,
        "week_answered": 2,
    }
    dana, stan = _athlete(view, "Dana"), _athlete(view, "Stan")
    # Details: the reasons, the pain on the day, the alert's reason.
    assert dana["consent"] == "details" and dana["status"] == "attention"
    assert dana["status_label"] == texts.STATUS_LABELS["attention"]
    assert team_texts.REASONS["high_pain"] in dana["reasons"]
    assert dana["strip"][-1] == {"date": "2027-03-21", "mark": "attention", "pain": 8}
    assert dana["plan_day"] == 1 and dana["last_checkin_label"] == team_texts.TODAY
    assert dana["last_alert"]["reason"] in team_texts.REASONS.values()
    # Status: that he needs attention, when he checked in; no reason, no pain, anywhere.
    assert stan["consent"] == "status" and stan["status"] == "attention"
    assert stan["reasons"] == []
    assert stan["strip"][-1] == {"date": "2027-03-21", "mark": "attention", "pain": None}
    assert all(day["pain"] is None for day in stan["strip"])
    assert stan["last_alert"] is not None and stan["last_alert"]["reason"] is None


async def test_the_dashboard_lists_the_same_athletes_in_the_same_order_as_roster(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)
    view = await client.team(made.team.id)

    await private(bot, COACH).send("/roster")

    roster = next(
        m.text for m in bot.api.bot_messages(COACH) if m.text.startswith(f"<b>{made.team.name}")
    )
    lines = [line for line in roster.split("\n")[1:] if line]
    names = [row["name"] for row in view["athletes"]]
    assert [name for line in lines for name in names if name in line] == names


# --- Who may see what ----------------------------------------------------------------------------


async def test_bad_or_old_init_data_gets_401_and_nothing_else(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    await _squad(bot, clock)
    good = sign_init_data(LOCAL_TOKEN, coach_user(COACH), clock.now)
    tampered = good.replace("Carla", "Mallory")
    expired = sign_init_data(LOCAL_TOKEN, coach_user(COACH), clock.now - timedelta(hours=2))
    other_bot = sign_init_data("1:another-bot-token-xxxxxxxxxxxxxxxx", coach_user(COACH), clock.now)

    for body in (
        {},
        {"init_data": ""},
        {"init_data": tampered},
        {"init_data": expired},
        {"init_data": other_bot},
        {"init_data": 5},
        [good],
    ):
        status, answer, headers = await client.call("POST", "/app/api/session", body=body)
        assert status == 401, body
        assert answer["error"] == "unauthorized" and "token" not in answer
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "Stan" not in json.dumps(answer) and "Dana" not in json.dumps(answer)
    status, answer, _ = await client.call("POST", "/app/api/session", body="not json{")
    assert status == 400 and answer["error"] == "bad_request"


@pytest.mark.parametrize("case", [c[0] for c in validation_table(LOCAL_TOKEN, NOW)])
async def test_the_validation_table_through_the_session_endpoint(
    case: str, clock: FakeClock, client: Client
) -> None:
    [(raw, why)] = [c[1:] for c in validation_table(LOCAL_TOKEN, clock.now) if c[0] == case]

    status, answer, _ = await client.call("POST", "/app/api/session", body={"init_data": raw})

    if why is None:
        assert status == 200 and answer["token"] and answer["expires_in"] == 1800
        assert answer["user"] == {"first_name": "Carla"}
    else:
        assert status == 401 and answer == {"error": "unauthorized", "message": UNAUTHORIZED}


async def test_calls_without_a_valid_session_get_401(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)
    token = await client.session()
    for bad in (None, "", "garbage", token + "x", token.partition(".")[0]):
        status, answer, _ = await client.call("GET", f"/app/api/teams/{made.team.id}", token=bad)
        assert status == 401 and answer["error"] == "unauthorized"
        assert "athletes" not in answer
    # The session lasts half an hour; after it the page must show initData again.
    clock.advance(minutes=31)
    status, _, _ = await client.call("GET", "/app/api/teams", token=token)
    assert status == 401


async def test_another_coachs_team_and_unknown_ids_are_refused_alike(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)
    other = await make_team(bot, OTHER_GROUP, OTHER_COACH, "Otto")
    token = await client.session(OTHER_COACH)

    answers = [
        await client.call("GET", f"/app/api/teams/{team_id}", token=token)
        for team_id in (made.team.id, 99_999, "abc", -1)
    ]

    assert [status for status, _, _ in answers] == [403] * 4
    assert all(answer == answers[0][1] for _, answer, _ in answers)
    assert "Stan" not in json.dumps(answers[0][1])
    status, body, _ = await client.call("GET", f"/app/api/teams/{other.team.id}", token=token)
    assert status == 200 and body["athletes"] == []


async def test_someone_who_coaches_no_team_is_refused(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)
    for user_id in (NOBODY, ATHLETE):  # a stranger, an athlete of the team
        token = await client.session(user_id)
        status, answer, _ = await client.call("GET", "/app/api/teams", token=token)
        assert status == 403 and answer["error"] == "forbidden"
        status, _, _ = await client.call("GET", f"/app/api/teams/{made.team.id}", token=token)
        assert status == 403


async def test_a_closed_team_is_refused_to_its_former_coach_at_once(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    made = await _squad(bot, clock)
    token = await client.session()

    await remove_bot(bot)  # the bot removed from the group: the team is closed

    status, _, _ = await client.call("GET", f"/app/api/teams/{made.team.id}", token=token)
    assert status == 403  # the same session: rights are read at every call


async def test_too_many_calls_from_one_user_get_429_with_retry_after(
    bot: Bot, clock: FakeClock
) -> None:
    made = await make_team(bot)
    server = await _serve(bot, Dashboard(bot.application, limit=PerUserLimit(rate=0.01, burst=3)))
    async with aiohttp.ClientSession() as http:
        client = Client(http, str(server.make_url("")).rstrip("/"), bot, clock)
        token = await client.session()  # 1
        for _ in range(2):  # 2, 3
            status, _, _ = await client.call("GET", f"/app/api/teams/{made.team.id}", token=token)
            assert status == 200
        status, answer, headers = await client.call("GET", "/app/api/teams", token=token)
        other = await client.session(OTHER_COACH)  # another user is not held back
    await server.close()
    assert status == 429 and answer["error"] == "rate_limited"
    assert int(headers["Retry-After"]) >= 1
    assert other


# --- The page --------------------------------------------------------------------------------


async def test_the_page_and_its_files_are_served_with_a_strict_policy(client: Client) -> None:
    async with client.http.get(client.base + "/app/") as page:
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "https://telegram.org/js/telegram-web-app.js" in html
    assert "dashboard.js" in html and "<script>" not in html
    for name, kind in (("dashboard.js", "application/javascript"), ("dashboard.css", "text/css")):
        async with client.http.get(f"{client.base}/app/{name}") as response:
            assert response.status == 200 and response.content_type == kind
    async with client.http.get(client.base + "/app", allow_redirects=False) as response:
        assert response.status == 308 and response.headers["Location"] == "/app/"
    for path in ("/app/routes.py", "/app/..%2Froutes.py", "/app/index.htm", "/app/static"):
        async with client.http.get(client.base + path) as response:
            assert response.status == 404, path
    assert "script-src 'self' https://telegram.org;" in CONTENT_SECURITY_POLICY


async def test_with_a_public_url_the_polling_bot_serves_the_dashboard(
    bot: Bot, db_path: Path, store_url: str | None
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(db_path, store_url, public_url=PUBLIC_URL, webhook_port=port)
    async with served(bot.application, settings, asyncio.Event()) as server:
        listener = await server.open_public()
        assert listener is not None and listener.port == port
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/app/") as response,
        ):
            assert response.status == 200
    without = make_settings(db_path, store_url)
    async with served(bot.application, without, asyncio.Event()) as server:
        assert await server.open_public() is None  # no dashboard: no public port


# --- The chat ----------------------------------------------------------------------------------


async def test_a_coach_gets_the_dashboard_button_and_a_menu_button(bot: Bot) -> None:
    await make_team(bot)

    await private(bot, COACH).send("/dashboard")

    message = bot.api.last_bot_message(COACH)
    assert message.text == texts.DASHBOARD
    [[button]] = message.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert button == {"text": texts.DASHBOARD_BUTTON, "web_app": {"url": f"{PUBLIC_URL}/app/"}}
    assert bot.api.menu_buttons[COACH] == {
        "type": "web_app",
        "text": texts.MENU_BUTTON,
        "web_app": {"url": f"{PUBLIC_URL}/app/"},
    }


async def test_the_menu_button_goes_back_to_the_default_when_the_team_closes(bot: Bot) -> None:
    await make_team(bot)
    await remove_bot(bot)
    assert bot.api.menu_buttons[COACH] == {"type": "default"}


async def test_someone_who_coaches_no_team_is_told_how_to_start_one(bot: Bot) -> None:
    await private(bot, NOBODY).send("/dashboard")
    assert bot.api.last_bot_message(NOBODY).text == team_texts.NOT_A_COACH


# --- The setting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://bot.example.org", "https://bot.example.org"),
        ("https://bot.example.org/", "https://bot.example.org"),
        (" https://bot.example.org:8443 ", "https://bot.example.org:8443"),
        ("", None),
    ],
)
def test_public_url_is_an_https_base(
    value: str, expected: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRAMPCOACH_PUBLIC_URL", value)
    settings = load_settings(tmp_path / "none.env")
    assert settings.public_url == expected
    assert settings.dashboard_url == (None if expected is None else f"{expected}/app/")


@pytest.mark.parametrize(
    "value",
    [
        "http://bot.example.org",
        "https://bot.example.org/app",
        "https://",
        "bot.example.org",
        "https://bot.example.org/?x=1",
    ],
)
def test_public_url_other_than_an_https_base_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRAMPCOACH_PUBLIC_URL", value)
    with pytest.raises(SettingsError, match=r"CRAMPCOACH_PUBLIC_URL must be the (https|site)"):
        load_settings(tmp_path / "none.env")


def test_the_dashboard_listener_may_not_share_the_health_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRAMPCOACH_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("CRAMPCOACH_HEALTH_PORT", "8080")
    with pytest.raises(SettingsError, match="HEALTH_PORT must differ"):
        load_settings(tmp_path / "none.env")


async def test_a_german_coach_gets_the_page_and_its_labels_in_german(
    bot: Bot, clock: FakeClock, client: Client
) -> None:
    coach = private(bot, COACH, "Carla")
    coach.user["language_code"] = "de"
    await coach.send("/start")  # the bot learns the coach's language from their app
    made = await _squad(bot, clock)

    raw = sign_init_data(LOCAL_TOKEN, coach_user(COACH), clock.now)
    status, body, _ = await client.call("POST", "/app/api/session", body={"init_data": raw})
    view = await client.team(made.team.id)

    with speaking("de"):
        page, labels = dict(texts.PAGE), dict(texts.STATUS_LABELS)
    assert status == 200 and body["language"] == "de"
    assert body["text"] == page and page["title"] != texts.PAGE["title"]
    assert _athlete(view, "Dana")["status_label"] == labels["attention"]
