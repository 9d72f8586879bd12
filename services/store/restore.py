"""A stored conversation as the snapshot a turn reads: history, container, files, cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.engine import Connection

import services.store.conversations as conv
import services.store.files as file_rows
import services.store.follow_ups as follow_up_rows
import services.store.output_failures as failure_rows
import services.store.usage as usage_rows
from services.conversation import Conversation, ModelUsage
from services.files.blobs import BlobStore
from services.files.stored import FileDirection, StoredFile
from services.store.records import ConversationRow, MessageRow, MessageStatus


def to_conversation(
    row: ConversationRow,
    messages: Iterable[MessageRow],
    files: Iterable[StoredFile],
    usage: Mapping[str, ModelUsage] | None = None,
    follow_ups: Mapping[int, tuple[str, ...]] | None = None,
    output_failures: Mapping[str, str] | None = None,
) -> Conversation:
    """The snapshot of a stored conversation, read in one transaction by the caller."""
    messages = list(messages)
    files = list(files)
    return Conversation(
        model=row.model,
        id=row.id,
        messages=tuple(message.to_history() for message in messages),
        container_id=row.container_id,
        container_expires_at=row.container_expires_at,
        container_last_used=(
            None if row.container_updated_at is None else row.container_updated_at.isoformat()
        ),
        uploads={f.sha256: f for f in files if f.direction is FileDirection.UPLOADED},
        outputs={f.file_id: f for f in files if f.direction is not FileDirection.UPLOADED},
        cost_usd=row.cost_usd,
        unpriced_tokens=row.unpriced_tokens,
        statuses={m.position: m.status for m in messages if m.status is not MessageStatus.COMPLETE},
        usage=usage or {},
        follow_ups=follow_ups or {},
        output_failures=output_failures or {},
    )


def read_conversation(
    connection: Connection, row: ConversationRow, blobs: BlobStore
) -> tuple[Conversation, list[MessageRow]]:
    """The Conversation of an owned row and the message rows it was made from (with their
    statuses), read on the caller's one transaction."""
    messages = conv.select_messages(connection, row.id, 0)
    files = [file_rows.to_stored_file(r, blobs) for r in file_rows.select_files(connection, row.id)]
    usage = usage_rows.select_usage(connection, row.id)
    follow_ups = follow_up_rows.select_follow_ups(connection, row.id)
    failures = failure_rows.select_output_failures(connection, row.id)
    return to_conversation(row, messages, files, usage, follow_ups, failures), messages
