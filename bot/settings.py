"""Settings, read from the environment (prefix ``CRAMPCOACH_``) and from a ``.env`` file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @field_validator("webhook_url", "webhook_secret", "health_port", mode="before")
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

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            # Never echo the value.
            raise ValueError("must be 1 to 256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode != "webhook":
            return self
        for name, value in (
            ("WEBHOOK_URL", self.webhook_url),
            ("WEBHOOK_SECRET", self.webhook_secret),
        ):
            if value is None:
                raise ValueError(
                    f"{ENV_PREFIX}{name} is not set: {ENV_PREFIX}MODE=webhook needs "
                    f"{ENV_PREFIX}WEBHOOK_URL and {ENV_PREFIX}WEBHOOK_SECRET"
                )
        if self.health_port == self.webhook_port and self.health_listen == self.webhook_listen:
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


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    if not error["loc"]:
        # A combination of settings (the model's own check): its message names them.
        return str(error["msg"]).removeprefix("Value error, ")
    field = str(error["loc"][0])
    name = f"{ENV_PREFIX}{field.upper()}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error" and field == "log_level":
        message = "must be one of DEBUG, INFO, WARNING, ERROR"
    if error["type"] == "literal_error" and field == "mode":
        message = "must be polling or webhook"
    return f"{name} {message}"
