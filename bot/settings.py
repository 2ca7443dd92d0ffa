"""Settings, read from the environment (prefix ``CRAMPCOACH_``) and from a ``.env`` file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CRAMPCOACH_"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"

# BotFather's tokens look like 123456789:AAE...; the secret part is 35 characters today.
_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 -]{1,14}$")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line that says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    db_path: Path = Path("crampcoach.sqlite3")
    api_base_url: str = DEFAULT_API_BASE_URL
    emergency_number: str = "112"
    log_level: LogLevel = "INFO"
    # Updates handled at once, across chats (one at a time within a chat).
    max_concurrent_updates: int = Field(default=256, ge=1, le=10_000)

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
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = f"{ENV_PREFIX}{field.upper()}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error" and field == "log_level":
        message = "must be one of DEBUG, INFO, WARNING, ERROR"
    return f"{name} {message}"
