"""Hostile model output in Chromium: every request the page makes is routed and none
leaves 127.0.0.1, nothing the model wrote is live in the DOM (no script, no event-handler
attribute, no `javascript:` link, no frame), no foreign image loads, and the SVG and HTML
outputs are offered as downloads only; a reload draws the same, as inert."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.browser.conftest import app_server, browser
from tests.browser.harness import (
    assistant_messages,
    send,
    visible_download_buttons,
    wait_ready,
    wait_turn_done,
)
from tests.hardening.hostile import (
    CANARY,
    FOREIGN_HOST,
    HTML_NAME,
    HTML_PAGE,
    SVG,
    SVG_NAME,
    hostile_turn,
)

__all__ = ["app_server", "browser"]
pytestmark = pytest.mark.browser
LOCAL = "127.0.0.1"
FIRST_LOAD_MS = 180_000  # a loaded shared machine can take long over the first script run

# What the model wrote that would be live: scripts, frames, handlers, script links.
LIVE_ELEMENTS = """() => {
  const messages = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
  const all = messages.flatMap(m => [...m.querySelectorAll('*')]);
  const found = [];
  for (const el of all) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'frame', 'style'].includes(tag)) found.push(tag);
    for (const attr of el.getAttributeNames()) {
      if (attr.toLowerCase().startsWith('on')) found.push(tag + '[' + attr + ']');
    }
    const href = (el.getAttribute('href') || el.getAttribute('xlink:href') || '').trim();
    if (href.toLowerCase().startsWith('javascript:')) found.push(tag + '[href=' + href + ']');
  }
  return found;
}"""
# Images that loaded from anywhere but this page's own server (data: and blob: are local).
FOREIGN_IMAGES = """() => [...document.images]
  .filter(img => img.complete && img.naturalWidth > 0)
  .map(img => img.currentSrc || img.src)
  .filter(src => !src.startsWith(location.origin) && !/^(data|blob):/.test(src))"""


class Requests:
    """Every request the browser context makes. Those that reach the network are routed:
    local ones go on, any other is refused and noted. Requests the page's CSP blocks
    before the network are noted as tried; one that got an answer from elsewhere is noted
    as foreign too."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.foreign: list[str] = []
        self.tried: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        if urlsplit(url).hostname == LOCAL:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def attempted(self, request: Request) -> None:
        if _foreign(request.url):
            self.tried.append(request.url)

    def finished(self, request: Request) -> None:
        if _foreign(request.url):
            self.foreign.append(request.url)


def _foreign(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != LOCAL


def settled(page: Page) -> None:
    state = page.get_by_test_id("stApp")
    expect(state).to_have_attribute("data-test-script-state", "notRunning", timeout=FIRST_LOAD_MS)
    wait_ready(page)


def assert_inert(page: Page, requests: Requests) -> None:
    answer = assistant_messages(page).last
    expect(answer).to_contain_text(f"{CANARY} click me")  # the text is there, as text
    expect(answer).to_contain_text("<script>")  # raw HTML is shown literally, not run
    assert page.evaluate(LIVE_ELEMENTS) == []
    assert page.evaluate(FOREIGN_IMAGES) == []
    assert page.evaluate(f"window.{CANARY.replace('-', '_')} === undefined")
    assert requests.foreign == [], requests.foreign
    assert all(FOREIGN_HOST in u for u in requests.tried)  # only the model's, all blocked
    assert requests.seen and all(urlsplit(u).hostname == LOCAL for u in requests.seen)
    # The SVG and the HTML page: downloads, never drawn as an image or a frame.
    for name in (SVG_NAME, HTML_NAME):
        expect(visible_download_buttons(page).filter(has_text=name).first).to_be_visible()
    # (A data: SVG the model wrote may show as an <img>: a browser runs no script in an
    # image, and its onload is not an attribute of the page's DOM.)
    media = page.evaluate(
        "() => [...document.images].map(i => i.src).filter(s => s.startsWith(location.origin))"
    )
    assert not [src for src in media if src.lower().split("?")[0].endswith((".svg", ".html"))]


def test_hostile_output_is_inert_in_the_browser_and_after_a_reload(
    browser, app_server, fake_api
) -> None:
    fake_api.enqueue(hostile_turn(big_stdout=False))  # the 5 MB stdout: test_hostile_output
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    requests = Requests()
    context.route("**/*", requests.route)
    context.on("request", requests.attempted)
    context.on("requestfinished", requests.finished)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(app_server.url)
        settled(page)
        send(page, "show me everything")
        wait_turn_done(page, "Done.")
        assert_inert(page, requests)
        assert requests.tried  # the hostile image was really tried, and blocked
        downloads = {}
        for name, data in ((SVG_NAME, SVG), (HTML_NAME, HTML_PAGE)):
            with page.expect_download() as got:
                visible_download_buttons(page).filter(has_text=name).first.click()
            downloads[name] = Path(got.value.path()).read_bytes()
            assert downloads[name] == data  # the exact bytes, as a file, not a page

        page.reload()
        settled(page)
        expect(assistant_messages(page).last).to_contain_text("Done.")
        assert_inert(page, requests)
    finally:
        context.close()
