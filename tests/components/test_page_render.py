"""Rendering stored API content blocks: each block type, each result shape, each file type.

Blocks are written by hand in the shapes the recordings show; AppTest runs a tiny script
that draws them with the page's renderers.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.render.files import reader
from fake_anthropic import sales_chart_png, sales_csv
from services.files.blobs import BlobStore
from services.files.stored import StoredFile
from services.turn.prompt import app_note
from tests.components.support import step_boxes


def draw_assistant(blocks, files):  # copied into a script by AppTest: no annotations
    from components.render.blocks import RenderContext, paired_results, render_assistant_blocks
    from components.render.steps import FileMap

    ctx = RenderContext(key="t", files=FileMap(ready=files), results=paired_results(blocks))
    render_assistant_blocks(blocks, ctx)


def draw_user(blocks, uploads, seen):
    from components.render.blocks import RenderContext, render_user_blocks

    render_user_blocks(blocks, RenderContext(key="u", uploads=uploads, seen_uploads=seen))


def render(blocks: list[dict[str, Any]], files: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_function(draw_assistant, args=(blocks, files or {}), default_timeout=20)
    at.run()
    assert not at.exception
    return at


def call(tool_id: str, name: str, **tool_input: Any) -> dict[str, Any]:
    return {"type": "server_tool_use", "id": tool_id, "name": name, "input": tool_input}


def result(tool_id: str, block_type: str, **content: Any) -> dict[str, Any]:
    return {"type": block_type, "tool_use_id": tool_id, "content": content}


def bash(stdout: str = "", stderr: str = "", code: int = 0, files: tuple[str, ...] = ()) -> list:
    outputs = [{"type": "bash_code_execution_output", "file_id": f} for f in files]
    return [
        call("s1", "bash_code_execution", command="ls -la"),
        result(
            "s1",
            "bash_code_execution_tool_result",
            type="bash_code_execution_result",
            stdout=stdout,
            stderr=stderr,
            return_code=code,
            content=outputs,
        ),
    ]


def output(
    tmp_path: Path, name: str, data: bytes, mime: str, file_id: str = "file_1"
) -> StoredFile:
    digest, path = BlobStore(tmp_path).put(data)
    return StoredFile(file_id, name, mime, len(data), digest, path, step_id="s1")


# --- steps ----------------------------------------------------------------------------------


def test_bash_step_shows_command_and_stdout() -> None:
    at = render(bash(stdout="total 0\n"))
    step = step_boxes(at)[0]
    assert step.label == "Ran bash" and step.icon == ":material/check:"
    assert step.code[0].language == "bash" and step.code[0].value == "ls -la"
    assert step.code[1].value.strip() == "total 0"
    assert step.code[1].language == "text"


def test_legacy_python_result_is_read() -> None:
    blocks = [
        call("s1", "code_execution", code="print(2 + 2)"),
        result(
            "s1",
            "code_execution_tool_result",
            type="code_execution_result",
            stdout="4\n",
            stderr="",
            return_code=0,
            content=[],
            abort_reason=None,
        ),
    ]
    step = step_boxes(render(blocks))[0]
    assert step.label == "Ran Python"
    assert step.code[0].language == "python" and step.code[1].value.strip() == "4"


def test_failed_command_shows_error_first_then_output() -> None:
    step = step_boxes(render(bash(stdout="partial\n", stderr="boom\n", code=1)))[0]
    assert step.icon == ":material/error:"
    kinds = [type(e).__name__ for e in step.children.values()]
    assert kinds.index("Error") < kinds.index("Code", 1)
    assert "return code 1" in step.error[0].value
    assert [c.value.strip() for c in step.code[1:]] == ["partial", "boom"]


def test_a_step_without_output_says_so() -> None:
    step = step_boxes(render(bash()))[0]
    assert [c.value for c in step.caption] == ["No output"]


def test_text_editor_create_view_and_edit_titles() -> None:
    blocks = [
        call(
            "a",
            "text_editor_code_execution",
            command="create",
            path="/tmp/chart.py",
            file_text="x = 1\n",
        ),
        result(
            "a",
            "text_editor_code_execution_tool_result",
            type="text_editor_code_execution_create_result",
            is_file_update=False,
        ),
        call("b", "text_editor_code_execution", command="view", path="data.csv"),
        result(
            "b",
            "text_editor_code_execution_tool_result",
            type="text_editor_code_execution_view_result",
            file_type="text",
            content="Hello, world!",
            num_lines=1,
            start_line=1,
            total_lines=1,
        ),
        call(
            "c",
            "text_editor_code_execution",
            command="str_replace",
            path="x.py",
            old_str="a",
            new_str="b",
        ),
        result(
            "c",
            "text_editor_code_execution_tool_result",
            type="text_editor_code_execution_str_replace_result",
            old_start=1,
            old_lines=1,
            new_start=1,
            new_lines=1,
            lines=["-a", "+b"],
        ),
        call("d", "text_editor_code_execution", command="create", path="chart.py", file_text="y"),
        result(
            "d",
            "text_editor_code_execution_tool_result",
            type="text_editor_code_execution_create_result",
            is_file_update=True,
        ),
    ]
    at = render(blocks)
    assert [s.label for s in step_boxes(at)] == [
        "Created chart.py",
        "Viewed data.csv",
        "Edited x.py",
        "Updated chart.py",
    ]
    created, viewed, edited, _ = step_boxes(at)
    assert created.code[0].language == "python" and created.code[0].value.strip() == "x = 1"
    assert viewed.code[-1].value == "Hello, world!"
    # The result's diff is shown once (the input's old/new text would only repeat it).
    assert len(edited.code) == 1
    assert edited.code[0].language == "diff" and edited.code[0].value == "-a\n+b"


def test_tool_errors_are_plain_words() -> None:
    blocks = [
        call("a", "text_editor_code_execution", command="view", path="gone.txt"),
        result(
            "a",
            "text_editor_code_execution_tool_result",
            type="text_editor_code_execution_tool_result_error",
            error_code="unavailable",
            error_message="Tool response parsing error for view",
        ),
        call("b", "bash_code_execution", command="sleep 999"),
        result(
            "b",
            "bash_code_execution_tool_result",
            type="bash_code_execution_tool_result_error",
            error_code="execution_time_exceeded",
        ),
    ]
    first, second = step_boxes(render(blocks))
    assert first.icon == ":material/error:"
    assert "Tool response parsing error for view (unavailable)" in first.error[0].value
    assert "ran longer than the time limit" in second.error[0].value


def test_long_output_is_clipped_with_a_way_to_see_and_download_all() -> None:
    stdout = "".join(f"line {i}\n" for i in range(500))
    at = render(bash(stdout=stdout))
    step = step_boxes(at)[0]
    shown = step.code[1].value
    assert shown.count("\n") <= 200 and "line 199" in shown and "line 200" not in shown
    assert any("first 200 of 500 lines" in c.value for c in step.caption)
    assert step.get("download_button")[0].label == "Download full stdout"
    toggle = step.toggle[0]
    assert toggle.label.startswith("Show all stdout (500 lines")
    toggle.set_value(True).run()
    assert "line 499" in step_boxes(at)[0].code[1].value


def test_long_output_scrolls_in_its_own_box_and_short_output_does_not() -> None:
    from components.render.steps import SCROLL_HEIGHT_PX, output_height

    assert output_height("".join(f"line {i}\n" for i in range(100))) == SCROLL_HEIGHT_PX
    assert output_height("one\ntwo\n") == "content"


def test_output_longer_than_20000_characters_is_clipped() -> None:
    stdout = "x" * 30_000
    step = step_boxes(render(bash(stdout=stdout)))[0]
    assert len(step.code[1].value) == 20_000


def test_a_call_without_a_result_was_interrupted() -> None:
    step = step_boxes(render([call("s1", "code_execution", code="while True: pass")]))[0]
    assert step.label == "Running Python (interrupted)" and step.icon == ":material/error:"


def test_encrypted_output_is_not_shown() -> None:
    blocks = [
        call("s1", "code_execution", code="await search()"),
        result(
            "s1",
            "code_execution_tool_result",
            type="encrypted_code_execution_result",
            encrypted_stdout="ZW5j",
            stderr="",
            return_code=0,
            content=[],
        ),
    ]
    step = step_boxes(render(blocks))[0]
    assert any("stdout: encrypted: not shown" in c.value for c in step.caption)
    assert "ZW5j" not in str([c.value for c in step.code])


# --- other blocks ---------------------------------------------------------------------------


def test_text_thinking_and_unknown_blocks() -> None:
    blocks = [
        {"type": "thinking", "thinking": "Consider the data.", "signature": "x"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Here is <b>bold</b> **markdown**."},
        {"type": "mystery_block", "payload": 1},
    ]
    at = render(blocks)
    assert at.expander[0].label == "Thinking"
    assert at.expander[0].markdown[0].value == "Consider the data."
    assert "encrypted" in at.caption[0].value
    assert at.markdown[-1].value == "Here is <b>bold</b> **markdown**."
    assert "(mystery\\_block) cannot be shown" in at.info[0].value
    assert json.loads(at.json[0].value)["payload"] == 1


def test_other_server_tools_render_as_a_generic_step() -> None:
    blocks = [
        call("w", "tool_search_tool_regex", pattern="sales"),
        {"type": "tool_search_tool_result", "tool_use_id": "w", "content": {}},
    ]
    at = render(blocks)
    assert step_boxes(at)[0].label == "Used tool\\_search\\_tool\\_regex"
    assert "tool\\_search\\_tool\\_result" in at.info[0].value


def test_a_result_without_its_call_still_shows() -> None:
    blocks = bash(stdout="orphan\n")[1:]
    step = step_boxes(render(blocks))[0]
    assert step.label == "Ran bash" and step.code[0].value.strip() == "orphan"


# --- files ----------------------------------------------------------------------------------


def test_images_and_tables_show_and_every_file_downloads(tmp_path: Path) -> None:
    png = output(tmp_path, "chart.png", sales_chart_png(), "image/png", "f_png")
    csv = output(tmp_path, "sales.csv", sales_csv(), "text/csv", "f_csv")
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    parquet_bytes = io.BytesIO()
    frame.to_parquet(parquet_bytes)
    parquet = output(
        tmp_path, "t.parquet", parquet_bytes.getvalue(), "application/octet-stream", "f_pq"
    )
    xlsx_bytes = io.BytesIO()
    frame.to_excel(xlsx_bytes, index=False)
    xlsx = output(tmp_path, "t.xlsx", xlsx_bytes.getvalue(), "application/octet-stream", "f_xl")
    records = output(tmp_path, "r.json", b'[{"k": 1}, {"k": 2}]', "application/json", "f_js")
    files = {f.file_id: f for f in (png, csv, parquet, xlsx, records)}
    at = render(bash(files=tuple(files)), files)
    # An RGB PNG stays a PNG (the default would re-encode it to JPEG on every rerun).
    assert len(at.image) == 1 and at.image[0].value[0].endswith(".png")
    assert [len(d.value) for d in at.dataframe] == [6, 3, 3, 2]
    labels = [d.label for d in at.get("download_button")]
    assert labels == [
        "chart.png (2.4 KB)",
        f"sales.csv ({len(sales_csv())} B)",
        f"t.parquet ({parquet.size / 1024:.1f} KB)",
        f"t.xlsx ({xlsx.size / 1024:.1f} KB)",
        "r.json (20 B)",
    ]


def test_active_content_is_offered_for_download_only(tmp_path: Path) -> None:
    svg = output(
        tmp_path,
        "plot.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        "image/svg+xml",
        "f_svg",
    )
    html = output(tmp_path, "page.html", b"<script>alert(1)</script>", "text/html", "f_html")
    pdf = output(tmp_path, "report.pdf", b"%PDF-1.4", "application/pdf", "f_pdf")
    files = {f.file_id: f for f in (svg, html, pdf)}
    at = render(bash(files=tuple(files)), files)
    assert not at.image and not at.get("html") and not at.get("iframe")
    icons = [m.value for m in at.markdown if "**" in m.value]
    assert icons == [
        ":material/draw: **plot.svg**",
        ":material/html: **page.html**",
        ":material/picture_as_pdf: **report.pdf**",
    ]
    assert len(at.get("download_button")) == 3


def test_a_broken_image_is_offered_for_download(tmp_path: Path) -> None:
    broken = output(tmp_path, "chart.png", b"not a png at all", "image/png", "f_png")
    at = render(bash(files=("f_png",)), {"f_png": broken})
    assert not at.image
    assert any("could not be shown as an image" in c.value for c in at.caption)
    assert at.get("download_button")[0].label == "chart.png (16 B)"


def test_a_file_the_app_does_not_have_is_reported(tmp_path: Path) -> None:
    at = render(bash(files=("file_missing",)))
    assert "could not be shown" in at.warning[0].value


def test_malformed_output_table_gets_a_plain_message(tmp_path: Path) -> None:
    bad = output(tmp_path, "bad.json", b"{not json", "application/json", "f_bad")
    at = render(bash(files=("f_bad",)), {"f_bad": bad})
    assert "Could not read **bad.json** as a table" in at.warning[0].value
    assert at.get("download_button")[0].label == "bad.json (9 B)"


def test_a_long_file_name_is_cut_in_labels_but_kept_for_the_download(tmp_path: Path) -> None:
    name = "quarterly_" + "n" * 190 + ".csv"
    table = output(tmp_path, name, b"a,b\n1,2\n", "text/csv", "f_long")
    at = render(bash(files=("f_long",)), {"f_long": table})
    button = at.get("download_button")[0]
    assert button.label == "quarterly\\_nnnnnnnnnnnnnnnnnnnnn…nnnnnnnnnnnn.csv (8 B)"
    assert button.proto.help == "Download " + name.replace("_", "\\_")  # the full name
    caption = next(c.value for c in at.caption if "1 row × 2 columns" in c.value)
    assert len(caption) < 120 and "…" in caption


def test_a_file_name_in_a_label_is_shown_literally_not_as_markdown() -> None:
    from components.render.files import download_label

    assert download_label("*x*![i](y.png).csv", 8) == "\\*x\\*\\!\\[i\\](y.png).csv (8 B)"
    assert download_label("a" * 40 + ".csv", 8, limit=24).startswith("aaaaaaaaaaaaaaa…")


def test_deferred_download_reads_the_exact_stored_bytes(tmp_path: Path) -> None:
    png = output(tmp_path, "chart.png", sales_chart_png(), "image/png")
    assert reader(png.path)() == sales_chart_png()


# --- the person's messages ------------------------------------------------------------------


def upload(tmp_path: Path, file_id: str, name: str, data: bytes, mime: str) -> StoredFile:
    digest, path = BlobStore(tmp_path).put(data)
    return StoredFile(file_id, name, mime, len(data), digest, path)


def test_user_message_hides_app_notes_and_shows_attachments(tmp_path: Path) -> None:
    uploads = {"up1": upload(tmp_path, "up1", "sales.csv", sales_csv(), "text/csv")}
    blocks = [
        {"type": "container_upload", "file_id": "up1"},
        {"type": "container_upload", "file_id": "up_unknown"},
        app_note("Files are in $INPUT_DIR"),
        {"type": "text", "text": "Chart this"},
    ]
    at = AppTest.from_function(
        draw_user, args=(blocks, uploads, frozenset()), default_timeout=20
    ).run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    assert "Chart this" in shown and not any("app_note" in m for m in shown)
    chips = [m for m in shown if "badge[" in m]
    assert "sales.csv" in chips[0].replace("\\", "") and "an attached file" in chips[1]
    assert at.dataframe[0].value.shape == (6, 2)


def test_files_attached_again_after_a_reset_are_marked(tmp_path: Path) -> None:
    uploads = {"up1": upload(tmp_path, "up1", "sales.csv", sales_csv(), "text/csv")}
    blocks = [{"type": "container_upload", "file_id": "up1"}, {"type": "text", "text": "again"}]
    at = AppTest.from_function(
        draw_user, args=(blocks, uploads, frozenset({"up1"})), default_timeout=20
    )
    at.run()
    assert any("(re-attached)" in m.value for m in at.markdown)
    assert not at.dataframe  # previewed where it was first attached


# --- the history window ----------------------------------------------------------------------


def draw_history(exchanges):
    import streamlit as st

    from components.render.conversation import render_history
    from services.conversation import Conversation

    messages = []
    for i in range(exchanges):
        messages.append({"role": "user", "content": [{"type": "text", "text": f"q{i}"}]})
        messages.append({"role": "assistant", "content": [{"type": "text", "text": f"a{i}"}]})
    conversation = st.session_state.setdefault("c", Conversation(model="m", messages=messages))
    render_history(conversation, conversation.messages, steps_expanded=False)


@pytest.mark.parametrize("exchanges", [25])
def test_only_the_last_twenty_exchanges_are_drawn_until_asked(exchanges: int) -> None:
    at = AppTest.from_function(draw_history, args=(exchanges,), default_timeout=20).run()
    assert len(at.chat_message) == 40
    assert at.chat_message[0].markdown[0].value == "q5"
    at.button(key="show_earlier").click().run()
    assert len(at.chat_message) == 50
    assert at.chat_message[0].markdown[0].value == "q0"
    assert not [b for b in at.button if b.key == "show_earlier"]
