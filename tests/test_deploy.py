"""The deploy files, checked and run without a container or systemd (offline).

No Docker engine runs where these tests run: the image is never built. Instead the Dockerfile is
read for its essentials, and its CMD and HEALTHCHECK run against the real bot with the example
environment file's settings (pointed at the loopback Bot API of tests/bot_api_server.py). The
operator's guide, deploy/README.md, is run as written: its fenced shell commands are parsed, the
paths swapped for temporary ones, and run in order; so are the systemd units' commands.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.operations import commands as operator_commands
from bot.settings import Settings
from storage.migrations import MIGRATIONS
from tests.bot_api_server import BotApiServer
from tests.process_helpers import (
    REPO,
    TOKEN,
    BotProcess,
    a_cramp_eases,
    bot_env,
    closed_port,
    read_rows,
)

DEPLOY = REPO / "deploy"
GUIDE = DEPLOY / "README.md"
# One process with the SQLite file; several workers over PostgreSQL behind nginx.
SQLITE_COMPOSE = DEPLOY / "compose.sqlite.yaml"
WORKERS_COMPOSE = DEPLOY / "compose.yaml"
# Settings another part of the project reads (webhook mode, health endpoint, shutdown grace):
# the example environment file documents them whether or not this checkout has them yet.
DOCUMENTED_ELSEWHERE = {
    "MODE",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "SHUTDOWN_GRACE",
    "HEALTH_PORT",
    "HEALTH_LISTEN",
}
HAS_HEALTH_ENDPOINT = "health_port" in Settings.model_fields


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    api = BotApiServer(TOKEN)
    api.start()
    yield api
    api.stop()


# --- Reading the files -----------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined: (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def instruction(name: str) -> list[str]:
    return [rest for word, rest in dockerfile() if word == name]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in instruction("ENV"):
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def exec_form(rest: str) -> list[str]:
    """``CMD ["python", "-m", "bot"]``'s list (JSON array form only: no shell in between)."""
    value = json.loads(rest)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return [str(v) for v in value]


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile and Compose's env_file read them."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def unit(name: str) -> dict[str, str]:
    """A systemd unit's keys (the last value of a repeated key)."""
    keys: dict[str, str] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys[key.strip()] = value.strip()
    return keys


def systemd_unescape(value: str) -> str:
    return value.replace("$$", "$").replace("%%", "%")


def guide_blocks() -> list[str]:
    """The fenced code blocks of deploy/README.md."""
    return re.findall(r"```[a-z]*\n(.*?)```", GUIDE.read_text(), flags=re.S)


def guide_lines(prefix: str) -> list[str]:
    return [
        line.strip()
        for block in guide_blocks()
        for line in block.splitlines()
        if line.strip().startswith(prefix)
    ]


# --- The Dockerfile, compose.sqlite.yaml, .dockerignore --------------------------------------


