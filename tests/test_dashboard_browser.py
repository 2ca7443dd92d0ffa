"""The coach's dashboard in a real browser: headless Chromium (Playwright) opens the page that
``python -m bot`` serves, as Telegram would inside its app.

The bot runs for real (polling against :class:`BotApiServer`, ``CRAMPCOACH_PUBLIC_URL`` set so
its public listener serves ``/app/``) on a database seeded beforehand (``tests.dashboard_seed``).
Telegram's script is replaced by a local stand-in (``tests/webapp/telegram-web-app.js``) that
hands the page ``initData`` signed here as Telegram documents it, and the theme.

With ``CRAMPCOACH_SCREENSHOTS=docs/images`` the light and dark screenshots go to the README's
images; otherwise to pytest's tmp_path, so a normal run never writes into the repository.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from tests import dashboard_seed as seed
from tests.bot_api_server import BotApiServer
from tests.dashboard_helpers import coach_user, sign_init_data
from tests.process_helpers import REPO, TOKEN, BotProcess, bot_env, closed_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
STAND_IN = Path(__file__).parent / "webapp" / "telegram-web-app.js"
PHONE = {"width": 360, "height": 740}

# Telegram's own theme colours (its default light and night themes).
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
    "header_bg_color": "#ffffff",
    "section_bg_color": "#ffffff",
    "destructive_text_color": "#d14e4e",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
    "header_bg_color": "#17212b",
    "section_bg_color": "#17212b",
    "destructive_text_color": "#ec3942",
}
EXPIRED = ("This link has expired or is not valid. Close and open the dashboard again from "
           "the bot.")  # fmt: skip

# Every athlete's name: none may reach a page that shows an error.
ALL_NAMES = [athlete.name for athlete in seed.ATHLETES.values()]
ROVERS_NAMES = [seed.ATHLETES[user_id].name for user_id, _ in seed.ROVERS.members]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; CI installs it)",
    ),
]


# --- The bot, its database and the browser ---------------------------------------------------


@dataclass(frozen=True)
class Served:
    base: str  # where the browser reaches the bot's public listener
    seeded: seed.Seeded


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``python -m bot`` serving the dashboard, on the seeded database."""
    workdir = tmp_path_factory.mktemp("dashboard")
    db_path = workdir / "bot.sqlite3"
    seeded = seed.seed(db_path)
    api = BotApiServer(TOKEN)
    api.start()
    port = closed_port()
    env = bot_env(
        db_path,
        api.base_url,
        CRAMPCOACH_PUBLIC_URL="https://dashboard.test",
        CRAMPCOACH_WEBHOOK_PORT=str(port),
    )
    bot = BotProcess(env, workdir, name="dashboard-bot")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_page(bot, base + "/app/")
        yield Served(base, seeded)
    finally:
        log = bot.stop()
        api.stop()
    assert bot.process.returncode == 0, log
    assert "Traceback" not in log, log


def _wait_for_page(bot: BotProcess, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if bot.process.poll() is not None:
            raise AssertionError("the bot ended:\n" + bot.stop())
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the dashboard did not answer at {url}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- Opening the dashboard as Telegram would ---------------------------------------------------


def init_data_for(user_id: int, *, age: timedelta = timedelta(minutes=1)) -> str:
    """``initData`` as Telegram hands it to the Mini App the user opened ``age`` ago."""
    return sign_init_data(TOKEN, coach_user(user_id), datetime.now(UTC) - age)


@dataclass
class Dashboard:
    """One open page and what it said in the console."""

    page: Page
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()

    def names(self, team_id: int) -> list[str]:
        rows = self.page.locator(f'.team[data-team-id="{team_id}"] .athlete .athlete-name')
        return rows.all_text_contents()

    def row(self, team_id: int, user_id: int) -> Any:
        return self.page.locator(f'.team[data-team-id="{team_id}"] .athlete[data-user-id="{user_id}"]')

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__cspViolations || []"))

    def html(self) -> str:
        """The whole DOM as it stands (what a script on the page could read)."""
        return str(self.page.evaluate("document.documentElement.outerHTML"))


Opener = Callable[..., Dashboard]


@pytest.fixture
def open_dashboard(served: Served, browser: Browser) -> Iterator[Opener]:
    contexts = []

    def opener(
        init_data: str, *, scheme: str = "light", wait_for: str = "#roster .athlete"
    ) -> Dashboard:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        dashboard = Dashboard(page)
        page.on("console", lambda message: _console(dashboard, message))
        page.on("pageerror", lambda error: dashboard.errors.append(f"pageerror: {error}"))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => "
            "(window.__cspViolations = window.__cspViolations || [])"
            ".push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        given = {
            "initData": init_data,
            "colorScheme": scheme,
            "themeParams": DARK if scheme == "dark" else LIGHT,
        }
        stand_in = f"window.__TELEGRAM_TEST__ = {json.dumps(given)};\n" + STAND_IN.read_text()

        def telegram(route: Route) -> None:
            route.fulfill(status=200, content_type="application/javascript", body=stand_in)

        page.route(TELEGRAM_SCRIPT, telegram)
        page.goto(served.base + "/app/")
        page.wait_for_selector(wait_for, state="visible", timeout=15_000)
        return dashboard

    yield opener
    for context in contexts:
        context.close()


