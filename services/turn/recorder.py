"""Persists a turn while it streams, so the page and the CLI store turns the same way.

The recorder wraps the turn runner. Its own thread reads the runner's events, writes them
to the store, then hands them on to the consumer: a turn is stored even when nobody reads
it. The assistant message is written when a block completes and at most a second after
any other change, so a killed process loses at most one second or one block.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from services.conversation import Attachment, Conversation, UploadedFile
from services.pricing import usage_counts
from services.store import FileDirection, MessageStatus, NewFile, Role, Store
from services.turn.buffer import TurnRecord
from services.turn.events import (
    BlockCompleted,
    ContainerUpdated,
    FileUploaded,
    OutputFile,
    OutputFileReady,
    StopReason,
    TurnEvent,
    TurnFinished,
    Usage,
    UserMessageReady,
)
from services.turn.runner import TurnHandle, TurnRunner

log = logging.getLogger(__name__)

FINAL_STATUS = {
    StopReason.STOPPED: MessageStatus.STOPPED,
    StopReason.FAILED: MessageStatus.FAILED,
}


class Recorder:
    def __init__(self, runner: TurnRunner, store: Store, flush_seconds: float = 1.0) -> None:
        self.runner = runner
        self.store = store
        self.flush_seconds = flush_seconds

    def start(
        self,
        conversation_id: str,
        conversation: Conversation,
        text: str,
        attachments: Sequence[Attachment] = (),
    ) -> RecordedTurn:
        inner = self.runner.start(conversation, text, attachments)
        writer = TurnWriter(self.store, conversation_id, conversation)
        return RecordedTurn(inner, writer, self.flush_seconds)

    def list_models(self) -> list[str]:
        return self.runner.list_models()


class RecordedTurn(TurnHandle):
    """The runner's handle, seen through the recorder: events come out after they are stored."""

    def __init__(self, inner: TurnHandle, writer: TurnWriter, flush_seconds: float) -> None:
        super().__init__()
        self._inner = inner
        self._writer = writer
        self._flush_seconds = flush_seconds
        self.set_abort(inner.stop)  # Stop on this handle closes the runner's stream
        self._pump = threading.Thread(target=self._run, name="turn-recorder", daemon=True)
        self._pump.start()

    def _run(self) -> None:
        while True:
            event = self._inner.get(timeout=self._flush_seconds / 2)
            if event is None:
                self._writer.flush_if_due(self._flush_seconds)
                continue
            self._writer.record(event)
            self._writer.flush_if_due(self._flush_seconds)
            if isinstance(event, TurnFinished):
                self.finish(event)
                return
            self.emit(event)


class TurnWriter:
    """Writes one turn's events to the store; a failing write is logged, never fatal."""

    def __init__(self, store: Store, conversation_id: str, conversation: Conversation) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.conversation = conversation
        self.turn = TurnRecord()
        self.user_position: int | None = None
        self.assistant_position: int | None = None
        self.dirty = False
        self.last_flush = time.monotonic()

    def record(self, event: TurnEvent) -> None:
        self._safely(lambda: self._record(event))

    def _record(self, event: TurnEvent) -> None:
        if isinstance(event, UserMessageReady):
            self._store_user_message(list(event.content))
        elif isinstance(event, FileUploaded):
            self._store_upload(event)
        elif isinstance(event, OutputFileReady):
            self._store_output(event)
        elif isinstance(event, ContainerUpdated):
            self.store.update_container(self.conversation_id, event.container_id, event.expires_at)
        elif isinstance(event, Usage):
            unpriced = 0 if event.cost_usd is not None else usage_counts(event).total
            self.store.add_cost(self.conversation_id, event.cost_usd or 0.0, unpriced)
        elif isinstance(event, TurnFinished):
            self._finish(event)
        elif self.turn.apply(event):
            self.dirty = True
            if isinstance(event, BlockCompleted):
                self.flush()

    def _store_user_message(self, content: list[dict[str, Any]]) -> None:
        if self.user_position is None:
            self.user_position = self.store.append_message(
                self.conversation_id, Role.USER, content, MessageStatus.COMPLETE
            )
        else:
            self.store.update_message(
                self.conversation_id, self.user_position, content, MessageStatus.COMPLETE
            )

    def _store_upload(self, event: FileUploaded) -> None:
        upload = event.file
        self._store_file(upload, FileDirection.UPLOADED, self.user_position, None)

    def _store_output(self, event: OutputFileReady) -> None:
        self.flush()  # the file row names the assistant message, which must exist
        output = event.file
        self._store_file(output, FileDirection.PRODUCED, self.assistant_position, output.step_id)

    def _store_file(
        self,
        file: UploadedFile | OutputFile,
        direction: FileDirection,
        position: int | None,
        step_id: str | None,
    ) -> None:
        new_file = NewFile(
            id=file.file_id,
            direction=direction,
            name=file.name,
            mime_type=file.mime_type,
            data=file.path.read_bytes(),
            message_position=position,
            step_id=step_id,
        )
        self.store.add_file(self.conversation_id, new_file)

    def flush_if_due(self, interval: float) -> None:
        if self.dirty and time.monotonic() - self.last_flush >= interval:
            self._safely(self.flush)

    @staticmethod
    def _safely(write: Callable[[], None]) -> None:
        """A failed write is logged, never raised: the turn goes on without the store."""
        try:
            write()
        except Exception:
            log.exception("storing a turn failed")

    def flush(self, status: MessageStatus = MessageStatus.IN_PROGRESS) -> None:
        self._write_assistant(self.turn.content(), status)

    def _write_assistant(self, content: list[dict[str, Any]], status: MessageStatus) -> None:
        self.dirty = False
        self.last_flush = time.monotonic()
        if not content or self.user_position is None:
            return
        if self.assistant_position is None:
            self.assistant_position = self.store.append_message(
                self.conversation_id, Role.ASSISTANT, content, status, model=self.conversation.model
            )
        else:
            self.store.update_message(
                self.conversation_id, self.assistant_position, content, status
            )

    def _finish(self, event: TurnFinished) -> None:
        status = FINAL_STATUS.get(event.stop_reason, MessageStatus.COMPLETE)
        # The runner's own record is authoritative: it has every block exactly as sent.
        content = list(event.content) or self.turn.content()
        self._write_assistant(content, status)
        self.store.update_container(
            self.conversation_id,
            self.conversation.container_id,
            self.conversation.container_expires_at,
        )
