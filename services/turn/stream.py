"""One streamed response, read from its raw server-sent events.

The reader writes the content blocks into the turn's buffer from the raw JSON (not from
the SDK's typed objects, whose lenient parsing turns an unknown block into an empty text
block), so the record holds exactly what the API sent and the next turn can send it back
unchanged. Each change becomes a turn event through `emit`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from services.turn.blocks import Block, start_events, step_tool, stop_events
from services.turn.buffer import TurnBuffer
from services.turn.events import (
    BlockCompleted,
    CodeStepInput,
    ContainerUpdated,
    StepTool,
    TextDelta,
    ThinkingDelta,
    TurnEvent,
)


class StreamFailed(Exception):
    """The API sent an `event: error` in the middle of the stream."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


class StreamReader:
    """Feed it each SSE (event name, data); it writes the blocks into the turn's buffer."""

    def __init__(
        self,
        buffer: TurnBuffer,
        emit: Callable[[TurnEvent], None],
        steps: dict[str, StepTool],
    ) -> None:
        self.buffer = buffer
        self.offset = len(buffer)  # blocks of this turn that came before this response
        self._emit = emit
        self._steps = steps  # server_tool_use id -> tool, shared across continuations
        self._snapshots: dict[int, dict[str, Any]] = {}
        self.started = 0  # blocks this response started
        self.model: str | None = None
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.stop_details: Any = None
        self.finished = False

    @property
    def has_content(self) -> bool:
        return self.started > 0

    def feed(self, event: str | None, data: str) -> None:
        if event == "ping" or not data:
            return
        payload = json.loads(data)
        kind = payload.get("type") or event
        handler = self._HANDLERS.get(kind)
        if handler is not None:
            handler(self, payload)
        # Unknown event types are tolerated, as the API asks of clients.

    # --- handlers ----------------------------------------------------------------------

    def _on_error(self, payload: dict[str, Any]) -> None:
        error = payload.get("error") or {}
        raise StreamFailed(str(error.get("type") or "error"), str(error.get("message") or ""))

    def _on_message_start(self, payload: dict[str, Any]) -> None:
        message = payload.get("message") or {}
        self.model = message.get("model")
        self.usage = dict(message.get("usage") or {})

    def _on_block_start(self, payload: dict[str, Any]) -> None:
        index = self.offset + int(payload["index"])
        block = self.buffer.open(index, dict(payload.get("content_block") or {}))
        self.started += 1
        tool = step_tool(block)
        if tool is not None:
            self._steps[str(block.get("id"))] = tool
        for event in start_events(block, index):
            self._emit(event)

    def _on_block_delta(self, payload: dict[str, Any]) -> None:
        index = self.offset + int(payload["index"])
        block = self.buffer.block(index)
        delta = payload.get("delta") or {}
        if block is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            self.buffer.append(index, "text", delta.get("text", ""))
            self._emit(TextDelta(index, delta.get("text", "")))
        elif kind == "thinking_delta":
            self.buffer.append(index, "thinking", delta.get("thinking", ""))
            self._emit(ThinkingDelta(index, delta.get("thinking", "")))
        elif kind == "signature_delta":
            block["signature"] = delta.get("signature", "")
        elif kind == "input_json_delta":
            self._on_input_delta(index, block, delta.get("partial_json", ""))
        elif kind == "citations_delta":
            block["citations"] = [*(block.get("citations") or []), delta.get("citation")]

    def _on_input_delta(self, index: int, block: Block, piece: str) -> None:
        snapshot = self.buffer.add_input_json(index, piece)
        tool = step_tool(block)
        if tool is None or not piece:
            return
        if snapshot != self._snapshots.get(index):
            self._snapshots[index] = snapshot
            self._emit(CodeStepInput(str(block.get("id")), tool, snapshot))

    def _on_block_stop(self, payload: dict[str, Any]) -> None:
        index = self.offset + int(payload["index"])
        if self.buffer.block(index) is None or not self.buffer.is_open(index):
            return
        block = self.buffer.close(index)
        # The whole block first, so the store holds it before the step's own events.
        self._emit(BlockCompleted(index, block))
        for event in stop_events(block, index, self._steps):
            self._emit(event)

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
