"""The tables as the latest migration leaves them, for the store's queries.

Migrations describe their own tables; this module only mirrors the end result, so a
query never names a column no migration created (tests check the two agree).
"""

from __future__ import annotations

import sqlalchemy as sa

from services.store.db import UTCDateTime

metadata = sa.MetaData()

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(320), nullable=False),
    sa.Column("title", sa.Text(), nullable=True),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("container_id", sa.String(200), nullable=True),
    sa.Column("container_expires_at", sa.String(64), nullable=True),
    sa.Column("container_updated_at", UTCDateTime(), nullable=True),
    sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
    sa.Column("unpriced_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("search_title", sa.Text(), nullable=False, server_default=sa.text("''")),
    # Set while a deletion can still be undone: hidden from everything, purged after.
    sa.Column("deleted_at", UTCDateTime(), nullable=True),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column(
        "conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content_json", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("search_text", sa.Text(), nullable=False, server_default=sa.text("''")),
)

files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("mime_type", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("message_position", sa.Integer(), nullable=True),
    sa.Column("step_id", sa.String(200), nullable=True),
    sa.Column("blob_key", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("profile_json", sa.Text(), nullable=True),
)

model_usage = sa.Table(
    "model_usage",
    metadata,
    sa.Column(
        "conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("input_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("output_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column(
        "cache_write_5m_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")
    ),
    sa.Column(
        "cache_write_1h_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")
    ),
    sa.Column("unpriced_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    sa.Column("cost_usd", sa.Float(), nullable=False, server_default=sa.text("0")),
)

message_follow_ups = sa.Table(
    "message_follow_ups",
    metadata,
    sa.Column(
        "conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("message_position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("ordinal", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("question", sa.Text(), nullable=False),
)

turn_leases = sa.Table(
    "turn_leases",
    metadata,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    sa.Column("taken_at", UTCDateTime(), nullable=False),
    sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
)

output_failures = sa.Table(
    "output_failures",
    metadata,
    sa.Column(
        "conversation_id", sa.String(64), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("file_id", sa.String(200), primary_key=True),
    sa.Column("message_position", sa.Integer(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
)
