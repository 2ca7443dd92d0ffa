"""Releases and upgrades: one version, a changelog, a locked image, and installs from a tree
that an earlier build left things in.

Offline: the project is built with this environment's setuptools (``--no-build-isolation
--no-index``), never with anything downloaded.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot import version
from tests.process_helpers import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
LOCK = REPO / "deploy" / "requirements.lock"
CHANGELOG = REPO / "CHANGELOG.md"
# What a build needs besides the sources (the rest is tests, benchmarks, deploy files, docs).
SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "conversations", "storage", "rules")


# --- One version -----------------------------------------------------------------------------


def test_the_version_is_pyprojects_read_from_the_installed_package() -> None:
    written = PYPROJECT["project"]["version"]
    assert Version(written)  # a valid version
    assert metadata.version("crampcoach") == written
    assert version() == written
    # Nowhere else: no second copy in the code to forget at the next release.
    for package in ("bot", "conversations", "storage", "rules"):
        for path in (REPO / package).rglob("*.py"):
            assert f'"{written}"' not in path.read_text(), path


def changelog_versions() -> list[tuple[str, str]]:
    """(version, date) of each released entry, newest first."""
    return re.findall(
        r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", CHANGELOG.read_text(), flags=re.M
    )


def test_the_changelog_has_an_entry_for_the_current_version() -> None:
    text = CHANGELOG.read_text()
    assert text.startswith("# Changelog\n")
    assert "## [Unreleased]" in text
    entries = changelog_versions()
    assert entries and entries[0][0] == PYPROJECT["project"]["version"]
    versions = [Version(v) for v, _ in entries]
    assert versions == sorted(versions, reverse=True)
    # Keep a Changelog's sections, and each entry's version tag linked at the bottom.
    newest = text.split(f"## [{entries[0][0]}]", 1)[1].split("\n## [", 1)[0]
    assert "### Added" in newest
    for v, _ in entries:
        assert re.search(rf"^\[{re.escape(v)}\]: \S+v{re.escape(v)}$", text, flags=re.M), v


# --- The lock --------------------------------------------------------------------------------


def locked() -> dict[str, tuple[str, list[str]]]:
    """The lock's pins: name -> (version, hashes)."""
    text = LOCK.read_text().replace("\\\n", " ")
    pins: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pin, *options = line.split()
        name, _, pinned = pin.partition("==")
        hashes = [o.removeprefix("--hash=") for o in options if o.startswith("--hash=sha256:")]
        pins[str(canonicalize_name(name))] = (pinned, hashes)
    return pins


def runtime_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies, and what the extras they ask for add (from the installed
    packages' metadata, for this platform)."""
    wanted = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    found = list(wanted)
    for requirement in wanted:
        for extra in requirement.extras:
            for text in metadata.requires(requirement.name) or []:
                added = Requirement(text)
                if added.marker is not None and added.marker.evaluate({"extra": extra}):
                    found.append(added)
    return found


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    pins = locked()
    for requirement in runtime_requirements():
        name = str(canonicalize_name(requirement.name))
        assert name in pins, f"{requirement} is not in {LOCK.name}: run the command in its header"
        pinned, _ = pins[name]
        assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)
    for pin, (pinned, hashes) in pins.items():
        assert re.fullmatch(r"[\w.+]+", pinned), pin  # exactly one version
        assert hashes, f"{pin} has no hash"  # pip install --require-hashes needs them all
    # The image builds the project with --no-build-isolation: its build backend is locked too.
    for text in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(text)
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)][0])
    assert not any("--index-url" in line or "--find-links" in line for line in LOCK.open())


def test_the_lock_says_how_it_was_made() -> None:
    header = LOCK.read_text().split("\n\n", 1)[0]
    assert "pip-compile" in header and "--generate-hashes" in header
    assert "pyproject.toml" in header and "--output-file=deploy/requirements.lock" in header


# --- A stale build/ ----------------------------------------------------------------------------


def source_copy(destination: Path) -> Path:
    """The project's sources as a checkout holds them, in ``destination``."""
    destination.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, destination / name, ignore=ignore)
        else:
            shutil.copy2(path, destination / name)
    return destination


