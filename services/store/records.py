"""The values the store hands out: rows as frozen dataclasses, closed sets as StrEnums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

# The owner of every conversation when the app runs without authentication (single user).
LOCAL_OWNER = "local"


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # the recorder is still writing it (or its server went away)
    COMPLETE = "complete"
    STOPPED = "stopped"  # the person pressed Stop
    FAILED = "failed"  # an error ended the turn


class FileDirection(StrEnum):
    UPLOADED = "uploaded"  # the person attached it
    PRODUCED = "produced"  # code execution made it


@dataclass(frozen=True)
class ConversationRow:
    id: str
    owner: str
    title: str | None  # None until the first message with text names it
    model: str
    created_at: datetime
    updated_at: datetime
    container_id: str | None
    container_expires_at: str | None  # the API's rolling estimate, kept as sent
    container_updated_at: datetime | None
    cost_usd: float
    unpriced_tokens: int


@dataclass(frozen=True)
class MessageRow:
    conversation_id: str
    position: int
    role: Role
    content: list[dict[str, Any]]  # the API content blocks, as sent or received
    status: MessageStatus
    model: str | None  # the model that wrote an assistant message
    created_at: datetime
    updated_at: datetime

    def to_api(self) -> dict[str, Any]:
        """The message as the API takes it: role and content only."""
        return {"role": str(self.role), "content": self.content}

    def to_history(self) -> dict[str, Any]:
        """The message as `Conversation.messages` keeps it: assistant turns name their model."""
        message = self.to_api()
        if self.role is Role.ASSISTANT and self.model is not None:
            message["model"] = self.model
        return message


@dataclass(frozen=True)
class FileRow:
    id: str  # the Files API file id
    conversation_id: str
    direction: FileDirection
    name: str
    mime_type: str
    size: int
    sha256: str
    message_position: int | None  # the turn that attached or produced it
    step_id: str | None  # the server_tool_use id of the code step that produced it
    path: Path | None  # where its bytes are; None when the app holds no copy
    created_at: datetime


@dataclass(frozen=True)
class NewFile:
    """A file to record, with its bytes (kept in the blob store under their sha256)."""

    id: str
    direction: FileDirection
    name: str
    mime_type: str
    data: bytes
    message_position: int | None = None
    step_id: str | None = None
