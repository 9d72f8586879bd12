"""The values the store hands out: rows as frozen dataclasses, closed sets as StrEnums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.conversation import MessageStatus, Role
from services.files.stored import FileDirection, StoredFile

__all__ = [
    "LOCAL_OWNER",
    "ConversationRow",
    "FileDirection",
    "MessageRow",
    "MessageStatus",
    "Role",
    "StoredFile",
]

# The owner of every conversation when the app runs without authentication (single user).
LOCAL_OWNER = "local"


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
    deleted_at: datetime | None = None  # deleted, waiting for its purge (undo until then)


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
