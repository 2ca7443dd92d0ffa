"""Content safety over every text the bot can send (all of ``conversations/texts/*.py``).

The source article on exercise-induced calf cramps sets the rules: stretch mildly to moderately,
never forcefully; a salty taste, swirled and spat out, not swallowed; cramp sprays are not a
fix; electrolytes do not prevent these cramps; no massage in the first 24 hours; stop, but keep
weight on the foot. Each relief instruction is the action first, in at most 40 words. Every
warning sign names its source and its action. The texts must also be valid Telegram HTML, and
the buttons must fit Telegram's limits.
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

import conversations.texts
from conversations import buttons as callbacks
from conversations import keyboards
from conversations.commands import COMMANDS
from conversations.emergency import numbers_text
from conversations.i18n.plural import Plural
from conversations.replies import InlineKeyboard
from conversations.sos import states as sos
from conversations.sos import views as sos_views
from conversations.texts import common, recovery
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules import recovery as rules
from rules.emergency_numbers import numbers_when_unknown
from rules.red_flags import (
    MORE_SIGNS_ORDER,
    SCREEN_ORDER,
    SIT_OR_LIE_DOWN,
    URGENCY,
    RedFlag,
    ends_self_care,
)
from storage.episodes import Episode

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
    if isinstance(value, Plural):
        return [value.one, value.other]
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
    "language": "English",
    "instruction": "Walk on flat ground for 20 minutes.",
    # The dashboard page's own words (filled in by its script).
    "answered": 17,
    "sent": 20,
    "mark": "Missed",
    "heading": "Rest and ice",
    # Coach teams.
    "team": "Riverside Runners",
    "coaches": "Sam Coach",
    "coach": "Sam Coach",
    "name": "Alex",
    "names": "Alex, Jo",
    "link": "https://t.me/CrampCoachBot?start=join_abc",
    "level": "status",
    "channel": "@riverside",
    "tip": "Train before the midday heat.",
    "phase": "Easy walking on the flat",
    "pains": "3 → 5",
    "page": 1,
    "pages": 2,
    "days": 2,
    "why": ": high pain",
    "attention": 1,
    "checked": 9,
    "members": 12,
    "number": "112",
    "exercise_from": "Monday 22 March",
    "strength_from": "Saturday 3 April",
    "weekday": "Monday",
    "month": "March",
    # Where the athlete is (the first /start's question, a shared location).
    "country": "Germany",
    "flag": "🇩🇪",
    "region": "USA, Canada",
    "numbers": "112 – Europe and many other countries\n911 – USA, Canada",
    "seconds": 30,
    "duration": "about 3 minutes",
    "minutes": 3,
    "muscle": "back of the thigh",
    "count": 3,
    "total": 4,
    "activity": "running",
    "day": 3,
    "stage": "Running",
    "time": "07:30",
    "zone": "Europe/Madrid",
    "when": "tomorrow at 07:30",
    "hours": 3,
    "pain": 4,
    "note": "",
    # The athlete's data.
    "teams": "<b>Riverside Runners</b>",
    "coached": " Teams you coach pass to their other coaches.",
    "date": "2027-03-20",
    # The prevention programme.
    "exercise": "Seated calf raises: sit with your feet flat, lift both heels, lower slowly.",
    "sets": 3,
    "reps": 12,
    "done": 2,
    "planned": 3,
    # The heat warning.
    "feels": 34,
    "place": "the place you shared",
}


def _filled(text: str) -> str:
    return text.format(**SAMPLE_VALUES) if "{" in text else text


def test_every_text_module_is_collected() -> None:
    modules = {key.split(".")[0] for key in ALL_TEXTS}
    assert {"common", "red_flags", "sos", "recovery"} <= modules
    assert texts.REPEAT_STRETCH in ALL_TEXTS.values()
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
        message = sos_views.stretch_text(muscle, repeat=False)
        assert "gently" in message
        assert "never hard" in message
        assert "mild" in message
    repeat = sos_views.stretch_text("calf", repeat=True)
    assert "gently" in repeat
    assert "never forcing" in repeat
    assert "mild" in repeat
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
            negated = re.search(r"\b(no|don't|do not|never) (stretch or )?massag", lower)
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
    assert first.startswith(texts.STOP_INSTRUCTION)  # the action first, the reason after it
    assert "Stop" in first
    assert "stay on your feet" in first  # stop, but keep pressure on the foot
    assert "weight on the leg" in first
    assert texts.SCREEN_QUESTION in first
    assert set(texts.STRETCH_HOW) == {"calf", "hamstring", "quadriceps", "other"}
    assert set(texts.MUSCLE_LABELS) == set(texts.STRETCH_HOW)
    for how in texts.STRETCH_HOW.values():
        assert "mild" in how
    assert "calf" in texts.STRETCH_HOW["calf"]
    salt = texts.SALT.lower()
    for step in ("salt tablet", "salty", "swirl", "spit it out", "no need to swallow"):
        assert step in salt
    assert "swirl" in texts.REPEAT_SALT and "spit it out" in texts.REPEAT_SALT


def test_aftercare_follows_the_article() -> None:
    care = texts.AFTERCARE
    assert "rest the {muscle} and ice it" in care
    assert "No massage for 24 hours" in care
    assert "From <b>{exercise_from}</b>, exercise again gradually" in care
    assert "No strength work for two weeks: it can come back from <b>{strength_from}</b>" in care
    assert texts.EXERCISE_FROM_DAY.startswith("day 3")
    assert texts.STRENGTH_FROM_DAY == "day 14"
    helper = texts.HELPER_AFTERCARE
    for fact in ("ice it", "No massage for 24 hours", "from day 3", "no strength work for two"):
        assert fact in helper, fact


# The aftercare fits one phone screen: at most 80 words with the "eased after" line, in the
# longest forms its placeholders take (the prevention facts are behind "Why it happened").
MAX_AFTERCARE_WORDS = 80


@pytest.mark.parametrize("helper", [False, True], ids=["athlete", "helper"])
def test_the_aftercare_fits_one_screen(helper: bool) -> None:
    longest_muscle = max(texts.MUSCLE_NAMES.values(), key=len)
    longest_date = "Wednesday 30 September"
    care = (texts.HELPER_AFTERCARE if helper else texts.AFTERCARE).format(
        muscle=longest_muscle, exercise_from=longest_date, strength_from=longest_date
    )
    eased = texts.EASED_AFTER.format(duration=texts.DURATION_UNDER_A_MINUTE)
    words = len(_words(f"{eased} {care}"))
    assert words <= MAX_AFTERCARE_WORDS, words


def test_strength_training_always_comes_after_the_two_weeks() -> None:
    """The article: no strength work for at least two weeks; a text that recommends strength
    training says it starts after them."""
    for key, text in ALL_TEXTS.items():
        lower = re.sub(r"<[^>]*>", "", text).lower()
        if "strength training" in lower and "completed the plan" not in lower:
            assert "two weeks" in lower, key


def test_emergency_texts_use_the_configured_number() -> None:
    for flag in RedFlag:
        guidance = flag_texts.GUIDANCE[flag]
        assert "112" not in guidance
        # A sign that sends the person to help names their number; "see a doctor soon" doesn't.
        assert ("{number}" in guidance) is ends_self_care(flag), flag
    for text in (texts.NOT_EASED, recovery.RED_FLAG, recovery.SEVERE_PAIN):
        assert "{number}" in text
        assert "112" not in text


def test_red_flag_screen_is_complete() -> None:
    screened = SCREEN_ORDER + MORE_SIGNS_ORDER
    assert sorted(screened) == sorted(RedFlag)  # every sign, each on one screen only
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


# --- Relief at a glance: the action first, at most 40 words ----------------------------------

RELIEF_INSTRUCTIONS: dict[str, str] = {
    "STOP_INSTRUCTION": texts.STOP_INSTRUCTION,
    **{f"STRETCH_HOW[{muscle}]": how for muscle, how in texts.STRETCH_HOW.items()},
    "REPEAT_STRETCH": texts.REPEAT_STRETCH,
    "SALT": texts.SALT,
    "REPEAT_SALT": texts.REPEAT_SALT,
    # The same steps for someone helping.
    "HELPER_STOP_INSTRUCTION": texts.HELPER_STOP_INSTRUCTION,
    **{f"HELPER_STRETCH_HOW[{m}]": how for m, how in texts.HELPER_STRETCH_HOW.items()},
    "HELPER_REPEAT_STRETCH": texts.HELPER_REPEAT_STRETCH,
    "HELPER_SALT": texts.HELPER_SALT,
    "HELPER_REPEAT_SALT": texts.HELPER_REPEAT_SALT,
}
STRETCH_INSTRUCTIONS: dict[str, str] = {
    **{f"STRETCH_HOW[{muscle}]": how for muscle, how in texts.STRETCH_HOW.items()},
    "REPEAT_STRETCH": texts.REPEAT_STRETCH,
    **{f"HELPER_STRETCH_HOW[{m}]": how for m, how in texts.HELPER_STRETCH_HOW.items()},
    "HELPER_REPEAT_STRETCH": texts.HELPER_REPEAT_STRETCH,
}
MAX_RELIEF_WORDS = 40


def _words(text: str) -> list[str]:
    return re.sub(r"<[^>]*>", "", text).split()


@pytest.mark.parametrize("name", list(RELIEF_INSTRUCTIONS))
def test_relief_instruction_is_short_and_starts_with_a_bold_action(name: str) -> None:
    text = RELIEF_INSTRUCTIONS[name]
    assert len(_words(text)) <= MAX_RELIEF_WORDS, f"{name}: {len(_words(text))} words"
    assert text.startswith("<b>"), name


def test_word_count_ignores_tags_and_catches_long_instructions() -> None:
    assert _words("<b>Stop,</b> <i>now</i>") == ["Stop,", "now"]
    assert len(_words("<b>Stretch.</b> " + "word " * 40)) > MAX_RELIEF_WORDS


# The foot of the cramping leg stays on the ground (source article: don't take all the
# pressure off the foot); the first step says so and no stretch may contradict it.
FOOT_OFF_THE_GROUND = [
    r"\blift",
    r"\braise",
    r"\bheel (up |back )?(towards|to|toward) (your )?(bottom|buttock|glute)",
    r"\b(bottom|buttock|glute)s?\b",
    r"\boff the (ground|floor)",
    r"\bon (one|the other) (leg|foot)",
    r"\b(grab|hold|pull) (your |the )?(foot|ankle|toes)",
    r"\bsit down|\blie down",
]
FOOT_ON_THE_GROUND = r"heel (down|on the ground)|feet (flat|on the ground)|the same way"


@pytest.mark.parametrize("name", list(STRETCH_INSTRUCTIONS))
def test_no_stretch_takes_the_foot_off_the_ground(name: str) -> None:
    lower = STRETCH_INSTRUCTIONS[name].lower()
    for pattern in FOOT_OFF_THE_GROUND:
        assert re.search(pattern, lower) is None, f"{name}: {pattern}"
    assert re.search(FOOT_ON_THE_GROUND, lower), f"{name} does not keep the foot down"


@pytest.mark.parametrize("name", list(STRETCH_INSTRUCTIONS))
def test_no_stretch_says_hard_or_force_except_to_forbid_it(name: str) -> None:
    lower = STRETCH_INSTRUCTIONS[name].lower()
    allowed = re.sub(r"\bnever (hard|forcing)\b", "", lower)
    assert re.search(r"\b(hard|forc\w*)", allowed) is None, name


def test_foot_checks_catch_the_old_thigh_stretch() -> None:
    old = "Stand on the other leg and bring the heel towards your bottom, holding the ankle."
    assert any(re.search(p, old.lower()) for p in FOOT_OFF_THE_GROUND)
    assert re.search(FOOT_ON_THE_GROUND, old.lower()) is None


def test_why_answers_fit_a_callback_alert() -> None:
    """ "Why?" answers the button press with an alert: plain text, at most 200 characters."""
    for why in (texts.STRETCH_WHY, texts.SALT_WHY):
        assert 1 <= len(why) <= 200
        assert "<" not in why and "{" not in why


# --- Warning signs: their action, and the number on a line of its own ------------------------

NUMBER_ON_ITS_OWN_LINE = "\n\n<b>{number}</b>"


def _number_stands_alone(text: str) -> bool:
    at = text.find(NUMBER_ON_ITS_OWN_LINE)
    if at < 0:
        return False
    rest = text[at + len(NUMBER_ON_ITS_OWN_LINE) :]
    return rest == "" or rest.startswith("\n")


@pytest.mark.parametrize("flag", list(RedFlag))
def test_red_flag_guidance_puts_the_number_on_its_own_line(flag: RedFlag) -> None:
    guidance = flag_texts.GUIDANCE[flag]
    if flag is RedFlag.OTHER_CAUSE:  # see a doctor soon: no number, and relief goes on
        assert "{number}" not in guidance
        assert "doctor" in guidance
        return
    assert _number_stands_alone(guidance), flag
    fields = {name for _, name, _, _ in string.Formatter().parse(guidance) if name}
    assert fields == {"number"}  # formatted with the number alone


def test_other_emergency_texts_put_the_number_on_its_own_line() -> None:
    for text in (texts.NOT_EASED, recovery.RED_FLAG, recovery.RED_FLAG_CHEST, recovery.SEVERE_PAIN):
        assert _number_stands_alone(text), text
    assert _number_stands_alone("Call:\n\n<b>{number}</b>")
    assert not _number_stands_alone("Call <b>{number}</b> now.")
    assert not _number_stands_alone("Call:\n\n<b>{number}</b> now.")


@pytest.mark.parametrize("flag", sorted(SIT_OR_LIE_DOWN))
def test_sit_or_lie_down_signs_withdraw_stay_on_your_feet(flag: RedFlag) -> None:
    lower = flag_texts.GUIDANCE[flag].lower()
    assert re.search(r"\b(sit down|lie down|sit or lie down)\b", lower), flag
    assert "stay on your feet" not in lower
    assert not re.search(r"\b(keep|put) (some )?weight on", lower)


# --- The article's facts, where people see them ----------------------------------------------


def test_prevent_gives_the_cause_the_myths_and_what_helps() -> None:
    lower = re.sub(r"<[^>]*>", "", texts.PREVENT).lower()
    assert "muscle tiring" in lower  # the cause: neuromuscular fatigue...
    assert "not from running short of salt or water" in lower  # ...not salt or water
    assert re.search(r"sprays? (are|is) not (a|any)( real)? fix", lower)
    assert re.search(
        r"(electrolytes?|salt)\b.*\b(won't|don't|do not|will not) (stop|prevent)", lower
    )
    assert "strength training" in lower
    assert "hottest hours" in lower
    assert "no thick or compression clothing on hot days" in lower


# Warning-sign wording that speaks of a swollen calf or leg whatever muscle cramped.
WARNING_SIGN_TEXTS = {recovery.ASK_WARNING_SIGN, recovery.RED_FLAG, recovery.RED_FLAG_CHEST}
MUSCLE_TEXTS = [
    recovery.ASK_PAIN,
    recovery.STAGE_INSTRUCTIONS[rules.Stage.REST],
    recovery.STAGE_INSTRUCTIONS[rules.Stage.MASSAGE],
    recovery.DAY_PLAN_ITEMS[rules.Advice.REST],
    recovery.DAY_PLAN_ITEMS[rules.Advice.ICE],
    recovery.DECISION_MESSAGES[rules.Decision.STEP_BACK],
    recovery.PHYSIO_SUGGESTION,
    recovery.HOLD_REASONS[rules.Reason.UNCOMFORTABLE],
    texts.AFTERCARE,
]


def test_plan_texts_name_the_athletes_muscle_not_the_calf() -> None:
    plan_texts = {
        key: text
        for key, text in ALL_TEXTS.items()
        if key.startswith(("recovery.", "plan.", "chart.")) and text not in WARNING_SIGN_TEXTS
    }
    assert plan_texts
    for key, text in plan_texts.items():
        assert "calf" not in text.lower(), key
    for text in MUSCLE_TEXTS:
        assert "{muscle}" in text, text
        assert "calf" not in text.lower()
        hamstring = recovery.for_muscle(text, texts.muscle_name("hamstring"))
        assert "back of the thigh" in hamstring and "{muscle}" not in hamstring


def test_warning_sign_texts_may_say_calf_only_of_a_swollen_leg() -> None:
    for text in WARNING_SIGN_TEXTS:
        for sentence in re.split(r"(?<=[.?!:])\s|\n", text.lower()):
            if "calf" in sentence:
                assert "swollen" in sentence, sentence


def test_plan_muscle_names() -> None:
    assert texts.muscle_name(None) == "calf"
    assert texts.muscle_name("calf") == "calf"
    assert texts.muscle_name("hamstring") == "back of the thigh"
    assert texts.muscle_name("quadriceps") == "front of the thigh"
    assert texts.muscle_name("other") == "cramped muscle"
    assert set(texts.MUSCLE_NAMES) == set(texts.MUSCLE_LABELS)


# --- Telegram HTML and limits ----------------------------------------------------------------


def _html_problems(text: str) -> list[str]:
    problems: list[str] = []
    stack: list[str] = []
    for tag in re.findall(r"<[^>]*>", text):
        match = re.fullmatch(r"<(/?)(b|i|code)>", tag)
        if match is None:
            problems.append(f"tag {tag!r} is not <b>, <i> or <code>")
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
    bare = re.sub(r"</?(b|i|code)>", "", text)
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


@pytest.mark.parametrize(
    "key", [key for key, text in ALL_TEXTS.items() if "<b>{number}</b>" in text]
)
def test_every_number_text_reads_well_with_the_main_numbers(key: str) -> None:
    # While the country is unknown, {number} is one line per number (conversations.emergency).
    block = numbers_text(numbers_when_unknown("10177"))
    text = ALL_TEXTS[key].format(**{**SAMPLE_VALUES, "number": block})
    assert _html_problems(text) == []
    assert len(text) <= 4096
    if "Emergency number: <b>{number}</b>" not in ALL_TEXTS[key]:  # /settings says "not set"
        assert f"\n<b>{block}</b>" in text  # the block starts a line, as a single number does


def test_every_placeholder_is_known() -> None:
    for key, text in ALL_TEXTS.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        assert fields <= set(SAMPLE_VALUES), key


def _episode(ref: int) -> Episode:
    return Episode(
        id=ref,
        user_id=1,
        started_at=datetime(2027, 3, 20, 17, 0, tzinfo=UTC),
        ended_at=None,
        context="exercise",
        muscle="calf",
        red_flag=None,
        relief_tried=(),
        helped=None,
        outcome=None,
        activity=None,
        time_into=None,
        hot_conditions=None,
        heavy_clothing=None,
        is_recurrence=False,
    )


def _sos_keyboards(ref: int) -> list[InlineKeyboard]:
    views = [sos_views.triage_view(ref), sos_views.more_flags_view(ref)]
    views += [sos_views.context_view(ref), sos_views.muscle_view(ref)]
    views += [sos_views.about_view(state, ref) for state in (sos.ACTIVITY, sos.TIME_INTO)]
    views += [sos_views.about_view(state, ref) for state in (sos.HEAT, sos.CLOTHING)]
    markups = [markup for _, markup in views]
    episode = _episode(ref)
    markups += [sos_views.relief_buttons(episode, step=sos.STRETCH_STEP)]
    markups += [sos_views.relief_buttons(episode, step=sos.SALT_STEP)]
    # A second 🆘 while the episode is open: the step's buttons plus "This is a new cramp".
    markups += [sos_views.with_new_cramp_button(markups[0], ref)]
    return markups


# The largest reference callbacks.parse accepts (18 digits): the longest data we can build.
LARGEST_REF = 10**18 - 1


@pytest.mark.parametrize("ref", [1, LARGEST_REF])
def test_every_button_fits_telegram_limits(ref: int) -> None:
    for markup in _sos_keyboards(ref):
        for row in markup.inline_keyboard:
            for button in row:
                assert button.keys() == {"text", "callback_data"}
                assert 1 <= len(button["text"]) <= 64
                assert "<" not in button["text"] and "{" not in button["text"]  # no markup
                data = button["callback_data"]
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
