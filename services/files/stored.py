"""A file the app keeps: its Files API id, what it is, and where its bytes are.

One type for every stored file, whichever way it came: an attachment the person uploaded
or a file code execution produced. Its bytes are in the blob store under `sha256`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from services.tables.profile import FileProfile


class FileDirection(StrEnum):
    UPLOADED = "uploaded"  # the person attached it
    PRODUCED = "produced"  # code execution made it


@dataclass(frozen=True)
class StoredFile:
    file_id: str  # the Files API id
    name: str  # already cleaned: safe to show and to use as a download name
    mime_type: str
    size: int
    sha256: str
    path: Path  # its bytes, in the blob store
    direction: FileDirection = FileDirection.UPLOADED
    step_id: str | None = None  # the code step that produced it
    message_position: int | None = None  # the stored message that attached or produced it
    profile: FileProfile | None = None  # an attached table's profile, made before sending

    @property
    def id(self) -> str:
        return self.file_id
