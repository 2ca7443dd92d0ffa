"""Numbered schema migrations, applied at start-up, one list for both stores.

Each migration runs in its own transaction together with the bump of the schema version
(SQLite: ``BEGIN IMMEDIATE`` and ``PRAGMA user_version``; PostgreSQL: ``storage.postgres``, the
``schema_version`` table under a transaction's advisory lock), so a crash half-way leaves the
database at the previous version and a second start applies nothing twice. Add new migrations
at the end; never edit a released one.

A migration's ``sql`` is written for SQLite. For PostgreSQL it is either **portable**, read
through :func:`postgres_sql`'s type mapping (every ``INTEGER`` a ``BIGINT``: Telegram's ids
outgrow 32 bits; an ``id INTEGER PRIMARY KEY`` an identity column, which SQLite's rowid alias
is; ``BLOB`` a ``BYTEA``; ``WITHOUT ROWID`` dropped), or it gives its own ``postgresql``.
Timestamps are ISO-8601 UTC text on both (``storage.timestamps``): they sort as text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str
    postgresql: str | None = None  # when the SQLite text cannot be mapped (see the docstring)


_STEPS_TABLE = """
        CREATE TABLE conversation_steps (
            chat_id  INTEGER NOT NULL,
            user_id  INTEGER NOT NULL,
            flow     TEXT NOT NULL,
            step     TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id, flow)
        ) WITHOUT ROWID;
"""
_STEPS_SQLITE = (
    _STEPS_TABLE
    + """
        INSERT INTO conversation_steps (chat_id, user_id, flow, step)
            SELECT json_extract(key, '$[0]'), json_extract(key, '$[1]'), name,
                   json_extract(state, '$')
            FROM ptb_conversations
            WHERE json_valid(key) AND json_array_length(key) = 2
              AND json_valid(state) AND json_type(state) = 'text';
        DROP TABLE ptb_conversations;
