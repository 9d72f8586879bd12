"""The request side of a turn: one streamed call, its retries, and container recovery.

`TurnRequests` is the part of a turn's job that talks to the Messages API; `TurnJob`
(services/turn/job.py) adds the turn's flow, uploads, and its end. A response's blocks
go straight into the turn's buffer, the one record of the turn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import anthropic
import httpx2

from services.conversation import Conversation
from services.files.stored import StoredFile
from services.files.uploads import container_upload_block
from services.settings import Settings
from services.turn.buffer import TurnBuffer
from services.turn.cache_points import cache_points
from services.turn.container import KEPT_MESSAGE, ContainerVerdict, container_verdict
from services.turn.events import ContainerReset, ErrorKind, Retrying, TurnEvent, UserMessageReady
from services.turn.failures import Failure, RetryPolicy, classify, stream_error_failure
from services.turn.handle import TurnHandle, shut_connection
from services.turn.options import DEFAULT_OPTIONS, TurnOptions
from services.turn.prompt import reset_note
from services.turn.request import request_messages
from services.turn.request_options import is_silence, silence_message, with_options
from services.turn.skills import container_param
from services.turn.stream import StreamFailed, StreamReader
from services.turn.tools import StepTool
from services.turn.web import request_tools, system_prompt

log = logging.getLogger(__name__)
CONNECTION_ERRORS = (httpx2.TransportError, anthropic.APIConnectionError)
ENDED_EARLY = Failure(
    ErrorKind.CONNECTION, "The stream ended early.", retryable=True, reason="stream ended"
)
T = TypeVar("T")


class TurnFailed(Exception):
    """Ends the turn with a TurnError."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        failure: Failure | None = None,
        *,
        container_kept: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.failure = failure
        self.container_kept = container_kept  # a generic 500 persisted; the container stays


class Stopped(Exception):
    """Stop was pressed while the job was waiting or streaming."""


