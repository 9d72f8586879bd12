"""A long stored conversation for the benchmarks, in the page's form and in a naive form.

Each turn is the same content in both forms: the person's question, Claude's text, one
bash step whose code printed a summary, a 100 KB PNG chart and a 25 KB CSV it produced,
then a closing text. The page's form is what the runner stores: API message JSON in a
`Conversation`, the files' bytes in a BlobStore folder with `StoredFile` records. The
naive form keeps every turn's bytes in memory, as a simple chat app would.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from services.conversation import Conversation
from services.files.blobs import BlobStore
from services.files.stored import FileDirection, StoredFile

IMAGE_SIZE = (190, 180)  # RGB noise this size is a PNG of about 100 KB (noise does not compress)
CSV_ROWS = 600  # about 25 KB
REGIONS = ("north", "south", "east", "west")
INTRO = (
    "Here is the analysis of **batch {n}**. I loaded the file, checked the columns and "
    "the missing values, then grouped the sales by month and region. The chart below "
    "shows the monthly totals with a three-month rolling mean, and the table has the "
    "aggregated figures so you can use them elsewhere. Two months stand out: March, "
    "which was low in every region, and October, when the north region nearly doubled. "
    "I kept the outliers in, since they look like real sales rather than entry errors."
)
OUTRO = (
    "The trend is up about {n}% over the year. `monthly_sales_{n}.csv` has one row per "
    "month and region; the chart is `sales_chart_{n}.png`. Ask if you want another cut."
)


@dataclass(frozen=True)
class NaiveTurn:
    """One turn as a naive page keeps it: everything, bytes included, in session memory."""

    prompt: str
    intro: str
    code: str
    stdout: str
    chart_name: str
    chart: bytes
    table_name: str
    table: bytes
    outro: str


def chart_png(seed: int) -> bytes:
    noise = random.Random(seed).randbytes(IMAGE_SIZE[0] * IMAGE_SIZE[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", IMAGE_SIZE, noise).save(buffer, format="PNG")
    return buffer.getvalue()


def sales_table(seed: int) -> bytes:
    rng = random.Random(seed)
    rows = ["month,region,sales,units"]
    for i in range(CSV_ROWS):
        region = REGIONS[i % len(REGIONS)]
        rows.append(
            f"2025-{i % 12 + 1:02d},{region},{rng.uniform(1e3, 9e4):.2f},{rng.randint(1, 900)}"
        )
    return ("\n".join(rows) + "\n").encode()


def naive_turn(n: int, seed: int = 0) -> NaiveTurn:
    return NaiveTurn(
        prompt=f"Analyse sales batch {n}: chart the monthly totals and give me the table.",
        intro=INTRO.format(n=n),
        code=(
            "python - <<'EOF'\nimport pandas as pd\n"
            f"df = pd.read_csv('/mnt/user-data/inputs/sales_{n}.csv')\n"
            "monthly = df.groupby(['month', 'region']).sales.sum().reset_index()\n"
            f"monthly.to_csv('/mnt/user-data/outputs/monthly_sales_{n}.csv', index=False)\n"
            "print(monthly.describe())\nEOF"
        ),
        stdout=(
            "              sales\ncount     48.000000\n"
            f"mean   {45_000 + n:>11.2f}\nstd    {12_000 + n:>11.2f}\n"
            "min     1002.310000\nmax    89876.120000\n"
        ),
        chart_name=f"sales_chart_{n}.png",
        chart=chart_png(seed * 100_003 + n),
        table_name=f"monthly_sales_{n}.csv",
        table=sales_table(seed * 100_003 + n),
        outro=OUTRO.format(n=n),
    )


def naive_turns(count: int, seed: int = 0) -> list[NaiveTurn]:
    return [naive_turn(n, seed) for n in range(1, count + 1)]


def stored_conversation(turns: list[NaiveTurn], blobs: Path) -> Conversation:
    """The same turns as the runner stores them: message JSON, file bytes in a blob store."""
    store = BlobStore(blobs)
    messages: list[dict[str, Any]] = []
    files: dict[str, StoredFile] = {}
    for n, turn in enumerate(turns, start=1):
        step_id = f"srvtoolu_bench_{n:04d}"
        outputs = [
            _output(
                store, f"file_chart_{n:04d}", turn.chart_name, turn.chart, "image/png", step_id
            ),
            _output(store, f"file_table_{n:04d}", turn.table_name, turn.table, "text/csv", step_id),
        ]
        files.update({o.file_id: o for o in outputs})
        messages.append({"role": "user", "content": [_text(turn.prompt)]})
        messages.append({"role": "assistant", "content": _answer(turn, step_id, outputs)})
    return Conversation(model="claude-sonnet-5", messages=tuple(messages), outputs=files)


def _output(
    store: BlobStore, file_id: str, name: str, data: bytes, mime: str, step_id: str
) -> StoredFile:
    digest, path = store.put(data)
    return StoredFile(
        file_id, name, mime, len(data), digest, path, FileDirection.PRODUCED, step_id=step_id
    )


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _answer(turn: NaiveTurn, step_id: str, outputs: list[StoredFile]) -> list[dict[str, Any]]:
    result = {
        "type": "bash_code_execution_result",
        "stdout": turn.stdout,
        "stderr": "",
        "return_code": 0,
        "content": [{"type": "bash_code_execution_output", "file_id": o.file_id} for o in outputs],
    }
    return [
        _text(turn.intro),
        {
            "type": "server_tool_use",
            "id": step_id,
            "name": "bash_code_execution",
            "input": {"command": turn.code},
        },
        {"type": "bash_code_execution_tool_result", "tool_use_id": step_id, "content": result},
        _text(turn.outro),
    ]
