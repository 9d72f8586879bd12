"""The profile of one column: its inferred type, missing and distinct values, its range,
and what a person must know before using it (numbers stored as text, mixed types...).

Text columns are read from the values as written; work is done on the distinct values,
so a column of a million repeated labels costs what a column of a few does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from services.tables.values import (
    BOOLEAN_TOKENS,
    DECIMAL,
    INTEGER,
    NULL_TOKENS,
    date_formats,
    formatted_number,
)

TOP_VALUES = 3
VALUE_CHARS = 40
MIXED_SHARE = 0.5  # above this share of numbers (or dates), the rest is called out as text


class ColumnKind(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    NUMBER_AS_TEXT = "number stored as text"
    DATE = "date"
    BOOLEAN = "boolean"
    IDENTIFIER = "identifier"  # digits with leading zeros: text that looks like a number
    TEXT = "text"
    EMPTY = "empty"


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    kind: ColumnKind
    missing: int
    distinct: int
    minimum: str | None = None
    maximum: str | None = None
    top: tuple[tuple[str, int], ...] = ()
    problems: tuple[str, ...] = ()


def shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:,.6g}"


def profile_column(name: str, series: pd.Series, typed: bool) -> ColumnProfile:
    """Profile a column; `typed` when its values carry the file's own types."""
    if typed and not _is_text_like(series):
        return _typed_column(name, series)
    text = series.map(lambda v: "" if _missing_value(v) else str(v))
    return _text_column(name, text)


def _is_text_like(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series)


def _missing_value(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def _typed_column(name: str, series: pd.Series) -> ColumnProfile:
    present = series.dropna()
    missing, distinct = int(len(series) - len(present)), int(present.nunique())
    if present.empty:
        return ColumnProfile(name, ColumnKind.EMPTY, missing, 0)
    if pd.api.types.is_bool_dtype(series):
        return ColumnProfile(name, ColumnKind.BOOLEAN, missing, distinct, top=_top(present))
    if pd.api.types.is_datetime64_any_dtype(series):
        low, high = present.min(), present.max()
        return ColumnProfile(name, ColumnKind.DATE, missing, distinct, str(low), str(high))
    if pd.api.types.is_integer_dtype(series):
        kind = ColumnKind.INTEGER
    elif pd.api.types.is_float_dtype(series):
        whole = bool((present % 1 == 0).all())
        kind = ColumnKind.INTEGER if whole else ColumnKind.DECIMAL
    else:
        return _text_column(name, present.astype(str))
    low, high = _number(float(present.min())), _number(float(present.max()))
    return ColumnProfile(name, kind, missing, distinct, low, high)


def _top(values: pd.Series) -> tuple[tuple[str, int], ...]:
    counts = values.astype(str).value_counts().head(TOP_VALUES)
    return tuple((shown(value), int(count)) for value, count in counts.items())


def _text_column(name: str, text: pd.Series) -> ColumnProfile:
    stripped = text.str.strip()
    nulls = stripped.str.lower().isin(NULL_TOKENS)
    missing_mask = stripped.eq("") | nulls
    counts = stripped[~missing_mask].value_counts()
    missing, distinct = int(missing_mask.sum()), len(counts)
    problems = []
    if nulls.any():
        written = ", ".join(repr(v) for v in stripped[nulls].unique()[:3])
        problems.append(f"missing values written as {written}")
    if counts.empty:
        return ColumnProfile(name, ColumnKind.EMPTY, missing, 0, problems=tuple(problems))
    kind, low, high, found = _infer(counts)
    top = _top_counts(counts) if kind in _TOP_KINDS else ()
    return ColumnProfile(name, kind, missing, distinct, low, high, top, tuple(problems + found))


_TOP_KINDS = frozenset({ColumnKind.TEXT, ColumnKind.IDENTIFIER, ColumnKind.BOOLEAN})


def _top_counts(counts: pd.Series) -> tuple[tuple[str, int], ...]:
    return tuple((shown(value), int(count)) for value, count in counts.head(TOP_VALUES).items())


Inferred = tuple[ColumnKind, str | None, str | None, list[str]]


def _infer(counts: pd.Series) -> Inferred:
    """The kind of a column from its distinct values (index) and their counts."""
    values = pd.Series(counts.index, index=counts.index)
    total = int(counts.sum())
    plain = values.str.match(DECIMAL.pattern)
    if plain.all():
        return _plain_numbers(values)
    numbers = {v: formatted_number(v) for v in values[~plain]}
    parsed = [v for v, n in numbers.items() if n is not None]
    numeric_share = (counts[plain].sum() + counts[parsed].sum()) / total
    if numeric_share == 1:
        return _formatted_numbers(values, numbers)
    if values.str.lower().isin(BOOLEAN_TOKENS).all():
        return ColumnKind.BOOLEAN, None, None, []
    dated = _dates(values, counts, total)
    if dated is not None:
        return dated
    problems = []
    if numeric_share > MIXED_SHARE:
        text_values = [v for v in values[~plain] if numbers.get(v) is None]
        problems.append(_mixed("numbers", numeric_share, text_values))
    return ColumnKind.TEXT, None, None, problems


def _plain_numbers(values: pd.Series) -> Inferred:
    whole = values.str.match(INTEGER.pattern)
    zeros = values[whole & values.str.match(r"^[+-]?0\d")]
    if len(zeros):
        problem = f"leading zeros (e.g. {zeros.iloc[0]!r}): read it as text to keep them"
        return ColumnKind.IDENTIFIER, None, None, [problem]
    numbers = values.astype(float)
    kind = ColumnKind.INTEGER if whole.all() else ColumnKind.DECIMAL
    return kind, _number(numbers.min()), _number(numbers.max()), []


def _formatted_numbers(values: pd.Series, numbers: dict) -> Inferred:
    marks: Counter[str] = Counter()
    example, example_marks = "", 0
    for text, number in numbers.items():
        if number is not None and number.marks:
            marks.update(number.marks)
            if len(number.marks) > example_marks:  # the example that shows the most
                example, example_marks = text, len(number.marks)
    floats = [n.value for n in numbers.values() if n is not None]
    floats += [float(v) for v in values if v not in numbers]
    how = ", ".join(sorted(marks))
    problem = f"numbers stored as text, with {how} (e.g. {shown(example)!r})"
    return ColumnKind.NUMBER_AS_TEXT, _number(min(floats)), _number(max(floats)), [problem]


def _dates(values: pd.Series, counts: pd.Series, total: int) -> Inferred | None:
    labels, dates = date_formats(values)
    hit = labels.ne("")
    share = counts[hit].sum() / total
    if share <= MIXED_SHARE:
        return None
    low, high = dates[hit].min().date().isoformat(), dates[hit].max().date().isoformat()
    problems = []
    used = labels[hit].value_counts()
    if len(used) > 1:
        examples = [f"{label} (e.g. {values[labels == label].iloc[0]!r})" for label in used.index]
        problems.append(f"dates in {len(used)} formats: " + ", ".join(examples[:4]))
    if share < 1:
        problems.append(_mixed("dates", share, list(values[~hit])))
    return ColumnKind.DATE, low, high, problems


def _mixed(what: str, share: float, others: list[str]) -> str:
    examples = ", ".join(repr(shown(v)) for v in others[:3])
    return f"mixed types: {share:.0%} {what}, the rest text (e.g. {examples})"
