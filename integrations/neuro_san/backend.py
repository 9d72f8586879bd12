"""The app's parts for the tool, one set per process, and one call run through them.

A call is a turn of a stored conversation, started through the same conversation service
as the page's and the CLI's: the turn runs on the runner's worker thread and is stored as
it streams, so it shows up in the web app's sidebar. `run` blocks until the turn has
ended; the coded tool calls it off the event loop.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integrations.neuro_san.call import ToolCall
from integrations.neuro_san.choices import ModelChooser, call_settings
from integrations.neuro_san.copies import save_copies
from integrations.neuro_san.paths import read_attachments, tool_roots, writable_folder
from integrations.neuro_san.progress import progress_of
from integrations.neuro_san.summary import TurnSummary
from services.client import build_client, has_credentials
from services.conversation import Conversation
from services.conversations import ConversationService, StartedTurn, TurnBusy
from services.files.uploads import FileTooLarge
from services.settings import Settings
from services.store import ConversationNotFound, StoreUnavailable, open_store
from services.turn.handle import TurnHandle
from services.turn.runner import TurnRunner

STORE_WAIT_SECONDS = 30.0  # for writes the database could not take during the turn
Progress = Callable[[dict[str, Any]], None]


@dataclass
class ToolResult:
    conversation_id: str | None = None
    summary: TurnSummary | None = None
    notes: list[str] = field(default_factory=list)
    saved: dict[str, Path] = field(default_factory=dict)  # by file id
    model: str = ""
    error: str = ""  # the call could not run; nothing was sent


class CallControl:
    """Lets the caller stop a call's turn (neuro-san cancelled the call) from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handle: TurnHandle | None = None
        self.cancelled = False

    def attach(self, handle: TurnHandle) -> None:
        with self._lock:
            self._handle = handle
            if self.cancelled:
                handle.stop()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._handle is not None:
                self._handle.stop()


class ToolBackend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service = ConversationService(open_store(settings), settings)
        self.models = ModelChooser(settings)

    def close(self) -> None:
        self.service.store.close()

    def run(
        self,
        call: ToolCall,
        owner: str,
        progress: Progress | None = None,
        control: CallControl | None = None,
    ) -> ToolResult:
        result = ToolResult(notes=list(call.notes))
        if not has_credentials():
            result.error = "No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)."
            return result
        try:
            started = self._start(call, owner, result, control or CallControl())
            if started is not None:
                self._follow(call, owner, result, started, progress)
        except (FileTooLarge, TurnBusy, ConversationNotFound, StoreUnavailable) as exc:
            result.error = _refusal(exc)
        return result

    def _start(
        self, call: ToolCall, owner: str, result: ToolResult, control: CallControl
    ) -> StartedTurn | None:
        conversation, stored = self._conversation(call, owner, result.notes)
        choice = self.models.choose(call.model or conversation.model, result.notes)
        result.model = choice.model
        settings = call_settings(self.settings, call, choice, result.notes)
        roots, limit = tool_roots(), settings.upload_limit_bytes
        files = read_attachments(call.files, roots, self.settings.data_dir, limit, result.notes)
        if control.cancelled:
            result.error = "The call was cancelled before anything was sent."
            return None
        runner = TurnRunner(build_client(), settings, self.service.store.blobs)
        conversation = dataclasses.replace(conversation, model=choice.model)
        started = self.service.start_turn(
            runner, owner, conversation, call.query, files, stored=stored
        )
        control.attach(started.handle)
        return started

    def _follow(
        self,
        call: ToolCall,
        owner: str,
        result: ToolResult,
        started: StartedTurn,
        progress: Progress | None,
    ) -> None:
        result.summary = _events(started.handle, progress)
        result.conversation_id = self._finish(started, owner, result.notes)
        if call.save_file and result.summary.files:
            folder = self._save_folder(call, started.conversation.id, result.notes)
            if folder is not None:
                files = result.summary.files
                result.saved = save_copies(self.service, owner, files, folder, result.notes)

    def _finish(self, started: StartedTurn, owner: str, notes: list[str]) -> str | None:
        """The conversation's id once its turn is stored; None if nothing of it is."""
        conversation_id = started.conversation.id
        if not started.handle.wait_saved(STORE_WAIT_SECONDS):
            notes.append("The turn is not stored yet: the app's database is unreachable.")
            return conversation_id
        try:
            stored = self.service.finish(started, owner)
        except StoreUnavailable:
            notes.append("The app's database could not be read back after the turn.")
            return conversation_id
        except ConversationNotFound:
            notes.append("The conversation was deleted in the web app while the turn ran.")
            return None
        return conversation_id if stored is not None else None

    def _save_folder(self, call: ToolCall, conversation_id: str, notes: list[str]) -> Path | None:
        wanted = call.save_dir or self.settings.data_dir / "tool_files" / conversation_id
        folder = writable_folder(wanted, tool_roots(), self.settings.data_dir)
        if isinstance(folder, str):
            notes.append(f"No file was saved to `{wanted}`: {folder}.")
            return None
        return folder

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


def _events(handle: TurnHandle, progress: Progress | None) -> TurnSummary:
    summary = TurnSummary()
    for event in handle.events():
        summary.take(event)
        report = progress_of(event)
        if progress is not None and report is not None:
            progress(report)
    return summary


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
