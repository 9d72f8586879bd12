"""Every real recording, replayed through the runner, exports as a valid notebook with one
code cell per step holding the step's exact code, and its images' stored bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest

from services.export.bundle import notebook_bytes
from services.export.record import Step, read_record
from services.export.rewrites import Rewriter
from services.turn.tools import WEB_STEPS, StepTool
from tests.services.turn.test_runner_recordings import NAMES, replay_turns


def _expected_source(step: Step) -> str:
    rewrite = Rewriter()
    if step.tool == StepTool.PYTHON:
        return rewrite(str(step.input["code"]))
    if step.tool == StepTool.BASH:
        return "%%bash\n" + rewrite(str(step.input["command"]))
    return ""


@pytest.mark.parametrize("name", NAMES)
def test_each_recording_exports_as_a_notebook(
    name: str, tmp_path: Path, recordings_dir: Path
) -> None:
    replay, turns = replay_turns(name, tmp_path)
    assert turns and replay.followed is not None
    conversation = replay.followed.current  # the whole record after the last turn
    files = {**{f.file_id: f for f in conversation.uploads.values()}, **conversation.outputs}
    data = notebook_bytes(conversation, name, lambda file_id: files[file_id].path.read_bytes())
    notebook = nbformat.reads(data.decode(), as_version=4)
    nbformat.validate(notebook)

    steps = [i for i in read_record(conversation) if isinstance(i, Step)]
    cells = {c.id: c for c in notebook.cells if c.id.startswith("step-")}
    unrunnable = [s for s in steps if f"step-{s.number}" not in cells]
    assert all(s.tool in (StepTool.TEXT_EDITOR, *WEB_STEPS) for s in unrunnable)
    for step in (s for s in unrunnable if s.tool in WEB_STEPS):  # told as text
        [text] = [c for c in notebook.cells if c.id == f"text-step-{step.number}"]
        assert text.cell_type == "markdown" and str(step.input.get("query")) in text.source
    for step in steps:
        cell = cells.get(f"step-{step.number}")
        if cell is not None and step.tool != StepTool.TEXT_EDITOR:
            assert cell.source == _expected_source(step)
        images = [f for f in step.files if f.mime_type == "image/png"]
        if cell is not None and images:
            shown = [o for o in cell.outputs if o.output_type == "display_data"]
            assert [base64.b64decode(o.data["image/png"]) for o in shown] == [
                f.path.read_bytes() for f in images
            ]
