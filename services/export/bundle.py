"""The notebook export: the notebook alone, or a zip that reproduces the analysis (the
notebook, the uploaded inputs, every produced file, a requirements.txt and a README)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

import nbformat

from services.conversation import Conversation
from services.export.imports import requirements
from services.export.layout import Layout, lay_out, zip_entry
from services.export.notebook import ReadBytes, build_notebook, cell_id, safe_reader
from services.export.record import Item, Step, read_record
from services.turn.tools import StepTool

NOTEBOOK_NAME = "analysis.ipynb"


def notebook_bytes(conversation: Conversation, title: str, read: ReadBytes) -> bytes:
    items = read_record(conversation)
    built = build_notebook(title, items, lay_out(items), safe_reader(read))
    return nbformat.writes(built.notebook).encode("utf-8")


def notebook_zip(conversation: Conversation, title: str, read: ReadBytes) -> bytes:
    items = read_record(conversation)
    layout = lay_out(items)
    read_once = safe_reader(read)
    built = build_notebook(title, items, layout, read_once)
    missing: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zip_entry(NOTEBOOK_NAME), nbformat.writes(built.notebook))
        for file_id, path in {**layout.inputs, **layout.outputs}.items():
            data = read_once(file_id)
            if data is None:
                missing.append(path)
            else:
                archive.writestr(zip_entry(path), data)
        archive.writestr(zip_entry("requirements.txt"), "\n".join(_requirements(items)) + "\n")
        archive.writestr(zip_entry("README.md"), _readme(title, layout, built.rewrites, missing))
    return buffer.getvalue()


def _requirements(items: list[Item]) -> list[str]:
    steps = [i for i in items if isinstance(i, Step)]
    sources = [str(s.input.get("code", "")) for s in steps if s.tool == StepTool.PYTHON]
    written = [s for s in steps if s.tool == StepTool.TEXT_EDITOR and _is_python(s)]
    sources += [str(s.input.get("file_text", "")) for s in written]
    own = {PurePath(str(s.input.get("path"))).stem for s in written}
    return ["ipykernel", *requirements(sources, own)]


def _is_python(step: Step) -> bool:
    return step.input.get("command") == "create" and str(step.input.get("path")).endswith(".py")


def _readme(title: str, layout: Layout, rewrites: list[str], missing: list[str]) -> str:
    lines = [
        f"# {' '.join(title.split()) or 'Analysis'}",
        "",
        f"`{NOTEBOOK_NAME}` repeats the analysis: run it in this folder, beside `inputs/`.",
        "",
        "```bash",
        "pip install -r requirements.txt jupyter",
        f"jupyter nbconvert --to notebook --execute {NOTEBOOK_NAME} --output analysis.run.ipynb",
        "```",
        "",
        "It writes its files into `outputs/`, which holds the files as the sandbox made them.",
        "Packages are not pinned: the sandbox's versions are not known.",
        "",
        "## Files",
        "",
        "| file | made by | turn |",
        "|---|---|---|",
    ]
    for file_id, path in layout.outputs.items():
        step = layout.made_by[file_id]
        lines.append(f"| `{path}` | cell `{cell_id(step)}` ({step.tool.value}) | {step.turn} |")
    lines += [f"| `{path}` | uploaded | |" for path in layout.inputs.values()]
    if missing:
        lines += ["", "Not included: the app no longer holds these files' bytes:"]
        lines += [f"- `{path}`" for path in missing]
    lines += ["", "## Paths rewritten", "", *[f"- {line}" for line in rewrites]]
    lines += ["", "Running the notebook runs the code Claude wrote on this machine: read it first."]
    return "\n".join(lines) + "\n"
