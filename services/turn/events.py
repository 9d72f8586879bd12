"""Typed events a turn emits, read by the page, the CLI, the recorder and tests.

The turn runner turns the SDK stream into these values and puts them on a queue.
They are plain frozen dataclasses so that a consumer on another thread can read them
without touching the SDK, and so that tests can compare them by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from services.files.stored import StoredFile

# The step results are part of the events' vocabulary: importable from here too.
from services.turn.results import EditorResult as EditorResult
from services.turn.results import ExecutionResult as ExecutionResult
from services.turn.results import StepResult as StepResult
from services.turn.results import ToolError as ToolError
from services.turn.results import WebFetchResult as WebFetchResult
from services.turn.results import WebSearchResult as WebSearchResult
from services.turn.tools import StepTool as StepTool

if TYPE_CHECKING:
    from services.conversation import TurnOutcome


class StopReason(StrEnum):
    END_TURN = "end_turn"
    MAX_TOKENS = "max_tokens"
    PAUSE_TURN = "pause_turn"
    PAUSE_CAP_REACHED = "pause_cap_reached"  # the runner stopped continuing after the cap
    STOP_SEQUENCE = "stop_sequence"
    TOOL_USE = "tool_use"
    REFUSAL = "refusal"
    CONTEXT_WINDOW_EXCEEDED = "model_context_window_exceeded"
    STOPPED = "stopped"  # the person pressed Stop
    FAILED = "failed"  # an error ended the turn


class ErrorKind(StrEnum):
    AUTHENTICATION = "authentication"  # 401: the key is wrong
    PERMISSION = "permission"
    BAD_REQUEST = "bad_request"  # other 400s: the API's message is shown
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER = "server"
    CONNECTION = "connection"  # could not reach the API, or the stream dropped
    STREAM = "stream"  # an `event: error` in the middle of a stream
    FILE_TOO_LARGE = "file_too_large"
    DISK_FULL = "disk_full"  # this server could not keep a file
    INTERNAL = "internal"  # a bug on our side; the message stays plain


# --- events ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    index: int  # content block index within the turn record
    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    index: int
    text: str


@dataclass(frozen=True)
class CodeStepStarted:
    step_id: str  # the server_tool_use id
    tool: StepTool
    index: int


@dataclass(frozen=True)
class CodeStepInput:
    """The step's input as parsed so far (the code, command, or file operation)."""

    step_id: str
    tool: StepTool
    input: dict[str, Any]
    complete: bool = False


@dataclass(frozen=True)
class CodeStepFinished:
    step_id: str
    tool: StepTool
    result: StepResult
    index: int


@dataclass(frozen=True)
class OutputFileReady:
    """A file the code produced, downloaded into the app's own blob store."""

    file: StoredFile


@dataclass(frozen=True)
class OutputFileFailed:
    step_id: str
    file_id: str
    message: str


@dataclass(frozen=True)
class UnsupportedBlock:
    """A block the app does not know how to show; shown as such, never a crash."""

    index: int
    block_type: str


@dataclass(frozen=True)
class Retrying:
    reason: str
    delay_seconds: float
    attempt: int


@dataclass(frozen=True)
class Continuing:
    """The server paused a long tool loop (pause_turn); the runner resends and goes on."""

    continuation: int
    cap: int


@dataclass(frozen=True)
class ContainerUpdated:
    container_id: str
    expires_at: str | None


@dataclass(frozen=True)
class ContainerReset:
    """The conversation's container failed and a fresh one was started."""

    old_container_id: str
    reason: str
    reattached_file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenCounts:
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def prompt(self) -> int:
        return self.input + self.cache_read + self.cache_write

    @property
    def total(self) -> int:
        return self.prompt + self.output

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_write_5m + other.cache_write_5m,
            self.cache_write_1h + other.cache_write_1h,
        )


@dataclass(frozen=True)
class Usage:
    """A call's tokens and what they cost: the turn's (every response of it added up), or
    its follow-up questions' (a second Usage, often of another model)."""

    model: str
    counts: TokenCounts
    cost_usd: float | None  # None: the model is not in the price table

    @property
    def priced_usd(self) -> float:
        """What the turn cost in dollars, as far as the price table knows."""
        return self.cost_usd or 0.0

    @property
    def unpriced_tokens(self) -> int:
        """Tokens of a model the price table does not know (their cost is not in dollars)."""
        return 0 if self.cost_usd is not None else self.counts.total


@dataclass(frozen=True)
class UserMessageReady:
    """The user message as it is sent (uploads attached, app notes added).

    Emitted before the first request, and again if a container reset changed it, so the
    recorder can store the person's message before any answer arrives.
    """

    content: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class FileUploaded:
    """An attachment reached the Files API (or was found already uploaded)."""

    file: StoredFile


@dataclass(frozen=True)
class BlockCompleted:
    """A content block finished streaming; `block` is its API JSON, `index` its place
    in the turn's assistant content (continuations after pause_turn go on counting)."""

    index: int
    block: dict[str, Any]


@dataclass(frozen=True)
class TurnError:
    kind: ErrorKind
    message: str  # plain words for the person, never a traceback
    # A generic server error outlasted the retries while the container was sent: the
    # container was kept, and the next turn replaces it if it fails the same way.
    container_kept: bool = False


@dataclass(frozen=True)
class TurnFinished:
    stop_reason: StopReason
    content: tuple[dict[str, Any], ...]  # the assistant message's API content blocks as JSON
    # Plain words about how the turn ended when the stop reason alone does not say it
    # (the pause_turn cap was hit, the answer was cut at max_tokens, a refusal); else "".
    message: str = ""
    outcome: TurnOutcome | None = None  # what the turn adds to its conversation


@dataclass(frozen=True)
class FollowUpsReady:
    """Up to three next questions for the answer that just ended (sent before TurnFinished,
    only after a normal end); stored with the answer."""

    questions: tuple[str, ...]


@dataclass(frozen=True)
class SaveStatus:
    """Whether the store holds the turn so far; sent when that changes."""

    saved: bool
    message: str = ""


TurnEvent = (
    TextDelta
    | ThinkingDelta
    | CodeStepStarted
    | CodeStepInput
    | CodeStepFinished
    | OutputFileReady
    | OutputFileFailed
    | UnsupportedBlock
    | Retrying
    | Continuing
    | ContainerUpdated
    | ContainerReset
    | Usage
    | UserMessageReady
    | FileUploaded
    | BlockCompleted
    | TurnError
    | TurnFinished
    | FollowUpsReady
    | SaveStatus
)


# Text the app itself adds to a user message (system notes, a reset notice, a file's
# profile) is a text block marked with APP_NOTE_KEY in the stored record, and its text is
# wrapped in the app-note tag for Claude. The key, not the text, makes it a note: a person
# who types the tag still sees their words, and Claude gets them with the tag escaped.
APP_NOTE_PREFIX = "<app_note>"
APP_NOTE_KEY = "app_note"


def is_app_note(block: dict[str, Any]) -> bool:
    return block.get("type") == "text" and block.get(APP_NOTE_KEY) is True
