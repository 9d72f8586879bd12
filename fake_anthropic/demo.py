"""The demo script: what the fake answers in `--demo` mode when nothing is queued.

It answers what people try first, so the app can be tried without an API key:
- an attached CSV, TSV or Excel file: a code step printing pandas' summary of that very
  file (`demo_tables`);
- a prompt with month/value pairs ("Jan: $50K, Feb: $65K"): a code step (python and bash
  in turn) that prints the table and leaves a real PNG bar chart and a CSV in $OUTPUT_DIR;
- a request offering the caller's own tools (an agent network's frontman): the request
  passed to its tool, then the tool's result relayed (`demo_agent`);
- anything else: a short reply saying what the demo can do.
Every answer says it comes from the demo, and every response carries DEMO_HEADER.
"""

from __future__ import annotations

import functools
import io
import re
from typing import Any

from PIL import Image, ImageDraw

from .demo_agent import agent_turn
from .demo_tables import attached_tables, table_turn
from .files import FileStore
from .script import CodeStep, OutFile, Text, Thinking, Turn

# Sent with every answer in demo mode (the app's services.models reads the same name).
DEMO_HEADER = "x-demo-server"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
SALES = (12400, 15100, 13900, 17800, 19250, 21600)
# "January: $50K" or "Feb 65": the demo charts the numbers a prompt gives, when it gives some.
_MONTH_VALUE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*[:=-]?\s*\$?"
    r"(\d+(?:[.,]\d+)?)\s*([KkMm]?)\b"
)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000}

Series = tuple[tuple[str, int], ...]


def pairs_in(text: str) -> Series:
    """The month/value pairs written in a prompt."""
    pairs = []
    for month, number, unit in _MONTH_VALUE.findall(text):
        value = float(number.replace(",", "")) * _SCALE[unit.lower()]
        pairs.append((month, round(value)))
    return tuple(pairs)


def series_from_prompt(text: str) -> Series:
    """Month/value pairs written in the prompt; the built-in series when there are fewer than 2."""
    pairs = pairs_in(text)
    if len(pairs) < 2:
        return tuple(zip(MONTHS, SALES, strict=True))
    return pairs


def _python_code(series: Series) -> str:
    months = [m for m, _ in series]
    values = [v for _, v in series]
    return f"""import os
import pandas as pd

out = os.environ["OUTPUT_DIR"]
sales = pd.DataFrame({{"month": {months!r}, "sales": {values!r}}})
print(sales.to_string(index=False))
sales.to_csv(f"{{out}}/monthly_sales.csv", index=False)
ax = sales.plot.bar(x="month", y="sales", legend=False)
ax.figure.savefig(f"{{out}}/sales_chart.png")
"""


_BASH = (
    'python3 make_sales.py && cp monthly_sales.csv sales_chart.png "$OUTPUT_DIR/" '
    "&& column -s, -t monthly_sales.csv"
)


def sales_table(series: Series | None = None) -> str:
    series = series or tuple(zip(MONTHS, SALES, strict=True))
    rows = [f"{'month':>5}  {'sales':>8}"] + [f"{m:>5}  {s:>8}" for m, s in series]
    return "\n".join(rows) + "\n"


def sales_csv(series: Series | None = None) -> bytes:
    series = series or tuple(zip(MONTHS, SALES, strict=True))
    lines = ["month,sales"] + [f"{m},{s}" for m, s in series]
    return ("\n".join(lines) + "\n").encode()


@functools.cache
def sales_chart_png(width: int = 480, height: int = 300, series: Series | None = None) -> bytes:
    """A bar chart of the series (the built-in one by default), as a valid PNG."""
    series = series or tuple(zip(MONTHS, SALES, strict=True))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, bottom, top = 40, height - 30, 20
    draw.line([(left, top), (left, bottom), (width - 10, bottom)], fill="black", width=2)
    slot = (width - left - 20) // len(series)
    peak = max(v for _, v in series) or 1
    for i, (month, value) in enumerate(series):
        x0 = left + 10 + i * slot
        bar_top = bottom - int((bottom - top) * value / peak)
        draw.rectangle([x0, bar_top, x0 + max(slot - 16, 2), bottom - 1], fill=(70, 110, 200))
        draw.text((x0, bottom + 6), month, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _summary(series: Series) -> str:
    (first_month, first), (last_month, last) = series[0], series[-1]
    change = f" ({(last - first) / first:+.0%})" if first else ""
    peak_month, peak = max(series, key=lambda pair: pair[1])
    return (
        f"Sales went from **{first:,}** in {first_month} to **{last:,}** in {last_month}"
        f"{change}, peaking at **{peak:,}** in {peak_month}. "
        "The chart and the CSV are attached below."
    )


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return " ".join(b.get("text", "") for b in content or [] if b.get("type") == "text")
    return ""


HELP = (
    "This is the **demo server**, not Claude: its answers are scripted. It can chart "
    "month/value pairs you write (try “Chart Jan: $50K, Feb: $65K, Mar: $45K”) and "
    "summarise an attached CSV or Excel file with pandas. Add an Anthropic API key in "
    "the sidebar for Claude's own answers to anything else."
)


def demo_turn(body: dict[str, Any], files: FileStore | None = None) -> Turn:
    """The answer to the last message: its attached table, its numbers, or the help."""
    agent = agent_turn(body)
    if agent is not None:
        return agent
    tables = attached_tables(body, files) if files is not None else []
    if tables:
        return table_turn(tables)
    prompt = _last_user_text(body)
    if len(pairs_in(prompt)) < 2:
        return Turn(blocks=(Text(HELP),))
    return sales_turn(body, series_from_prompt(prompt))


def sales_turn(body: dict[str, Any], series: Series) -> Turn:
    """Python on odd user turns, bash on even ones, so both renderings can be seen."""
    turn_number = sum(1 for m in body.get("messages", []) if m.get("role") == "user")
    outputs = (
        OutFile("sales_chart.png", sales_chart_png(series=series), "image/png"),
        OutFile("monthly_sales.csv", sales_csv(series), "text/csv"),
    )
    table = sales_table(series)
    if turn_number % 2:
        step = CodeStep("python", {"code": _python_code(series)}, stdout=table, files=outputs)
    else:
        step = CodeStep("bash", {"command": _BASH}, stdout=table, files=outputs)
    return Turn(
        blocks=(
            Thinking("The person wants a look at the monthly sales; a table and a chart will do."),
            Text(
                "Here is a quick look at the monthly sales (a scripted demo answer). "
                "I'll compute a table and draw a chart."
            ),
            step,
            Text(_summary(series)),
        )
    )
