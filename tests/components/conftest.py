"""Fixtures of the page tests: the environment pointing the page at the fake API and a
temporary data folder, an AppTest of the page, the page's own store, and the downloads drawn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic
from services.settings import load_settings
from services.store import Store, open_store
from tests.components.support import new_app, stop_live


@pytest.fixture
def env(fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    # Off here, so each scripted turn makes one request; tests/components/test_page_follow_ups.py
    # turns them on.
    monkeypatch.setenv("ASSISTANT_FOLLOW_UPS", "0")
    for name in ("ASSISTANT_FILES_DIR", "ASSISTANT_DATABASE_URL", "ASSISTANT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def at(env: Path) -> Iterator[AppTest]:
    app = new_app()
    yield app
    stop_live(app)  # never leave a worker streaming after the test


@pytest.fixture
def store(env: Path) -> Iterator[Store]:
    """The app's own database and files, opened beside the page's copy of them."""
    opened = open_store(load_settings())
    yield opened
    opened.close()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """The data callable of every deferred download button drawn, by file name.

    AppTest does not run a download's callable; taking it here lets a test run it as the
    browser's click would, after the run that drew the button.
    """
    seen: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[str(file_name)] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen
