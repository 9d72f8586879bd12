"""The fake API server against real recorded traffic (`shared/recordings/`).

Every recording is walked interaction by interaction. Each recorded answer is parsed by
the SDK (through `httpx2.MockTransport`), the recorded message is converted into a fake
script, the fake answers the same request over HTTP, and the two parses must agree:
the same stream events (type, index, block or delta type) and the same key structure in
the final objects. Ids, texts and numbers are not compared, only presence and nesting.

Tolerated differences (each is applied only where a recording lacks the newer field):
- `caller` on streamed `server_tool_use`: current streams carry `{"type": "direct"}`
  (the fake sends it, per the API reference); these recordings predate it.
- `abort_reason` on legacy (20250522) results: present in the 2026 recording of the
  legacy tool, absent from the 2025 one.
- `usage.output_tokens_details`: reported with thinking since mid-2026; April 2026
  recordings predate it.
- `usage.inference_geo`: absent from 2025 recordings.
- File list pagination: recordings use `has_more/first_id/last_id`; SDK 2.10 types the
  list as `SyncPageCursor` (`next_page`), which the fake follows.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from fake_anthropic import FakeAnthropic, OutFile, Text, Turn, results, validate_history
from fake_anthropic.multipart import boundary_of, parse_multipart
from fake_anthropic.recordings import (
    Interaction,
    find_recordings_dir,
    load_cassette,
    sse_from_chunks,
    turn_from_message,
)
from fake_anthropic.shape import event_signature, shape_of
from services.followups import FinishedTurn, follow_up_params

# The recordings name models the SDK now reports as deprecated; that warning is noise here.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

_FOUND = find_recordings_dir()
RECORDING_FILES = (
    sorted(p.name for p in _FOUND.iterdir() if p.suffix in (".yaml", ".yml", ".txt"))
    if _FOUND
    else []
)
_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
_FILE_PATH = re.compile(r"/v1/files/(?P<file_id>[^/]+)(?P<content>/content)?")


def replay_client(interactions: list[Interaction]) -> anthropic.Anthropic:
    """An SDK client whose transport answers with the recorded responses, in order."""
    queue = list(interactions)

    def handler(request: httpx2.Request) -> httpx2.Response:
        for i, item in enumerate(queue):
            if item.method == request.method and item.path == request.url.path:
                del queue[i]
                headers = {k: v for k, v in item.headers.items() if k not in _DROPPED_HEADERS}
                return httpx2.Response(item.status, headers=headers, content=item.body)
        raise AssertionError(f"no recorded answer for {request.method} {request.url.path}")

    transport = httpx2.MockTransport(handler)
    return anthropic.Anthropic(
        api_key="x",
        base_url="http://recorded",
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    )


def call_kwargs(method: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The recorded body as SDK keyword arguments; parameters SDK 2.10 no longer types
    (e.g. `temperature`) travel in `extra_body`, so the request stays the same."""
    known = set(inspect.signature(method).parameters)
    body = {k: v for k, v in body.items() if k != "stream"}
    kwargs = {k: v for k, v in body.items() if k in known}
    extra = {k: v for k, v in body.items() if k not in known}
    return {**kwargs, "extra_body": extra} if extra else kwargs


def tolerate(recorded: dict[str, Any], fake: dict[str, Any]) -> None:
    """Align the fake's dump with fields the (older) recording lacks; see the module doc."""
    for rec_block, fake_block in zip(recorded["content"], fake["content"], strict=False):
        if rec_block["type"] == "server_tool_use" and rec_block.get("caller") is None:
            fake_block["caller"] = None
        rec_content, fake_content = rec_block.get("content"), fake_block.get("content")
        legacy_result = isinstance(rec_content, dict) and isinstance(fake_content, dict)
        if legacy_result and "abort_reason" not in rec_content:
            fake_content.pop("abort_reason", None)
    for key in ("output_tokens_details", "inference_geo"):
        if recorded["usage"].get(key) is None:
            fake["usage"][key] = None


def assert_same_message(recorded: anthropic.types.Message, fake: anthropic.types.Message) -> None:
    rec_dump, fake_dump = recorded.model_dump(mode="json"), fake.model_dump(mode="json")
    tolerate(rec_dump, fake_dump)
    assert shape_of(fake_dump) == shape_of(rec_dump)


