"""Where the page gets its services: the conversation service, a turn runner, the models.

The conversation service (and its store) is opened once per process and database and
shared by every session; every call names the owner it acts for. A runner is built per
browser session and credentials. The key someone pastes in the sidebar lives in this
session's state only: it is passed to the client and never written to disk or a log.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import streamlit as st

from components.session import session
from services import memory, wiring
from services.conversations import ConversationService
from services.export.formats import Export, ExportFormat
from services.models import ModelOffer
from services.settings import Settings
from services.turn.runner import TurnRunner

_LOG = logging.getLogger(__name__)
FIRST_ANSWER_SECONDS = 1.5


@dataclass(frozen=True)
class Credentials:
    """What the app itself was given; None fields are left to the SDK's own resolution."""

    api_key: str | None = field(repr=False)  # never in a log line or an error page
    base_url: str | None
    origin: str  # "sidebar", "secrets" or "environment"

    @property
    def fingerprint(self) -> str:
        # The client is rebuilt when the key changes; only a digest is kept as the marker.
        raw = f"{self.api_key or ''}|{self.base_url or ''}|{self.origin}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def settings() -> Settings:
    return session().settings


def _secret(name: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml, or an unreadable one: the app still starts
        return None
    return str(value) if value else None


def credentials() -> Credentials | None:
    """The sidebar key, then .streamlit/secrets.toml, then the SDK's environment variables."""
    base_url = _secret("ANTHROPIC_BASE_URL")
    pasted = session().pasted_key
    if pasted:
        return Credentials(pasted, base_url, "sidebar")
    from_secrets = _secret("ANTHROPIC_API_KEY")
    if from_secrets:
        return Credentials(from_secrets, base_url, "secrets")
    if wiring.has_credentials():
        return Credentials(None, base_url, "environment")
    return None


@st.cache_resource(show_spinner=False, max_entries=8, on_release=wiring.close_service)
def _open_service(database_url: str, files_dir: str, _settings: Settings) -> ConversationService:
    # Cached by where the data lives (the underscored settings are not part of the key).
    memory.start_memory_release()  # once per process: what expired sessions freed goes back
    return wiring.open_service(_settings)


def service() -> ConversationService:
    """The conversation service, opened (and its store migrated) once per process."""
    current = settings()
    return _open_service(current.database_url, str(current.files_dir), current)


def runner(creds: Credentials) -> TurnRunner:
    """This session's turn runner for these credentials."""
    state = session()
    if state.runner is None or state.runner[0] != creds.fingerprint:
        built = wiring.build_runner(settings(), creds.api_key, creds.base_url)
        state.runner = (creds.fingerprint, built)
    return state.runner[1]


def delete_api_files(file_ids: Sequence[str]) -> None:
    """Delete a deleted conversation's files from the Files API, in the background."""
    creds = credentials()
    if creds is None:
        _LOG.warning("no API key: %d files stay in the Files API until they expire", len(file_ids))
        return
    wiring.delete_api_files(creds.api_key, creds.base_url, file_ids)


@dataclass(frozen=True)
class OwnedFiles:
    """Reads stored files for one owner: another person's file reads as missing."""

    service: ConversationService
    owner: str

    def read(self, file_id: str) -> bytes:
        return self.service.read_file(file_id, self.owner)


def exporter(owner: str) -> Callable[[str, ExportFormat], Export | None]:
    """Makes the owner's exports; another person's conversation exports as nothing.

    The service is taken now, on the script thread: the download runs the export later on
    a thread of its own, where this session's state cannot be read."""
    found = service()
    return lambda conversation_id, kind: found.export(conversation_id, owner, kind)


def available_models(creds: Credentials | None) -> list[str]:
    """The models to offer; asked once per session and credentials, off the script thread.

    Until the API has answered (a slow or unreachable API must not hold the page up),
    only the configured model is offered.
    """
    fallback = settings().model
    query = _model_query(creds)
    offer = query.offer if query is not None else None
    return list(offer.models) if offer is not None and offer.models else [fallback]


def talking_to_demo(creds: Credentials | None) -> bool:
    """The server said it is the keyless demo (its answers are scripted, not Claude's)."""
    query = _model_query(creds)
    return query is not None and query.offer is not None and query.offer.demo


def _model_query(creds: Credentials | None) -> _ModelQuery | None:
    if creds is None:
        return None
    state = session()
    if state.models is None or state.models[0] != creds.fingerprint:
        query = _ModelQuery(runner(creds))
        # A moment for the answer, so the first page already offers the models and says
        # whether this is the demo; a slow or unreachable API holds the page no longer.
        query.answered.wait(FIRST_ANSWER_SECONDS)
        state.models = (creds.fingerprint, query)
    return state.models[1]


class _ModelQuery:
    def __init__(self, source: TurnRunner) -> None:
        self.offer: ModelOffer | None = None  # None until the API has answered
        self.answered = threading.Event()
        self._source = source
        threading.Thread(target=self._ask, name="list-models", daemon=True).start()

    def _ask(self) -> None:
        try:
            self.offer = self._source.model_offer()
        except Exception:  # the runner already falls back on API errors; keep the default
            _LOG.warning("listing the models failed", exc_info=True)
            self.offer = ModelOffer(())
        finally:
            self.answered.set()
