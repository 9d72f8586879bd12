"""The assistant content of one turn, folded once from the stream's raw events.

Every response of the turn (the first and each continuation after pause_turn) writes its
blocks here, at indices that go on counting, exactly as the API sent them: this is the
one place a turn's content is built. The store writes what `content()` returns; the
next request resends it. A block cut off mid-stream keeps every character that arrived.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jiter

Block = dict[str, Any]
INPUT_BLOCKS = frozenset({"server_tool_use", "tool_use", "mcp_tool_use"})


def parse_partial(text: str) -> dict[str, Any]:
    """A tool input as far as it has arrived (unfinished strings included)."""
    if not text.strip():
        return {}
    try:
        value = jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class TurnBuffer:
    def __init__(self) -> None:
        self._blocks: dict[int, Block] = {}
        self._json: dict[int, str] = {}  # tool input JSON as it streams, by block
        self._open: set[int] = set()

    def __len__(self) -> int:
        return len(self._blocks)

    def open(self, index: int, block: Block) -> Block:
        self._blocks[index] = dict(block)
        self._open.add(index)
        return self._blocks[index]

    def block(self, index: int) -> Block | None:
        return self._blocks.get(index)

    def is_open(self, index: int) -> bool:
        return index in self._open

    def append(self, index: int, field: str, text: str) -> None:
        block = self._blocks[index]
        block[field] = (block.get(field) or "") + text

    def add_input_json(self, index: int, piece: str) -> dict[str, Any]:
        """Add a piece of a tool input's JSON; the input as parsed so far."""
        self._json[index] = self._json.get(index, "") + piece
        return parse_partial(self._json[index])

    def close(self, index: int) -> Block:
        """The block is complete: its input parsed whole. Returns a copy of it."""
        self._finish_input(index)
        return copy.deepcopy(self._blocks[index])

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

    def end_response(self) -> None:
        """A response ended (whole or cut off): what is still open keeps what arrived."""
        for index in sorted(self._open):
            self._finish_input(index)

    def content(self) -> list[Block]:
        """A copy of the blocks so far, in order; an open tool input as far as it got."""
        blocks = []
        for index in sorted(self._blocks):
            block = copy.deepcopy(self._blocks[index])
            if index in self._json and block.get("type") in INPUT_BLOCKS:
                block["input"] = parse_partial(self._json[index])
            blocks.append(block)
        return blocks
