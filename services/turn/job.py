"""One turn's work on the worker thread: uploads, requests, retries, continuations.

The job is the only writer of its conversation, and writes it once, at the end, before
the final event: a reader that waits for `done` sees the whole turn.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

import anthropic
import httpx2

from services.conversation import Attachment, Conversation, UploadedFile
from services.files.blobs import BlobStore
from services.files.outputs import OutputFetcher
from services.files.uploads import (
    FileTooLarge,
    check_sizes,
    container_upload_block,
    prepare_uploads,
    upload_file,
)
from services.pricing import TokenCounts, cost_usd, token_counts
from services.settings import Settings
from services.turn.container import is_container_failure
from services.turn.endings import finish_message, stop_reason_of
from services.turn.events import (
    CodeStepFinished,
    ContainerReset,
    ContainerUpdated,
    Continuing,
    ErrorKind,
    ExecutionResult,
    FileUploaded,
    Retrying,
    StepTool,
    StopReason,
    TurnError,
    TurnEvent,
    TurnFinished,
    Usage,
    UserMessageReady,
)
from services.turn.failures import Failure, RetryPolicy, classify, stream_error_failure
from services.turn.handle import TurnHandle, shut_connection
from services.turn.prompt import SYSTEM_PROMPT, attachments_note, reset_note
from services.turn.request import assistant_message, request_messages
from services.turn.stream import StreamFailed, StreamReader

log = logging.getLogger(__name__)
CONNECTION_ERRORS = (httpx2.TransportError, anthropic.APIConnectionError)
ENDED_EARLY = Failure(
    ErrorKind.CONNECTION, "The stream ended early.", retryable=True, reason="stream ended"
)
# What the person reads when the app itself failed; the details go to the log.
INTERNAL_ERROR = TurnError(ErrorKind.INTERNAL, "Something went wrong in the app.")
T = TypeVar("T")


class TurnFailed(Exception):
    """Ends the turn with a TurnError."""

    def __init__(self, kind: ErrorKind, message: str, failure: Failure | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.failure = failure


class Stopped(Exception):
    """Stop was pressed while the job was waiting or streaming."""


class AttemptFailed(Exception):
    """One call failed before anything arrived; it may be retried."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class TurnJob:
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
    ) -> None:
        self.client, self.settings, self.blobs, self.policy = client, settings, blobs, policy
        self.conversation, self.text, self.attachments = conversation, text, attachments
        self.handle = handle
        self.model = conversation.model
        self.uploads = dict(conversation.uploads)
        self.container_id = conversation.container_id
        self.container_expires_at = conversation.container_expires_at
        self.user_content: list[dict[str, Any]] | None = None
        self.content: list[dict[str, Any]] = []
        self.reader: StreamReader | None = None
        self.steps: dict[str, StepTool] = {}
        self.tokens: TokenCounts | None = None
        self.usage_model: str | None = None
        self.container_reset = False
        self.container_used = False
        self.stop_details: Any = None
        self.fetcher = OutputFetcher(client, blobs, self._emit, conversation.outputs)

    # --- the turn ------------------------------------------------------------------------

    def run(self) -> None:
        reason, message = StopReason.FAILED, ""
        try:
            reason, message = self._run_turn()
        except Stopped:
            reason = StopReason.STOPPED
        except TurnFailed as failed:
            self._emit(TurnError(failed.kind, failed.message))
        except Exception:
            log.exception("turn failed")
            self._emit(INTERNAL_ERROR)
        finally:
            self._finish(reason, message)

    def _run_turn(self) -> tuple[StopReason, str]:
        self.user_content, uploaded = self._user_content()
        self._emit(UserMessageReady(tuple(self.user_content)))
        for file in uploaded:
            self._emit(FileUploaded(file))
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
            self._emit(Continuing(continuations, cap))

    def _user_content(self) -> tuple[list[dict[str, Any]], list[UploadedFile]]:
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

    def _upload(self, name: str, attachment: Attachment) -> UploadedFile:
        def call() -> UploadedFile:
            return upload_file(self.client, self.blobs, name, attachment)

        return self._with_retries(lambda: self._attempt(call))

    # --- requests ------------------------------------------------------------------------

    def _request_with_recovery(self) -> str | None:
        try:
            return self._with_retries(self._stream_once)
        except TurnFailed as failed:
            sent_container = self.container_id
            if self.container_reset or not sent_container or failed.failure is None:
                raise
            if not is_container_failure(failed.failure, sent_container):
                raise
            self._reset_container(sent_container, failed.failure)
            return self._with_retries(self._stream_once)

    def _with_retries(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except AttemptFailed as attempt_failed:
                failure = attempt_failed.failure
            delay = self.policy.delay(attempt, failure)
            give_up = self.policy.give_up_reason(attempt, failure, delay)
            if give_up is not None:
                raise TurnFailed(failure.kind, give_up, failure)
            self._emit(Retrying(failure.reason or failure.kind.value, delay, attempt + 1))
            if self.handle.pause(delay * self.policy.time_scale):
                raise Stopped
            attempt += 1

    def _attempt(self, call: Callable[[], T]) -> T:
        if self.handle.stop_requested:
            raise Stopped
        try:
            return call()
        except Exception as exc:
            raise AttemptFailed(classify(exc)) from exc

    def _params(self) -> dict[str, Any]:
        assert self.user_content is not None
        # After pause_turn, self.content is the partial answer: it is resent as is.
        history = self.conversation.messages
        messages = request_messages(history, self.model, self.user_content, self.content)
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.settings.max_tokens,
            "system": SYSTEM_PROMPT,
            "messages": messages,
            "tools": [{"type": self.settings.tool_version, "name": "code_execution"}],
            "cache_control": {"type": "ephemeral"},
            "stream": True,
        }
        if self.container_id:
            params["container"] = self.container_id
        return params

    def _stream_once(self) -> str | None:
        stream = self._attempt(lambda: self.client.messages.create(**self._params()))
        reader = self.reader = StreamReader(len(self.content), self._emit, self.steps)
        try:
            if self.handle.set_abort(lambda: shut_connection(stream.response)):
                for sse in anthropic.Stream.raw_events(stream.response):
                    reader.feed(sse.event, sse.data)
        except StreamFailed as failed:
            self._stream_failed(reader, failed)
        except Exception as exc:
            self._stream_broke(reader, exc)
        finally:
            self.handle.set_abort(None)
            self._close_quietly(stream)
            self._keep(reader)
        if not reader.finished:
            self._stream_broke(reader, None)
        self.stop_details = reader.stop_details
        return reader.stop_reason

    def _stream_failed(self, reader: StreamReader, failed: StreamFailed) -> NoReturn:
        """An `event: error`: retried like its status when nothing had arrived yet (an
        overload often shows up this way), else the end of the turn."""
        failure = stream_error_failure(failed.error_type, failed.message)
        if failure is not None and not reader.has_content:
            raise AttemptFailed(failure) from failed
        message = (
            f"The API reported an error in the middle of the answer: {failed.message} "
            f"({failed.error_type}). What arrived before it is kept."
        )
        raise TurnFailed(ErrorKind.STREAM, message) from failed

    def _stream_broke(self, reader: StreamReader, exc: Exception | None) -> None:
        """The stream ended early: Stop, a retryable drop, or a turn-ending failure."""
        if self.handle.stop_requested:
            raise Stopped
        if isinstance(exc, ValueError):
            raise TurnFailed(ErrorKind.STREAM, "The API sent an answer the app could not read.")
        if exc is not None and not isinstance(exc, CONNECTION_ERRORS):
            raise exc  # a bug, not the network: reported as an internal error
        failure = ENDED_EARLY if exc is None else classify(exc)
        if not reader.has_content:
            raise AttemptFailed(failure)
        message = (
            "The connection dropped in the middle of the answer; what arrived before it is "
            f"kept. {failure.message}"
        )
        raise TurnFailed(ErrorKind.CONNECTION, message, failure)

    @staticmethod
    def _close_quietly(stream: Any) -> None:
        try:
            stream.close()
        except Exception:  # closing a broken connection can raise; it is closed either way
            log.debug("closing the stream failed", exc_info=True)

    def _keep(self, reader: StreamReader) -> None:
        """Add a response's blocks (complete or cut off) and usage to the turn."""
        if self.reader is not reader:
            return
        self.reader = None
        self.content.extend(reader.content())
        if reader.usage:
            counts = token_counts(reader.usage)
            self.tokens = counts if self.tokens is None else self.tokens + counts
            self.usage_model = reader.model or self.usage_model

    def _reset_container(self, old_id: str, failure: Failure) -> None:
        """Drop the broken container: resend with every upload attached and a note."""
        assert self.user_content is not None
        self.container_reset = True
        self.container_id = None
        self.container_expires_at = None
        self.user_content = self._with_uploads_reattached(self.user_content)
        self._emit(UserMessageReady(tuple(self.user_content)))
        reason = failure.api_message or failure.message
        files = tuple(f.file_id for f in self.uploads.values())
        self._emit(ContainerReset(old_id, reason, files))

    def _with_uploads_reattached(self, content: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every upload of the conversation on this message, and a note saying why."""
        files = list(self.uploads.values())
        attached = {b.get("file_id") for b in content if b.get("type") == "container_upload"}
        blocks = [container_upload_block(f.file_id) for f in files if f.file_id not in attached]
        return [*blocks, reset_note([f.name for f in files]), *content]

    # --- events and the end --------------------------------------------------------------

    def _emit(self, event: TurnEvent) -> None:
        if isinstance(event, ContainerUpdated):
            self.container_used = True
            self.container_id = event.container_id
            self.container_expires_at = event.expires_at
        self.handle.emit(event)
        if isinstance(event, CodeStepFinished) and isinstance(event.result, ExecutionResult):
            self.fetcher.fetch(event.step_id, event.result.file_ids)

    def _finish(self, reason: StopReason, message: str) -> None:
        try:
            outputs = self.fetcher.wait(cancel_pending=reason == StopReason.STOPPED)
            if self.reader is not None:
                self._keep(self.reader)
            self._update_conversation(outputs)
            self._emit_usage()
        except Exception:
            log.exception("finishing the turn failed")
            reason = StopReason.FAILED
            self.handle.emit(INTERNAL_ERROR)
        self.handle.finish(TurnFinished(reason, tuple(copy.deepcopy(self.content)), message))

    def _update_conversation(self, outputs: dict[str, Any]) -> None:
        conversation = self.conversation
        if self.user_content is not None:
            conversation.messages.append({"role": "user", "content": self.user_content})
            if self.content:
                conversation.messages.append(assistant_message(self.content, self.model))
        conversation.uploads.update(self.uploads)
        conversation.outputs.update(outputs)
        conversation.container_id = self.container_id
        conversation.container_expires_at = self.container_expires_at
        if self.container_used:
            conversation.container_last_used = datetime.now(UTC).isoformat()

    def _emit_usage(self) -> None:
        if self.tokens is None:
            return
        model = self.usage_model or self.model
        cost = cost_usd(model, self.tokens)
        if cost is None:
            self.conversation.unpriced_tokens += self.tokens.total
        else:
            self.conversation.cost_usd += cost
        t = self.tokens
        self.handle.emit(Usage(model, t.input, t.output, t.cache_read, t.cache_write, cost))
