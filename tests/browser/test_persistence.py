"""Conversations outlast the page and the server: a reload, a restart with the API down,
and a server killed in the middle of an answer, in a real browser against
`streamlit run app.py` and the fake API server."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image
from playwright.sync_api import expect

from fake_anthropic import CodeStep, OutFile, Text, Turn, sales_chart_png
from services.settings import load_settings
from services.store import LOCAL_OWNER, MessageStatus, open_store
from tests.browser.harness import (
    assistant_messages,
    send,
    step_boxes,
    user_messages,
    visible_download_buttons,
    wait_ready,
    wait_turn_done,
)

pytestmark = pytest.mark.browser

GATE_SECONDS = 30
STORE_WAIT_SECONDS = 30
LINKED = re.compile(r"[?&]c=[0-9a-f]{32}")
SUMMARY_CSV = b"month,total\nJan,12400\nFeb,15100\nMar,13900\n"


def conversation_in_url(page) -> str:
    expect(page).to_have_url(LINKED)
    return parse_qs(urlparse(page.url).query)["c"][0]


def served_bytes(fake_api) -> dict[str, bytes]:
    return {f.meta["filename"]: f.data for f in fake_api.files.values()}


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def check_restored(page, served: dict[str, bytes]) -> None:
    """The chart conversation as it was: text, the step, the chart, working downloads."""
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page)).to_contain_text("Chart the sales")
    answer = assistant_messages(page)
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Drawing the chart.")
    expect(answer).to_contain_text("Here is the chart.")
    expect(step_boxes(answer).filter(has_text="Ran Python")).to_have_count(1)
    expect(sidebar(page).get_by_role("button", name="Chart the sales")).to_be_visible()

    image = answer.get_by_test_id("stImage").locator("img")
    expect(image).to_have_count(1)
    expect(image).to_have_js_property("complete", True)
    size = Image.open(io.BytesIO(served["sales_chart.png"])).size
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == list(size)

    buttons = visible_download_buttons(page)
    expect(buttons).to_have_count(4)  # two files, under the step and in the sidebar
    for i in range(buttons.count()):
        with page.expect_download() as download_info:
            buttons.nth(i).click()
        download = download_info.value
        data = Path(download.path()).read_bytes()
        assert data == served[download.suggested_filename], download.suggested_filename


def test_reload_and_restart_with_the_api_down_restore_the_conversation(page, fake_api, restart_app):
    chart = OutFile("sales_chart.png", sales_chart_png(), "image/png")
    table = OutFile("summary.csv", SUMMARY_CSV, "text/csv")
    step = CodeStep("python", {"code": "plot()"}, stdout="saved\n", files=(chart, table))
    fake_api.enqueue(Turn((Text("Drawing the chart."), step, Text("Here is the chart."))))
    wait_ready(page)
    send(page, "Chart the sales")
    wait_turn_done(page, "Here is the chart.")
    cid = conversation_in_url(page)
    served = served_bytes(fake_api)
    assert served["summary.csv"] == SUMMARY_CSV

    page.reload()
    wait_ready(page)
    assert conversation_in_url(page) == cid
    check_restored(page, served)

    fake_api.stop()  # restoring reads only the app's own store
    restart_app()
    page.goto(page.url)
    wait_ready(page)
    assert conversation_in_url(page) == cid
    check_restored(page, served)


def wait_until_stored(data_dir: Path, cid: str, text: str) -> None:
    """Until the app's database holds `text` in the answer being written (no fixed sleep)."""
    store = open_store(load_settings({"ASSISTANT_DATA_DIR": str(data_dir)}))
    try:
        deadline = time.monotonic() + STORE_WAIT_SECONDS
        while time.monotonic() < deadline:
            answers = [m for m in store.load_messages(cid, LOCAL_OWNER) if m.role == "assistant"]
            if answers and text in str(answers[-1].content):
                assert answers[-1].status is MessageStatus.IN_PROGRESS
                return
            time.sleep(0.1)
    finally:
        store.close()
    raise AssertionError(f"the answer's text never reached the store: {text!r}")


def test_a_server_killed_mid_answer_leaves_it_marked_interrupted(
    page, fake_api, restart_app, tmp_path
):
    step = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="long-step")
    said = "Loading the data before the long step."
    fake_api.enqueue(Turn((Text(said), step, Text("This never arrives."))))
    wait_ready(page)
    send(page, "Run the long analysis")
    assert fake_api.wait_held("long-step", timeout=GATE_SECONDS)
    expect(assistant_messages(page).get_by_text(said)).to_be_visible()
    cid = conversation_in_url(page)
    wait_until_stored(tmp_path / "data", cid, said)

    restart_app(kill=True)
    page.goto(page.url)
    wait_ready(page)
    answer = assistant_messages(page)
    expect(answer).to_have_count(1)
    expect(answer.get_by_text(said)).to_be_visible()
    expect(answer.get_by_text(re.compile(r"Interrupted: the app stopped"))).to_be_visible()
    expect(step_boxes(answer).filter(has_text="(interrupted)")).to_have_count(1)
    expect(page.get_by_text("This never arrives.")).to_have_count(0)
    expect(user_messages(page)).to_contain_text("Run the long analysis")


def test_a_reload_during_an_answer_shows_it_go_on_and_updates_when_it_ends(
    page, fake_api, tmp_path
):
    step = CodeStep("python", {"code": "work()"}, stdout="done\n", hold="reload-step")
    said = "Starting the work."
    fake_api.enqueue(Turn((Text(said), step, Text("Finished after the reload."))))
    wait_ready(page)
    send(page, "Do the work")
    assert fake_api.wait_held("reload-step", timeout=GATE_SECONDS)
    cid = conversation_in_url(page)
    wait_until_stored(tmp_path / "data", cid, said)

    page.reload()  # the turn goes on without the page that started it
    wait_ready(page)
    answer = assistant_messages(page)
    expect(answer.get_by_text(re.compile(r"Still being written"))).to_be_visible()
    expect(step_boxes(answer).filter(has_text="Running Python…")).to_have_count(1)

    fake_api.release("reload-step")
    # No click: the page notices the end and draws the whole answer from the store.
    expect(answer.get_by_text("Finished after the reload.")).to_be_visible()
    expect(step_boxes(answer).filter(has_text="Ran Python")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"Still being written"))).to_have_count(0)
