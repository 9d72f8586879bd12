"""The state of one conversation as the turn runner reads and updates it.

`messages` holds the API messages exactly as they are sent (role and content blocks as
JSON), so each turn resends the history byte for byte, which prompt caching needs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """A file the person attached to a message, before it is uploaded."""

    name: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class UploadedFile:
    """An attachment uploaded to the Files API, its bytes kept in the blob store."""

    file_id: str
    name: str
    mime_type: str
    size: int
    sha256: str
    path: Path


@dataclass
class Conversation:
    model: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    messages: list[dict[str, Any]] = field(default_factory=list)
    container_id: str | None = None
    container_expires_at: str | None = None
    container_last_used: str | None = None
    uploads: dict[str, UploadedFile] = field(default_factory=dict)  # by sha256
    outputs: dict[str, Any] = field(default_factory=dict)  # file_id -> events.OutputFile
    cost_usd: float = 0.0
    unpriced_tokens: int = 0  # tokens of models not in the price table
