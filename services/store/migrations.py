"""Ordered, named schema migrations, recorded in `schema_migrations`, run when the store opens.

Rules: a migration is never edited once shipped; a change is a new function in
`schema_steps_since_0009.py` (the newest steps), appended to `MIGRATIONS`.
All pending migrations run in one transaction under a lock (a PostgreSQL advisory lock;
SQLite's write lock), so app servers starting together do not race.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.store.db import UTCDateTime, advisory_lock, utc_now, write_transaction
from services.store.errors import MigrationError
from services.store.schema_steps import (
    m0001_conversations_and_messages,
    m0002_files,
    m0003_message_search_text,
    m0004_conversation_container_and_cost,
    m0005_conversation_search_title,
    m0006_usage_by_model,
    m0007_marked_app_notes,
    m0008_file_profiles,
)
from services.store.schema_steps_since_0009 import (
    m0009_message_follow_ups,
    m0010_conversation_deleted_at,
    m0011_turn_leases,
    m0012_output_failures,
)

MIGRATIONS_TABLE = "schema_migrations"
_LOCK_NAME = "assistant.store.migrations"


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_conversations_and_messages", m0001_conversations_and_messages),
    Migration("0002_files", m0002_files),
    Migration("0003_message_search_text", m0003_message_search_text),
    Migration("0004_conversation_container_and_cost", m0004_conversation_container_and_cost),
    Migration("0005_conversation_search_title", m0005_conversation_search_title),
    Migration("0006_usage_by_model", m0006_usage_by_model),
    Migration("0007_marked_app_notes", m0007_marked_app_notes),
    Migration("0008_file_profiles", m0008_file_profiles),
    Migration("0009_message_follow_ups", m0009_message_follow_ups),
    Migration("0010_conversation_deleted_at", m0010_conversation_deleted_at),
    Migration("0011_turn_leases", m0011_turn_leases),
    Migration("0012_output_failures", m0012_output_failures),
)


_migrations_metadata = sa.MetaData()
_migrations_table = sa.Table(
    MIGRATIONS_TABLE,
    _migrations_metadata,
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("applied_at", UTCDateTime(), nullable=False),
)


def applied_migrations(connection: Connection) -> list[str]:
    """Names of the migrations recorded in the database, in order."""
    if not sa.inspect(connection).has_table(MIGRATIONS_TABLE):
        return []
    table = _migrations_table
    return list(connection.execute(sa.select(table.c.name).order_by(table.c.position)).scalars())


def _check_recorded(recorded: list[str], known: tuple[Migration, ...]) -> None:
    # A database migrated by a newer release may hold more migrations than this code
    # knows (additive changes keep older servers working); a different name at the
    # same position means the two lists disagree and nothing is safe.
    for position, (name, migration) in enumerate(zip(recorded, known, strict=False), start=1):
        if name != migration.name:
            raise MigrationError(
                f"migration {position} is {name!r} in the database but {migration.name!r} here"
            )


def migrate(
    engine: Engine, upto: int | None = None, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[str]:
    """Apply the pending migrations (the first `upto` only, if given); return their names."""
    target = migrations if upto is None else migrations[:upto]
    with write_transaction(engine) as connection:
        advisory_lock(connection, _LOCK_NAME)
        _migrations_metadata.create_all(connection, checkfirst=True)
        recorded = applied_migrations(connection)
        _check_recorded(recorded, migrations)
        applied = []
        for position, migration in enumerate(target, start=1):
            if position <= len(recorded):
                continue
            migration.apply(connection)
            connection.execute(
                _migrations_table.insert().values(
                    position=position, name=migration.name, applied_at=utc_now()
                )
            )
            applied.append(migration.name)
    return applied
