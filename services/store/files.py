"""Queries on file rows, and the rule that ties them to the blob store.

Bytes are written and removed only while holding the lock for their sha256 (a
PostgreSQL advisory lock; on SQLite the write transaction), so recording a file and
removing the last reference to the same bytes on another server cannot interleave.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from services.files.blobs import BlobStore, sha256_of
from services.files.stored import FileDirection, StoredFile
from services.store.content import without_nul
from services.store.conversations import lock_conversation
from services.store.db import advisory_lock, utc_now, write_transaction
from services.store.errors import BytesMissing, StoreError
from services.store.schema import conversations, files
from services.tables.codec import profile_from_json, profile_to_json


def _blob_lock(connection: Connection, digest: str) -> None:
    advisory_lock(connection, f"assistant.store.blob.{digest}")


def to_stored_file(row: Row, blobs: BlobStore) -> StoredFile:
    return StoredFile(
        file_id=row.id,
        name=row.name,
        mime_type=row.mime_type,
        size=int(row.size),
        sha256=row.sha256,
        # Rows name their bytes; the digest gives the same place for one that does not.
        path=blobs.path_for(row.blob_key or row.sha256),
        direction=FileDirection(row.direction),
        step_id=row.step_id,
        message_position=row.message_position,
        profile=profile_from_json(row.profile_json),
    )


def _select_file(connection: Connection, file_id: str) -> Row | None:
    return connection.execute(sa.select(files).where(files.c.id == file_id)).first()


def insert_file(
    connection: Connection,
    blobs: BlobStore,
    conversation_id: str,
    file: StoredFile,
    data: bytes | None = None,
) -> StoredFile:
    """Record a file; the same id again returns the first row.

    Its bytes are `data` when given (written here, under the digest's lock), else they
    must be in the blob store already, under `file.sha256`.
    """
    lock_conversation(connection, conversation_id)
    existing = _select_file(connection, file.file_id)
    if existing is not None and existing.conversation_id != conversation_id:
        raise StoreError(f"file {file.file_id} belongs to another conversation")
    if data is None:
        _check_bytes(connection, blobs, file)
    else:
        _put_locked(connection, blobs, file, data)
    if existing is not None:
        return to_stored_file(existing, blobs)
    connection.execute(
        files.insert().values(
            id=file.file_id,
            conversation_id=conversation_id,
            direction=str(FileDirection(file.direction)),
            name=without_nul(file.name),
            mime_type=without_nul(file.mime_type),
            size=file.size,
            sha256=file.sha256,
            message_position=file.message_position,
            step_id=file.step_id,
            blob_key=file.sha256,
            profile_json=None if file.profile is None else profile_to_json(file.profile),
            created_at=utc_now(),
        )
    )
    return to_stored_file(_select_file(connection, file.file_id), blobs)


def _check_bytes(connection: Connection, blobs: BlobStore, file: StoredFile) -> None:
    """The file's bytes must be in the blob store, whole, while the row is recorded.

    Checked under the digest's lock, so another server releasing the same bytes cannot
    remove them between this check and the row that keeps them.
    """
    _blob_lock(connection, file.sha256)
    path = blobs.path_for(file.sha256)
    if not path.exists() or path.stat().st_size != file.size:
        raise BytesMissing(f"the bytes of file {file.file_id} are not in the file store")


def _put_locked(connection: Connection, blobs: BlobStore, file: StoredFile, data: bytes) -> None:
    digest = sha256_of(data)
    if digest != file.sha256 or len(data) != file.size:
        raise StoreError(f"the bytes given for file {file.file_id} are not its bytes")
    _blob_lock(connection, digest)
    path = blobs.path_for(digest)
    # A copy of another length was cut short (a crash before its bytes reached the disk):
    # replace it rather than keep serving it under this digest.
    if path.exists() and path.stat().st_size != len(data):
        blobs.delete(digest)
    blobs.put(data)


def owned_files_query(owner: str) -> sa.Select:
    return (
        sa.select(files)
        .join(conversations, conversations.c.id == files.c.conversation_id)
        .where(conversations.c.owner == owner, conversations.c.deleted_at.is_(None))
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
