"""`python -m services.cli` runs one turn against the configured API and prints as it goes."""

from __future__ import annotations

import io
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from fake_anthropic import CodeStep, FakeAnthropic, OutFile, Text, Turn
from services.cli import EventPrinter
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    ExecutionResult,
    StepTool,
    StopReason,
    TextDelta,
    TokenCounts,
    TurnFinished,
    Usage,
)

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0


def start_cli(fake: FakeAnthropic, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_API_KEY": "test-key",
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("ANTHROPIC_AUTH_TOKEN", None)
    command = [sys.executable, "-m", "services.cli", *args]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)


def line_reader(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str | None], needle: str) -> list[str]:
    seen: list[str] = []
    while True:
        line = lines.get(timeout=TIMEOUT)
        assert line is not None, f"output ended before {needle!r}: {seen}"
        seen.append(line)
        if needle in line:
            return seen


def test_the_cli_prints_each_event_as_it_arrives(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    csv = tmp_path / "data.csv"
    csv.write_bytes(b"month,sales\n1,10\n2,20\n")
    chart = b"\x89PNG\r\n\x1a\nchart-bytes"
    fake_api.enqueue(
        Turn(
            (
                Text("Counting the rows."),
                CodeStep(
                    "bash",
                    {"command": "wc -l $INPUT_DIR/data.csv"},
                    stdout="3 data.csv\n",
                    files=(OutFile("chart.png", chart, "image/png"),),
                    hold="running",
                ),
                Text("There are 3 lines."),
            )
        )
    )
    process = start_cli(fake_api, tmp_path, "How many rows?", "--file", str(csv))
    lines = line_reader(process)
    try:
        # Printed while the fake still holds the step's result: nothing is buffered.
        before = wait_for_line(lines, "$ wc -l $INPUT_DIR/data.csv")
        assert fake_api.wait_held("running", timeout=TIMEOUT)
        assert any("Counting the rows." in line for line in before)
        fake_api.release("running")
        after = wait_for_line(lines, "[finished: end_turn]")
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        fake_api.release("running")
        if process.poll() is None:
            process.kill()
    output = "\n".join(before + after)
    assert "3 data.csv" in output and "[exit code 0]" in output
    assert "There are 3 lines." in output
    [saved] = [line for line in after if line.startswith("[saved chart.png")]
    path = Path(saved.rsplit(": ", 1)[1].rstrip("]"))
    assert path.is_relative_to(tmp_path / "data") and path.read_bytes() == chart
    [upload] = [f for f in fake_api.files.values() if f.meta["filename"] == "data.csv"]
    assert upload.data == csv.read_bytes()


def test_the_cli_without_a_key_says_how_to_give_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["ASSISTANT_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "hi"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2 and "ANTHROPIC_API_KEY" in result.stderr


def test_the_printer_separates_streamed_text_from_lines() -> None:
    out = io.StringIO()
    printer = EventPrinter(out)
    for event in (
        TextDelta(0, "Hello "),
        TextDelta(0, "there."),
        CodeStepInput("s", StepTool.PYTHON, {"code": "print(1)"}, complete=True),
        CodeStepFinished("s", StepTool.PYTHON, ExecutionResult("1\n", "oops\n", 1), 1),
        Usage("claude-imaginary", TokenCounts(10, 5), None),
        TurnFinished(StopReason.END_TURN, ()),
    ):
        printer.show(event)
    assert out.getvalue().splitlines() == [
        "Hello there.",
        "print(1)",
        "1",
        "[stderr] oops",
        "[exit code 1]",
        "[usage claude-imaginary: 10 in, 5 out, 0 cache read, 0 cache write; price unknown]",
        "[finished: end_turn]",
    ]


def test_turns_are_stored_and_a_conversation_can_be_continued(fake_api, tmp_path):
    fake_api.enqueue(Turn((Text("The mean is 4."),)), Turn((Text("And the median is 3."),)))
    first = start_cli(fake_api, tmp_path, "Mean of b?")
    out, _ = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, out
    saved = [line for line in out.splitlines() if line.startswith("[saved as conversation ")]
    conversation_id = saved[-1].removeprefix("[saved as conversation ").rstrip("]")

    second = start_cli(fake_api, tmp_path, "And the median?", "--conversation", conversation_id)
    out, _ = second.communicate(timeout=TIMEOUT)
    assert second.returncode == 0, out
    history = fake_api.message_requests()[-1]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["content"][-1]["text"] == "The mean is 4."


def test_an_unknown_conversation_is_refused(fake_api, tmp_path):
    process = start_cli(fake_api, tmp_path, "Hi", "--conversation", "nope")
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == 2
    assert fake_api.message_requests() == []


def test_a_missing_file_is_refused_before_anything_is_stored(fake_api, tmp_path):
    process = start_cli(fake_api, tmp_path, "Mean of b?", "--file", str(tmp_path / "nope.csv"))
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == 2
    assert fake_api.requests == []
    assert not (tmp_path / "data" / "assistant.db").exists()  # no empty conversation left
