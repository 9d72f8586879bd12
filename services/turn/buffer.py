"""The assistant message of a turn, rebuilt from its events while it streams.

Finished blocks arrive whole (BlockCompleted) and are kept as the API sent them; the block
being streamed is rebuilt from its deltas, so a turn cut off at any point still has every
character that arrived. History repair fixes what a cut leaves unfinished.
"""

from __future__ import annotations

import copy
from typing import Any

from services.turn.blocks import TOOL_NAMES
from services.turn.events import (
    BlockCompleted,
    CodeStepInput,
    CodeStepStarted,
    TextDelta,
    ThinkingDelta,
    TurnEvent,
)


class TurnRecord:
    def __init__(self) -> None:
        self._complete: dict[int, dict[str, Any]] = {}
        self._partial: dict[int, dict[str, Any]] = {}
        self._step_index: dict[str, int] = {}

    def apply(self, event: TurnEvent) -> bool:
        """Take one event; True if the content changed."""
        if isinstance(event, BlockCompleted):
            self._complete[event.index] = copy.deepcopy(event.block)
            self._partial.pop(event.index, None)
        elif isinstance(event, TextDelta):
            self._append(event.index, "text", "text", event.text)
        elif isinstance(event, ThinkingDelta):
            self._append(event.index, "thinking", "thinking", event.text)
        elif isinstance(event, CodeStepStarted):
            self._step_index[event.step_id] = event.index
            self._partial[event.index] = {
                "type": "server_tool_use",
                "id": event.step_id,
                "name": TOOL_NAMES[event.tool],
                "input": {},
            }
        elif isinstance(event, CodeStepInput):
            index = self._step_index.get(event.step_id)
            if index is None or index not in self._partial:
                return False
            self._partial[index]["input"] = dict(event.input)
        else:
            return False
        return True

    def _append(self, index: int, block_type: str, field: str, text: str) -> None:
        if index in self._complete:
            return
        block = self._partial.setdefault(index, {"type": block_type, field: ""})
        block[field] += text

    def content(self) -> list[dict[str, Any]]:
        """The blocks so far, in order: finished ones exactly, the open one as far as it got."""
        merged = {**self._partial, **self._complete}
        return [copy.deepcopy(merged[i]) for i in sorted(merged)]

    @property
    def empty(self) -> bool:
        return not self._complete and not self._partial
