"""A stored conversation read as an analysis to export: the person's messages, Claude's
text, and every code step with its result and the files it made, in order.

Thinking is left out, and so are the app's own notes to Claude. Every export format
(notebook, HTML, Markdown) is written from this one reading of the record.
"""

from __future__ import annotations

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
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        if message.get("role") == "user":
            turn += 1
            items.extend(_user_items(blocks, turn, uploads))
        else:
            first = sum(isinstance(i, Step) for i in items) + 1
            items.extend(_assistant_items(blocks, turn, first, by_step))
    return items


def _user_items(
    blocks: list[dict[str, Any]], turn: int, uploads: Mapping[str, StoredFile]
) -> Iterator[Item]:
    texts = [
        str(b.get("text", ""))
        for b in blocks
        if b.get("type") == "text" and not is_app_note(b) and str(b.get("text", "")).strip()
    ]
    attached = tuple(
        uploads[b["file_id"]]
        for b in blocks
        if b.get("type") == "container_upload" and b.get("file_id") in uploads
    )
    if texts or attached:
        yield Said("user", "\n\n".join(texts), turn, attached)


def _assistant_items(
    blocks: list[dict[str, Any]], turn: int, first: int, by_step: Mapping[str, list[StoredFile]]
) -> Iterator[Item]:
    results = {str(b.get("tool_use_id")): b for b in blocks if str(b.get("type")) in RESULT_TOOLS}
    number = first
    for block in blocks:
        kind = block.get("type")
        if kind == "text" and str(block.get("text", "")).strip():
            yield Said("assistant", str(block["text"]), turn)
        tool = step_tool(block)
        if tool is None:
            continue
        step_id = str(block.get("id"))
        result_block = results.get(step_id)
        result = step_result(result_block) if result_block is not None else None
        files = _ordered_files(result, by_step.get(step_id, []))
        yield Step(step_id, tool, dict(block.get("input") or {}), result, turn, number, files)
        number += 1


def _ordered_files(result: StepResult | None, files: list[StoredFile]) -> tuple[StoredFile, ...]:
    """In the order the step's result lists them; files it does not list come last."""
    order = list(result.file_ids) if isinstance(result, ExecutionResult) else []
    rank = {file_id: i for i, file_id in enumerate(order)}
    return tuple(sorted(files, key=lambda f: rank.get(f.file_id, len(rank))))
