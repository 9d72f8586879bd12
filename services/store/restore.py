"""Stored rows back into the runner's Conversation, so a conversation goes on after a restart."""

from __future__ import annotations

from collections.abc import Iterable

from services.conversation import Conversation, UploadedFile
from services.files.blobs import BlobStore
from services.store.records import ConversationRow, FileDirection, FileRow, MessageRow
from services.turn.events import OutputFile


def _bytes_path(file: FileRow, blobs: BlobStore):
    # A row always names its bytes today; the digest gives the same place if it ever does not.
    return file.path if file.path is not None else blobs.path_for(file.sha256)


def _uploaded(file: FileRow, blobs: BlobStore) -> UploadedFile:
    return UploadedFile(
        file_id=file.id,
        name=file.name,
        mime_type=file.mime_type,
        size=file.size,
        sha256=file.sha256,
        path=_bytes_path(file, blobs),
    )


def _output(file: FileRow, blobs: BlobStore) -> OutputFile:
    return OutputFile(
        file_id=file.id,
        name=file.name,
        mime_type=file.mime_type,
        size=file.size,
        sha256=file.sha256,
        path=_bytes_path(file, blobs),
        step_id=file.step_id or "",
    )


def to_conversation(
    row: ConversationRow,
    messages: Iterable[MessageRow],
    files: Iterable[FileRow],
    blobs: BlobStore,
) -> Conversation:
    """The runner's state for a stored conversation: history, container, uploads and outputs."""
    conversation = Conversation(
        model=row.model,
        id=row.id,
        messages=[message.to_history() for message in messages],
        container_id=row.container_id,
        container_expires_at=row.container_expires_at,
        container_last_used=(
            None if row.container_updated_at is None else row.container_updated_at.isoformat()
        ),
        cost_usd=row.cost_usd,
        unpriced_tokens=row.unpriced_tokens,
    )
    for file in files:
        if file.direction is FileDirection.UPLOADED:
            conversation.uploads[file.sha256] = _uploaded(file, blobs)
        else:
            conversation.outputs[file.id] = _output(file, blobs)
    return conversation
