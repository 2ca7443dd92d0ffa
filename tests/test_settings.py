"""Settings and start-up: ``python -m bot`` fails with one clear line, never a traceback, never
the secret; ``python -m bot chat`` needs no token; logs never show the token."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.terminal import to_terminal
from bot.logging_setup import configure_logging
from bot.settings import (
    DEFAULT_API_BASE_URL,
    EXPECTED,
    Settings,
    SettingsError,
    load_settings,
)
from conversations.texts import common
from conversations.texts import red_flags as flag_texts
from conversations.texts import sos as texts
from rules.red_flags import RedFlag

REPO = Path(__file__).resolve().parent.parent
# Shaped like a real token, so only the explicit secret list (not the shape) could catch it...
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ab"
# ...and one too short for the shape: redacted only because it is the configured secret.
SHORT_SECRET_TOKEN = "42:shortsecret_abcdefghij"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any CRAMPCOACH_ variable, running this checkout's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMPCOACH_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def run_bot(cwd: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], name: str) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    return lines[0]


# --- python -m bot -----------------------------------------------------------------------


def test_no_token_exits_2_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = run_bot(tmp_path)

    line = assert_one_line_error(result, "CRAMPCOACH_TOKEN")
    assert "@BotFather" in line
    assert "python -m bot chat" in line  # and how to try it without one
    assert not (tmp_path / "crampcoach.sqlite3").exists()  # nothing started


@pytest.mark.parametrize("bad", ["abc", "123456:too-short", "123456789:AAE secret with spaces!"])
def test_malformed_token_exits_2_without_echoing_it(tmp_path: Path, bad: str) -> None:
    result = run_bot(tmp_path, CRAMPCOACH_TOKEN=bad)

    line = assert_one_line_error(result, "CRAMPCOACH_TOKEN")
    assert bad not in result.stderr + result.stdout
    assert bad.split(":")[-1] not in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRAMPCOACH_LOG_LEVEL", "loud"),
        ("CRAMPCOACH_EMERGENCY_NUMBER", "abc"),
        ("CRAMPCOACH_API_BASE_URL", "ftp://x"),
        ("CRAMPCOACH_DB_PATH", "."),
    ],
)
def test_malformed_setting_exits_2_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    result = run_bot(tmp_path, **{variable: value})

    assert_one_line_error(result, variable)


WEBHOOK_URL = "https://bot.example.org/telegram"


@pytest.mark.parametrize(
    ("named", "env"),
    [
        ("CRAMPCOACH_MODE", {"CRAMPCOACH_MODE": "push"}),
        ("CRAMPCOACH_WEBHOOK_URL", {"CRAMPCOACH_MODE": "webhook"}),
        (
            "CRAMPCOACH_WEBHOOK_SECRET",
            {"CRAMPCOACH_MODE": "webhook", "CRAMPCOACH_WEBHOOK_URL": WEBHOOK_URL},
        ),
        (
            "CRAMPCOACH_WEBHOOK_URL",
            {
                "CRAMPCOACH_MODE": "webhook",
                "CRAMPCOACH_WEBHOOK_URL": "http://bot.example.org/telegram",
                "CRAMPCOACH_WEBHOOK_SECRET": "abc",
            },
        ),
        (
            "CRAMPCOACH_WEBHOOK_URL",
            {
                "CRAMPCOACH_MODE": "webhook",
                "CRAMPCOACH_WEBHOOK_URL": "https://bot.example.org:9443/telegram",
                "CRAMPCOACH_WEBHOOK_SECRET": "abc",
            },
        ),
        ("CRAMPCOACH_WEBHOOK_PORT", {"CRAMPCOACH_WEBHOOK_PORT": "70000"}),
        ("CRAMPCOACH_HEALTH_PORT", {"CRAMPCOACH_HEALTH_PORT": "http"}),
        ("CRAMPCOACH_SHUTDOWN_GRACE", {"CRAMPCOACH_SHUTDOWN_GRACE": "-1"}),
        (
            "CRAMPCOACH_HEALTH_PORT",
            {
                "CRAMPCOACH_MODE": "webhook",
                "CRAMPCOACH_WEBHOOK_URL": WEBHOOK_URL,
                "CRAMPCOACH_WEBHOOK_SECRET": "abc",
                "CRAMPCOACH_HEALTH_PORT": "8080",
            },
        ),
    ],
)
def test_a_bad_webhook_or_health_setting_exits_2_naming_it(
    tmp_path: Path, named: str, env: dict[str, str]
) -> None:
    result = run_bot(tmp_path, CRAMPCOACH_TOKEN=TOKEN, **env)

    assert_one_line_error(result, named)
    assert not (tmp_path / "crampcoach.sqlite3").exists()  # nothing started


@pytest.mark.parametrize("bad", ["has spaces in it", "ümlaut", "x" * 257, "semi;colon"])
def test_a_malformed_webhook_secret_exits_2_without_echoing_it(tmp_path: Path, bad: str) -> None:
    result = run_bot(
        tmp_path,
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_MODE="webhook",
        CRAMPCOACH_WEBHOOK_URL=WEBHOOK_URL,
        CRAMPCOACH_WEBHOOK_SECRET=bad,
    )

    assert_one_line_error(result, "CRAMPCOACH_WEBHOOK_SECRET")
    assert bad not in result.stderr + result.stdout


def test_webhook_settings_read_and_the_secret_hidden(no_crampcoach_env: Path) -> None:
    (no_crampcoach_env / ".env").write_text(
        "CRAMPCOACH_MODE=Webhook\n"
        f"CRAMPCOACH_WEBHOOK_URL={WEBHOOK_URL}\n"
        "CRAMPCOACH_WEBHOOK_SECRET=s3cret-Value_1\n"
        "CRAMPCOACH_HEALTH_PORT=9090\n"
        "CRAMPCOACH_SHUTDOWN_GRACE=2.5\n",
        encoding="utf-8",
    )

    settings = load_settings()

    assert (settings.mode, settings.webhook_path, settings.health_port) == (
        "webhook",
        "/telegram",
        9090,
    )
    assert (settings.webhook_listen, settings.webhook_port, settings.health_listen) == (
        "127.0.0.1",
        8080,
        "127.0.0.1",
    )
    assert settings.shutdown_grace == 2.5
    assert settings.require_webhook_secret() == "s3cret-Value_1"
    assert "s3cret-Value_1" not in repr(settings)


def test_polling_is_the_default_and_health_is_off(no_crampcoach_env: Path) -> None:
    settings = load_settings()

    assert (settings.mode, settings.health_port, settings.shutdown_grace) == ("polling", None, 10)


def test_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CRAMPCOACH_LOG_LEVEL=loud\n", encoding="utf-8")

    result = run_bot(tmp_path)

    assert_one_line_error(result, "CRAMPCOACH_LOG_LEVEL")


def test_unknown_subcommand_exits_2_with_the_usage_line(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "launch")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    usage, error = result.stderr.splitlines()
    assert usage.startswith("usage: python -m bot ")
    assert error.startswith("python -m bot: error: ") and "'launch'" in error


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRAMPCOACH_MAX_CONCURRENT_UPDATES", "0"),
        ("CRAMPCOACH_MAX_CONCURRENT_UPDATES", "lots"),
        ("CRAMPCOACH_WEBHOOK_PORT", "abc"),
        ("CRAMPCOACH_WEBHOOK_PORT", "0"),
        ("CRAMPCOACH_HEALTH_PORT", "65536"),
        ("CRAMPCOACH_SHUTDOWN_GRACE", "soon"),
        ("CRAMPCOACH_SHUTDOWN_GRACE", "7200"),
    ],
)
@pytest.mark.parametrize("command", [(), ("check",)])
def test_a_setting_out_of_range_says_what_is_expected_in_plain_words(
    tmp_path: Path, variable: str, value: str, command: tuple[str, ...]
) -> None:
    """Not pydantic's words ("Input should be greater than or equal to 1"): the variable and
    what it takes, one line, status 2, at start and in check alike."""
    result = run_bot(tmp_path, *command, CRAMPCOACH_TOKEN=TOKEN, **{variable: value})

    assert result.returncode == 2, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and TOKEN not in output
    [line] = [line for line in output.splitlines() if variable in line]
    assert f"{variable} must be " in line
    assert "Input should" not in output and "pydantic" not in output.lower()
    assert "\n" not in line and "[type=" not in line
    if not command:
        assert len(result.stderr.splitlines()) == 1, result.stderr


def test_every_setting_says_what_it_expects() -> None:
    assert set(EXPECTED) == set(Settings.model_fields)


def test_several_bad_settings_are_named_on_one_line(tmp_path: Path) -> None:
    result = run_bot(
        tmp_path,
        CRAMPCOACH_TOKEN=TOKEN,
        CRAMPCOACH_LOG_LEVEL="loud",
        CRAMPCOACH_WEBHOOK_PORT="-5",
    )

    line = assert_one_line_error(result, "CRAMPCOACH_LOG_LEVEL")
    assert "CRAMPCOACH_WEBHOOK_PORT must be a port number from 1 to 65535" in line


def test_an_env_file_that_is_not_utf8_is_one_line_without_its_content(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(f"CRAMPCOACH_TOKEN={TOKEN}\n# caf\xe9\n".encode("latin-1"))

    result = run_bot(tmp_path)

    line = assert_one_line_error(result, ".env is not UTF-8")
    assert TOKEN not in line and TOKEN.split(":")[1] not in line


def test_chat_runs_without_a_token_and_shows_first_aid_and_numbered_buttons(
    tmp_path: Path,
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = run_bot(tmp_path, "chat", stdin="/cramp\n10\n18\n/quit\n", TMPDIR=str(temporary))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert to_terminal(texts.STOP_INSTRUCTION, colour=False) in out
    assert "<b>" not in out  # HTML turned into terminal text
    assert f"[1] {common.SOS_BUTTON}" in out  # the welcome's reply keyboard, numbered first
    # [2] to [8]: the first /start's country question; then the first screen.
    assert f"[9] {texts.NO_FLAG_CALF}" in out
    assert f"[10] {texts.NO_FLAG_OTHER}" in out
    assert f"[11] {flag_texts.BUTTON_LABELS[RedFlag.CHEST_PAIN_BREATHLESS]}" in out
    assert texts.ASK_MUSCLE in out  # "10" pressed NO_FLAG_OTHER
    # The muscle question's buttons come after the first screen's, which stay numbered.
    assert f"[18] {texts.MUSCLE_LABELS['calf']}" in out
    assert f"[22] {texts.AT_REST_LABEL}" in out
    assert to_terminal(texts.STRETCH_HOW["calf"], colour=False) in out  # "18": Calf
    # The terminal user gets a fresh database of its own, in a temporary folder gone at exit;
    # nothing is left in the working directory (where the real bot's default database is).
    assert list(temporary.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]


# --- Settings in-process -----------------------------------------------------------------


@pytest.fixture
def no_crampcoach_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("CRAMPCOACH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(no_crampcoach_env: Path) -> None:
    settings = load_settings()

    assert settings.token is None
    assert settings.db_path == Path("crampcoach.sqlite3")
    assert settings.api_base_url == DEFAULT_API_BASE_URL == "https://api.telegram.org/bot"
    assert settings.emergency_number == "112"
    assert settings.log_level == "INFO"


def test_env_file_values_and_environment_precedence(
    no_crampcoach_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (no_crampcoach_env / ".env").write_text(
        f"CRAMPCOACH_TOKEN={TOKEN}\nCRAMPCOACH_EMERGENCY_NUMBER=000\nCRAMPCOACH_LOG_LEVEL=debug\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CRAMPCOACH_EMERGENCY_NUMBER", "911")

    settings = load_settings()

    assert settings.require_token() == TOKEN
    assert settings.log_level == "DEBUG"
    assert settings.emergency_number == "911"  # the environment wins over the file


def test_token_is_hidden_in_the_settings_repr(no_crampcoach_env: Path) -> None:
    settings = Settings(_env_file=None, token=TOKEN)  # type: ignore[call-arg,arg-type]

    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_require_token_without_one_raises_a_settings_error(no_crampcoach_env: Path) -> None:
    with pytest.raises(SettingsError, match="CRAMPCOACH_TOKEN"):
        load_settings().require_token()


# --- Logging -------------------------------------------------------------------------------


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """configure_logging replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, noisy_level in noisy.items():
            logging.getLogger(name).setLevel(noisy_level)


