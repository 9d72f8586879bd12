"""One streaming pass over a delimited text file: the exact row count and the row problems.

The file is read record by record (a quoted field may span lines), never held whole:
memory stays flat however large the file is, apart from one 8-byte hash per row kept to
count duplicated rows.
"""

from __future__ import annotations

import csv
import io
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.tables.text_format import TextFormat

RAGGED_LINES_KEPT = 10
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a long quoted text is still one field


@dataclass(frozen=True)
class TextScan:
    rows: int  # data records after the header; blank lines are not rows
    width: int  # fields in the header
    ragged_rows: int  # records with another number of fields than the header
    ragged_lines: tuple[int, ...]  # the first ones' line numbers (1 is the header)
    duplicate_rows: int  # records equal to an earlier one
    blank_lines: int


def _records(path: Path, text_format: TextFormat) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=text_format.encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=text_format.delimiter, quotechar=text_format.quotechar)
        start = 1
        for row in reader:
            yield start, row
            start = reader.line_num + 1


def scan_text(path: Path, text_format: TextFormat) -> TextScan:
    """Count the rows of `path` and find ragged, duplicated and blank ones."""
    records = _records(path, text_format)
    width, blank = _header_width(records)
    rows, ragged, blank_lines = 0, 0, blank
    ragged_lines: list[int] = []
    hashes = array("q")
    for line, row in records:
        if not row:
            blank_lines += 1
            continue
        rows += 1
        if len(row) != width:
            ragged += 1
            if len(ragged_lines) < RAGGED_LINES_KEPT:
                ragged_lines.append(line)
        hashes.append(hash(tuple(row)))
    return TextScan(rows, width, ragged, tuple(ragged_lines), _duplicates(hashes), blank_lines)


def _header_width(records: Iterator[tuple[int, list[str]]]) -> tuple[int, int]:
    blank = 0
    for _line, row in records:
        if row:
            return len(row), blank
        blank += 1
    return 0, blank


def _duplicates(hashes: array) -> int:
    if not hashes:
        return 0
    values = np.frombuffer(hashes, dtype=np.int64)
    return int(len(values) - len(np.unique(values)))
