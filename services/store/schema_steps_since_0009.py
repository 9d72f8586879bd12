"""The schema's steps from 0009 on (the earlier ones are in schema_steps.py); the same
rules hold: each describes its own tables and is never edited once shipped."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.store.db import UTCDateTime
from services.store.schema_steps import add_column


def m0009_message_follow_ups(connection: Connection) -> None:
    # The next questions suggested under an answer (at most three, in order), kept with
    # the assistant message they follow so that they come back after a reload.
    metadata = sa.MetaData()
    sa.Table("conversations", metadata, sa.Column("id", sa.String(64), primary_key=True))
    follow_ups = sa.Table(
        "message_follow_ups",
        metadata,
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("message_position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ordinal", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("question", sa.Text(), nullable=False),
    )
    follow_ups.create(connection)


def m0010_conversation_deleted_at(connection: Connection) -> None:
    # A deleted conversation is first hidden (and can be restored for a few seconds), then
    # purged with its files; the time it was hidden says when its undo window ends.
    add_column(connection, "conversations", sa.Column("deleted_at", UTCDateTime(), nullable=True))


def m0011_turn_leases(connection: Connection) -> None:
    # One writer per conversation across app servers: the server whose turn runs holds a
    # lease on the conversation, renewed by a heartbeat; another server sees it here and
    # refuses a second turn until it is released or its heartbeat has stopped too long.
    metadata = sa.MetaData()
    leases = sa.Table(
        "turn_leases",
        metadata,
        sa.Column("conversation_id", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    leases.create(connection)


def m0012_output_failures(connection: Connection) -> None:
    # Why an answer's output file is missing (the disk full, the download refused): the
    # page says it while the turn runs, and a reload must say the same.
    metadata = sa.MetaData()
    sa.Table("conversations", metadata, sa.Column("id", sa.String(64), primary_key=True))
    failures = sa.Table(
        "output_failures",
        metadata,
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("file_id", sa.String(200), primary_key=True),
        sa.Column("message_position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    failures.create(connection)
