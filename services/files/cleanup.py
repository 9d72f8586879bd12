"""Deletes a deleted conversation's files from the Anthropic Files API, best effort.

The app's own store is the record: a conversation is deleted there first, and whatever
the API still holds is cleaned up afterwards. A file the API no longer has, an API that
cannot be reached, or any other error is logged and skipped, never raised: deleting a
conversation must work while the API is down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import anthropic

log = logging.getLogger(__name__)

# Seconds per delete call: a slow API must not keep the cleanup thread for long.
DELETE_TIMEOUT = 10.0


def delete_api_files(
    client: anthropic.Anthropic, file_ids: Sequence[str], timeout: float = DELETE_TIMEOUT
) -> list[str]:
    """Delete each file; return the ids that could not be deleted (a 404 counts as deleted)."""
    failed: list[str] = []
    for file_id in file_ids:
        try:
            client.files.delete(file_id, timeout=timeout)
        except anthropic.NotFoundError:
            continue  # already gone (expired, or deleted before)
        except Exception as exc:  # unreachable API, rate limit, anything: log and go on
            log.warning("could not delete file %s from the Files API: %s", file_id, exc)
            failed.append(file_id)
    return failed


def delete_api_files_later(
    make_client: Callable[[], anthropic.Anthropic], file_ids: Sequence[str]
) -> threading.Thread | None:
    """Delete the files on a background thread, so the page never waits for the API."""
    ids = list(file_ids)
    if not ids:
        return None

    def run() -> None:
        try:
            client = make_client()
        except Exception:
            log.warning("no client to delete %d files from the Files API", len(ids), exc_info=True)
            return
        try:
            delete_api_files(client, ids)
        finally:
            client.close()

    thread = threading.Thread(target=run, name="delete-api-files", daemon=True)
    thread.start()
    return thread
