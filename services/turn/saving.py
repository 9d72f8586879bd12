"""Writes a running turn to the store, before its events are published.

The turn's worker calls `record` with each event before it hands the event on, so what
a page or the CLI sees has been written (streamed text at least once a second and at
every finished block). A write that fails is retried briefly; if the store stays
unreachable the turn goes on, everything not yet written is kept here, and the turn
reports it (`SaveState`) until a later attempt writes it all. After the turn ends, a
saver with writes still pending is handed to `PENDING_SAVES`, one thread per process
that retries every few seconds until the store is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from services.conversation import MessageStatus, ModelUsage, Role
from services.files.stored import FileDirection, StoredFile
from services.store import BytesMissing, NotFoundError, Store, StoreUnavailable
from services.turn.events import (
    BlockCompleted,
    ContainerUpdated,
    FileUploaded,
    FollowUpsReady,
    OutputFileFailed,
    OutputFileReady,
    StopReason,
    TurnError,
    TurnEvent,
    TurnFinished,
    Usage,
    UserMessageReady,
)

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # streamed text is written at least this often
RETRY_PAUSES = (0.1, 0.4)  # between the attempts of one write while the store answered
OFFLINE_RETRY_SECONDS = 2.0  # while it does not, one attempt this often
UNSAVED = (
    "Not saved yet: the database is unreachable. The answer is kept in this app's memory "
    "and saved as soon as the database is back; until then a reload will not show it."
)
GONE = (
    "Not saved: this conversation is no longer in the store (it was deleted while it was "
    "being answered). The answer is shown here only until you leave the page."
)
REFUSED = (
    "Not saved: the database refused to store this answer. It is shown here only until "
    "you leave the page."
)
FINAL_STATUS = {StopReason.STOPPED: MessageStatus.STOPPED, StopReason.FAILED: MessageStatus.FAILED}
Blocks = list[dict[str, Any]]


@dataclass(frozen=True)
class SaveState:
    saved: bool
    message: str = ""


SAVED = SaveState(True)


class TurnSaver:
    """The store's side of one turn: what it has written, and what it still must."""

    def __init__(
        self,
        store: Store,
        conversation_id: str,
        model: str,
        content: Callable[[], Blocks],
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.store, self.conversation_id, self.model = store, conversation_id, model
        self._content = content  # the turn buffer's blocks, read when they are written
        self._flush_seconds = flush_seconds
        self._lock = threading.RLock()
        self._user: Blocks | None = None
        self._user_position: int | None = None
        self._assistant_position: int | None = None
        self._assistant_status = MessageStatus.IN_PROGRESS
        self._user_status = MessageStatus.COMPLETE
        self._container_kept = False  # the turn failed on a generic 500, keeping the container
        self._dirty: set[str] = set()  # "user", "assistant"
        self._files: list[StoredFile] = []
        self._container: tuple[str | None, str | None] | None = None
        self._usage: list[Usage] = []  # not yet added to the store
        self._follow_ups: tuple[str, ...] | None = None  # not yet stored with the answer
        self._failed_files: dict[str, str] = {}  # why an output is missing, not yet stored
        self._failing = False
        self._given_up = False  # the store refused the turn for good
        self._unconfirmed: Role | None = None  # an append whose answer never came
        self._last_flush = self._last_attempt = time.monotonic()
        self.state = SAVED

    # --- taking events -------------------------------------------------------------------

    def record(self, event: TurnEvent) -> SaveState | None:
        """Take one event's change and write what is due; the new state if it changed."""
        with self._lock:
            if self._given_up or not self._take(event):
                return None
            return self._sync()

    def _take(self, event: TurnEvent) -> bool:
        """Note what the event changes; True when it is due to be written now."""
        if isinstance(event, UserMessageReady):
            self._user = list(event.content)
            self._dirty.add("user")
        elif isinstance(event, FileUploaded | OutputFileReady):
            self._files.append(event.file)
            if isinstance(event, OutputFileReady):
                self._dirty.add("assistant")  # its file row names the answer, which must exist
        elif isinstance(event, OutputFileFailed):
            self._failed_files[event.file_id] = event.message
            self._dirty.add("assistant")  # its row names the answer, which must exist
        elif isinstance(event, ContainerUpdated):
            self._container = (event.container_id, event.expires_at)
        elif isinstance(event, Usage):
            self._usage.append(event)
        elif isinstance(event, FollowUpsReady):
            self._follow_ups = event.questions
        elif isinstance(event, TurnFinished):
            self._finish(event)
        elif isinstance(event, TurnError) and event.container_kept:
            self._container_kept = True
        elif isinstance(event, BlockCompleted):
            self._dirty.add("assistant")
        else:
            self._dirty.add("assistant")  # a delta: written at least once a second
            return time.monotonic() - self._last_flush >= self._flush_seconds
        return True

    def _finish(self, event: TurnFinished) -> None:
        self._assistant_status = FINAL_STATUS.get(event.stop_reason, MessageStatus.COMPLETE)
        self._dirty.add("assistant")
        if self._container_kept:
            # The turn's last message says so: the next turn reads it from there.
            if self._content():
                self._assistant_status = MessageStatus.SERVER_ERROR
            else:
                self._user_status = MessageStatus.SERVER_ERROR
                self._dirty.add("user")
        outcome = event.outcome
        if outcome is not None:
            self._container = (outcome.container_id, outcome.container_expires_at)

    # --- writing -------------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        parts = (self._dirty, self._files, self._failed_files, self._container, self._usage)
        return any(parts) or bool(self._follow_ups)

    def retry(self) -> bool:
        """One more attempt at what is pending (the process retrier's call); True when done."""
        with self._lock:
            if self._given_up:
                return True
            self._last_attempt = 0.0
            self._sync()
            return not self.pending

    def _sync(self) -> SaveState | None:
        now = time.monotonic()
        if self._failing and now - self._last_attempt < OFFLINE_RETRY_SECONDS:
            return None  # the store was down a moment ago: do not hold the stream up
        self._last_attempt = now
        pauses = () if self._failing else RETRY_PAUSES
        for pause in (*pauses, None):
            try:
                self._write_pending()
            except StoreUnavailable:
                # Said once when the store goes away; its retries every few seconds are quiet.
                level = logging.DEBUG if self._failing else logging.WARNING
                log.log(level, "writing the turn to the store failed", exc_info=True)
                if pause is not None:
                    time.sleep(pause)
                continue
            except Exception as exc:  # writing again cannot help: say so, keep nothing
                log.exception("the store refused the turn")
                return self._give_up(GONE if isinstance(exc, NotFoundError) else REFUSED)
            self._last_flush = time.monotonic()
            return self._set_state(SAVED)
        return self._set_state(SaveState(False, UNSAVED))

    def _give_up(self, message: str) -> SaveState | None:
        self._dirty.clear()
        self._files.clear()
        self._failed_files.clear()
        self._container = None
        self._usage = []
        self._follow_ups = None
        self._given_up = True
        return self._set_state(SaveState(False, message))

    def _set_state(self, state: SaveState) -> SaveState | None:
        self._failing = not state.saved
        changed = state != self.state
        self.state = state
        return state if changed else None

    def _write_pending(self) -> None:
        """Write, in order, everything not yet written; each part is dropped once written."""
        if "user" in self._dirty and self._user is not None:
            self._write_message(Role.USER, self._user, self._user_status)
            self._dirty.discard("user")
        if self._user_position is not None:
            self._write_turn(self._user_position)
        elif self._user is None:
            # Nothing was sent (an upload failed first): no message to attach anything to.
            self._dirty.discard("assistant")
            self._files.clear()
            self._failed_files.clear()
        if self._container is not None:
            self.store.update_container(self.conversation_id, *self._container)
            self._container = None
        while self._usage:
            usage = self._usage[0]
            self.store.add_usage(self.conversation_id, usage.model, model_usage(usage))
            self._usage.pop(0)

    def _write_turn(self, user_position: int) -> None:
        """The uploads, the answer and its files: what has a place once the question does."""
        self._write_files(FileDirection.UPLOADED, user_position)
        if "assistant" in self._dirty:
            content = self._content()
            if content:
                self._write_message(Role.ASSISTANT, content, self._assistant_status)
            self._dirty.discard("assistant")
        if self._assistant_position is not None:
            self._write_files(FileDirection.PRODUCED, self._assistant_position)
            self._write_failed_files(self._assistant_position)
        if self._follow_ups and self._assistant_position is not None:
            self.store.set_follow_ups(
                self.conversation_id, self._assistant_position, self._follow_ups
            )
        self._follow_ups = None  # with no answer to follow, they have no place

    def _write_message(self, role: Role, content: Blocks, status: MessageStatus) -> None:
        user = role is Role.USER
        position = self._user_position if user else self._assistant_position
        if position is None and self._unconfirmed is role:
            position = self._landed(role, content)
        if position is not None:
            self.store.update_message(self.conversation_id, position, content, status)
        else:
            self._unconfirmed = role  # if the answer never comes, the row may exist anyway
            model = None if user else self.model
            position = self.store.append_message(
                self.conversation_id, role, content, status, model=model
            )
        self._unconfirmed = None
        if user:
            self._user_position = position
        else:
            self._assistant_position = position

    def _landed(self, role: Role, content: Blocks) -> int | None:
        """The position of an append that was made but not confirmed, if it landed.

        One turn writes a conversation at a time, so its last message is this turn's
        when it has the role (and, for the question, the very content) appended.
        """
        last = self.store.last_message(self.conversation_id)
        if last is None or last.role is not role:
            return None
        if role is Role.USER:
            return last.position if last.content == content else None
        after_question = self._user_position is not None and last.position > self._user_position
        return last.position if after_question else None

    def _write_files(self, direction: FileDirection, position: int) -> None:
        for file in [f for f in self._files if f.direction is direction]:
            try:
                self.store.add_file(self.conversation_id, replace(file, message_position=position))
            except BytesMissing:
                # Another conversation's delete released the same bytes before this row
                # kept them: writing again cannot bring them back.
                log.error("the bytes of %s went before its row was stored", file.file_id)
            self._files.remove(file)

    def _write_failed_files(self, position: int) -> None:
        for file_id, reason in list(self._failed_files.items()):
            self.store.set_output_failure(self.conversation_id, position, file_id, reason)
            del self._failed_files[file_id]


def model_usage(usage: Usage) -> ModelUsage:
    """A turn's Usage event as what its model used (the one place a turn's cost is added)."""
    return ModelUsage(usage.counts, usage.priced_usd, usage.unpriced_tokens)
