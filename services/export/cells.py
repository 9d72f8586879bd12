"""The source of the notebook cell that repeats a code step.

Python runs as it is, bash under `%%bash`, a text-editor file creation as `%%writefile`;
an edit (`str_replace`) and a `view` become short Python that does the same to the file.
Names the edit cells use start with `_export_` and are deleted again, so they never
clash with the analysis's own variables.
"""

from __future__ import annotations

from collections.abc import Callable

from services.export.record import Step
from services.turn.tools import WEB_STEPS, StepTool

Rewrite = Callable[[str], str]


def step_source(step: Step, rewrite: Rewrite) -> str | None:
    """The cell's source; None when no cell can repeat the step."""
    data = step.input
    if step.tool in WEB_STEPS:
        return None  # a web search or fetch: told as text, not repeated
    if step.tool == StepTool.PYTHON:
        return rewrite(str(data.get("code", "")))
    if step.tool == StepTool.BASH:
        return "%%bash\n" + rewrite(str(data.get("command", "")))
    return _editor_source(step, rewrite)


def _editor_source(step: Step, rewrite: Rewrite) -> str | None:
    data = step.input
    command = data.get("command")
    path = rewrite(str(data.get("path", "")))
    if not path:
        return None
    if command == "create":
        text = rewrite(str(data.get("file_text", "")))
        target = f'"{path}"' if any(c.isspace() for c in path) else path
        return f"%%writefile {target}\n{text}"
    if command == "str_replace":
        old, new = str(data.get("old_str", "")), str(data.get("new_str", ""))
        return _replace_source(path, rewrite(old), rewrite(new))
    if command == "view":
        return (
            "from pathlib import Path as _export_Path\n\n"
            f"print(_export_Path({path!r}).read_text(), end='')\n"
            "del _export_Path"
        )
    return None


def _replace_source(path: str, old: str, new: str) -> str:
    return (
        "from pathlib import Path as _export_Path\n\n"
        f"_export_file = _export_Path({path!r})\n"
        "_export_text = _export_file.read_text()\n"
        f"_export_old, _export_new = {old!r}, {new!r}\n"
        'assert _export_old in _export_text, "the text to replace is not in the file"\n'
        "_export_file.write_text(_export_text.replace(_export_old, _export_new, 1))\n"
        "del _export_Path, _export_file, _export_text, _export_old, _export_new"
    )
