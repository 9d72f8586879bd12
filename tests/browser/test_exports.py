"""Each export downloads from the conversation's menu, and the HTML report is inert: it
opens in Chromium with no request leaving the file, none of the model's markup live, and
every image shown."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from fake_anthropic import CodeStep, OutFile, Text, Turn, sales_chart_png
from services.export.report_html import CSP
from tests.browser.harness import send, wait_ready, wait_turn_done

pytestmark = pytest.mark.browser

HOSTILE = (
    "Trends: ![pixel](http://127.0.0.2:9/track.png) <script>document.title='owned'</script> "
    "[click](javascript:document.title='owned') <img src=x onerror=\"document.title='owned'\">"
)


def download(page, cid: str, kind: str) -> bytes:
    menu = page.locator(f".st-key-menu-{cid}").get_by_role("button")
    button = page.locator(f".st-key-export-{kind}-{cid}").locator("button").filter(visible=True)
    if not button.count():
        menu.click()
    expect(button).to_have_count(1)
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_each_export_downloads_and_the_report_is_inert(page, fake_api, tmp_path) -> None:
    chart = sales_chart_png()
    step = CodeStep(
        "python", {"code": "plot()"}, stdout="saved\n",
        files=(OutFile("sales_chart.png", chart, "image/png"),),
    )  # fmt: skip
    fake_api.enqueue(Turn((Text(HOSTILE), step, Text("Here is the chart."))))
    wait_ready(page)
    send(page, "Chart the sales")
    wait_turn_done(page, "Here is the chart.")
    cid = parse_qs(urlparse(page.url).query)["c"][0]

    notebook_zip = zipfile.ZipFile(io.BytesIO(download(page, cid, "zip")))
    assert notebook_zip.read("outputs/sales_chart.png") == chart
    cells = json.loads(notebook_zip.read("analysis.ipynb"))["cells"]
    assert ["".join(c["source"]) for c in cells if c["id"] == "step-1"] == ["plot()"]
    alone = json.loads(download(page, cid, "ipynb"))
    assert [c["id"] for c in alone["cells"]] == [c["id"] for c in cells]
    markdown = zipfile.ZipFile(io.BytesIO(download(page, cid, "md")))
    assert markdown.read("images/sales_chart.png") == chart
    html = download(page, cid, "html")
    assert f'content="{CSP}"'.encode() in html

    report = tmp_path / "report.html"
    report.write_bytes(html)
    viewer = page.context.new_page()
    requests: list[str] = []
    viewer.on("request", lambda request: requests.append(request.url))
    viewer.goto(report.as_uri())
    viewer.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert viewer.title() != "owned"
    assert viewer.locator("script").count() == 0
    assert viewer.locator("a[href^='javascript']").count() == 0
    assert viewer.locator("[onerror]").count() == 0
    images = viewer.locator("img")
    expect(images).to_have_count(1)
    assert images.evaluate("img => img.complete && img.naturalWidth > 0")
    viewer.close()


def chart_turn(width: int, tool: str, words: str) -> Turn:
    chart = OutFile("sales_chart.png", sales_chart_png(width=width), "image/png")
    code = {"code": "plot()"} if tool == "python" else {"command": "plot"}
    return Turn((CodeStep(tool, code, stdout="saved\n", files=(chart,)), Text(words)))


def check_provenance(page) -> None:
    side = page.get_by_test_id("stSidebar")
    expect(side.get_by_text("Turn 1", exact=True)).to_be_visible()
    expect(side.get_by_text("Turn 2", exact=True)).to_be_visible()
    expect(side.get_by_text("Step 1 (python) · inputs then: no attached files")).to_be_visible()
    expect(side.get_by_text("Step 2 (bash) · inputs then: no attached files")).to_be_visible()


def test_provenance_survives_reload_and_restart_and_shows_the_code(
    page, fake_api, restart_app
) -> None:
    fake_api.enqueue(chart_turn(480, "python", "First chart."), chart_turn(240, "bash", "Second."))
    wait_ready(page)
    send(page, "Chart the sales")
    wait_turn_done(page, "First chart.")
    send(page, "A smaller chart")
    wait_turn_done(page, "Second.")
    check_provenance(page)

    page.reload()
    wait_ready(page)
    check_provenance(page)
    restart_app()
    page.goto(page.url)
    wait_ready(page)
    check_provenance(page)

    page.get_by_test_id("stSidebar").get_by_role("button", name="Show the code").first.click()
    shown = page.locator(".st-key-shown_step")
    expect(shown).to_be_in_viewport()
    expect(shown.get_by_text("plot()")).to_be_visible()  # the step is drawn open
