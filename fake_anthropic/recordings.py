"""Reading the real API recordings (`shared/recordings/`) and turning recorded messages
into fake scripts.

Cassettes come in two layouts (`interactions` with `parsed_body`/`body.string`, and the
`http_interactions` layout); both load into `Interaction`s. `turn_from_message` converts a
recorded final message into a `Turn`, so the fake can stream the same content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .script import (
    Block,
    CodeStep,
    OutFile,
    RawBlock,
    SearchResult,
    Text,
    Thinking,
    Turn,
    WebFetch,
    WebSearch,
)

RECORDINGS_ENV = "ASSISTANT_RECORDINGS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]
CODE_TOOLS = {"bash_code_execution": "bash", "code_execution": "python"}
CODE_TOOLS["text_editor_code_execution"] = "text_editor"


def find_recordings_dir() -> Path | None:
    """$ASSISTANT_RECORDINGS_DIR, else `shared/recordings` beside the repository."""
    configured = os.environ.get(RECORDINGS_ENV)
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "recordings"
    return path if path.is_dir() else None


@dataclass(frozen=True)
class Interaction:
    method: str
    path: str
    request: Any  # parsed JSON, text, bytes or the recorder's field description
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def load_cassette(path: Path) -> list[Interaction]:
    data = yaml.safe_load(path.read_text())
    return [_interaction(item) for item in data.get("interactions") or data["http_interactions"]]


def _interaction(item: dict[str, Any]) -> Interaction:
    request, response = item["request"], item["response"]
    status = response["status"]
    headers = {
        key.lower(): value[0] if isinstance(value, list) else str(value)
        for key, value in (response.get("headers") or {}).items()
    }
    return Interaction(
        method=request["method"].upper(),
        path=urlsplit(request["uri"]).path,
        request=_request_body(request),
        status=status["code"] if isinstance(status, dict) else int(status),
        headers=headers,
        body=_response_body(response),
    )


def _request_body(request: dict[str, Any]) -> Any:
    if "parsed_body" in request:
        return request["parsed_body"]
    body = request.get("body")
    if isinstance(body, dict):
        body = body.get("string", body)
    if isinstance(body, str) and body.startswith(("{", "[")):
        return json.loads(body)
    return body


def _response_body(response: dict[str, Any]) -> bytes:
    if "parsed_body" in response:
        return json.dumps(response["parsed_body"]).encode()
    body = (response.get("body") or {}).get("string", "")
    return body if isinstance(body, bytes) else body.encode()


def sse_from_chunks(path: Path) -> bytes:
    """A `.chunks.txt` file (one event object a line) as server-sent-event bytes."""
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def sse_events(body: bytes) -> list[dict[str, Any]]:
    lines = body.decode().splitlines()
    return [json.loads(line[5:]) for line in lines if line.startswith("data:")]


def turn_from_message(
    message: Mapping[str, Any], *, legacy: bool = False, files: Mapping[str, OutFile] | None = None
) -> Turn:
    """A recorded Message (JSON form) as a Turn; `files` supplies the recorded output files."""
    usage = message.get("usage") or {}
    container = message.get("container") or {}
    return Turn(
        blocks=tuple(blocks_from_content(message.get("content") or [], legacy, files or {})),
        stop_reason=message.get("stop_reason") or "end_turn",
        container_id=container.get("id"),
        expires_at=container.get("expires_at"),
        model=message.get("model"),
        input_tokens=usage.get("input_tokens") or 0,
        output_tokens=usage.get("output_tokens") or 0,
        cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
        cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
    )


def blocks_from_content(
    content: list[Mapping[str, Any]], legacy: bool, files: Mapping[str, OutFile]
) -> list[Block]:
    """A code call immediately followed by its result becomes a CodeStep; anything else
    (parallel calls, a paused call, web search) is mirrored block by block."""
    blocks: list[Block] = []
    i = 0
    while i < len(content):
        block, following = content[i], content[i + 1] if i + 1 < len(content) else None
        if _is_code_pair(block, following):
            blocks.append(_code_step(block, following, legacy, files))
            i += 2
            continue
        if _is_web_pair(block, following):
            blocks.append(_web_step(block, following))
            i += 2
            continue
        blocks.append(_single(block))
        i += 1
    return blocks


def _is_code_pair(block: Mapping[str, Any], following: Mapping[str, Any] | None) -> bool:
    return (
        block.get("type") == "server_tool_use"
        and block.get("name") in CODE_TOOLS
        and following is not None
        and following.get("tool_use_id") == block.get("id")
        and following.get("type") == block["name"] + "_tool_result"
    )


def _is_web_pair(block: Mapping[str, Any], following: Mapping[str, Any] | None) -> bool:
    return (
        block.get("type") == "server_tool_use"
        and block.get("name") in ("web_search", "web_fetch")
        and following is not None
        and following.get("tool_use_id") == block.get("id")
        and following.get("type") == block["name"] + "_tool_result"
    )


def _web_step(call: Mapping[str, Any], result: Mapping[str, Any]) -> WebSearch | WebFetch:
    """A recorded web call and its result as the fake's own step, so the fake's rendering
    of web steps is what the recording is compared with."""
    data, content = dict(call.get("input") or {}), result.get("content")
    error = content.get("error_code") if isinstance(content, dict) else None
    if call["name"] == "web_search":
        hits = tuple(
            SearchResult(h["title"], h["url"], h.get("page_age"), h.get("encrypted_content"))
            for h in (content if isinstance(content, list) else [])
        )
        return WebSearch(str(data.get("query", "")), hits, error_code=error)
    fetched = content if isinstance(content, dict) else {}
    document = fetched.get("content") or {}
    source = document.get("source") or {}
    return WebFetch(
        str(data.get("url", "")),
        text=str(source.get("data", "")) if source.get("type") == "text" else "",
        title=document.get("title"),
        retrieved_at=fetched.get("retrieved_at"),
        error_code=error,
    )


def _single(block: Mapping[str, Any]) -> Block:
    if block.get("type") == "text" and block.get("citations") is None:
        return Text(block.get("text", ""))
    if block.get("type") == "thinking":
        return Thinking(block.get("thinking", ""), block.get("signature", ""))
    return RawBlock(dict(block))


def _code_step(
    call: Mapping[str, Any], result: Mapping[str, Any], legacy: bool, files: Mapping[str, OutFile]
) -> CodeStep:
    tool = CODE_TOOLS[call["name"]]
    content = result["content"]
    kind = content.get("type", "")
    base = {"tool": tool, "input": dict(call.get("input") or {})}
    if kind.endswith("_tool_result_error"):
        error = {
            "error_code": content.get("error_code"),
            "error_message": content.get("error_message"),
        }
        return CodeStep(**base, **error)
    if tool == "text_editor":
        return CodeStep(**base, editor_result=dict(content))
    outputs = tuple(
        files.get(item["file_id"]) or OutFile(f"output_{n}.bin", b"")
        for n, item in enumerate(content.get("content") or [])
    )
    return CodeStep(
        **base,
        stdout=content.get("stdout", ""),
        stderr=content.get("stderr", ""),
        return_code=content.get("return_code", 0),
        files=outputs,
        encrypted=kind == "encrypted_code_execution_result",
        legacy=legacy and tool == "python",
    )
