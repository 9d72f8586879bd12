"""The structured script the fake Anthropic API builds its answers from.

A test queues `Turn`s and `Fault`s; each `POST /v1/messages` takes the next one.
Nothing here is recorded bytes: the server renders these values into the API's
JSON and server-sent-event shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Text:
    text: str
    chunk_size: int = 12  # characters per text_delta


@dataclass(frozen=True)
class Thinking:
    text: str
    signature: str = "EqQBCkYIBxgCKkBmYWtlLXNpZ25hdHVyZQ=="


@dataclass(frozen=True)
class OutFile:
    """A file the step leaves in $OUTPUT_DIR: it becomes a downloadable Files API file."""

    name: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class CodeStep:
    """One code-execution call and its result.

    tool: "bash" (input {"command"}), "python" (input {"code"}, the REPL/legacy form),
    or "text_editor" (input {"command": "view"|"create"|"str_replace", "path", ...}).
    For the text editor, `editor_result` is the result `content` object; when it is None
    a plausible one is built from the input. `error_code` turns the result into a tool error.
    `legacy` renders python steps as the 20250522 tool's `code_execution_result`.
    `hold` names a gate: the stream stops after the tool input and before the result
    until the test calls `fake.release(name)` (the code is "running").
    """

    tool: Literal["bash", "python", "text_editor"]
    input: dict[str, Any]
    stdout: str = ""
    stderr: str = ""
    return_code: int = 0
    files: tuple[OutFile, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    editor_result: dict[str, Any] | None = None
    encrypted: bool = False
    legacy: bool = False
    hold: str | None = None
    input_chunk_size: int = 16


@dataclass(frozen=True)
class SearchResult:
    """One web search hit. `encrypted_content` is the page text only the model can read;
    the API always sends one, so None means a stand-in token is made."""

    title: str
    url: str
    page_age: str | None = None
    encrypted_content: str | None = None


@dataclass(frozen=True)
class WebSearch:
    """A `web_search` call (input {"query"}) and its `web_search_tool_result`: the hits,
    or an error object when `error_code` is set. `hold` works as on a CodeStep."""

    query: str
    results: tuple[SearchResult, ...] = ()
    error_code: str | None = None
    hold: str | None = None


@dataclass(frozen=True)
class WebFetch:
    """A `web_fetch` call (input {"url"}) and its `web_fetch_tool_result`: a document
    (plain text, or a PDF when `pdf` is given), or an error object for `error_code`."""

    url: str
    text: str = ""
    pdf: bytes | None = None
    title: str | None = None
    retrieved_at: str | None = "2026-12-01T10:30:00Z"
    error_code: str | None = None
    hold: str | None = None


@dataclass(frozen=True)
class RawBlock:
    """A whole block sent as the API sends it (used to mirror recordings, e.g. web search).

    server_tool_use / tool_use blocks stream their input as input_json_delta; text and
    thinking stream as deltas; everything else arrives whole in content_block_start.
    """

    block: dict[str, Any]


@dataclass(frozen=True)
class Hold:
    """Stop the stream here until the test calls `fake.release(name)`."""

    name: str


@dataclass(frozen=True)
class StreamError:
    """An `event: error` in the middle of the stream, then the stream ends."""

    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(frozen=True)
class Drop:
    """Close the connection abruptly without finishing the stream."""


Block = Text | Thinking | CodeStep | WebSearch | WebFetch | RawBlock | Hold | StreamError | Drop


@dataclass(frozen=True)
class Turn:
    blocks: tuple[Block, ...]
    stop_reason: str = "end_turn"
    container_id: str | None = None  # None: reuse the request's container or make one
    expires_at: str | None = None  # None: now + 1 hour
    model: str | None = None  # None: echo the request's model
    # None: counted from the request by the caching rules (prompt_cache.py); a number
    # (a recording's, say) is reported as it is, with the two cache counts beside it.
    input_tokens: int | None = None
    output_tokens: int = 300
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Fault:
    """Answer the request with an HTTP error in the API's shape instead of a turn."""

    status: int
    error_type: str
    message: str
    retry_after: float | None = None
    error_code: str | None = None  # goes to error.details.error_code


@dataclass(frozen=True)
class Reply:
    """A step made when its request arrives, from the request's body: a scripted agent
    that answers from what it was sent (a tool's result, say), as a model would."""

    make: Callable[[dict[str, Any]], Turn | Fault]


Step = Turn | Fault | Reply


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any  # parsed JSON, a dict of multipart fields, or None
    raw: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)
