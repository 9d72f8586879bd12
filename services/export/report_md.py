"""A conversation as Markdown, zipped with the images it shows (`images/`) and named files.

Claude's text is Markdown already and goes in as written; the person's words are quoted;
each code step is a fenced block with its output, and its images are linked from
`images/`, so the report reads well on any Markdown viewer and in a repository.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from services.conversation import Conversation
from services.export.charts import ExportChart, step_charts
from services.export.layout import Layout, lay_out, zip_entry
from services.export.notebook import IMAGE_TYPES, ReadBytes, safe_reader
from services.export.record import Item, Step, read_record
from services.export.steps import result_lines, step_code, step_language

REPORT_NAME = "report.md"


def markdown_zip(conversation: Conversation, title: str, read: ReadBytes) -> bytes:
    items = read_record(conversation)
    layout = lay_out(items)
    read_once = safe_reader(read)
    images = {
        file_id: "images/" + path.split("/", 1)[1]
        for file_id, path in layout.outputs.items()
        if layout.files[file_id].mime_type in IMAGE_TYPES and read_once(file_id) is not None
    }
    charts = {
        shown_with: chart
        for item in items
        if isinstance(item, Step)
        for shown_with, chart in step_charts(item, read_once).items()
    }
    links = Links(images, {i: _chart_path(c, layout) for i, c in charts.items()})
    text = "\n\n".join([f"# {' '.join(title.split())}", *(_item(i, layout, links) for i in items)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zip_entry(REPORT_NAME), text + "\n")
        for file_id, path in images.items():
            archive.writestr(zip_entry(path), read_once(file_id) or b"")
        for file_id, chart in charts.items():
            archive.writestr(zip_entry(links.charts[file_id]), chart.chart.pretty() + "\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Links:
    """Where the report's own copies are in the zip, by the file id they are shown with."""

    images: dict[str, str]
    charts: dict[str, str]  # the Vega-Lite spec drawn from the PNG's or the spec's file


def _chart_path(chart: ExportChart, layout: Layout) -> str:
    path = layout.outputs.get(chart.spec_file.file_id, chart.spec_file.name)
    return "charts/" + path.rsplit("/", 1)[-1]


def _item(item: Item, layout: Layout, links: Links) -> str:
    if isinstance(item, Step):
        return _step(item, layout, links)
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


def _step(step: Step, layout: Layout, links: Links) -> str:
    parts = [f"**Step {step.number}** ({step.tool.value}, turn {step.turn})"]
    parts.append(_fence(step_code(step), step_language(step)))
    for line in result_lines(step):
        if line.kind == "stream":
            parts.append(f"{line.label}:\n\n{_fence(line.text)}")
        else:
            parts.append(f"*{line.text}*" if line.kind == "note" else line.text)
    for file in step.files:
        path = layout.outputs.get(file.file_id, file.name)
        if file.file_id in links.images:
            parts.append(f"![{_alt(path)}](<{links.images[file.file_id]}>)")
        else:
            parts.append(f"File: `{path}` ({file.size} bytes)")
        if file.file_id in links.charts:
            spec = links.charts[file.file_id]
            parts.append(f"Interactive chart (Vega-Lite spec): [{_alt(spec)}](<{spec}>)")
    return "\n\n".join(parts)


def _alt(text: str) -> str:
    """Text for an image's alt: brackets and backslashes would end or bend the link."""
    return "".join(f"\\{c}" if c in "[]\\" else c for c in text)
