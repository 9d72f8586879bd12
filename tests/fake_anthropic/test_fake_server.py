"""The fake Anthropic API server, exercised through the real SDK over HTTP."""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pandas as pd
import pytest
from PIL import Image

from fake_anthropic import (
    NO_TURN_LEFT,
    CodeStep,
    Drop,
    FakeAnthropic,
    Fault,
    Hold,
    OutFile,
    RawBlock,
    StreamError,
    Text,
    Thinking,
    Turn,
    sales_chart_png,
    validate_history,
)
from fake_anthropic.prompt_tokens import ANSWER_START_TOKENS, prompt_blocks
from fake_anthropic.recordings import REPO_ROOT

TOOLS = [{"type": "code_execution_20260521", "name": "code_execution"}]
USER = [{"role": "user", "content": "Chart the monthly sales."}]
PNG = sales_chart_png()


def ask(**extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-5",
        "max_tokens": 1024,
        "messages": USER,
        "tools": TOOLS,
        **extra,
    }


def stream_all(client: anthropic.Anthropic, **extra: Any) -> tuple[list[Any], Any]:
    with client.messages.stream(**ask(**extra)) as stream:
        events = list(stream)
        return events, stream.get_final_message()


def raw_sse(
    fake: FakeAnthropic, body: dict[str, Any]
) -> tuple[httpx2.Response, list[tuple[str, dict]]]:
    """The stream as bytes on the wire: (event name, data) pairs."""
    response = httpx2.post(
        f"{fake.base_url}/v1/messages", json={**body, "stream": True}, headers={"x-api-key": "k"}
    )
    events, name = [], None
    for line in response.text.splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return response, events


BASH_WITH_CHART = CodeStep(
    "bash",
    {"command": "python chart.py && cp chart.png data.csv $OUTPUT_DIR/"},
    stdout="saved\n",
    files=(OutFile("chart.png", PNG, "image/png"), OutFile("data.csv", b"a,b\n1,2\n", "text/csv")),
)


# streaming ---------------------------------------------------------------------------------


def test_stream_events_follow_the_api_order_and_shapes(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Running it."), BASH_WITH_CHART, Text("Done."))))
    response, events = raw_sse(fake_api, ask())
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["request-id"].startswith("req_")
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert "ping" in names
    assert all(data["type"] == name for name, data in events)
    starts = {d["index"]: d["content_block"] for n, d in events if n == "content_block_start"}
    assert [b["type"] for b in starts.values()] == [
        "text",
        "server_tool_use",
        "bash_code_execution_tool_result",
        "text",
    ]
    assert starts[1]["input"] == {} and starts[1]["caller"] == {"type": "direct"}
    tool_deltas = [d["delta"] for n, d in events if n == "content_block_delta" and d["index"] == 1]
    assert tool_deltas[0] == {"type": "input_json_delta", "partial_json": ""}
    assert json.loads("".join(d["partial_json"] for d in tool_deltas)) == BASH_WITH_CHART.input
    result_events = [n for n, d in events if d.get("index") == 2]
    assert result_events == ["content_block_start", "content_block_stop"]
    delta = events[-2][1]
    assert delta["delta"]["container"]["id"].startswith("container_")
    # Counted from the request itself (nothing cached: no breakpoint), see test_prompt_cache.py.
    counted = sum(block.tokens for block in prompt_blocks(ask())) + ANSWER_START_TOKENS
    assert delta["usage"]["input_tokens"] == counted and delta["usage"]["output_tokens"] == 300


def test_sdk_stream_gives_text_code_result_and_files(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Running it."), BASH_WITH_CHART, Text("Done."))))
    _, message = stream_all(fake_client)
    assert [b.type for b in message.content] == [
        "text",
        "server_tool_use",
        "bash_code_execution_tool_result",
        "text",
    ]
    call, result = message.content[1], message.content[2]
    assert call.name == "bash_code_execution" and call.input == BASH_WITH_CHART.input
    assert result.tool_use_id == call.id and call.id.startswith("srvtoolu_")
    assert result.content.stdout == "saved\n" and result.content.return_code == 0
    outputs = result.content.content
    assert [o.type for o in outputs] == ["bash_code_execution_output"] * 2
    meta = fake_client.files.retrieve_metadata(outputs[0].file_id)
    assert (meta.filename, meta.mime_type, meta.size_bytes) == ("chart.png", "image/png", len(PNG))
    assert meta.downloadable is True
    download = fake_client.files.download(outputs[1].file_id)
    assert download.read() == b"a,b\n1,2\n"
    assert download.headers["content-type"] == "text/csv"
    assert download.headers["content-disposition"] == "attachment; filename*=utf-8''data.csv"
    assert message.id.startswith("msg_") and message.stop_reason == "end_turn"


def test_thinking_streams_thinking_and_signature(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Thinking("Let me think about the sales data first."), Text("Hi"))))
    events, message = stream_all(fake_client)
    assert {e.type for e in events} >= {"thinking", "signature"}
    assert message.content[0].thinking == "Let me think about the sales data first."
    assert message.content[0].signature == Thinking("x").signature
    assert message.usage.output_tokens_details is not None


