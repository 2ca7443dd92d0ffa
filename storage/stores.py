"""Which store the settings select: PostgreSQL for a ``postgresql://`` URL, else the SQLite
file (the embedded default)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from storage.store import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(POSTGRES_SCHEMES)


def open_store(database_url: str | None, db_path: Path) -> Store:
    """The store for these settings (not yet opened: :meth:`Store.open` connects)."""
    if database_url:
        from storage.postgres import PostgresDatabase  # psycopg only when it is used

        return PostgresDatabase(database_url)
    return Database(db_path)
