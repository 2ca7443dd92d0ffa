"""Settings, read from the environment (prefix ``CRAMPCOACH_``) and from a ``.env`` file."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.weather.forecast import OPEN_METEO_URL
from storage.store import Store
from storage.stores import open_store

ENV_PREFIX = "CRAMPCOACH_"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"

# BotFather's tokens look like 123456789:AAE...; the secret part is 35 characters today.
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 -]{1,14}$")
# Telegram's rule for a webhook's secret_token: 1 to 256 of A-Z a-z 0-9 _ -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The only ports Telegram delivers webhooks to.
WEBHOOK_PORTS = (443, 80, 88, 8443)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
Mode = Literal["polling", "webhook"]


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line that says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    db_path: Path = Path("crampcoach.sqlite3")
    # postgresql://user:password@host:port/database: PostgreSQL instead of the SQLite file.
    database_url: SecretStr | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    emergency_number: str = "112"
    log_level: LogLevel = "INFO"
    # Updates handled at once, across chats (one at a time within a chat).
    max_concurrent_updates: int = Field(default=256, ge=1, le=10_000)
    # polling: the bot asks Telegram (getUpdates); webhook: Telegram posts to webhook_url,
    # which a reverse proxy terminating TLS forwards to webhook_listen:webhook_port.
    mode: Mode = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # GET /healthz and /metrics on health_listen:health_port, in both modes; off when unset.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_listen: str = "127.0.0.1"
    # Seconds to finish the updates in hand on SIGTERM; what is left is replayed at next start.
    shutdown_grace: float = Field(default=10.0, ge=0, le=3600)
    # This process's name on /metrics (crampcoach_build_info{worker}); the host name if unset.
    worker_name: str | None = Field(default=None, max_length=128)
    # PostgreSQL, several workers: seconds a worker's claim on a chat's update or on a duty
    # (sending, scheduling, polling) lasts unrenewed; a dead worker's work is taken over
    # within about this long.
    lease_seconds: float = Field(default=15.0, ge=1, le=300)
    # The weather forecast for the heat warning (bot/weather/forecast.py): Open-Meteo's
    # forecast endpoint, or another of the same answer; "none" turns the heat warning off.
    weather_url: str = OPEN_METEO_URL
    # The https base the coach's dashboard (a Telegram Mini App) is reached at through the
    # reverse proxy, e.g. https://bot.example.org: the page is {public_url}/app/. Unset: no
    # dashboard. Set: the public listener (webhook_listen:webhook_port) serves /app/ in
    # polling mode too.
    public_url: str | None = None

    @field_validator("token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _TOKEN.match(value.strip()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a bot token from @BotFather (digits:secret)")
        return value.strip()

    @field_validator("api_base_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL, e.g. https://api.telegram.org/bot")
        return value

    @field_validator("weather_url")
    @classmethod
    def _weather_url_shape(cls, value: str) -> str:
        value = value.strip()
        if value.lower() == "none":
            return "none"
        if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
            raise ValueError("must be an http(s) URL or none")
        return value

    @field_validator("emergency_number")
    @classmethod
    def _number_shape(cls, value: str) -> str:
        value = value.strip()
        if not _PHONE_NUMBER.match(value):
            raise ValueError("must be a phone number such as 112, 911 or 000")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(
        "webhook_url", "webhook_secret", "health_port", "worker_name", "public_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                "must be the public https URL Telegram posts to, e.g. "
                "https://bot.example.org/telegram (Telegram delivers webhooks over https only)"
            )
        if parts.query or parts.fragment:
            raise ValueError(
                "must have no query or fragment, e.g. https://bot.example.org/telegram"
            )
        try:
            port = parts.port or 443
        except ValueError:
            raise ValueError("has a port that is not a number") from None
        if port not in WEBHOOK_PORTS:
            raise ValueError("must use port 443, 80, 88 or 8443 (the ports Telegram posts to)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                "must be the https base the dashboard is reached at, e.g. "
                "https://bot.example.org (Telegram opens Mini Apps over https only)"
            )
        if parts.query or parts.fragment or parts.path:
            raise ValueError(
                "must be the site's base with no path, query or fragment, e.g. "
                "https://bot.example.org (the dashboard is served under /app/)"
            )
        return value

    @property
    def dashboard_url(self) -> str | None:
        """The Mini App's address, ``{public_url}/app/``; None when the dashboard is off."""
        return None if self.public_url is None else f"{self.public_url}/app/"

    @property
    def serves_public(self) -> bool:
        """Whether the public listener opens in polling mode too (for the dashboard)."""
        return self.public_url is not None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            # Never echo the value.
            raise ValueError("must be 1 to 256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode == "webhook":
            for name, value in (
                ("WEBHOOK_URL", self.webhook_url),
                ("WEBHOOK_SECRET", self.webhook_secret),
            ):
                if value is None:
                    raise ValueError(
                        f"{ENV_PREFIX}{name} is not set: {ENV_PREFIX}MODE=webhook needs "
                        f"{ENV_PREFIX}WEBHOOK_URL and {ENV_PREFIX}WEBHOOK_SECRET"
                    )
        public_listener = self.mode == "webhook" or self.serves_public
        if (
            public_listener
            and self.health_port == self.webhook_port
            and self.health_listen == self.webhook_listen
        ):
            raise ValueError(
                f"{ENV_PREFIX}HEALTH_PORT must differ from {ENV_PREFIX}WEBHOOK_PORT "
                f"({self.webhook_port}): the health endpoints get a listener of their own"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """The path of ``webhook_url``: where the bot's own server takes Telegram's POSTs."""
        return urlsplit(self.webhook_url or "").path or "/"

    def require_webhook_secret(self) -> str:
        if self.webhook_secret is None:
            raise SettingsError(f"{ENV_PREFIX}WEBHOOK_SECRET is not set")
        return self.webhook_secret.get_secret_value()

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url_shape(cls, value: object) -> object:
        if value in (None, "") or isinstance(value, SecretStr):
            return value or None
        if not isinstance(value, str) or not value.strip().startswith(
            ("postgresql://", "postgres://")
        ):
            # Never echo the value: it may hold a password.
            raise ValueError("must be a postgresql:// URL, e.g. postgresql://bot@localhost/bot")
        return value.strip()

    def database(self) -> Store:
        """The store these settings select (not opened yet)."""
        url = self.database_url.get_secret_value() if self.database_url is not None else None
        return open_store(url, self.db_path)

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @field_validator("db_path")
    @classmethod
    def _path_not_dir(cls, value: Path) -> Path:
        if value.is_dir():
            raise ValueError("is a folder; give a file path such as data/crampcoach.sqlite3")
        return value

    def require_token(self) -> str:
        if self.token is None:
            raise SettingsError(
                f"{ENV_PREFIX}TOKEN is not set: get a token from @BotFather and set it in the "
                "environment or in a .env file (or try the bot offline with: python -m bot chat)"
            )
        return self.token.get_secret_value()


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read the settings; a bad one raises :class:`SettingsError` naming it."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    except UnicodeDecodeError as exc:
        # Only the position: the bytes around it could be the token.
        raise SettingsError(
            f"{env_file} is not UTF-8 text (a byte it cannot read at position {exc.start}): "
            "save it as UTF-8"
        ) from None


# What each setting expects, said in full when pydantic's own words would be its (a number out
# of range, not a number at all). tests/test_settings.py checks every setting has a line here.
EXPECTED: dict[str, str] = {
    "token": "must be the bot token from @BotFather (digits:secret)",
    "db_path": "must be the database's file path, e.g. data/crampcoach.sqlite3",
    "api_base_url": "must be an http(s) URL, e.g. https://api.telegram.org/bot",
    "emergency_number": "must be a phone number such as 112, 911 or 000",
    "log_level": "must be one of DEBUG, INFO, WARNING, ERROR",
    "max_concurrent_updates": "must be a whole number from 1 to 10000",
    "mode": "must be polling or webhook",
    "webhook_url": (
        "must be the public https URL Telegram posts to, e.g. https://bot.example.org/telegram"
    ),
    "webhook_secret": "must be 1 to 256 characters of A-Z a-z 0-9 _ - (Telegram's rule)",
    "webhook_listen": "must be an address to listen on, e.g. 127.0.0.1",
    "webhook_port": "must be a port number from 1 to 65535",
    "health_port": "must be a port number from 1 to 65535, or empty to leave /healthz off",
    "health_listen": "must be an address to listen on, e.g. 127.0.0.1",
    "shutdown_grace": "must be a number of seconds from 0 to 3600, e.g. 10 or 2.5",
    "database_url": (
        "must be a PostgreSQL URL, postgresql://user:password@host:port/database, or empty "
        "for the SQLite file"
    ),
    "worker_name": "must be a name of up to 128 characters, or empty for the host name",
    "lease_seconds": "must be a number of seconds from 1 to 300, e.g. 15",
    "weather_url": (
        "must be the forecast's http(s) URL, e.g. https://api.open-meteo.com/v1/forecast, "
        "or none to turn the heat warning off"
    ),
    "public_url": (
        "must be the https base the dashboard is reached at, e.g. https://bot.example.org"
    ),
}


def _describe(exc: ValidationError) -> str:
    """One line naming every bad setting and what it expects; never the value given."""
    lines = (_describe_one(e["loc"], e["type"], e["msg"]) for e in exc.errors())
    return "; ".join(dict.fromkeys(lines))


def _describe_one(loc: tuple[int | str, ...], kind: str, text: str) -> str:
    message = text.removeprefix("Value error, ")
    if not loc:
        # A combination of settings (the model's own check): its message names them.
        return message
    field = str(loc[0])
    if kind != "value_error":
        # pydantic's own words ("Input should be greater than or equal to 1"): ours instead.
        message = EXPECTED.get(field, "is malformed: see the README's Settings")
    return f"{ENV_PREFIX}{field.upper()} {message}"


def database_folder_problem(path: Path) -> str | None:
    """Why the bot could not keep its database at ``path`` (CRAMPCOACH_DB_PATH), or ``None``.

    The folder must already exist (a mistyped path is not silently created), be a folder, and
    take new files from this user: the bot creates the database, its -wal and -shm files and its
    run lock there. The last is tried for real (an unnamed file, gone at once; nothing is left
    in the folder): a pseudo file system such as /proc lets root pass every permission check
    and still takes no file.
    """
    folder = path.parent
    refused = f"cannot use the database {path} ({ENV_PREFIX}DB_PATH):"
    if not folder.exists():
        ancestor = folder.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if ancestor.exists() and not ancestor.is_dir():
            return f"{refused} {ancestor} is not a folder; give a path in an existing folder"
        return (
            f"{refused} the folder {folder} does not exist; create it for the bot's user, or "
            "fix the path (the bot creates the database file, never its folder)"
        )
    if not folder.is_dir():
        return f"{refused} {folder} is not a folder; give a path in an existing folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"{refused} the folder {folder} is not writable by this user; the bot's user must "
            "be able to read and write it and create files in it (chown it)"
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return (
            f"{refused} cannot create files in {folder} ({exc.strerror or type(exc).__name__}); "
            "give a folder on a writable file system, where the bot's user may create files"
        )
    return None
