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
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

from conversations.i18n.current import speaking
from conversations.texts import dashboard as dashboard_texts
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
PHONE: ViewportSize = {"width": 360, "height": 740}

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
    # The seed's days and the dashboard's are UTC dates: a run never straddles midnight.
    now = datetime.now(UTC)
    to_midnight = 86_400 - (now - now.replace(hour=0, minute=0, second=0, microsecond=0)).seconds
    if to_midnight < 120:
        time.sleep(to_midnight + 1)
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

    def row(self, team_id: int, user_id: int) -> Locator:
        return self.page.locator(
            f'.team[data-team-id="{team_id}"] .athlete[data-user-id="{user_id}"]'
        )

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
        init_data: str,
        *,
        scheme: str = "light",
        wait_for: str = "#roster .athlete",
        prepare: Callable[[Page], None] | None = None,
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
        if prepare is not None:
            prepare(page)
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


def test_the_roster_shows_each_team_attention_first(open_dashboard: Opener, served: Served) -> None:
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
    dario = dashboard.row(harriers, seed.DARIO)
    assert dario.locator(".badge").inner_text() == "Prevention programme"
    # His plan is over: its check-ins are in the strip, not a "last check-in: never".
    assert dario.locator(".athlete-checkin").count() == 0
    assert dashboard.row(harriers, seed.CARMEN).locator(".athlete-checkin").count() == 1

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
    assert [c for c in classes[:8] if "mark-no_plan" not in c] == []
    assert days.all_inner_texts()[-6:] == ["3", "4", "", "4", "5", "8"]
    today = served.seeded.today
    assert days.nth(13).get_attribute("title") == (
        f"{today:%a}, {today:%b} {today.day}: Needed attention, pain 8"
    )
    assert ana.locator(".athlete-reasons").inner_text() == "high pain, pain rising two days running"
    assert ana.locator(".athlete-alert").inner_text() == "Last alert: today (high pain)"
    # A name is text, whatever it looks like.
    ivo = dashboard.row(harriers, seed.IVO).locator(".athlete-name")
    assert ivo.inner_text() == "Ivo <b>Ortiz</b>"
    assert ivo.locator("b").count() == 0

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


# --- Consent -----------------------------------------------------------------------------------


def _pains_in(locator: Locator) -> list[str]:
    """The text of every strip cell under ``locator`` that shows something."""
    return [text for text in locator.locator(".day").all_inner_texts() if text.strip()]


def test_a_status_level_athlete_shows_no_pain_and_no_reason_anywhere(
    open_dashboard: Opener, served: Served
) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA))
    harriers, juniors = team_id(served, seed.HARRIERS), team_id(served, seed.JUNIORS)

    # Bruno shares his status only: pain 8 and a warning sign yesterday, seen as marks alone.
    bruno = dashboard.row(harriers, seed.BRUNO)
    assert bruno.get_attribute("data-status") == "attention"
    marks = bruno.locator(".day").evaluate_all("cells => cells.map(c => c.className)")
    assert marks[-4:] == [
        "day mark-checked_in",
        "day mark-missed",
        "day mark-attention",
        "day mark-missed today",
    ]
    assert _pains_in(bruno) == []
    assert bruno.locator(".athlete-reasons").count() == 0
    assert bruno.locator(".athlete-alert").inner_text() == "Last alert: 1 day ago"
    for title in bruno.locator(".day").evaluate_all("cells => cells.map(c => c.title)"):
        assert "pain" not in title
    # Dario's plan is over and he checked in five times: marks, no numbers.
    dario = dashboard.row(harriers, seed.DARIO)
    assert dario.locator(".mark-checked_in").count() == 5
    assert _pains_in(dario) == []
    # Ana shares details with Harriers but only her status with Juniors.
    assert _pains_in(dashboard.row(harriers, seed.ANA)) == ["3", "4", "4", "5", "8"]
    ana_juniors = dashboard.row(juniors, seed.ANA)
    assert ana_juniors.get_attribute("data-status") == "attention"
    assert _pains_in(ana_juniors) == []
    assert ana_juniors.locator(".athlete-reasons").count() == 0
    assert ana_juniors.locator(".athlete-alert").inner_text() == "Last alert: today"

    # The detail panel carries no more than the row.
    bruno.click()
    detail = dashboard.page.locator("#detail")
    detail.wait_for(state="visible")
    assert detail.locator(".detail-name").inner_text() == "Bruno"
    assert detail.locator(".strip .pain").count() == 0
    facts = detail.locator(".detail-facts").inner_text()
    assert "Why" not in facts and "high pain" not in facts
    # Anywhere in the DOM: Bruno's reasons ("a warning sign") belong to him alone.
    assert "a warning sign" not in dashboard.html()
    dashboard.page.locator("#detail-back").click()
    ana_juniors.click()
    assert detail.locator(".strip .pain").count() == 0
    assert "high pain" not in detail.inner_text()
    assert dashboard.errors == [] and dashboard.csp_violations() == []


