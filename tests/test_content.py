"""Content safety over every text the bot can send (all of ``conversations/texts/*.py``).

The source article on exercise-induced calf cramps sets the rules: stretch mildly to moderately,
never forcefully; a salty taste, swirled and spat out, not swallowed; cramp sprays are not a
fix; electrolytes do not prevent these cramps; no massage in the first 24 hours. The texts must
also be valid Telegram HTML, and the buttons must fit Telegram's limits.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

import conversations.texts
from conversations import buttons as callbacks
from conversations import keyboards
from conversations.commands import COMMANDS
from conversations.sos import states as sos
from conversations.sos import views as sos_views
from conversations.texts import common, recovery
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules import recovery as rules
from rules.red_flags import SCREEN_ORDER, URGENCY, RedFlag

REPO = Path(__file__).resolve().parent.parent


def _text_modules() -> list[ModuleType]:
    package = conversations.texts
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def _strings(value: object) -> list[str]:
    """Every user-facing string in a constant: str, and dict values, lists, tuples inside."""
    if isinstance(value, Enum):
        return []  # enum members are identifiers, not words
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def _collect() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in _text_modules():
        for name, value in vars(module).items():
            if name.startswith("_") or isinstance(value, type | ModuleType) or callable(value):
                continue
            for n, text in enumerate(_strings(value)):
                found[f"{module.__name__.rsplit('.', 1)[1]}.{name}[{n}]"] = text
    return found


ALL_TEXTS = _collect()

# Placeholders the texts may hold, and sample values to fill them with.
SAMPLE_VALUES = {
    "sos": common.SOS_BUTTON,
    "number": "112",
    "seconds": 30,
    "duration": "about 3 minutes",
    "minutes": 3,
    "day": 3,
    "stage": "Running",
    "time": "07:30",
    "zone": "Europe/Madrid",
    "when": "tomorrow at 07:30",
    "hours": 3,
    "pain": 4,
    "note": "",
}


def _filled(text: str) -> str:
    return text.format(**SAMPLE_VALUES) if "{" in text else text


def test_every_text_module_is_collected() -> None:
    modules = {key.split(".")[0] for key in ALL_TEXTS}
    assert {"common", "red_flags", "sos", "recovery"} <= modules
    assert texts.STRETCH_GENTLY in ALL_TEXTS.values()
    assert texts.STRETCH_HOW["calf"] in ALL_TEXTS.values()
    assert flag_texts.GUIDANCE[RedFlag.MANY_MUSCLES] in ALL_TEXTS.values()
    assert len(ALL_TEXTS) > 100


# --- What the texts must never say -----------------------------------------------------------

FORBIDDEN = [
    r"\bstrong(ly)? stretch",
    r"\bstretch(ing)? (it )?(hard|strongly|forcefully|as far as)",
    r"(?<!never )(?<!don't )\bforce (it|the muscle)\b",
    r"\bpush (it )?through the (pain|cramp)",
    r"spray (works|helps|will help)",
    r"use (a )?(cramp )?spray",
    r"electrolytes? (will |can |do |does )?(prevent|stop)",
    r"salt (tablets? |capsules? )?(will |can )?prevent",
    r"swallow the (salt|tablet|capsule)",
    r"drink (more|plenty|lots)",
    r"massage (it )?(now|right away|straight away|immediately)",
]


@pytest.mark.parametrize("pattern", FORBIDDEN)
def test_no_text_gives_advice_the_article_warns_against(pattern: str) -> None:
    offending = {
        key: text for key, text in ALL_TEXTS.items() if re.search(pattern, text, re.IGNORECASE)
    }
    assert offending == {}


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Give it a strong stretch.", True),
        ("Stretch it hard for 30 s.", True),
        ("Force it back the other way.", True),
        ("Never force it.", False),
        ("A cramp spray works wonders.", True),
        ("Electrolytes prevent cramps.", True),
        ("Electrolytes or salt don't prevent this kind of cramp.", False),
        ("Swallow the salt.", True),
        ("You don't need to swallow it.", False),
        ("Massage it now.", True),
    ],
)
def test_forbidden_patterns_catch_what_they_should(text: str, bad: bool) -> None:
    assert any(re.search(p, text, re.IGNORECASE) for p in FORBIDDEN) is bad


def test_every_stretch_advice_is_gentle() -> None:
    """A text that tells to stretch says gently or mild; "don't stretch" is a prohibition."""
    for key, text in ALL_TEXTS.items():
        lower = text.lower()
        advised = re.sub(r"(don't|do not|never|not) (massage or )?stretch", "", lower)
        if re.search(r"\bstretch", advised):
            assert "gentl" in lower or "mild" in lower, key


def test_stretch_steps_say_never_force_it() -> None:
    for muscle in texts.MUSCLE_LABELS:
        message = sos_views.stretch_instructions(muscle)
        assert "gently" in message
        assert "never hard" in message
        assert "mild" in message
    assert "Never force it" in texts.REST_CRAMP
    assert "gentle" in texts.REST_CRAMP


def test_massage_is_never_advised_before_24_hours() -> None:
    # The texts of the massage stage are shown only once the recovery rules allow the stage.
    gated = {
        recovery.STAGE_NAMES[rules.Stage.MASSAGE],
        recovery.STAGE_INSTRUCTIONS[rules.Stage.MASSAGE],
        recovery.DAY_PLAN_ITEMS[rules.Advice.MASSAGE_OK],
    }
    for key, text in ALL_TEXTS.items():
        if text in gated and not key.startswith(("sos.", "red_flags.", "common.")):
            continue
        for line in text.split("\n"):
            lower = line.lower()
            if "massag" not in lower:
                continue
            negated = re.search(r"\b(no|don't|do not|never) massag", lower)
            assert negated or "24 hours" in lower, f"{key}: {line!r}"


def test_massage_stage_needs_24_real_hours() -> None:
    zone = ZoneInfo("Europe/London")
    cramp = datetime(2027, 3, 20, 17, 0, tzinfo=UTC)
    assert rules.MASSAGE_AFTER_HOURS == 24
    assert not rules.stage_allowed(rules.Stage.MASSAGE, cramp, cramp + timedelta(hours=23), zone)
    assert rules.stage_allowed(rules.Stage.MASSAGE, cramp, cramp + timedelta(hours=24), zone)


def test_night_cramp_text_makes_no_exercise_protocol_claims() -> None:
    lower = texts.REST_CRAMP.lower()
    for claim in ("day 3", "salt", "two weeks", "strength", "electrolyte"):
        assert claim not in lower
    assert "different kind" in lower
    assert "doctor" in lower


# --- What the texts must say -----------------------------------------------------------------


def test_every_relief_step_is_there() -> None:
    first = texts.FIRST_AID_AND_SCREEN
    assert "Stop what you're doing" in first
    assert "weight on the cramping leg" in first  # stop, but keep pressure on the foot
    assert set(texts.STRETCH_HOW) == {"calf", "hamstring", "quadriceps", "other"}
    assert set(texts.MUSCLE_LABELS) == set(texts.STRETCH_HOW)
    for how in texts.STRETCH_HOW.values():
        assert "mild" in how
    assert "calf" in texts.STRETCH_HOW["calf"]
    salt = texts.SALT.lower()
    for step in ("salt tablet", "salty", "swirl", "spit it out", "don't need to swallow"):
        assert step in salt
    assert "weight on the leg" in salt


def test_aftercare_follows_the_article() -> None:
    care = texts.AFTERCARE
    assert "ice" in care
    assert "No massage for the first 24 hours" in care
    assert "day 3" in care
    assert "No strength work for the first two weeks" in care


def test_emergency_texts_use_the_configured_number() -> None:
    for flag in RedFlag:
        assert "{number}" in flag_texts.GUIDANCE[flag]
        assert "112" not in flag_texts.GUIDANCE[flag]
    assert "{number}" in texts.NOT_EASED


def test_red_flag_screen_is_complete() -> None:
    assert set(SCREEN_ORDER) == set(RedFlag)
    assert set(flag_texts.BUTTON_LABELS) == set(RedFlag)
    assert set(flag_texts.GUIDANCE) == set(RedFlag)
    assert set(URGENCY) == set(RedFlag)


def test_every_red_flag_names_its_source() -> None:
    source = (REPO / "rules" / "red_flags.py").read_text(encoding="utf-8")
    for name in ("NHS", "CDC", "Journal of Athletic Training", "Source article"):
        assert name in source
    lines = source.splitlines()
    for flag in RedFlag:
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{flag.name} ="))
        assert lines[at - 1].strip().startswith("#"), f"{flag.name} has no source comment"


# --- Telegram HTML and limits ----------------------------------------------------------------


def _html_problems(text: str) -> list[str]:
    problems: list[str] = []
    stack: list[str] = []
    for tag in re.findall(r"<[^>]*>", text):
        match = re.fullmatch(r"<(/?)([bi])>", tag)
        if match is None:
            problems.append(f"tag {tag!r} is not <b> or <i>")
            continue
        closing, name = match.groups()
        if not closing:
            if name in stack:
                problems.append(f"<{name}> inside <{name}>")
            stack.append(name)
        elif not stack or stack.pop() != name:
            problems.append(f"</{name}> does not close the open tag")
    if stack:
        problems.append(f"unclosed {stack}")
    bare = re.sub(r"</?[bi]>", "", text)
    bare = re.sub(r"&(amp|lt|gt|quot|#\d+);", "", bare)
    problems += [f"bare {ch!r}" for ch in "<>&" if ch in bare]
    return problems


def test_html_checker_catches_bad_html() -> None:
    assert _html_problems("<b>ok</b> and <i>ok</i> &amp;") == []
    assert _html_problems("<b>open")
    assert _html_problems("<b><i>x</b></i>")
    assert _html_problems("<u>x</u>")
    assert _html_problems("a < b")
    assert _html_problems("salt & pepper")


@pytest.mark.parametrize("key", list(ALL_TEXTS))
def test_text_is_valid_telegram_html_within_limits(key: str) -> None:
    text = _filled(ALL_TEXTS[key])
    assert _html_problems(text) == []
    assert 1 <= len(text) <= 4096


def test_every_placeholder_is_known() -> None:
    for key, text in ALL_TEXTS.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        assert fields <= set(SAMPLE_VALUES), key


def _sos_keyboards(ref: int) -> list[InlineKeyboardMarkup]:
    views = [sos_views.triage_view(ref), sos_views.context_view(ref), sos_views.muscle_view(ref)]
    views += [sos_views.about_view(state, ref) for state in (sos.ACTIVITY, sos.TIME_INTO)]
    views += [sos_views.about_view(state, ref) for state in (sos.HEAT, sos.CLOTHING)]
    return [markup for _, markup in views] + [sos_views.relief_buttons(ref)]


# The largest reference callbacks.parse accepts (18 digits): the longest data we can build.
LARGEST_REF = 10**18 - 1


@pytest.mark.parametrize("ref", [1, LARGEST_REF])
def test_every_button_fits_telegram_limits(ref: int) -> None:
    for markup in _sos_keyboards(ref):
        for row in markup.inline_keyboard:
            for button in row:
                assert 1 <= len(button.text) <= 64
                assert "<" not in button.text and "{" not in button.text  # no markup in labels
                data = button.callback_data
                assert isinstance(data, str)
                assert 1 <= len(data.encode()) <= 64
                press = callbacks.parse(data)
                assert press is not None and press.ref == ref and press.flow == sos.FLOW


def test_reply_keyboard_and_link_labels_fit() -> None:
    [[button]] = keyboards.sos_reply_keyboard().keyboard
    assert button.text == common.SOS_BUTTON
    assert 1 <= len(common.GROUP_POINTER_BUTTON) <= 64


def test_callback_data_longer_than_telegram_allows_is_refused() -> None:
    with pytest.raises(ValueError):
        callbacks.build("sos", 1, "step", "x" * 60)
    assert callbacks.parse("sos:1:flag:" + "n" * 60) is None


def test_callback_answers_fit_telegram_limit() -> None:
    for text in (common.BUTTON_EXPIRED, common.ALREADY_ANSWERED):
        assert 1 <= len(text) <= 200
        assert "<" not in text  # answerCallbackQuery shows plain text


def test_command_menu_fits_telegram_limits() -> None:
    names = [name for name, _ in COMMANDS]
    assert {"cramp", "cancel", "help", "start"} <= set(names)
    for name, description in COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
        assert 1 <= len(description) <= 256
        assert f"/{name}" in common.HELP
