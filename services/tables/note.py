"""The profile as a short text for Claude: how to read the file and what to clean.

At most a few hundred tokens per file: the format, the shape, the columns with their
inferred types, and the problems; with many columns the plain ones are only counted.
"""

from __future__ import annotations

from services.tables.columns import ColumnKind, ColumnProfile
from services.tables.profile import FileProfile, TableProfile
from services.tables.text_format import delimiter_name

NOTE_CHARS = 1800
_COLUMNS_LISTED = 25
_TEXT_KINDS = (ColumnKind.IDENTIFIER, ColumnKind.NUMBER_AS_TEXT)


def profile_note_text(profile: FileProfile) -> str:
    path = f"$INPUT_DIR/{profile.name}"
    if profile.error is not None:
        return f"{path} could not be read as a table by the app: {profile.error}."
    lines = [f"Profile of {path} (computed by the app before sending):"]
    if profile.encoding is not None:
        lines.append(_format_line(profile))
    for table in profile.tables:
        lines.extend(_table_lines(table))
    read = _read_hint(profile)
    if read:
        lines.append(f"- to read it as written: {read}")
    return _bounded("\n".join(lines))


def _format_line(profile: FileProfile) -> str:
    delimiter = delimiter_name(profile.delimiter)
    bom = ", with a byte-order mark" if profile.bom else ""
    return f"- delimited text: encoding {profile.encoding}{bom}, {delimiter}-separated"


def _table_lines(table: TableProfile) -> list[str]:
    where = f"sheet {table.sheet!r}: " if table.sheet is not None else ""
    rows = f"{table.rows:,}" if table.rows is not None else f"at least {table.sampled_rows:,}"
    sample = f" (column figures from the first {table.sampled_rows:,})" if table.sampled else ""
    lines = [f"- {where}{rows} rows × {len(table.columns)} columns{sample}"]
    lines.extend(f"- {problem}" for problem in table.problems)
    listed = table.columns[:_COLUMNS_LISTED]
    lines.append("- columns: " + "; ".join(_column_text(c) for c in listed))
    if len(table.columns) > len(listed):
        lines.append(f"- and {len(table.columns) - len(listed)} more columns")
    return lines


def _column_text(column: ColumnProfile) -> str:
    parts = [column.kind.value]
    if column.missing:
        parts.append(f"{column.missing:,} missing")
    if column.minimum is not None:
        parts.append(f"{column.minimum} to {column.maximum}")
    parts.extend(column.problems)
    return f"{column.name!r} ({', '.join(parts)})"


def _read_hint(profile: FileProfile) -> str:
    if profile.encoding is None or not profile.tables:
        return ""
    args = [f"os.path.join(os.environ['INPUT_DIR'], {profile.name!r})", "keep_default_na=False"]
    if profile.delimiter not in (None, ","):
        args.append(f"sep={profile.delimiter!r}")
    if profile.encoding not in ("utf-8", "ascii"):
        args.append(f"encoding={profile.encoding!r}")
    as_text = [c.name for c in profile.tables[0].columns if c.kind in _TEXT_KINDS]
    if as_text:
        args.append("dtype={" + ", ".join(f"{n!r}: str" for n in as_text[:10]) + "}")
    return "pd.read_csv(" + ", ".join(args) + ")"


def _bounded(text: str) -> str:
    if len(text) <= NOTE_CHARS:
        return text
    return text[: NOTE_CHARS - 1].rsplit("\n", 1)[0] + "\n- (more in the file itself)"
