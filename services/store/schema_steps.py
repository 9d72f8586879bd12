"""The schema's steps, one function per migration, in order (see migrations.py).

Each function describes its own tables (not the live `schema` module) and its own data
rules, so it keeps doing exactly what it did the day it shipped; a step is never edited
once shipped, and a change is a new function.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateColumn


def add_column(connection: Connection, table: str, column: sa.Column) -> None:
    ddl = CreateColumn(column).compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {ddl}")


def m0001_conversations_and_messages(connection: Connection) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "conversations",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_conversations_owner_updated", "owner", "updated_at"),
    )
    sa.Table(
        "messages",
        metadata,
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    metadata.create_all(connection)


def m0002_files(connection: Connection) -> None:
    metadata = sa.MetaData()
    sa.Table("conversations", metadata, sa.Column("id", sa.String(64), primary_key=True))
    files = sa.Table(
        "files",
        metadata,
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("message_position", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.String(200), nullable=True),
        sa.Column("blob_key", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_files_conversation", "conversation_id"),
        sa.Index("ix_files_blob_key", "blob_key"),
    )
    files.create(connection)


def _search_text_0003(content_json: str) -> str:
    """The searchable text of a message as migration 0003 defines it (frozen copy)."""
    try:
        blocks = json.loads(content_json)
    except ValueError:
        return ""
    if isinstance(blocks, str):
        blocks = [{"type": "text", "text": blocks}]
    parts = [
        block["text"]
        for block in blocks
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
        and not block["text"].startswith("<app_note>")
    ]
    return " ".join(parts).replace("\x00", "").lower()


def m0003_message_search_text(connection: Connection) -> None:
    add_column(
        connection,
        "messages",
        sa.Column("search_text", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    messages = sa.table(
        "messages",
        sa.column("conversation_id"),
        sa.column("position"),
        sa.column("content_json"),
        sa.column("search_text"),
    )
    rows = connection.execute(
        sa.select(messages.c.conversation_id, messages.c.position, messages.c.content_json)
    ).all()
    for row in rows:
        connection.execute(
            messages.update()
            .where(messages.c.conversation_id == row.conversation_id)
            .where(messages.c.position == row.position)
            .values(search_text=_search_text_0003(row.content_json))
        )


def m0004_conversation_container_and_cost(connection: Connection) -> None:
    columns = [
        sa.Column("container_id", sa.String(200), nullable=True),
        sa.Column("container_expires_at", sa.String(64), nullable=True),
        sa.Column("container_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
        sa.Column("unpriced_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    ]
    for column in columns:
        add_column(connection, "conversations", column)


def m0005_conversation_search_title(connection: Connection) -> None:
    # Titles are lowered in Python (frozen rule: NUL removed, str.lower) so that search
    # matches non-ASCII letters on every database, whatever its lower() does.
    add_column(
        connection,
        "conversations",
        sa.Column("search_title", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    conversations = sa.table(
        "conversations", sa.column("id"), sa.column("title"), sa.column("search_title")
    )
    rows = connection.execute(
        sa.select(conversations.c.id, conversations.c.title).where(
            conversations.c.title.is_not(None)
        )
    ).all()
    for row in rows:
        connection.execute(
            conversations.update()
            .where(conversations.c.id == row.id)
            .values(search_title=row.title.replace("\x00", "").lower())
        )


def m0006_usage_by_model(connection: Connection) -> None:
    # Tokens and cost per conversation and model: the sidebar shows them after a reload,
    # and a conversation that changed model shows what each model cost.
    metadata = sa.MetaData()
    sa.Table("conversations", metadata, sa.Column("id", sa.String(64), primary_key=True))
    usage = sa.Table(
        "model_usage",
        metadata,
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model", sa.String(200), primary_key=True),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0"))
            for name in (
                "input_tokens",
                "output_tokens",
                "cache_read_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "unpriced_tokens",
            )
        ),
        sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
    )
    usage.create(connection)


# The openings of every note the app wrote before notes were marked (0007).
_NOTE_OPENINGS_0007 = (
    "<app_note>Files attached to this message:",
    "<app_note>The code execution environment was reset",
)


def m0007_marked_app_notes(connection: Connection) -> None:
    # The app's notes to Claude were told from the person's words by a text prefix, which
    # a person could type. Notes now carry a key of their own; the notes written before
    # get it here, recognised by the app's own wording, so a person's text stays shown.
    metadata = sa.MetaData()
    messages = sa.Table(
        "messages",
        metadata,
        sa.Column("conversation_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(16)),
        sa.Column("content_json", sa.Text()),
    )
    like = messages.c.content_json.like("%<app_note>%")
    rows = connection.execute(
        sa.select(messages.c.conversation_id, messages.c.position, messages.c.content_json)
        .where(messages.c.role == "user")
        .where(like)
    ).all()
    for row in rows:
        blocks = json.loads(row.content_json)
        marked = [_marked_0007(block) for block in blocks]
        if marked != blocks:
            connection.execute(
                messages.update()
                .where(messages.c.conversation_id == row.conversation_id)
                .where(messages.c.position == row.position)
                .values(content_json=json.dumps(marked, ensure_ascii=False, separators=(",", ":")))
            )


def _marked_0007(block: object) -> object:
    if not isinstance(block, dict) or block.get("type") != "text":
        return block
    text = block.get("text")
    if isinstance(text, str) and text.startswith(_NOTE_OPENINGS_0007):
        return {**block, "app_note": True}
    return block


def m0008_file_profiles(connection: Connection) -> None:
    # The profile of an attached table (its shape, types and problems), computed before
    # the turn was sent: shown under the person's message after a reload.
    add_column(connection, "files", sa.Column("profile_json", sa.Text(), nullable=True))
