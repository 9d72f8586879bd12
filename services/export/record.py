"""A stored conversation read as an analysis to export: the person's messages, Claude's
text, and every code step with its result and the files it made, in order.

Thinking is left out, and so are the app's own notes to Claude. Every export format
(notebook, HTML, Markdown) is written from this one reading of the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from services.conversation import Conversation
from services.files.stored import StoredFile
from services.turn.blocks import step_result, step_tool
from services.turn.events import is_app_note
from services.turn.results import ExecutionResult, StepResult, ToolError
from services.turn.tools import RESULT_TOOLS, StepTool


@dataclass(frozen=True)
class Said:
    """What the person wrote (with the files attached to it), or Claude's text."""

    role: str  # "user" or "assistant"
    text: str
    turn: int  # 1 for the first message the person sent
    attached: tuple[StoredFile, ...] = ()


@dataclass(frozen=True)
class Step:
    """One code step: what ran, what it returned, and the files it left in $OUTPUT_DIR."""

    step_id: str
    tool: StepTool
    input: Mapping[str, Any]
    result: StepResult | None  # None: the step never finished (a stopped turn)
    turn: int
    number: int  # 1 for the conversation's first step
    files: tuple[StoredFile, ...] = ()

    @property
    def failed(self) -> bool:
        if isinstance(self.result, ToolError):
            return True
        return isinstance(self.result, ExecutionResult) and self.result.return_code != 0

    @property
    def encrypted(self) -> bool:
        return isinstance(self.result, ExecutionResult) and self.result.encrypted


Item = Said | Step


def read_record(conversation: Conversation) -> list[Item]:
    uploads = {f.file_id: f for f in conversation.uploads.values()}
    by_step: dict[str, list[StoredFile]] = {}
    for file in conversation.outputs.values():
        if file.step_id:
            by_step.setdefault(file.step_id, []).append(file)
    items: list[Item] = []
    turn = 0
    for message in conversation.messages:
        blocks = _blocks(message.get("content"))
        if message.get("role") == "user":
            turn += 1
            items.extend(_user_items(blocks, turn, uploads))
        else:
            first = sum(isinstance(i, Step) for i in items) + 1
            items.extend(_assistant_items(blocks, turn, first, by_step, conversation.outputs))
    return items


def _blocks(content: Any) -> list[dict[str, Any]]:
    """The message's blocks; a plain string is one text block, anything odd is left out."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _text(block: dict[str, Any]) -> str:
    text = block.get("text")
    return text if block.get("type") == "text" and isinstance(text, str) else ""


def _input(block: dict[str, Any]) -> dict[str, Any]:
    """A step's input; one stored as JSON text (a stream cut short) is read back."""
    data = block.get("input")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    return dict(data) if isinstance(data, dict) else {}


def _user_items(
    blocks: list[dict[str, Any]], turn: int, uploads: Mapping[str, StoredFile]
) -> Iterator[Item]:
    texts = [_text(b) for b in blocks if _text(b).strip() and not is_app_note(b)]
    attached = tuple(
        uploads[b["file_id"]]
        for b in blocks
        if b.get("type") == "container_upload" and b.get("file_id") in uploads
    )
    if texts or attached:
        yield Said("user", "\n\n".join(texts), turn, attached)


def _assistant_items(
    blocks: list[dict[str, Any]],
    turn: int,
    first: int,
    by_step: Mapping[str, list[StoredFile]],
    outputs: Mapping[str, StoredFile],
) -> Iterator[Item]:
    results = {str(b.get("tool_use_id")): b for b in blocks if str(b.get("type")) in RESULT_TOOLS}
    number = first
    for block in blocks:
        kind = block.get("type")
        if kind == "text" and _text(block).strip():
            yield Said("assistant", _text(block), turn)
        tool = step_tool(block)
        if tool is None:
            continue
        step_id = str(block.get("id"))
        result_block = results.get(step_id)
        result = step_result(result_block) if result_block is not None else None
        files = _ordered_files(result, by_step.get(step_id, []), outputs)
        yield Step(step_id, tool, _input(block), result, turn, number, files)
        number += 1


def _ordered_files(
    result: StepResult | None, files: list[StoredFile], outputs: Mapping[str, StoredFile]
) -> tuple[StoredFile, ...]:
    """The step's files (those stored with its id, and those its result lists), in the
    order the result lists them; files it does not list come last."""
    order = list(result.file_ids) if isinstance(result, ExecutionResult) else []
    listed = [outputs[file_id] for file_id in order if file_id in outputs]
    found = {f.file_id: f for f in [*files, *listed]}
    rank = {file_id: i for i, file_id in enumerate(order)}
    return tuple(sorted(found.values(), key=lambda f: rank.get(f.file_id, len(rank))))
