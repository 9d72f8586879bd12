"""One upload limit: Streamlit's server.maxUploadSize, which ASSISTANT_MAX_UPLOAD_MB may only
lower. The page states the limit in force beside the composer, and the chat input enforces
the same number (tests/browser/test_upload_limit.py sends a file over it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.components.support import new_app


@pytest.fixture
def server_limit() -> Iterator[None]:
    """server.maxUploadSize set as config.toml or STREAMLIT_SERVER_MAX_UPLOAD_SIZE sets it."""
    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 120)
    yield
    config.set_option("server.maxUploadSize", before)


def limit_caption(app: AppTest) -> str:
    [caption] = [c.value for c in app.caption if "A larger file is refused" in c.value]
    return caption


def sidebar_limit(app: AppTest) -> str:
    return next(c.value for c in app.sidebar.caption if "Attachments can be up to" in c.value)


def test_an_app_limit_above_the_servers_is_not_advertised(
    env, server_limit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "300")
    app = new_app().run()
    assert not app.exception
    assert app.chat_input(key="composer").proto.max_upload_size_mb == 120
    assert "Files up to 120 MB each" in limit_caption(app)
    assert "up to 120 MB each" in sidebar_limit(app) and "300" not in sidebar_limit(app)


def test_an_app_limit_below_the_servers_is_the_one_in_force(
    env, server_limit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "30")
    app = new_app().run()
    assert app.chat_input(key="composer").proto.max_upload_size_mb == 30
    assert "Files up to 30 MB each" in limit_caption(app)
    assert "up to 30 MB each" in sidebar_limit(app)


def test_without_the_app_setting_the_servers_limit_is_stated(env, server_limit) -> None:
    app = new_app().run()
    assert app.chat_input(key="composer").proto.max_upload_size_mb == 120
    assert "Files up to 120 MB each" in limit_caption(app)