def test_the_detail_panel_shows_the_row_in_full_and_both_back_buttons_close_it(
    open_dashboard: Opener, served: Served
) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA))
    page = dashboard.page
    harriers = team_id(served, seed.HARRIERS)
    detail = page.locator("#detail")
    assert detail.is_hidden()

    dashboard.row(harriers, seed.ANA).click()
    detail.wait_for(state="visible")
    assert detail.locator(".detail-name").inner_text() == "Ana"
    assert detail.locator(".badge").inner_text() == "Needs attention"
    terms = detail.locator(".detail-facts dt").all_inner_texts()
    values = detail.locator(".detail-facts dd").all_inner_texts()
    facts = dict(zip(terms, values, strict=True))
    assert facts["Team"] == "Harriers"
    assert re.fullmatch(r".+ · day 6", facts["Plan"]), facts
    assert facts["Plan day"] == "6"
    assert facts["Why"] == "high pain, pain rising two days running"
    assert facts["Last check-in"].startswith("today · ")
    assert facts["Last alert"].startswith("today · ") and facts["Last alert"].endswith(
        "(high pain)"
    )
    assert detail.locator(".strip .day").count() == 14
    assert detail.locator(".strip .pain").all_inner_texts() == ["3", "4", "4", "5", "8"]
    assert page.evaluate("window.Telegram.WebApp.BackButton.isVisible") is True

    # Telegram's back button closes it, and hides itself.
    page.evaluate("window.__TELEGRAM_TEST__.pressBack()")
    assert detail.is_hidden()
    assert page.evaluate("window.Telegram.WebApp.BackButton.isVisible") is False
    assert detail.locator(".detail-name").count() == 0  # emptied, not just hidden

    # So does the page's own, and Escape; nothing was fetched for the panel.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    dashboard.row(harriers, seed.CARMEN).click()
    assert detail.locator(".detail-name").inner_text() == "Carmen"
    page.locator("#detail-back").click()
    assert detail.is_hidden()
    dashboard.row(harriers, seed.DARIO).click()
    assert "Prevention programme, level 2" in detail.inner_text()
    page.keyboard.press("Escape")
    assert detail.is_hidden()
    assert requests == []
    assert dashboard.errors == [] and dashboard.csp_violations() == []


# --- Sort and filter ---------------------------------------------------------------------------


def test_sorting_and_the_team_filter(open_dashboard: Opener, served: Served) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA))
    page = dashboard.page
    harriers, juniors = team_id(served, seed.HARRIERS), team_id(served, seed.JUNIORS)
    ivo, maxi = seed.ATHLETES[seed.IVO].name, seed.ATHLETES[seed.MAXI].name

    assert page.locator("#sort").input_value() == "attention"
    page.select_option("#sort", "name")
    assert dashboard.names(harriers) == ["Ana", "Bruno", "Carmen", "Dario", ivo, maxi]
    page.select_option("#sort", "last_checkin")
    # Newest first (Carmen 10 minutes ago, Ana an hour ago, Bruno yesterday); those who never
    # checked in on a live plan after them, in the roster's order.
    assert dashboard.names(harriers) == ["Carmen", "Ana", "Bruno", "Dario", ivo, maxi]
    page.select_option("#sort", "attention")
    assert dashboard.names(harriers) == HARRIERS_BY_ATTENTION

    # Two teams: the filter is there, "All teams" first.
    assert page.locator("#team-filter").is_visible()
    assert page.locator("#team-filter option").all_inner_texts() == [
        "All teams",
        "Harriers",
        "Juniors",
    ]
    harriers_section = page.locator(f'.team[data-team-id="{harriers}"]')
    juniors_section = page.locator(f'.team[data-team-id="{juniors}"]')
    page.select_option("#team-filter", str(juniors))
    assert harriers_section.is_hidden() and juniors_section.is_visible()
    page.select_option("#sort", "name")  # sorting keeps the filter
    assert harriers_section.is_hidden() and dashboard.names(juniors) == ["Ana", "Eva"]
    page.select_option("#team-filter", "")
    assert harriers_section.is_visible() and juniors_section.is_visible()
    assert dashboard.errors == []


