"""Shared fixtures: the fake Anthropic API server, an SDK client pointed at it, a turn
runner on that client, the folder of real API recordings, and a PostgreSQL server of a
test's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from fake_anthropic import FakeAnthropic
from fake_anthropic.recordings import RECORDINGS_ENV, find_recordings_dir
from fake_anthropic.server import serving
from services.turn.runner import TurnRunner
from tests.support.postgres_server import PostgresServer
from tests.support.runner import make_runner


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropic]:
    with serving() as fake:
        yield fake


@pytest.fixture
def fake_client(fake_api: FakeAnthropic) -> Iterator[anthropic.Anthropic]:
    client = anthropic.Anthropic(api_key="test-key", base_url=fake_api.base_url, max_retries=0)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def runner(fake_client: anthropic.Anthropic, tmp_path: Path) -> TurnRunner:
    """A turn runner on the fake, with retries that report their waits but do not sleep."""
    return make_runner(fake_client, tmp_path)[0]


@pytest.fixture(scope="session")
def recordings_dir() -> Path:
    """`<repo>/../shared/recordings` (or $ASSISTANT_RECORDINGS_DIR); skips when absent, except
    under CI=true where a missing folder is a failure."""
    found = find_recordings_dir()
    if found is not None:
        return found
    reason = f"recordings folder not found (set {RECORDINGS_ENV} or put shared/ beside the repo)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, started; the test may stop and start it."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
