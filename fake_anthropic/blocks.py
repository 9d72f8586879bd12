"""One content block as it streams (start, deltas) and as it ends up in the message.

Streaming rules taken from the recordings: text and thinking start empty and grow by
deltas; tool-use blocks start with `input: {}` and receive their input as
`input_json_delta` pieces (the first one empty); every other block arrives whole in
`content_block_start`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .script import RawBlock, Text, Thinking

THINKING_CHUNK = 24
TOOL_USE_TYPES = frozenset({"server_tool_use", "tool_use", "mcp_tool_use"})


@dataclass(frozen=True)
class BlockOut:
    start: dict[str, Any]  # the `content_block` of content_block_start
    deltas: tuple[dict[str, Any], ...]  # the `delta`s of content_block_delta, in order
    final: dict[str, Any]  # the block in the final (non-streaming) message


def chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def text_block(step: Text) -> BlockOut:
    deltas = tuple(
        {"type": "text_delta", "text": part} for part in chunks(step.text, step.chunk_size)
    )
    return BlockOut({"type": "text", "text": ""}, deltas, {"type": "text", "text": step.text})


def thinking_block(step: Thinking) -> BlockOut:
    deltas = [{"type": "thinking_delta", "thinking": p} for p in chunks(step.text, THINKING_CHUNK)]
    deltas.append({"type": "signature_delta", "signature": step.signature})
    final = {"type": "thinking", "thinking": step.text, "signature": step.signature}
    return BlockOut({"type": "thinking", "thinking": "", "signature": ""}, tuple(deltas), final)


def tool_use_block(block: dict[str, Any], chunk_size: int = 16) -> BlockOut:
    """The input streams as JSON text; the first delta is empty, as the API sends it."""
    encoded = json.dumps(block.get("input", {}), ensure_ascii=False)
    pieces = ["", *chunks(encoded, chunk_size)]
    deltas = tuple({"type": "input_json_delta", "partial_json": p} for p in pieces)
    return BlockOut({**block, "input": {}}, deltas, block)


def raw_block(step: RawBlock) -> BlockOut:
    block = step.block
    kind = block.get("type")
    if kind in TOOL_USE_TYPES:
        return tool_use_block(block)
    if kind == "thinking":
        return thinking_block(Thinking(block.get("thinking", ""), block.get("signature", "")))
    if kind == "text":
        return _raw_text(block)
    return BlockOut(block, (), block)


def _raw_text(block: dict[str, Any]) -> BlockOut:
    """Cited text: the citations arrive as `citations_delta`s before the text, as recorded."""
    start: dict[str, Any] = {"type": "text", "text": ""}
    citations = block.get("citations")
    deltas: list[dict[str, Any]] = []
    if citations is not None:
        start["citations"] = []
        deltas += [{"type": "citations_delta", "citation": c} for c in citations]
    deltas += [{"type": "text_delta", "text": p} for p in chunks(block.get("text", ""), 40)]
    return BlockOut(start, tuple(deltas), block)
