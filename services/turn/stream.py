"""One streamed response, read from its raw server-sent events.

The reader rebuilds the content blocks from the raw JSON (not from the SDK's typed
objects, whose lenient parsing turns an unknown block into an empty text block), so the
record holds exactly what the API sent and the next turn can send it back unchanged.
Each change becomes a turn event through `emit`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, ClassVar

import jiter

from services.turn.blocks import Block, start_events, step_tool, stop_events
from services.turn.events import (
    BlockCompleted,
    CodeStepInput,
    ContainerUpdated,
    StepTool,
    TextDelta,
    ThinkingDelta,
    TurnEvent,
)

INPUT_BLOCKS = frozenset({"server_tool_use", "tool_use", "mcp_tool_use"})


class StreamFailed(Exception):
    """The API sent an `event: error` in the middle of the stream."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


def parse_partial(text: str) -> dict[str, Any]:
    """A tool input as far as it has arrived (unfinished strings included)."""
    if not text.strip():
        return {}
    try:
        value = jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class StreamReader:
    """Feed it each SSE (event name, data); read `content()` and the message fields."""

    def __init__(
        self, offset: int, emit: Callable[[TurnEvent], None], steps: dict[str, StepTool]
    ) -> None:
        self.offset = offset  # blocks of this turn that came before this response
        self._emit = emit
        self._steps = steps  # server_tool_use id -> tool, shared across continuations
        self._blocks: dict[int, Block] = {}
        self._json: dict[int, str] = {}
        self._snapshots: dict[int, dict[str, Any]] = {}
        self._open: set[int] = set()
        self.model: str | None = None
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.stop_details: Any = None
        self.finished = False

    @property
    def has_content(self) -> bool:
        return bool(self._blocks)

    def feed(self, event: str | None, data: str) -> None:
        if event == "ping" or not data:
            return
        payload = json.loads(data)
        kind = payload.get("type") or event
        handler = self._HANDLERS.get(kind)
        if handler is not None:
            handler(self, payload)
        # Unknown event types are tolerated, as the API asks of clients.

    def content(self) -> list[Block]:
        """The blocks so far, in order; a block cut off mid-stream keeps what arrived."""
        for index in sorted(self._open):
            self._finish_input(index)
        return [self._blocks[i] for i in sorted(self._blocks)]

    # --- handlers ----------------------------------------------------------------------

    def _on_error(self, payload: dict[str, Any]) -> None:
        error = payload.get("error") or {}
        raise StreamFailed(str(error.get("type") or "error"), str(error.get("message") or ""))

    def _on_message_start(self, payload: dict[str, Any]) -> None:
        message = payload.get("message") or {}
        self.model = message.get("model")
        self.usage = dict(message.get("usage") or {})

    def _on_block_start(self, payload: dict[str, Any]) -> None:
        index = int(payload["index"])
        block = dict(payload.get("content_block") or {})
        self._blocks[index] = block
        self._open.add(index)
        tool = step_tool(block)
        if tool is not None:
            self._steps[str(block.get("id"))] = tool
        for event in start_events(block, self.offset + index):
            self._emit(event)

    def _on_block_delta(self, payload: dict[str, Any]) -> None:
        index = int(payload["index"])
        block = self._blocks.get(index)
        delta = payload.get("delta") or {}
        if block is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = (block.get("text") or "") + delta.get("text", "")
            self._emit(TextDelta(self.offset + index, delta.get("text", "")))
        elif kind == "thinking_delta":
            block["thinking"] = (block.get("thinking") or "") + delta.get("thinking", "")
            self._emit(ThinkingDelta(self.offset + index, delta.get("thinking", "")))
        elif kind == "signature_delta":
            block["signature"] = delta.get("signature", "")
        elif kind == "input_json_delta":
            self._on_input_delta(index, block, delta.get("partial_json", ""))
        elif kind == "citations_delta":
            block["citations"] = [*(block.get("citations") or []), delta.get("citation")]

    def _on_input_delta(self, index: int, block: Block, piece: str) -> None:
        self._json[index] = self._json.get(index, "") + piece
        tool = step_tool(block)
        if tool is None or not piece:
            return
        snapshot = parse_partial(self._json[index])
        if snapshot != self._snapshots.get(index):
            self._snapshots[index] = snapshot
            self._emit(CodeStepInput(str(block.get("id")), tool, snapshot))

    def _on_block_stop(self, payload: dict[str, Any]) -> None:
        index = int(payload["index"])
        block = self._blocks.get(index)
        if block is None or index not in self._open:
            return
        self._finish_input(index)
        # The whole block first, so a recorder holds it before the step's own events.
        self._emit(BlockCompleted(self.offset + index, copy.deepcopy(block)))
        for event in stop_events(block, self.offset + index, self._steps):
            self._emit(event)

    def _finish_input(self, index: int) -> None:
        self._open.discard(index)
        block = self._blocks[index]
        text = self._json.pop(index, None)
        if block.get("type") not in INPUT_BLOCKS or text is None:
            return
        try:
            block["input"] = json.loads(text) if text.strip() else block.get("input") or {}
        except ValueError:
            block["input"] = parse_partial(text)

    def _on_message_delta(self, payload: dict[str, Any]) -> None:
        delta = payload.get("delta") or {}
        self.stop_reason = delta.get("stop_reason") or self.stop_reason
        self.stop_details = delta.get("stop_details", self.stop_details)
        container = delta.get("container")
        if isinstance(container, dict) and container.get("id"):
            self._emit(ContainerUpdated(str(container["id"]), container.get("expires_at")))
        # Counts in message_delta are cumulative: they replace those of message_start.
        usage = payload.get("usage") or {}
        self.usage.update({k: v for k, v in usage.items() if v is not None})

    def _on_message_stop(self, payload: dict[str, Any]) -> None:
        self.finished = True

    _HANDLERS: ClassVar[dict[str, Callable[[StreamReader, dict[str, Any]], None]]] = {
        "error": _on_error,
        "message_start": _on_message_start,
        "content_block_start": _on_block_start,
        "content_block_delta": _on_block_delta,
        "content_block_stop": _on_block_stop,
        "message_delta": _on_message_delta,
        "message_stop": _on_message_stop,
    }
