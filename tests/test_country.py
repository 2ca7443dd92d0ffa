"""Where the athlete is, for the emergency number: a location shared at any time, the country
asked once at the first /start, and the main numbers side by side while it is unknown.

Through the real Application and the in-memory Bot API, asserting on what the bot sends. The
deployment's default number is 112 (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.devtools.local_api import LocalUser
from bot.settings import Settings
from conversations.i18n.current import speaking
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import country as texts
from conversations.texts import language as language_texts
from conversations.texts import plan as plan_texts
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as sos_texts
from rules.emergency_numbers import MAIN_NUMBERS
from rules.languages import normalise
from rules.red_flags import RedFlag
from storage import users
from storage.users import User
from tests.conftest import Bot, FakeClock, make_settings
from tests.helpers import conversation_state, db_of, press_flag, walk_to
from tests.plan_helpers import (
    ASK_PAIN,
    deliver_next_checkin,
    ease_a_cramp,
    last_text,
    plan_of,
    start_plan,
)

NEW_YORK = (40.71, -74.01)
BERLIN = (52.52, 13.405)
ZURICH = (47.37, 8.54)

# What a red flag shows while the country is unknown (the default, 112, is already there).
MAIN_NUMBERS_BLOCK = (
    "<b>112 – Europe and many other countries\n911 – USA, Canada\n999 – UK\n000 – Australia</b>"
)


@pytest.fixture
def settings(db_path: Path, store_url: str | None, request: pytest.FixtureRequest) -> Settings:
    """The deployment's default number: 112 (as in conftest), or a test's own."""
    number = getattr(request, "param", "112")
    return make_settings(db_path, store_url, emergency_number=number)


async def accept_offer(user: LocalUser) -> None:
    """Ease a cramp and press the plan offer: the check-in time is asked."""
    await ease_a_cramp(user)
    await user.press(plan_texts.OFFER_BUTTON)


async def user_row(bot: Bot, user: LocalUser, clock: FakeClock) -> User:
    return await users.ensure_user(db_of(bot), user.user_id, clock())


async def red_flag_guidance(bot: Bot, user: LocalUser) -> str:
    await user.send("/cramp")
    await press_flag(user, RedFlag.CHEST_PAIN_BREATHLESS)
    return last_text(bot.api, user.chat_id)


def saved(zone: str, number: str) -> str:
    return texts.LOCATION_SAVED.format(zone=zone, number=number)


def texts_of(bot: Bot, user: LocalUser) -> list[str]:
    return [message.text for message in bot.api.bot_messages(user.chat_id)]


def location_buttons(bot: Bot, user: LocalUser) -> list[str]:
    """The buttons under the text field that share the user's location."""
    keyboard = (bot.api.reply_keyboards.get(user.chat_id) or {}).get("keyboard", [])
    return [
        button["text"]
        for row in keyboard
        for button in row
        if isinstance(button, dict) and button.get("request_location")
    ]


# --- A location shared at any time -----------------------------------------------------------


async def test_a_new_york_location_shared_while_idle_gives_911_at_the_next_red_flag(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()

    await user.send_location(*NEW_YORK)

    assert last_text(bot.api, user.chat_id) == saved("America/New_York", "911")
    row = await user_row(bot, user, clock)
    assert (row.zone, row.country) == ("America/New_York", "US")
    guidance = await red_flag_guidance(bot, user)
    assert guidance.startswith(
        flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="911")
    )
    assert "112" not in guidance


async def test_the_location_itself_is_never_stored(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()

    await user.send_location(*NEW_YORK)

    row = await db_of(bot).fetch_one("SELECT * FROM users WHERE user_id = ?", (user.user_id,))
    assert row is not None
    assert not {"40.71", "-74.01"} & {str(value) for value in dict(row).values()}


@pytest.mark.parametrize("state", [sos.TRIAGE, sos.MUSCLE, sos.STRETCH, sos.ACTIVITY])
async def test_a_location_mid_cramp_is_recorded_and_the_step_comes_back(
    bot: Bot, clock: FakeClock, state: str
) -> None:
    user = bot.user()
    await walk_to(user, state)
    step = bot.api.last_bot_message(user.chat_id)

    await user.send_location(*ZURICH)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.message_id != step.message_id
    confirmation = saved("Europe/Zurich", "144")
    assert reply.text.startswith(confirmation)
    assert reply.button_labels == step.button_labels
    assert await conversation_state(bot, user) == state
    row = await user_row(bot, user, clock)
    assert (row.zone, row.country) == ("Europe/Zurich", "CH")
    # The step comes back exactly as the nudge brings it, with the confirmation as its lead.
    await user.send_sticker()
    nudge = bot.api.last_bot_message(user.chat_id)
    assert reply.text.removeprefix(confirmation) == nudge.text.removeprefix(common.NUDGE)
    assert reply.button_labels == nudge.button_labels


async def test_after_a_location_mid_cramp_a_red_flag_gives_that_countrys_number(
    bot: Bot,
) -> None:
    user = bot.user()
    await user.send("/cramp")
    await user.send_location(*ZURICH)

    await press_flag(user, RedFlag.CHEST_PAIN_BREATHLESS)

    guidance = last_text(bot.api, user.chat_id)
    assert guidance.startswith(
        flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="144")
    )


