"""A scripted analysis, stored as the page stores it: an uploaded CSV, a Python step that
writes a CSV and a PNG, a bash step, a text-editor create and edit, and a failing step.
The scripted code really runs here too, so an exported notebook can be executed."""

from __future__ import annotations

import io

import anthropic
import pandas as pd

from fake_anthropic import (
    CodeStep,
    FakeAnthropic,
    OutFile,
    Text,
    Thinking,
    Turn,
    sales_chart_png,
)
from fake_anthropic.demo import sales_csv
from services.conversation import Attachment, Conversation
from services.conversations import ConversationService
from services.settings import Settings
from services.store import LOCAL_OWNER, Store
from services.turn.runner import TurnRunner
from tests.support.runner import FAST_RETRIES, read_all

CSV = sales_csv()
PYTHON = """import os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

df = pd.read_csv(os.path.join(os.environ["INPUT_DIR"], "sales.csv"))
df["double"] = df["sales"] * 2
df.to_csv(os.path.join(os.environ["OUTPUT_DIR"], "doubled.csv"), index=False)
plt.bar(df["month"], df["sales"])
plt.savefig(os.path.join(os.environ["OUTPUT_DIR"], "chart.png"))
print(len(df), "rows")"""
BASH = 'wc -l < "$INPUT_DIR/sales.csv" > "$OUTPUT_DIR/lines.txt" && cat "$OUTPUT_DIR/lines.txt"'
REPORT = "# Report\nTotal: one\n"
COPY = 'cp /tmp/export_test_report.md "$OUTPUT_DIR/report.md"'


def doubled_csv() -> bytes:
    df = pd.read_csv(io.BytesIO(CSV))
    df["double"] = df["sales"] * 2
    return df.to_csv(index=False).encode()


def lines_txt() -> bytes:
    return b"%d\n" % CSV.count(b"\n")


def turns() -> tuple[Turn, Turn]:
    first = Turn(
        (
            Thinking("A private plan: read, double, chart."),
            Text("I'll read the file and chart it."),
            CodeStep(
                "python",
                {"code": PYTHON},
                stdout="6 rows\n",
                files=(
                    OutFile("doubled.csv", doubled_csv(), "text/csv"),
                    OutFile("chart.png", sales_chart_png(), "image/png"),
                ),
            ),
            CodeStep("bash", {"command": BASH}, stdout=lines_txt().decode(),
                     files=(OutFile("lines.txt", lines_txt(), "text/plain"),)),
            Text("The chart and the table are ready."),
        )
    )  # fmt: skip
    report = "/tmp/export_test_report.md"
    second = Turn(
        (
            CodeStep("text_editor", {"command": "create", "path": report, "file_text": REPORT}),
            CodeStep(
                "text_editor",
                {"command": "str_replace", "path": report, "old_str": "one", "new_str": "two"},
            ),
            CodeStep("bash", {"command": COPY},
                     files=(OutFile("report.md", REPORT.replace("one", "two").encode()),)),
            CodeStep("python", {"code": "1 / 0"}, stderr="ZeroDivisionError: division by zero",
                     return_code=1),
            Text("Done; the last step failed on purpose."),
        )
    )  # fmt: skip
    return first, second


def stored_analysis(
    fake: FakeAnthropic, client: anthropic.Anthropic, store: Store, settings: Settings
) -> Conversation:
    """The two turns above, run through the service and read back from the store."""
    fake.enqueue(*turns())
    runner = TurnRunner(client, settings, store.blobs, retry_policy=FAST_RETRIES)
    service = ConversationService(store, settings)
    first = service.start_turn(
        runner, LOCAL_OWNER, service.new(), "Chart sales.csv",
        [Attachment("sales.csv", CSV, "text/csv")], stored=False,
    )  # fmt: skip
    read_all(first.handle)
    conversation = service.finish(first, LOCAL_OWNER)
    second = service.start_turn(runner, LOCAL_OWNER, conversation, "Write a report", stored=True)
    read_all(second.handle)
    stored = service.finish(second, LOCAL_OWNER)
    assert stored is not None
    return stored