def test_the_dockerfile_has_the_essentials() -> None:
    [base] = instruction("FROM")
    assert base == "python:3.11-slim"
    [user] = instruction("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    words = [word for word, _ in dockerfile()]
    assert words.index("USER") < words.index("CMD")  # the bot never runs as root
    [volume] = instruction("VOLUME")
    assert exec_form(volume) == ["/data"]
    assert docker_env()["CRAMPCOACH_DB_PATH"] == "/data/crampcoach.sqlite3"
    assert exec_form(instruction("CMD")[0]) == ["python", "-m", "bot"]
    assert instruction("STOPSIGNAL") == ["SIGTERM"]
    [healthcheck] = instruction("HEALTHCHECK")
    assert "CMD [" in healthcheck and "urllib.request" in healthcheck and "/healthz" in healthcheck
    locked, project = [rest for rest in instruction("RUN") if "pip install" in rest]
    assert "[dev]" not in project and "-e " not in project
    # The dependencies from the lock, hashes checked; then the project alone, built with the
    # locked setuptools (no download, nothing unpinned).
    assert "--require-hashes -r /tmp/requirements.lock" in locked
    assert "COPY deploy/requirements.lock /tmp/requirements.lock" in [
        f"COPY {rest}" for rest in instruction("COPY")
    ]
    assert "--no-deps" in project and "--no-build-isolation" in project
    words_and_args = dockerfile()
    assert words_and_args.index(("RUN", locked)) < words_and_args.index(("COPY", ". /src"))


def test_dockerignore_keeps_secrets_data_and_history_out() -> None:
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    for pattern in (".venv", ".git", "*.sqlite3*", ".env"):
        assert pattern in ignored
    # What an earlier build left in the tree never reaches the image (tests/test_release.py).
    for pattern in ("build", "*.egg-info", "dist"):
        assert pattern in ignored


def test_compose_runs_the_image_with_its_volume_healthcheck_and_restart_policy() -> None:
    text = SQLITE_COMPOSE.read_text()
    assert "env_file: crampcoach.env" in text
    assert "- crampcoach-data:/data" in text
    assert "CRAMPCOACH_DB_PATH: /data/crampcoach.sqlite3" in text
    assert re.search(r"^\s+restart: unless-stopped$", text, flags=re.M)
    [grace] = re.findall(r"stop_grace_period: (\d+)s", text)
    assert int(grace) > 10  # above the default CRAMPCOACH_SHUTDOWN_GRACE
    health = healthcheck_code()
    assert f'"{health}"' in text  # the same probe as the image's
    assert "# CRAMPCOACH_MODE: webhook" in text and '#   - "127.0.0.1:8080:8080"' in text


def compose_environment() -> dict[str, str]:
    """compose.sqlite.yaml's ``environment:`` entries that are set (not commented out)."""
    text = SQLITE_COMPOSE.read_text()
    block = text.split("    environment:\n", 1)[1]
    env: dict[str, str] = {}
    for line in block.splitlines():
        if line.strip().startswith("#"):
            continue
        if not line.startswith("      "):
            break
        key, _, value = line.strip().partition(": ")
        env[key] = value.strip('"')
    return env


def test_compose_lets_a_scraper_on_its_network_reach_metrics_and_publishes_neither() -> None:
    env = compose_environment()
    port = env["CRAMPCOACH_HEALTH_PORT"]
    # Not loopback: another container (Prometheus) connects through the compose network.
    assert env["CRAMPCOACH_HEALTH_LISTEN"] == "0.0.0.0"
    assert env["CRAMPCOACH_WORKER_NAME"]
    text = SQLITE_COMPOSE.read_text()
    assert re.search(rf'^    expose:\n      - "{port}"$', text, flags=re.M)
    # Never published on the host, not even in the commented-out examples.
    published = re.findall(r'^\s*#?\s*- "([\d.:]+)"$', text, flags=re.M)
    assert published and all(not mapping.endswith(f":{port}") for mapping in published)
    assert docker_env()["CRAMPCOACH_HEALTH_LISTEN"] == "0.0.0.0"
    assert 'targets: ["bot:8081"]' in (DEPLOY / "prometheus.sqlite.yml").read_text()


def own_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one. A UDP socket's
    connect sends nothing; it only picks the interface."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


@pytest.mark.skipif(own_address() is None, reason="no network interface besides loopback")
def test_metrics_are_scraped_from_another_address_with_the_compose_settings(
    server: BotApiServer, tmp_path: Path
) -> None:
    """The bot with compose's environment answers /metrics on the machine's network address,
    as Prometheus in another container would ask it (loopback alone would refuse it)."""
    env, data = container_like(tmp_path, server)
    compose = compose_environment()
    env["CRAMPCOACH_HEALTH_LISTEN"] = compose["CRAMPCOACH_HEALTH_LISTEN"]
    env["CRAMPCOACH_WORKER_NAME"] = compose["CRAMPCOACH_WORKER_NAME"]
    url = f"http://{own_address()}:{env['CRAMPCOACH_HEALTH_PORT']}/metrics"
    process = start_cmd(env, data)
    try:
        a_cramp_eases(server, 8003)
        with urllib.request.urlopen(url, timeout=10) as answer:
            body = answer.read().decode()
    finally:
        log = stop(process, data / "cmd.log")
    assert process.returncode == 0, log
    assert f'worker="{compose["CRAMPCOACH_WORKER_NAME"]}"' in body
    for series in ("crampcoach_build_info", "process_resident_memory_bytes", "python_info"):
        assert f"\n{series}" in body, series
    assert "crampcoach_outbox_oldest_unsent_age_seconds" in body


def healthcheck_code() -> str:
    [healthcheck] = instruction("HEALTHCHECK")
    argv = exec_form(healthcheck.split("CMD", 1)[1].strip())
    assert argv[:2] == ["python", "-c"]
    return argv[2]


# --- The image's CMD and HEALTHCHECK, run for real -------------------------------------------


def container_like(tmp_path: Path, server: BotApiServer) -> tuple[dict[str, str], Path]:
    """The environment the image gives the bot: the Dockerfile's ENV, then the example env
    file's settings (as compose's env_file), then compose's own; /data is a temporary folder."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "backups").mkdir()
    settings = {**docker_env(), **env_file(DEPLOY / "crampcoach.env.example")}
    settings["CRAMPCOACH_DB_PATH"] = "/data/crampcoach.sqlite3"  # compose's environment
    settings = {key: value.replace("/data", str(data)) for key, value in settings.items()}
    settings["CRAMPCOACH_TOKEN"] = TOKEN
    settings["CRAMPCOACH_API_BASE_URL"] = server.base_url
    settings["CRAMPCOACH_WEATHER_URL"] = "none"  # offline: no forecast service
    settings["CRAMPCOACH_HEALTH_PORT"] = str(closed_port())  # 8081 may be taken here
    env = bot_env(Path(settings.pop("CRAMPCOACH_DB_PATH")), server.base_url)
    env.update(settings)
    return env, data


def start_cmd(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    argv = exec_form(instruction("CMD")[0])
    argv[0] = sys.executable if argv[0] == "python" else argv[0]
    log = (workdir / "cmd.log").open("w")
    return subprocess.Popen(argv, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes], log: Path) -> str:
    """Send the image's STOPSIGNAL and wait, as ``docker stop`` would."""
    [name] = instruction("STOPSIGNAL")
    process.send_signal(getattr(signal, name))
    process.wait(timeout=30)
    return log.read_text()


def test_the_image_cmd_runs_the_bot_and_the_guides_docker_commands_work(
    server: BotApiServer, tmp_path: Path
) -> None:
    env, data = container_like(tmp_path, server)
    db = data / "crampcoach.sqlite3"
    docker_lines = [line for line in guide_lines("docker compose") if " bot python -m bot " in line]
    commands = {line.split(" bot python -m bot ", 1)[1].split()[0] for line in docker_lines}
    assert commands == {"check", "backup", "restore"}

    def in_container(line: str) -> subprocess.CompletedProcess[str]:
        """The ``python -m bot ...`` part of a guide's docker line, in the container's place."""
        args = line.split(" bot python -m bot ", 1)[1].replace("/data", str(data))
        args = args.replace("/restore.sqlite3", str(tmp_path / "from-host.sqlite3"))
        return subprocess.run(
            [sys.executable, "-m", "bot", *shlex.split(args)],
            cwd=data,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    check_lines = {line for line in docker_lines if " check" in line}  # install and upgrade
    assert check_lines and all(in_container(line).returncode == 0 for line in check_lines)

    process = start_cmd(env, data)
    try:
        a_cramp_eases(server, 8001)
        [backup_line] = [line for line in docker_lines if " backup " in line]
        done = in_container(backup_line)
        assert done.returncode == 0, done.stderr
        assert (data / "backups" / "manual.sqlite3").exists()
        a_cramp_eases(server, 8001)  # after the backup: gone once it is restored
    finally:
        log = stop(process, data / "cmd.log")
    assert process.returncode == 0, log
    assert TOKEN not in log

    shutil.copy(data / "backups" / "manual.sqlite3", tmp_path / "from-host.sqlite3")
    [restore_line] = [line for line in docker_lines if " restore " in line]
    done = in_container(restore_line)
    assert done.returncode == 0, done.stderr
    assert len(read_rows(db, "SELECT id FROM episodes")) == 1


@pytest.mark.skipif(not HAS_HEALTH_ENDPOINT, reason="the health endpoint is not in this checkout")
def test_the_image_healthcheck_passes_against_the_running_bot(
    server: BotApiServer, tmp_path: Path
) -> None:
    env, data = container_like(tmp_path, server)
    probe = healthcheck_code().replace(":8081/", f":{env['CRAMPCOACH_HEALTH_PORT']}/")
    before = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
    assert before.returncode != 0  # nothing answers yet: unhealthy

    process = start_cmd(env, data)
    try:
        a_cramp_eases(server, 8002)
        after = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
        assert after.returncode == 0, after.stderr
    finally:
        log = stop(process, data / "cmd.log")
    assert process.returncode == 0, log


def test_the_healthcheck_probe_tells_200_from_503(tmp_path: Path) -> None:
    """The probe itself, against a stand-in endpoint: 200 healthy, 503 or silence unhealthy."""
    status = [200]

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status[0] if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=endpoint.serve_forever, daemon=True)
    thread.start()
    port = endpoint.server_address[1]
    probe = healthcheck_code().replace(":8081/", f":{port}/")
    try:
        healthy = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
        status[0] = 503
        unhealthy = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
    finally:
        endpoint.shutdown()
        endpoint.server_close()
    silent = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
    assert healthy.returncode == 0, healthy.stderr
    assert unhealthy.returncode == 1 and silent.returncode == 1


# --- systemd ---------------------------------------------------------------------------------

HARDENING = {
    "UMask": "0077",
    "NoNewPrivileges": "true",
    "ProtectSystem": "strict",
    "ReadWritePaths": "/var/lib/crampcoach",
    "ProtectHome": "true",
    "PrivateTmp": "true",
    "PrivateDevices": "true",
    "ProtectKernelTunables": "true",
    "ProtectKernelModules": "true",
    "ProtectKernelLogs": "true",
    "RestrictNamespaces": "true",
    "LockPersonality": "true",
    "MemoryDenyWriteExecute": "true",
    "CapabilityBoundingSet": "",
    "RestartPreventExitStatus": "2",
}


def test_the_unit_is_hardened_and_waits_out_the_shutdown_grace() -> None:
    keys = unit("crampcoach.service")
    for key, value in HARDENING.items():
        assert keys.get(key) == value, key
    assert "@system-service" in (DEPLOY / "crampcoach.service").read_text()
    assert "AF_INET" in keys["RestrictAddressFamilies"]
    assert int(keys["TimeoutStopSec"]) > 10  # CRAMPCOACH_SHUTDOWN_GRACE's default


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    names = ["crampcoach.service", "crampcoach-backup.service", "crampcoach-backup.timer"]
    for name in names:
        # The venv's python does not exist here: verify checks that ExecStart is executable.
        text = (DEPLOY / name).read_text().replace("/opt/crampcoach/.venv/bin/python", "/bin/sh")
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


# --- The guide, run as written ---------------------------------------------------------------


class Machine:
    """The guide's paths on this machine: /etc, /var/lib, /var/backups and /opt in tmp_path."""

    def __init__(self, tmp_path: Path, server: BotApiServer) -> None:
        self.root = tmp_path
        self.data = tmp_path / "var-lib-crampcoach"
        self.backups = tmp_path / "var-backups-crampcoach"
        self.env_path = tmp_path / "crampcoach.env"
        for folder in (self.data, self.backups):
            folder.mkdir()
        example = self.localize((DEPLOY / "crampcoach.env.example").read_text())
        example = re.sub(r"^CRAMPCOACH_TOKEN=.*$", f"CRAMPCOACH_TOKEN={TOKEN}", example, flags=re.M)
        self.env_path.write_text(
            f"{example}\nCRAMPCOACH_API_BASE_URL={server.base_url}\nCRAMPCOACH_WEATHER_URL=none\n"
        )
        self.env_path.chmod(0o600)
        self.db = self.data / "crampcoach.sqlite3"
        self.shell_env = bot_env(self.db, server.base_url)
        for key in [k for k in self.shell_env if k.startswith("CRAMPCOACH_")]:
            del self.shell_env[key]  # the settings come from the env file, as in the guide

    def localize(self, text: str) -> str:
        for real, here in (
            ("sudo -u crampcoach ", ""),
            ("/etc/crampcoach/crampcoach.env", str(self.env_path)),
            ("/var/lib/crampcoach", str(self.data)),
            ("/var/backups/crampcoach", str(self.backups)),
            ("/opt/crampcoach/.venv/bin/python", sys.executable),
        ):
            text = text.replace(real, here)
        return text

    def shell(self, script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=self.root,
            env=self.shell_env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start_service(self) -> BotProcess:
        """``systemctl start crampcoach``: the unit's ExecStart, environment and folder."""
        keys = unit("crampcoach.service")
        env = dict(self.shell_env)
        env.update(env_file(Path(self.localize(keys["EnvironmentFile"]))))
        argv = shlex.split(self.localize(keys["ExecStart"]))
        assert argv[1:] == ["-m", "bot"]
        return BotProcess(env, Path(self.localize(keys["WorkingDirectory"])), name="service")


def test_the_guides_commands_run_as_written(server: BotApiServer, tmp_path: Path) -> None:
    machine = Machine(tmp_path, server)
    [function] = guide_lines("crampcoach() {")
    function = machine.localize(function)
    today = datetime.now(UTC).strftime("%Y-%m-%d")

    def run(line: str) -> subprocess.CompletedProcess[str]:
        result = machine.shell(f"{function}\n{machine.localize(line)}")
        assert "Traceback" not in result.stderr, result.stderr
        assert TOKEN not in result.stdout + result.stderr
        return result

    checks, backups = guide_lines("crampcoach check"), guide_lines("crampcoach backup ")
    restores = guide_lines("crampcoach restore ")
    assert checks and backups and restores

    first = run(checks[0])  # before the first start: no database yet, and that is fine
    assert first.returncode == 0, first.stdout
    assert "no database at" in first.stdout
    assert not machine.db.exists()

    service = machine.start_service()
    try:
        a_cramp_eases(server, 8100)
        for line in backups:
            result = run(line)
            assert result.returncode == 0, result.stderr
            assert "backed up" in result.stdout
        # The daily backup: the timer's service, and the cron line, as written.
        timer = unit("crampcoach-backup.service")
        argv = shlex.split(machine.localize(systemd_unescape(timer["ExecStart"])))
        daily = subprocess.run(
            argv,
            env={**machine.shell_env, **env_file(Path(machine.localize(timer["EnvironmentFile"])))},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert daily.returncode == 0, daily.stderr
        [cron] = [line for line in guide_lines("15 3 * * * crampcoach ")]
        command = machine.localize(cron).split(None, 6)[6].replace("\\%", "%")
        result = machine.shell(command)
        assert result.returncode == 0, result.stderr
        running = run(checks[-1])
        assert running.returncode == 0 and "the bot is running" in running.stdout
        a_cramp_eases(server, 8100)  # after every backup
    finally:
        log = service.stop()
    assert service.process.returncode == 0, log

    weekday = datetime.now(UTC).strftime("%a")
    assert sorted(p.name for p in machine.backups.iterdir()) == sorted(
        ["manual.sqlite3", f"before-upgrade-{today}.sqlite3", f"crampcoach-{weekday}.sqlite3"]
    )
    assert len(read_rows(machine.db, "SELECT id FROM episodes")) == 2
    for line in restores:
        result = run(line.replace("YYYY-MM-DD", today))
        assert result.returncode == 0, result.stderr
        assert "restored" in result.stdout
    assert len(read_rows(machine.db, "SELECT id FROM episodes")) == 1
    kept_aside = [
        path
        for path in machine.data.glob("crampcoach.sqlite3.before-restore-*")
        if not path.name.endswith(("-wal", "-shm", "-journal", "-replies"))
    ]
    assert len(kept_aside) == len(restores)

    service = machine.start_service()
    try:
        a_cramp_eases(server, 8100)
    finally:
        log = service.stop()
    assert service.process.returncode == 0, log
    assert len(read_rows(machine.db, "SELECT id FROM episodes")) == 2


def database_of_the_last_version(path: Path) -> int:
    """A database as the version before this one left it: every migration but the last.
    Returns its schema version."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for migration in MIGRATIONS[:-1]:
            for statement in migration.sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={migration.version:d}")
    return MIGRATIONS[-2].version


def schema_of(path: Path) -> int:
    [(version,)] = read_rows(path, "PRAGMA user_version")
    return int(str(version))


def upgrade_section() -> str:
    return GUIDE.read_text().split("## 7. Upgrades", 1)[1].split("\n## ", 1)[0]


def test_the_guides_upgrade_and_rollback_run_as_written(
    server: BotApiServer, tmp_path: Path
) -> None:
    """Section 7 on a database of the version before: back up, check (migrations due), start
    (they run), then roll back to the backup. The pull and rebuild steps need the network and
    root, so they are read for their order only."""
    machine = Machine(tmp_path, server)
    [function] = guide_lines("crampcoach() {")
    function = machine.localize(function)
    section = upgrade_section()
    steps = [
        line.strip()
        for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)
        for line in block.splitlines()
        if line.strip()
    ]

    def run(line: str) -> subprocess.CompletedProcess[str]:
        result = machine.shell(f"{function}\n{machine.localize(line)}")
        assert "Traceback" not in result.stderr, result.stderr
        assert TOKEN not in result.stdout + result.stderr
        return result

    def index(fragment: str, start: int = 0) -> int:
        """The first step from ``start`` with ``fragment`` (a whole word of it)."""
        pattern = re.compile(rf"(^|\s){re.escape(fragment.strip())}(\s|$)")
        return next(i for i, line in enumerate(steps) if i >= start and pattern.search(line))

    # The order: back up, pull, rebuild (lock, then project), check, restart; the rollback:
    # stop, old version, rebuild, restore, start.
    order = [
        index("crampcoach backup "),
        index("checkout NEW-VERSION"),
        index("--require-hashes"),
        index("--no-deps"),
        index("crampcoach check"),
        index("systemctl restart crampcoach"),
    ]
    rollback = [
        index("systemctl stop crampcoach"),
        index("checkout OLD-VERSION"),
        index("--require-hashes", order[-1]),
        index("--no-deps", order[-1]),
        index("crampcoach restore "),
        index("systemctl start crampcoach"),
    ]
    assert order == sorted(order) and rollback == sorted(rollback) and order[-1] < rollback[0]

    old_version = database_of_the_last_version(machine.db)
    backup = run(steps[order[0]])
    assert backup.returncode == 0, backup.stderr
    checked = run(steps[order[4]])
    assert checked.returncode == 0, checked.stdout
    assert "migrations due at the next start" in checked.stdout
    assert schema_of(machine.db) == old_version  # check changes nothing

    service = machine.start_service()  # the restart: migrations run on start
    try:
        a_cramp_eases(server, 8200)
    finally:
        log = service.stop()
    assert service.process.returncode == 0, log
    assert schema_of(machine.db) == MIGRATIONS[-1].version
    assert len(read_rows(machine.db, "SELECT id FROM episodes")) == 1

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    restored = run(steps[rollback[4]].replace("YYYY-MM-DD", today))
    assert restored.returncode == 0, restored.stderr
    assert schema_of(machine.db) == old_version  # what the old version can open
    assert read_rows(machine.db, "SELECT id FROM episodes") == []


# --- The env example, nginx, the README ------------------------------------------------------


def test_the_env_example_documents_every_setting() -> None:
    text = (DEPLOY / "crampcoach.env.example").read_text()
    names = {name.upper() for name in Settings.model_fields} | DOCUMENTED_ELSEWHERE
    for name in names:
        assert re.search(rf"^#? ?CRAMPCOACH_{name}=", text, flags=re.M), name


def test_nginx_passes_on_the_webhook_path_only() -> None:
    text = (DEPLOY / "nginx-crampcoach.conf").read_text()
    assert "listen 443 ssl;" in text and "ssl_certificate " in text
    assert re.search(r"location = /telegram/\S+ \{", text)
    assert "proxy_pass http://127.0.0.1:8080;" in text
    assert "location / { return 404; }" in text
    assert "# allow 149.154.160.0/20;" in text and "# allow 91.108.4.0/22;" in text


def test_the_readme_lists_the_exit_statuses_the_code_returns() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Operating it", 1)[1].split("\n## ", 1)[0]
    assert (
        f"`{operator_commands.UNUSABLE}`" in section
        and f"`{operator_commands.TOKEN_REJECTED}`" in section
    )
    assert f"`{operator_commands.UNREACHABLE}`" in section and "deploy/README.md" in section


# --- Several workers: compose.yaml, nginx-compose.conf, prometheus.yml, section 10 ------------

WORKERS = ("worker-1", "worker-2")
# The one variable compose.yaml interpolates: the database password, from deploy/.env.
PASSWORD_VARIABLE = re.compile(r"\$\{POSTGRES_PASSWORD:\?[^}]*deploy/\.env[^}]*\}")


def compose_file(path: Path) -> dict[str, Any]:
    """A compose file as Compose reads it (YAML, anchors and merge keys resolved); without
    interpolation: ``${...}`` stays as written."""
    yaml = pytest.importorskip("yaml")
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def service(name: str, path: Path = WORKERS_COMPOSE) -> dict[str, Any]:
    found = compose_file(path)["services"][name]
    assert isinstance(found, dict)
    return found


def worker_environment(name: str) -> dict[str, str]:
    environment = service(name)["environment"]
    assert isinstance(environment, dict)  # a mapping: the merge key needs one
    return {str(key): str(value) for key, value in environment.items()}


def interpolate(value: str, password: str) -> str:
    """Compose's interpolation of compose.yaml, with POSTGRES_PASSWORD set."""
    return PASSWORD_VARIABLE.sub(password, value)


def nginx_upstream() -> list[str]:
    text = (DEPLOY / "nginx-compose.conf").read_text()
    [block] = re.findall(r"^upstream crampcoach \{\n(.*?)^\}", text, flags=re.S | re.M)
    return re.findall(r"^\s*server (\S+)[^;]*;", block, flags=re.M)


def section_10() -> str:
    return GUIDE.read_text().split("## 10. Several workers", 1)[1].split("\n## ", 1)[0]


def test_compose_runs_postgres_two_workers_and_nginx() -> None:
    services = compose_file(WORKERS_COMPOSE)["services"]
    assert {"postgres", *WORKERS, "nginx"} <= set(services)

    postgres = service("postgres")
    assert postgres["image"] == "postgres:15"
    [volume] = postgres["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/var/lib/postgresql/data"
    assert name in compose_file(WORKERS_COMPOSE)["volumes"]  # a named volume, not a folder
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert PASSWORD_VARIABLE.fullmatch(postgres["environment"]["POSTGRES_PASSWORD"])
    assert "ports" not in postgres  # on the compose network only

    image = service("bot", SQLITE_COMPOSE)
    for name in WORKERS:
        worker = service(name)
        assert worker["image"] == image["image"] and worker["build"] == image["build"]
        assert worker["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "ports" not in worker  # nginx and Prometheus reach it on the compose network
        assert worker["healthcheck"]["test"][-1] == healthcheck_code()
        assert int(str(worker["stop_grace_period"]).removesuffix("s")) > 10
        assert worker["read_only"] is True and worker["cap_drop"] == ["ALL"]
        env = worker_environment(name)
        assert env["CRAMPCOACH_MODE"] == "webhook"
        assert env["CRAMPCOACH_WEBHOOK_LISTEN"] == env["CRAMPCOACH_HEALTH_LISTEN"] == "0.0.0.0"
        exposed = {str(port) for port in worker["expose"]}
        assert {env["CRAMPCOACH_WEBHOOK_PORT"], env["CRAMPCOACH_HEALTH_PORT"]} == exposed

    nginx = service("nginx")
    assert set(nginx["depends_on"]) == set(WORKERS)
    assert "443:443" in nginx["ports"]
    assert "./nginx-compose.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]


def test_the_workers_share_one_database_and_have_names_of_their_own() -> None:
    urls = {worker_environment(name)["CRAMPCOACH_DATABASE_URL"] for name in WORKERS}
    [url] = urls
    postgres = service("postgres")["environment"]
    user, database = postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]
    assert re.fullmatch(
        rf"postgresql://{user}:\$\{{POSTGRES_PASSWORD:\?[^}}]*\}}@postgres:5432/{database}", url
    )
    names = [worker_environment(name)["CRAMPCOACH_WORKER_NAME"] for name in WORKERS]
    assert names == list(WORKERS)  # distinct, and the same as the services' names


def test_the_bot_accepts_each_workers_settings() -> None:
    """Each worker's environment, interpolated, with the env file's webhook URL and secret."""
    for name in WORKERS:
        env = {
            key: interpolate(value, "0123abcd") for key, value in worker_environment(name).items()
        }
        env["CRAMPCOACH_WEBHOOK_URL"] = "https://bot.example.org/telegram/path"
        env["CRAMPCOACH_WEBHOOK_SECRET"] = "secret_-1"
        fields = {key.removeprefix("CRAMPCOACH_").lower(): value for key, value in env.items()}
        settings = Settings.model_validate(fields)
        assert settings.uses_postgres and settings.mode == "webhook"
        assert settings.worker_name == name


def test_compose_interpolates_the_password_only_and_commits_no_secret() -> None:
    lines = WORKERS_COMPOSE.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    variables = re.findall(r"\$\{[^}]*\}", text)
    # Twice (the server's password and the workers' URL), and required: a missing deploy/.env
    # stops Compose with that message rather than starting with no password.
    assert len(variables) == 2 and all(PASSWORD_VARIABLE.fullmatch(v) for v in variables)
    for ignore_file in (REPO / ".gitignore", REPO / ".dockerignore"):
        ignored = ignore_file.read_text().splitlines()
        assert "deploy/.env" in ignored and "deploy/crampcoach.env" in ignored, ignore_file


def test_no_password_literal_in_the_deploy_files_or_readme() -> None:
    placeholders = {"PASSWORD", "password"}
    files = [path for path in DEPLOY.iterdir() if path.is_file()] + [REPO / "README.md"]
    for path in files:
        text = path.read_text()
        for password in re.findall(r"postgres(?:ql)?://[^:/@\s]+:([^@\s]+)@", text):
            assert password in placeholders or PASSWORD_VARIABLE.fullmatch(password), path
        for value in re.findall(r"(?<![{\w])POSTGRES_PASSWORD\s*[:=]\s*(\S+)", text):
            assert value.startswith(("${POSTGRES_PASSWORD", "'")), (path, value)


def test_the_sqlite_single_process_is_still_there() -> None:
    single = compose_file(SQLITE_COMPOSE)
    assert set(single["services"]) == {"bot"}
    env = service("bot", SQLITE_COMPOSE)["environment"]
    assert "CRAMPCOACH_DATABASE_URL" not in env
    assert env["CRAMPCOACH_DB_PATH"] == "/data/crampcoach.sqlite3"
    assert "crampcoach-data" in single["volumes"]
    # No project name: it stays "deploy" (the folder), as when this file was compose.yaml, so
    # the volume keeps its name (deploy_crampcoach-data). The workers' project has its own.
    assert "name" not in single
    assert compose_file(WORKERS_COMPOSE)["name"] not in ("", "deploy")


def test_nginx_passes_the_webhook_to_either_worker_and_retries_on_the_other() -> None:
    [port] = {worker_environment(name)["CRAMPCOACH_WEBHOOK_PORT"] for name in WORKERS}
    assert nginx_upstream() == [f"{name}:{port}" for name in WORKERS]
    text = (DEPLOY / "nginx-compose.conf").read_text()
    directives = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert directives.count("{") == directives.count("}")
    for line in directives.splitlines():
        assert not line.strip() or line.rstrip().endswith((";", "{", "}")), line
    [webhook] = re.findall(r"location = (/telegram/\S+) \{(.*?)\n    \}", directives, flags=re.S)
    path, block = webhook
    single_host = (DEPLOY / "nginx-crampcoach.conf").read_text()
    assert f"location = {path} {{" in single_host  # the same placeholder path to replace
    assert "proxy_pass http://crampcoach;" in block
    [retry] = re.findall(r"proxy_next_upstream ([^;]*);", block)
    # A POST is retried only with non_idempotent: safe, storing is idempotent by update_id.
    assert {"error", "timeout", "non_idempotent"} <= set(retry.split())
    assert "ON CONFLICT (update_id) DO NOTHING" in text
    assert "listen 443 ssl;" in directives and "ssl_certificate " in directives
    assert "location / { return 404; }" in directives
    assert "8081" not in directives and "healthz" not in directives  # never passed on


def test_prometheus_scrapes_both_workers() -> None:
    text = (DEPLOY / "prometheus.yml").read_text()
    targets = [f"{name}:{worker_environment(name)['CRAMPCOACH_HEALTH_PORT']}" for name in WORKERS]
    assert f"targets: {json.dumps(targets, separators=(', ', ': '))}" in text
    prometheus = service("prometheus")
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert prometheus["profiles"] == ["metrics"]
    assert all(mapping.startswith("127.0.0.1:") for mapping in prometheus["ports"])


def test_the_guide_has_several_workers_after_postgresql() -> None:
    guide = GUIDE.read_text()
    assert guide.index("## 9. PostgreSQL") < guide.index("## 10. Several workers")
    section = section_10()
    for words in (
        "Rolling restart",
        "pg_dump",
        "pg_restore",
        "PgBouncer",
        "transaction mode",
        "FOR UPDATE SKIP LOCKED",
        "ON CONFLICT (update_id) DO NOTHING",
        "`sender`",
        "`scheduler`",
        "`poller`",
        "availability",
        "30 messages",
    ):
        assert words in section, words
    lines = [
        line.strip()
        for block in re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)
        for line in block.splitlines()
    ]
    # One worker at a time: stop, start and wait for healthy, then the next.
    steps = [
        lines.index(f"docker compose -f deploy/compose.yaml {verb} {name}")
        for name in WORKERS
        for verb in ("stop", "up -d --no-deps --wait")
    ]
    assert steps == sorted(steps)
    # The dump and the restore, against the compose's database, user and server.
    postgres = service("postgres")["environment"]
    who = f"-U {postgres['POSTGRES_USER']} -d {postgres['POSTGRES_DB']}"
    [dump] = [line for line in lines if line.startswith("docker compose") and " pg_dump " in line]
    [restore] = [line for line in lines if " pg_restore " in line]
    for line in (dump, restore):
        assert "-f deploy/compose.yaml exec -T postgres " in line and who in line, line
    assert " -Fc " in dump
    # Every compose file the guide names exists, and so does every service it names there.
    for line in guide_lines("docker compose -f "):
        [file] = re.findall(r"-f deploy/(\S+)", line)
        names = set(compose_file(DEPLOY / file)["services"])
        argv = shlex.split(line.split(" > ", 1)[0].split(" < ", 1)[0])
        argv = argv[argv.index(f"deploy/{file}") + 1 :]
        ends = [i for i, word in enumerate(argv) if word in ("python", "pg_dump", "pg_restore")]
        for word in argv[: ends[0] if ends else None]:  # the services, not the command run
            if word in {"bot", "postgres", "nginx", "prometheus", *WORKERS}:
                assert word in names, (file, word)


def test_every_setting_the_deploy_files_name_exists() -> None:
    known = {name.upper() for name in Settings.model_fields}
    for path in (
        GUIDE,
        WORKERS_COMPOSE,
        SQLITE_COMPOSE,
        DEPLOY / "crampcoach.env.example",
        DEPLOY / "nginx-compose.conf",
    ):
        for name in re.findall(r"CRAMPCOACH_([A-Z][A-Z0-9_]*)", path.read_text()):
            assert name in known, (path.name, name)
    assert "CRAMPCOACH_LEASE_SECONDS" in section_10()


def test_the_readme_points_to_several_workers_and_keeps_its_set_up_simple() -> None:
    readme = (REPO / "README.md").read_text()
    postgres = readme.split("\n## PostgreSQL", 1)[1].split("\n## ", 1)[0]
    assert "deploy/README.md" in postgres and "Several workers" in postgres
    set_up = readme.split("\n## Set-up", 1)[1].split("\n## ", 1)[0]
    assert "postgres" not in set_up.lower()
    commands = re.findall(r"```sh\n(.*?)```", set_up, flags=re.S)
    assert commands[:2] == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && python -m bot\n",
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev]" && pytest\n',
    ]
