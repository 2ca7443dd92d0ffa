"""The languages the bot speaks, and which one a Telegram app's ``language_code`` means."""

from __future__ import annotations

from rules.country_guess import language_of

ENGLISH = "en"
#: Every language with a catalog, English (the source) first.
LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr")
#: Each language's own name, as the language picker shows it.
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
}


def normalise(language_code: str | None, offered: tuple[str, ...] = LANGUAGES) -> str:
    """The language to speak for an IETF tag ("de-AT" -> "de", "pt-br" -> English when
    Portuguese is not offered); English for anything unknown, empty or malformed."""
    language = language_of(language_code)
    return language if language in offered else ENGLISH
