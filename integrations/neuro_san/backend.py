"""The app's parts for the tool, one set per process, and one call run through them.

A call is a turn of a stored conversation, started through the same conversation service
as the page's and the CLI's: the turn runs on the runner's worker thread and is stored as
it streams, so it shows up in the web app's sidebar. `run` blocks until the turn has
ended; the coded tool calls it off the event loop.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integrations.neuro_san.call import ToolCall
from integrations.neuro_san.copies import save_copies
from integrations.neuro_san.progress import progress_of
from integrations.neuro_san.summary import TurnSummary
from services.client import build_client
from services.conversation import Attachment, Conversation
from services.conversations import ConversationService, TurnBusy
from services.files.uploads import FileTooLarge
from services.models import SAMPLING_PARAMS, ModelOffer, refuses_sampling
from services.settings import Settings
from services.store import ConversationNotFound, StoreUnavailable, open_store
from services.turn.handle import TurnHandle
from services.turn.runner import TurnRunner

STORE_WAIT_SECONDS = 30.0  # for writes the database could not take during the turn
OFFER_SECONDS = 600.0  # how long a read model list is trusted
Progress = Callable[[dict[str, Any]], None]


@dataclass
class ToolResult:
    conversation_id: str | None = None
    summary: TurnSummary | None = None
    notes: list[str] = field(default_factory=list)
    saved: dict[str, Path] = field(default_factory=dict)  # by file id
    model: str = ""
    error: str = ""  # the call could not run; nothing was sent


class ToolBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service = ConversationService(open_store(settings), settings)
        self._offer: tuple[float, ModelOffer] | None = None

    def close(self) -> None:
        self.service.store.close()

    def run(self, call: ToolCall, owner: str, progress: Progress | None = None) -> ToolResult:
        result = ToolResult(notes=list(call.notes))
        try:
            self._run(call, owner, result, progress)
        except (FileTooLarge, TurnBusy, ConversationNotFound, StoreUnavailable) as exc:
            result.error = _refusal(exc)
        return result

    def _run(self, call: ToolCall, owner: str, result: ToolResult, progress: Progress | None):
        conversation, stored = self._conversation(call, owner, result.notes)
        result.model = self._model(call, conversation, result.notes)
        settings = self._call_settings(call, result.model, result.notes)
        conversation = dataclasses.replace(conversation, model=result.model)
        runner = TurnRunner(build_client(), settings, self.service.store.blobs)
        attachments = _attachments(call.files, settings.upload_limit_bytes, result.notes)
        started = self.service.start_turn(
            runner, owner, conversation, call.query, attachments, stored=stored
        )
        result.summary = _follow(started.handle, progress)
        if not _settled(started.handle):
            result.notes.append("The turn is not stored yet: the database is unreachable.")
        stored = self.service.finish(started, owner)
        conversation_id = started.conversation.id
        result.conversation_id = conversation_id if stored is not None else None
        if call.save_file and result.summary.files:
            folder = call.save_dir or self.settings.data_dir / "tool_files" / conversation_id
            files = result.summary.files
            result.saved = save_copies(self.service, owner, files, folder, result.notes)

    def _conversation(
        self, call: ToolCall, owner: str, notes: list[str]
    ) -> tuple[Conversation, bool]:
        """The conversation to continue (and True), or a new one not stored yet."""
        if call.conversation_id:
            found = self.service.open(call.conversation_id, owner)
            if found is not None:
                return found, True
            notes.append(
                f"There is no conversation `{call.conversation_id}` for this owner; "
                "a new one was started."
            )
        return self.service.new(), False

    def _model(self, call: ToolCall, conversation: Conversation, notes: list[str]) -> str:
        wanted = call.model or conversation.model
        offer = self._models()
        if wanted in offer.models or not offer.listed:
            return wanted
        default = self.settings.model
        chosen = default if default in offer.models else offer.models[0]
        notes.append(
            f"`{wanted}` is retired, unknown or cannot run code; `{chosen}` was used instead."
        )
        return chosen

    def _models(self) -> ModelOffer:
        now = time.monotonic()
        if self._offer is None or now - self._offer[0] > OFFER_SECONDS:
            runner = TurnRunner(build_client(), self.settings, self.service.store.blobs)
            offer = runner.model_offer()
            if not offer.listed:
                return offer  # read again next time
            self._offer = (now, offer)
        return self._offer[1]

    def _call_settings(self, call: ToolCall, model: str, notes: list[str]) -> Settings:
        sampling = dict(call.sampling)
        if refuses_sampling(model):
            for name in [n for n in SAMPLING_PARAMS if n in sampling]:
                del sampling[name]
                notes.append(
                    f"`{name}` was not applied: `{model}` thinks before answering and "
                    f"accepts only its default {name}."
                )
        return dataclasses.replace(
            self.settings,
            model=model,
            max_tokens=call.max_tokens or self.settings.max_tokens,
            tool_version=call.tool_version or self.settings.tool_version,
            sampling=tuple(sampling.items()),
            betas=call.betas,
        )


def _attachments(paths: tuple[Path, ...], limit: int, notes: list[str]) -> list[Attachment]:
    """The files that can be read and sent; each one that cannot is named in a note."""
    attachments = []
    for path in paths:
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise IsADirectoryError(path)
            if size > limit:
                notes.append(f"`{path}` was not attached: it is over {limit // 2**20} MB.")
                continue
            data = path.read_bytes()
        except OSError:
            notes.append(f"`{path}` was not attached: there is no readable file there.")
            continue
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        attachments.append(Attachment(path.name, data, mime))
    return attachments


def _follow(handle: TurnHandle, progress: Progress | None) -> TurnSummary:
    summary = TurnSummary()
    for event in handle.events():
        summary.take(event)
        report = progress_of(event)
        if progress is not None and report is not None:
            progress(report)
    return summary


def _settled(handle: TurnHandle) -> bool:
    deadline = time.monotonic() + STORE_WAIT_SECONDS
    while not handle.settled and time.monotonic() < deadline:
        time.sleep(0.2)
    return handle.saved


def _refusal(exc: Exception) -> str:
    if isinstance(exc, TurnBusy):
        return "This conversation is still answering an earlier request; try again shortly."
    if isinstance(exc, ConversationNotFound):
        return "The conversation was deleted while the request was being sent."
    if isinstance(exc, StoreUnavailable):
        return "The app's database is unreachable, so nothing was sent; try again shortly."
    return str(exc)


_backends: dict[Settings, ToolBackend] = {}
_backends_lock = threading.Lock()


def backend_for(settings: Settings) -> ToolBackend:
    """One backend per process and settings: the store is opened (and migrated) once."""
    with _backends_lock:
        backend = _backends.get(settings)
        if backend is None:
            backend = _backends[settings] = ToolBackend(settings)
        return backend


def close_all() -> None:
    """Close every backend's store (tests, and a host that reconfigures the tool)."""
    with _backends_lock:
        for opened in _backends.values():
            opened.close()
        _backends.clear()
