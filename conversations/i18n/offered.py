"""Which languages may be chosen: those whose catalog translates the whole safety set (the
red-flag screen, the emergency routing, the relief steps and the aftercare). A language whose
safety texts are not all there is never offered, nor picked from a Telegram app's language."""

from __future__ import annotations

import functools

from conversations.i18n.catalogs import Catalog, catalog
from conversations.i18n.entries import all_entries, is_safety
from rules.languages import ENGLISH, LANGUAGES


def safety_complete(language: str, found: Catalog | None = None) -> bool:
    """Whether ``found`` (the language's catalog by default) translates every safety text."""
    if language == ENGLISH:
        return True
    found = found or catalog(language)
    for entry in all_entries():
        if not is_safety(entry.context):
            continue
        if entry.plural is None:
            if found.text(entry.context, entry.text) is None:
                return False
        elif found.forms(entry.context, entry.text) is None:
            return False
    return True


@functools.cache
def offered() -> tuple[str, ...]:
    """The languages a person may be spoken to in, English first."""
    return tuple(language for language in LANGUAGES if safety_complete(language))
