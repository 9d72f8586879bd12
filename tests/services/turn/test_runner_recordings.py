"""Every real recording replayed through the runner, byte for byte.

An httpx2.MockTransport serves the recorded answers to the runner's own requests, in
order: `/v1/messages` gets the recorded event stream (a recorded non-streaming Message is
sent as the equivalent stream, each block whole in its content_block_start), the Files
API gets the recorded uploads, metadata and downloads. What the runner must show (text,
stdout, file ids, block types, stop reason, container) is read from the recording itself.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from fake_anthropic.recordings import (
    Interaction,
    find_recordings_dir,
    load_cassette,
    sse_events,
    sse_from_chunks,
)
from services.conversation import Attachment
from services.files.blobs import BlobStore
from services.files.outputs import OutputFetcher
from services.turn.endings import stop_reason_of
from services.turn.events import (
    CodeStepFinished,
    Continuing,
    ErrorKind,
    ExecutionResult,
    OutputFileFailed,
    OutputFileReady,
    StopReason,
    ToolError,
    TurnError,
    TurnEvent,
    UnsupportedBlock,
    WebSearchResult,
)
from tests.support.runner import (
    Followed,
    finished,
    make_runner,
    of_type,
    run_turn,
    streamed_text,
    text_of,
)

RESULT_TYPES = ("bash_code_execution_tool_result", "code_execution_tool_result")
RECORDINGS = find_recordings_dir()
# Without the folder, one placeholder case lets the `recordings_dir` fixture skip (or, under
# CI=true, fail) with its reason.
NAMES = sorted(
    p.name for p in (RECORDINGS.iterdir() if RECORDINGS else []) if p.suffix in (".yaml", ".yml")
) + sorted(p.name for p in (RECORDINGS.glob("*.chunks.txt") if RECORDINGS else [])) or ["none"]


# --- the replay ----------------------------------------------------------------------------


def sse_from_message(message: dict[str, Any]) -> bytes:
    """A non-streaming Message as the stream that would have carried it."""
    start = {k: v for k, v in message.items() if k not in ("container", "content")}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {**start, "content": [], "stop_reason": None}}
    ]
    for index, block in enumerate(message.get("content") or []):
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        events.append({"type": "content_block_stop", "index": index})
    delta = {"stop_reason": message.get("stop_reason"), "stop_sequence": None}
    if message.get("container"):
        delta["container"] = message["container"]
    events.append({"type": "message_delta", "delta": delta, "usage": message.get("usage") or {}})
    events.append({"type": "message_stop"})
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def stream_body(recorded: Interaction) -> bytes:
    body = recorded.body.lstrip()
    return body if body.startswith(b"event:") else sse_from_message(recorded.json())


class Replay:
    """Answers the runner with the recording; keeps the message bodies the runner sent."""

    def __init__(self, interactions: list[Interaction]) -> None:
        self.messages = deque(i for i in interactions if i.path == "/v1/messages")
        self.uploads = deque(i for i in interactions if (i.method, i.path) == ("POST", "/v1/files"))
        self.other = {(i.method, i.path): i for i in interactions if i.method == "GET"}
        self.sent: list[dict[str, Any]] = []
        self.followed: Followed | None = None  # the conversation the replay ran

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        route = (request.method, request.url.path)
        if route == ("POST", "/v1/messages"):
            self.sent.append(json.loads(request.content))
            recorded = self.messages.popleft()
            if recorded.status != 200:
                return self.json_answer(recorded)
            headers = {"content-type": "text/event-stream"}
            return httpx2.Response(200, content=stream_body(recorded), headers=headers)
        if route == ("POST", "/v1/files"):
            return self.json_answer(self.uploads.popleft())
        if route in self.other:
            recorded = self.other[route]
            if route[1].endswith("/content") and recorded.status == 200:
                return httpx2.Response(200, content=recorded.body)
            return self.json_answer(recorded)
        missing = {"type": "error", "error": {"type": "not_found_error", "message": "not recorded"}}
        return httpx2.Response(404, json=missing)

    @staticmethod
    def json_answer(recorded: Interaction) -> httpx2.Response:
        headers = {"content-type": "application/json"}
        return httpx2.Response(recorded.status, content=recorded.body, headers=headers)

    def client(self) -> anthropic.Anthropic:
        transport = httpx2.MockTransport(self.handle)
        return anthropic.Anthropic(
            api_key="test-key",
            base_url="https://api.anthropic.com",
            http_client=httpx2.Client(transport=transport),
            max_retries=0,
        )


# --- what the recording says -------------------------------------------------------------


def recorded_events(recorded: Interaction) -> list[dict[str, Any]]:
    return sse_events(stream_body(recorded))


def recorded_blocks(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["content_block"] for e in events if e["type"] == "content_block_start"]


def inner_type(block: dict[str, Any]) -> str | None:
    content = block.get("content")
    return content.get("type") if isinstance(content, dict) else None


def recorded_text(events: list[dict[str, Any]]) -> str:
    pieces = []
    for event in events:
        if event["type"] == "content_block_start" and event["content_block"]["type"] == "text":
            pieces.append(event["content_block"].get("text") or "")
        elif event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
            pieces.append(event["delta"]["text"])
    return "".join(pieces)


def recorded_stop(events: list[dict[str, Any]]) -> tuple[str | None, dict[str, Any] | None]:
    deltas = [e["delta"] for e in events if e["type"] == "message_delta"]
    return deltas[-1].get("stop_reason"), deltas[-1].get("container")


def user_turns(cassette: list[Interaction]) -> list[Interaction]:
    """Requests that start a turn (the others continue a paused one)."""
    return [
        i
        for i in cassette
        if i.path == "/v1/messages" and isinstance(i.request, dict)
        and i.request["messages"][-1]["role"] == "user"
    ]  # fmt: skip


def turn_text(request: dict[str, Any]) -> str:
    content = request["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(b["text"] for b in content if b.get("type") == "text")


def attachments_for(request: dict[str, Any], cassette: list[Interaction]) -> list[Attachment]:
    """The recorded upload behind each file the turn's message referred to."""
    content = request["messages"][-1]["content"]
    wanted = {
        b.get("file_id") or (b.get("source") or {}).get("file_id")
        for b in (content if isinstance(content, list) else [])
    }
    found = []
    for upload in (i for i in cassette if (i.method, i.path) == ("POST", "/v1/files")):
        meta = upload.json()
        if meta["id"] in wanted:
            found.append(
                Attachment(meta["filename"], multipart_data(upload.request), meta["mime_type"])
            )
    return found


