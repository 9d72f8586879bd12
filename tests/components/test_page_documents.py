"""The document-skills switch on the page: off by default, applied from the next turn,
never to a turn already running."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from components.render.format import human_size
from components.sidebar.document_skills import LABEL, SWITCH_KEY
from fake_anthropic import CodeStep, FakeAnthropic, Hold, RawBlock, Text, Turn
from services.files.blobs import BlobStore
from services.files.pdf_preview import PDF_RENDERER, PdfRenderer
from services.files.stored import StoredFile
from services.turn.skills import document_skills
from tests.components.support import follow_briefly, page_session, rerun_until, send
from tests.support.pdfs import BLUE, RED, centre_colour, looks_like, pdf_of_pages

SKILLS = document_skills()


def switch(app: AppTest):
    return app.sidebar.toggle(key=SWITCH_KEY)


def containers(fake: FakeAnthropic) -> list:
    return [body.get("container") for body in fake.message_requests()]


def test_the_switch_is_off_by_default_and_labelled(at: AppTest) -> None:
    at.run()
    toggle = switch(at)
    assert toggle.value is False and toggle.label == LABEL
    assert "next message" in toggle.help and ".pptx" in toggle.help
    assert page_session(at).options.document_skills is False


def test_switching_applies_from_the_next_turn(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}), Text("Plain."))))
    fake_api.enqueue(Turn((Text("With skills."),)), Turn((Text("Plain again."),)))
    at.run()
    send(at, "one")
    container_id = page_session(at).conversation.container_id
    assert container_id
    switch(at).set_value(True).run()
    assert page_session(at).options.document_skills is True
    send(at, "two")
    switch(at).set_value(False).run()
    send(at, "three")
    assert not at.exception
    assert containers(fake_api) == [
        None,
        {"id": container_id, "skills": SKILLS},
        container_id,
    ]
    assert switch(at).value is False


def test_a_running_turn_keeps_what_it_started_with(at: AppTest, fake_api: FakeAnthropic) -> None:
    call = {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
            "input": {"command": "python deck.py"}}  # fmt: skip
    result = {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
              "content": {"type": "bash_code_execution_result", "stdout": "", "stderr": "",
                          "return_code": 0, "content": []}}  # fmt: skip
    paused = Turn((Text("Working."), Hold("wait"), RawBlock(call)), stop_reason="pause_turn")
    fake_api.enqueue(paused, Turn((RawBlock(result), Text("Finished."))))
    fake_api.enqueue(Turn((Text("Next."),)))
    follow_briefly(at)
    at.run()
    send(at, "a long one")
    assert fake_api.wait_held("wait", timeout=10)
    switch(at).set_value(True).run()  # while the answer is being written
    fake_api.release("wait")
    rerun_until(at, lambda app: page_session(app).live is None)
    container_id = page_session(at).conversation.container_id
    send(at, "next")
    rerun_until(at, lambda app: len(fake_api.message_requests()) == 3)
    first, continued, following = containers(fake_api)
    assert first is None and continued == container_id  # the paused turn, resumed as begun
    assert following == {"id": container_id, "skills": SKILLS}


# --- the files: office documents and PDFs ----------------------------------------------------


def draw_files(files):  # copied into a script by AppTest: no annotations
    from components.render.files import render_output_file

    for i, file in enumerate(files):
        render_output_file(file, key=f"f{i}")


def draw_pdf_with(file, renderer):
    import streamlit as st

    from components.render.documents import render_pdf_first_page

    if not render_pdf_first_page(file, renderer):
        st.markdown("download only")


def stored(tmp_path: Path, name: str, data: bytes, mime: str) -> StoredFile:
    digest, path = BlobStore(tmp_path / "blobs").put(data)
    return StoredFile(f"file_{name}", name, mime, len(data), digest, path, step_id="s1")


def drawn(*args: Any, script: Any = draw_files) -> AppTest:
    app = AppTest.from_function(script, args=args, default_timeout=30)
    app.run()
    assert not app.exception and not app.error and not app.warning
    return app


def test_a_pdf_shows_its_first_page_as_an_image(tmp_path: Path) -> None:
    pdf = stored(tmp_path, "report.pdf", pdf_of_pages(RED, BLUE), "application/pdf")
    app = drawn([pdf])
    [image] = app.image
    assert image.value[0].endswith(".png")  # passed as PNG: never re-encoded to JPEG
    assert image.proto.imgs[0].caption == "report.pdf, page 1"
    caption = app.caption[0].value
    assert caption == f":material/picture_as_pdf: PDF document · 2 pages · {human_size(pdf.size)}"
    assert [d.label for d in app.get("download_button")] == [f"report.pdf ({human_size(pdf.size)})"]
    assert not [m for m in app.markdown if "**report.pdf**" in m.value]  # the page says it


def test_the_rendered_page_is_the_pdfs_first(tmp_path: Path) -> None:
    pdf = stored(tmp_path, "r.pdf", pdf_of_pages(BLUE, RED), "application/pdf")
    page = PDF_RENDERER.first_page(pdf.path)
    assert page is not None and looks_like(centre_colour(page.png), BLUE)
    app = drawn([pdf])
    assert len(app.image) == 1


def test_a_broken_pdf_is_a_download_without_an_error(tmp_path: Path) -> None:
    broken = stored(tmp_path, "report.pdf", b"%PDF-1.7\n%%EOF broken", "application/pdf")
    app = drawn([broken])
    assert not app.image
    assert [m.value for m in app.markdown] == [":material/picture_as_pdf: **report.pdf**"]
    assert app.caption[0].value == ":material/picture_as_pdf: PDF document · 21 B"
    assert [d.label for d in app.get("download_button")] == ["report.pdf (21 B)"]


def test_a_slow_render_gives_no_image_and_no_error(tmp_path: Path) -> None:
    pdf = stored(tmp_path, "slow.pdf", pdf_of_pages(RED), "application/pdf")
    slow = PdfRenderer(
        timeout_seconds=0.5, program=(sys.executable, "-c", "import time; time.sleep(60)")
    )
    app = drawn(pdf, slow, script=draw_pdf_with)
    assert not app.image and [m.value for m in app.markdown] == ["download only"]
    assert drawn(pdf, PDF_RENDERER, script=draw_pdf_with).image  # the same file renders


def test_office_files_get_an_icon_their_kind_and_size(tmp_path: Path) -> None:
    frame = pd.DataFrame({"month": ["Jan", "Feb"], "sales": [12400, 15100]})
    workbook = io.BytesIO()
    frame.to_excel(workbook, index=False)
    openxml = "application/vnd.openxmlformats-officedocument"
    word = f"{openxml}.wordprocessingml.document"
    slides = f"{openxml}.presentationml.presentation"
    files = [
        stored(tmp_path, "deck.pptx", b"PK\x03\x04 slides", slides),
        stored(tmp_path, "memo.docx", b"PK\x03\x04 memo text", word),
        stored(tmp_path, "sales.xlsx", workbook.getvalue(), f"{openxml}.spreadsheetml.sheet"),
        stored(tmp_path, "notes", b"PK\x03\x04 no suffix", word),
    ]  # fmt: skip
    app = drawn(files)
    names = [m.value for m in app.markdown]
    assert names == [
        ":material/slideshow: **deck.pptx**",
        ":material/description: **memo.docx**",
        ":material/description: **notes**",
    ]
    kinds = [c.value for c in app.caption if "·" in c.value and "column" not in c.value]
    sizes = [human_size(f.size) for f in files]
    assert kinds == [
        f":material/slideshow: PowerPoint presentation · {sizes[0]}",
        f":material/description: Word document · {sizes[1]}",
        f":material/table_view: Excel workbook · {sizes[2]}",
        f":material/description: Word document · {sizes[3]}",
    ]
    assert app.dataframe[0].value["sales"].tolist() == [12400, 15100]  # the preview stays
    assert len(app.get("download_button")) == 4
