"""The profile of an attached table, as a compact card under the person's message.

What the app found before sending: how the file is written, its shape, and the problems a
person must know about; the columns in an expander. Everything in it comes from the file
(names, values), so every string is escaped: shown as written, never as markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.render.format import escape_markdown, short_name
from services.tables.columns import ColumnProfile
from services.tables.profile import FileProfile, TableProfile
from services.tables.text_format import delimiter_name

PROBLEMS_SHOWN = 8


def render_profile(profile: FileProfile) -> None:
    if profile.error is not None:
        return  # the preview says why the file could not be read; it was attached anyway
    with st.container(border=True):
        problems = profile.problems()
        st.caption(_summary(profile, problems))
        if problems:
            shown = problems[:PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            lines = [f"- {escape_markdown(p)}" for p in shown]
            if more:
                lines.append(f"- and {more} more")
            st.markdown("\n".join(lines))
        for table in profile.tables:
            _render_columns(table)


def _summary(profile: FileProfile, problems: list[str]) -> str:
    parts = [f":material/troubleshoot: Profile of {escape_markdown(short_name(profile.name))}"]
    if profile.encoding is not None:
        delimiter = delimiter_name(profile.delimiter)
        bom = ", BOM" if profile.bom else ""
        parts.append(f"{escape_markdown(profile.encoding)}{bom}, {delimiter}-separated")
    count = len(problems)
    parts.append(f"{count} problem{'' if count == 1 else 's'} found" if count else "no problems")
    return " · ".join(parts)


def _render_columns(table: TableProfile) -> None:
    sheet = f"sheet {table.sheet!r}: " if table.sheet is not None else ""
    rows = f"{table.rows:,}" if table.rows is not None else f"{table.sampled_rows:,}+"
    title = f"{sheet}{rows} rows × {len(table.columns)} columns"
    with st.expander(escape_markdown(title), icon=":material/view_column:"):
        if table.sampled:
            st.caption(
                f"Column figures from the first {table.sampled_rows:,} rows; the row count "
                "and the row problems from the whole file."
            )
        st.dataframe(_columns_frame(table.columns), hide_index=True, height="auto")


def _columns_frame(columns: tuple[ColumnProfile, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "column": [c.name for c in columns],
            "type": [c.kind.value for c in columns],
            "missing": [c.missing for c in columns],
            "distinct": [c.distinct for c in columns],
            "range": [
                f"{c.minimum} … {c.maximum}" if c.minimum is not None else "" for c in columns
            ],
            "top values": [", ".join(f"{v} ({n})" for v, n in c.top) for c in columns],
        }
    )


def _range(column: ColumnProfile) -> str:
    return "" if column.minimum is None else f"{column.minimum} … {column.maximum}"
