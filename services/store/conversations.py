"""Queries on conversations and their messages, each run inside the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

import services.store.content as content_rules
from services.store.db import utc_now
from services.store.errors import ConversationNotFound, MessageNotFound
from services.store.records import ConversationRow, MessageRow, MessageStatus, Role
from services.store.schema import conversations, messages

MAX_SEARCH_WORDS = 32


def to_conversation_row(row: Row) -> ConversationRow:
    return ConversationRow(
        id=row.id,
        owner=row.owner,
        title=row.title,
        model=row.model,
        created_at=row.created_at,
        updated_at=row.updated_at,
        container_id=row.container_id,
        container_expires_at=row.container_expires_at,
        container_updated_at=row.container_updated_at,
        cost_usd=float(row.cost_usd),
        unpriced_tokens=int(row.unpriced_tokens),
        deleted_at=row.deleted_at,
    )


def to_message_row(row: Row) -> MessageRow:
    return MessageRow(
        conversation_id=row.conversation_id,
        position=row.position,
        role=Role(row.role),
        content=content_rules.decode_content(row.content_json),
        status=MessageStatus(row.status),
        model=row.model,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def title_values(title: str | None) -> dict[str, Any]:
    """The title columns for `title` (already cleaned): the title and its search form."""
    return {"title": title, "search_title": content_rules.search_title(title)}


def insert_conversation(
    connection: Connection, owner: str, model: str, title: str | None
) -> ConversationRow:
    now = utc_now()
    values = {
        "id": uuid.uuid4().hex,
        "owner": owner,
        **title_values(None if title is None else content_rules.clean_title(title)),
        "model": model,
        "created_at": now,
        "updated_at": now,
        "cost_usd": 0.0,
        "unpriced_tokens": 0,
    }
    connection.execute(conversations.insert().values(**values))
    return owned_conversation(connection, values["id"], owner)


def owned_conversation(
    connection: Connection,
    conversation_id: str,
    owner: str,
    *,
    lock: bool = False,
    deleted: bool = False,
) -> ConversationRow | None:
    """The owner's conversation; one deleted (waiting for its purge) only when `deleted`."""
    query = sa.select(conversations).where(
        conversations.c.id == conversation_id, conversations.c.owner == owner
    )
    if not deleted:
        query = query.where(conversations.c.deleted_at.is_(None))
    row = connection.execute(query.with_for_update() if lock else query).first()
    return None if row is None else to_conversation_row(row)


def require_owned(
    connection: Connection,
    conversation_id: str,
    owner: str,
    *,
    lock: bool = False,
    deleted: bool = False,
) -> ConversationRow:
    row = owned_conversation(connection, conversation_id, owner, lock=lock, deleted=deleted)
    if row is None:
        raise ConversationNotFound(conversation_id)
    return row


def _like_pattern(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(term: str) -> sa.ColumnElement[bool]:
    pattern = _like_pattern(term)
    in_messages = (
        sa.select(messages.c.position)
        .where(messages.c.conversation_id == conversations.c.id)
        .where(messages.c.search_text.like(pattern, escape="\\"))
        .exists()
    )
    return sa.or_(conversations.c.search_title.like(pattern, escape="\\"), in_messages)


def search_words(search: str | None) -> list[str]:
    """The distinct words of a search, the first MAX_SEARCH_WORDS of them.

    Each word adds a condition to the query; a pasted page of text must not grow it past
    what the database accepts (SQLite refuses an expression tree deeper than 1000).
    """
    words = dict.fromkeys(content_rules.without_nul(search or "").lower().split())
    return list(words)[:MAX_SEARCH_WORDS]


def list_owned(
    connection: Connection, owner: str, search: str | None, limit: int
) -> list[ConversationRow]:
    query = sa.select(conversations).where(
        conversations.c.owner == owner, conversations.c.deleted_at.is_(None)
    )
    # Every word must appear, in the title or in any message's text.
    for term in search_words(search):
        query = query.where(_matches(term))
    query = query.order_by(
        conversations.c.updated_at.desc(), conversations.c.created_at.desc(), conversations.c.id
    ).limit(limit)
    return [to_conversation_row(row) for row in connection.execute(query)]


def update_conversation(connection: Connection, conversation_id: str, **values: Any) -> int:
    result = connection.execute(
        conversations.update().where(conversations.c.id == conversation_id).values(**values)
    )
    return result.rowcount


def lock_conversation(connection: Connection, conversation_id: str) -> Row:
    """The conversation row, locked until the transaction ends (appends queue up on it)."""
    query = (
        sa.select(conversations.c.id, conversations.c.title)
        .where(conversations.c.id == conversation_id)
        .with_for_update()
    )
    row = connection.execute(query).first()
    if row is None:
        raise ConversationNotFound(conversation_id)
    return row


def insert_message(
    connection: Connection,
    conversation_id: str,
    role: Role,
    blocks: list[dict[str, Any]],
    status: MessageStatus,
    model: str | None,
) -> int:
    conversation = lock_conversation(connection, conversation_id)
    next_position = sa.select(sa.func.coalesce(sa.func.max(messages.c.position) + 1, 0)).where(
        messages.c.conversation_id == conversation_id
    )
    position = int(connection.execute(next_position).scalar_one())
    now = utc_now()
    connection.execute(
        messages.insert().values(
            conversation_id=conversation_id,
            position=position,
            role=str(role),
            content_json=content_rules.encode_content(blocks),
            search_text=content_rules.search_text(blocks),
            status=str(status),
            model=model,
            created_at=now,
            updated_at=now,
        )
    )
    changes: dict[str, Any] = {"updated_at": now}
    if role is Role.USER and conversation.title is None:
        title = content_rules.title_from_blocks(blocks)
        if title is not None:
            changes.update(title_values(title))
    update_conversation(connection, conversation_id, **changes)
    return position


def replace_message(
    connection: Connection,
    conversation_id: str,
    position: int,
    blocks: list[dict[str, Any]],
    status: MessageStatus,
) -> None:
    result = connection.execute(
        messages.update()
        .where(messages.c.conversation_id == conversation_id, messages.c.position == position)
        .values(
            content_json=content_rules.encode_content(blocks),
            search_text=content_rules.search_text(blocks),
            status=str(status),
            updated_at=utc_now(),
        )
    )
    if result.rowcount == 0:
        raise MessageNotFound(f"{conversation_id}/{position}")


def select_messages(connection: Connection, conversation_id: str, start: int) -> list[MessageRow]:
    query = (
        sa.select(messages)
        .where(messages.c.conversation_id == conversation_id, messages.c.position >= start)
        .order_by(messages.c.position)
    )
    return [to_message_row(row) for row in connection.execute(query)]


def select_last_message(connection: Connection, conversation_id: str) -> MessageRow | None:
    query = (
        sa.select(messages)
        .where(messages.c.conversation_id == conversation_id)
        .order_by(messages.c.position.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return None if row is None else to_message_row(row)


def delete_conversation_rows(connection: Connection, conversation_id: str) -> None:
    connection.execute(messages.delete().where(messages.c.conversation_id == conversation_id))
    connection.execute(conversations.delete().where(conversations.c.id == conversation_id))


def deleted_before(connection: Connection, moment: datetime) -> list[tuple[str, str]]:
    """(id, owner) of every conversation deleted at or before `moment`: due for its purge."""
    query = sa.select(conversations.c.id, conversations.c.owner).where(
        conversations.c.deleted_at.is_not(None), conversations.c.deleted_at <= moment
    )
    return [(row.id, row.owner) for row in connection.execute(query)]
