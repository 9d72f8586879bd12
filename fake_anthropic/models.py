"""The fake's model catalogue for `GET /v1/models`, shaped like SDK 2.10's `ModelInfo`.

It holds active models with and without code execution, a deprecated one and a retired
one, so the app's filtering (code execution supported and `lifecycle == "active"`) can be
tested. Listing follows `SyncPage`: `{"data", "has_more", "first_id", "last_id"}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_LIFECYCLES = ("active", "deprecated")  # retired models only when asked for


@dataclass(frozen=True)
class ModelEntry:
    id: str
    display_name: str
    created_at: str
    line: str | None
    lifecycle: str = "active"
    code_execution: bool = True
    adaptive_thinking: bool = True  # 5-generation models think adaptively and
    manual_thinking: bool = False  # refuse manual budgets (`thinking.type: "enabled"`)
    deprecated_at: str | None = None
    retires_at: str | None = None
    max_input_tokens: int = 1_000_000
    max_tokens: int = 128_000


CATALOGUE: tuple[ModelEntry, ...] = (
    ModelEntry("claude-opus-5", "Claude Opus 5", "2026-06-24T00:00:00Z", "opus"),
    ModelEntry("claude-sonnet-5", "Claude Sonnet 5", "2026-06-10T00:00:00Z", "sonnet"),
    ModelEntry("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z", "haiku",
               adaptive_thinking=False, manual_thinking=True, max_input_tokens=200_000,
               max_tokens=64_000),
    ModelEntry("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", "opus",
               lifecycle="retired", deprecated_at="2026-02-05T00:00:00Z",
               retires_at="2026-08-05T00:00:00Z", adaptive_thinking=False, manual_thinking=True,
               max_input_tokens=200_000, max_tokens=32_000),
    ModelEntry("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z", "sonnet",
               lifecycle="deprecated", deprecated_at="2026-04-14T00:00:00Z",
               retires_at="2026-10-14T00:00:00Z", adaptive_thinking=False, manual_thinking=True,
               max_input_tokens=200_000, max_tokens=64_000),
    ModelEntry("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07T00:00:00Z", None,
               code_execution=False, adaptive_thinking=False, max_input_tokens=200_000,
               max_tokens=4_096),
)  # fmt: skip


def model_info(entry: ModelEntry) -> dict[str, Any]:
    return {
        "type": "model",
        "id": entry.id,
        "display_name": entry.display_name,
        "created_at": entry.created_at,
        "lifecycle": entry.lifecycle,
        "deprecated_at": entry.deprecated_at,
        "retires_at": entry.retires_at,
        "line": entry.line,
        "max_input_tokens": entry.max_input_tokens,
        "max_tokens": entry.max_tokens,
        "capabilities": capabilities(entry),
    }


def capabilities(entry: ModelEntry) -> dict[str, Any]:
    modern = entry.code_execution  # the older model lacks most of the newer capabilities
    yes, no = {"supported": True}, {"supported": False}
    flag = yes if modern else no
    return {
        "batch": yes,
        "citations": yes,
        "code_execution": flag,  # code calling other tools (PTC), not the tool itself
        "context_management": {"supported": modern, "clear_thinking_20251015": flag,
                               "clear_tool_uses_20250919": flag, "compact_20260112": flag},
        "effort": {"supported": modern, "low": flag, "medium": flag, "high": flag, "max": flag,
                   "xhigh": flag},
        "image_input": yes,
        "pdf_input": yes,
        "server_tools": {"supported": True, "code_execution": flag, "web_search": yes},
        "structured_outputs": flag,
        "thinking": _thinking(entry),
    }  # fmt: skip


def _thinking(entry: ModelEntry) -> dict[str, Any]:
    adaptive = {"supported": entry.adaptive_thinking}
    types = {
        "adaptive": adaptive,
        "between_tools": adaptive,
        "disabled": {"supported": True},
        "enabled": {"supported": entry.manual_thinking},
    }
    return {"supported": entry.adaptive_thinking or entry.manual_thinking, "types": types}


_THINKS_BY_DEFAULT = re.compile(r"claude-(opus|sonnet|haiku|fable|mythos)-5")


def thinks_by_default(model_id: str) -> bool:
    """The 5-generation models think unless the request turns thinking off."""
    return bool(_THINKS_BY_DEFAULT.match(model_id))


def find(model_id: str) -> ModelEntry | None:
    return next((m for m in CATALOGUE if m.id == model_id), None)


def page(lifecycles: list[str], limit: int, after_id: str | None, before_id: str | None) -> dict:
    wanted = set(lifecycles or DEFAULT_LIFECYCLES)
    listed = [m for m in CATALOGUE if m.lifecycle in wanted]
    ids = [m.id for m in listed]
    if after_id in ids:
        listed = listed[ids.index(after_id) + 1 :][:limit]
        more = ids.index(after_id) + 1 + limit < len(ids)
    elif before_id in ids:
        start = max(0, ids.index(before_id) - limit)
        more, listed = start > 0, listed[start : ids.index(before_id)]
    else:
        listed, more = listed[:limit], len(listed) > limit
    return {
        "data": [model_info(m) for m in listed],
        "has_more": more,
        "first_id": listed[0].id if listed else None,
        "last_id": listed[-1].id if listed else None,
    }
