"""Which constants of the texts modules are text to translate, and the key of each piece.

A texts module's top-level assignments with an upper-case name are text when they hold a
string, a :class:`~conversations.i18n.plural.Plural`, or a dict, tuple or list of them (nested).
Each piece's key is the module's short name, the constant's name, and for a dict its key (an
enum's value), for a sequence its index: ``sos.MUSCLE_NAMES.calf``,
``team_chart.WEEKDAY_INITIALS.0``. A sequence of ``(name, text)`` pairs whose names are
command names (``("roster", "Coaches: …")``) keeps the names as they are and keys each text by
its name: ``common.COACH_COMMAND_DESCRIPTIONS.roster``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Any

from conversations.i18n.plural import Plural

TEXTS_PACKAGE = "conversations.texts"
# The safety set: the red-flag screen, the emergency routing, the relief steps and the
# aftercare (and the plan's advice that carries it on). A language is offered only once all of
# it is translated (conversations.i18n.offered).
SAFETY_MODULES = ("red_flags", "country", "sos", "recovery")
_COMMAND = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Entry:
    context: str  # the key: module.NAME[.part...]
    text: str  # the English text (the singular, for a plural)
    plural: str | None = None  # the English plural


def texts_modules() -> list[ModuleType]:
    package = importlib.import_module(TEXTS_PACKAGE)
    return [
        importlib.import_module(f"{TEXTS_PACKAGE}.{info.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
    ]


def short_name(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1]


def text_names(module: ModuleType) -> list[str]:
    """The module's own text constants, in the order they are written."""
    tree = ast.parse(inspect.getsource(module))
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id[:1].isupper():
                value = module.__dict__.get(target.id)
                if is_text(value) and target.id not in names:
                    names.append(target.id)
    return names


def is_text(value: Any) -> bool:
    if isinstance(value, str | Plural):
        return True
    if isinstance(value, dict):
        return bool(value) and all(is_text(v) for v in value.values())
    if isinstance(value, tuple | list):
        return bool(value) and all(is_text(v) for v in value)
    return False


def part_key(key: Any) -> str:
    return str(key.value) if isinstance(key, Enum) else str(key)


def is_command_pairs(value: Any) -> bool:
    return isinstance(value, tuple | list) and all(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and _COMMAND.match(item[0]) is not None
        and isinstance(item[1], str)
        for item in value
    )


def pieces(context: str, value: Any) -> Iterator[Entry]:
    """Every piece of text in ``value`` with its key."""
    if isinstance(value, str):
        yield Entry(context, value)
    elif isinstance(value, Plural):
        yield Entry(context, value.one, value.other)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from pieces(f"{context}.{part_key(key)}", item)
    elif is_command_pairs(value):
        for name, description in value:
            yield Entry(f"{context}.{name}", description)
    else:
        for index, item in enumerate(value):
            yield from pieces(f"{context}.{index}", item)


def all_entries() -> list[Entry]:
    """Every piece of text of every texts module, in module then source order."""
    found: list[Entry] = []
    for module in texts_modules():
        prefix = short_name(module.__name__)
        for name in text_names(module):
            found.extend(pieces(f"{prefix}.{name}", module.__dict__[name]))
    return found


def is_safety(context: str) -> bool:
    return context.split(".", 1)[0] in SAFETY_MODULES
