"""A code step as a reader sees it in a report: the code or command, and its language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.export.record import Step
from services.turn.tools import StepTool


def code_of(tool: StepTool, data: Mapping[str, Any]) -> str:
    """The step's code or command; for the text editor, what it did to which file."""
    if tool == StepTool.BASH:
        return str(data.get("command", ""))
    if tool == StepTool.PYTHON:
        return str(data.get("code", ""))
    head = f"{data.get('command', '')} {data.get('path', '')}".strip()
    if data.get("command") == "create":
        return f"{head}\n{data.get('file_text', '')}"
    if data.get("command") == "str_replace":
        return f"{head}\n- {data.get('old_str', '')}\n+ {data.get('new_str', '')}"
    return head


def step_code(step: Step) -> str:
    return code_of(step.tool, step.input)


def step_language(step: Step) -> str:
    return {StepTool.PYTHON: "python", StepTool.BASH: "bash"}.get(step.tool, "text")
