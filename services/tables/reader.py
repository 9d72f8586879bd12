"""One reader for tabular files (CSV, TSV, XLSX, JSON records, Parquet): the first rows.

The preview and the profile both read through here, so both see the file the same way:
delimited text with the detected encoding and delimiter and every value kept as written
(a zip code `08123` stays `08123`, a whole number in a column with blanks stays `3`),
workbooks sheet by sheet, Parquet and JSON with their own types. Only a bounded sample
is read; the whole file is never loaded for a look at it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd
import pyarrow.parquet as pq

from services.tables.text_format import SAMPLE_BYTES, NotText, TextFormat, detect_text_format

SAMPLE_ROWS = 20_000
SAMPLE_CELLS = 2_000_000  # a very wide file is sampled by cells, not only by rows
JSON_LIMIT_BYTES = 64 * 1024 * 1024  # a JSON document must be parsed whole
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".xls", ".json", ".jsonl", ".parquet"})
TEXT_KINDS = frozenset({".csv", ".tsv"})
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
    """The file is not a table the app can read; the message is for the person."""


@dataclass(frozen=True)
class TableSample:
    frame: pd.DataFrame  # the first rows (text files: every value a string, as written)
    complete: bool  # the frame is the whole table (or sheet)
    sheet: str | None = None  # a workbook's sheet
    text_format: TextFormat | None = None  # delimited text: how it is written
    typed: bool = False  # the values carry the file's own types (Parquet, JSON, Excel)
    total_rows: int | None = None  # known without a scan (Parquet's metadata)


def table_kind(name: str, mime_type: str = "") -> str | None:
    """The table suffix to read the file as, or None when it is not a table."""
    suffix = PurePath(name).suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return suffix
    return _TABLE_MIMES.get(mime_type.split(";")[0].strip().lower())


def read_samples(kind: str, path: Path, max_rows: int = SAMPLE_ROWS) -> list[TableSample]:
    """The first `max_rows` rows of each table in the file (a workbook has one per sheet).

    Raises TableUnreadable with a sentence for the person.
    """
    try:
        if kind in TEXT_KINDS:
            return [read_text_sample(kind, path, max_rows)]
        if kind in (".xlsx", ".xls"):
            return _read_workbook(path, max_rows)
        if kind == ".parquet":
            return [_read_parquet(path, max_rows)]
        if kind == ".jsonl":
            return [_read_json_lines(path, max_rows)]
        return [_read_json(path)]
    except TableUnreadable:
        raise
    except NotText as exc:
        raise TableUnreadable(str(exc)) from exc
    except Exception as exc:  # the parsers raise many types; all mean "not a readable table"
        raise TableUnreadable(first_line(exc)) from exc


def sniff_text_format(kind: str, path: Path) -> TextFormat:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    return detect_text_format(sample, "\t" if kind == ".tsv" else ",")


def read_text_sample(kind: str, path: Path, max_rows: int) -> TableSample:
    if path.stat().st_size == 0:
        raise TableUnreadable("the file is empty")
    text_format = sniff_text_format(kind, path)
    options = {
        "sep": text_format.delimiter,
        "quotechar": text_format.quotechar,
        "encoding": text_format.encoding,
        "encoding_errors": "replace",
        "dtype": str,
        "keep_default_na": False,  # "" and "NA" stay as written; the profile counts them
        "on_bad_lines": "skip",  # ragged rows are found, with their lines, by the scan
    }
    width = len(pd.read_csv(path, nrows=0, **options).columns)
    rows = max(min(max_rows, SAMPLE_CELLS // max(width, 1)), 1)
    frame = pd.read_csv(path, nrows=rows + 1, **options)  # one more: is that all of it?
    return TableSample(frame.head(rows), len(frame) <= rows, text_format=text_format)


def _read_workbook(path: Path, max_rows: int) -> list[TableSample]:
    sheets = pd.read_excel(path, sheet_name=None, nrows=max_rows + 1)
    return [
        TableSample(frame.head(max_rows), len(frame) <= max_rows, sheet=str(name), typed=True)
        for name, frame in sheets.items()
    ]


def _read_parquet(path: Path, max_rows: int) -> TableSample:
    parquet = pq.ParquetFile(path)
    total = parquet.metadata.num_rows
    batch = next(parquet.iter_batches(batch_size=max_rows), None)
    empty = batch is None
    frame = parquet.schema_arrow.empty_table().to_pandas() if empty else batch.to_pandas()
    return TableSample(frame, total <= len(frame), typed=True, total_rows=total)


def _read_json_lines(path: Path, max_rows: int) -> TableSample:
    records = []
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
            if len(records) > max_rows:
                break
    complete = len(records) <= max_rows
    return TableSample(_records_frame(records[:max_rows]), complete, typed=True)


def _read_json(path: Path) -> TableSample:
    size = path.stat().st_size
    if size > JSON_LIMIT_BYTES:
        raise TableUnreadable(
            f"a JSON document over {JSON_LIMIT_BYTES // 2**20} MB is not read for a preview"
        )
    parsed = json.loads(path.read_bytes().decode("utf-8-sig"))
    if isinstance(parsed, dict):
        records = next((v for v in parsed.values() if isinstance(v, list)), None)
        parsed = records if records is not None else [parsed]
    if not isinstance(parsed, list):
        raise TableUnreadable("the JSON is not a list of records")
    return TableSample(_records_frame(parsed), True, typed=True)


def _records_frame(records: list) -> pd.DataFrame:
    if records and not all(isinstance(r, dict) for r in records):
        raise TableUnreadable("the JSON is not a list of records")
    return pd.json_normalize(records)


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
