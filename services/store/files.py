"""Queries on file rows, and the rule that ties them to the blob store.

Bytes are written and removed only while holding the lock for their sha256 (a
PostgreSQL advisory lock; on SQLite the write transaction), so recording a file and
removing the last reference to the same bytes on another server cannot interleave.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from services.files.blobs import BlobStore, sha256_of
from services.store.content import without_nul
from services.store.conversations import lock_conversation
from services.store.db import advisory_lock, utc_now, write_transaction
from services.store.errors import StoreError
from services.store.records import FileDirection, FileRow, NewFile
from services.store.schema import conversations, files


def _blob_lock(connection: Connection, digest: str) -> None:
    advisory_lock(connection, f"assistant.store.blob.{digest}")


def to_file_row(row: Row, blobs: BlobStore) -> FileRow:
    return FileRow(
        id=row.id,
        conversation_id=row.conversation_id,
        direction=FileDirection(row.direction),
        name=row.name,
        mime_type=row.mime_type,
        size=int(row.size),
        sha256=row.sha256,
        message_position=row.message_position,
        step_id=row.step_id,
        path=None if row.blob_key is None else blobs.path_for(row.blob_key),
        created_at=row.created_at,
    )


def _select_file(connection: Connection, file_id: str) -> Row | None:
    return connection.execute(sa.select(files).where(files.c.id == file_id)).first()


def insert_file(
    connection: Connection, blobs: BlobStore, conversation_id: str, new: NewFile
) -> FileRow:
    """Record a file and keep its bytes; recording the same id again returns the first row."""
    lock_conversation(connection, conversation_id)
    existing = _select_file(connection, new.id)
    if existing is not None and existing.conversation_id != conversation_id:
        raise StoreError(f"file {new.id} belongs to another conversation")
    digest, _path = _put_locked(connection, blobs, new.data)
    if existing is not None:
        return to_file_row(existing, blobs)
    connection.execute(
        files.insert().values(
            id=new.id,
            conversation_id=conversation_id,
            direction=str(FileDirection(new.direction)),
            name=without_nul(new.name),
            mime_type=without_nul(new.mime_type),
            size=len(new.data),
            sha256=digest,
            message_position=new.message_position,
            step_id=new.step_id,
            blob_key=digest,
            created_at=utc_now(),
        )
    )
    return to_file_row(_select_file(connection, new.id), blobs)


def _put_locked(connection: Connection, blobs: BlobStore, data: bytes) -> tuple[str, Path]:
    digest = sha256_of(data)
    _blob_lock(connection, digest)
    path = blobs.path_for(digest)
    # A copy of another length was cut short (a crash before its bytes reached the disk):
    # replace it rather than keep serving it under this digest.
    if path.exists() and path.stat().st_size != len(data):
        blobs.delete(digest)
    return blobs.put(data)


def owned_files_query(owner: str) -> sa.Select:
    return (
        sa.select(files)
        .join(conversations, conversations.c.id == files.c.conversation_id)
        .where(conversations.c.owner == owner)
    )


def select_files(connection: Connection, conversation_id: str) -> list[Row]:
    query = (
        sa.select(files)
        .where(files.c.conversation_id == conversation_id)
        .order_by(files.c.message_position.is_(None), files.c.message_position, files.c.created_at)
    )
    return list(connection.execute(query))


def delete_file_rows(connection: Connection, conversation_id: str) -> None:
    connection.execute(files.delete().where(files.c.conversation_id == conversation_id))


def release_blobs(engine: Engine, blobs: BlobStore, digests: set[str]) -> list[str]:
    """Remove the bytes no file row refers to any more; return the digests removed."""
    removed = []
    for digest in sorted(digests):
        with write_transaction(engine) as connection:
            _blob_lock(connection, digest)
            references = connection.execute(
                sa.select(sa.func.count()).select_from(files).where(files.c.blob_key == digest)
            ).scalar_one()
            if references == 0:
                blobs.delete(digest)
                removed.append(digest)
    return removed
