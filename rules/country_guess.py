"""A short list of countries to offer in one tap, guessed from the language of the app.

Telegram tells a bot the language of the athlete's app (``User.language_code``, an IETF tag
such as ``"de"``, ``"en"`` or ``"pt-br"``). It is the app's language, not where the person
is, so it only orders a short list; the athlete still picks (or shares a location, or types
another country). Every country offered has a number in ``EMERGENCY_NUMBERS``: a one-tap
pick must never land on the deployment default by accident.

Pure: nothing here knows about Telegram, storage or the clock.
"""

from __future__ import annotations

import re

__all__ = [
    "GENERIC_COUNTRIES",
    "LANGUAGE_COUNTRIES",
    "countries_for_language",
    "flag",
    "language_of",
]

#: Language (ISO 639-1, lower case) -> countries where many speakers of it live, most likely
#: first. Kept to a handful each: a question in one tap, not a directory.
LANGUAGE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "ar": ("SA", "AE", "EG", "JO", "MA"),
    "cs": ("CZ", "SK"),
    "da": ("DK",),
    "de": ("DE", "AT", "CH"),
    "el": ("GR", "CY"),
    "en": ("US", "GB", "CA", "AU", "IE"),
    "es": ("ES", "MX", "AR", "US"),
    "fi": ("FI",),
    "fr": ("FR", "BE", "CH", "CA"),
    "he": ("IL",),
    "hi": ("IN",),
    "hu": ("HU",),
    "id": ("ID",),
    "it": ("IT", "CH"),
    "ja": ("JP",),
    "ko": ("KR",),
    "ms": ("MY", "SG"),
    "nb": ("NO",),
    "nl": ("NL", "BE"),
    "nn": ("NO",),
    "no": ("NO",),
    "pl": ("PL",),
    "pt": ("BR", "PT"),
    "ro": ("RO", "MD"),
    "ru": ("RU", "BY", "KZ"),
    "sk": ("SK", "CZ"),
    "sv": ("SE", "FI"),
    "th": ("TH",),
    "tr": ("TR",),
    "uk": ("UA",),
    "vi": ("VN",),
    "zh": ("CN", "TW", "HK", "SG"),
}

#: Offered when the language is unknown, missing or malformed.
GENERIC_COUNTRIES: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IN")

# An IETF language tag: a primary language subtag, then optional subtags ("pt-br", "zh-hans").
_TAG_RE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*", re.ASCII)
_MAX_TAG_LEN = 35  # RFC 5646 recommends supporting tags of at least this length


def language_of(language_code: str | None) -> str | None:
    """The primary language of an IETF tag, lower case ("pt-BR" -> "pt"), or None if malformed."""
    if not isinstance(language_code, str) or len(language_code) > _MAX_TAG_LEN:
        return None
    match = _TAG_RE.fullmatch(language_code.strip().lower())
    return None if match is None else match.group(1)


def countries_for_language(language_code: str | None) -> tuple[str, ...]:
    """The countries to offer first for an app in ``language_code`` (ISO 3166 codes)."""
    language = language_of(language_code)
    if language is None:
        return GENERIC_COUNTRIES
    return LANGUAGE_COUNTRIES.get(language, GENERIC_COUNTRIES)


def flag(country: str) -> str:
    """The flag emoji of an ISO 3166 alpha-2 code ("DE" -> "🇩🇪"): two regional indicators."""
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)