def swap_ids(value: Any, ids: dict[str, str]) -> Any:
    text = json.dumps(value)
    for recorded_id, fake_id in ids.items():
        text = text.replace(recorded_id, fake_id)
    return json.loads(text)


def recorded_outputs(interactions: list[Interaction]) -> dict[str, OutFile]:
    """Output files the cassette later downloads, so the fake serves the same bytes."""
    names: dict[str, tuple[str, str]] = {}
    datas: dict[str, bytes] = {}
    for item in interactions:
        match = _FILE_PATH.fullmatch(item.path)
        if item.method != "GET" or item.status != 200 or not match:
            continue
        if match["content"]:
            datas[match["file_id"]] = item.body
        else:
            meta = item.json()
            names[match["file_id"]] = (meta["filename"], meta["mime_type"])
    return {
        fid: OutFile(name=names[fid][0], data=datas[fid], mime_type=names[fid][1])
        for fid in datas
        if fid in names
    }


def upload_part(item: Interaction) -> tuple[str, bytes, str]:
    """(filename, bytes, mime type) of a recorded upload; the `http_interactions` layout
    only describes the part, so stand-in bytes are used there."""
    body = item.request
    if isinstance(body, dict):
        described = body["fields"]["file"]
        return described["path"], b"%PDF-1.3\n% stand-in bytes\n", described["type"]
    raw = body if isinstance(body, bytes) else body.encode("latin-1")
    boundary = raw.split(b"\r\n", 1)[0].removeprefix(b"--").decode()
    part = parse_multipart(raw, boundary_of(f"multipart/form-data; boundary={boundary}"))["file"]
    return part.filename or "", part.data, part.content_type or "application/octet-stream"