async def test_a_location_during_an_open_check_in_is_recorded_and_asks_again(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await start_plan(user)  # Berlin
    question = await deliver_next_checkin(bot, clock, user)

    await user.send_location(*NEW_YORK)

    reply = bot.api.last_bot_message(user.chat_id)
    assert reply.text.startswith(saved("America/New_York", "911"))
    assert ASK_PAIN in reply.text
    assert reply.button_labels == question.button_labels
    assert (await user_row(bot, user, clock)).country == "US"


async def test_a_location_in_settings_answers_which_country(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()
    await user.send("/settings")
    await user.press(plan_texts.CHANGE_NUMBER)

    await user.send_location(*NEW_YORK)

    assert last_text(bot.api, user.chat_id) == saved("America/New_York", "911")
    assert (await user_row(bot, user, clock)).awaiting is None  # the question is answered
    await user.send("hello")
    assert last_text(bot.api, user.chat_id) == common.IDLE_REPLY.format(sos=common.SOS_BUTTON)
    await user.send("/settings")
    assert "Emergency number: <b>911</b>" in last_text(bot.api, user.chat_id)


async def test_a_location_at_the_plans_zone_question_starts_it_and_keeps_the_country(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await accept_offer(user)
    await user.press("08:00")

    await user.send_location(*NEW_YORK)

    assert "Your recovery plan is on." in last_text(bot.api, user.chat_id)
    assert (await plan_of(bot, user)).zone == "America/New_York"
    row = await user_row(bot, user, clock)
    assert (row.zone, row.country) == ("America/New_York", "US")


async def test_the_plans_zone_question_offers_the_athletes_zone_first(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await user.send_location(*NEW_YORK)
    await accept_offer(user)

    await user.press("08:00")

    zones = bot.api.last_bot_message(user.chat_id)
    own = plan_texts.OWN_ZONE.format(zone="America/New_York")
    assert zones.button_labels[0] == own
    await user.press(own)
    assert "Your recovery plan is on." in last_text(bot.api, user.chat_id)
    assert (await plan_of(bot, user)).zone == "America/New_York"


async def test_without_a_known_zone_the_zone_question_is_as_before(bot: Bot) -> None:
    user = bot.user()
    await accept_offer(user)

    await user.press("08:00")

    zones = bot.api.last_bot_message(user.chat_id)
    assert not any(label.startswith("✅") for label in zones.button_labels)
    assert zones.button_labels[0] == "Los Angeles"


# --- While the country is unknown: the main numbers ------------------------------------------


async def test_an_unknown_country_shows_the_main_numbers(bot: Bot) -> None:
    user = bot.user()

    guidance = await red_flag_guidance(bot, user)

    assert guidance.startswith("🚨 <b>Call the emergency number now:</b>\n\n" + MAIN_NUMBERS_BLOCK)
    assert guidance.count("112") == 1  # the default is not listed twice


@pytest.mark.parametrize("settings", ["10177"], indirect=True)
async def test_a_default_number_not_among_the_main_ones_is_listed_after_them(bot: Bot) -> None:
    user = bot.user()

    guidance = await red_flag_guidance(bot, user)

    block = MAIN_NUMBERS_BLOCK.removesuffix("</b>") + f"\n10177 – {texts.DEFAULT_REGION}</b>"
    assert f"\n\n{block}\n\n" in guidance


async def test_an_unknown_country_shows_the_main_numbers_when_it_does_not_ease(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user()
    await walk_to(user, sos.STRETCH)
    clock.advance(minutes=11)

    await user.press(sos_texts.NOT_YET)

    assert MAIN_NUMBERS_BLOCK in last_text(bot.api, user.chat_id)


async def test_settings_says_the_number_is_not_set_and_shows_the_main_ones(bot: Bot) -> None:
    user = bot.user()

    await user.send("/settings")

    reply = last_text(bot.api, user.chat_id)
    assert f"Emergency number: <b>{texts.NUMBER_NOT_SET}</b>" in reply
    assert MAIN_NUMBERS_BLOCK in reply
    assert bot.api.last_bot_message(user.chat_id).button_labels == [
        plan_texts.CHANGE_NUMBER,
        language_texts.SETTINGS_BUTTON,
    ]


async def test_a_plan_zone_in_no_country_still_shows_the_main_numbers(bot: Bot) -> None:
    user = bot.user()
    await start_plan(user, zone_label="UTC")

    guidance = await red_flag_guidance(bot, user)

    assert MAIN_NUMBERS_BLOCK in guidance


# --- The country question of the first /start ------------------------------------------------


async def test_the_first_start_asks_the_country_from_the_apps_language(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user(language_code="de")

    await user.send("/start")

    welcome, question = bot.api.bot_messages(user.chat_id)[-2:]
    with speaking("de"):  # a German app: the bot speaks German, the countries too
        assert welcome.text == common.WELCOME.format(sos=common.SOS_BUTTON)
        assert location_buttons(bot, user) == [texts.SHARE_MY_LOCATION]
        assert question.text == texts.ASK_COUNTRY
        assert question.button_labels == [
            "🇩🇪 Deutschland",
            "🇦🇹 Österreich",
            "🇨🇭 Schweiz",
            texts.ANOTHER_COUNTRY,
        ]
    assert (await user_row(bot, user, clock)).country_asked_at == clock()


async def test_a_country_pressed_is_kept_and_the_next_red_flag_gives_its_number(
    bot: Bot, clock: FakeClock
) -> None:
    user = bot.user(language_code="de")
    await user.send("/start")

    with speaking("de"):  # the test reads and presses what a German app shows
        await user.press("🇨🇭 Schweiz")

        assert last_text(bot.api, user.chat_id) == texts.COUNTRY_SAVED.format(
            country="Schweiz", number="144"
        )
        assert (await user_row(bot, user, clock)).country == "CH"
        guidance = await red_flag_guidance(bot, user)
        assert guidance.startswith(
            flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="144")
        )


@pytest.mark.parametrize(
    ("language_code", "first_labels"),
    [
        ("en", ["🇺🇸 United States", "🇬🇧 United Kingdom", "🇨🇦 Canada", "🇦🇺 Australia"]),
        ("pt-br", ["🇧🇷 Brazil", "🇵🇹 Portugal"]),
        ("es", ["🇪🇸 España", "🇲🇽 México", "🇦🇷 Argentina", "🇺🇸 Estados Unidos"]),
        (None, ["🇺🇸 United States", "🇬🇧 United Kingdom", "🇩🇪 Germany", "🇫🇷 France"]),
        ("x!", ["🇺🇸 United States", "🇬🇧 United Kingdom", "🇩🇪 Germany", "🇫🇷 France"]),
    ],
)
async def test_the_countries_offered_follow_the_apps_language(
    bot: Bot, language_code: str | None, first_labels: list[str]
) -> None:
    user = bot.user(language_code=language_code)

    await user.send("/start")

    labels = bot.api.last_bot_message(user.chat_id).button_labels
    assert labels[: len(first_labels)] == first_labels
    with speaking(normalise(language_code)):  # in the app's language, if the bot speaks it
        assert labels[-1] == texts.ANOTHER_COUNTRY


async def test_the_country_is_asked_once(bot: Bot) -> None:
    user = bot.user()

    await user.send("/start")
    await user.send("/start")

    assert texts_of(bot, user).count(texts.ASK_COUNTRY) == 1
    assert last_text(bot.api, user.chat_id) == common.WELCOME.format(sos=common.SOS_BUTTON)
    assert not location_buttons(bot, user)  # the 🆘 Cramp keyboard, as for everyone


async def test_start_sos_does_not_ask_the_country(bot: Bot, clock: FakeClock) -> None:
    user = bot.user()

    await user.send("/start sos")

    assert texts.ASK_COUNTRY not in texts_of(bot, user)
    assert await conversation_state(bot, user) == sos.TRIAGE
    assert (await user_row(bot, user, clock)).country_asked_at is None


async def test_a_known_country_is_not_asked(bot: Bot) -> None:
    user = bot.user()
    await user.send_location(*BERLIN)

    await user.send("/start")

    assert texts.ASK_COUNTRY not in texts_of(bot, user)


async def test_another_country_leads_to_typing_one(bot: Bot) -> None:
    user = bot.user(language_code="de")
    await user.send("/start")

    with speaking("de"):
        await user.press(texts.ANOTHER_COUNTRY)

        assert last_text(bot.api, user.chat_id) == plan_texts.ASK_EMERGENCY_NUMBER
        await user.send("Japan")  # the same in German
        assert last_text(bot.api, user.chat_id) == plan_texts.EMERGENCY_NUMBER_SAVED.format(
            number="119"
        )
        guidance = await red_flag_guidance(bot, user)
        assert guidance.startswith(
            flag_texts.GUIDANCE[RedFlag.CHEST_PAIN_BREATHLESS].format(number="119")
        )


async def test_a_location_answers_the_country_question(bot: Bot, clock: FakeClock) -> None:
    user = bot.user(language_code="en")
    await user.send("/start")

    await user.send_location(*BERLIN)

    assert last_text(bot.api, user.chat_id) == saved("Europe/Berlin", "112")
    assert (await user_row(bot, user, clock)).country == "DE"


async def test_someone_elses_country_button_changes_nothing(bot: Bot, clock: FakeClock) -> None:
    athlete, other = bot.user(1001), bot.user(1002)
    await athlete.send("/start")
    question = bot.api.last_bot_message(athlete.chat_id)
    data = next(b["callback_data"] for b in question.inline_buttons if "Germany" in b["text"])

    await other.press_data(data, question)

    assert (await user_row(bot, athlete, clock)).country is None
    assert (await user_row(bot, other, clock)).country is None


def test_every_main_number_has_its_region_in_the_texts() -> None:
    assert set(texts.NUMBER_REGIONS) == set(MAIN_NUMBERS)
