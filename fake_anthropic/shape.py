"""Structure-only views of what the SDK parsed, for comparing the fake with recordings.

`shape_of` keeps every key and the kind of every value (ids, texts and numbers differ
between runs; their presence, nesting and kind must not). `event_signature` reduces a
stream to (event type, index, block or delta type), with repeated deltas collapsed
because the fake and the API cut text and JSON into different numbers of pieces.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

DERIVED_EVENTS = frozenset({"text", "input_json", "thinking", "signature", "citation"})


def shape_of(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape_of(item) for item in value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def event_signature(events: Iterable[Any]) -> list[tuple[Any, ...]]:
    """The SDK's events (raw ones and the text/input_json/... it derives from deltas)."""
    keys: list[tuple[Any, ...]] = []
    for event in events:
        if event.type in DERIVED_EVENTS and keys and keys[-1][0] == "content_block_delta":
            keys[-1] = (*keys[-1], event.type)
            continue
        keys.append(_key(event))
    collapsed = [key for i, key in enumerate(keys) if i == 0 or key != keys[i - 1]]
    return collapsed


def _key(event: Any) -> tuple[Any, ...]:
    kind = event.type
    if kind in ("content_block_start", "content_block_stop"):
        return (kind, event.index, event.content_block.type)
    if kind == "content_block_delta":
        return (kind, event.index, event.delta.type)
    if kind == "message_delta":
        return (kind, event.delta.stop_reason, event.delta.container is not None)
    return (kind,)
