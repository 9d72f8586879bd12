"""A code step as a reader sees it in a report: the code or command, and its language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.export.record import Step
from services.turn.results import ExecutionResult, ToolError, WebFetchResult, WebSearchResult
from services.turn.tools import TOOL_NAMES, WEB_STEPS, StepTool
from services.turn.web_results import fetch_summary, hit_text, web_input_text

ENCRYPTED = "The output came back encrypted: only the model could read it."
UNFINISHED = "This step did not finish in the sandbox."


@dataclass(frozen=True)
class ResultLine:
    """A line about the step's result, for a report: `kind` says how to set it."""

    kind: str  # "note", "stream" (with a label), or "plain"
    text: str
    label: str = ""


def result_lines(step: Step) -> list[ResultLine]:
    """What a report says of the step's result, in order."""
    result = step.result
    if result is None:
        return [ResultLine("note", UNFINISHED)]
    if isinstance(result, ToolError):
        return [ResultLine("plain", f"The tool failed: {result.message}")]
    if isinstance(result, WebSearchResult):
        hits = "\n\n".join(hit_text(hit) for hit in result.hits) or "No results"
        return [ResultLine("stream", hits, "Results")]
    if isinstance(result, WebFetchResult):
        return [ResultLine("stream", fetch_summary(result), "Fetched")]
    if not isinstance(result, ExecutionResult):
        return []
    lines = [ResultLine("note", ENCRYPTED)] if result.encrypted else []
    for label, text in (("Output", result.stdout), ("Errors", result.stderr)):
        if text:
            lines.append(ResultLine("stream", text, label))
    if result.return_code:
        lines.append(ResultLine("plain", f"Exited with code {result.return_code}."))
    return lines


def code_of(tool: StepTool, data: Mapping[str, Any]) -> str:
    """The step's code or command; for the text editor, what it did to which file; for a
    web step, the query or the URL."""
    if tool in WEB_STEPS:
        return web_input_text(TOOL_NAMES[tool], dict(data))
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


def web_step_text(step: Step) -> str:
    """A web step as plain text in a fence (markdown cannot act on what the web sent)."""
    lines = [step_code(step)]
    lines += [
        f"{line.label}:\n{line.text}" if line.label else line.text for line in result_lines(step)
    ]
    text = "\n\n".join(lines)
    ticks = "```"
    while ticks in text:
        ticks += "`"
    title = "Web search" if step.tool == StepTool.WEB_SEARCH else "Web fetch"
    return f"*{title} (turn {step.turn}):*\n\n{ticks}text\n{text}\n{ticks}"
