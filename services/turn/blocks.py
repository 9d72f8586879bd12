"""Content blocks (the API's raw JSON) to turn events, dispatched on the block type.

The same functions serve the live stream and a replay of a stored record. A block type
this module does not know becomes an UnsupportedBlock event: visible, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    EditorResult,
    ExecutionResult,
    StepResult,
    TextDelta,
    ThinkingDelta,
    ToolError,
    TurnEvent,
    UnsupportedBlock,
)
from services.turn.tools import RESULT_TOOLS, STEP_TOOLS, StepTool
from services.turn.web_results import WEB_RESULT_TYPES, web_result

Block = dict[str, Any]

# Blocks that need no live event: the page draws them from the record.
QUIET_BLOCKS = frozenset({"redacted_thinking"})

TOOL_ERROR_MESSAGES = {
    "invalid_tool_input": "The tool was called with input it could not use.",
    "unavailable": "The code execution tool was unavailable.",
    "too_many_requests": "Too many code executions at once; the tool refused this one.",
    "execution_time_exceeded": "The code ran longer than the time limit and was stopped.",
    "output_file_too_large": "An output file was too large to return.",
    "file_not_found": "The file was not found in the container.",
    # Documented once and gone from the current enums; old stored turns may hold them.
    "container_expired": "The code environment had expired.",
    "string_not_found": "The text to replace was not found in the file.",
}


def step_tool(block: Block) -> StepTool | None:
    """The code-execution sub-tool of a server_tool_use block, None for other tools."""
    if block.get("type") != "server_tool_use":
        return None
    return STEP_TOOLS.get(str(block.get("name")))


def _unsupported(block: Block, index: int) -> UnsupportedBlock:
    kind = str(block.get("type") or "unknown")
    if kind == "server_tool_use":
        kind = f"server_tool_use:{block.get('name')}"
    return UnsupportedBlock(index=index, block_type=kind)


def start_events(block: Block, index: int) -> list[TurnEvent]:
    """Events for a block as it opens (results arrive whole and are handled at stop)."""
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        # A None text is the SDK's lenient form of an unknown block; raw JSON never has it.
        return [TextDelta(index, text)] if isinstance(text, str) and text else []
    if kind == "thinking":
        thinking = block.get("thinking") or ""
        return [ThinkingDelta(index, thinking)] if thinking else []
    if kind == "server_tool_use":
        tool = step_tool(block)
        if tool is None:
            return [_unsupported(block, index)]
        events: list[TurnEvent] = [CodeStepStarted(str(block.get("id")), tool, index)]
        if block.get("input"):
            events.append(CodeStepInput(str(block.get("id")), tool, dict(block["input"])))
        return events
    if kind in RESULT_TOOLS or kind in QUIET_BLOCKS:
        return []
    return [_unsupported(block, index)]


def stop_events(block: Block, index: int, steps: dict[str, StepTool]) -> list[TurnEvent]:
    """Events for a complete block: the step's full input, or the step's result."""
    kind = block.get("type")
    tool = step_tool(block)
    if tool is not None:
        return [CodeStepInput(str(block.get("id")), tool, dict(block.get("input") or {}), True)]
    if kind not in RESULT_TOOLS:
        return []
    step_id = str(block.get("tool_use_id"))
    result = step_result(block)
    if result is None:
        content = block.get("content")
        inner = content.get("type") if isinstance(content, dict) else type(content).__name__
        return [UnsupportedBlock(index=index, block_type=f"{kind}:{inner}")]
    return [CodeStepFinished(step_id, steps.get(step_id, RESULT_TOOLS[kind]), result, index)]


def tool_error(content: dict[str, Any]) -> ToolError:
    code = str(content.get("error_code") or "unknown_error")
    message = TOOL_ERROR_MESSAGES.get(code, f"The code execution tool failed ({code}).")
    detail = content.get("error_message")
    return ToolError(code, f"{message} {detail}" if detail else message)


def _file_ids(content: dict[str, Any]) -> tuple[str, ...]:
    items = content.get("content") or []
    return tuple(str(i["file_id"]) for i in items if isinstance(i, dict) and i.get("file_id"))


def _execution(content: dict[str, Any], encrypted: bool = False) -> ExecutionResult:
    return ExecutionResult(
        # An encrypted stdout is readable only by the model (PTC code called a web tool).
        stdout="" if encrypted else str(content.get("stdout") or ""),
        stderr=str(content.get("stderr") or ""),
        return_code=int(content.get("return_code") or 0),
        file_ids=_file_ids(content),
        encrypted=encrypted,
    )


_EDITOR_PREFIX = "text_editor_code_execution_"

RESULT_PARSERS: dict[str, Callable[[dict[str, Any]], StepResult]] = {
    "bash_code_execution_result": _execution,
    "code_execution_result": _execution,
    "encrypted_code_execution_result": lambda content: _execution(content, encrypted=True),
}


def step_result(block: Block) -> StepResult | None:
    """The typed result of a result block, None when its content has an unknown shape."""
    if block.get("type") in WEB_RESULT_TYPES:
        return web_result(block)
    content = block.get("content")
    if not isinstance(content, dict):
        return None
    inner = str(content.get("type") or "")
    if inner.endswith("_error") or "error_code" in content:
        return tool_error(content)
    parser = RESULT_PARSERS.get(inner)
    if parser is not None:
        return parser(content)
    if inner.startswith(_EDITOR_PREFIX) and inner.endswith("_result"):
        kind = inner[len(_EDITOR_PREFIX) : -len("_result")]
        details = {k: v for k, v in content.items() if k != "type"}
        return EditorResult(kind=kind, details=details)
    return None
