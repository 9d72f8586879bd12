"""The turn runner against the fake API: events, the record, requests, files, containers."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import pytest

from fake_anthropic import (
    CodeStep,
    FakeAnthropic,
    Fault,
    OutFile,
    RawBlock,
    Text,
    Thinking,
    Turn,
    validate_history,
)
from services.conversation import Attachment
from services.turn.events import (
    APP_NOTE_KEY,
    APP_NOTE_PREFIX,
    BlockCompleted,
    CodeStepFinished,
    CodeStepInput,
    CodeStepStarted,
    ContainerReset,
    ContainerUpdated,
    Continuing,
    EditorResult,
    ExecutionResult,
    OutputFileFailed,
    OutputFileReady,
    StepTool,
    StopReason,
    TextDelta,
    ThinkingDelta,
    ToolError,
    TurnError,
    UnsupportedBlock,
    Usage,
    UserMessageReady,
    WebSearchResult,
)
from services.turn.results import SearchHit
from tests.support.runner import (
    Followed,
    finished,
    make_runner,
    of_type,
    run_turn,
    sent_note,
    streamed_text,
    system_text,
    text_of,
    without_cache_points,
)

MODEL = "claude-sonnet-5"


def chart_turn(png: bytes) -> Turn:
    """Thinking, text, a bash step that prints and leaves a PNG, then more text."""
    step = CodeStep(
        "bash",
        {"command": "python sum.py && cp chart.png $OUTPUT_DIR/"},
        stdout="total 42\n",
        stderr="note\n",
        files=(OutFile("chart.png", png, "image/png"),),
    )
    blocks = (Thinking("Plan: sum the column."), Text("Let me compute that."), step)
    return Turn((*blocks, Text("The total is **42**.")), input_tokens=1000, output_tokens=100)


def test_a_code_turn_streams_every_event_and_updates_the_conversation(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, blobs = make_runner(fake_client, tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    fake_api.enqueue(chart_turn(png))
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "Sum it")

    assert of_type(events, ThinkingDelta)[0].text.startswith("Plan")
    assert streamed_text(events) == "Let me compute that.The total is **42**."
    [started] = of_type(events, CodeStepStarted)
    assert started.tool == StepTool.BASH and started.index == 2
    inputs = of_type(events, CodeStepInput)
    assert len(inputs) > 2 and inputs[-1].complete and not inputs[0].complete
    assert inputs[-1].input == {"command": "python sum.py && cp chart.png $OUTPUT_DIR/"}
    [done] = of_type(events, CodeStepFinished)
    [file_id] = fake_api.files.keys() - set()
    assert done.result == ExecutionResult("total 42\n", "note\n", 0, (file_id,))
    [ready] = of_type(events, OutputFileReady)
    assert ready.file.name == "chart.png" and ready.file.mime_type == "image/png"
    assert ready.file.step_id == started.step_id
    assert ready.file.path.read_bytes() == png and blobs.get(ready.file.sha256) == png
    [usage] = of_type(events, Usage)
    assert (usage.counts.input, usage.counts.output) == (1000, 100)
    assert usage.cost_usd == pytest.approx(1000 * 2 / 1e6 + 100 * 10 / 1e6)
    end = finished(events)
    assert end.stop_reason == StopReason.END_TURN and end.message == ""

    user, assistant = conversation.messages
    assert user == {"role": "user", "content": [{"type": "text", "text": "Sum it"}]}
    assert assistant["content"] == list(end.content)
    # What a recorder stores as the turn goes: the user message first, then each block.
    assert events[0] == UserMessageReady(tuple(user["content"]))
    completed = of_type(events, BlockCompleted)
    assert [c.index for c in completed] == list(range(len(end.content)))
    assert [c.block for c in completed] == list(end.content)
    assert [b["type"] for b in end.content] == [
        "thinking", "text", "server_tool_use", "bash_code_execution_tool_result", "text",
    ]  # fmt: skip
    [updated] = of_type(events, ContainerUpdated)
    assert conversation.container_id == updated.container_id
    assert conversation.container_expires_at == updated.expires_at
    assert conversation.outputs == {file_id: ready.file}
    assert conversation.cost_usd == pytest.approx(usage.cost_usd)


def test_python_editor_legacy_encrypted_and_tool_error_steps(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(
        Turn(
            (
                CodeStep("python", {"code": "print(2+2)"}, stdout="4\n"),
                CodeStep("python", {"code": "print(1)"}, stdout="1\n", legacy=True),
                CodeStep("python", {"code": "search()"}, stdout="secret", encrypted=True),
                CodeStep("text_editor", {"command": "create", "path": "a.txt", "file_text": "hi"}),
                CodeStep("text_editor", {"command": "view", "path": "a.txt"}),
                CodeStep(
                    "text_editor",
                    {"command": "str_replace", "path": "a.txt", "old_str": "hi", "new_str": "yo"},
                ),
                CodeStep("bash", {"command": "sleep 999"}, error_code="execution_time_exceeded"),
            )
        )
    )
    events = run_turn(runner, Followed(model=MODEL), "go")
    results = [e.result for e in of_type(events, CodeStepFinished)]
    tools = [e.tool for e in of_type(events, CodeStepFinished)]
    assert tools == [StepTool.PYTHON] * 3 + [StepTool.TEXT_EDITOR] * 3 + [StepTool.BASH]
    assert results[0] == ExecutionResult("4\n", "", 0)
    assert results[1] == ExecutionResult("1\n", "", 0)
    assert isinstance(results[2], ExecutionResult) and results[2].encrypted
    assert results[2].stdout == ""
    assert [r.kind for r in results[3:6] if isinstance(r, EditorResult)] == [
        "create", "view", "str_replace",
    ]  # fmt: skip
    assert "hi" in str(results[4].details)
    assert isinstance(results[6], ToolError) and results[6].error_code == "execution_time_exceeded"
    assert finished(events).stop_reason == StopReason.END_TURN


def test_unknown_blocks_become_visible_events_and_web_search_a_step(
    fake_api: FakeAnthropic, runner
) -> None:
    search = {"type": "server_tool_use", "id": "srvtoolu_w", "name": "web_search",
              "input": {"query": "weather"}}  # fmt: skip
    search_result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_w",
                     "content": [{"type": "web_search_result", "url": "https://x", "title": "X",
                                  "encrypted_content": "e", "page_age": None}]}  # fmt: skip
    future = {"type": "hologram", "payload": {"depth": 3}}
    fake_api.enqueue(
        Turn((RawBlock(search), RawBlock(search_result), RawBlock(future), Text("after")))
    )
    events = run_turn(runner, Followed(model=MODEL), "search")
    assert of_type(events, UnsupportedBlock) == [UnsupportedBlock(2, "hologram")]
    [step] = of_type(events, CodeStepFinished)
    assert step.tool == StepTool.WEB_SEARCH and step.result == WebSearchResult(
        (SearchHit("X", "https://x", None, encrypted=True),)
    )
    end = finished(events)
    assert end.stop_reason == StopReason.END_TURN
    assert end.content[2] == future and end.content[1] == search_result
    assert streamed_text(events) == "after"


def test_the_request_sends_only_what_the_model_accepts(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path, tool_version="code_execution_20250825")
    fake_api.enqueue(Turn((Text("ok"),)))
    run_turn(runner, Followed(model="claude-opus-5"), "hi")
    [body] = fake_api.message_requests()
    assert body["model"] == "claude-opus-5"
    assert body["tools"] == [{"type": "code_execution_20250825", "name": "code_execution"}]
    assert body["stream"] is True
    assert "container" not in body
    for refused in ("temperature", "top_p", "top_k", "thinking", "tool_choice"):
        assert refused not in body
    system = system_text(body)
    assert "$INPUT_DIR" in system and "$OUTPUT_DIR" in system
    assert "PNG" in system and "CSV" in system and APP_NOTE_PREFIX in system


def test_the_next_turn_resends_the_history_byte_for_byte(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(
        Turn((Thinking("t"), Text("one"), CodeStep("bash", {"command": "ls"}, stdout="a\n"))),
        Turn((Text("two"),)),
    )
    conversation = Followed(model=MODEL)
    first = finished(run_turn(runner, conversation, "first"))
    run_turn(runner, conversation, "second")
    sent = without_cache_points(fake_api.message_requests()[1]["messages"])
    assert json.dumps(sent[1]["content"]) == json.dumps(list(first.content))
    assert json.dumps(sent[0]) == json.dumps(conversation.messages[0])
    assert sent[2] == {"role": "user", "content": [{"type": "text", "text": "second"}]}


def test_a_whitespace_only_text_block_is_not_sent_back(fake_api: FakeAnthropic, runner) -> None:
    fake_api.history_validator = validate_history  # refuses it, as the API does
    fake_api.enqueue(
        Turn((Text("\n\n"), CodeStep("bash", {"command": "ls"}), Text("done"))),
        Turn((Text("two"),)),
    )
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "first")
    events = run_turn(runner, conversation, "second")
    assert of_type(events, TurnError) == []
    sent = fake_api.message_requests()[1]["messages"][1]["content"]
    assert [b["type"] for b in sent] == [
        "server_tool_use", "bash_code_execution_tool_result", "text",
    ]  # fmt: skip
    assert conversation.messages[1]["content"][0] == {"type": "text", "text": "\n\n"}


def test_another_models_thinking_is_dropped_when_the_model_changes(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(Turn((Thinking("mine"), Text("one"))), Turn((Text("two"),)))
    fake_api.enqueue(Turn((Text("three"),)))
    conversation = Followed(model="claude-sonnet-5")
    run_turn(runner, conversation, "a")
    run_turn(runner, conversation, "b")
    kept = fake_api.message_requests()[1]["messages"][1]["content"]
    assert [b["type"] for b in kept] == ["thinking", "text"]
    conversation.model = "claude-opus-5"
    run_turn(runner, conversation, "c")
    changed = fake_api.message_requests()[2]["messages"][1]["content"]
    assert changed == [{"type": "text", "text": "one"}]
    assert conversation.messages[1]["content"][0]["type"] == "thinking"  # the record is intact


def test_the_container_is_reused_even_past_its_expiry_estimate(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(
        Turn((CodeStep("bash", {"command": "touch x"}),), expires_at="2020-01-01T00:00:00Z"),
        Turn((Text("still here"),)),
    )
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "a")
    container_id = conversation.container_id
    assert container_id and conversation.container_expires_at == "2020-01-01T00:00:00Z"
    run_turn(runner, conversation, "b")
    first, second = fake_api.message_requests()
    assert "container" not in first
    assert second["container"] == container_id
    assert conversation.container_id == container_id
    assert conversation.container_expires_at != "2020-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "faults",
    [
        [Fault(400, "invalid_request_error", "container {cid} has expired")],
        [Fault(404, "not_found_error", "Container not found: {cid}")],
        # A 500 that names it (a generic one: test_runner_container.py)
        [Fault(500, "api_error", "Container {cid} could not be restored")] * 4,  # retried first
    ],
    ids=["400", "404", "500 naming it"],
)
def test_a_failed_container_is_replaced_and_the_uploads_reattached(
    fake_api: FakeAnthropic, runner, faults: list[Fault]
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "cat $INPUT_DIR/a.csv"}),)))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "load", [Attachment("a.csv", b"x,y\n1,2\n", "text/csv")])
    old = conversation.container_id
    [upload] = conversation.uploads.values()
    fake_api.enqueue(
        *(Fault(f.status, f.error_type, f.message.format(cid=old)) for f in faults),
        Turn((Text("fresh start"),), container_id="container_fresh"),
    )
    events = run_turn(runner, conversation, "again")

    [reset] = of_type(events, ContainerReset)
    assert reset.old_container_id == old and reset.reattached_file_ids == (upload.file_id,)
    first_ready, second_ready = of_type(events, UserMessageReady)
    assert list(first_ready.content) == [{"type": "text", "text": "again"}]
    assert finished(events).stop_reason == StopReason.END_TURN
    assert of_type(events, TurnError) == []
    requests = fake_api.message_requests()
    assert all(r["container"] == old for r in requests[1:-1])
    last = requests[-1]
    assert "container" not in last
    new_user = last["messages"][-1]["content"]
    assert {"type": "container_upload", "file_id": upload.file_id} in new_user
    notes = [b["text"] for b in new_user if sent_note(b)]
    assert any("reset" in n and "a.csv" in n for n in notes)
    assert new_user[-1] == {"type": "text", "text": "again"}
    assert conversation.container_id == "container_fresh"
    # The record and the event hold what was sent, with the app's notes marked.
    for content in (conversation.messages[-2]["content"], second_ready.content):
        assert [{k: v for k, v in b.items() if k != APP_NOTE_KEY} for b in content] == new_user


def test_after_a_failed_reset_the_next_turn_brings_the_files_again(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}),)))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "load", [Attachment("a.csv", b"1\n", "text/csv")])
    [upload] = conversation.uploads.values()
    fake_api.enqueue(
        Fault(404, "not_found_error", f"container {conversation.container_id} not found"),
        Fault(400, "invalid_request_error", "messages: something else"),
    )
    events = run_turn(runner, conversation, "again")
    assert len(of_type(events, ContainerReset)) == 1 and len(of_type(events, TurnError)) == 1
    assert conversation.container_id is None
    fake_api.enqueue(Turn((Text("back"),)))
    run_turn(runner, conversation, "third")
    last = fake_api.message_requests()[-1]
    assert "container" not in last
    user = last["messages"][-1]["content"]
    assert user.count({"type": "container_upload", "file_id": upload.file_id}) == 1
    assert conversation.container_id is not None


def test_an_unrelated_400_leaves_the_container_alone(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}),)))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "a")
    old = conversation.container_id
    fake_api.enqueue(Fault(400, "invalid_request_error", "messages.0: prompt is too long"))
    events = run_turn(runner, conversation, "b")
    [error] = of_type(events, TurnError)
    assert "prompt is too long" in error.message
    assert of_type(events, ContainerReset) == []
    assert len(fake_api.message_requests()) == 2
    assert conversation.container_id == old
    assert finished(events).stop_reason == StopReason.FAILED


def test_without_a_container_sent_a_container_message_does_not_reset(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(Fault(404, "not_found_error", "container not found"))
    events = run_turn(runner, Followed(model=MODEL), "a")
    assert of_type(events, ContainerReset) == []
    assert len(of_type(events, TurnError)) == 1


def test_output_files_download_concurrently_with_exact_bytes(
    fake_api: FakeAnthropic, runner
) -> None:
    outputs = tuple(
        OutFile(f"table{n}.csv", f"n,sq\n{n},{n * n}\n".encode() * (n + 1), "text/csv")
        for n in range(3)
    )
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "make"}, files=outputs), Text("ok"))))
    fake_api.hold_downloads(3)  # each download waits until all three are in flight
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "make files")
    ready = {e.file.name: e.file for e in of_type(events, OutputFileReady)}
    assert of_type(events, OutputFileFailed) == []
    assert set(ready) == {o.name for o in outputs}
    for out in outputs:
        assert ready[out.name].path.read_bytes() == out.data
        assert fake_api.files[ready[out.name].file_id].data == out.data
    assert fake_api.peak_downloads >= 3
    assert set(conversation.outputs) == {f.file_id for f in ready.values()}


def test_a_failed_download_is_reported_and_the_turn_goes_on(
    fake_api: FakeAnthropic, runner
) -> None:
    outputs = (OutFile("a.csv", b"a\n", "text/csv"), OutFile("b.csv", b"b\n", "text/csv"))
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "x"}, files=outputs), Text("done"))))
    fake_api.inject_fault(Fault(404, "not_found_error", "File gone"), "GET", "/v1/files/")
    events = run_turn(runner, Followed(model=MODEL), "go")
    [failed] = of_type(events, OutputFileFailed)
    [ready] = of_type(events, OutputFileReady)
    [step] = of_type(events, CodeStepFinished)
    assert failed.step_id == step.step_id and "File gone" in failed.message
    assert {failed.file_id, ready.file.file_id} == set(step.result.file_ids)
    assert finished(events).stop_reason == StopReason.END_TURN
    assert streamed_text(events) == "done"


def test_a_passing_download_error_is_retried(fake_api: FakeAnthropic, runner) -> None:
    output = OutFile("a.csv", b"a\n", "text/csv")
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "x"}, files=(output,)), Text("done"))))
    fake_api.inject_fault(Fault(500, "api_error", "storage hiccup"), "GET", "/v1/files/")
    events = run_turn(runner, Followed(model=MODEL), "go")
    assert of_type(events, OutputFileFailed) == []
    [ready] = of_type(events, OutputFileReady)
    assert ready.file.path.read_bytes() == b"a\n"
    file_calls = [r for r in fake_api.requests if r.path.startswith("/v1/files/")]
    assert len(file_calls) == 3  # the failed metadata call, its retry, the content


def paused_turn(call_id: str) -> Turn:
    call = {"type": "server_tool_use", "id": call_id, "name": "bash_code_execution",
            "input": {"command": "python long.py"}}  # fmt: skip
    return Turn((Text("Working on it."), RawBlock(call)), stop_reason="pause_turn")


def resumed_turn(call_id: str) -> Turn:
    result = {"type": "bash_code_execution_tool_result", "tool_use_id": call_id,
              "content": {"type": "bash_code_execution_result", "stdout": "done\n",
                          "stderr": "", "return_code": 0, "content": []}}  # fmt: skip
    return Turn((RawBlock(result), Text("Finished.")))


def test_pause_turn_continues_with_the_partial_answer(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(paused_turn("srvtoolu_p"), resumed_turn("srvtoolu_p"))
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "long job")
    assert of_type(events, Continuing) == [Continuing(1, 5)]
    first, second = fake_api.message_requests()
    partial = second["messages"][-1]
    assert partial["role"] == "assistant"
    assert [b["type"] for b in partial["content"]] == ["text", "server_tool_use"]
    assert without_cache_points(second["messages"][:-1]) == without_cache_points(first["messages"])
    assert second["tools"] == first["tools"] and second["container"] is not None
    [done] = of_type(events, CodeStepFinished)
    assert done.tool == StepTool.BASH and done.index == 2
    assert [c.index for c in of_type(events, BlockCompleted)] == [0, 1, 2, 3]
    assert of_type(events, TextDelta)[-1].index == 3
    end = finished(events)
    assert end.stop_reason == StopReason.END_TURN
    assert list(end.content[:2]) == partial["content"]
    assert text_of(end.content) == "Working on it.Finished."
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"]


def test_pause_turn_stops_at_the_cap_and_says_so(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path, max_continuations=2)
    resumed = resumed_turn("s1")
    fake_api.enqueue(paused_turn("s1"), Turn(resumed.blocks, stop_reason="pause_turn"))
    fake_api.enqueue(Turn((Text(" And more."),), stop_reason="pause_turn"))
    events = run_turn(runner, Followed(model=MODEL), "endless")
    assert of_type(events, Continuing) == [Continuing(1, 2), Continuing(2, 2)]
    assert len(fake_api.message_requests()) == 3
    end = finished(events)
    assert end.stop_reason == StopReason.PAUSE_CAP_REACHED
    assert "2 times" in end.message and "continue" in end.message
    assert of_type(events, TurnError) == []
    assert text_of(end.content) == "Working on it.Finished. And more."


def test_a_truncated_answer_says_why(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((Text("cut"),), stop_reason="max_tokens"))
    end = finished(run_turn(runner, Followed(model=MODEL), "long"))
    assert end.stop_reason == StopReason.MAX_TOKENS and "max_tokens" in end.message


def test_model_list_offers_active_code_execution_models(
    fake_api: FakeAnthropic,
    fake_client: anthropic.Anthropic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    models = runner.list_models()
    assert "claude-sonnet-5" in models and "claude-opus-5" in models
    assert "claude-3-haiku-20240307" not in models  # no code execution
    assert "claude-sonnet-4-20250514" not in models  # deprecated
    fake_api.inject_fault(Fault(500, "api_error", "down"), "GET", "/v1/models")
    assert runner.list_models() == [MODEL]
    # No key at all: the SDK refuses to send (a TypeError), and the default is offered.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    keyless = anthropic.Anthropic(base_url=fake_api.base_url)
    assert make_runner(keyless, tmp_path)[0].list_models() == [MODEL]


def test_an_unknown_model_reports_tokens_without_a_price(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((Text("hi"),), input_tokens=10, output_tokens=5))
    conversation = Followed(model="claude-imaginary-9")
    [usage] = of_type(run_turn(runner, conversation, "hi"), Usage)
    assert usage.cost_usd is None and usage.counts.input == 10
    assert conversation.unpriced_tokens == 15 and conversation.cost_usd == 0
