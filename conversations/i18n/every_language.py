"""A text in every language there is a catalog for: what a person may type or tap whatever
language they last saw the bot in (a reply-keyboard label from before a /language, a button's
label typed by hand)."""

from __future__ import annotations

from collections.abc import Callable

from conversations.i18n.current import speaking
from rules.languages import LANGUAGES


def in_every_language(read: Callable[[], str]) -> list[str]:
    """``read()`` in each language, English first, without repeats."""
    found: list[str] = []
    for code in LANGUAGES:
        with speaking(code):
            text = str(read())
        if text not in found:
            found.append(text)
    return found
