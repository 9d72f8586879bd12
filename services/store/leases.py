"""Turn leases: which app server is writing a turn of a conversation, kept in the store.

A lease is a row (conversation, holder, heartbeat). Taking it is atomic across servers:
the claim runs in a write transaction (SQLite's write lock; on PostgreSQL a transaction
advisory lock on the conversation), so two servers cannot both see it free. A lease of
another holder whose heartbeat is older than `expire_seconds` counts as free: that server
stopped (it died), and its turn is over.

Heartbeats are stamped and judged by one clock for every server: PostgreSQL's own (the
servers may run on machines whose clocks differ by more than the expiry), read in the
statement that reads or writes the lease, so it costs no round trip of its own; on SQLite
the servers share one database file, so one machine, and its clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.store.db import (
    advisory_lock,
    read_transaction,
    utc_now,
    write_transaction,
)
from services.store.schema import turn_leases

DEFAULT_EXPIRE_SECONDS = 15.0


class TurnLeases:
    def __init__(self, engine: Engine, expire_seconds: float = DEFAULT_EXPIRE_SECONDS) -> None:
        self.engine = engine
        self.expire_seconds = expire_seconds

    def take(self, conversation_id: str, holder: str) -> bool:
        """Take the conversation's lease for `holder`; False when another holder's
        unexpired lease stands (a turn runs on another server)."""
        with write_transaction(self.engine) as connection:
            advisory_lock(connection, f"assistant.turn_lease.{conversation_id}")
            current = _holder_row(connection, conversation_id)
            if current is not None and current.holder != holder and self._alive(current):
                return False
            if current is not None:  # its own renewed, or an expired one taken over
                connection.execute(
                    turn_leases.delete().where(turn_leases.c.conversation_id == conversation_id)
                )
            now = clock(connection)
            connection.execute(
                turn_leases.insert().values(
                    conversation_id=conversation_id, holder=holder, taken_at=now, heartbeat_at=now
                )
            )
            return True

    def renew(self, conversation_ids: Iterable[str], holder: str) -> None:
        """The heartbeat: every lease `holder` still holds among `conversation_ids`."""
        ids = list(conversation_ids)
        if not ids:
            return
        with write_transaction(self.engine) as connection:
            connection.execute(
                turn_leases.update()
                .where(turn_leases.c.conversation_id.in_(ids))
                .where(turn_leases.c.holder == holder)
                .values(heartbeat_at=clock(connection))
            )

    def release(self, conversation_id: str, holder: str) -> None:
        """Give the lease up (only `holder`'s own: one taken over meanwhile stays)."""
        with write_transaction(self.engine) as connection:
            connection.execute(
                turn_leases.delete()
                .where(turn_leases.c.conversation_id == conversation_id)
                .where(turn_leases.c.holder == holder)
            )

    def holder(self, conversation_id: str) -> str | None:
        """Who holds a live lease on the conversation; None when nobody does."""
        with read_transaction(self.engine) as connection:
            current = _holder_row(connection, conversation_id)
        if current is None or not self._alive(current):
            return None
        return current.holder

    def _alive(self, row: sa.Row) -> bool:
        return row.heartbeat_at > row.now - timedelta(seconds=self.expire_seconds)


def clock(connection: Connection) -> sa.ColumnElement[datetime] | datetime:
    """What stamps and judges heartbeats: on PostgreSQL its own clock, as an expression
    the statement evaluates; else this machine's time."""
    if connection.dialect.name == "postgresql":
        return sa.func.statement_timestamp()
    return utc_now()


def _holder_row(connection: Connection, conversation_id: str) -> sa.Row | None:
    """The lease's holder and heartbeat, with the clock's time read at once as `now`."""
    now = clock(connection)
    if isinstance(now, datetime):
        now = sa.literal(now, type_=turn_leases.c.heartbeat_at.type)
    query = sa.select(turn_leases.c.holder, turn_leases.c.heartbeat_at, now.label("now")).where(
        turn_leases.c.conversation_id == conversation_id
    )
    return connection.execute(query).first()
