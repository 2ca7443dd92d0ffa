"""The bot in German, Spanish and French (issue 20): the language found for each update, chosen
with /language (mid-flow too), kept for what the bot sends on its own; the SOS flow, a plan
check-in and a coach's roster walked in each language with no English left; typed input in
each language; the menus per language; which languages may be offered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.devtools.local_api import LocalUser
from conversations.i18n import catalogs
from conversations.i18n.current import speaking
from conversations.i18n.entries import all_entries, is_safety
from conversations.i18n.offered import offered, safety_complete
from conversations.sos import states as sos
from conversations.texts import common
from conversations.texts import language as language_texts
from conversations.texts import plan as plan_texts
from conversations.texts import recovery as advice
from conversations.texts import sos as sos_texts
from conversations.texts import team as team_texts
from rules.languages import LANGUAGES, NATIVE_NAMES, normalise
from rules.recovery import StepOutcome
from tests.conftest import Bot, FakeClock
from tests.helpers import conversation_state, db_of
from tests.plan_helpers import BERLIN, local, tick_at
from tests.team_helpers import ATHLETE, COACH, alerts_to, join, make_team, private

FOREIGN = ("de", "es", "fr")
APP_CODES = {"de": "de-DE", "es": "es", "fr": "fr-CA"}
# Words of English prose that no German, Spanish or French message contains.
ENGLISH_WORDS = re.compile(r"\b(?:the|your|you|and|with|what|when|please|tap)\b", re.I)


def said(code: str, read: Callable[[], object]) -> str:
    """A text as the bot writes it in ``code``."""
    with speaking(code):
        return str(read())


def _english_left(code: str, text: str) -> list[str]:
    """English in a message meant to be in ``code``: prose words, or a whole English text of
    the catalog (three words or more) that the translation does not share."""
    found = ENGLISH_WORDS.findall(re.sub(r"<[^>]+>", " ", text))
    translated = catalogs.catalog(code)
    for entry in all_entries():
        english = entry.text
        if len(english.split()) < 3 or "{" in english:
            continue
        if english in text and translated.text(entry.context, english) != english:
            found.append(english)
    return found


def assert_all_in(code: str, user: LocalUser, since: int = 0) -> None:
    texts = [m.text for m in user.api.bot_messages(user.chat_id)[since:]]
    labels = [
        b["text"] for m in user.api.bot_messages(user.chat_id)[since:] for b in m.inline_buttons
    ]
    assert texts, "the bot said nothing"
    problems = {t: _english_left(code, t) for t in [*texts, *labels] if _english_left(code, t)}
    assert problems == {}


# --- Which language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "spoken"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("DE", "de"),
        ("es-419", "es"),
        ("fr_CA", "fr"),
        ("en-GB", "en"),
        ("pt-br", "en"),
        ("zh-hans", "en"),
        ("sr-Latn", "en"),
        ("", "en"),
        (None, "en"),
        ("garbage!!", "en"),
        ("x" * 80, "en"),
    ],
)
def test_an_apps_language_code_is_normalised_never_an_error(code: str | None, spoken: str) -> None:
    assert normalise(code) == spoken


def test_every_language_is_offered_once_its_safety_texts_are_complete() -> None:
    assert offered() == LANGUAGES


def test_a_language_missing_one_safety_text_is_not_offered(tmp_path: Path) -> None:
    with catalogs.catalog_path("de").open("rb") as file:
        po = read_po(file, locale="de")
    [first] = [m for m in po if m.id and is_safety(m.context or "")][:1]
    first.string = ""
    broken = tmp_path / "de.po"
    with broken.open("wb") as file:
        write_po(file, po)
    assert not safety_complete("de", catalogs.read_catalog(broken, "de"))
    assert safety_complete("de", catalogs.read_catalog(catalogs.catalog_path("de"), "de"))


@pytest.mark.parametrize("code", FOREIGN)
def test_the_emergency_number_placeholder_is_in_every_red_flag_text(code: str) -> None:
    english = {e.context: e.text for e in all_entries() if "{number}" in e.text}
    assert english
    for context, text in english.items():
        translated = catalogs.catalog(code).text(context, text)
        assert translated is not None and translated.count("{number}") == text.count("{number}")


# --- The cramp, in each language -------------------------------------------------------------


@pytest.mark.parametrize("code", FOREIGN)
async def test_the_whole_cramp_flow_in_the_apps_language(bot: Bot, code: str) -> None:
    user = bot.user(language_code=APP_CODES[code])

    await user.send("/cramp")
    assert user.api.last_bot_message(user.chat_id).text == said(
        code, lambda: sos_texts.FIRST_AID_AND_SCREEN
    )
    await user.press(said(code, lambda: sos_texts.NO_FLAG_CALF))
    assert (
        said(code, lambda: sos_texts.STRETCH_HOW["calf"])
        in user.api.last_bot_message(user.chat_id).text
    )
    await user.press(said(code, lambda: sos_texts.NOT_YET))
    await user.press(said(code, lambda: sos_texts.EASED))
    await user.press(said(code, lambda: sos_texts.NONE_OF_THESE))
    await user.press(said(code, lambda: sos_texts.ACTIVITY_LABELS["running"]))
    await user.press(said(code, lambda: sos_texts.TIME_INTO_LABELS["30-60"]))
    await user.press(said(code, lambda: sos_texts.YES))
    await user.press(said(code, lambda: sos_texts.NO))

    assert await conversation_state(bot, user) is None  # the flow went to its end
    assert_all_in(code, user)


@pytest.mark.parametrize(
    ("code", "typed"),
    [
        ("de", "Wadenkrampf!"),
        ("de", "Ich habe einen Krampf in der Wade"),
        ("es", "calambre en el gemelo"),
        ("fr", "crampe au mollet"),
        ("en", "my calf is cramping"),
    ],
)
async def test_a_cramp_typed_in_each_language_starts_the_flow(
    bot: Bot, code: str, typed: str
) -> None:
    user = bot.user(language_code=code)
    await user.send(typed)
    assert user.api.last_bot_message(user.chat_id).text == said(
        code, lambda: sos_texts.FIRST_AID_AND_SCREEN
    )
    assert await conversation_state(bot, user) == sos.TRIAGE


@pytest.mark.parametrize("code", FOREIGN)
async def test_the_sos_key_in_any_language_starts_the_flow(bot: Bot, code: str) -> None:
    user = bot.user()  # an English app: the key drawn in another language still works
    await user.send(said(code, lambda: common.SOS_BUTTON))
    assert await conversation_state(bot, user) == sos.TRIAGE


# --- The plan, in each language --------------------------------------------------------------


async def _start_plan_in(code: str, user: LocalUser) -> None:
    await user.send("/cramp")
    await user.press(said(code, lambda: sos_texts.NO_FLAG_CALF))
    await user.press(said(code, lambda: sos_texts.EASED))
    await user.press(said(code, lambda: sos_texts.NONE_OF_THESE))
    await user.press(said(code, lambda: sos_texts.SKIP_ALL))
    await user.press(said(code, lambda: plan_texts.OFFER_BUTTON))
    await user.press("08:00")
    await user.press("Berlin / Paris")


@pytest.mark.parametrize("code", FOREIGN)
async def test_a_plan_and_its_check_in_in_the_athletes_language(
    bot: Bot, clock: FakeClock, code: str
) -> None:
    user = bot.user(language_code=code)
    await _start_plan_in(code, user)
    before = len(user.api.bot_messages(user.chat_id))

    await tick_at(bot, clock, local(2027, 3, 21, 8, 0, BERLIN))  # the check-in, sent on its own
    await user.press("3")
    await user.press(said(code, lambda: advice.STEP_OUTCOME_LABELS[StepOutcome.COMFORTABLE]))
    await user.press(said(code, lambda: plan_texts.NO_WARNING))

    assert len(user.api.bot_messages(user.chat_id)) > before + 2
    assert_all_in(code, user)


# --- The coach's team, in each language --------------------------------------------------------


@pytest.mark.parametrize("code", FOREIGN)
async def test_a_coachs_team_and_roster_in_the_coachs_language(bot: Bot, code: str) -> None:
    coach = private(bot, COACH, "Carla")
    coach.user["language_code"] = code
    await coach.send("/start")  # the coach's language is known before the team is made
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ana")
    await join(bot, athlete, made, "details")
    before = len(bot.api.bot_messages(COACH))

    await coach.send("/roster")

    roster = bot.api.bot_messages(COACH)[before].text
    assert said(code, lambda: team_texts.ROSTER_HEADER).split("{")[0] in roster
    assert "Ana" in roster
    assert_all_in(code, coach, since=before)


# --- /language ---------------------------------------------------------------------------------


async def test_language_switches_at_once_even_mid_cramp(bot: Bot) -> None:
    user = bot.user()  # English app
    await user.send("/cramp")
    assert await conversation_state(bot, user) == sos.TRIAGE

    await user.send("/language")
    assert [
        label.removeprefix("✓ ") for label in user.api.last_bot_message(user.chat_id).button_labels
    ] == [NATIVE_NAMES[c] for c in LANGUAGES]
    await user.press(NATIVE_NAMES["de"])

    messages = user.api.bot_messages(user.chat_id)
    assert messages[-2].text == said("de", lambda: language_texts.CHOSEN).format(language="Deutsch")
    assert said("de", lambda: sos_texts.SCREEN_QUESTION) in messages[-1].text
    assert await conversation_state(bot, user) == sos.TRIAGE  # the cramp goes on, in German
    await user.press(said("de", lambda: sos_texts.NO_FLAG_CALF))
    assert (
        said("de", lambda: sos_texts.STRETCH_HOW["calf"])
        in user.api.last_bot_message(user.chat_id).text
    )


async def test_a_chosen_language_wins_over_the_apps(bot: Bot) -> None:
    user = bot.user(language_code="de")
    await user.send("/language")
    await user.press("Français")
    await user.send("/cramp")
    assert user.api.last_bot_message(user.chat_id).text == said(
        "fr", lambda: sos_texts.FIRST_AID_AND_SCREEN
    )
    row = await db_of(bot).fetch_one("SELECT language, language_chosen FROM users")
    assert row is not None and (row["language"], row["language_chosen"]) == ("fr", 1)


async def test_the_apps_language_is_kept_for_what_the_bot_sends_on_its_own(bot: Bot) -> None:
    user = bot.user(language_code="es-MX")
    await user.send("/start")
    row = await db_of(bot).fetch_one("SELECT language FROM users")
    assert row is not None and row["language"] == "es"
    user.user["language_code"] = "fr"  # the app switched to French
    await user.send("/help")
    row = await db_of(bot).fetch_one("SELECT language FROM users")
    assert row is not None and row["language"] == "fr"


# --- Menus per language ------------------------------------------------------------------------


@pytest.mark.parametrize("code", FOREIGN)
async def test_the_command_menus_and_descriptions_are_set_per_language(bot: Bot, code: str) -> None:
    menu = bot.api.commands[
        '{"language_code": "%s", "type": "all_private_chats"}' % code  # noqa: UP031
    ]
    english = bot.api.commands['{"type": "all_private_chats"}']
    assert [c["command"] for c in menu] == [c["command"] for c in english]
    with speaking(code):
        described = dict(common.ATHLETE_COMMAND_DESCRIPTIONS + common.GENERAL_COMMAND_DESCRIPTIONS)
    assert [c["description"] for c in menu] == [described[c["command"]] for c in english]
    assert bot.api.descriptions[code] == said(code, lambda: common.BOT_DESCRIPTION)
    assert bot.api.short_descriptions[code] == said(code, lambda: common.BOT_SHORT_DESCRIPTION)


async def test_an_alert_reaches_the_coach_in_the_coachs_language(bot: Bot) -> None:
    coach = private(bot, COACH, "Carla")
    coach.user["language_code"] = "es"
    await coach.send("/start")
    made = await make_team(bot)
    athlete = private(bot, ATHLETE, "Ana")  # an English app
    await join(bot, athlete, made, "details")

    await athlete.send("/cramp")  # a new cramp: news for the coach
    await athlete.press(sos_texts.NO_FLAG_CALF)

    [alert] = alerts_to(bot.api, COACH)
    with speaking("es"):
        expected = team_texts.ALERT.format(
            name="Ana", team=made.team.name, why=": " + team_texts.REASONS["new_episode"]
        )
    assert alert == expected
    # The athlete, on an English app, reads English meanwhile.
    assert sos_texts.STRETCH_HOW["calf"] in athlete.api.last_bot_message(athlete.chat_id).text