def leave_a_stale_build(tree: Path) -> None:
    """What building an older version left behind: a module it had, since removed, in
    build/lib, and its egg-info listing it."""
    stale = tree / "build" / "lib" / "bot"
    stale.mkdir(parents=True)
    (stale / "removed_module.py").write_text("GONE = True\n")
    egg_info = tree / "crampcoach.egg-info"
    egg_info.mkdir()
    (egg_info / "SOURCES.txt").write_text("bot/__init__.py\nbot/removed_module.py\n")
    (egg_info / "top_level.txt").write_text("bot\nremoved\n")


def install(source: Path, target: Path) -> None:
    """``pip install`` as the guide and the image do, offline, into a folder of its own."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_module_removed_from_the_source_is_not_installed_from_a_stale_build(
    tmp_path: Path,
) -> None:
    """``pip install /opt/crampcoach`` after an upgrade that removed a module: setuptools builds
    in the tree's build/lib, which still has the module from the last build."""
    tree = source_copy(tmp_path / "opt-crampcoach")
    leave_a_stale_build(tree)
    target = tmp_path / "site-packages"

    install(tree, target)

    assert (target / "bot" / "metrics.py").is_file()
    assert not (target / "bot" / "removed_module.py").exists()
    assert not (tree / "build" / "lib" / "bot" / "removed_module.py").exists()


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``relative`` out of the build context (the patterns this project
    uses: names and globs, matched against the path and each of its parents)."""
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for pattern in patterns:
            bare = pattern.removeprefix("**/")
            if fnmatch.fnmatchcase(prefix, pattern) or fnmatch.fnmatchcase(parts[depth - 1], bare):
                return True
    return False


def test_the_image_is_built_from_a_context_without_the_stale_build(tmp_path: Path) -> None:
    """``COPY . /src`` gets the tree less .dockerignore's patterns: build/ and egg-info never
    reach the image, and the project's own install from that copy has no removed module."""
    tree = source_copy(tmp_path / "checkout")
    leave_a_stale_build(tree)
    (tree / ".venv" / "lib").mkdir(parents=True)
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    context = tmp_path / "src"
    for path in sorted(tree.rglob("*")):
        relative = path.relative_to(tree).as_posix()
        if path.is_file() and not dockerignored(relative, patterns):
            (context / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, context / relative)

    assert not (context / "build").exists()
    assert not (context / "crampcoach.egg-info").exists()
    assert not (context / ".venv").exists()
    target = tmp_path / "image-site-packages"
    install(context, target)
    assert not (target / "bot" / "removed_module.py").exists()
    assert (target / "bot" / "web" / "health.py").is_file()


@pytest.mark.parametrize("name", ["CHANGELOG.md", "deploy/requirements.lock"])
def test_the_release_files_are_documented(name: str) -> None:
    guide = (REPO / "deploy" / "README.md").read_text()
    assert name.removeprefix("deploy/") in guide


# --- The guide's install and upgrade steps ---------------------------------------------------


def guide_pip_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / "deploy" / "README.md").read_text(), re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if "/.venv/bin/pip install" in line
    ]


def test_every_install_in_the_guide_is_the_lock_then_the_project_alone() -> None:
    lines = guide_pip_lines()
    # The first install, the upgrade and the rollback: each a pair, in this order.
    assert len(lines) == 6 and len(lines) % 2 == 0
    for locked_line, project_line in zip(lines[::2], lines[1::2], strict=True):
        assert locked_line.endswith(
            "pip install --require-hashes -r /opt/crampcoach/deploy/requirements.lock"
        )
        assert project_line.endswith("pip install --no-deps --no-build-isolation /opt/crampcoach")


def test_the_guides_project_install_leaves_no_removed_module_behind(tmp_path: Path) -> None:
    """The guide's second ``pip install`` line, run offline on a checkout that an earlier
    version was built in (its dependencies are this environment's, as the lock's would be)."""
    [project_line, *_] = [line for line in guide_pip_lines() if "--no-deps" in line]
    tree = source_copy(tmp_path / "opt-crampcoach")
    leave_a_stale_build(tree)
    target = tmp_path / "venv-site-packages"
    argv = project_line.removeprefix("sudo ").split()
    assert argv[:2] == ["/opt/crampcoach/.venv/bin/pip", "install"]
    options = [arg.replace("/opt/crampcoach", str(tree)) for arg in argv[2:]]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--target", str(target), *options],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "bot" / "__main__.py").is_file()
    assert not (target / "bot" / "removed_module.py").exists()
