"""The demo script: what the fake answers in `--demo` mode when nothing is queued.

Every answer has a short text, one code step (python and bash in turn) that prints a
table of monthly sales and leaves a real PNG bar chart (drawn with Pillow) and a CSV in
$OUTPUT_DIR, then a closing text, so the app can be tried without an API key.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from PIL import Image, ImageDraw

from .script import CodeStep, OutFile, Text, Thinking, Turn

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
SALES = (12400, 15100, 13900, 17800, 19250, 21600)

_PYTHON = f"""import os
import pandas as pd

out = os.environ["OUTPUT_DIR"]
sales = pd.DataFrame({{"month": {list(MONTHS)!r}, "sales": {list(SALES)!r}}})
print(sales.to_string(index=False))
sales.to_csv(f"{{out}}/monthly_sales.csv", index=False)
ax = sales.plot.bar(x="month", y="sales", legend=False)
ax.figure.savefig(f"{{out}}/sales_chart.png")
"""

_BASH = (
    'python3 make_sales.py && cp monthly_sales.csv sales_chart.png "$OUTPUT_DIR/" '
    "&& column -s, -t monthly_sales.csv"
)


def sales_table() -> str:
    rows = [f"{'month':>5}  {'sales':>6}"] + [
        f"{m:>5}  {s:>6}" for m, s in zip(MONTHS, SALES, strict=True)
    ]
    return "\n".join(rows) + "\n"


def sales_csv() -> bytes:
    lines = ["month,sales"] + [f"{m},{s}" for m, s in zip(MONTHS, SALES, strict=True)]
    return ("\n".join(lines) + "\n").encode()


@functools.cache
def sales_chart_png(width: int = 480, height: int = 300) -> bytes:
    """A bar chart of SALES, as a valid PNG."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, bottom, top = 40, height - 30, 20
    draw.line([(left, top), (left, bottom), (width - 10, bottom)], fill="black", width=2)
    slot = (width - left - 20) // len(SALES)
    peak = max(SALES)
    for i, (month, value) in enumerate(zip(MONTHS, SALES, strict=True)):
        x0 = left + 10 + i * slot
        bar_top = bottom - int((bottom - top) * value / peak)
        draw.rectangle([x0, bar_top, x0 + slot - 16, bottom - 1], fill=(70, 110, 200))
        draw.text((x0, bottom + 6), month, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def demo_turn(body: dict[str, Any]) -> Turn:
    """Python on odd user turns, bash on even ones, so both renderings can be seen."""
    turn_number = sum(1 for m in body.get("messages", []) if m.get("role") == "user")
    outputs = (
        OutFile("sales_chart.png", sales_chart_png(), "image/png"),
        OutFile("monthly_sales.csv", sales_csv(), "text/csv"),
    )
    if turn_number % 2:
        step = CodeStep("python", {"code": _PYTHON}, stdout=sales_table(), files=outputs)
    else:
        step = CodeStep("bash", {"command": _BASH}, stdout=sales_table(), files=outputs)
    return Turn(
        blocks=(
            Thinking("The person wants a look at the monthly sales; a table and a chart will do."),
            Text(
                "Here is a quick look at the monthly sales. I'll compute a table and draw a chart."
            ),
            step,
            Text(
                "Sales grew from **12,400** in January to **21,600** in June (+74%). "
                "The chart and the CSV are attached below."
            ),
        )
    )
