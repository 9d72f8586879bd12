"""Table previews for attached and produced data files (CSV, TSV, XLSX, JSON, Parquet).

A preview is the first rows as written in the file, the shape and the column types, read
through the same reader as the file's profile (services/tables). A file that does not
parse gets a plain sentence saying so, never a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import streamlit as st

from components.render.format import escape_markdown as _plain
from components.render.format import escaped_name, short_name
from components.render.shared_cache import SharedCache
from services.tables.columns import profile_column
from services.tables.profile import FileProfile
from services.tables.reader import (
    TableSample,
    TableUnreadable,
    first_line,
    read_samples,
    table_kind,
)

log = logging.getLogger(__name__)

__all__ = ["TablePreview", "preview_file", "preview_of", "render_preview", "table_kind"]

PREVIEW_ROWS = 10
TYPES_SHOWN = 30  # columns named in the types caption


PREVIEW_SAMPLE_ROWS = 2_000  # a produced file's types and shape come from this many rows


@dataclass(frozen=True)
class TablePreview:
    head: pa.Table  # Arrow, made once: st.dataframe would convert a DataFrame every rerun
    rows: int | None  # None when only a sample was read
    columns: int
    dtypes: tuple[tuple[str, str], ...]  # each column and its inferred type
    at_least: int = 0  # rows read when `rows` is None

    @cached_property
    def shape_text(self) -> str:
        """'600 rows × 4 columns': made once per preview, which every rerun shares."""
        rows = _count(self.rows, "row") if self.rows is not None else "many rows"
        return f"{rows} × {_count(self.columns, 'column')}"

    @cached_property
    def types_text(self) -> str:
        """The columns and their types, escaped: names come from the file."""
        shown = self.dtypes[:TYPES_SHOWN]
        types = ", ".join(f"{_plain(column)}: {_plain(dtype)}" for column, dtype in shown)
        more = len(self.dtypes) - len(shown)
        return f"Column types: {types}" + (f" (+{more} more)" if more else "")


def preview_of(frame: pd.DataFrame, profile: FileProfile | None = None) -> TablePreview:
    """The first rows of `frame`; shape and types from the file's profile when there is one."""
    head = _to_arrow(frame.head(PREVIEW_ROWS))
    table = profile.tables[0] if profile is not None and profile.tables else None
    if table is None:
        dtypes = tuple((str(column), str(dtype)) for column, dtype in frame.dtypes.items())
        return TablePreview(head, len(frame), len(frame.columns), dtypes)
    dtypes = tuple((c.name, c.kind.value) for c in table.columns)
    return TablePreview(head, table.rows, len(table.columns), dtypes)


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


PREVIEWS_KEPT = 256
# Shared by every session, keyed by the blob's path: blobs are content-addressed, so a
# path never changes content. The same frozen preview is handed out on every rerun;
# nothing downstream mutates its small head table. Only previews are kept: a file that
# could not be read is tried again.
_PREVIEWS: SharedCache[TablePreview | str] = SharedCache(
    PREVIEWS_KEPT, keep=lambda found: isinstance(found, TablePreview)
)


def _produced_preview(kind: str, path: Path) -> TablePreview | str:
    # A file without a stored profile (one the code produced) is read only as far as a
    # bounded sample, on the script thread: its types come from that sample, its row
    # count when it is all.
    try:
        sample = read_samples(kind, path, PREVIEW_SAMPLE_ROWS)[0]
        return sample_preview(sample)
    except FileNotFoundError:
        return "the file is no longer in the app's store"
    except (TableUnreadable, OSError) as exc:
        return str(exc)
    except Exception as exc:  # a file no reader foresaw: a sentence, never a traceback
        log.warning("previewing %s failed", path, exc_info=True)
        return first_line(exc)


def sample_preview(sample: TableSample) -> TablePreview:
    frame = sample.frame
    dtypes = tuple(
        (str(name), profile_column(str(name), frame.iloc[:, i], sample.typed).kind.value)
        for i, name in enumerate(frame.columns)
    )
    rows = len(frame) if sample.complete else None
    head = _to_arrow(frame.head(PREVIEW_ROWS))
    return TablePreview(head, rows, len(frame.columns), dtypes, at_least=len(frame))


def _upload_preview(kind: str, path: Path, profile: FileProfile) -> TablePreview | str:
    # An upload's profile is stored with it and fixed by its bytes: the path is the key.
    try:
        return preview_of(read_samples(kind, path, PREVIEW_ROWS)[0].frame, profile)
    except FileNotFoundError:
        return "the file is no longer in the app's store"
    except (TableUnreadable, OSError) as exc:
        return str(exc)
    except Exception as exc:
        log.warning("previewing %s failed", path, exc_info=True)
        return first_line(exc)


def preview_file(kind: str, path: Path, profile: FileProfile | None = None) -> TablePreview | str:
    """A preview, or the reason there is none (a plain sentence). The values are shown
    as written in the file (services/tables/reader.py)."""
    if profile is not None and profile.error is not None:
        return profile.error
    if profile is not None and profile.tables:
        upload = ("upload", kind, str(path))
        return _PREVIEWS.get(upload, lambda: _upload_preview(kind, path, profile))
    return _PREVIEWS.get(("produced", kind, str(path)), lambda: _produced_preview(kind, path))


def render_preview(name: str, preview: TablePreview | str, key: str | None) -> None:
    """The first rows, the shape and the column types; or why the file could not be read."""
    if isinstance(preview, str):
        st.warning(
            f"Could not read **{_plain(short_name(name))}** as a table: {_plain(preview)}",
            icon=":material/table:",
        )
        return
    st.caption(f":material/table: {escaped_name(name)} · {preview.shape_text}")
    st.dataframe(preview.head, key=key, hide_index=True, height="auto")
    st.caption(preview.types_text)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