def test_a_coach_of_one_team_gets_no_team_filter(open_dashboard: Opener, served: Served) -> None:
    dashboard = open_dashboard(init_data_for(seed.OSKAR))
    rovers = team_id(served, seed.ROVERS)
    assert dashboard.names(rovers) == ["Fatima", "Goran"]
    assert dashboard.page.locator("#team-filter").is_hidden()
    assert dashboard.page.locator("#sort").is_visible()
    html = dashboard.html()
    for name in ("Ana", "Bruno", "Carmen", "Harriers", "Juniors"):
        assert name not in html
    assert dashboard.errors == []


# --- Refusals ----------------------------------------------------------------------------------


def _tampered(init_data: str) -> str:
    """The same signed data with the user swapped for Carla (the hash no longer matches)."""
    fields = dict(parse_qsl(init_data))
    user = json.loads(fields["user"])
    fields["user"] = json.dumps({**user, "id": seed.CARLA}, separators=(",", ":"))
    return urlencode(fields)


REFUSED = {
    "tampered": lambda: _tampered(init_data_for(seed.NOBODY)),
    "expired": lambda: init_data_for(seed.CARLA, age=timedelta(hours=2)),
    "another_bot": lambda: sign_init_data(
        "987654321:AAOtherBotsTokenOtherBotsToken_xyz", coach_user(seed.CARLA), datetime.now(UTC)
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_init_data_gets_the_error_screen_and_no_athlete(
    open_dashboard: Opener, case: str
) -> None:
    dashboard = open_dashboard(REFUSED[case](), wait_for="#error")
    page = dashboard.page
    assert page.locator("#error").inner_text() == EXPIRED
    assert page.locator("#roster").is_hidden()
    assert page.locator("#roster").evaluate("r => r.children.length") == 0
    assert page.locator("#controls").is_hidden()
    html = dashboard.html()
    for name in [*ALL_NAMES, "Harriers", "Juniors", "Rovers"]:
        assert name not in html
    # The refused session call is the only error the console shows.
    assert all("401" in error for error in dashboard.errors), dashboard.errors
    assert dashboard.csp_violations() == []


def test_outside_telegram_there_is_nothing_to_show(open_dashboard: Opener) -> None:
    dashboard = open_dashboard("", wait_for="#error")
    assert dashboard.text("#error") == "Open the dashboard from the bot, inside Telegram."
    assert dashboard.errors == []


def test_another_coachs_team_is_refused_to_the_page(open_dashboard: Opener, served: Served) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA))
    rovers = team_id(served, seed.ROVERS)
    # What a script on Carla's page could try: her own session, Oskar's team.
    answer = dashboard.page.evaluate(
        """async ([initData, teamId]) => {
            const session = await fetch("api/session", {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({init_data: initData}),
            });
            const {token} = await session.json();
            const team = await fetch(`api/teams/${teamId}`, {
                headers: {Authorization: `Bearer ${token}`},
            });
            return {status: team.status, body: await team.text()};
        }""",
        [init_data_for(seed.CARLA), rovers],
    )
    assert answer["status"] == 403
    assert json.loads(answer["body"])["error"] == "forbidden"
    for name in [*ROVERS_NAMES, "Rovers"]:
        assert name not in answer["body"]


def test_someone_who_coaches_no_team_gets_the_no_team_screen(open_dashboard: Opener) -> None:
    dashboard = open_dashboard(init_data_for(seed.NOBODY), wait_for="#no-team")
    page = dashboard.page
    assert "You coach no team" in dashboard.text("#no-team")
    assert page.locator("#roster").is_hidden() and page.locator("#error").is_hidden()
    html = dashboard.html()
    for name in ALL_NAMES:
        assert name not in html
    # The teams call answered 403; nothing else went wrong.
    assert all("403" in error for error in dashboard.errors), dashboard.errors


