"""Deleting a conversation in two steps, so that a deletion can be undone.

`hide` takes it out of every list and read at once; for the undo window (about ten
seconds) `restore` brings it back whole, messages and files. Only after the window is it
purged: its rows and bytes from the store, then its files from the Files API. A server
that stopped during a window leaves hidden conversations behind; `purge_due` (run when a
server opens the store) purges those whose window has passed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from services.store import Store
from services.store.db import utc_now
from services.store.errors import ConversationNotFound

log = logging.getLogger(__name__)

DeleteApiFiles = Callable[[Sequence[str]], object]


def purge(
    store: Store,
    conversation_id: str,
    owner: str,
    hidden_before: datetime,
    delete_api_files: DeleteApiFiles | None,
) -> bool:
    """Purge it if it is still hidden since `hidden_before` or earlier; False if it was
    restored (or hidden again later, when that later window decides)."""
    try:
        file_ids = store.delete(conversation_id, owner, hidden_before=hidden_before)
    except ConversationNotFound:
        return False
    if delete_api_files is not None and file_ids:
        delete_api_files(file_ids)
    return True


def purge_later(
    store: Store,
    conversation_id: str,
    owner: str,
    hidden_at: datetime,
    window_seconds: float,
    delete_api_files: DeleteApiFiles | None,
) -> threading.Timer:
    """Purge it when its undo window ends, on a timer thread (never raises there)."""

    def run() -> None:
        try:
            purge(store, conversation_id, owner, hidden_at, delete_api_files)
        except Exception:  # a closed or unreachable store: the next start purges it
            log.warning("could not purge deleted conversation %s", conversation_id, exc_info=True)

    timer = threading.Timer(window_seconds, run)
    timer.name = "purge-deleted-conversation"
    timer.daemon = True
    timer.start()
    return timer


def purge_due(
    store: Store, window_seconds: float, delete_api_files: DeleteApiFiles | None
) -> list[str]:
    """Purge every conversation whose undo window has passed; their ids."""
    moment = utc_now() - timedelta(seconds=window_seconds)
    return [
        conversation_id
        for conversation_id, owner in store.deleted_before(moment)
        if purge(store, conversation_id, owner, moment, delete_api_files)
    ]