class CassetteCheck:
    """Walks one recording's interactions against the fake, keeping id mappings."""

    def __init__(self, interactions: list[Interaction], fake: FakeAnthropic):
        self.interactions = interactions
        self.fake = fake
        self.client = anthropic.Anthropic(api_key="k", base_url=fake.base_url, max_retries=0)
        self.outputs = recorded_outputs(interactions)
        self.ids: dict[str, str] = {}
        self.checked: list[str] = []

    def run(self) -> list[str]:
        for item in self.interactions:
            self.check(item)
            self.checked.append(f"{item.method} {item.path}")
        return self.checked

    def check(self, item: Interaction) -> None:
        """Dispatch on endpoint; a recorded endpoint without a check fails loudly."""
        if item.path == "/v1/messages" and item.method == "POST":
            return self.message(item)
        if item.path == "/v1/files":
            return self.upload(item) if item.method == "POST" else self.listing(item)
        match = _FILE_PATH.fullmatch(item.path)
        if match and match["content"]:
            return self.download(item, match["file_id"])
        if match and item.method == "GET":
            return self.metadata(item, match["file_id"])
        if match and item.method == "DELETE":
            return self.delete(item, match["file_id"])
        raise AssertionError(f"no conformance check for {item.method} {item.path}")

    # messages --------------------------------------------------------------------------

    def message(self, item: Interaction) -> None:
        body = swap_ids(item.request, self.ids)
        if item.status != 200:
            self.message_error(item, body)
        elif body.get("stream"):
            self.stream(item, body)
        else:
            self.create(item, body)

    def _enqueue_recorded(self, recorded: anthropic.types.Message, body: dict[str, Any]) -> None:
        legacy = any(t.get("type") == "code_execution_20250522" for t in body.get("tools") or [])
        turn = turn_from_message(recorded.to_dict(mode="json"), legacy=legacy, files=self.outputs)
        self.fake.enqueue(turn)

    def stream(self, item: Interaction, body: dict[str, Any]) -> None:
        with replay_client([item]).messages.stream(
            **call_kwargs(self.client.messages.stream, item.request)
        ) as s:
            recorded_events, recorded = list(s), s.get_final_message()
        self._enqueue_recorded(recorded, body)
        with self.client.messages.stream(**call_kwargs(self.client.messages.stream, body)) as s:
            fake_events, fake = list(s), s.get_final_message()
        assert event_signature(fake_events) == event_signature(recorded_events)
        assert_same_message(recorded, fake)
        self.map_ids(recorded, fake)

    def create(self, item: Interaction, body: dict[str, Any]) -> None:
        recorded = replay_client([item]).messages.create(
            **call_kwargs(self.client.messages.create, item.request)
        )
        self._enqueue_recorded(recorded, body)
        fake = self.client.messages.create(**call_kwargs(self.client.messages.create, body))
        assert_same_message(recorded, fake)
        if isinstance(body.get("container"), str):
            # A reused container keeps its id, as the recording shows.
            assert fake.container is not None and fake.container.id == body["container"]
            assert (
                recorded.container is not None
                and recorded.container.id == item.request["container"]
            )
        self.map_ids(recorded, fake)

    def message_error(self, item: Interaction, body: dict[str, Any]) -> None:
        recorded = _raised(
            lambda: replay_client([item]).messages.create(
                **call_kwargs(self.client.messages.create, item.request)
            )
        )
        fake = _raised(
            lambda: self.client.messages.create(**call_kwargs(self.client.messages.create, body))
        )
        assert_same_error(recorded, fake, self.ids)

    def map_ids(self, recorded: anthropic.types.Message, fake: anthropic.types.Message) -> None:
        if recorded.container and fake.container:
            self.ids[recorded.container.id] = fake.container.id
        for rec_block, fake_block in zip(recorded.content, fake.content, strict=True):
            rec_files = _output_ids(rec_block)
            fake_files = _output_ids(fake_block)
            self.ids.update(zip(rec_files, fake_files, strict=True))

    # files -----------------------------------------------------------------------------

    def upload(self, item: Interaction) -> None:
        name, data, mime = upload_part(item)
        recorded = replay_client([item]).files.upload(file=(name, data, mime))
        fake = self.client.files.upload(file=(name, data, mime))
        assert shape_of(fake) == shape_of(recorded)
        assert (fake.filename, fake.mime_type, fake.downloadable) == (
            recorded.filename,
            recorded.mime_type,
            recorded.downloadable,
        )
        self.ids[recorded.id] = fake.id

    def listing(self, item: Interaction) -> None:
        recorded = replay_client([item]).files.list()
        fake = self.client.files.list()
        assert type(fake) is type(recorded)
        assert recorded.data and fake.data
        assert {json.dumps(shape_of(f)) for f in fake.data} <= {
            json.dumps(shape_of(f)) for f in recorded.data
        }
        page_fields = {"has_more", "first_id", "last_id", "data"}  # pre-2.10 pagination
        rec_page = {k: v for k, v in recorded.model_dump().items() if k not in page_fields}
        assert shape_of(fake.model_dump(exclude={"data"})) == shape_of(rec_page)

    def metadata(self, item: Interaction, file_id: str) -> None:
        recorded = replay_client([item]).files.retrieve_metadata(file_id)
        fake = self.client.files.retrieve_metadata(self.ids[file_id])
        assert shape_of(fake) == shape_of(recorded)
        assert (fake.filename, fake.mime_type, fake.downloadable, fake.size_bytes) == (
            recorded.filename,
            recorded.mime_type,
            recorded.downloadable,
            recorded.size_bytes,
        )

    def download(self, item: Interaction, file_id: str) -> None:
        fake_id = self.ids[file_id]
        if item.status != 200:
            recorded = _raised(lambda: replay_client([item]).files.download(file_id))
            fake = _raised(lambda: self.client.files.download(fake_id))
            assert_same_error(recorded, fake, self.ids)
            return
        recorded = replay_client([item]).files.download(file_id)
        fake = self.client.files.download(fake_id)
        assert fake.read() == recorded.read()
        for header in ("content-type", "content-disposition"):
            assert fake.headers.get(header) == recorded.headers.get(header)

    def delete(self, item: Interaction, file_id: str) -> None:
        recorded = replay_client([item]).files.delete(file_id)
        fake = self.client.files.delete(self.ids[file_id])
        assert shape_of(fake) == shape_of(recorded)
        with pytest.raises(anthropic.NotFoundError):
            self.client.files.retrieve_metadata(self.ids[file_id])