"""
)
# PostgreSQL (postgres_sql drops WITHOUT ROWID): the table alone, nothing to carry over.
_STEPS_POSTGRESQL = _STEPS_TABLE + "DROP TABLE ptb_conversations;\n"
_OUTBOX_AND_TIMERS = """
        CREATE TABLE outbox (
            id          INTEGER PRIMARY KEY,
            origin      TEXT NOT NULL,
            position    INTEGER NOT NULL,
            chat_id     INTEGER NOT NULL,
            method      TEXT NOT NULL,
            params      TEXT NOT NULL,
            attachment  BLOB,
            kind        TEXT NOT NULL CHECK (kind IN ('reply', 'prompt', 'notice', 'answer')),
            background  INTEGER NOT NULL DEFAULT 0,
            edit_of     TEXT,
            guard       TEXT,
            forget      INTEGER NOT NULL DEFAULT 0,
            created_at  TEXT NOT NULL,
            not_before  TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            claimed_at  TEXT,
            sent_at     TEXT,
            outcome     TEXT CHECK (outcome IN
                            ('sent', 'failed', 'blocked', 'unknown', 'skipped', 'cancelled')),
            message_id  INTEGER,
            UNIQUE (origin, position)
        );
        CREATE INDEX outbox_unsent ON outbox(id) WHERE outcome IS NULL;

        CREATE TABLE timers (
            key      TEXT PRIMARY KEY,
            kind     TEXT NOT NULL,
            chat_id  INTEGER NOT NULL,
            user_id  INTEGER,
            due_at   TEXT NOT NULL,
            data     TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX timers_due ON timers(due_at);
        CREATE INDEX timers_by_user ON timers(user_id)
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "users, cramp episodes and bot persistence",
        """
        CREATE TABLE users (
            user_id            INTEGER PRIMARY KEY,
            first_seen_at      TEXT NOT NULL,
            disclaimer_seen_at TEXT,
            blocked_at         TEXT
        );

        CREATE TABLE episodes (
            id               INTEGER PRIMARY KEY,
            user_id          INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            started_at       TEXT NOT NULL,
            ended_at         TEXT,
            context          TEXT CHECK (context IN ('exercise', 'rest')),
            muscle           TEXT,
            red_flag         TEXT,
            relief_tried     TEXT NOT NULL DEFAULT '',
            helped           TEXT,
            outcome          TEXT CHECK (outcome IN
                                 ('eased', 'escalated', 'not_eased', 'rest_advice', 'cancelled')),
            activity         TEXT,
            time_into        TEXT,
            hot_conditions   INTEGER,
            heavy_clothing   INTEGER,
            is_recurrence    INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX episodes_by_user ON episodes(user_id, started_at);
        CREATE INDEX episodes_open ON episodes(started_at) WHERE outcome IS NULL;

        CREATE TABLE ptb_conversations (
            name  TEXT NOT NULL,
            key   TEXT NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (name, key)
        );

        CREATE TABLE ptb_user_data (
            user_id INTEGER PRIMARY KEY,
            data    TEXT NOT NULL
        );
        """,
    ),
    Migration(
        2,
        "recovery plans and daily check-ins",
        """
        CREATE TABLE plans (
            id              INTEGER PRIMARY KEY,
            user_id         INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            chat_id         INTEGER NOT NULL,
            episode_id      INTEGER REFERENCES episodes(id) ON DELETE SET NULL,
            cramp_at        TEXT NOT NULL,
            checkin_time    TEXT,
            zone            TEXT,
            stage           INTEGER NOT NULL DEFAULT 0,
            status          TEXT NOT NULL CHECK (status IN
                                ('setup', 'active', 'paused', 'unreachable', 'ended')),
            editing         TEXT CHECK (editing IN ('time', 'zone')),
            next_checkin_at TEXT,
            unanswered_days INTEGER NOT NULL DEFAULT 0,
            recurrences     INTEGER NOT NULL DEFAULT 0,
            created_at      TEXT NOT NULL,
            ended_at        TEXT
        );
        CREATE INDEX plans_due ON plans(next_checkin_at) WHERE status = 'active';
        CREATE UNIQUE INDEX plans_one_live_per_user ON plans(user_id)
            WHERE status IN ('setup', 'active', 'paused', 'unreachable');

        CREATE TABLE checkins (
            id           INTEGER PRIMARY KEY,
            plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            local_date   TEXT NOT NULL,
            day          INTEGER NOT NULL,
            claimed_at   TEXT NOT NULL,
            sent_at      TEXT,
            remind_at    TEXT,
            reminded     INTEGER NOT NULL DEFAULT 0,
            answered_at  TEXT,
            pain         INTEGER CHECK (pain BETWEEN 0 AND 10),
            yesterday    TEXT,
            warning_sign INTEGER,
            stage_before INTEGER,
            stage_after  INTEGER,
            decision     TEXT,
            UNIQUE (plan_id, local_date)
        );
        CREATE INDEX checkins_unsent ON checkins(claimed_at) WHERE sent_at IS NULL;
        CREATE INDEX checkins_remind ON checkins(remind_at) WHERE remind_at IS NOT NULL;
        """,
    ),
    Migration(
        3,
        "the athlete's country and emergency number; the plan's muscle",
        """
        ALTER TABLE users ADD COLUMN country TEXT;
        ALTER TABLE users ADD COLUMN emergency_number TEXT;
        ALTER TABLE users ADD COLUMN awaiting TEXT
            CHECK (awaiting IN ('emergency_number', 'team_name'));
        ALTER TABLE plans ADD COLUMN muscle TEXT;
        UPDATE plans SET muscle = (SELECT e.muscle FROM episodes e WHERE e.id = plans.episode_id)
        """,
    ),
    Migration(
        4,
        "coach teams: teams, coaches, members with their consent, alerts sent, digests",
        """
        CREATE TABLE teams (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL,
            chat_id       INTEGER UNIQUE,
            chat_kind     TEXT NOT NULL CHECK (chat_kind IN ('group', 'channel')),
            invite_token  TEXT NOT NULL UNIQUE,
            status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
            created_at    TEXT NOT NULL
        );
        CREATE TABLE team_coaches (
            team_id        INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id        INTEGER NOT NULL,
            name           TEXT NOT NULL,
            alerts         INTEGER NOT NULL DEFAULT 1,
            digest_time    TEXT,
            digest_zone    TEXT,
            next_digest_at TEXT,
            added_at       TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        CREATE INDEX team_coaches_by_user ON team_coaches(user_id);
        CREATE INDEX team_digests_due ON team_coaches(next_digest_at)
            WHERE next_digest_at IS NOT NULL;
        CREATE TABLE team_members (
            team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            display_name TEXT NOT NULL,
            consent      TEXT NOT NULL CHECK (consent IN ('status', 'details')),
            joined_at    TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        CREATE INDEX team_members_by_user ON team_members(user_id);
        CREATE TABLE team_alerts (
            team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            user_id   INTEGER NOT NULL,
            event_key TEXT NOT NULL,
            sent_at   TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id, event_key)
        );
        CREATE TABLE team_digests (
            team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            coach_id   INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            sent_at    TEXT,
            UNIQUE (team_id, coach_id, local_date)
        );
        CREATE TABLE group_chats (
            chat_id    INTEGER PRIMARY KEY,
            greeted_at TEXT NOT NULL
        );
        ALTER TABLE users ADD COLUMN pending_invite TEXT
        """,
    ),
    Migration(
        5,
        "the update inbox; plans set aside for attention",
        """
        CREATE TABLE inbox (
            update_id   INTEGER PRIMARY KEY,
            payload     TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at     TEXT
        );
        CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;

        ALTER TABLE plans ADD COLUMN attention TEXT;
        """,
    ),
    Migration(
        6,
        "safety third pass: signs cleared, helper episodes, plans on hold, the user's zone",
        """
        ALTER TABLE episodes ADD COLUMN signs_cleared TEXT
            CHECK (signs_cleared IN ('first', 'all'));
        ALTER TABLE episodes ADD COLUMN helper INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE plans ADD COLUMN held_since TEXT;
        ALTER TABLE plans ADD COLUMN held_for TEXT;
        ALTER TABLE users ADD COLUMN zone TEXT;
        ALTER TABLE users ADD COLUMN country_asked_at TEXT
        """,
    ),
    Migration(
        7,
        "one unit of work per update: conversation steps, the outbox and timers as rows",
        _STEPS_SQLITE + _OUTBOX_AND_TIMERS,
        # A PostgreSQL database starts at this code: no python-telegram-bot persistence rows
        # ever lived in it, so there are none to carry over.
        _STEPS_POSTGRESQL + _OUTBOX_AND_TIMERS,
    ),
    Migration(
        8,
        "leases: work one process holds at a time, taken over when it stops renewing",
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """,
    ),
    Migration(
        9,
        "several workers: updates claimed by chat, one chat's oldest first",
        """
        ALTER TABLE inbox ADD COLUMN chat_key INTEGER;
        ALTER TABLE inbox ADD COLUMN holder TEXT;
        ALTER TABLE inbox ADD COLUMN held_until TEXT;
        CREATE INDEX inbox_open_by_chat ON inbox(chat_key, update_id) WHERE done_at IS NULL
        """,
    ),
    Migration(
        10,
        "the prevention programme after recovery: its sessions and weekly check-ins",
        """
        CREATE TABLE programmes (
            user_id        INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
            chat_id        INTEGER NOT NULL,
            status         TEXT NOT NULL CHECK (status IN
                               ('setup', 'active', 'paused', 'stopped')),
            editing        TEXT CHECK (editing IN ('days', 'time')),
            level          INTEGER NOT NULL DEFAULT 1,
            weekdays       TEXT NOT NULL DEFAULT '',
            session_time   TEXT,
            zone           TEXT,
            next_session_at TEXT,
            next_week_at   TEXT,
            started_at     TEXT NOT NULL,
            paused_at      TEXT,
            updated_at     TEXT NOT NULL
        );
        CREATE INDEX programmes_sessions_due ON programmes(next_session_at)
            WHERE status = 'active';
        CREATE INDEX programmes_weeks_due ON programmes(next_week_at) WHERE status = 'active';

        CREATE TABLE programme_sessions (
            id          INTEGER PRIMARY KEY,
            user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            due_date    TEXT NOT NULL,
            level       INTEGER NOT NULL,
            claimed_at  TEXT NOT NULL,
            sent_at     TEXT,
            answer      TEXT CHECK (answer IN ('done', 'too_hard', 'skipped', 'pain')),
            answered_at TEXT,
            UNIQUE (user_id, due_date)
        );
        CREATE INDEX programme_sessions_unsent ON programme_sessions(claimed_at)
            WHERE sent_at IS NULL;

        CREATE TABLE programme_weeks (
            id            INTEGER PRIMARY KEY,
            user_id       INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            week_start    TEXT NOT NULL,
            claimed_at    TEXT NOT NULL,
            sent_at       TEXT,
            cramps        INTEGER,
            training      TEXT CHECK (training IN ('well', 'hard', 'pain')),
            sessions_done INTEGER,
            answered_at   TEXT,
            UNIQUE (user_id, week_start)
        )
        """,
    ),
    Migration(
        11,
        "heat warnings before training: athletes' and teams' settings, the warnings sent",
        """
        CREATE TABLE heat_settings (
            user_id       INTEGER PRIMARY KEY,
            enabled       INTEGER NOT NULL DEFAULT 0,
            training_time TEXT,
            zone          TEXT,
            place         TEXT CHECK (place IN ('location', 'zone_city')),
            latitude      DOUBLE PRECISION,
            longitude     DOUBLE PRECISION,
            setup_step    TEXT CHECK (setup_step IN ('time', 'place')),
            updated_at    TEXT NOT NULL
        );
        CREATE TABLE team_heat (
            team_id       INTEGER PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
            coach_id      INTEGER NOT NULL,
            enabled       INTEGER NOT NULL DEFAULT 0,
            training_time TEXT,
            zone          TEXT,
            latitude      DOUBLE PRECISION,
            longitude     DOUBLE PRECISION,
            updated_at    TEXT NOT NULL
        );
        CREATE TABLE heat_warnings (
            user_id    INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            heat_index DOUBLE PRECISION NOT NULL,
            sent_at    TEXT NOT NULL,
            PRIMARY KEY (user_id, local_date)
        );
        CREATE TABLE team_heat_warnings (
            team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
            local_date TEXT NOT NULL,
            heat_index DOUBLE PRECISION NOT NULL,
            sent_at    TEXT NOT NULL,
            PRIMARY KEY (team_id, local_date)
        )
        """,
    ),
    Migration(
        12,
        "the reason of each coach alert, for the coach's dashboard (none for older alerts)",
        """
        ALTER TABLE team_alerts ADD COLUMN reason TEXT
        """,
    ),
    Migration(
        13,
        "the language each person is spoken to in (chosen, or their Telegram app's) and each "
        "team's (its coach's at /team)",
        """
        ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
        ALTER TABLE users ADD COLUMN language_chosen INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE teams ADD COLUMN language TEXT NOT NULL DEFAULT 'en'
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def apply_migrations(conn: sqlite3.Connection, *, up_to: int = LATEST_VERSION) -> int:
    """Apply every migration newer than the database (up to ``up_to``); return the resulting
    version."""
    for migration in MIGRATIONS:
        if migration.version > up_to:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if schema_version(conn) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in _split(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={migration.version:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        _LOGGER.info("Applied migration %d: %s", migration.version, migration.description)
    return schema_version(conn)


def _split(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no semicolons in literals)."""
    return [part.strip() for part in script.split(";") if part.strip()]


_SURROGATE_ID = re.compile(r"^(\s*id\s+)INTEGER PRIMARY KEY\b", re.MULTILINE)


def postgres_sql(migration: Migration) -> list[str]:
    """The migration's statements for PostgreSQL (see the module docstring)."""
    script = migration.sql if migration.postgresql is None else migration.postgresql
    script = _SURROGATE_ID.sub(r"\1BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script)
    script = re.sub(r"\bINTEGER\b", "BIGINT", script)
    script = re.sub(r"\bBLOB\b", "BYTEA", script)
    script = script.replace(") WITHOUT ROWID", ")")
    return _split(script)
