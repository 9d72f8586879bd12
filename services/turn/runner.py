"""The turn runner: sends a message and streams Claude's answer as typed events.

    runner = TurnRunner(client, settings, blobs)
    handle = runner.start(conversation, "Chart these sales", [Attachment("sales.csv", data)])
    for event in handle.events():   # or handle.get(timeout=0.05) from a page loop
        ...
    # the last event, TurnFinished, carries the turn's outcome

Each turn runs on its own worker thread, which reads the HTTP stream and feeds the
handle's queue. Given a store (`store=`), the worker writes each change there before it
publishes the event. The consumer can go away at any time; the turn still runs to its
end and is stored. `handle.stop()` closes the stream at once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import anthropic

from services.conversation import Attachment, Conversation
from services.files.blobs import BlobStore
from services.models import ModelOffer, code_execution_models
from services.settings import Settings
from services.store import Store
from services.turn.failures import RetryPolicy
from services.turn.handle import TurnHandle
from services.turn.job import TurnJob
from services.turn.options import DEFAULT_OPTIONS, TurnOptions
from services.turn.saving import FLUSH_SECONDS, TurnSaver

__all__ = ["TurnHandle", "TurnRunner"]


class TurnRunner:
    def __init__(
        self,
        client: anthropic.Anthropic,
        settings: Settings,
        blobs: BlobStore,
        *,
        retry_policy: RetryPolicy | None = None,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        # The runner retries message calls and uploads itself, so the page can show each
        # wait; SDK retries on top would multiply the attempts and wait silently.
        self._client = client.with_options(max_retries=0)
        self._listing_client = client  # the model list shows no waits: SDK retries are fine
        self._settings = settings
        self._blobs = blobs
        self._policy = retry_policy or RetryPolicy.from_settings(settings)
        self._flush_seconds = flush_seconds
        self._offer: ModelOffer | None = None  # the last model list read, for follow-ups

    def start(
        self,
        conversation: Conversation,
        text: str,
        attachments: Sequence[Attachment] = (),
        *,
        store: Store | None = None,
        options: TurnOptions = DEFAULT_OPTIONS,
    ) -> TurnHandle:
        """Start a turn on a worker thread; one turn at a time per conversation.

        With `store`, the conversation (already in it) gets the turn as it streams.
        """
        handle = TurnHandle()
        job = TurnJob(
            self._client,
            self._settings,
            self._blobs,
            self._policy,
            conversation,
            text,
            tuple(attachments),
            handle,
            options,
            self._offer,
        )
        if store is not None:
            job.saver = TurnSaver(
                store, conversation.id, conversation.model, job.buffer.content, self._flush_seconds
            )
            handle.saver = job.saver
        worker = threading.Thread(target=job.run, name=f"turn-{conversation.id[:8]}", daemon=True)
        worker.start()
        return handle

    def list_models(self) -> list[str]:
        """Active models that support code execution; the configured model on any error."""
        return list(self.model_offer().models)

    def model_offer(self) -> ModelOffer:
        """The models to offer, and whether the server is the keyless demo (remembered:
        a turn's follow-up questions go to the cheapest of these models)."""
        offer = code_execution_models(self._listing_client, self._settings.model)
        if offer.listed:
            self._offer = offer
        return offer