def _output_ids(block: Any) -> list[str]:
    content = getattr(block, "content", None)
    items = getattr(content, "content", None)
    return [item.file_id for item in items] if isinstance(items, list) else []


def _raised(call: Any) -> anthropic.APIStatusError:
    with pytest.raises(anthropic.APIStatusError) as caught:
        call()
    return caught.value


def assert_same_error(
    recorded: anthropic.APIStatusError, fake: anthropic.APIStatusError, ids: dict[str, str]
) -> None:
    assert type(fake) is type(recorded)
    assert fake.status_code == recorded.status_code
    assert shape_of(fake.body) == shape_of(recorded.body)
    assert fake.body["error"] == swap_ids(recorded.body["error"], ids)
    assert fake.request_id and fake.request_id.startswith("req_")


def stream_interaction(path: Path) -> Interaction:
    """A `.chunks.txt` recording as a streamed interaction (its request was not recorded:
    a minimal one naming the tool version from the file name is used)."""
    body = sse_from_chunks(path)
    first = json.loads(path.read_text().splitlines()[0])
    version = re.search(r"_(\d{8})", path.name)
    tool = f"code_execution_{version[1]}" if version else "code_execution_20260521"
    request = {
        "model": first["message"]["model"],
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "(request not recorded)"}],
        "tools": [{"type": tool, "name": "code_execution"}],
        "stream": True,
    }
    headers = {"content-type": "text/event-stream; charset=utf-8"}
    return Interaction("POST", "/v1/messages", request, 200, headers, body)


def load_any(path: Path) -> list[Interaction]:
    return [stream_interaction(path)] if path.suffix == ".txt" else load_cassette(path)


@pytest.fixture
def strict_fake() -> Iterator[FakeAnthropic]:
    """The fake with the history validator on: every recorded request was accepted by the
    real API, so the validator must accept it too."""
    with FakeAnthropic() as fake:
        fake.history_validator = validate_history
        yield fake
        assert fake.server_errors == []


@pytest.mark.parametrize("name", RECORDING_FILES or ["<recordings folder missing>"])
def test_recording_conforms(name: str, recordings_dir: Path, strict_fake: FakeAnthropic) -> None:
    checked = CassetteCheck(load_any(recordings_dir / name), strict_fake).run()
    assert checked, f"{name}: nothing to check"


def test_every_recording_is_covered(recordings_dir: Path) -> None:
    present = sorted(
        p.name for p in recordings_dir.iterdir() if p.is_file() and p.name != "README.md"
    )
    assert present == RECORDING_FILES


def test_pause_turn_continuation_from_the_fakes_own_answer(
    recordings_dir: Path, strict_fake: FakeAnthropic
) -> None:
    """The app continues a paused turn with the SDK objects it received; the fake accepts
    that continuation (dangling call last) and finishes the turn."""
    paused, finished = load_cassette(
        recordings_dir / "pause_turn_continuation_stream_websearch.yaml"
    )
    client = anthropic.Anthropic(api_key="k", base_url=strict_fake.base_url, max_retries=0)
    with replay_client([paused]).messages.stream(
        **call_kwargs(client.messages.stream, paused.request)
    ) as s:
        strict_fake.enqueue(turn_from_message(s.get_final_message().to_dict(mode="json")))
    with replay_client([finished]).messages.stream(
        **call_kwargs(client.messages.stream, finished.request)
    ) as s:
        strict_fake.enqueue(turn_from_message(s.get_final_message().to_dict(mode="json")))
    request = call_kwargs(client.messages.stream, paused.request)
    with client.messages.stream(**request) as s:
        first = s.get_final_message()
    assert first.stop_reason == "pause_turn"
    assert first.content[-1].type == "server_tool_use"
    assert first.container is None  # web search alone runs no container
    request["messages"] = [*request["messages"], {"role": "assistant", "content": first.content}]
    with client.messages.stream(**request) as s:
        second = s.get_final_message()
    assert second.stop_reason == "end_turn"
    assert second.content[0].type == "web_search_tool_result"
    assert second.content[0].tool_use_id == first.content[-1].id
    sent = strict_fake.message_requests()[-1]["messages"][-1]
    assert sent["role"] == "assistant" and sent["content"][-1]["type"] == "server_tool_use"


