"""Queries on the follow-up questions stored with an answer, by the answer's position."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.store.content import without_nul
from services.store.conversations import lock_conversation
from services.store.schema import message_follow_ups as table


def replace_follow_ups(
    connection: Connection, conversation_id: str, position: int, questions: Sequence[str]
) -> None:
    """The answer's questions, in order, in place of any it had (a retried write lands once).
    ConversationNotFound when the conversation is gone."""
    lock_conversation(connection, conversation_id)
    at = (table.c.conversation_id == conversation_id) & (table.c.message_position == position)
    connection.execute(table.delete().where(at))
    rows = [
        {
            "conversation_id": conversation_id,
            "message_position": position,
            "ordinal": ordinal,
            "question": without_nul(question),
        }
        for ordinal, question in enumerate(questions)
    ]
    if rows:
        connection.execute(table.insert(), rows)


def select_follow_ups(connection: Connection, conversation_id: str) -> dict[int, tuple[str, ...]]:
    query = (
        sa.select(table.c.message_position, table.c.question)
        .where(table.c.conversation_id == conversation_id)
        .order_by(table.c.message_position, table.c.ordinal)
    )
    found: dict[int, list[str]] = {}
    for row in connection.execute(query):
        found.setdefault(int(row.message_position), []).append(row.question)
    return {position: tuple(questions) for position, questions in found.items()}


def delete_follow_ups(connection: Connection, conversation_id: str) -> None:
    connection.execute(table.delete().where(table.c.conversation_id == conversation_id))