def test_python_steps_legacy_and_encrypted(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    out = OutFile("table.csv", b"x\n1\n", "text/csv")
    fake_api.enqueue(
        Turn(
            (
                CodeStep("python", {"code": "print(1)"}, stdout="1\n", files=(out,)),
                CodeStep("python", {"code": "print(2)"}, stdout="2\n", legacy=True),
                CodeStep("python", {"code": "search()"}, stdout="secret", encrypted=True),
            )
        )
    )
    _, message = stream_all(fake_client)
    repl, legacy, encrypted = (message.content[i].content for i in (1, 3, 5))
    assert message.content[0].name == "code_execution"
    assert repl.type == "code_execution_result" and repl.content[0].type == "code_execution_output"
    assert legacy.type == "code_execution_result" and legacy.abort_reason is None
    assert legacy.model_dump().get("abort_reason", "absent") is None
    assert encrypted.type == "encrypted_code_execution_result"
    assert encrypted.encrypted_stdout and encrypted.encrypted_stdout != "secret"


REPLACE = {"command": "str_replace", "path": "a.py", "old_str": "y = 2", "new_str": "y = 3"}
EDITOR_STEPS = (
    CodeStep("text_editor", {"command": "create", "path": "a.py", "file_text": "x = 1\ny = 2\n"}),
    CodeStep("text_editor", {"command": "view", "path": "a.py"}),
    CodeStep("text_editor", REPLACE),
    CodeStep(
        "text_editor",
        {"command": "view", "path": "b.py"},
        error_code="file_not_found",
        error_message="No such file",
    ),
    CodeStep("bash", {"command": "sleep 999"}, error_code="execution_time_exceeded"),
)


def test_text_editor_results_and_tool_errors(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn(EDITOR_STEPS))
    _, message = stream_all(fake_client)
    create, view, replace, missing, timeout = (message.content[i].content for i in (1, 3, 5, 7, 9))
    assert (
        create.type == "text_editor_code_execution_create_result" and create.is_file_update is False
    )
    assert view.type == "text_editor_code_execution_view_result"
    assert (view.content, view.file_type, view.num_lines) == ("x = 1\ny = 2\n", "text", 2)
    assert replace.type == "text_editor_code_execution_str_replace_result"
    assert (replace.old_start, replace.lines) == (2, ["-y = 2", "+y = 3"])
    assert missing.type == "text_editor_code_execution_tool_result_error"
    assert (missing.error_code, missing.error_message) == ("file_not_found", "No such file")
    assert timeout.type == "bash_code_execution_tool_result_error"
    assert timeout.error_code == "execution_time_exceeded"


@pytest.mark.parametrize("stop_reason", ["end_turn", "pause_turn", "max_tokens"])
def test_stop_reasons(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic, stop_reason: str
) -> None:
    fake_api.enqueue(Turn((Text("partial"),), stop_reason=stop_reason))
    _, message = stream_all(fake_client)
    assert message.stop_reason == stop_reason


def test_raw_blocks_pass_through(fake_client: anthropic.Anthropic, fake_api: FakeAnthropic) -> None:
    call = {
        "type": "server_tool_use",
        "id": "srvtoolu_01X",
        "name": "web_search",
        "input": {"query": "q"},
    }
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01X", "content": []}
    fake_api.enqueue(
        Turn((RawBlock(call), RawBlock(result), RawBlock(call)), stop_reason="pause_turn")
    )
    _, message = stream_all(fake_client)
    assert [b.type for b in message.content] == [
        "server_tool_use",
        "web_search_tool_result",
        "server_tool_use",
    ]
    assert message.content[0].input == {"query": "q"}
    assert message.usage.server_tool_use.web_search_requests == 2


# non-streaming and containers ----------------------------------------------------------------


def test_non_streaming_message_has_container(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Sure."), BASH_WITH_CHART, Text("Done."))))
    message = fake_client.messages.create(**ask())
    assert [b.type for b in message.content][:3] == [
        "text",
        "server_tool_use",
        "bash_code_execution_tool_result",
    ]
    assert message.content[1].caller is None  # non-streaming answers omit it, as recorded
    assert message.container is not None and message.container.id in fake_api.containers
    assert message.usage.server_tool_use is not None


def test_container_ids_are_reused_created_or_scripted(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("a"),)), Turn((Text("b"),)), Turn((Text("c"),)))
    first = fake_client.messages.create(**ask())
    again = fake_client.messages.create(**ask(container=first.container.id))
    unknown = fake_client.messages.create(**ask(container="container_never_seen"))
    assert again.container.id == first.container.id
    assert unknown.container.id == "container_never_seen"
    fake_api.enqueue(Turn((Text("d"),), container_id="container_scripted"))
    scripted = fake_client.messages.create(**ask(container=first.container.id))
    assert scripted.container.id == "container_scripted"
    assert set(fake_api.containers) == {
        first.container.id,
        "container_never_seen",
        "container_scripted",
    }


