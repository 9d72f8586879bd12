"""A file over the upload limit in a real browser: refused in the chat input with the
page's stated limit beside it, and a message sent meanwhile goes without it, as the page said.

The app setting asks for more (300 MB) than the server allows (1 MB here, as
STREAMLIT_SERVER_MAX_UPLOAD_SIZE sets it): the server's limit is the one stated and enforced,
so the browser never sends the file to be refused with a raw 413.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fake_anthropic import Text, Turn
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    AppServer,
    app_environment,
    send,
    user_messages,
    wait_ready,
    wait_turn_done,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def app_server(fake_api, tmp_path):
    env = app_environment(fake_api.base_url, tmp_path / "data")
    env["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"] = "1"
    env["ASSISTANT_MAX_UPLOAD_MB"] = "300"
    server = AppServer(env, tmp_path / "app.log").start()
    yield server
    server.stop()


def test_a_file_over_the_limit_is_refused_in_the_pages_words(page, fake_api, app_server):
    wait_ready(page)
    stated = page.get_by_test_id("stBottom").get_by_test_id("stCaptionContainer")
    expect(stated).to_contain_text("Files up to 1 MB each. A larger file is refused")
    chat_input = page.get_by_test_id("stChatInput")
    chat_input.locator("input[type=file]").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": b"a,b\n" * 300_000}]
    )
    chip = chat_input.get_by_test_id("stFileChip").filter(has_text="big.csv")
    expect(chip).to_contain_text("1.0MB or smaller", timeout=EXPECT_TIMEOUT_MS)

    fake_api.enqueue(Turn((Text("No file came with this."),)))
    send(page, "analyse the attached file")
    wait_turn_done(page, "No file came with this.")
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).get_by_test_id("stBadge")).to_have_count(0)  # no attachment
    assert not [r for r in fake_api.requests if r.method == "POST" and r.path == "/v1/files"]
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert not [b for b in sent if b.get("type") == "container_upload"]
    expect(stated).to_contain_text("Files up to 1 MB each")  # still said, after the send
    log = app_server.log_path.read_text(errors="replace")
    assert "413" not in log and "AxiosError" not in page.content()
