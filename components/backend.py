"""Where the page gets its turns from: the one seam between the page and the services.

The page calls `start_turn` and `available_models` and sees only `TurnSource` (anything
with the runner's `start`/`list_models`). The source is built here, once per browser session
and credentials, from the settings and the Anthropic client built by services.client.
The runner is wrapped by the recorder, so every turn is stored as it streams. The store
is opened once per process and shared by every session; every read the page makes names
the owner it acts for (the person signed in), so another person's data reads as missing.

The key someone pastes in the sidebar lives in st.session_state for this session only:
it is passed to the client and never written to disk or to a log.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import streamlit as st

from services.client import build_client, has_credentials
from services.conversation import Attachment, Conversation
from services.files.blobs import BlobStore
from services.files.cleanup import delete_api_files_later
from services.settings import Settings, load_settings
from services.store import Store, open_store
from services.turn.handle import TurnHandle
from services.turn.recorder import Recorder
from services.turn.runner import TurnRunner

_LOG = logging.getLogger(__name__)

PASTED_KEY = "pasted_api_key"
_SOURCE = "_turn_source"
_SETTINGS = "_settings"
_MODELS = "_models"


class TurnSource(Protocol):
    def start(
        self,
        conversation_id: str,
        conversation: Conversation,
        text: str,
        attachments: Sequence[Attachment] = (),
    ) -> TurnHandle: ...

    def list_models(self) -> list[str]: ...


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
    """Read from the environment once per session (a test may put its own Settings first)."""
    if _SETTINGS not in st.session_state:
        st.session_state[_SETTINGS] = load_settings()
    return st.session_state[_SETTINGS]


def _secret(name: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml, or an unreadable one: the app still starts
        return None
    return str(value) if value else None


def credentials() -> Credentials | None:
    """The sidebar key, then .streamlit/secrets.toml, then the SDK's environment variables."""
    base_url = _secret("ANTHROPIC_BASE_URL")
    pasted = st.session_state.get(PASTED_KEY)
    if pasted:
        return Credentials(str(pasted), base_url, "sidebar")
    from_secrets = _secret("ANTHROPIC_API_KEY")
    if from_secrets:
        return Credentials(from_secrets, base_url, "secrets")
    if has_credentials():
        return Credentials(None, base_url, "environment")
    return None


@st.cache_resource(show_spinner=False, max_entries=8, on_release=Store.close)
def _open_store(database_url: str, files_dir: str, _settings: Settings) -> Store:
    # Cached by where the data lives (the underscored settings are not part of the key).
    return open_store(_settings)


def store() -> Store:
    """The conversation store, opened (and migrated) once per process and database."""
    current = settings()
    return _open_store(current.database_url, str(current.files_dir), current)


def _build_source(creds: Credentials) -> TurnSource:
    current = settings()
    client = build_client(api_key=creds.api_key, base_url=creds.base_url)
    return Recorder(TurnRunner(client, current, BlobStore(current.files_dir)), store())


def turn_source(creds: Credentials) -> TurnSource:
    cached = st.session_state.get(_SOURCE)
    if cached is None or cached[0] != creds.fingerprint:
        cached = (creds.fingerprint, _build_source(creds))
        st.session_state[_SOURCE] = cached
    return cached[1]


def start_turn(
    creds: Credentials, conversation: Conversation, text: str, attachments: Sequence[Attachment]
) -> TurnHandle:
    """Start a turn of a stored conversation (its id is the store's): it is recorded."""
    return turn_source(creds).start(conversation.id, conversation, text, attachments)


def delete_api_files(creds: Credentials | None, file_ids: Sequence[str]) -> None:
    """Delete a deleted conversation's files from the Files API, in the background."""
    if not file_ids:
        return
    if creds is None:
        _LOG.warning("no API key: %d files stay in the Files API until they expire", len(file_ids))
        return
    delete_api_files_later(lambda: build_client(creds.api_key, creds.base_url), file_ids)


@dataclass(frozen=True)
class OwnedFiles:
    """Reads stored files for one owner: another person's file reads as missing."""

    store: Store
    owner: str

    def read(self, file_id: str) -> bytes:
        return self.store.read_file(file_id, self.owner)


def available_models(creds: Credentials | None) -> list[str]:
    """The models to offer; asked once per session and credentials, off the script thread.

    Until the API has answered (a slow or unreachable API must not hold the page up),
    only the configured model is offered.
    """
    fallback = settings().model
    if creds is None:
        return [fallback]
    cached = st.session_state.get(_MODELS)
    if cached is None or cached[0] != creds.fingerprint:
        source = turn_source(creds)
        cached = (creds.fingerprint, _ModelQuery(source))
        st.session_state[_MODELS] = cached
    return cached[1].models or [fallback]


class _ModelQuery:
    def __init__(self, source: TurnSource) -> None:
        self.models: list[str] = []
        self._source = source
        threading.Thread(target=self._ask, name="list-models", daemon=True).start()

    def _ask(self) -> None:
        try:
            self.models = list(self._source.list_models())
        except Exception:  # the runner already falls back on API errors; keep the default
            _LOG.warning("listing the models failed", exc_info=True)
