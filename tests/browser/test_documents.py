"""Document files in a real browser: the document-skills switch puts the skills in the
request, a scripted PowerPoint file downloads byte for byte, and a PDF shows its first
page as an image."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from components.sidebar.document_skills import LABEL
from fake_anthropic import CodeStep, OutFile, Text, Turn
from services.turn.skills import document_skills
from tests.browser.harness import (
    assistant_messages,
    send,
    visible_download_buttons,
    wait_idle,
    wait_turn_done,
)
from tests.support.pdfs import BLUE, RED, pdf_of_pages

pytestmark = pytest.mark.browser
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def fake_api(shared_fake):
    return shared_fake


def pptx_bytes() -> bytes:
    """A zip laid out like a PowerPoint file (enough to be a download, byte for byte)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation/>')
        archive.writestr("ppt/slides/slide1.xml", "<p:sld>" + "Quarterly sales " * 200 + "</p:sld>")
    return buffer.getvalue()


def test_the_switch_sends_the_skills_and_a_pptx_downloads_byte_exact(chat, fake_api) -> None:
    deck = OutFile("quarterly_deck.pptx", pptx_bytes(), PPTX_MIME)
    step = CodeStep("bash", {"command": "python make_deck.py"}, stdout="saved\n", files=(deck,))
    fake_api.enqueue(Turn((Text("Making the deck."), step, Text("The deck is ready."))))
    sidebar = chat.get_by_test_id("stSidebar")
    sidebar.get_by_text(LABEL).click()
    expect(sidebar.get_by_role("switch", name=LABEL)).to_be_checked()
    wait_idle(chat)
    send(chat, "Make a slide deck of the quarterly sales")
    wait_turn_done(chat, "The deck is ready.")

    [request] = fake_api.message_requests()
    assert request["container"] == {"skills": document_skills()}
    answer = assistant_messages(chat).last
    expect(answer).to_contain_text("PowerPoint presentation")
    buttons = visible_download_buttons(chat)
    expect(buttons).to_have_count(2)  # under the step and in the sidebar
    served = next(f.data for f in fake_api.files.values() if f.meta["filename"] == deck.name)
    assert served == deck.data
    for i in range(2):
        with chat.expect_download() as download_info:
            buttons.nth(i).click()
        download = download_info.value
        assert download.suggested_filename == deck.name
        assert Path(download.path()).read_bytes() == served


def test_a_pdf_shows_its_first_page_and_downloads(chat, fake_api) -> None:
    report = OutFile("report.pdf", pdf_of_pages(RED, BLUE), "application/pdf")
    step = CodeStep("bash", {"command": "python report.py"}, stdout="", files=(report,))
    fake_api.enqueue(Turn((Text("Writing the report."), step, Text("The report is done."))))
    send(chat, "Write a PDF report")
    wait_turn_done(chat, "The report is done.")

    answer = assistant_messages(chat).last
    page = answer.get_by_test_id("stImage").locator("img")
    expect(page).to_have_count(1)
    expect(page).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0")
    assert page.evaluate("img => img.naturalHeight > img.naturalWidth")  # a portrait page
    expect(answer).to_contain_text("report.pdf, page 1")
    expect(answer).to_contain_text("PDF document · 2 pages")
    with chat.expect_download() as download_info:
        answer.get_by_test_id("stDownloadButton").locator("button").filter(visible=True).click()
    assert Path(download_info.value.path()).read_bytes() == report.data
