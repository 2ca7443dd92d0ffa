"""The command line (argparse, bot/__main__.py): ``--help`` for every command, ``--version``,
argparse's usage line and status 2 for bad arguments, and the ``crampcoach`` console command
doing what ``python -m bot`` does. The operator commands' own behaviour: tests/test_operator.py.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.test_settings import REPO, clean_env, run_bot

COMMANDS = ["run", "chat", "check", "backup", "restore", "help"]
# What each command's --help must mention (its arguments, its exit statuses).
HELP_MENTIONS = {
    "run": ["CRAMPCOACH_MODE", "Exit status"],
    "chat": ["never CRAMPCOACH_DB_PATH", "/quit"],
    "check": ["read-only", "3 token rejected"],
    "backup": ["--force", "FILE", "0600"],
    "restore": ["FILE", "before-restore"],
    "help": ["--help"],
}


def assert_nothing_created(folder: Path) -> None:
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_own_help(tmp_path: Path, command: str) -> None:
    result = run_bot(tmp_path, command, "--help")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"usage: python -m bot {command} [-h]")
    words = " ".join(result.stdout.split())  # argparse wraps lines
    for mention in HELP_MENTIONS[command]:
        assert mention in words, mention
    assert_nothing_created(tmp_path)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
def test_the_top_level_help_lists_every_command(tmp_path: Path, args: list[str]) -> None:
    result = run_bot(tmp_path, *args)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m bot [-h] [--version] COMMAND ...")
    for command in COMMANDS:
        assert f"\n    {command} " in result.stdout, command
    assert_nothing_created(tmp_path)


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"crampcoach {metadata.version('crampcoach')}\n"
    assert_nothing_created(tmp_path)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["backup"], "the following arguments are required: FILE"),
        (["backup", "--force"], "the following arguments are required: FILE"),
        (["backup", "a.sqlite3", "b.sqlite3"], "unrecognized arguments: b.sqlite3"),
        (["backup", "--overwrite", "a.sqlite3"], "unrecognized arguments: --overwrite"),
        (["backup", "--forc", "a.sqlite3"], "unrecognized arguments: --forc"),
        (["restore"], "the following arguments are required: FILE"),
        (["restore", "a.sqlite3", "b.sqlite3"], "unrecognized arguments: b.sqlite3"),
        (["check", "now"], "unrecognized arguments: now"),
        (["chat", "--db", "x"], "unrecognized arguments: --db x"),
        (["--verbose"], "unrecognized arguments: --verbose"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_bad_arguments_get_the_usage_line_and_status_2(
    tmp_path: Path, args: list[str], said: str
) -> None:
    result = run_bot(tmp_path, *args)

    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    usage, error = result.stderr.splitlines()
    assert usage.startswith("usage: python -m bot")
    assert error.startswith("python -m bot") and ": error: " in error and said in error
    assert_nothing_created(tmp_path)


def test_the_entry_function_returns_the_status_instead_of_exiting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backup", "--help"]) == 0
    assert "--force" in capsys.readouterr().out
    assert main(["restore"]) == 2
    assert "usage: " in capsys.readouterr().err


# --- The crampcoach console command ----------------------------------------------------------


def test_pyproject_declares_the_crampcoach_command() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == "crampcoach"
    assert project["scripts"] == {"crampcoach": "bot.__main__:main"}


def test_the_crampcoach_command_is_installed_and_does_what_python_m_bot_does(
    tmp_path: Path,
) -> None:
    [entry] = metadata.entry_points(group="console_scripts", name="crampcoach")
    assert entry.load() is main
    script = Path(sys.executable).parent / "crampcoach"
    assert script.exists(), "pip install -e . installs the crampcoach command"

    def crampcoach(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert crampcoach("--version").stdout == run_bot(tmp_path, "--version").stdout
    backup_help = crampcoach("backup", "--help")
    assert backup_help.returncode == 0
    assert backup_help.stdout.startswith("usage: crampcoach backup [-h] [--force] FILE")
    # No token: the same one-line refusal, status 2, as python -m bot.
    started, module = crampcoach(), run_bot(tmp_path)
    assert (started.returncode, started.stderr) == (module.returncode, module.stderr)
    assert started.returncode == 2 and "CRAMPCOACH_TOKEN is not set" in started.stderr
    assert_nothing_created(tmp_path)
