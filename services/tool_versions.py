"""Server tool versions as the installed SDK's request types define them.

The SDK's `ToolUnionParam` lists one TypedDict per tool version; each names its version
in the Literal of its `type` field. Reading them here means a default version follows
the SDK the app runs with, instead of a guess written into the code.
"""

from __future__ import annotations

import re
from functools import cache
from typing import get_args, get_type_hints

from anthropic.types import ToolUnionParam

_DATED = re.compile(r"^(?P<tool>[a-z_]+)_(?P<date>\d{8})$")


@cache
def sdk_tool_types() -> frozenset[str]:
    """Every tool `type` the SDK's request types accept."""
    found: set[str] = set()
    for param in get_args(ToolUnionParam):
        hint = get_type_hints(param).get("type")
        found.update(arg for arg in get_args(hint) if isinstance(arg, str))
    return frozenset(found)


def version_date(version: str) -> str | None:
    """'web_search_20260318' -> '20260318'; None for a type without a date."""
    match = _DATED.match(version)
    return match["date"] if match else None


def tool_of_version(version: str) -> str | None:
    """'web_search_20260318' -> 'web_search'."""
    match = _DATED.match(version)
    return match["tool"] if match else None


def sdk_versions(tool: str) -> tuple[str, ...]:
    """The SDK's dated versions of `tool` (e.g. "web_search"), oldest first."""
    dated = [v for v in sdk_tool_types() if tool_of_version(v) == tool]
    return tuple(sorted(dated, key=lambda v: version_date(v) or ""))


def newest_sdk_version(tool: str) -> str:
    versions = sdk_versions(tool)
    if not versions:
        raise LookupError(f"the installed anthropic SDK defines no {tool} tool")
    return versions[-1]