class AttemptFailed(Exception):
    """One call failed before anything arrived; it may be retried."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class TurnRequests:
    """State and calls shared by every request of one turn."""

    def __init__(
        self,
        client: anthropic.Anthropic,
        settings: Settings,
        policy: RetryPolicy,
        conversation: Conversation,
        handle: TurnHandle,
        options: TurnOptions = DEFAULT_OPTIONS,
    ) -> None:
        self.client, self.settings, self.policy = client, settings, policy
        self.options = options
        self.conversation, self.handle = conversation, handle
        self.model = conversation.model
        self.uploads: dict[str, StoredFile] = dict(conversation.uploads)
        self.container_id = conversation.container_id
        self.container_expires_at = conversation.container_expires_at
        self.user_content: list[dict[str, Any]] | None = None
        self.buffer = TurnBuffer()
        self.reader: StreamReader | None = None
        self.steps: dict[str, StepTool] = {}
        self.responses: list[StreamReader] = []  # every response read, for usage and model
        self.container_reset = False
        # The last turn failed on a generic 500 with this container: one more means it is gone.
        self.suspect_container = conversation.kept_container_after_server_error
        self.stop_details: Any = None
        # Held while the buffer changes and while an event is stored and published: the
        # download threads publish too, and the store must see one consistent buffer.
        self.lock = threading.RLock()

    def _publish(self, event: TurnEvent) -> None:
        raise NotImplementedError

    # --- retries -------------------------------------------------------------------------

    def _request_with_recovery(self) -> str | None:
        try:
            stop_reason = self._with_retries(self._stream_once)
        except TurnFailed as failed:
            sent_container = self.container_id
            if self.container_reset or not sent_container or failed.failure is None:
                raise
            verdict = container_verdict(failed.failure, sent_container)
            if verdict is ContainerVerdict.UNRELATED:
                raise
            if verdict is ContainerVerdict.SUSPECT and not self.suspect_container:
                raise TurnFailed(
                    failed.kind,
                    f"{failed.message} {KEPT_MESSAGE}",
                    failed.failure,
                    container_kept=True,
                ) from failed
            self._reset_container(sent_container, failed.failure, verdict)
            return self._with_retries(self._stream_once)
        self.suspect_container = False  # it answered: a later 500 is a first one again
        return stop_reason

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
            self._publish(Retrying(failure.reason or failure.kind.value, delay, attempt + 1))
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

    # --- one request ---------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        assert self.user_content is not None
        # After pause_turn the buffer holds the partial answer: it is resent as is.
        history = self.conversation.messages
        partial = self.buffer.content()
        messages = request_messages(history, self.model, self.user_content, partial)
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.settings.max_tokens,
            "system": system_prompt(self.settings, self.options),
            "messages": messages,
            "tools": request_tools(self.settings, self.options),
            "stream": True,
        }
        if self.settings.prompt_caching:
            params.update(cache_points(params["system"], messages))
        container = container_param(self.container_id, self.options)
        if container is not None:
            params["container"] = container
        return with_options(params, self.settings)

    def _stream_once(self) -> str | None:
        try:
            stream = self._attempt(
                lambda: self.client.messages.create(**self._params(), timeout=self._timeout())
            )
        except AttemptFailed as failed:
            if is_silence(failed.__cause__):
                raise self._silent() from failed
            raise
        reader = self.reader = StreamReader(self.buffer, self._publish, self.steps)
        try:
            if self.handle.set_abort(lambda: shut_connection(stream.response)):
                for sse in anthropic.Stream.raw_events(stream.response):
                    with self.lock:
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
        if is_silence(exc):
            raise self._silent() from exc
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

    def _timeout(self) -> httpx2.Timeout:
        """The client's timeouts, with the silence bound as the read timeout: it applies
        to each read of the stream, so any byte (a ping too) restarts it."""
        base = self.client.timeout
        if not isinstance(base, httpx2.Timeout):
            base = httpx2.Timeout(base)
        silence = self.settings.stream_silence_seconds
        return httpx2.Timeout(connect=base.connect, read=silence, write=base.write, pool=base.pool)

    def _silent(self) -> TurnFailed:
        """The stream went silent: the end of the turn, never retried (code may have run)."""
        return TurnFailed(
            ErrorKind.CONNECTION, silence_message(self.settings.stream_silence_seconds)
        )

    @staticmethod
    def _close_quietly(stream: Any) -> None:
        try:
            stream.close()
        except Exception:  # closing a broken connection can raise; it is closed either way
            log.debug("closing the stream failed", exc_info=True)

    def _keep(self, reader: StreamReader) -> None:
        """A response ended, whole or cut off: its open blocks keep what arrived."""
        if self.reader is not reader:
            return
        self.reader = None
        with self.lock:
            self.buffer.end_response()
        if reader.usage:
            self.responses.append(reader)

    # --- a container that failed ---------------------------------------------------------

    def _reset_container(
        self, old_id: str, failure: Failure, verdict: ContainerVerdict = ContainerVerdict.GONE
    ) -> None:
        """Drop the broken container: resend with every upload attached and a note."""
        assert self.user_content is not None
        self.container_reset = True
        self.container_id = None
        self.container_expires_at = None
        self.user_content = self._with_uploads_reattached(self.user_content)
        self._publish(UserMessageReady(tuple(self.user_content)))
        reason = failure.api_message or failure.message
        if verdict is ContainerVerdict.SUSPECT:
            reason = f"{reason} ({failure.status}), on the retry as on the try before it"
        files = tuple(f.file_id for f in self.uploads.values())
        self._publish(ContainerReset(old_id, reason, files))

    def _with_uploads_reattached(self, content: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every upload of the conversation on this message, and a note saying why."""
        files = list(self.uploads.values())
        attached = {b.get("file_id") for b in content if b.get("type") == "container_upload"}
        blocks = [container_upload_block(f.file_id) for f in files if f.file_id not in attached]
        return [*blocks, reset_note([f.name for f in files]), *content]