def _console(dashboard: Dashboard, message: ConsoleMessage) -> None:
    if message.type == "error":
        dashboard.errors.append(f"console: {message.text}")


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """docs/images/NAME when CRAMPCOACH_SCREENSHOTS names that folder, else under tmp_path."""
    folder = os.environ.get("CRAMPCOACH_SCREENSHOTS")
    target = (REPO / folder) if folder else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target / name


def team_id(served: Served, team: seed.SeedTeam) -> int:
    return served.seeded.team_ids[team.name]


# --- The roster --------------------------------------------------------------------------------

HARRIERS_BY_ATTENTION = [
    "Bruno",  # a red flag: the most urgent reason
    "Ana",  # high pain
    "Carmen",
    "Dario",
    seed.ATHLETES[seed.IVO].name,
    seed.ATHLETES[seed.MAXI].name,
]


def test_the_roster_shows_each_team_attention_first(
    open_dashboard: Opener, served: Served
) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA))
    page = dashboard.page
    harriers, juniors = team_id(served, seed.HARRIERS), team_id(served, seed.JUNIORS)

    sections = page.locator("section.team")
    assert sections.evaluate_all("s => s.map(e => e.dataset.teamId)") == [
        str(harriers),
        str(juniors),
    ]
    assert dashboard.names(harriers) == HARRIERS_BY_ATTENTION
    assert dashboard.names(juniors) == ["Ana", "Eva"]
    statuses = page.locator(f'.team[data-team-id="{harriers}"] .athlete').evaluate_all(
        "rows => rows.map(r => r.dataset.status)"
    )
    assert statuses == ["attention", "attention", "recovering", "programme", "fine", "fine"]
    assert dashboard.row(harriers, seed.ANA).locator(".badge").inner_text() == "Needs attention"
    assert dashboard.row(harriers, seed.DARIO).locator(".badge").inner_text() == (
        "Prevention programme"
    )

    # The team's figures: members, needing attention, this week's check-ins.
    header = page.locator(f'.team[data-team-id="{harriers}"] .team-header')
    assert header.locator(".team-name").inner_text() == "Harriers"
    answered, sent = seed.week_figures(seed.HARRIERS)
    assert header.locator(".figure").all_inner_texts() == [
        "6 members",
        "2 need attention",
        f"Check-ins answered this week: {answered} of {sent}",
    ]

    # 14 days a row, today last; Ana's pains and marks as the seed has them.
    ana = dashboard.row(harriers, seed.ANA)
    days = ana.locator(".strip .day")
    assert days.count() == 14
    classes = days.evaluate_all("cells => cells.map(c => c.className)")
    assert classes[-6:] == [
        "day mark-checked_in",
        "day mark-checked_in",
        "day mark-missed",
        "day mark-checked_in",
        "day mark-checked_in",
        "day mark-attention today",
    ]
    assert [c for c in classes[:8] if "mark-none" not in c] == []
    assert days.all_inner_texts()[-6:] == ["3", "4", "", "4", "5", "8"]
    today = served.seeded.today
    assert days.nth(13).get_attribute("title") == (
        f"{today:%a} {today.day} {today:%b}: Needed attention, pain 8"
    )
    assert ana.locator(".athlete-reasons").inner_text() == "high pain, pain rising two days running"
    assert ana.locator(".athlete-alert").inner_text() == "Last alert: 1 h ago (high pain)"
    assert dashboard.names(harriers).count(seed.ATHLETES[seed.IVO].name) == 1

    # The legend names every mark; another coach's athletes appear nowhere.
    assert page.locator("#legend").inner_text().split("\n") == [
        "Checked in",
        "Needed attention",
        "Missed",
        "No check-in due",
    ]
    html = dashboard.html()
    for name in ROVERS_NAMES:
        assert name not in html
    assert dashboard.errors == [] and dashboard.csp_violations() == []
    # The session lives in a variable: nothing stored in the browser.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.context.cookies() == []
    assert page.evaluate("window.__TELEGRAM_TEST__.calls")[:2] == ["ready", "expand"]
