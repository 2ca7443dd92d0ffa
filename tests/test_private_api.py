"""No private API of python-telegram-bot (or of the database driver) anywhere in the project.

A minor release may rename anything whose name starts with an underscore. Two checks over the
syntax tree of every module: no import from a private module (``telegram._utils``,
``telegram.ext._utils.types``), and no attribute access ``x._name`` on anything but ``self`` or
``cls`` where ``_name`` is one of python-telegram-bot's private attributes (read from its
classes) or sqlite3's, and not one of ours.
"""

from __future__ import annotations

import ast
import inspect
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import telegram
import telegram.ext

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "conversations", "storage", "rules", "bench", "tests")
# Named in the issue that asked for this test: each must be caught by name.
KNOWN = frozenset(
    {
        "_conversations",
        "_chat_ids_to_be_updated_in_persistence",
        "_user_ids_to_be_updated_in_persistence",
        "_execute",
        "_conn",
    }
)


def library_private_names() -> frozenset[str]:
    names: set[str] = set(KNOWN)
    for module in (telegram, telegram.ext):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                if klass.__module__.startswith("telegram"):
                    names.update(vars(klass))
                    names.update(getattr(klass, "__slots__", ()))
    names.update(dir(sqlite3.Connection))
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


def modules() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def our_private_names(paths: list[Path]) -> frozenset[str]:
    """Names our own code defines (``self._x = ...``, ``def _x``, ``__slots__``)."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("_")
            ):
                names.add(node.value)  # __slots__ entries
    return frozenset(names - KNOWN)


def violations(source: str, forbidden: frozenset[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += _private_module(node.module, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found += _private_module(alias.name, node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in forbidden:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in {"self", "cls"}:
                continue
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def _private_module(module: str, line: int) -> list[str]:
    parts = module.split(".")
    if parts[0] in {"telegram", "aiosqlite"} and any(p.startswith("_") for p in parts[1:]):
        return [f"line {line}: import {module}"]
    return []


def test_no_module_uses_a_private_api_of_the_libraries() -> None:
    paths = list(modules())
    forbidden = library_private_names() - our_private_names(paths)
    found = {
        str(path.relative_to(REPO)): hits
        for path in paths
        if path.name != "test_private_api.py" and (hits := violations(path.read_text(), forbidden))
    }
    assert found == {}


@pytest.mark.parametrize(
    "source",
    [
        "states = handler._conversations",
        "app._chat_ids_to_be_updated_in_persistence.clear()",
        "await writer._execute(fn, writer._conn)",
        "from telegram.ext._utils.types import JobCallback",
        "from telegram._utils.defaultvalue import DEFAULT_NONE",
        "bot._insert_defaults(data)",
    ],
)
def test_the_check_catches_what_the_project_used_to_do(source: str) -> None:
    assert violations(source, library_private_names() - our_private_names(list(modules())))
