"""Fixtures of the services tests: the store, on SQLite always and on PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.settings import Settings
from services.store import Store, open_store
from tests.support.store import BACKENDS, fresh_postgres_schema, postgres_base_url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'assistant.db'}"
        return
    with fresh_postgres_schema(postgres_base_url()) as url:
        yield url


@pytest.fixture
def store_settings(database_url: str, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    return Settings(data_dir=data_dir, files_dir=data_dir / "files", database_url=database_url)


@pytest.fixture
def store(store_settings: Settings) -> Iterator[Store]:
    opened = open_store(store_settings)
    try:
        yield opened
    finally:
        opened.close()
