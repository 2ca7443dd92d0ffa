"""What the running bot imports is what ``pip install .`` installs: every third-party module
imported by the packages that ship (bot, conversations, storage, rules) belongs to a
distribution named in pyproject.toml's runtime dependencies, not only in the dev extra (which
the README's "run the bot" command does not install)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("bot", "conversations", "storage", "rules")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    """Distribution names of requirement strings ("httpx>=0.27,<1" -> "httpx")."""
    return {_normalized(re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]) for req in requirements}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def third_party_imports() -> dict[str, list[str]]:
    """Third-party top-level module -> the shipped files importing it."""
    found: dict[str, list[str]] = {}
    for package in SHIPPED:
        for path in sorted((REPO / package).rglob("*.py")):
            for root in _imported_roots(path):
                if root in sys.stdlib_module_names or root in SHIPPED or root == "__future__":
                    continue
                found.setdefault(root, []).append(str(path.relative_to(REPO)))
    return found


def test_every_third_party_import_of_the_shipped_code_is_a_runtime_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    distributions = metadata.packages_distributions()
    imports = third_party_imports()
    assert {"telegram", "httpx", "aiohttp"} <= set(imports)  # the walk sees them

    missing = {}
    for module, files in sorted(imports.items()):
        names = {_normalized(d) for d in distributions.get(module, [module])}
        if not names & runtime:
            missing[module] = files
    assert not missing, f"imported at run time but not in [project] dependencies: {missing}"


def test_the_dev_extra_holds_only_development_tools() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    dev = _declared(project["optional-dependencies"]["dev"])
    assert not dev & _declared(project["dependencies"]), "declared twice"
