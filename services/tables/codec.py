"""A file profile to and from the JSON the store keeps with the file."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from services.tables.columns import ColumnKind, ColumnProfile
from services.tables.profile import FileProfile, TableProfile


def profile_to_json(profile: FileProfile) -> str:
    return json.dumps(asdict(profile), ensure_ascii=False, separators=(",", ":"))


def profile_from_json(text: str | None) -> FileProfile | None:
    """The stored profile, or None when there is none or it cannot be read (an older or
    damaged entry: the file is then shown without one)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        tables = tuple(_table(t) for t in data.pop("tables", ()))
        return FileProfile(**data, tables=tables)
    except (TypeError, ValueError, KeyError):
        return None


def _table(data: dict[str, Any]) -> TableProfile:
    columns = tuple(_column(c) for c in data.pop("columns", ()))
    data["ragged_lines"] = tuple(data.get("ragged_lines", ()))
    data["problems"] = tuple(data.get("problems", ()))
    return TableProfile(**data, columns=columns)


def _column(data: dict[str, Any]) -> ColumnProfile:
    data["kind"] = ColumnKind(data["kind"])
    data["top"] = tuple((str(v), int(n)) for v, n in data.get("top", ()))
    data["problems"] = tuple(data.get("problems", ()))
    return ColumnProfile(**data)
