"""What a value written in a file is: a plain number, a formatted one, a date, a flag.

Each function reads one string as a person would; the column profile applies them to a
column's distinct values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_CURRENCY = "$€£¥₹"
_GROUPED_DOT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234,567.89
_GROUPED_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234.567,89
_GROUPED_SPACE = re.compile(r"^\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")  # 1 234 567,89
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")  # 3,5
NULL_TOKENS = frozenset({"na", "n/a", "nan", "null", "none", "nil", "-", "--", "?", "#n/a"})
BOOLEAN_TOKENS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f"})
# Formats tried for dates, most common first; an ambiguous day/month value takes the first.
DATE_FORMATS = (
    ("%Y-%m-%d", "YYYY-MM-DD"),
    ("%Y-%m-%dT%H:%M:%S", "YYYY-MM-DDThh:mm:ss"),
    ("%Y-%m-%d %H:%M:%S", "YYYY-MM-DD hh:mm:ss"),
    ("%Y-%m-%d %H:%M", "YYYY-MM-DD hh:mm"),
    ("%Y/%m/%d", "YYYY/MM/DD"),
    ("%m/%d/%Y", "MM/DD/YYYY"),
    ("%d/%m/%Y", "DD/MM/YYYY"),
    ("%d.%m.%Y", "DD.MM.YYYY"),
    ("%d-%m-%Y", "DD-MM-YYYY"),
    ("%m/%d/%y", "MM/DD/YY"),
    ("%d %b %Y", "DD Mon YYYY"),
    ("%b %d, %Y", "Mon DD, YYYY"),
    ("%d %B %Y", "DD Month YYYY"),
    ("%B %d, %Y", "Month DD, YYYY"),
    ("%Y%m%d", "YYYYMMDD"),
)


@dataclass(frozen=True)
class FormattedNumber:
    value: float
    marks: frozenset[str]  # what made it text: thousands, currency, percent, ...


def formatted_number(text: str) -> FormattedNumber | None:
    """A number written for people (`$1,234.50`, `12%`, `(300)`, `1.234,5`), or None."""
    marks: set[str] = set()
    body = text.strip()
    negative = body.startswith("(") and body.endswith(")")
    if negative:
        body, _ = body[1:-1].strip(), marks.add("parentheses for negatives")
    if body and body[0] in "+-":
        negative, body = body[0] == "-", body[1:].strip()
    if body and body[0] in _CURRENCY:
        body, _ = body[1:].strip(), marks.add(f"currency signs ({body[0]})")
    elif body and body[-1] in _CURRENCY:
        body, _ = body[:-1].strip(), marks.add(f"currency signs ({body[-1]})")
    if body.endswith("%"):
        body, _ = body[:-1].strip(), marks.add("percent signs")
    number = _grouped(body, marks)
    if number is None:
        return None
    return FormattedNumber(-number if negative else number, frozenset(marks))


def _grouped(body: str, marks: set[str]) -> float | None:
    if DECIMAL.match(body):
        return float(body)
    if _GROUPED_DOT.match(body):
        marks.add("thousands separators")
        return float(body.replace(",", ""))
    if _GROUPED_COMMA.match(body):
        marks.update(("thousands separators", "decimal commas"))
        return float(body.replace(".", "").replace(",", "."))
    if _GROUPED_SPACE.match(body):
        marks.add("thousands separators")
        return float(re.sub(r"[ \u00a0\u202f]", "", body).replace(",", "."))
    if _DECIMAL_COMMA.match(body):
        marks.add("decimal commas")
        return float(body.replace(",", "."))
    return None


def date_formats(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """For each distinct string: the label of the first date format it parses with ("" for
    none), and the parsed date (NaT for none)."""
    labels = pd.Series("", index=values.index, dtype=object)
    # Seconds, not nanoseconds: "9999-12-31" (a common "no end date") is a date too.
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    # Every format has digits: a value without any is no date in any of them.
    left = values[values.astype(str).str.contains(r"\d", regex=True)]
    for fmt, label in DATE_FORMATS:
        if left.empty:
            break
        parsed = pd.to_datetime(left, format=fmt, errors="coerce")
        hit = parsed.notna()
        labels[left.index[hit]] = label
        dates[left.index[hit]] = parsed[hit].astype("datetime64[s]")
        left = left[~hit]
    return labels, dates
