"""Web access in a real browser: with the sidebar switch on, a scripted search and fetch
turn draws its steps (the URL and titles as plain text, never links), and nothing the page
loads comes from anywhere but 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fake_anthropic import SearchResult, Text, Turn, WebFetch, WebSearch
from tests.browser.harness import (
    assistant_messages,
    send,
    step_boxes,
    wait_idle,
    wait_ready,
    wait_turn_done,
)

pytestmark = pytest.mark.browser

DATA_URL = "https://data.example.org/iris.csv"
HOSTILE_URL = "javascript:alert(1)//[click](https://evil.example/x)"


@pytest.fixture
def watched(browser, app_server):
    """A page whose every request URL is kept, from the first one on."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    page.goto(app_server.url)
    wait_ready(page)
    yield page, seen
    context.close()


def test_with_web_access_on_the_fetch_step_renders_and_nothing_leaves_localhost(watched, fake_api):
    page, seen = watched
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Web access", exact=True).click()
    expect(sidebar.get_by_text("Claude may search the web")).to_be_visible()
    wait_idle(page)
    fake_api.enqueue(
        Turn(
            (
                WebSearch("iris data set", (SearchResult("Iris **bold** <b>x</b>", HOSTILE_URL),)),
                WebFetch(DATA_URL, text="sepal_length,species\n5.1,setosa\n", title="iris.csv"),
                Text("The iris data has 2 rows here."),
            )
        )
    )
    send(page, "Fetch the iris data set")
    wait_turn_done(page, "The iris data has 2 rows here.")

    answer = assistant_messages(page).last
    fetch = step_boxes(answer).filter(has_text="Fetched a web page")
    expect(fetch).to_have_count(1)
    fetch.locator("summary").click()
    details = fetch.get_by_test_id("stExpanderDetails")
    expect(details.get_by_text(f"URL: {DATA_URL}")).to_be_visible()
    expect(details.get_by_text("Document: text/plain, 32 B")).to_be_visible()
    search = step_boxes(answer).filter(has_text="Searched the web")
    search.locator("summary").click()
    expect(search.get_by_text(HOSTILE_URL)).to_be_visible()  # shown as it is, as text
    expect(search.get_by_text("Iris **bold** <b>x</b>")).to_be_visible()
    expect(page.locator("a[href*='evil.example'], a[href^='javascript']")).to_have_count(0)

    [body] = fake_api.message_requests()
    assert [t["name"] for t in body["tools"]] == ["code_execution", "web_search", "web_fetch"]
    hosts = {urlsplit(url).hostname for url in seen if urlsplit(url).scheme in ("http", "https")}
    assert hosts == {"127.0.0.1"}, hosts
