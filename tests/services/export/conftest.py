"""The export tests read a stored conversation; one store (SQLite) is enough for them."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'assistant.db'}"
