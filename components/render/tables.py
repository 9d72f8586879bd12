"""Table previews for attached and produced data files (CSV, TSV, XLSX, JSON, Parquet).

A preview is the first rows, the shape and the column types. A file that does not parse
gets a plain sentence saying so, never a traceback.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd
import pyarrow as pa
import streamlit as st

from components.render.format import escape_markdown as _plain
from components.render.format import short_name

PREVIEW_ROWS = 10
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".xls", ".json", ".jsonl", ".parquet"})
_TABLE_MIMES = {
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/json": ".json",
    "application/vnd.apache.parquet": ".parquet",
    "application/x-parquet": ".parquet",
}


class TableUnreadable(Exception):
    """The file is not a table pandas can read; the message is for the person."""


@dataclass(frozen=True)
class TablePreview:
    head: pa.Table  # Arrow, made once: st.dataframe would convert a DataFrame every rerun
    rows: int
    columns: int
    dtypes: tuple[tuple[str, str], ...]


def table_kind(name: str, mime_type: str = "") -> str | None:
    """The table suffix to read the file as, or None when it is not a table."""
    suffix = PurePath(name).suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return suffix
    return _TABLE_MIMES.get(mime_type.split(";")[0].strip().lower())


def read_table(kind: str, data: bytes) -> pd.DataFrame:
    buffer = io.BytesIO(data)
    try:
        if kind == ".csv":
            return pd.read_csv(buffer)
        if kind == ".tsv":
            return pd.read_csv(buffer, sep="\t")
        if kind in (".xlsx", ".xls"):
            return pd.read_excel(buffer)
        if kind == ".parquet":
            return pd.read_parquet(buffer)
        if kind == ".jsonl":
            return pd.read_json(buffer, lines=True)
        return _read_json(data)
    except TableUnreadable:
        raise
    except Exception as exc:  # pandas raises many types; all mean "not a readable table"
        raise TableUnreadable(_first_line(exc)) from exc


def _read_json(data: bytes) -> pd.DataFrame:
    parsed = json.loads(data.decode("utf-8-sig"))
    if isinstance(parsed, dict):
        records = next((v for v in parsed.values() if isinstance(v, list)), None)
        parsed = records if records is not None else [parsed]
    if not isinstance(parsed, list):
        raise TableUnreadable("the JSON is not a list of records")
    return pd.json_normalize(parsed)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def preview_of(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> TablePreview:
    dtypes = tuple((str(column), str(dtype)) for column, dtype in frame.dtypes.items())
    return TablePreview(_to_arrow(frame.head(rows)), len(frame), len(frame.columns), dtypes)


def _to_arrow(head: pd.DataFrame) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for position, name in enumerate(head.columns):
        label = _unique_label(str(name), columns)
        series = head.iloc[:, position]
        try:
            columns[label] = pa.array(series, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            # A column of mixed types (a JSON field that is sometimes a list): show it as text.
            columns[label] = pa.array(series.map(_as_text), from_pandas=True)
    return pa.table(columns)


def _unique_label(name: str, taken: dict[str, pa.Array]) -> str:
    label, n = name, 1
    while label in taken:
        label, n = f"{name}.{n}", n + 1
    return label


def _as_text(value: object) -> str | None:
    return None if value is None or value is pd.NA else str(value)


@st.cache_resource(max_entries=256, show_spinner=False)
def _cached_preview(kind: str, path: str, mtime_ns: int) -> TablePreview | str:
    # Keyed by path and mtime: blobs are content-addressed, so a path never changes content.
    # A resource cache hands back the same frozen preview without unpickling it on every
    # rerun; nothing downstream mutates the small head frame.
    try:
        return preview_of(read_table(kind, Path(path).read_bytes()))
    except (TableUnreadable, OSError) as exc:
        return str(exc)


def preview_file(kind: str, path: Path) -> TablePreview | str:
    """A preview, or the reason there is none (a plain sentence)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return "the file is no longer in the app's store"
    return _cached_preview(kind, str(path), mtime)


def preview_bytes(kind: str, data: bytes) -> TablePreview | str:
    try:
        return preview_of(read_table(kind, data))
    except TableUnreadable as exc:
        return str(exc)


def render_preview(name: str, preview: TablePreview | str, key: str) -> None:
    """The first rows, the shape and the column types; or why the file could not be read."""
    if isinstance(preview, str):
        st.warning(
            f"Could not read **{_plain(short_name(name))}** as a table: {_plain(preview)}",
            icon=":material/table:",
        )
        return
    shape = f"{_count(preview.rows, 'row')} × {_count(preview.columns, 'column')}"
    st.caption(f":material/table: {_plain(short_name(name))} · {shape}")
    st.dataframe(preview.head, key=key, hide_index=True, height="auto")
    types = ", ".join(f"{_plain(column)}: {_plain(dtype)}" for column, dtype in preview.dtypes[:30])
    more = f" (+{len(preview.dtypes) - 30} more)" if len(preview.dtypes) > 30 else ""
    st.caption(f"Column types: {types}{more}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
