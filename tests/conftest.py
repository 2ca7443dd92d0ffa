"""Test harness: the real Application, real Updates, an in-memory Bot API, a controlled clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.application import build_application
from bot.devtools.local_api import LOCAL_TOKEN, LocalBotAPI, LocalUser
from bot.lifecycle import running
from bot.settings import Settings
from conversations.services import Timings
from storage.store import Store
from storage.stores import open_store
from tests import pg

# Short timings so countdowns finish in a blink; the clock is ours, so "ten minutes" is a jump.
FAST = Timings(
    stretch_hold=timedelta(seconds=0.3),
    countdown_edits=3,
    medical_help_after=timedelta(minutes=10),
    abandoned_after=timedelta(hours=2),
)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 20, 17, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crampcoach.sqlite3"


# --- Both stores -------------------------------------------------------------------------------
# A test that takes ``settings`` (every bot test) or ``store_url`` runs once on SQLite and once
# on PostgreSQL (tests/pg.py); without CRAMPCOACH_TEST_DATABASE_URL the PostgreSQL cases skip.


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", pg.BACKENDS, ids=pg.BACKENDS)


@pytest.fixture
async def store_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None on SQLite; on PostgreSQL a URL whose schema is this test's alone (dropped after)."""
    if backend == "sqlite":
        yield None
        return
    pg.skip_unless_ready(request.node)
    async with pg.fresh_schema() as url:
        yield url


@pytest.fixture
async def store(db_path: Path, store_url: str | None) -> AsyncIterator[Store]:
    """The test's store, opened (migrated) and closed after."""
    db = open_store(store_url, db_path)
    await db.open()
    yield db
    await db.close()


def make_settings(db_path: Path, store_url: str | None, **values: Any) -> Settings:
    """Test settings on the test's store (SQLite at ``db_path``, or PostgreSQL's URL)."""
    values.setdefault("emergency_number", "112")
    values.setdefault("weather_url", "none")  # no network in tests: the heat tests pass theirs
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        db_path=db_path,
        database_url=SecretStr(store_url) if store_url else None,
        **values,
    )


@pytest.fixture
def settings(db_path: Path, store_url: str | None) -> Settings:
    return make_settings(db_path, store_url)


def pytest_sessionfinish() -> None:
    pg.drop_leftovers()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    line = pg.summary()
    if line:
        terminalreporter.write_line(line)


class Bot:
    """One running bot: its application and the local Bot API it talks to."""

    def __init__(self, application: Any, api: LocalBotAPI) -> None:
        self.application = application
        self.api = api

    def user(self, user_id: int = 1001, **kwargs: Any) -> LocalUser:
        return LocalUser(self.application, self.api, user_id, **kwargs)


BotFactory = Callable[..., Any]


@pytest.fixture
async def start_bot(settings: Settings, clock: FakeClock) -> AsyncIterator[Callable[..., Any]]:
    """Start a bot (several, one after another, to test restarts on the same database)."""
    stack: list[Any] = []

    async def start(*, api: LocalBotAPI | None = None, timings: Timings = FAST, **kw: Any) -> Bot:
        api = api or LocalBotAPI()
        application = build_application(
            settings,
            request=api,
            token=LOCAL_TOKEN,
            clock=clock,
            timings=timings,
            # Limits in real time would only slow the tests; test_rate_limiter.py covers them.
            send_rate=kw.pop("send_rate", 1_000_000.0),
            per_chat_interval=kw.pop("per_chat_interval", 0.0),
            retry_backoff=kw.pop("retry_backoff", 0.0),  # 5xx retried at once
            scheduler=kw.pop("scheduler", False),
            **kw,
        )
        context = running(application)
        await context.__aenter__()
        stack.append(context)
        return Bot(application, api)

    yield start
    for context in reversed(stack):
        await context.__aexit__(None, None, None)


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> Bot:
    return await start_bot()  # type: ignore[no-any-return]