def test_container_as_object_is_rejected_like_the_api(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("kept for the next request"),)))
    with pytest.raises(anthropic.BadRequestError) as caught:
        fake_client.messages.create(**ask(container={"id": "container_x"}))
    assert caught.value.body["error"] == {
        "type": "invalid_request_error",
        "message": "container: Input should be a valid string",
    }
    assert fake_api.pending == 1  # refused requests take no scripted step
    skills = {
        "id": None,
        "skills": [{"type": "anthropic", "skill_id": "xlsx", "version": "latest"}],
    }
    message = fake_client.messages.create(**ask(container=skills))
    assert message.container.skills[0].skill_id == "xlsx"


def test_no_container_without_code_execution(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("plain"),)))
    message = fake_client.messages.create(model="claude-sonnet-5", max_tokens=10, messages=USER)
    assert message.container is None


def test_empty_queue_answers_500(fake_client: anthropic.Anthropic, fake_api: FakeAnthropic) -> None:
    with pytest.raises(anthropic.InternalServerError) as caught:
        fake_client.messages.create(**ask())
    assert caught.value.body["error"] == {"type": "api_error", "message": NO_TURN_LEFT}
    assert caught.value.request_id.startswith("req_")


# faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "exception"),
    [
        (Fault(400, "invalid_request_error", "bad"), anthropic.BadRequestError),
        (Fault(401, "authentication_error", "invalid x-api-key"), anthropic.AuthenticationError),
        (Fault(404, "not_found_error", "container: not found"), anthropic.NotFoundError),
        (Fault(429, "rate_limit_error", "slow down", retry_after=7), anthropic.RateLimitError),
        (Fault(500, "api_error", "Internal server error"), anthropic.InternalServerError),
        (Fault(529, "overloaded_error", "Overloaded"), anthropic.OverloadedError),
    ],
)
def test_faults_answer_in_the_api_error_shape(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic, fault: Fault, exception: type
) -> None:
    fake_api.enqueue(fault)
    with pytest.raises(exception) as caught:
        stream_all(fake_client)
    error = caught.value
    assert error.status_code == fault.status
    assert error.body == {
        "type": "error",
        "error": {"type": fault.error_type, "message": fault.message},
        "request_id": error.request_id,
    }
    assert error.response.headers["request-id"] == error.request_id
    if fault.retry_after is not None:
        assert error.response.headers["retry-after"] == "7"


