"""A conversation as Markdown, zipped with the images it shows (`images/`) and named files.

Claude's text is Markdown already and goes in as written; the person's words are quoted;
each code step is a fenced block with its output, and its images are linked from
`images/`, so the report reads well on any Markdown viewer and in a repository.
"""

from __future__ import annotations

import io
import zipfile

from services.conversation import Conversation
from services.export.layout import Layout, lay_out
from services.export.notebook import IMAGE_TYPES, ReadBytes
from services.export.record import Item, Step, read_record
from services.export.steps import step_code, step_language
from services.turn.results import ExecutionResult, ToolError

REPORT_NAME = "report.md"


def markdown_zip(conversation: Conversation, title: str, read: ReadBytes) -> bytes:
    items = read_record(conversation)
    layout = lay_out(items)
    images = {
        file_id: "images/" + path.split("/", 1)[1]
        for file_id, path in layout.outputs.items()
        if layout.files[file_id].mime_type in IMAGE_TYPES
    }
    text = "\n\n".join([f"# {' '.join(title.split())}", *(_item(i, layout, images) for i in items)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(REPORT_NAME, text + "\n")
        for file_id, path in images.items():
            archive.writestr(path, read(file_id))
    return buffer.getvalue()


def _item(item: Item, layout: Layout, images: dict[str, str]) -> str:
    if isinstance(item, Step):
        return _step(item, layout, images)
    if item.role == "assistant":
        return item.text
    quoted = "\n".join(f"> {line}" if line else ">" for line in item.text.splitlines())
    lines = [f"**You** (turn {item.turn}):", "", quoted]
    lines += [f"\nAttached: `{layout.inputs.get(f.file_id, f.name)}`" for f in item.attached]
    return "\n".join(lines)


def _fence(text: str, language: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _step(step: Step, layout: Layout, images: dict[str, str]) -> str:
    parts = [f"**Step {step.number}** ({step.tool.value}, turn {step.turn})"]
    parts.append(_fence(step_code(step), step_language(step)))
    result = step.result
    if isinstance(result, ExecutionResult):
        if result.encrypted:
            parts.append("*The output came back encrypted: only the model could read it.*")
        for label, text in (("Output", result.stdout), ("Errors", result.stderr)):
            if text:
                parts.append(f"{label}:\n\n{_fence(text)}")
        if result.return_code:
            parts.append(f"Exited with code {result.return_code}.")
    elif isinstance(result, ToolError):
        parts.append(f"The tool failed: {result.message}")
    for file in step.files:
        path = layout.outputs.get(file.file_id, file.name)
        if file.file_id in images:
            parts.append(f"![{path}]({images[file.file_id]})")
        else:
            parts.append(f"File: `{path}` ({file.size} bytes)")
    return "\n\n".join(parts)
