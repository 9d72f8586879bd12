"""One turn's work on the worker thread: uploads, requests, continuations, the end.

Every event goes through `_publish`: the store is written first (`TurnSaver`), then the
event is put on the handle's queue. The job never changes the conversation it was given;
its end (`TurnFinished.outcome`) says what the turn adds to it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import anthropic

from services.conversation import Attachment, Conversation, ModelUsage, TurnOutcome
from services.files.blobs import BlobStore
from services.files.outputs import OutputFetcher
from services.files.stored import StoredFile
from services.files.uploads import (
    FileTooLarge,
    check_sizes,
    container_upload_block,
    prepare_uploads,
    upload_file,
)
from services.followups import FinishedTurn, FollowUps
from services.memory import release_free_memory
from services.models import ModelOffer
from services.pricing import TokenCounts, cost_usd, token_counts
from services.settings import Settings
from services.tables.note import profile_note_text
from services.tables.uploads import profile_upload
from services.turn.endings import finish_message, stop_reason_of
from services.turn.events import (
    CodeStepFinished,
    ContainerUpdated,
    Continuing,
    ErrorKind,
    ExecutionResult,
    FileUploaded,
    FollowUpsReady,
    SaveStatus,
    StopReason,
    TurnError,
    TurnEvent,
    TurnFinished,
    Usage,
    UserMessageReady,
)
from services.turn.failures import RetryPolicy
from services.turn.follow_ups import ask_until_stopped
from services.turn.handle import TurnHandle
from services.turn.options import DEFAULT_OPTIONS, TurnOptions
from services.turn.pending_saves import PENDING_SAVES
from services.turn.prompt import attachments_note, profile_note
from services.turn.requests import Stopped, TurnFailed, TurnRequests
from services.turn.saving import TurnSaver, model_usage

log = logging.getLogger(__name__)
# What the person reads when the app itself failed; the details go to the log.
INTERNAL_ERROR = TurnError(ErrorKind.INTERNAL, "Something went wrong in the app.")


class TurnJob(TurnRequests):
    def __init__(
        self,
        client: anthropic.Anthropic,
        settings: Settings,
        blobs: BlobStore,
        policy: RetryPolicy,
        conversation: Conversation,
        text: str,
        attachments: Sequence[Attachment],
        handle: TurnHandle,
        options: TurnOptions = DEFAULT_OPTIONS,
        offer: ModelOffer | None = None,
    ) -> None:
        super().__init__(client, settings, policy, conversation, handle, options)
        self.blobs, self.text, self.attachments = blobs, text, attachments
        self.offer = offer  # the models the app listed: the follow-up call picks from them
        self.saver: TurnSaver | None = None  # set by the runner when the turn is stored
        self.new_uploads: list[StoredFile] = []
        self.container_used = False
        self.container_kept = False  # the turn failed on a generic 500 and kept the container
        self.fetcher = OutputFetcher(client, blobs, self._publish, conversation.outputs)

    # --- the turn ------------------------------------------------------------------------

    def run(self) -> None:
        reason, message = StopReason.FAILED, ""
        try:
            reason, message = self._run_turn()
        except Stopped:
            reason = StopReason.STOPPED
        except TurnFailed as failed:
            self.container_kept = failed.container_kept
            self._publish(TurnError(failed.kind, failed.message, failed.container_kept))
        except Exception:
            log.exception("turn failed")
            self._publish(INTERNAL_ERROR)
        finally:
            self._finish(reason, message)
            release_free_memory()  # this thread's heap is left with what the turn freed

    def _run_turn(self) -> tuple[StopReason, str]:
        self.user_content, uploaded = self._user_content()
        self._publish(UserMessageReady(tuple(self.user_content)))
        for file in uploaded:
            self._publish(FileUploaded(file))
        continuations = 0
        cap = self.settings.max_continuations
        while True:
            raw = self._request_with_recovery()
            if raw != "pause_turn":
                reason = stop_reason_of(raw)
                return reason, finish_message(reason, raw, self.stop_details, cap)
            if continuations >= cap:
                reason = StopReason.PAUSE_CAP_REACHED
                return reason, finish_message(reason, raw, self.stop_details, cap)
            continuations += 1
            self._publish(Continuing(continuations, cap))

    def _user_content(self) -> tuple[list[dict[str, Any]], list[StoredFile]]:
        """The message to send, and the files it carries (uploaded now or before)."""
        try:
            check_sizes(self.attachments, self.settings.upload_limit_bytes)
        except FileTooLarge as too_large:
            raise TurnFailed(ErrorKind.FILE_TOO_LARGE, str(too_large)) from None

        prepared = prepare_uploads(self.attachments, self.uploads, self._upload)
        files = list({p.file.file_id: p.file for p in prepared}.values())
        blocks = [container_upload_block(f.file_id) for f in files]
        if prepared:
            blocks.append(attachments_note([(p.file.name, p.given_name) for p in prepared]))
        blocks.extend(profile_note(profile_note_text(f.profile)) for f in files if f.profile)
        if self.text.strip():
            blocks.append({"type": "text", "text": self.text})
        if not blocks:
            raise TurnFailed(
                ErrorKind.BAD_REQUEST, "Nothing to send: type a message or attach a file."
            )
        if self.container_id is None and self._had_container():
            # An earlier reset found no new container: this turn starts one, so the
            # person's files go with it.
            blocks = self._with_uploads_reattached(blocks)
        return blocks, files

    def _had_container(self) -> bool:
        history = self.conversation.messages
        return bool(self.conversation.uploads) and any(m["role"] == "assistant" for m in history)

    def _upload(self, name: str, attachment: Attachment) -> StoredFile:
        def call() -> StoredFile:
            return upload_file(self.client, self.blobs, name, attachment)

        uploaded = self._with_retries(lambda: self._attempt(call))
        uploaded = dataclasses.replace(uploaded, profile=profile_upload(uploaded))
        self.new_uploads.append(uploaded)
        return uploaded

    # --- events and the end --------------------------------------------------------------

    def _publish(self, event: TurnEvent) -> None:
        """Store the event's change, then hand the event on (from any of the turn's threads)."""
        with self.lock:
            if isinstance(event, ContainerUpdated):
                self.container_used = True
                self.container_id = event.container_id
                self.container_expires_at = event.expires_at
            state = self.saver.record(event) if self.saver is not None else None
            saved = None if state is None else SaveStatus(state.saved, state.message)
            if isinstance(event, TurnFinished):
                if saved is not None:
                    self.handle.emit(saved)
                self.handle.finish(event)
                return
            self.handle.emit(event)
            if saved is not None:
                self.handle.emit(saved)
        if isinstance(event, CodeStepFinished) and isinstance(event.result, ExecutionResult):
            self.fetcher.fetch(event.step_id, event.result.file_ids)

    def _finish(self, reason: StopReason, message: str) -> None:
        outputs: list[StoredFile] | None = None
        usage = None
        try:
            outputs = list(self.fetcher.wait(cancel_pending=reason == StopReason.STOPPED).values())
            if self.reader is not None:
                self._keep(self.reader)
            usage = self._usage()
            if usage is not None:
                self._publish(usage)
        except Exception:
            log.exception("finishing the turn failed")
            reason, outputs = StopReason.FAILED, None
            self._publish(INTERNAL_ERROR)
        content = tuple(self.buffer.content())  # a copy: the buffer's own blocks stay here
        follow_ups = None if outputs is None else self._follow_ups(reason, content)
        outcome = None if outputs is None else self._outcome(content, outputs, usage, follow_ups)
        self._publish(TurnFinished(reason, content, message, outcome))
        if self.saver is not None and self.saver.pending:
            PENDING_SAVES.add(self.saver)

    def _usage(self) -> Usage | None:
        """The turn's tokens, every response added up, and their price (one place)."""
        counts: TokenCounts | None = None
        model = None
        for reader in self.responses:
            tokens = token_counts(reader.usage)
            counts = tokens if counts is None else counts + tokens
            model = reader.model or model
        if counts is None:
            return None
        model = model or self.model
        return Usage(model, counts, cost_usd(model, counts))

    # --- follow-up questions -------------------------------------------------------------

    def _follow_ups(
        self, reason: StopReason, content: tuple[dict[str, Any], ...]
    ) -> FollowUps | None:
        """After a normal end only: ask, store what came back (its cost too), never fail."""
        if not self.options.follow_ups or reason != StopReason.END_TURN:
            return None
        try:
            turn = FinishedTurn.of(self.text, content)
            found = ask_until_stopped(self.client, self.handle, turn, self.offer, self.model)
            if found is not None:
                self._publish(found.usage)
                self._publish(FollowUpsReady(found.questions))
            return found
        except Exception:
            log.exception("no follow-up questions: asking for them failed")
            return None

    def _outcome(
        self,
        content: tuple[dict[str, Any], ...],
        outputs: list[StoredFile],
        usage: Usage | None,
        follow_ups: FollowUps | None = None,
    ) -> TurnOutcome:
        return TurnOutcome(
            model=self.model,
            user_content=None if self.user_content is None else tuple(self.user_content),
            content=content,
            uploads=tuple(self.new_uploads),
            outputs=tuple(outputs),
            container_id=self.container_id,
            container_expires_at=self.container_expires_at,
            container_used=self.container_used,
            used=ModelUsage() if usage is None else model_usage(usage),
            usage_model=None if usage is None else usage.model,
            follow_ups=() if follow_ups is None else follow_ups.questions,
            follow_up_used=ModelUsage() if follow_ups is None else model_usage(follow_ups.usage),
            follow_up_model=None if follow_ups is None else follow_ups.usage.model,
            container_kept=self.container_kept,
        )
