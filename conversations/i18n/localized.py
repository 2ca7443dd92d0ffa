"""Texts modules that answer in the current language.

A texts module ends with ``localize(__name__)``. Its text constants, read as attributes
(``texts.STOP_REASON``, as every handler does), are then translated into the language of the
update or message being written (:mod:`conversations.i18n.current`); everything else in the
module (functions, enums) is untouched. A function inside a texts module reads its own
constants through ``here = localize(__name__)`` (``here.MUSCLE_NAMES``), not as bare globals,
which Python looks up without asking the module.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from conversations.i18n.catalogs import Catalog, catalog
from conversations.i18n.current import language
from conversations.i18n.entries import is_command_pairs, part_key, short_name, text_names
from conversations.i18n.plural import Plural
from rules.languages import ENGLISH

_CACHE: dict[tuple[str, str, str], Any] = {}


class LocalizedTexts(ModuleType):
    """A texts module whose text constants read in the current language."""

    _text_names: frozenset[str]
    _short_name: str

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name[:1].isupper() and name in super().__getattribute__("_text_names"):
            spoken = language()
            if spoken != ENGLISH:
                return _translated(super().__getattribute__("_short_name"), name, value, spoken)
        return value


def localize(module_name: str) -> Any:
    """Make the module ``module_name`` answer in the current language; returns it."""
    module = sys.modules[module_name]
    if not isinstance(module, LocalizedTexts):
        module.__class__ = LocalizedTexts
        object.__setattr__(module, "_short_name", short_name(module_name))
        object.__setattr__(module, "_text_names", frozenset(text_names(module)))
    return module


def translate(context: str, value: Any, spoken: str) -> Any:
    """``value`` (a text constant, keyed ``context``) in the language ``spoken``."""
    return _rebuild(catalog(spoken), context, value)


def _translated(module: str, name: str, value: Any, spoken: str) -> Any:
    key = (spoken, module, name)
    if key not in _CACHE:
        _CACHE[key] = translate(f"{module}.{name}", value, spoken)
    return _CACHE[key]


def _rebuild(found: Catalog, context: str, value: Any) -> Any:
    if isinstance(value, str):
        return found.text(context, value) or value
    if isinstance(value, Plural):
        forms = found.forms(context, value.one)
        if forms is None:
            return value
        return Plural(value.one, value.other, value.count, forms, found.plural_rule)
    if isinstance(value, dict):
        return {k: _rebuild(found, f"{context}.{part_key(k)}", v) for k, v in value.items()}
    if is_command_pairs(value):
        return type(value)(
            (name, _rebuild(found, f"{context}.{name}", text)) for name, text in value
        )
    return type(value)(_rebuild(found, f"{context}.{i}", item) for i, item in enumerate(value))