def test_log_output_never_contains_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    with logging_restored():
        configure_logging("DEBUG", secrets=(TOKEN, SHORT_SECRET_TOKEN))
        log = logging.getLogger("crampcoach.test")
        log.info("starting with token %s", TOKEN)
        log.warning("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
        log.info("the other one: %s", SHORT_SECRET_TOKEN)
        try:
            raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            log.exception("request failed")

    err = capsys.readouterr().err
    assert "starting with token" in err and "request failed" in err
    assert TOKEN not in err
    assert TOKEN.split(":")[1] not in err
    assert SHORT_SECRET_TOKEN not in err
    assert err.count("[redacted]") >= 4


def test_token_shaped_text_is_redacted_even_if_not_configured(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with logging_restored():
        configure_logging("INFO")
        logging.getLogger("crampcoach.test").warning("url: /bot%s/getUpdates", TOKEN)

    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "/bot[redacted]/getUpdates" in err


def test_httpx_request_lines_are_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    with logging_restored():
        configure_logging("DEBUG", secrets=(TOKEN,))
        httpx_level = logging.getLogger("httpx").level
        logging.getLogger("httpx").info(
            'HTTP Request: POST https://api.telegram.org/bot%s/getMe "HTTP/1.1 200 OK"', TOKEN
        )

    assert httpx_level == logging.WARNING
    assert "HTTP Request" not in capsys.readouterr().err