def multipart_data(body: Any) -> bytes:
    raw = body.encode() if isinstance(body, str) else body
    if not isinstance(raw, bytes):
        return b"(bytes not recorded)"
    match = re.search(rb"\r?\n\r?\n(.*)\r?\n--", raw, re.DOTALL)
    return match.group(1) if match else raw


# --- the tests ------------------------------------------------------------------------------


def replay_turns(name: str, tmp_path: Path) -> tuple[Replay, list[tuple[Any, list[TurnEvent]]]]:
    assert RECORDINGS is not None
    path = RECORDINGS / name
    if name.endswith(".chunks.txt"):
        body = sse_from_chunks(path)
        cassette = [Interaction("POST", "/v1/messages", {"messages": [
            {"role": "user", "content": "Replay this recording."}]}, 200, {}, body)]  # fmt: skip
    else:
        cassette = load_cassette(path)
    replay = Replay(cassette)
    replay.followed = conversation = Followed(model="claude-sonnet-5")
    runner, _ = make_runner(replay.client(), tmp_path)
    turns = []
    for request in user_turns(cassette):
        attachments = attachments_for(request.request, cassette)
        turns.append(
            (request, run_turn(runner, conversation, turn_text(request.request), attachments))
        )
    return replay, turns


def check_answer(events: list[TurnEvent], responses: list[list[dict[str, Any]]]) -> None:
    """The turn shows and records exactly what the recorded responses hold."""
    blocks = [b for r in responses for b in recorded_blocks(r)]
    end = finished(events)
    assert [b["type"] for b in end.content] == [b["type"] for b in blocks]
    assert [b.get("id") for b in end.content] == [b.get("id") for b in blocks]
    text = "".join(recorded_text(r) for r in responses)
    assert streamed_text(events) == text and text_of(end.content) == text
    results = [b for b in blocks if b["type"] in RESULT_TYPES]
    executions = [e.result for e in of_type(events, CodeStepFinished)
                  if isinstance(e.result, ExecutionResult)]  # fmt: skip
    assert [r.stdout for r in executions] == [b["content"].get("stdout", "") for b in results]
    recorded_ids = [tuple(o["file_id"] for o in b["content"].get("content") or []) for b in results]
    assert [r.file_ids for r in executions] == recorded_ids
    errors = [b for b in blocks if str(inner_type(b)).endswith("_tool_result_error")]
    tool_errors = [e.result for e in of_type(events, CodeStepFinished)
                   if isinstance(e.result, ToolError)]  # fmt: skip
    assert [t.error_code for t in tool_errors] == [b["content"]["error_code"] for b in errors]
    assert of_type(events, UnsupportedBlock) == []  # web search steps are steps too
    searches = [b for b in blocks if b["type"] == "web_search_tool_result"]
    hits = [e.result for e in of_type(events, CodeStepFinished)
            if isinstance(e.result, WebSearchResult)]  # fmt: skip
    assert [[h.url for h in r.hits] for r in hits] == [
        [h["url"] for h in b["content"]] for b in searches
    ]
    stop, _ = recorded_stop(responses[-1])
    assert end.stop_reason == stop_reason_of(stop)


