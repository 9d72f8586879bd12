"""A Vega-Lite spec file read for drawing: parsed, made safe, checked, and bounded in size.

`load_chart` gives a `ChartSpec` or None; None means "show the PNG instead", with no
error for the person: a spec is an extra view of a chart they already have. The page
sends a drawn spec (with its rows) to the browser on every rerun, hence the bounds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.charts.sanitize import TooDeep, sanitize
from services.charts.schema import SCHEMA_URL, SchemaMissing, is_valid

SPEC_SUFFIX = ".vl.json"
SPEC_MIME_TYPE = "application/vnd.vegalite.v6+json"  # Altair 6's and JupyterLab's for v6
MAX_SPEC_BYTES = 512 * 1024
MAX_ROWS = 5_000
# The app's own embed options (the model's `usermeta` is removed): SVG, so every mark is
# an element that assistive technology, and a test, can read.
APP_USERMETA = {"embedOptions": {"renderer": "svg"}}


@dataclass(frozen=True)
class ChartSpec:
    """A spec that is safe and valid to draw, as JSON text (each draw parses its own copy:
    Streamlit edits the dict it is given)."""

    text: str
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.text)

    def pretty(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


def is_spec_name(name: str) -> bool:
    return name.lower().endswith(SPEC_SUFFIX) and len(name) > len(SPEC_SUFFIX)


def image_name_for(spec_name: str) -> str:
    """The PNG a spec goes with: `chart.vl.json` goes with `chart.png`."""
    return spec_name[: -len(SPEC_SUFFIX)] + ".png"


def load_chart(data: bytes) -> ChartSpec | None:
    """The spec to draw, or None when it should not be drawn (the PNG is shown instead)."""
    if len(data) > MAX_SPEC_BYTES:
        return None
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
        cleaned = sanitize(parsed)
    except (UnicodeDecodeError, ValueError, RecursionError, TooDeep):
        return None
    if not isinstance(cleaned, dict):
        return None
    rows = inline_rows(cleaned)
    if rows == 0 or rows > MAX_ROWS or not _valid(cleaned):
        return None
    drawn = {"$schema": SCHEMA_URL, **cleaned, "usermeta": APP_USERMETA}
    return ChartSpec(json.dumps(drawn, ensure_ascii=False, separators=(",", ":")), rows)


def _valid(spec: dict[str, Any]) -> bool:
    try:
        return is_valid(spec)
    except SchemaMissing:  # no schema to check against: the PNG is shown, as for any doubt
        return False


def inline_rows(spec: dict[str, Any]) -> int:
    """How many rows the spec carries inline (its `data.values` and `datasets`, at any depth)."""
    return sum(len(rows) for rows in _inline_tables(spec))


def _inline_tables(value: Any) -> Iterator[list[Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _inline_tables(item)
        return
    if not isinstance(value, dict):
        return
    data = value.get("data")
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        yield data["values"]
    datasets = value.get("datasets")
    if isinstance(datasets, dict):
        yield from (rows for rows in datasets.values() if isinstance(rows, list))
    for key, item in value.items():
        if key not in ("values", "datasets"):
            yield from _inline_tables(item)
