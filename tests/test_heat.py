"""The heat warning before training, through the real Application and the fake Bot API, with
the forecast from a local stand-in for Open-Meteo (tests/weather_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.weather import forecast
from conversations.texts import heat as texts
from storage import heat
from tests.conftest import Bot, BotFactory, FakeClock, make_settings
from tests.helpers import db_of
from tests.plan_helpers import tick_at
from tests.team_helpers import COACH, GROUP, make_team, private
from tests.weather_server import WeatherServer

ATHLETE = 1001
# Berlin in March is UTC+1: training at 18:00 local is 17:00 UTC; its window 15:00-16:00 UTC.
IN_WINDOW = datetime(2027, 3, 21, 15, 30, tzinfo=UTC)
BEFORE_WINDOW = datetime(2027, 3, 21, 14, 30, tzinfo=UTC)
AFTER_WINDOW = datetime(2027, 3, 21, 16, 10, tzinfo=UTC)


@pytest.fixture
def weather() -> Iterator[WeatherServer]:
    server = WeatherServer()
    yield server
    server.stop()


@pytest.fixture
def settings(db_path: Path, store_url: str | None, weather: WeatherServer) -> Settings:
    return make_settings(db_path, store_url, weather_url=weather.url)


def hot(weather: WeatherServer) -> None:
    weather.temperature, weather.humidity = 35.0, 45.0  # heat index about 104 °F


def mild(weather: WeatherServer) -> None:
    weather.temperature, weather.humidity = 22.0, 60.0


async def turn_on(bot: Bot, user_id: int = ATHLETE) -> None:
    athlete = private(bot, user_id)
    await athlete.send("/heat")
    assert texts.INTRO in bot.api.last_bot_message(user_id).text
    await athlete.press("18:00")
    assert "Where do you train?" in bot.api.last_bot_message(user_id).text
    await athlete.send_location(52.52, 13.40)
    assert "Heat warning on" in bot.api.last_bot_message(user_id).text


def warnings_to(bot: Bot, chat_id: int) -> list[str]:
    return [m.text for m in bot.api.bot_messages(chat_id) if "Hot training today" in m.text]


async def test_a_hot_day_warns_once_in_the_window_before_training(
    bot: Bot, clock: FakeClock, weather: WeatherServer
) -> None:
    hot(weather)
    await turn_on(bot)
    await tick_at(bot, clock, BEFORE_WINDOW)
    assert warnings_to(bot, ATHLETE) == []
    await tick_at(bot, clock, IN_WINDOW)
    [warning] = warnings_to(bot, ATHLETE)
    assert "18:00" in warning and "compression" in warning
    for minutes in (1, 5, 20):
        clock.advance(minutes=minutes)
        await tick_at(bot, clock, clock.now)
    assert len(warnings_to(bot, ATHLETE)) == 1
    settings = await heat.settings_of(db_of(bot), ATHLETE)
    assert settings is not None and settings.zone == "Europe/Berlin"
    assert (settings.latitude, settings.longitude) == (52.5, 13.4)
    assert weather.requests[0]["latitude"] == ["52.5"]
    assert weather.requests[0]["timezone"] == ["GMT"]


async def test_a_mild_day_sends_nothing(bot: Bot, clock: FakeClock, weather: WeatherServer) -> None:
    mild(weather)
    await turn_on(bot)
    await tick_at(bot, clock, IN_WINDOW)
    assert warnings_to(bot, ATHLETE) == []


async def test_after_the_window_nothing_is_sent(
    bot: Bot, clock: FakeClock, weather: WeatherServer
) -> None:
    hot(weather)
    await turn_on(bot)
    await tick_at(bot, clock, AFTER_WINDOW)
    assert warnings_to(bot, ATHLETE) == []


@pytest.mark.parametrize("mode", ["error", "garbage", "half", "slow"])
async def test_a_failing_weather_service_sends_nothing(
    bot: Bot,
    clock: FakeClock,
    weather: WeatherServer,
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Our own time-outs, shortened so the slow answer times out quickly.
    monkeypatch.setattr(forecast, "TOTAL_TIMEOUT", 0.3)
    monkeypatch.setattr(forecast, "READ_TIMEOUT", 0.2)
    weather.delay = 1.0
    hot(weather)
    await turn_on(bot)
    weather.mode = mode
    await tick_at(bot, clock, IN_WINDOW)
    assert warnings_to(bot, ATHLETE) == []
    assert len(weather.requests) == 1
    metrics = bot.application.metrics
    result = {"error": "error_status", "garbage": "bad_response", "half": "bad_response"}
    expected = result.get(mode, "timeout")
    assert metrics.weather_requests.labels(result=expected)._value.get() == 1


async def test_the_forecast_is_cached_per_place_and_hour(
    bot: Bot, clock: FakeClock, weather: WeatherServer
) -> None:
    mild(weather)
    await turn_on(bot, ATHLETE)
    await turn_on(bot, 1002)  # the same place
    await tick_at(bot, clock, IN_WINDOW)
    clock.advance(minutes=1)
    await tick_at(bot, clock, clock.now)
    assert len(weather.requests) == 1


async def test_never_at_night(bot: Bot, clock: FakeClock, weather: WeatherServer) -> None:
    hot(weather)
    athlete = private(bot, ATHLETE)
    await athlete.send("/heat")
    await athlete.press("08:00")  # its window, 06:00-07:00 local, is at night
    await athlete.send_location(52.52, 13.40)
    for hour in range(4, 7):
        await tick_at(bot, clock, datetime(2027, 3, 21, hour, 30, tzinfo=UTC))
    assert warnings_to(bot, ATHLETE) == []


async def test_off_means_off(bot: Bot, clock: FakeClock, weather: WeatherServer) -> None:
    hot(weather)
    await turn_on(bot)
    athlete = private(bot, ATHLETE)
    await athlete.send("/heat")
    assert "Heat warning: on" in bot.api.last_bot_message(ATHLETE).text
    await athlete.press(texts.TURN_OFF)
    assert bot.api.last_bot_message(ATHLETE).text == texts.TURNED_OFF
    await tick_at(bot, clock, IN_WINDOW)
    assert warnings_to(bot, ATHLETE) == []
    assert weather.requests == []


async def test_bad_input_gets_a_kind_reply_and_the_steps_buttons_again(bot: Bot) -> None:
    athlete = private(bot, ATHLETE)
    await athlete.send("/heat")
    await athlete.send("whenever")
    last = bot.api.last_bot_message(ATHLETE)
    assert texts.TIME_NOT_UNDERSTOOD in last.text and "18:00" in last.button_labels
    await athlete.send("17:30")
    assert "Training at <b>17:30</b>" in bot.api.last_bot_message(ATHLETE).text or (
        "17:30" in bot.api.last_bot_message(ATHLETE).text
    )
    await athlete.send("somewhere nice")
    assert bot.api.last_bot_message(ATHLETE).text == texts.PLACE_NOT_UNDERSTOOD
    await athlete.send(texts.USE_ZONE_CITY)  # no zone known yet: share a location instead
    assert bot.api.last_bot_message(ATHLETE).text == texts.NO_CITY_FOR_ZONE
    await athlete.send_location(40.71, -74.0)
    settings = await heat.settings_of(db_of(bot), ATHLETE)
    assert settings is not None and settings.enabled and settings.training_time == "17:30"
    assert settings.zone == "America/New_York"


async def test_a_restart_does_not_send_it_again(
    start_bot: BotFactory, clock: FakeClock, weather: WeatherServer
) -> None:
    hot(weather)
    first = await start_bot()
    await turn_on(first)
    await tick_at(first, clock, IN_WINDOW)
    assert len(warnings_to(first, ATHLETE)) == 1
    second = await start_bot()
    clock.advance(minutes=2)
    await tick_at(second, clock, clock.now)
    assert warnings_to(second, ATHLETE) == []


async def test_a_coachs_team_warning_goes_to_the_group_only_if_opted_in(
    bot: Bot, clock: FakeClock, weather: WeatherServer
) -> None:
    hot(weather)
    await make_team(bot, GROUP, COACH)
    coach = private(bot, COACH)
    await coach.send("/start")
    await coach.send_location(52.52, 13.40)  # the coach's zone: Europe/Berlin
    await tick_at(bot, clock, IN_WINDOW)
    assert warnings_to(bot, GROUP) == []  # not opted in
    await coach.send("/teamheat 19:00")
    assert "Heat warning on for" in bot.api.last_bot_message(COACH).text
    await tick_at(bot, clock, datetime(2027, 3, 21, 16, 30, tzinfo=UTC))
    [posted] = warnings_to(bot, GROUP)
    assert "19:00" in posted
    await coach.send("/teamheat off")
    await tick_at(bot, clock, datetime(2027, 3, 22, 16, 30, tzinfo=UTC))
    assert len(warnings_to(bot, GROUP)) == 1


async def test_heat_data_is_exported_and_deleted(
    bot: Bot, clock: FakeClock, weather: WeatherServer
) -> None:
    import json

    from conversations.texts import account as account_texts
    from storage import account

    hot(weather)
    await turn_on(bot)
    await make_team(bot, GROUP, ATHLETE)  # they coach a team too
    await private(bot, ATHLETE).send("/teamheat 19:00")
    await tick_at(bot, clock, IN_WINDOW)
    assert len(warnings_to(bot, ATHLETE)) == 1

    await private(bot, ATHLETE).send("/export")
    [*_, call] = bot.api.calls_of("sendDocument")
    data = json.loads(call.files["document"][1])
    assert data["heat_settings"]["training_time"] == "18:00"
    assert data["heat_settings"]["enabled"] is True
    assert data["heat_settings"]["latitude"] == 52.5
    [sent] = data["heat_warnings"]
    assert sent["local_date"] == "2027-03-21" and sent["heat_index"] >= 90
    [team] = data["team_heat_set_up"]
    assert team["training_time"] == "19:00"
    db = db_of(bot)
    for table, exported in (
        ("heat_settings", [data["heat_settings"]]),
        ("heat_warnings", data["heat_warnings"]),
        ("team_heat", data["team_heat_set_up"]),
    ):
        row = await db.fetch_one(f"SELECT * FROM {table}")
        assert row is not None
        holder = account.holder(table)
        for column in row.keys():  # noqa: SIM118 (Row is not a mapping)
            if column not in holder.columns:
                assert all(column in item for item in exported), (table, column)

    await private(bot, ATHLETE).send("/delete")
    await private(bot, ATHLETE).press(account_texts.DELETE_BUTTON)
    for table in ("heat_settings", "heat_warnings", "team_heat"):
        assert await db.fetch_one(f"SELECT 1 FROM {table}") is None, table


async def test_cancel_leaves_the_set_up(bot: Bot) -> None:
    athlete = private(bot, ATHLETE)
    await athlete.send("/heat")
    await athlete.send("/cancel")
    settings = await heat.settings_of(db_of(bot), ATHLETE)
    assert settings is not None and settings.setup_step is None and not settings.enabled
    await athlete.send("17:30")  # no longer taken as a training time
    settings = await heat.settings_of(db_of(bot), ATHLETE)
    assert settings is not None and settings.training_time is None
