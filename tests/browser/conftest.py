"""Fixtures for the browser tests: a fake API, the app server, and a Chromium page.

`app_server` and `page` start an app server per test. `shared_app`, `shared_fake` and
`chat` let a module share one app server (starting one costs seconds on a small machine)
while each test still gets a fresh fake API and a fresh browser session, so a test's
script queue, recorded requests and conversation are its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from fake_anthropic.server import serving
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    AppServer,
    app_environment,
    chromium_browser,
    free_port,
    require_chromium,
    wait_ready,
)

# A slow shared machine: conditions get generous time (assertions never time anything).
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def app_server(fake_api, tmp_path):
    server = AppServer(app_environment(fake_api.base_url, tmp_path / "data"), tmp_path / "app.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(app_server.url)
    yield page
    context.close()


@dataclass(frozen=True)
class SharedApp:
    server: AppServer
    api_port: int  # where each test's fake API listens (the app's ANTHROPIC_BASE_URL)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    require_chromium()
    api_port = free_port()
    work = tmp_path_factory.mktemp("shared-app")
    env = app_environment(f"http://127.0.0.1:{api_port}", work / "data")
    server = AppServer(env, work / "app.log").start()
    yield SharedApp(server, api_port)
    server.stop()


@pytest.fixture
def shared_fake(shared_app):
    """A fresh fake API for this test, on the port the shared app server calls."""
    with serving(shared_app.api_port) as fake:
        yield fake


@pytest.fixture
def chat(browser, shared_app, shared_fake):
    """A new browser session (so a new conversation) on the shared app, ready for input."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(shared_app.server.url)
    wait_ready(page)
    yield page
    context.close()


@pytest.fixture
def restart_app(app_server):
    """Stop `app_server` (killed outright with kill=True) and start it again: the same port
    and the same data folder, as a restarted or crashed deployment comes back."""

    def restart(kill: bool = False) -> AppServer:
        app_server.stop(kill=kill)
        return app_server.start()

    return restart
