"""What a code step shows, as plain values: parsed from API blocks or from live events.

History (stored API content blocks) and the live turn (runner events) both end up as a
`StepView`, so one renderer draws a step however it arrived. Parsing here reads plain
JSON dicts; it never touches the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from components.render.format import escape_markdown, short_name
from services.turn.blocks import step_result
from services.turn.events import EditorResult, ExecutionResult, StepResult, StepTool, ToolError
from services.turn.tools import RESULT_TOOLS, STEP_TOOLS

# The runner's tables: a block the stream reads as a step is drawn as one.
RESULT_BLOCK_TYPES = frozenset(RESULT_TOOLS)
_TOOL_WORDS = {StepTool.PYTHON: "Python", StepTool.BASH: "bash", StepTool.TEXT_EDITOR: "editor"}
_WEB_DONE = {StepTool.WEB_SEARCH: "Searched the web", StepTool.WEB_FETCH: "Fetched a web page"}
_WEB_RUNNING = {StepTool.WEB_SEARCH: "Searching the web", StepTool.WEB_FETCH: "Fetching a web page"}
_EDITOR_VERBS = {"view": "Viewed", "create": "Created", "str_replace": "Edited"}
_EDITOR_RUNNING = {"view": "Viewing", "create": "Creating", "str_replace": "Editing"}


@dataclass(frozen=True)
class StepView:
    """One code step: the call, and its result once it has one."""

    step_id: str
    tool: StepTool | None  # None: a server tool the app does not run code with
    name: str
    input: dict[str, Any] = field(default_factory=dict)
    result: StepResult | None = None


def tool_of(name: str) -> StepTool | None:
    return STEP_TOOLS.get(name)


def result_of(block: dict[str, Any]) -> StepResult:
    """The result block read as the runner reads it live, so a restored step says the
    same words; a shape neither knows becomes a visible ToolError."""
    result = step_result(block)
    if result is not None:
        return result
    content = block.get("content")
    kind = content.get("type", "") if isinstance(content, dict) else ""
    return ToolError("unknown_result", f"The step returned a result of type {kind or 'unknown'}.")


def file_name(path: str) -> str:
    return PurePosixPath(path).name or path


def step_title(step: StepView) -> str:
    """What the step did, in the past tense: 'Ran Python', 'Created chart.py'.

    A label (markdown): the tool's name and the file's come from the model, so they are
    escaped here, for every box that shows the title.
    """
    if step.tool is None:
        return f"Used {escape_markdown(step.name)}"
    if step.tool in _WEB_DONE:
        return _WEB_DONE[step.tool]
    if step.tool is StepTool.TEXT_EDITOR:
        command = str(step.input.get("command", ""))
        name = _edited_name(step)
        if command == "create" and _is_update(step.result):
            return f"Updated {name}"
        return f"{_EDITOR_VERBS.get(command, 'Used the editor on')} {name}"
    return f"Ran {_TOOL_WORDS[step.tool]}"


def running_title(step: StepView) -> str:
    """What the step is doing, for the live label: 'Running Python', 'Creating chart.py'."""
    if step.tool is None:
        return f"Using {escape_markdown(step.name)}"
    if step.tool in _WEB_RUNNING:
        return _WEB_RUNNING[step.tool]
    if step.tool is StepTool.TEXT_EDITOR:
        command = str(step.input.get("command", ""))
        name = _edited_name(step)
        return f"{_EDITOR_RUNNING.get(command, 'Using the editor on')} {name}"
    return f"Running {_TOOL_WORDS[step.tool]}"


def _edited_name(step: StepView) -> str:
    name = file_name(str(step.input.get("path", "")))
    return escape_markdown(short_name(name)) if name else "a file"


def _is_update(result: StepResult | None) -> bool:
    return isinstance(result, EditorResult) and bool(result.details.get("is_file_update"))


def failed(result: StepResult | None) -> bool:
    if isinstance(result, ToolError):
        return True
    return isinstance(result, ExecutionResult) and result.return_code != 0


def code_of(step: StepView) -> tuple[str, str]:
    """(source, language) to highlight: the Python code, the bash command, or the file text."""
    if step.tool is StepTool.PYTHON:
        return str(step.input.get("code", "")), "python"
    if step.tool is StepTool.BASH:
        return str(step.input.get("command", "")), "bash"
    if step.tool is StepTool.TEXT_EDITOR:
        path = str(step.input.get("path", ""))
        if step.input.get("command") == "str_replace":
            return _replacement_diff(step.input), "diff"
        return str(step.input.get("file_text", "")), language_for(path)
    return "", "json"


def _replacement_diff(data: dict[str, Any]) -> str:
    old = str(data.get("old_str", "")).splitlines() or [""]
    new = str(data.get("new_str", "")).splitlines() or [""]
    return "\n".join([f"-{line}" for line in old] + [f"+{line}" for line in new])


_LANGUAGES = {
    ".py": "python",
    ".sh": "bash",
    ".json": "json",
    ".js": "javascript",
    ".ts": "typescript",
    ".html": "html",
    ".css": "css",
    ".sql": "sql",
    ".md": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".xml": "xml",
    ".r": "r",
}


def language_for(path: str) -> str:
    return _LANGUAGES.get(PurePosixPath(path).suffix.lower(), "text")


@dataclass(frozen=True)
class Clipped:
    """Output cut to a size the page can draw; `full` keeps all of it for download."""

    shown: str
    full: str
    total_lines: int
    shown_lines: int

    @property
    def truncated(self) -> bool:
        return len(self.shown) < len(self.full)


MAX_OUTPUT_LINES = 200
MAX_OUTPUT_CHARS = 20_000


def clip(
    text: str, max_lines: int = MAX_OUTPUT_LINES, max_chars: int = MAX_OUTPUT_CHARS
) -> Clipped:
    lines = text.splitlines(keepends=True)
    shown = "".join(lines[:max_lines])[:max_chars]
    return Clipped(shown, text, len(lines), len(shown.splitlines()))