def test_fault_error_code_goes_to_details(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(
        Fault(429, "rate_limit_error", "spend limit", error_code="enforced_spend_limit_reached")
    )
    with pytest.raises(anthropic.RateLimitError) as caught:
        fake_client.messages.create(**ask())
    assert caught.value.body["error"]["details"] == {"error_code": "enforced_spend_limit_reached"}
    assert "retry-after" not in caught.value.response.headers


def test_sdk_retries_consume_queued_faults(fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(
        Fault(529, "overloaded_error", "Overloaded", retry_after=0.01), Turn((Text("ok"),))
    )
    client = anthropic.Anthropic(api_key="k", base_url=fake_api.base_url, max_retries=1)
    assert client.messages.create(**ask()).content[0].text == "ok"
    assert len(fake_api.message_requests()) == 2


def test_stream_error_mid_stream(fake_client: anthropic.Anthropic, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(
        Turn((Text("Half an answer"), StreamError("overloaded_error", "Overloaded"), Text("never")))
    )
    seen: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        fake_client.messages.stream(**ask()) as s,
    ):
        seen.extend(s.text_stream)
    assert "".join(seen) == "Half an answer"
    assert caught.value.status_code == 200 and caught.value.type == "overloaded_error"


def test_stream_error_without_streaming_is_the_status(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("x"), StreamError())))
    with pytest.raises(anthropic.OverloadedError):
        fake_client.messages.create(**ask())


