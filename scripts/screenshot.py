"""Take the README's screenshot: a finished turn with a chart, against the demo fake API.

Usage: python -m scripts.screenshot [docs/screenshot.png]
Starts the fake API server in demo mode and `streamlit run app.py` on free ports, sends
the monthly-sales example in headless Chromium, waits for the finished turn and its chart,
opens the code step, and saves a PNG of the whole conversation.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from fake_anthropic import FakeAnthropic
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    REPO_ROOT,
    AppServer,
    app_environment,
    assistant_messages,
    chromium_browser,
    send,
    step_boxes,
    wait_idle,
    wait_ready,
)

expect.set_options(timeout=EXPECT_TIMEOUT_MS)

PROMPT = (
    "Can you create a visualization showing the trend of monthly sales data: January: $50K, "
    "February: $65K, March: $45K, April: $70K, May: $80K?"
)
CLOSING_TEXT = "The chart and the CSV are attached below."  # the demo turn's last words
WIDTH, MIN_HEIGHT, MAX_HEIGHT = 1280, 900, 2600
EVENT_DELAY = 0.01  # seconds between stream events: the answer streams as it would live


def capture(output: Path) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeAnthropic(demo=True, event_delay=EVENT_DELAY) as api,
    ):
        work = Path(tmp)
        server = AppServer(app_environment(api.base_url, work / "data"), work / "app.log")
        try:
            server.start()
            take_screenshot(server.url, output)
        finally:
            server.stop()


def take_screenshot(url: str, output: Path) -> None:
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": WIDTH, "height": MIN_HEIGHT})
        page.set_default_timeout(EXPECT_TIMEOUT_MS)
        page.goto(url)
        wait_ready(page)
        send(page, PROMPT)
        answer = assistant_messages(page)
        expect(answer.get_by_text(CLOSING_TEXT)).to_be_visible()
        wait_idle(page)
        step = step_boxes(answer).first
        step.locator("summary").click()
        expect(step.get_by_test_id("stCode").first).to_be_visible()
        fit_to_content(page)
        image = answer.get_by_test_id("stImage").locator("img")
        expect(image).to_have_js_property("complete", True)
        page.mouse.move(WIDTH // 2, 5)  # off the sidebar and buttons: no hover effects
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output), animations="disabled")


def fit_to_content(page: Page) -> None:
    """The page scrolls inside its main block, so grow the window to show all of it."""
    height = settled_height(page)
    # Room for the chat input pinned to the bottom of the window.
    size = {"width": WIDTH, "height": min(max(height + 160, MIN_HEIGHT), MAX_HEIGHT)}
    page.set_viewport_size(size)
    settled_height(page)
    wait_idle(page)


def settled_height(page: Page) -> int:
    """The main block's height once two looks 250 ms apart agree (an expander has opened)."""
    page.wait_for_function(
        """() => {
            const main = document.querySelector('[data-testid="stMainBlockContainer"]');
            const same = window.__lastHeight === main.scrollHeight;
            window.__lastHeight = main.scrollHeight;
            return same;
        }""",
        polling=250,
    )
    return page.get_by_test_id("stMainBlockContainer").evaluate("el => el.scrollHeight")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "docs" / "screenshot.png"
    capture(target)
    print(f"saved {target}")
