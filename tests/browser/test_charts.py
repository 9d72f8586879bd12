"""Interactive charts in a real browser: a Vega-Lite spec from the fake API is drawn as SVG
with one mark per row of its data, and a spec pointing at another host makes no request
leaving 127.0.0.1, not even one the page's CSP would block."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.harness import assistant_messages, send, wait_turn_done
from tests.support.charts import OTHER_HOST, bar_spec, chart_turn, hostile_spec, sales_rows

pytestmark = pytest.mark.browser

# Every CSP violation the page sees, kept where the test can read it: a request the CSP
# blocks never reaches the network (or a route), so it is counted here.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.blockedURI + " " + e.violatedDirective);
});
"""


@pytest.fixture
def fake_api(shared_fake):
    return shared_fake


@pytest.fixture
def watched(chat):
    """The chat page with every request recorded, and any to another host refused."""
    requests: list[str] = []

    def route(route):
        requests.append(route.request.url)
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
            route.continue_()
        else:
            route.abort()

    chat.context.route("**/*", route)
    chat.on("request", lambda request: requests.append(request.url))
    chat.add_init_script(RECORD_VIOLATIONS)
    chat.evaluate(RECORD_VIOLATIONS)
    return chat, requests


def bars(answer):
    return answer.locator("[data-testid='stVegaLiteChart'] svg g.mark-rect path")


def test_the_spec_is_drawn_as_svg_with_one_bar_per_row(chat, fake_api):
    fake_api.enqueue(chart_turn(bar_spec()))
    send(chat, "Chart the sales")
    wait_turn_done(chat, "Here is the chart.")
    answer = assistant_messages(chat).last

    rows = sales_rows()
    expect(bars(answer)).to_have_count(len(rows))
    drawn = bars(answer).evaluate_all(
        "paths => paths.map(p => [p.getAttribute('aria-label'), p.getBBox().height])"
    )
    labels = [label for label, _ in drawn]
    assert labels == [f"month: {r['month']}; sales: {r['sales']}" for r in rows]
    # Heights follow the values (a linear scale from zero): the data drawn is the spec's.
    tallest = max(height for _, height in drawn)
    peak = max(r["sales"] for r in rows)
    for (_, height), row in zip(drawn, rows, strict=True):
        assert height / tallest == pytest.approx(row["sales"] / peak, rel=0.02)
    expect(answer.get_by_test_id("stImage")).to_have_count(0)

    answer.get_by_test_id("stButtonGroup").get_by_text("Image", exact=True).click()
    expect(answer.get_by_test_id("stImage")).to_have_count(1)
    expect(answer.get_by_test_id("stVegaLiteChart")).to_have_count(0)


def test_a_spec_with_urls_and_links_makes_no_request_off_the_page(watched, fake_api):
    page, requests = watched
    fake_api.enqueue(chart_turn(hostile_spec()))
    send(page, "Chart the sales")
    wait_turn_done(page, "Here is the chart.")
    answer = assistant_messages(page).last

    expect(bars(answer)).to_have_count(len(sales_rows()))  # drawn from the inline rows
    chart = answer.get_by_test_id("stVegaLiteChart")
    assert chart.locator("a").count() == 0  # no link on any mark
    hrefs = chart.locator("image").evaluate_all(
        "images => images.map(i => i.getAttribute('href') || i.getAttribute('xlink:href'))"
    )
    assert not any(hrefs)  # the image marks are left without a source
    bars(answer).first.click()
    page.wait_for_load_state("networkidle")
    assert [u for u in requests if OTHER_HOST.split("//")[1] in u] == []
    assert [
        u
        for u in requests
        if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
    ] == []
    assert page.evaluate("window.__violations") == []
    assert len(page.context.pages) == 1  # no link opened
