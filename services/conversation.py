"""A conversation as a turn reads it: an immutable snapshot of its stored record.

`messages` holds the API messages exactly as they are sent (role and content blocks as
JSON), so each turn resends the history byte for byte, which prompt caching needs. The
snapshot is never changed: a finished turn's `TurnOutcome` makes the next one (`after`),
and the page and the CLI read the next one back from the store.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from services.files.stored import StoredFile
from services.turn.events import TokenCounts

Message = dict[str, Any]


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # still being written (or its server went away)
    COMPLETE = "complete"
    STOPPED = "stopped"  # the person pressed Stop
    FAILED = "failed"  # an error ended the turn
    # A generic server error (500) outlasted the retries; the container was kept. Set on
    # the turn's last message (the question when no answer arrived).
    SERVER_ERROR = "server_error"


@dataclass(frozen=True)
class Attachment:
    """A file the person attached to a message, before it is uploaded."""

    name: str
    data: bytes
    mime_type: str = "application/octet-stream"

    @classmethod
    def read(cls, path: Path) -> Attachment:
        """A local file as an attachment, its type guessed from its name."""
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return cls(path.name, path.read_bytes(), mime)


class FrozenMap(dict):
    """A dict that refuses changes: a snapshot is read by several threads and sessions.

    A dict (not a mapping proxy) so that it compares, copies and pickles like one.
    """

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("a conversation snapshot does not change; make the next one")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return mapping if isinstance(mapping, FrozenMap) else FrozenMap(mapping)


@dataclass(frozen=True)
class ModelUsage:
    """What one model used in a conversation: its tokens and what they cost."""

    tokens: TokenCounts = field(default_factory=TokenCounts)
    cost_usd: float = 0.0  # what the price table knows
    unpriced_tokens: int = 0  # tokens of a model the price table does not know

    def __add__(self, other: ModelUsage) -> ModelUsage:
        return ModelUsage(
            self.tokens + other.tokens,
            self.cost_usd + other.cost_usd,
            self.unpriced_tokens + other.unpriced_tokens,
        )


@dataclass(frozen=True)
class Conversation:
    model: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    messages: tuple[Message, ...] = ()
    container_id: str | None = None
    container_expires_at: str | None = None
    container_last_used: str | None = None
    uploads: Mapping[str, StoredFile] = field(default_factory=dict)  # by sha256
    outputs: Mapping[str, StoredFile] = field(default_factory=dict)  # by file id
    cost_usd: float = 0.0
    unpriced_tokens: int = 0  # tokens of models not in the price table
    # Positions of messages that did not complete (as stored), and how they ended.
    statuses: Mapping[int, MessageStatus] = field(default_factory=dict)
    usage: Mapping[str, ModelUsage] = field(default_factory=dict)  # by model, as stored
    # The next questions suggested under an answer, by the answer's position.
    follow_ups: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    # Why an output file is missing (the disk full, a refused download), by file id.
    output_failures: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(self.messages))
        for name in ("uploads", "outputs", "statuses", "usage", "follow_ups", "output_failures"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def kept_container_after_server_error(self) -> bool:
        """The last turn failed on a generic server error and kept this container: a
        second such failure on it means the container is gone."""
        last = len(self.messages) - 1
        kept = self.statuses.get(last) is MessageStatus.SERVER_ERROR
        return kept and self.container_id is not None

    def after(self, outcome: TurnOutcome) -> Conversation:
        """The conversation with a finished turn added, as the store will hold it."""
        messages = list(self.messages)
        follow_ups = dict(self.follow_ups)
        if outcome.user_content is not None:
            messages.append({"role": "user", "content": list(outcome.user_content)})
            if outcome.content:
                messages.append(assistant_message(outcome.content, outcome.model))
                if outcome.follow_ups:
                    follow_ups[len(messages) - 1] = outcome.follow_ups
        statuses = dict(self.statuses)
        if outcome.container_kept and outcome.user_content is not None:
            statuses[len(messages) - 1] = MessageStatus.SERVER_ERROR  # as the saver stores it
        used = outcome.container_used
        spent = outcome.used + outcome.follow_up_used
        return replace(
            self,
            model=outcome.model,
            messages=tuple(messages),
            container_id=outcome.container_id,
            container_expires_at=outcome.container_expires_at,
            container_last_used=datetime.now(UTC).isoformat() if used else self.container_last_used,
            uploads={**self.uploads, **{f.sha256: f for f in outcome.uploads}},
            outputs={**self.outputs, **{f.file_id: f for f in outcome.outputs}},
            cost_usd=self.cost_usd + spent.cost_usd,
            unpriced_tokens=self.unpriced_tokens + spent.unpriced_tokens,
            usage=self._usage_after(outcome),
            follow_ups=follow_ups,
            statuses=statuses,
        )

    def _usage_after(self, outcome: TurnOutcome) -> dict[str, ModelUsage]:
        usage = dict(self.usage)
        calls = (
            (outcome.usage_model or outcome.model, outcome.used),
            (outcome.follow_up_model or outcome.model, outcome.follow_up_used),
        )
        for model, used in calls:
            if used != ModelUsage():
                usage[model] = usage.get(model, ModelUsage()) + used
        return usage


def assistant_message(content: Any, model: str) -> Message:
    """The stored form of an assistant turn: it names the model that wrote it."""
    return {"role": "assistant", "content": list(content), "model": model}


@dataclass(frozen=True)
class TurnOutcome:
    """What a finished turn adds to its conversation."""

    model: str
    user_content: tuple[dict[str, Any], ...] | None  # None: nothing was sent
    content: tuple[dict[str, Any], ...]  # the assistant message's blocks
    uploads: tuple[StoredFile, ...] = ()
    outputs: tuple[StoredFile, ...] = ()
    container_id: str | None = None
    container_expires_at: str | None = None
    container_used: bool = False
    used: ModelUsage = field(default_factory=ModelUsage)  # the turn's tokens and cost
    usage_model: str | None = None  # the model the API says answered
    follow_ups: tuple[str, ...] = ()  # the next questions suggested under the answer
    follow_up_used: ModelUsage = field(default_factory=ModelUsage)  # what asking for them cost
    follow_up_model: str | None = None  # the model that suggested them
    # A generic server error outlasted the retries and the container was kept for a retry.
    container_kept: bool = False
