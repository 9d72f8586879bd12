"""The page's plain-value parts: parsing steps, folding live events, coalescing, the watch."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from components.live.model import STATUS, LiveModel, StepSegment, TextSegment
from components.live.view import LiveTurn, Prompt
from components.live.watch import unfollowed
from components.render.format import (
    duration,
    escape_markdown,
    human_size,
    short_id,
    short_name,
    when,
)
from components.render.step_view import StepView, clip, result_of, step_title
from services.files.stored import FileDirection, StoredFile
from services.turn.events import (
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    EditorResult,
    ErrorKind,
    ExecutionResult,
    OutputFileReady,
    Retrying,
    StepTool,
    StopReason,
    TextDelta,
    ToolError,
    TurnError,
    TurnFinished,
)
from services.turn.handle import TurnHandle

# --- parsing result blocks ------------------------------------------------------------------


def test_result_shapes_become_step_results() -> None:
    bash = result_of(
        {
            "content": {
                "type": "bash_code_execution_result",
                "stdout": "ok\n",
                "stderr": "",
                "return_code": 0,
                "content": [{"type": "bash_code_execution_output", "file_id": "file_1"}],
            }
        }
    )
    assert bash == ExecutionResult("ok\n", "", 0, ("file_1",))
    encrypted = result_of(
        {
            "content": {
                "type": "encrypted_code_execution_result",
                "encrypted_stdout": "eA==",
                "stderr": "",
                "return_code": 0,
                "content": [],
            }
        }
    )
    assert encrypted == ExecutionResult("", "", 0, (), encrypted=True)
    view = result_of(
        {
            "content": {
                "type": "text_editor_code_execution_view_result",
                "content": "hi",
                "file_type": "text",
            }
        }
    )
    assert view == EditorResult("view", {"content": "hi", "file_type": "text"})
    error = result_of(
        {
            "content": {
                "type": "bash_code_execution_tool_result_error",
                "error_code": "too_many_requests",
            }
        }
    )
    assert isinstance(error, ToolError) and "Too many code executions" in error.message
    odd = result_of({"content": {"type": "something_new"}})
    assert isinstance(odd, ToolError) and "something_new" in odd.message


def test_step_titles_say_what_happened() -> None:
    assert step_title(StepView("a", StepTool.PYTHON, "code_execution")) == "Ran Python"
    assert step_title(StepView("a", StepTool.BASH, "bash_code_execution")) == "Ran bash"
    editor = StepView(
        "a",
        StepTool.TEXT_EDITOR,
        "text_editor_code_execution",
        {"command": "view", "path": "/data/in/data.csv"},
    )
    assert step_title(editor) == "Viewed data.csv"


def test_clip_cuts_by_lines_and_characters() -> None:
    text = "".join(f"{i}\n" for i in range(300))
    clipped = clip(text)
    assert clipped.truncated and clipped.total_lines == 300 and clipped.shown_lines == 200
    assert not clip("short\n").truncated
    assert len(clip("y" * 25_000).shown) == 20_000


# --- folding live events --------------------------------------------------------------------


def output_file(file_id: str, step_id: str) -> StoredFile:
    return StoredFile(
        file_id, "chart.png", "image/png", 3, "0" * 64, Path("/nowhere"), step_id=step_id
    )


def test_events_fold_into_segments_by_block_index() -> None:
    model = LiveModel()
    assert model.apply(TextDelta(0, "Hel"), now=1.0) == {0}
    model.apply(TextDelta(0, "lo"), now=1.1)
    assert model.apply(CodeStepStarted("s1", StepTool.PYTHON, 1), now=2.0) == {1}
    model.apply(CodeStepInput("s1", StepTool.PYTHON, {"code": "print(1)"}, complete=True), now=2.1)
    assert next(s for _, s in model.running_steps()).view.input == {"code": "print(1)"}
    result = ExecutionResult("1\n", "", 0, ("file_1",))
    assert model.apply(CodeStepFinished("s1", StepTool.PYTHON, result, 2), now=5.0) == {1}
    step = model.segments[1]
    assert isinstance(step, StepSegment) and step.finished == 5.0 and 2 not in model.segments
    assert not model.settled(step)  # its file is still being fetched
    assert model.apply(OutputFileReady(output_file("file_1", "s1")), now=5.5) == {1}
    assert model.settled(step)
    assert model.segments[0] == TextSegment("Hello")


def test_retrying_clears_when_the_turn_moves_on() -> None:
    model = LiveModel()
    assert model.apply(Retrying("rate_limit_error (429)", 3.0, 1), now=1.0) == {STATUS}
    assert model.retrying is not None
    assert model.apply(TextDelta(0, "ok"), now=4.0) == {0, STATUS}
    assert model.retrying is None


def test_the_end_closes_running_steps_and_keeps_the_error() -> None:
    model = LiveModel()
    model.apply(CodeStepStarted("s1", StepTool.BASH, 0), now=1.0)
    model.apply(TurnError(ErrorKind.CONNECTION, "dropped"), now=2.0)
    model.apply(TurnFinished(StopReason.FAILED, ()), now=2.0)
    assert not model.running_steps()
    assert model.error == TurnError(ErrorKind.CONNECTION, "dropped")
    assert model.finished is not None and model.finished.stop_reason is StopReason.FAILED


def test_one_pull_takes_every_queued_event_so_a_burst_is_one_redraw() -> None:
    handle = TurnHandle()
    for _ in range(1000):
        handle.emit(TextDelta(0, "x"))
    live = LiveTurn(handle, Prompt("hi"), base_len=0)
    dirty = live.pull(wait=5.0)
    assert dirty == {0}
    assert len(live.events) == 1000
    assert live.model.segments[0] == TextSegment("x" * 1000)


def test_pull_stops_at_the_end_of_the_turn() -> None:
    handle = TurnHandle()
    handle.emit(TextDelta(0, "a"))
    handle.finish(TurnFinished(StopReason.END_TURN, ()))
    live = LiveTurn(handle, Prompt("hi"), base_len=0)
    live.pull(wait=5.0)
    assert live.model.finished is not None and isinstance(live.events[-1], TurnFinished)


# --- stopping a turn its open page no longer follows ---------------------------------------


def test_a_running_turn_nobody_followed_for_the_grace_time_counts_as_unfollowed() -> None:
    live = LiveTurn(TurnHandle(), Prompt("hi"), base_len=0)
    assert not unfollowed(live, live.followed + 1.0, grace=3.0)  # a run followed it just now
    assert unfollowed(live, live.followed + 3.5, grace=3.0)  # the page's run was stopped


def test_a_finished_turn_is_never_stopped_for_being_unfollowed() -> None:
    handle = TurnHandle()
    handle.finish(TurnFinished(StopReason.END_TURN, ()))
    live = LiveTurn(handle, Prompt("hi"), base_len=0)
    assert not unfollowed(live, live.followed + 3600.0)


def test_following_the_turn_again_keeps_it_running() -> None:
    handle = TurnHandle()
    handle.emit(TextDelta(0, "a"))
    live = LiveTurn(handle, Prompt("hi"), base_len=0)
    live.followed -= 10.0  # the run that followed it was stopped ten seconds ago
    live.pull(wait=0.01)  # a new run reads the turn again, as a click would make it
    view_followed = time.monotonic()
    live.followed = view_followed
    assert not unfollowed(live, view_followed + 1.0)


# --- labels ---------------------------------------------------------------------------------


def test_formatters() -> None:
    assert human_size(13) == "13 B" and human_size(2485) == "2.4 KB"
    assert human_size(5 * 1024 * 1024) == "5.0 MB"
    assert duration(3.7) == "3 s" and duration(65) == "1 min 5 s" and duration(120) == "2 min"
    assert short_id("container_011CaPnGc0nTa1nEr00000001") == "container_011C…0001"
    escaped = "a\\_b\\*\\[c\\](d) \\$x\\$ \\:\u200dred\\[y\\]"
    assert escape_markdown("a_b*[c](d) $x$ :red[y]") == escaped
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert when((now - timedelta(seconds=5)).isoformat(), now) == "just now"
    assert when((now - timedelta(minutes=7)).isoformat(), now) == "7 min ago"
    assert when("2026-11-25T09:30:00Z", now) == "2026-11-25 09:30 UTC"
    assert when(None, now) == "not yet"
    assert short_name("report.pdf") == "report.pdf"
    long = short_name("a" * 100 + ".xlsx")
    assert len(long) == 48 and long.endswith("aaaa.xlsx") and "…" in long


def test_sidebar_lists_produced_files_in_the_order_the_steps_made_them(tmp_path: Path) -> None:
    from components.sidebar.files import produced_in_order
    from components.sidebar.panels import limit_text
    from services.conversation import Conversation

    def made(file_id: str) -> StoredFile:
        return StoredFile(
            file_id,
            f"{file_id}.png",
            "image/png",
            1,
            "0" * 64,
            tmp_path,
            FileDirection.PRODUCED,
            "s",
        )

    def result(*file_ids: str) -> dict:
        content = [{"type": "bash_code_execution_output", "file_id": f} for f in file_ids]
        return {"type": "bash_code_execution_result", "content": content}

    blocks = [{"type": "bash_code_execution_tool_result", "content": result(i)} for i in "abc"]
    # Downloads finish in any order: the dict holds them as they arrived.
    conversation = Conversation(
        model="m",
        messages=[{"role": "assistant", "content": blocks}],
        outputs={i: made(i) for i in ("c", "live", "a", "b")},
    )
    assert [f.file_id for f in produced_in_order(conversation)] == ["a", "b", "c", "live"]
    assert limit_text(200 * 1024 * 1024) == "200 MB" and limit_text(1536) == "1.5 KB"


def test_a_restored_step_says_what_the_live_step_said() -> None:
    """History and the live turn read a result block through the same function."""
    from services.turn.blocks import step_result

    for code in ("unavailable", "too_many_requests", "execution_time_exceeded", "weird_code"):
        block = {"content": {"type": "bash_code_execution_tool_result_error", "error_code": code}}
        assert result_of(block) == step_result(block)
