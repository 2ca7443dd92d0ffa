"""Texts about where the athlete is: the country question of the first /start, a shared
location, and the emergency numbers shown while the country is unknown.

``{number}`` stands on a line of its own, as in the red-flag texts, so a phone offers to call
it; while the country is unknown it is the block of :data:`NUMBER_LINE` lines.
"""

from babel import Locale

from conversations.i18n.current import language
from conversations.i18n.localized import localize
from rules.emergency_numbers import country_names
from rules.languages import ENGLISH

# --- The numbers while the country is unknown ------------------------------------------------

# Where each of ``rules.emergency_numbers.MAIN_NUMBERS`` reaches an ambulance.
NUMBER_REGIONS: dict[str, str] = {
    "112": "Europe and many other countries",
    "911": "USA, Canada",
    "999": "UK",
    "000": "Australia",
}
# The deployment's default number (CRAMPCOACH_EMERGENCY_NUMBER), when it is none of the above.
DEFAULT_REGION = "the local number"
NUMBER_LINE = "{number} – {region}"

# /settings, while the country is unknown: the line "Emergency number: <b>{number}</b>" says
# so, and the numbers a warning sign would show follow.
NUMBER_NOT_SET = "not set yet"
NUMBERS_UNTIL_KNOWN = (
    "Until I know your country, a warning sign shows the main numbers:\n\n<b>{numbers}</b>\n\n"
    "Tap 🚑 Emergency number to tell me your country, or share your location."
)

# --- The country question (the first /start) -------------------------------------------------

ASK_COUNTRY = (
    "<b>One question: which country are you in?</b> If a cramp ever comes with a warning "
    "sign, I'll give you the emergency number that works there. Tap yours, or tap "
    "<b>📍 Share my location</b> below (I only look up the time zone and country, and don't "
    "keep the location)."
)
SHARE_MY_LOCATION = "📍 Share my location"
ANOTHER_COUNTRY = "🌍 Another country"
COUNTRY_BUTTON = "{flag} {name}"
COUNTRY_SAVED = "Got it: {country}. In an emergency I'll tell you to call:\n\n<b>{number}</b>"

# Shorter or more usual names than tzdata's iso3166.tab for the countries offered in one tap.
_NAMES: dict[str, str] = {
    "GB": "United Kingdom",
    "KR": "South Korea",
    "CZ": "Czechia",
}


def country_name(code: str) -> str:
    """The name a button or a confirmation uses for an ISO 3166 code (in another language,
    CLDR's name for it, through Babel)."""
    spoken = language()
    if spoken != ENGLISH:
        name = Locale.parse(spoken).territories.get(code.upper())
        if name:
            return str(name)
    return _NAMES.get(code) or country_names().get(code, code)


# --- A location shared at any time -----------------------------------------------------------

LOCATION_SAVED = (
    "📍 Thanks. Your time zone is <b>{zone}</b>; in an emergency I'll tell you to call:\n\n"
    "<b>{number}</b>\n\nThe location itself isn't kept."
)
LOCATION_UNKNOWN = (
    "📍 I couldn't find a time zone for that place, so nothing changed. You can name your "
    "country in /settings."
)


_here = localize(__name__)
