"""A conversation as a Jupyter notebook (nbformat 4, validated) that runs beside its
`inputs/` and `outputs/` folders.

Messages become markdown cells; every code step becomes a code cell in order, carrying
the outputs it really had: stdout and stderr as streams, images as display data (the
stored bytes), a failure as an error output and the `raises-exception` tag, so that
running the notebook goes on past it.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nbformat
from nbformat import v4

from services.charts.spec import SPEC_MIME_TYPE
from services.export.cells import step_source
from services.export.charts import step_charts
from services.export.layout import Layout
from services.export.record import Item, Said, Step
from services.export.rewrites import INPUT_DIR, OUTPUT_DIR, Rewriter
from services.export.steps import ENCRYPTED, web_step_text
from services.store import StoreError
from services.turn.results import EditorResult, ExecutionResult, ToolError
from services.turn.tools import WEB_STEPS

log = logging.getLogger(__name__)

ReadBytes = Callable[[str], bytes]  # a stored file's bytes, by file id
MaybeBytes = Callable[[str], "bytes | None"]  # None: the store no longer holds them
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
SETUP = f"""import os

os.environ["INPUT_DIR"] = "{INPUT_DIR}"
os.environ["OUTPUT_DIR"] = "{OUTPUT_DIR}"
os.makedirs(os.environ["OUTPUT_DIR"], exist_ok=True)"""


def safe_reader(read: ReadBytes) -> MaybeBytes:
    """`read`, each file once, with None for bytes the store no longer holds: one lost
    file must not cost the whole export."""
    cache: dict[str, bytes | None] = {}

    def read_once(file_id: str) -> bytes | None:
        if file_id not in cache:
            try:
                cache[file_id] = read(file_id)
            except (StoreError, OSError):
                log.warning("export: the bytes of file %s are gone", file_id)
                cache[file_id] = None
        return cache[file_id]

    return read_once


UNFINISHED = "# This step did not finish in the sandbox; its code is kept here as comments.\n"


def cell_id(step: Step) -> str:
    return f"step-{step.number}"


@dataclass(frozen=True)
class Built:
    notebook: nbformat.NotebookNode
    rewrites: list[str]  # every path rewrite made, in words


def build_notebook(title: str, items: list[Item], layout: Layout, read: MaybeBytes) -> Built:
    rewrite = Rewriter()
    cells: list[Any] = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, Said):  # ids fixed by place, so the same record exports the same
            cells.append(v4.new_markdown_cell(_said(item, layout), id=f"said-{n}"))
        else:
            cells.extend(_step_cells(item, layout, read, rewrite))
    intro = v4.new_markdown_cell(_intro(title, rewrite), id="about")
    setup = v4.new_code_cell(SETUP, id="setup")
    notebook = v4.new_notebook(cells=[intro, setup, *cells])
    notebook.metadata.update(
        {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    nbformat.validate(notebook)
    return Built(notebook, rewrite.lines())


def _intro(title: str, rewrite: Rewriter) -> str:
    lines = [f"# {_plain(title)}", "", "Paths rewritten so that this notebook runs here:"]
    lines += [f"- {line}" for line in rewrite.lines()]
    lines += ["", "Cells that failed in the sandbox are tagged `raises-exception`."]
    return "\n".join(lines)


def _said(item: Said, layout: Layout) -> str:
    if item.role == "assistant":
        return item.text
    text = "\n".join(f"> {line}" if line else ">" for line in item.text.splitlines())
    lines = [f"**You** (turn {item.turn}):", "", text] if text else [f"**You** (turn {item.turn})"]
    for file in item.attached:
        lines += ["", f"Attached: `{layout.inputs.get(file.file_id, file.name)}`"]
    return "\n".join(lines)


def _step_cells(step: Step, layout: Layout, read: MaybeBytes, rewrite: Rewriter) -> list[Any]:
    source = step_source(step, rewrite)
    if source is None:
        return [v4.new_markdown_cell(_unrunnable(step), id=f"text-{cell_id(step)}")]
    if step.result is None:  # it never finished (a stopped turn): kept, but not run again
        source = UNFINISHED + "\n".join(f"# {line}" for line in source.splitlines())
    cell = v4.new_code_cell(source, id=cell_id(step))
    cell.outputs = _outputs(step, layout, read)
    cell.metadata["step"] = {"id": step.step_id, "turn": step.turn, "tool": step.tool.value}
    made = [layout.outputs[f.file_id] for f in step.files if f.file_id in layout.outputs]
    if made:
        cell.metadata["step"]["outputs"] = made
    if step.failed:
        cell.metadata["tags"] = ["raises-exception"]
    cells: list[Any] = [cell]
    notes = []
    if step.encrypted:
        notes.append(ENCRYPTED)
    if made:
        notes.append("Made by this cell: " + ", ".join(f"`{path}`" for path in made))
    if notes:
        text = "\n\n".join(f"*{note}*" for note in notes)
        cells.append(v4.new_markdown_cell(text, id=f"note-{cell_id(step)}"))
    return cells


def _unrunnable(step: Step) -> str:
    if step.tool in WEB_STEPS:
        return web_step_text(step)
    return f"*A {step.tool.value} step the notebook cannot repeat:*\n\n```\n{step.input}\n```"


def _outputs(step: Step, layout: Layout, read: MaybeBytes) -> list[Any]:
    result = step.result
    outputs: list[Any] = []
    if isinstance(result, ExecutionResult):
        if result.stdout:
            outputs.append(v4.new_output("stream", name="stdout", text=result.stdout))
        if result.stderr:
            outputs.append(v4.new_output("stream", name="stderr", text=result.stderr))
        outputs.extend(_displays(step, read))
        if result.return_code != 0:
            outputs.append(_error("ExitCode", f"exited with code {result.return_code}"))
    elif isinstance(result, ToolError):
        outputs.append(_error(result.error_code, result.message))
    elif isinstance(result, EditorResult) and result.kind == "view":
        text = str(result.details.get("content") or "")
        if text:
            outputs.append(v4.new_output("stream", name="stdout", text=text))
    return outputs


def _displays(step: Step, read: MaybeBytes) -> list[Any]:
    """The step's images, each with its Vega-Lite spec beside it when it has one (a front
    end that draws Vega-Lite shows the chart, any other the PNG); a spec without a PNG on
    its own."""
    charts = step_charts(step, read)
    displays: list[Any] = []
    for file in step.files:
        data: dict[str, Any] = {}
        raw = read(file.file_id) if file.mime_type in IMAGE_TYPES else None
        if raw is not None:
            data[file.mime_type] = base64.b64encode(raw).decode("ascii")
        chart = charts.get(file.file_id)
        if chart is not None:
            data[SPEC_MIME_TYPE] = chart.chart.as_dict()
        if data:
            displays.append(v4.new_output("display_data", data=data))
    return displays


def _error(name: str, value: str) -> Any:
    return v4.new_output("error", ename=name, evalue=value, traceback=[f"{name}: {value}"])


def _plain(text: str) -> str:
    return " ".join(text.split()) or "Analysis"
