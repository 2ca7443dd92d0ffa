"""The translations: one gettext catalog per language under ``conversations/locales/``, read
with Babel when first needed. A translation is found by its key and its English text; one that
is missing, empty or fuzzy is not used (the English stands), and the tests demand none is."""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from rules.languages import ENGLISH

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "crampcoach"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"

Key = tuple[str, str]  # (context, English text)


@dataclass(frozen=True)
class Catalog:
    language: str
    messages: dict[Key, str | tuple[str, ...]]
    plural_rule: Callable[[int], int]

    def text(self, context: str, english: str) -> str | None:
        found = self.messages.get((context, english))
        return found if isinstance(found, str) else None

    def forms(self, context: str, english: str) -> tuple[str, ...] | None:
        found = self.messages.get((context, english))
        return found if isinstance(found, tuple) else None


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalog(language: str) -> Catalog:
    """The language's translations (English has none: its texts are the source)."""
    if language == ENGLISH or not catalog_path(language).exists():
        return Catalog(language, {}, lambda n: 0 if n == 1 else 1)
    return read_catalog(catalog_path(language), language)


def read_catalog(path: Path, language: str) -> Catalog:
    """A ``.po`` file's usable translations (none missing, empty or fuzzy)."""
    with path.open("rb") as file:
        po = read_po(file, locale=language, charset="utf-8")
    messages: dict[Key, str | tuple[str, ...]] = {}
    for message in po:
        if not message.id or message.fuzzy or message.context is None:
            continue
        string = message.string
        if isinstance(message.id, tuple | list):
            forms = tuple(string) if isinstance(string, tuple | list) else ()
            if forms and all(forms):
                messages[(message.context, message.id[0])] = forms
        elif isinstance(string, str) and string:
            messages[(message.context, message.id)] = string
    return Catalog(language, messages, gettext.c2py(po.plural_expr))
