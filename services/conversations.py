"""The conversation service: what a person can do with their conversations, without Streamlit.

The page and the command line both call it: open one for its owner, start a turn in it
(the turn is stored as it streams), read it back when the turn ends, list, search,
rename and delete. Every call names the owner it acts for; another person's conversation
reads exactly like a missing one. One service per process: it also knows which
conversations have a turn running, here or (through the store's leases) on another server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services import deletion
from services.conversation import Attachment, Conversation
from services.export.formats import Export, ExportFormat, export
from services.files.uploads import check_sizes
from services.running_turns import RunningTurns, TurnBusy
from services.settings import Settings
from services.store import (
    LOCAL_OWNER,
    ConversationNotFound,
    ConversationRow,
    Store,
    StoreUnavailable,
)
from services.turn.handle import TurnHandle
from services.turn.options import DEFAULT_OPTIONS, TurnOptions
from services.turn.runner import TurnRunner

LIST_LIMIT = 50
__all__ = [
    "LOCAL_OWNER",
    "ConversationNotFound",
    "ConversationRow",
    "ConversationService",
    "RunningTurns",
    "StoreUnavailable",
    "TurnBusy",
]


@dataclass(frozen=True)
class StartedTurn:
    conversation: Conversation  # as it was when the turn started (stored, with its id)
    handle: TurnHandle

    @property
    def base_len(self) -> int:
        return len(self.conversation.messages)


class ConversationService:
    def __init__(
        self, store: Store, settings: Settings, running: RunningTurns | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        # Turns here and, through the store's leases, on every server sharing the store.
        self.running = running or RunningTurns(
            store.leases, renew_seconds=settings.lease_renew_seconds
        )

    def new(self, model: str | None = None) -> Conversation:
        """A conversation not stored yet: it is stored with its first message."""
        return Conversation(model=model or self.settings.model)

    def open(self, conversation_id: str, owner: str) -> Conversation | None:
        """The owner's stored conversation as a snapshot; None if they have no such one."""
        loaded = self.store.load_with_messages(conversation_id, owner)
        return None if loaded is None else loaded[0]

    def list(
        self, owner: str, search: str | None = None, limit: int = LIST_LIMIT
    ) -> list[ConversationRow]:
        return self.store.list_conversations(owner, search or None, limit=limit)

    def rename(self, conversation_id: str, owner: str, title: str) -> None:
        self.store.rename(conversation_id, owner, title)

    def delete(
        self,
        conversation_id: str,
        owner: str,
        delete_api_files: Callable[[Sequence[str]], object] | None = None,
    ) -> bool:
        """Hide it now, purge it and its files (the API's through `delete_api_files`) when
        the undo window ends; False if it was already gone (another tab)."""
        if self.running.is_running(conversation_id):
            raise TurnBusy(conversation_id)
        try:
            hidden = self.store.hide(conversation_id, owner)
        except ConversationNotFound:
            return False
        assert hidden.deleted_at is not None
        window = self.settings.delete_undo_seconds
        deletion.purge_later(
            self.store, conversation_id, owner, hidden.deleted_at, window, delete_api_files
        )
        return True

    def undo_delete(self, conversation_id: str, owner: str) -> bool:
        """Bring back a conversation deleted within the undo window; False if too late."""
        return self.store.restore_deleted(conversation_id, owner)

    def purge_deleted(self, delete_api_files: Callable[[Sequence[str]], object] | None) -> None:
        """Purge the deletions whose undo window passed while no server was running."""
        deletion.purge_due(self.store, self.settings.delete_undo_seconds, delete_api_files)

    def read_file(self, file_id: str, owner: str) -> bytes:
        return self.store.read_file(file_id, owner)

    def export(self, conversation_id: str, owner: str, kind: ExportFormat) -> Export | None:
        """The owner's conversation exported as `kind`; None if they have no such one."""
        row = self.store.get_conversation(conversation_id, owner)
        conversation = self.open(conversation_id, owner)
        if row is None or conversation is None:
            return None
        read = lambda file_id: self.store.read_file(file_id, owner)  # noqa: E731
        return export(conversation, row.title or "Analysis", read, kind)

    def start_turn(
        self,
        runner: TurnRunner,
        owner: str,
        conversation: Conversation,
        text: str,
        attachments: Sequence[Attachment] = (),
        *,
        stored: bool,
        options: TurnOptions = DEFAULT_OPTIONS,
    ) -> StartedTurn:
        """Start a turn of `conversation` (stored first if it is new), read fresh from the
        store so that what another tab or server added is sent too.

        Raises FileTooLarge, TurnBusy, or ConversationNotFound (deleted meanwhile).
        """
        check_sizes(attachments, self.settings.upload_limit_bytes)
        claimed: str | None = None
        if stored:  # claimed before it is read, so no other turn can land in between
            self.running.claim(conversation.id)
            claimed = conversation.id
        try:
            current = self._current(owner, conversation, stored)
            if claimed is None:
                self.running.claim(current.id)
                claimed = current.id
            handle = runner.start(current, text, attachments, store=self.store, options=options)
        except BaseException:
            if claimed is not None:
                self.running.release(claimed)
            raise
        self.running.add(current.id, handle)
        return StartedTurn(current, handle)

    def _current(self, owner: str, conversation: Conversation, stored: bool) -> Conversation:
        model = conversation.model
        if not stored:
            row = self.store.create_conversation(owner, model)
            return Conversation(model=row.model, id=row.id)
        current = self.open(conversation.id, owner)
        if current is None:
            raise ConversationNotFound(conversation.id)
        if current.model != model:
            self.store.set_model(conversation.id, owner, model)
            current = self.open(conversation.id, owner) or current
        return current

    def finish(self, started: StartedTurn, owner: str) -> Conversation | None:
        """The conversation after its turn, read from the store; None when the turn stored
        nothing (its request never reached the API), in which case a conversation that is
        left empty is deleted, so that the list shows no empty entry.

        Raises ConversationNotFound when it was deleted while the turn ran.
        """
        conversation_id = started.conversation.id
        self.running.release_settled()  # its lease, at once: another server may go on
        current = self.open(conversation_id, owner)
        if current is None:
            raise ConversationNotFound(conversation_id)
        if not current.messages:
            self.store.delete(conversation_id, owner)
            return None
        return current
