"""The profile of a tabular file: its shape, how it is written, and its columns' problems.

Computed on the turn's worker before the message is sent: the column figures come from
a sample of the first rows (its size is stated), the row count and the row problems
(ragged, duplicated) from one streaming pass over the whole file. A file that cannot be
read as a table gets a profile that says why, and still goes to Claude.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from services.tables.columns import ColumnKind, ColumnProfile, profile_column
from services.tables.reader import (
    SAMPLE_ROWS,
    TEXT_KINDS,
    TableSample,
    TableUnreadable,
    read_samples,
)
from services.tables.scan import TextScan, scan_text
from services.tables.values import DATE_FORMATS, DECIMAL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableProfile:
    """One table of a file (a workbook has one per sheet)."""

    rows: int | None  # exact, or None when only the sample's size is known
    columns: tuple[ColumnProfile, ...]
    sampled_rows: int  # the rows the column figures come from
    sheet: str | None = None
    duplicate_rows: int | None = None
    duplicates_in_sample: bool = False  # counted over the sample only
    ragged_rows: int = 0
    ragged_lines: tuple[int, ...] = ()
    problems: tuple[str, ...] = ()  # about the table as a whole

    @property
    def sampled(self) -> bool:
        return self.rows is None or self.sampled_rows < self.rows


@dataclass(frozen=True)
class FileProfile:
    name: str  # the name in $INPUT_DIR
    kind: str  # the table suffix it was read as
    size: int
    tables: tuple[TableProfile, ...] = ()
    encoding: str | None = None  # delimited text only
    bom: bool = False
    delimiter: str | None = None
    error: str | None = None  # why it could not be read as a table
    seconds: float = field(default=0.0, compare=False)

    def problems(self) -> list[str]:
        """Every problem found, as one line each: the file's, then each table's and column's."""
        found = ["the file starts with a byte-order mark (BOM)"] if self.bom else []
        for table in self.tables:
            where = f"sheet {table.sheet!r}: " if table.sheet is not None else ""
            found.extend(where + problem for problem in table.problems)
            for column in table.columns:
                found.extend(f"{where}column {column.name!r}: {p}" for p in column.problems)
        return found


def profile_file(name: str, kind: str, path: Path, sample_rows: int = SAMPLE_ROWS) -> FileProfile:
    """Profile the file at `path`; never raises for what is in the file."""
    started = time.perf_counter()
    size = path.stat().st_size
    try:
        samples = read_samples(kind, path, sample_rows)
    except TableUnreadable as exc:
        return FileProfile(name, kind, size, error=str(exc), seconds=_since(started))
    profile = FileProfile(name, kind, size)
    first = samples[0]
    if kind in TEXT_KINDS and first.text_format is not None:
        fmt = first.text_format
        scan = scan_text(path, fmt)
        tables = (_text_table(first, scan),)
        profile = replace(
            profile, encoding=fmt.encoding_label, bom=fmt.bom, delimiter=fmt.delimiter
        )
    else:
        tables = tuple(_typed_table(sample) for sample in samples)
    return replace(profile, tables=tables, seconds=_since(started))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _columns(frame: pd.DataFrame, typed: bool) -> tuple[ColumnProfile, ...]:
    return tuple(
        _column(str(name), frame.iloc[:, i], typed) for i, name in enumerate(frame.columns)
    )


def _column(name: str, series: pd.Series, typed: bool) -> ColumnProfile:
    """One column's profile; a column no rule foresaw is text, said so, not a lost profile."""
    try:
        return profile_column(name, series, typed)
    except Exception:
        log.warning("profiling column %r failed", name, exc_info=True)
        missing = int(series.isna().sum())
        return ColumnProfile(name, ColumnKind.TEXT, missing, 0, problems=("could not be typed",))


def _text_table(sample: TableSample, scan: TextScan) -> TableProfile:
    frame = sample.frame
    problems = _header_problems(frame)
    if scan.ragged_rows:
        lines = ", ".join(str(n) for n in scan.ragged_lines)
        more = " …" if scan.ragged_rows > len(scan.ragged_lines) else ""
        problems.append(
            f"{scan.ragged_rows:,} ragged rows (another number of fields than the header's "
            f"{scan.width}), at lines {lines}{more}"
        )
    if scan.duplicate_rows:
        problems.append(f"{scan.duplicate_rows:,} duplicated rows")
    if scan.rows == 0:
        problems.append("no data rows: only a header")
    return TableProfile(
        rows=scan.rows,
        columns=_columns(frame, typed=False),
        sampled_rows=len(frame),
        duplicate_rows=scan.duplicate_rows,
        ragged_rows=scan.ragged_rows,
        ragged_lines=scan.ragged_lines,
        problems=tuple(problems),
    )


def _typed_table(sample: TableSample) -> TableProfile:
    frame = sample.frame
    rows = sample.total_rows if sample.total_rows is not None else None
    if rows is None and sample.complete:
        rows = len(frame)
    duplicates = _sample_duplicates(frame)
    problems = _header_problems(frame)
    if duplicates:
        where = "" if sample.complete else f" in the first {len(frame):,} rows"
        problems.append(f"{duplicates:,} duplicated rows{where}")
    return TableProfile(
        rows=rows,
        columns=_columns(frame, typed=sample.typed),
        sampled_rows=len(frame),
        sheet=sample.sheet,
        duplicate_rows=duplicates,
        duplicates_in_sample=not sample.complete,
        problems=tuple(problems),
    )


def _sample_duplicates(frame: pd.DataFrame) -> int:
    try:
        return int(frame.astype(str).duplicated().sum())
    except (TypeError, ValueError):
        return 0


def _header_problems(frame: pd.DataFrame) -> list[str]:
    names = [str(c) for c in frame.columns]
    problems = []
    if names and sum(_looks_like_data(n) for n in names) > len(names) / 2:
        problems.append("the header looks like data (numbers or dates): the file may have none")
    unnamed = [n for n in names if n.startswith("Unnamed: ") or not n.strip()]
    if unnamed:
        problems.append(f"{len(unnamed)} column(s) without a name")
    mangled = [n for n in names if _mangled_duplicate(n, names)]
    if mangled:
        problems.append("repeated column names, read as " + ", ".join(repr(n) for n in mangled[:5]))
    return problems


def _looks_like_data(name: str) -> bool:
    text = name.strip()
    if DECIMAL.match(text):
        return True
    return any(_parses(text, fmt) for fmt, _label in DATE_FORMATS[:9])


def _parses(text: str, fmt: str) -> bool:
    return pd.notna(pd.to_datetime(text, format=fmt, errors="coerce"))


def _mangled_duplicate(name: str, names: list[str]) -> bool:
    base, dot, number = name.rpartition(".")
    return bool(dot) and number.isdigit() and base in names
