"""Content blocks to events, and the stream reader that rebuilds blocks from raw events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.turn.blocks import start_events, step_result, stop_events
from services.turn.buffer import TurnBuffer, parse_partial
from services.turn.events import (
    BlockCompleted,
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerUpdated,
    EditorResult,
    ExecutionResult,
    StepTool,
    TextDelta,
    ThinkingDelta,
    ToolError,
    TurnEvent,
    UnsupportedBlock,
)
from services.turn.stream import StreamFailed, StreamReader


def result(block_type: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"type": block_type, "tool_use_id": "srvtoolu_1", "content": content}


def test_bash_result_carries_output_and_file_ids() -> None:
    block = result(
        "bash_code_execution_tool_result",
        {
            "type": "bash_code_execution_result",
            "stdout": "hi\n",
            "stderr": "warn\n",
            "return_code": 2,
            "content": [{"type": "bash_code_execution_output", "file_id": "file_a"}],
        },
    )
    assert step_result(block) == ExecutionResult("hi\n", "warn\n", 2, ("file_a",))


def test_legacy_python_result() -> None:
    block = result(
        "code_execution_tool_result",
        {"type": "code_execution_result", "stdout": "4\n", "stderr": "", "return_code": 0,
         "content": [{"type": "code_execution_output", "file_id": "file_b"}]},
    )  # fmt: skip
    [event] = stop_events(block, 3, {})
    assert event == CodeStepFinished("srvtoolu_1", StepTool.PYTHON, step_result(block), 3)
    assert event.result == ExecutionResult("4\n", "", 0, ("file_b",))


def test_encrypted_result_hides_stdout() -> None:
    block = result(
        "code_execution_tool_result",
        {"type": "encrypted_code_execution_result", "encrypted_stdout": "abc=", "stderr": "",
         "return_code": 0, "content": []},
    )  # fmt: skip
    assert step_result(block) == ExecutionResult("", "", 0, (), encrypted=True)


@pytest.mark.parametrize(
    ("inner", "kind"),
    [
        ({"type": "text_editor_code_execution_view_result", "content": "x", "file_type": "text",
          "num_lines": 1, "start_line": 1, "total_lines": 1}, "view"),
        ({"type": "text_editor_code_execution_create_result", "is_file_update": False}, "create"),
        ({"type": "text_editor_code_execution_str_replace_result", "old_start": 1, "old_lines": 1,
          "new_start": 1, "new_lines": 1, "lines": ["-a", "+b"]}, "str_replace"),
    ],
)  # fmt: skip
def test_text_editor_results_keep_their_shape(inner: dict[str, Any], kind: str) -> None:
    parsed = step_result(result("text_editor_code_execution_tool_result", inner))
    assert isinstance(parsed, EditorResult)
    assert parsed.kind == kind
    assert parsed.details == {k: v for k, v in inner.items() if k != "type"}


def test_tool_errors_have_a_code_and_a_plain_message() -> None:
    block = result(
        "text_editor_code_execution_tool_result",
        {"type": "text_editor_code_execution_tool_result_error", "error_code": "unavailable",
         "error_message": "parsing failed"},
    )  # fmt: skip
    parsed = step_result(block)
    assert isinstance(parsed, ToolError)
    assert parsed.error_code == "unavailable"
    assert "unavailable" in parsed.message and "parsing failed" in parsed.message
    bash = result(
        "bash_code_execution_tool_result",
        {"type": "bash_code_execution_tool_result_error", "error_code": "execution_time_exceeded"},
    )
    assert step_result(bash) == ToolError(
        "execution_time_exceeded", "The code ran longer than the time limit and was stopped."
    )


def test_unknown_blocks_are_reported_not_raised() -> None:
    assert start_events({"type": "hologram", "data": 1}, 4) == [UnsupportedBlock(4, "hologram")]
    other = {"type": "server_tool_use", "id": "s", "name": "tool_search_tool_regex", "input": {}}
    assert start_events(other, 1) == [UnsupportedBlock(1, "server_tool_use:tool_search_tool_regex")]
    odd = result("bash_code_execution_tool_result", {"type": "bash_future_result"})
    assert stop_events(odd, 2, {}) == [
        UnsupportedBlock(2, "bash_code_execution_tool_result:bash_future_result")
    ]
    # The SDK's lenient form of an unknown block (a text block whose text is None).
    assert start_events({"type": "text", "text": None}, 0) == []


def test_partial_input_keeps_unfinished_strings() -> None:
    assert parse_partial('{"command": "ech') == {"command": "ech"}
    assert parse_partial("") == {}
    assert parse_partial("not json") == {}


class Recorder:
    def __init__(self) -> None:
        self.events: list[TurnEvent] = []

    def __call__(self, event: TurnEvent) -> None:
        self.events.append(event)


def feed(reader: StreamReader, *payloads: dict[str, Any]) -> None:
    for payload in payloads:
        reader.feed(payload["type"], json.dumps(payload))


def start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": body}


def stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def reader_after(earlier: int, recorder: Recorder, steps: dict) -> StreamReader:
    """A reader of a response that follows `earlier` blocks of the same turn."""
    buffer = TurnBuffer()
    for index in range(earlier):
        buffer.open(index, {"type": "text", "text": f"earlier {index}"})
        buffer.close(index)
    return StreamReader(buffer, recorder, steps)


def response_blocks(reader: StreamReader) -> list[dict[str, Any]]:
    return reader.buffer.content()[reader.offset :]


def test_reader_rebuilds_blocks_and_emits_events_with_turn_indices() -> None:
    recorder, steps = Recorder(), {}
    reader = reader_after(5, recorder, steps)
    call = {"type": "server_tool_use", "id": "srv_1", "name": "bash_code_execution", "input": {}}
    feed(
        reader,
        {"type": "message_start", "message": {"model": "m", "usage": {"input_tokens": 3}}},
        start(0, {"type": "thinking", "thinking": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "hmm"}),
        delta(0, {"type": "signature_delta", "signature": "sig"}),
        stop(0),
        start(1, {"type": "text", "text": ""}),
        delta(1, {"type": "text_delta", "text": "Hel"}),
        delta(1, {"type": "text_delta", "text": "lo"}),
        stop(1),
        start(2, call),
        delta(2, {"type": "input_json_delta", "partial_json": ""}),
        delta(2, {"type": "input_json_delta", "partial_json": '{"command": "ls'}),
        delta(2, {"type": "input_json_delta", "partial_json": ' -la"}'}),
        stop(2),
        {"type": "ping"},
        {"type": "something_new", "x": 1},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn",
         "container": {"id": "container_1", "expires_at": "2026-01-01T00:00:00Z"}},
         "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )  # fmt: skip
    assert response_blocks(reader) == [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "text", "text": "Hello"},
        {**call, "input": {"command": "ls -la"}},
    ]
    thinking, text, tool = response_blocks(reader)
    assert recorder.events == [
        ThinkingDelta(5, "hmm"),
        BlockCompleted(5, thinking),
        TextDelta(6, "Hel"),
        TextDelta(6, "lo"),
        BlockCompleted(6, text),
        CodeStepStarted("srv_1", StepTool.BASH, 7),
        CodeStepInput("srv_1", StepTool.BASH, {"command": "ls"}),
        CodeStepInput("srv_1", StepTool.BASH, {"command": "ls -la"}),
        BlockCompleted(7, tool),
        CodeStepInput("srv_1", StepTool.BASH, {"command": "ls -la"}, complete=True),
        ContainerUpdated("container_1", "2026-01-01T00:00:00Z"),
    ]
    [completed] = [e for e in recorder.events if isinstance(e, BlockCompleted) and e.index == 6]
    text["text"] = "changed later"
    assert completed.block == {"type": "text", "text": "Hello"}  # a copy, not the live block
    assert steps == {"srv_1": StepTool.BASH}
    assert reader.finished and reader.stop_reason == "end_turn"
    assert reader.usage == {"input_tokens": 3, "output_tokens": 9}


def test_reader_keeps_a_block_cut_off_mid_input() -> None:
    reader = reader_after(0, Recorder(), {})
    call = {"type": "server_tool_use", "id": "s", "name": "code_execution", "input": {}}
    feed(
        reader,
        start(0, call),
        delta(0, {"type": "input_json_delta", "partial_json": '{"code": "pri'}),
    )
    assert response_blocks(reader) == [{**call, "input": {"code": "pri"}}]
    assert not reader.finished


def test_reader_raises_on_an_error_event() -> None:
    reader = reader_after(0, Recorder(), {})
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(StreamFailed) as caught:
        reader.feed("error", json.dumps(error))
    assert (caught.value.error_type, caught.value.message) == ("overloaded_error", "Overloaded")


def test_reader_keeps_unknown_blocks_raw_for_the_record() -> None:
    recorder = Recorder()
    reader = reader_after(0, recorder, {})
    odd = {"type": "future_block", "payload": {"a": [1, 2]}, "text": None}
    feed(reader, start(0, odd), stop(0))
    assert response_blocks(reader) == [odd]
    assert recorder.events == [UnsupportedBlock(0, "future_block"), BlockCompleted(0, odd)]
