"""Engines and transactions for the two supported databases, SQLite and PostgreSQL.

SQLite is the default (one file in the data dir); PostgreSQL serves deployments with
several app servers. Writers take the database's write lock when their transaction
begins (`BEGIN IMMEDIATE` on SQLite, row or advisory locks on PostgreSQL), so two
servers never interleave a read-then-write.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from services.store.errors import StoreUnavailable

SQLITE_BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10
_WRITE_OPTION = "store_write"


def create_store_engine(url: str | URL) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    # pre_ping: a server restart or idle timeout must not surface as an error on the page.
    # Bounded waits: a database gone from the network must not hold a turn's writer (and
    # the stream it reads) for the operating system's minutes-long connect timeout.
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS} if _is_psycopg(parsed) else {}
    return sa.create_engine(
        parsed, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT_SECONDS, connect_args=connect_args
    )


def _is_psycopg(url: URL) -> bool:
    return url.get_backend_name() == "postgresql" and url.get_driver_name() in ("psycopg", "")


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy emit BEGIN itself: pysqlite's implicit transactions skip DDL
        # and cannot take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        _use_wal(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock now: a deferred transaction that later writes
        # can fail at once with "database is locked" instead of waiting its turn.
        writing = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _use_wal(dbapi_connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode (readers do not wait for the writer); it stays so.

    Switching needs an exclusive lock, and SQLite refuses it at once, without waiting out
    the busy timeout, while another connection writes or switches too (two servers
    opening a new database together): wait for that here instead of failing to open.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    pause = 0.01
    while True:
        try:
            mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() in ("wal", "memory"):
                return
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


@contextmanager
def _reachable() -> Iterator[None]:
    """The database's own "cannot connect" errors, as the store's StoreUnavailable."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise StoreUnavailable("the database is unreachable") from exc


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on error."""
    with _reachable(), engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction, so several reads see one consistent snapshot."""
    with _reachable(), engine.connect() as connection, connection.begin():
        yield connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def advisory_lock(connection: Connection, name: str) -> None:
    """Hold a lock named `name` until the transaction ends.

    On SQLite the write transaction already excludes every other writer, so there is
    nothing more to take.
    """
    if is_postgres(connection):
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(name))))


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps in UTC, aware on the way out on both databases.

    SQLite keeps no time zone: values are stored as naive UTC and read back as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
