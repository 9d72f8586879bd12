"""Web search and fetch steps in the exports: told as text (never a code cell, never a
link), with what came back summarised."""

from __future__ import annotations

import io
import json
import zipfile

from services.conversation import Conversation
from services.export.formats import ExportFormat, export

HOSTILE_URL = "javascript:alert(1)//[x](http://evil.example)"
TITLE = "<script>alert(1)</script> **Iris**"


def _conversation() -> Conversation:
    answer = [
        {"type": "server_tool_use", "id": "w", "name": "web_search",
         "input": {"query": "iris `csv` [x](http://evil.example)"}},
        {"type": "web_search_tool_result", "tool_use_id": "w", "content": [
            {"type": "web_search_result", "title": TITLE, "url": HOSTILE_URL,
             "encrypted_content": "Ev8L", "page_age": None}]},
        {"type": "server_tool_use", "id": "f", "name": "web_fetch",
         "input": {"url": "https://e.org/iris.csv"}},
        {"type": "web_fetch_tool_result", "tool_use_id": "f", "content": {
            "type": "web_fetch_result", "url": "https://e.org/iris.csv",
            "content": {"type": "document", "title": "iris.csv",
                        "source": {"type": "text", "media_type": "text/plain", "data": "a,b\n"}}}},
        {"type": "text", "text": "Done."},
    ]  # fmt: skip
    return Conversation(
        model="m",
        messages=(
            {"role": "user", "content": "get iris"},
            {"role": "assistant", "content": answer},
        ),
    )


def test_web_steps_are_markdown_text_in_the_notebook_not_code_cells() -> None:
    made = export(_conversation(), "Web", lambda file_id: b"", ExportFormat.IPYNB).data
    cells = json.loads(made)["cells"]
    assert not any(c["id"].startswith("step-") for c in cells)
    texts = {c["id"]: "".join(c["source"]) for c in cells if c["id"].startswith("text-step-")}
    search, fetch = texts["text-step-1"], texts["text-step-2"]
    assert all(c["cell_type"] == "markdown" for c in cells if c["id"].startswith("text-step-"))
    assert search.startswith("*Web search (turn 1):*\n\n```text\n")  # fenced: taken literally
    assert HOSTILE_URL in search and "Page text: encrypted: not shown" in search
    assert "URL: https://e.org/iris.csv" in fetch and "Document: text/plain, 4 B" in fetch
    assert "Title: iris.csv" in fetch


def test_web_steps_in_the_reports_stay_text() -> None:
    conversation = _conversation()
    html = export(conversation, "Web", lambda file_id: b"", ExportFormat.HTML).data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "Query: iris" in html
    zipped = export(conversation, "Web", lambda file_id: b"", ExportFormat.MD).data
    report = zipfile.ZipFile(io.BytesIO(zipped)).read("report.md").decode()
    fenced = report.split("**Step 1** (web_search, turn 1)", 1)[1].split("**Step 2**", 1)[0]
    assert fenced.lstrip().startswith("```") and HOSTILE_URL in fenced