@pytest.mark.parametrize("name", NAMES)
def test_recording_replays_through_the_runner(
    name: str, tmp_path: Path, recordings_dir: Path
) -> None:
    replay, turns = replay_turns(name, tmp_path)
    sent_index = 0
    previous_content: tuple[dict[str, Any], ...] | None = None
    previous_container = None
    for request, events in turns:
        answer = replay.sent[sent_index]
        if previous_content is not None:  # the history goes back exactly as it came
            assistant = [m for m in answer["messages"] if m["role"] == "assistant"][-1]
            assert json.dumps(assistant["content"]) == json.dumps(list(previous_content))
            assert answer.get("container") == previous_container
        continuations = of_type(events, Continuing)
        count = 1 + len(continuations)
        sent_index += count
        errors = of_type(events, TurnError)
        if errors:
            check_refusal(name, errors, events)
            previous_content = None
            continue
        responses = recorded_responses(name, request, count)
        check_answer(events, responses)
        check_files(events)
        end = finished(events)
        previous_content = end.content
        _, container = recorded_stop(responses[-1])
        previous_container = container["id"] if container else previous_container
    assert sent_index == len(replay.sent)


def recorded_responses(name: str, request: Any, count: int) -> list[list[dict[str, Any]]]:
    assert RECORDINGS is not None
    if name.endswith(".chunks.txt"):
        return [sse_events(sse_from_chunks(RECORDINGS / name))]
    cassette = [i for i in load_cassette(RECORDINGS / name) if i.path == "/v1/messages"]
    start = next(n for n, i in enumerate(cassette) if i.request == request.request)
    return [recorded_events(i) for i in cassette[start : start + count]]


def check_refusal(name: str, errors: list[TurnError], events: list[TurnEvent]) -> None:
    """Only the recorded 400 ends a turn with an error: its message is shown, as a 400."""
    assert name == "container_as_object_rejected_400.yaml"
    [error] = errors
    assert error.kind == ErrorKind.BAD_REQUEST
    assert "container: Input should be a valid string" in error.message
    assert finished(events).stop_reason == StopReason.FAILED


def check_files(events: list[TurnEvent]) -> None:
    """Recorded downloads arrive with their exact bytes; files without one are reported."""
    assert RECORDINGS is not None
    produced = [f for e in of_type(events, CodeStepFinished)
                if isinstance(e.result, ExecutionResult) for f in e.result.file_ids]  # fmt: skip
    ready = {e.file.file_id: e.file for e in of_type(events, OutputFileReady)}
    failed = {e.file_id for e in of_type(events, OutputFileFailed)}
    assert set(produced) == set(ready) | failed and not set(ready) & failed
    recorded = [i for p in RECORDINGS.glob("*.y*ml") for i in load_cassette(p) if i.method == "GET"]
    downloads = {i.path.split("/")[3]: i for i in recorded if i.path.endswith("/content")}
    metadata = {i.path.split("/")[3]: i.json() for i in recorded if i.path.count("/") == 3}
    assert set(ready) == set(produced) & {f for f, i in downloads.items() if i.status == 200}
    for file_id, file in ready.items():
        assert file.path.read_bytes() == downloads[file_id].body
        assert file.name == metadata[file_id]["filename"]
        assert file.mime_type == metadata[file_id]["mime_type"]


def test_the_recorded_not_downloadable_answer_is_a_failed_file(
    tmp_path: Path, recordings_dir: Path
) -> None:
    cassette = load_cassette(recordings_dir / "uploaded_file_not_downloadable_400.yml")
    [refused] = [i for i in cassette if i.path.endswith("/content")]
    file_id = refused.path.split("/")[3]
    replay = Replay(cassette)
    replay.other[("GET", f"/v1/files/{file_id}")] = Interaction(
        "GET", f"/v1/files/{file_id}", None, 200, {}, cassette[0].body
    )
    seen: list[TurnEvent] = []
    fetcher = OutputFetcher(replay.client(), BlobStore(tmp_path / "blobs"), seen.append)
    fetcher.fetch("srvtoolu_x", [file_id])
    assert fetcher.wait() == {}
    [failed] = seen
    assert isinstance(failed, OutputFileFailed) and "not downloadable" in failed.message


def test_the_pause_turn_continuation_matches_the_recorded_request(
    tmp_path: Path, recordings_dir: Path
) -> None:
    replay, [(_, events)] = replay_turns("pause_turn_continuation_stream_websearch.yaml", tmp_path)
    cassette = load_cassette(recordings_dir / "pause_turn_continuation_stream_websearch.yaml")
    recorded_partial = cassette[1].request["messages"][-1]["content"]
    sent_partial = replay.sent[1]["messages"][-1]["content"]
    assert [(b["type"], b.get("id")) for b in sent_partial] == [
        (b["type"], b.get("id")) for b in recorded_partial
    ]
    assert of_type(events, Continuing) == [Continuing(1, 5)]
    end = finished(events)
    assert list(end.content[: len(sent_partial)]) == sent_partial
