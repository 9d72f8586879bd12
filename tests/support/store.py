"""Fixtures for the store tests: one suite, run on SQLite always and on PostgreSQL when configured.

PostgreSQL runs when `ASSISTANT_TEST_DATABASE_URL` names a server
(`bash .ci/start_postgres.sh` starts one and prints the URL). Without it the
PostgreSQL cases skip, except under `CI=true`, where they fail: CI must test both.
Each PostgreSQL test gets a fresh schema, dropped afterwards, so reruns start clean.

The fixtures themselves are in tests/services/conftest.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_ENV = "ASSISTANT_TEST_DATABASE_URL"
POSTGRES_HINT = (
    f"set {POSTGRES_ENV} to run the store tests on PostgreSQL, e.g. "
    "postgresql+psycopg://assistant:assistant@127.0.0.1:5432/assistant_test "
    "(`bash .ci/start_postgres.sh` starts a local server and prints it)"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def postgres_base_url() -> str:
    """The configured PostgreSQL URL; skips the test without one (fails it under CI)."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{POSTGRES_ENV} is not set but CI=true requires PostgreSQL: {POSTGRES_HINT}")
    pytest.skip(POSTGRES_HINT)


@contextmanager
def fresh_postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped afterwards."""
    schema = f"store_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
