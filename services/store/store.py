"""The conversation store: conversations, their messages and files, owned by one person each.

Every read and every destructive call takes the owner and treats another person's
conversation or file exactly like a missing one. The calls the turn recorder makes
while a turn runs (append/update a message, container, cost, files) take only the
conversation id: the recorder works on a conversation the page already opened for
its owner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

import services.store.conversations as conv
import services.store.files as file_rows
import services.store.follow_ups as follow_up_rows
import services.store.output_failures as failure_rows
import services.store.usage as usage_rows
from services.conversation import Conversation, ModelUsage
from services.files.blobs import BlobStore
from services.files.stored import FileDirection, StoredFile
from services.settings import Settings
from services.store.content import clean_title, normalise_content
from services.store.db import create_store_engine, read_transaction, utc_now, write_transaction
from services.store.errors import ConversationNotFound, FileNotFound
from services.store.leases import DEFAULT_EXPIRE_SECONDS, TurnLeases
from services.store.migrations import migrate
from services.store.records import ConversationRow, MessageRow, MessageStatus, Role
from services.store.restore import read_conversation
from services.store.schema import conversations

DEFAULT_LIST_LIMIT = 100


class Store:
    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        lease_expire_seconds: float = DEFAULT_EXPIRE_SECONDS,
    ) -> None:
        self.engine = engine
        self.blobs = blobs
        self.leases = TurnLeases(engine, lease_expire_seconds)  # which server writes a turn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- conversations ---------------------------------------------------------------

    def create_conversation(
        self, owner: str, model: str, title: str | None = None
    ) -> ConversationRow:
        with write_transaction(self.engine) as connection:
            return conv.insert_conversation(connection, owner, model, title)

    def list_conversations(
        self, owner: str, search: str | None = None, limit: int = DEFAULT_LIST_LIMIT
    ) -> list[ConversationRow]:
        """The owner's conversations, newest activity first; `search` words must all match."""
        with read_transaction(self.engine) as connection:
            return conv.list_owned(connection, owner, search, limit)

    def get_conversation(self, conversation_id: str, owner: str) -> ConversationRow | None:
        with read_transaction(self.engine) as connection:
            return conv.owned_conversation(connection, conversation_id, owner)

    def rename(self, conversation_id: str, owner: str, title: str) -> ConversationRow:
        return self._change(conversation_id, owner, **conv.title_values(clean_title(title)))

    def set_model(self, conversation_id: str, owner: str, model: str) -> ConversationRow:
        return self._change(conversation_id, owner, model=model)

    def _change(self, conversation_id: str, owner: str, **values: Any) -> ConversationRow:
        with write_transaction(self.engine) as connection:
            conv.require_owned(connection, conversation_id, owner, lock=True)
            conv.update_conversation(connection, conversation_id, **values)
            return conv.require_owned(connection, conversation_id, owner)

    def hide(self, conversation_id: str, owner: str) -> ConversationRow:
        """Mark it deleted: gone from every list and read until `restore_deleted`, kept
        whole until `delete` purges it."""
        with write_transaction(self.engine) as connection:
            conv.require_owned(connection, conversation_id, owner, lock=True)
            conv.update_conversation(connection, conversation_id, deleted_at=utc_now())
            return conv.require_owned(connection, conversation_id, owner, deleted=True)

    def restore_deleted(self, conversation_id: str, owner: str) -> bool:
        """Bring back a conversation `hide` marked; False if it is not (or no longer) there."""
        with write_transaction(self.engine) as connection:
            row = conv.owned_conversation(
                connection, conversation_id, owner, lock=True, deleted=True
            )
            if row is None or row.deleted_at is None:
                return False
            conv.update_conversation(connection, conversation_id, deleted_at=None)
            return True

    def deleted_before(self, moment: datetime) -> list[tuple[str, str]]:
        """(id, owner) of the conversations hidden at or before `moment`."""
        with read_transaction(self.engine) as connection:
            return conv.deleted_before(connection, moment)

    def delete(
        self, conversation_id: str, owner: str, *, hidden_before: datetime | None = None
    ) -> list[str]:
        """Delete the conversation, its messages, its file rows and the bytes no one else uses.

        Returns the Files API ids of its files (uploads first, then produced files) so
        the caller can delete them from the API too. With `hidden_before`, only a
        conversation hidden at or before then is deleted (a purge after the undo window):
        one restored meanwhile, or hidden again later, raises ConversationNotFound.
        """
        with write_transaction(self.engine) as connection:
            row = conv.require_owned(
                connection, conversation_id, owner, lock=True, deleted=hidden_before is not None
            )
            if hidden_before is not None and not _hidden_by(row, hidden_before):
                raise ConversationNotFound(conversation_id)
            rows = file_rows.select_files(connection, conversation_id)
            file_rows.delete_file_rows(connection, conversation_id)
            usage_rows.delete_usage(connection, conversation_id)
            follow_up_rows.delete_follow_ups(connection, conversation_id)
            failure_rows.delete_output_failures(connection, conversation_id)
            conv.delete_conversation_rows(connection, conversation_id)
        file_rows.release_blobs(self.engine, self.blobs, {r.blob_key for r in rows if r.blob_key})
        uploads = [r.id for r in rows if r.direction == FileDirection.UPLOADED]
        return uploads + [r.id for r in rows if r.direction != FileDirection.UPLOADED]

    # --- messages ----------------------------------------------------------------------

    def append_message(
        self,
        conversation_id: str,
        role: Role | str,
        content: str | Sequence[dict[str, Any]],
        status: MessageStatus | str = MessageStatus.COMPLETE,
        *,
        model: str | None = None,
    ) -> int:
        """Add a message at the end; returns its position (0, 1, 2, ... per conversation)."""
        blocks = normalise_content(content)
        with write_transaction(self.engine) as connection:
            return conv.insert_message(
                connection, conversation_id, Role(role), blocks, MessageStatus(status), model
            )

    def update_message(
        self,
        conversation_id: str,
        position: int,
        content: str | Sequence[dict[str, Any]],
        status: MessageStatus | str,
    ) -> None:
        """Replace a message's content and status (the recorder's in-progress assistant turn)."""
        blocks = normalise_content(content)
        with write_transaction(self.engine) as connection:
            conv.replace_message(
                connection, conversation_id, position, blocks, MessageStatus(status)
            )

    def set_follow_ups(self, conversation_id: str, position: int, questions: Sequence[str]) -> None:
        """Store the next questions suggested under the answer at `position`."""
        with write_transaction(self.engine) as connection:
            follow_up_rows.replace_follow_ups(connection, conversation_id, position, questions)

    def set_output_failure(
        self, conversation_id: str, position: int, file_id: str, why: str
    ) -> None:
        with write_transaction(self.engine) as connection:
            failure_rows.set_output_failure(connection, conversation_id, position, file_id, why)

    def last_message(self, conversation_id: str) -> MessageRow | None:
        """The conversation's last message (the turn's writer checks an append it could not
        confirm: the write may have landed before the connection dropped)."""
        with read_transaction(self.engine) as connection:
            return conv.select_last_message(connection, conversation_id)

    def load_messages(
        self, conversation_id: str, owner: str, *, start: int = 0
    ) -> list[MessageRow]:
        """The messages in order, from position `start` on."""
        with read_transaction(self.engine) as connection:
            conv.require_owned(connection, conversation_id, owner)
            return conv.select_messages(connection, conversation_id, start)

    # --- container and cost ------------------------------------------------------------

    def update_container(
        self, conversation_id: str, container_id: str | None, expires_at: str | None
    ) -> None:
        self._update(
            conversation_id,
            container_id=container_id,
            container_expires_at=expires_at,
            container_updated_at=utc_now(),
        )

    def add_cost(self, conversation_id: str, usd: float, unpriced_tokens: int = 0) -> None:
        _check_amounts(usd, unpriced_tokens)
        # Added in SQL, not read-modify-write: two servers may record at once.
        self._update(
            conversation_id,
            cost_usd=conversations.c.cost_usd + usd,
            unpriced_tokens=conversations.c.unpriced_tokens + unpriced_tokens,
        )

    def add_usage(self, conversation_id: str, model: str, used: ModelUsage) -> None:
        """Add a turn's tokens and cost to its model's row and to the conversation's totals."""
        _check_amounts(used.cost_usd, used.unpriced_tokens)
        with write_transaction(self.engine) as connection:
            if usage_rows.add_usage(connection, conversation_id, model, used) == 0:
                raise ConversationNotFound(conversation_id)

    def _update(self, conversation_id: str, **values: Any) -> None:
        with write_transaction(self.engine) as connection:
            if conv.update_conversation(connection, conversation_id, **values) == 0:
                raise ConversationNotFound(conversation_id)

    # --- files -------------------------------------------------------------------------

    def add_file(
        self, conversation_id: str, file: StoredFile, data: bytes | None = None
    ) -> StoredFile:
        """Record an uploaded or produced file; idempotent per file id.

        Without `data` its bytes must be in the blob store already (under its sha256);
        with it, they are written there.
        """
        with write_transaction(self.engine) as connection:
            return file_rows.insert_file(connection, self.blobs, conversation_id, file, data)

    def list_files(self, conversation_id: str, owner: str) -> list[StoredFile]:
        """The conversation's files by turn, in the order they were recorded."""
        with read_transaction(self.engine) as connection:
            conv.require_owned(connection, conversation_id, owner)
            rows = file_rows.select_files(connection, conversation_id)
        return [file_rows.to_stored_file(row, self.blobs) for row in rows]

    def get_file(self, file_id: str, owner: str) -> StoredFile | None:
        query = file_rows.owned_files_query(owner).where(file_rows.files.c.id == file_id)
        with read_transaction(self.engine) as connection:
            row = connection.execute(query).first()
        return None if row is None else file_rows.to_stored_file(row, self.blobs)

    def read_file(self, file_id: str, owner: str) -> bytes:
        """The file's bytes from the app's own copy."""
        file = self.get_file(file_id, owner)
        if file is None or not file.path.exists():
            raise FileNotFound(file_id)
        return file.path.read_bytes()

    # --- continuing after a restart ----------------------------------------------------

    def load_conversation(self, conversation_id: str, owner: str) -> Conversation | None:
        """The runner's Conversation for a stored one; None if the owner has no such one."""
        loaded = self.load_with_messages(conversation_id, owner)
        return None if loaded is None else loaded[0]

    def load_with_messages(
        self, conversation_id: str, owner: str
    ) -> tuple[Conversation, list[MessageRow]] | None:
        """read_conversation in one transaction; None if the owner has no such one."""
        with read_transaction(self.engine) as connection:
            row = conv.owned_conversation(connection, conversation_id, owner)
            return None if row is None else read_conversation(connection, row, self.blobs)


def _check_amounts(usd: float, unpriced_tokens: int) -> None:
    if not math.isfinite(usd) or usd < 0 or unpriced_tokens < 0:
        raise ValueError("cost and tokens must be finite and not negative")


def open_store(settings: Settings, *, run_migrations: bool = True) -> Store:
    """Open the database named by the settings (migrating it) and the file folder."""
    engine = create_store_engine(settings.database_url)
    try:
        if run_migrations:
            migrate(engine)
        return Store(engine, BlobStore(settings.files_dir), settings.lease_expire_seconds)
    except BaseException:
        engine.dispose()
        raise


def _hidden_by(row: ConversationRow, moment: datetime) -> bool:
    return row.deleted_at is not None and row.deleted_at <= moment