def test_drop_cuts_the_connection(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Some text"), Drop())), Turn((Drop(),)), Turn((Text("fine"),)))
    seen: list[str] = []
    # The SDK does not wrap transport errors met while iterating a stream.
    with pytest.raises(httpx2.RemoteProtocolError), fake_client.messages.stream(**ask()) as s:
        seen.extend(s.text_stream)
    assert "".join(seen) == "Some text"
    with pytest.raises(anthropic.APIConnectionError):
        fake_client.messages.create(**ask())
    assert fake_client.messages.create(**ask()).content[0].text == "fine"
    assert [r.extra.get("dropped") for r in fake_api.requests] == [True, True, None]


def test_wrong_api_key_is_refused(fake_api: FakeAnthropic) -> None:
    with FakeAnthropic(api_key="right") as fake:
        fake.enqueue(Turn((Text("x"),)))
        with pytest.raises(anthropic.AuthenticationError):
            anthropic.Anthropic(
                api_key="wrong", base_url=fake.base_url, max_retries=0
            ).messages.create(**ask())
        good = anthropic.Anthropic(api_key="right", base_url=fake.base_url, max_retries=0)
        assert good.messages.create(**ask()).content[0].text == "x"


# holds -----------------------------------------------------------------------------------------


def stream_in_thread(
    client: anthropic.Anthropic, **extra: Any
) -> tuple[threading.Thread, queue.Queue[Any]]:
    """Events go to a queue as they arrive; the final message (or the error) comes last."""
    out: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            with client.messages.stream(**ask(**extra)) as stream:
                for event in stream:
                    out.put(event)
                out.put(stream.get_final_message())
        except Exception as exc:
            out.put(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def events_until(out: queue.Queue[Any], predicate: Any) -> list[Any]:
    seen = []
    while True:
        item = out.get(timeout=10)
        seen.append(item)
        if predicate(item):
            return seen


def test_hold_stops_the_stream_until_released(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    step = CodeStep(
        "bash", {"command": "sleep 5"}, stdout="done\n", hold="running", files=BASH_WITH_CHART.files
    )
    fake_api.enqueue(Turn((Text("Starting"), step, Hold("before-end"), Text("Finished"))))
    thread, out = stream_in_thread(fake_client)
    assert fake_api.wait_held("running")
    seen = events_until(
        out, lambda e: e.type == "content_block_stop" and e.content_block.type == "server_tool_use"
    )
    assert seen[-1].content_block.input == {"command": "sleep 5"}
    assert out.empty() and thread.is_alive()
    files_before = set(fake_api.files)
    # other requests are served while the stream is held
    fake_api.enqueue(Turn((Text("other"),)))
    assert fake_client.messages.create(**ask()).content[0].text == "other"
    fake_api.release("running")
    assert fake_api.wait_held("before-end")
    events_until(out, lambda e: e.type == "content_block_stop" and e.index == 2)
    assert len(set(fake_api.files) - files_before) == 2  # outputs exist once the step finished
    fake_api.release("before-end")
    thread.join(10)
    final = events_until(
        out, lambda e: not hasattr(e, "index") and getattr(e, "type", "") == "message"
    )
    assert final[-1].content[-1].text == "Finished"


def test_release_before_the_gate_lets_it_pass(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.release("early")
    fake_api.enqueue(Turn((Hold("early"), Text("through"))))
    assert stream_all(fake_client)[1].content[0].text == "through"


def test_client_leaving_a_held_stream_is_noticed(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(
        Turn((CodeStep("bash", {"command": "sleep 60"}, hold="slow"), Text("never sent")))
    )
    with fake_client.messages.stream(**ask()) as stream:
        for event in stream:
            if event.type == "content_block_stop":
                assert fake_api.wait_held("slow")
                break  # leaving the block closes the stream, as a Stop button would
    assert fake_api.disconnected("slow", timeout=10)
    record = fake_api.requests[-1]
    assert record.extra["disconnected_at"] == "slow"
    fake_api.enqueue(Turn((Text("still serving"),)))
    assert fake_client.messages.create(**ask()).content[0].text == "still serving"
    assert fake_api.server_errors == []


def test_two_held_streams_at_once(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Hold("a"), Text("A"))), Turn((Hold("b"), Text("B"))))
    first, out_a = stream_in_thread(fake_client)
    assert fake_api.wait_held("a")
    second, out_b = stream_in_thread(fake_client)
    assert fake_api.wait_held("b")
    fake_api.release("b")
    second.join(10)
    fake_api.release("a")
    first.join(10)
    texts = [
        events_until(out, lambda e: getattr(e, "type", "") == "message")[-1].content[0].text
        for out in (out_a, out_b)
    ]
    assert texts == ["A", "B"]


# downloads -------------------------------------------------------------------------------------


def test_hold_downloads_proves_concurrency(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    ids = [fake_api.add_file(f"f{i}.bin", bytes([i]) * 10) for i in range(3)]
    fake_api.hold_downloads(3)
    results: dict[str, bytes] = {}
    threads = [
        threading.Thread(
            target=lambda i=i: results.__setitem__(i, fake_client.files.download(i).read())
        )
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert results == {fid: bytes([n]) * 10 for n, fid in enumerate(ids)}
    assert fake_api.peak_downloads >= 3
    assert fake_client.files.download(ids[0]).read() == bytes([0]) * 10  # the hold is used up


def test_hold_downloads_fails_a_sequential_client(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    file_id = fake_api.add_file("one.bin", b"1")
    fake_api.hold_downloads(2, timeout=0.3)
    with pytest.raises(anthropic.InternalServerError, match="not concurrent"):
        fake_client.files.download(file_id)


# files -----------------------------------------------------------------------------------------


def test_upload_keeps_the_last_path_component(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    meta = fake_client.files.upload(file=("reports/2026/sales.csv", b"m,s\n1,2\n", "text/csv"))
    assert (meta.filename, meta.mime_type, meta.size_bytes, meta.downloadable) == (
        "sales.csv",
        "text/csv",
        8,
        False,
    )
    assert meta.id.startswith("file_") and meta.expires_at is None
    assert fake_api.files[meta.id].data == b"m,s\n1,2\n"
    record = fake_api.requests[-1]
    assert record.body["file"] == {
        "filename": "reports/2026/sales.csv",
        "content_type": "text/csv",
        "size": 8,
    }
    unnamed = fake_client.files.upload(file=("", b"{}", "application/json"))
    assert unnamed.filename == "unnamed.json"
    expiring = fake_client.files.upload(file=("a.txt", b"a", "text/plain"), expires_in_seconds=3600)
    assert expiring.expires_at is not None
    with pytest.raises(anthropic.BadRequestError):
        fake_client.files.upload(file=("a.txt", b"a", "text/plain"), expires_in_seconds=5)


def test_upload_refuses_names_the_files_api_refuses(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    for name in ("a" * 256 + ".csv", "report?.csv", "a|b.txt", "x<y>.txt", "ti:me.csv"):
        with pytest.raises(anthropic.BadRequestError, match="filename"):
            fake_client.files.upload(file=(name, b"x", "text/plain"))
    assert fake_api.files == {}
    longest = fake_client.files.upload(file=("dir/" + "a" * 251 + ".csv", b"x", "text/csv"))
    assert len(longest.filename) == 255  # the limit counts the name, not its path


def test_file_list_pages_like_sdk_2_10(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    ids = [fake_client.files.upload(file=(f"{i}.txt", b"x", "text/plain")).id for i in range(5)]
    page = fake_client.files.list(limit=2)
    assert [f.id for f in page.data] == ids[::-1][:2] and page.next_page.startswith("page_")
    assert [f.id for f in page] == ids[::-1]  # auto-pagination follows next_page
    last = fake_client.files.list(limit=2, page=page.next_page).get_next_page()
    assert [f.id for f in last.data] == [ids[0]] and last.next_page is None
    chosen = fake_client.files.list(ids=[ids[1], ids[3], "file_missing"])
    assert {f.id for f in chosen.data} == {ids[1], ids[3]} and chosen.next_page is None
    for bad in ({"limit": 0}, {"limit": 1001}, {"page": "not-a-cursor"}):
        with pytest.raises(anthropic.BadRequestError):
            fake_client.files.list(**bad)


def test_file_metadata_download_and_delete_errors(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    uploaded = fake_client.files.upload(file=("in.csv", b"a\n", "text/csv"))
    with pytest.raises(anthropic.BadRequestError) as not_downloadable:
        fake_client.files.download(uploaded.id)
    assert not_downloadable.value.body["error"] == {
        "type": "invalid_request_error",
        "message": f"File '{uploaded.id}' is not downloadable",
    }
    assert fake_client.files.delete(uploaded.id).type == "file_deleted"
    for call in (
        fake_client.files.retrieve_metadata,
        fake_client.files.download,
        fake_client.files.delete,
    ):
        with pytest.raises(anthropic.NotFoundError) as missing:
            call(uploaded.id)
        assert missing.value.body["error"]["message"] == f"File `{uploaded.id}` not found."


def test_inject_fault_on_a_files_endpoint(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    file_id = fake_api.add_file("out.png", PNG, "image/png")
    fake_api.inject_fault(Fault(500, "api_error", "Internal server error"), "GET", "/v1/files/")
    with pytest.raises(anthropic.InternalServerError):
        fake_client.files.download(file_id)
    assert fake_client.files.download(file_id).read() == PNG


# models ----------------------------------------------------------------------------------------


def test_models_list_paginates_and_filters(fake_client: anthropic.Anthropic) -> None:
    listed = list(fake_client.models.list(limit=2))
    ids = [m.id for m in listed]
    assert ids[:2] == ["claude-opus-5", "claude-sonnet-5"]
    assert "claude-opus-4-1-20250805" not in ids  # retired only when asked for
    lifecycles = {m.id: m.lifecycle for m in listed}
    assert "deprecated" in lifecycles.values()
    usable = [
        m.id
        for m in listed
        if m.lifecycle == "active" and m.capabilities.server_tools.code_execution.supported
    ]
    assert "claude-sonnet-5" in usable and "claude-3-haiku-20240307" in ids
    assert "claude-3-haiku-20240307" not in usable
    retired = fake_client.models.list(lifecycle=["retired"]).data
    assert [m.id for m in retired] == ["claude-opus-4-1-20250805"]
    sonnet = fake_client.models.retrieve("claude-sonnet-5")
    assert sonnet.capabilities.thinking.types.enabled.supported is False
    with pytest.raises(anthropic.NotFoundError):
        fake_client.models.retrieve("claude-unknown")


# recording and validation ----------------------------------------------------------------------


def test_requests_are_recorded(fake_client: anthropic.Anthropic, fake_api: FakeAnthropic) -> None:
    file_id = fake_client.files.upload(file=("data.csv", b"a\n", "text/csv")).id
    fake_api.enqueue(Turn((Text("ok"),)))
    content = [
        {"type": "container_upload", "file_id": file_id},
        {"type": "text", "text": "Read it"},
    ]
    fake_client.messages.create(
        **ask(messages=[{"role": "user", "content": content}], container="container_abc")
    )
    fake_client.files.list(limit=3)
    upload, message, listing = fake_api.requests
    assert (upload.method, upload.path) == ("POST", "/v1/files")
    assert message.headers["authorization"] == "Bearer test-key"  # how SDK 2.10 sends the key
    assert message.body["container"] == "container_abc"
    assert message.body["tools"][0]["type"] == "code_execution_20260521"
    assert message.body["messages"][0]["content"][0] == {
        "type": "container_upload",
        "file_id": file_id,
    }
    assert fake_api.message_requests() == [message.body]
    assert (listing.method, listing.path, listing.query) == ("GET", "/v1/files", "limit=3")
    assert json.loads(message.raw) == message.body


def test_history_validator_refuses_with_its_message(
    fake_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.history_validator = lambda body: (
        "messages: too short" if len(body["messages"]) < 2 else None
    )
    fake_api.enqueue(Turn((Text("ok"),)))
    with pytest.raises(anthropic.BadRequestError) as caught:
        fake_client.messages.create(**ask())
    assert caught.value.body["error"] == {
        "type": "invalid_request_error",
        "message": "messages: too short",
    }
    history = [*USER, {"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Again"}]
    assert fake_client.messages.create(**ask(messages=history)).content[0].text == "ok"


def _assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


CALL = {
    "type": "server_tool_use",
    "id": "srvtoolu_1",
    "name": "bash_code_execution",
    "input": {"command": "ls"},
}
RESULT = {
    "type": "bash_code_execution_tool_result",
    "tool_use_id": "srvtoolu_1",
    "content": {
        "type": "bash_code_execution_result",
        "stdout": "",
        "stderr": "",
        "return_code": 0,
        "content": [],
    },
}
NEXT = {"role": "user", "content": "next"}


@pytest.mark.parametrize(
    ("messages", "container", "problem"),
    [
        ([*USER, _assistant(CALL, RESULT), NEXT], "container_1", None),
        (
            [*USER, _assistant({"type": "text", "text": "a"}, CALL)],
            None,
            None,
        ),  # pause_turn continuation
        ([*USER, _assistant(CALL), NEXT], None, "without a corresponding result block"),
        (
            [*USER, _assistant(CALL, {"type": "text", "text": "x"})],
            None,
            "without a corresponding result",
        ),
        ([*USER, _assistant(RESULT)], None, "unexpected `tool_use_id`"),
        (
            [_assistant({"type": "text", "text": "a"})],
            None,
            'first message must use the "user" role',
        ),
        ([*USER, NEXT], None, 'multiple "user" roles'),
        ([*USER, {"role": "assistant", "content": []}, NEXT], None, "non-empty content"),
        ([{"role": "user", "content": [{"type": "text", "text": ""}]}], None, "must be non-empty"),
        (
            [*USER, _assistant({"type": "text", "text": "\n\n"}, CALL, RESULT), NEXT],
            None,
            "non-whitespace text",
        ),
        (
            [*USER, _assistant({"type": "thinking", "thinking": "t"}), NEXT],
            None,
            "signature: Field required",
        ),
        (USER, {"id": "container_1"}, "container: Input should be a valid string"),
        ([], None, "at least one message"),
    ],
)
def test_validate_history(messages: list[Any], container: Any, problem: str | None) -> None:
    body = {"model": "m", "messages": messages, **({"container": container} if container else {})}
    found = validate_history(body)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


# demo and acceptance ---------------------------------------------------------------------------


SALES_PROMPT = "Chart Jan: $12.4K, Feb: $15.1K, Mar: $13.9K, Apr: $17.8K, May: $19.25K, Jun: 21.6K"


def test_demo_turns_run_through_the_sdk() -> None:
    with FakeAnthropic(demo=True) as fake:
        client = anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        sales = [{"role": "user", "content": SALES_PROMPT}]
        _, first = stream_all(client, messages=sales)
        second = client.messages.create(
            **ask(
                messages=[
                    *sales,
                    {"role": "assistant", "content": first.content},
                    {"role": "user", "content": f"again: {SALES_PROMPT}"},
                ]
            )
        )
        kinds = [b.type for b in first.content]
        assert kinds == [
            "thinking",
            "text",
            "server_tool_use",
            "code_execution_tool_result",
            "text",
        ]
        assert second.content[2].name == "bash_code_execution"
        outputs = first.content[3].content.content
        png = client.files.download(outputs[0].file_id).read()
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size[0] > 100
        csv = client.files.download(outputs[1].file_id).read().decode()
        assert csv.splitlines()[0] == "month,sales" and len(csv.splitlines()) == 7
        assert "month" in first.content[3].content.stdout


def test_the_demo_summarises_each_attached_table_with_pandas() -> None:
    """Two different CSVs: the printed summary is what pandas computes for each."""
    tables = {
        "sales.csv": b"month,sales\nJan,50\nFeb,65\nMar,45\n",
        "people.csv": b"name,age,plan\nAda,36,pro\nBo,41,free\nCy,29,pro\nDi,52,team\n",
    }
    with FakeAnthropic(demo=True) as fake:
        client = anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        for name, data in tables.items():
            uploaded = client.files.upload(file=(name, data, "text/csv"))
            attach = [{"type": "container_upload", "file_id": uploaded.id}]
            content = [*attach, {"type": "text", "text": "Mean of each column?"}]
            _, message = stream_all(client, messages=[{"role": "user", "content": content}])
            [result] = [b for b in message.content if b.type == "code_execution_tool_result"]
            frame = pd.read_csv(io.BytesIO(data))
            expected = frame.describe(include="all").to_string()
            assert expected in result.content.stdout
            assert f"{len(frame)} rows x {len(frame.columns)} columns" in result.content.stdout
            assert "demo server" in message.content[0].text


def test_the_demo_says_what_it_can_do_when_asked_anything_else() -> None:
    with FakeAnthropic(demo=True) as fake:
        client = anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        raw = client.models.with_raw_response.list()
        assert raw.headers.get("x-demo-server")  # what the app reads to say "demo"
        _, message = stream_all(client, messages=[{"role": "user", "content": "Tell a joke"}])
        [text] = message.content
        assert "demo server" in text.text and "API key" in text.text


def test_command_line_demo_server() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_anthropic", "--port", "0", "--demo", "--event-delay", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        client = anthropic.Anthropic(api_key="k", base_url=base_url, max_retries=0)
        assert stream_all(client)[1].content[-1].type == "text"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def env_client(
    fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> Iterator[anthropic.Anthropic]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    client = anthropic.Anthropic()  # configured only by the environment
    yield client
    client.close()


def test_acceptance_stream_a_code_step_and_download_the_png(
    env_client: anthropic.Anthropic, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Here is the chart."), BASH_WITH_CHART, Text("Done."))))
    with env_client.messages.stream(**ask()) as stream:
        message = stream.get_final_message()
    file_id = message.content[2].content.content[0].file_id
    assert env_client.files.download(file_id).read() == PNG
    assert fake_api.requests[0].headers["authorization"] == "Bearer env-key"


def test_the_demo_charts_the_numbers_the_prompt_gives() -> None:
    from fake_anthropic.demo import demo_turn, series_from_prompt

    prompt = "Trend of monthly sales: January: $50K, February: $65K, March: $45K, May: 1.5M?"
    assert series_from_prompt(prompt) == (
        ("Jan", 50_000),
        ("Feb", 65_000),
        ("Mar", 45_000),
        ("May", 1_500_000),
    )
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]}
    turn = demo_turn(body)
    [step] = [b for b in turn.blocks if isinstance(b, CodeStep)]
    assert "65000" in step.stdout and b"Mar,45000" in step.files[1].data
    assert "1,500,000" in turn.blocks[-1].text
    assert series_from_prompt("no numbers in May") == series_from_prompt("")


def test_a_text_block_with_a_key_the_api_lacks_is_refused(fake_api, fake_client) -> None:
    """The app's stored note mark must never reach the API: the fake refuses it as the API
    refuses any undefined key."""
    block = {"type": "text", "text": "<app_note>x</app_note>", "app_note": True}
    with pytest.raises(anthropic.BadRequestError, match="Extra inputs are not permitted"):
        fake_client.messages.create(
            model="claude-sonnet-5",
            max_tokens=100,
            messages=[{"role": "user", "content": [block]}],
        )
