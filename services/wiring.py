"""Builds the parts the page puts together: the conversation service, a turn runner for a
set of credentials (it also lists the models), and the Files API clean-up.

The page calls these instead of touching the SDK or the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.client import build_client
from services.client import has_credentials as has_credentials  # for the page's key check
from services.conversations import ConversationService
from services.files.blobs import BlobStore
from services.files.cleanup import delete_api_files_later
from services.settings import Settings
from services.store import open_store
from services.turn.runner import TurnRunner


def open_service(settings: Settings) -> ConversationService:
    """The conversation service on the store the settings name (opened and migrated)."""
    service = ConversationService(open_store(settings), settings)
    # Deletions whose undo window ended while no server ran: purged now, with the files
    # the API holds deleted under the environment's credentials.
    service.purge_deleted(lambda file_ids: delete_api_files(None, None, file_ids))
    return service


def close_service(service: ConversationService) -> None:
    service.store.close()


def build_runner(settings: Settings, api_key: str | None, base_url: str | None) -> TurnRunner:
    """A runner whose client has the app's own key or URL, if it was given one."""
    client = build_client(api_key=api_key, base_url=base_url)
    return TurnRunner(client, settings, open_blobs(settings))


def open_blobs(settings: Settings) -> BlobStore:
    return BlobStore(settings.files_dir)


def delete_api_files(api_key: str | None, base_url: str | None, file_ids: Sequence[str]) -> None:
    """Delete a deleted conversation's files from the Files API, in the background."""
    if file_ids:
        delete_api_files_later(lambda: build_client(api_key, base_url), file_ids)
