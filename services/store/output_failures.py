"""Queries on why an output file of an answer is missing: the reason the page said live
(the disk full, the API refusing the download), kept so a reload says the same."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.store.content import without_nul
from services.store.conversations import lock_conversation
from services.store.schema import output_failures as table


def set_output_failure(
    connection: Connection, conversation_id: str, position: int, file_id: str, reason: str
) -> None:
    """The file's reason in place of any it had (a retried write lands once).
    ConversationNotFound when the conversation is gone."""
    lock_conversation(connection, conversation_id)
    at = (table.c.conversation_id == conversation_id) & (table.c.file_id == file_id)
    connection.execute(table.delete().where(at))
    connection.execute(
        table.insert().values(
            conversation_id=conversation_id,
            file_id=file_id,
            message_position=position,
            reason=without_nul(reason),
        )
    )


def select_output_failures(connection: Connection, conversation_id: str) -> dict[str, str]:
    query = sa.select(table.c.file_id, table.c.reason).where(
        table.c.conversation_id == conversation_id
    )
    return {row.file_id: row.reason for row in connection.execute(query)}


def delete_output_failures(connection: Connection, conversation_id: str) -> None:
    connection.execute(table.delete().where(table.c.conversation_id == conversation_id))