def test_the_object_container_is_refused_without_skills_and_taken_with_them(
    recordings_dir: Path, strict_fake: FakeAnthropic
) -> None:
    """The recorded refusal of `{"id": ...}`; the same request loading a skill is taken
    (the container kept by its id), and an unknown skill is refused the recorded way."""
    _, refused = load_cassette(recordings_dir / "container_as_object_rejected_400.yaml")
    client = anthropic.Anthropic(api_key="k", base_url=strict_fake.base_url, max_retries=0)
    kwargs = call_kwargs(client.messages.create, refused.request)
    recorded = _raised(lambda: replay_client([refused]).messages.create(**kwargs))
    assert_same_error(recorded, _raised(lambda: client.messages.create(**kwargs)), {})

    container_id = refused.request["container"]["id"]
    pptx = {"type": "anthropic", "skill_id": "pptx", "version": "latest"}
    strict_fake.enqueue(Turn((Text("Loaded."),)))
    message = client.messages.create(
        **{**kwargs, "container": {"id": container_id, "skills": [pptx]}}
    )
    assert message.container is not None and message.container.id == container_id
    assert [s.skill_id for s in message.container.skills] == ["pptx"]

    unknown = {"id": container_id, "skills": [{**pptx, "skill_id": "slides"}]}
    fake = _raised(lambda: client.messages.create(**{**kwargs, "container": unknown}))
    assert (type(fake), fake.status_code) == (type(recorded), recorded.status_code)
    assert shape_of(fake.body) == shape_of(recorded.body)
    assert fake.body["error"]["type"] == recorded.body["error"]["type"]


def _bash_stream_check(recordings_dir: Path, fake: FakeAnthropic) -> None:
    CassetteCheck(load_cassette(recordings_dir / "bash_stream_20260521.yaml"), fake).run()


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic notes the malformed block
@pytest.mark.parametrize(
    ("function", "old", "new"),
    [("result_block", "tool_use_id", "tool_use_idx"), ("execution_content", "stdout", "std_out")],
)
def test_a_renamed_field_breaks_conformance(
    recordings_dir: Path, monkeypatch: pytest.MonkeyPatch, function: str, old: str, new: str
) -> None:
    original = getattr(results, function)

    def renamed(*args: Any, **kwargs: Any) -> dict[str, Any]:
        block = copy.deepcopy(original(*args, **kwargs))
        block[new] = block.pop(old)
        return block

    with FakeAnthropic() as fake:
        _bash_stream_check(recordings_dir, fake)  # passes as is
        monkeypatch.setattr(results, function, renamed)
        with pytest.raises(AssertionError):
            _bash_stream_check(recordings_dir, fake)


def test_a_follow_up_reply_has_the_recorded_non_streaming_shape(
    recordings_dir: Path, strict_fake: FakeAnthropic
) -> None:
    """The app's follow-up call (no tools, not streamed) gets a Message shaped like the
    recorded non-streaming one, less what only a request with tools brings: a container,
    server tool counts, the tool's blocks."""
    cassette = load_cassette(recordings_dir / "bash_nonstream_20260120.yaml")
    item = next(i for i in cassette if i.path == "/v1/messages" and i.status == 200)
    recorded = replay_client([item]).messages.create(
        **call_kwargs(anthropic.Anthropic(api_key="k").messages.create, item.request)
    )
    client = anthropic.Anthropic(api_key="k", base_url=strict_fake.base_url, max_retries=0)
    params = follow_up_params(FinishedTurn("Chart it", "Done.", ()), recorded.model, None)
    fake = client.messages.create(**params)
    dumps = recorded.model_dump(mode="json"), fake.model_dump(mode="json")
    for dump in dumps:
        dump["content"] = [b for b in dump["content"] if b["type"] == "text"][:1]
        dump.pop("container", None)
        dump["usage"].pop("server_tool_use", None)
    tolerate(*dumps)
    assert shape_of(dumps[1]) == shape_of(dumps[0])
    assert len(strict_fake.follow_ups.requests) == 1 and strict_fake.message_requests() == []
