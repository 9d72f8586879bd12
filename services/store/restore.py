"""A stored conversation as the snapshot a turn reads: history, container, files, cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.conversation import Conversation, ModelUsage
from services.files.stored import FileDirection, StoredFile
from services.store.records import ConversationRow, MessageRow, MessageStatus


def to_conversation(
    row: ConversationRow,
    messages: Iterable[MessageRow],
    files: Iterable[StoredFile],
    usage: Mapping[str, ModelUsage] | None = None,
    follow_ups: Mapping[int, tuple[str, ...]] | None = None,
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
    )