def test_an_expired_session_is_renewed_once_from_init_data(
    open_dashboard: Opener, served: Served
) -> None:
    """A 401 from a GET (the session ran out while the page stayed open): the page exchanges
    its initData once more and carries on."""
    sessions: list[str] = []
    refused: list[str] = []

    def teams_once_refused(route: Route) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        body = {"error": "unauthorized", "message": "The session has expired."}
        route.fulfill(status=401, content_type="application/json", body=json.dumps(body))

    def prepare(page: Page) -> None:
        page.route(served.base + "/app/api/teams", teams_once_refused)
        page.on("request", lambda request: sessions.append(request.url))

    dashboard = open_dashboard(init_data_for(seed.OSKAR), prepare=prepare)
    assert len(refused) == 1
    assert [url for url in sessions if url.endswith("/app/api/session")] == [
        served.base + "/app/api/session"
    ] * 2
    assert dashboard.names(team_id(served, seed.ROVERS)) == ["Fatima", "Goran"]


# --- On a phone, in both themes ------------------------------------------------------------------


def _overflowing(page: Page) -> list[str]:
    """Elements wider than their box, or reaching past the 360 px screen."""
    return list(
        page.evaluate(
            """() => {
                const wide = [];
                if (document.documentElement.scrollWidth > window.innerWidth) wide.push("page");
                for (const el of document.querySelectorAll(
                    ".athlete, .athlete-open, .strip, .team-header, .controls, .detail-facts"
                )) {
                    if (!el.offsetParent) continue;  // not shown
                    const box = el.getBoundingClientRect();
                    if (el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth) {
                        wide.push(el.className + " " + (el.dataset.userId || ""));
                    }
                }
                return wide;
            }"""
        )
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_fits_a_phone_and_follows_the_theme(
    open_dashboard: Opener, served: Served, tmp_path: Path, scheme: str
) -> None:
    dashboard = open_dashboard(init_data_for(seed.CARLA), scheme=scheme)
    page = dashboard.page
    assert page.viewport_size == PHONE
    assert page.evaluate("document.documentElement.dataset.scheme") == scheme
    theme = DARK if scheme == "dark" else LIGHT
    # The page's colours are Telegram's: the background and a row's card.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == _rgb(
        theme["secondary_bg_color"]
    )
    assert page.locator(".athlete").first.evaluate("e => getComputedStyle(e).color") == _rgb(
        theme["text_color"]
    )
    assert _overflowing(page) == []
    page.screenshot(path=str(screenshot_path(tmp_path, f"dashboard-{scheme}.png")), full_page=True)

    # The long name's detail fits too.
    dashboard.row(team_id(served, seed.HARRIERS), seed.MAXI).click()
    page.locator("#detail").wait_for(state="visible")
    assert _overflowing(page) == []
    assert dashboard.errors == [] and dashboard.csp_violations() == []


def test_a_theme_change_in_telegram_recolours_the_page(open_dashboard: Opener) -> None:
    dashboard = open_dashboard(init_data_for(seed.OSKAR))
    page = dashboard.page
    page.evaluate(f"window.__TELEGRAM_TEST__.changeTheme('dark', {json.dumps(DARK)})")
    assert page.evaluate("document.documentElement.dataset.scheme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == _rgb(
        DARK["secondary_bg_color"]
    )


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_a_german_coach_reads_the_page_in_german(open_dashboard: Opener, served: Served) -> None:
    dashboard = open_dashboard(init_data_for(seed.OSKAR))
    page = dashboard.page
    rovers = team_id(served, seed.ROVERS)
    assert sorted(dashboard.names(rovers)) == sorted(ROVERS_NAMES)

    with speaking("de"):
        words: dict[str, Any] = dict(dashboard_texts.PAGE)
        labels = dict(dashboard_texts.STATUS_LABELS)
    assert page.locator("#title").inner_text() == words["title"] != "Team dashboard"
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.locator("#sort option").all_inner_texts()[0] == words["sortOptions"]["attention"]
    badges = page.locator(f'.team[data-team-id="{rovers}"] .badge').all_inner_texts()
    assert set(badges) <= set(labels.values())
    assert page.locator("#legend").inner_text().split("\n")[0] == words["marks"]["checked_in"]
    assert dashboard.errors == [] and dashboard.csp_violations() == []
