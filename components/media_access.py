"""Who may fetch a file Streamlit serves under `/media/`: only a person who was shown it.

Streamlit serves a media file to anyone who has its URL. With sign-in configured the
media middleware (components/media_guard.py) asks `may_read` before serving one. A file
is the signed-in person's when a page session of theirs holds it (an inline image, a
PDF page: Streamlit maps each such file to the session that added it), or when a
deferred download made it for them: those files are mapped to no session, so the
download's data function, which runs for one owner, grants that owner the bytes'
digest (`granted`). The media storage names files by a hash of their content, so the
same bytes under the same name are one file whoever made them.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from components.session import session
from components.sidebar.account import owner_id
from services.conversations import LOCAL_OWNER

# Bounded, so a long-running server does not grow with every download ever made.
MAX_GRANTS = 20_000
MAX_DIGESTS = 2_000
PAGE_ICON = "favicon"  # the coordinates st.set_page_config gives its page_icon image


class MediaGrants:
    """(owner, content digest) pairs a deferred download produced; oldest dropped first."""

    def __init__(self, limit: int = MAX_GRANTS) -> None:
        self._limit = limit
        self._pairs: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def grant(self, owner: str, digest: str) -> None:
        with self._lock:
            self._pairs[(owner, digest)] = None
            self._pairs.move_to_end((owner, digest))
            while len(self._pairs) > self._limit:
                self._pairs.popitem(last=False)

    def allows(self, owner: str, digest: str) -> bool:
        with self._lock:
            return (owner, digest) in self._pairs


class DigestCache:
    """Content digests of served files by media file id (ids are content hashes)."""

    def __init__(self, limit: int = MAX_DIGESTS) -> None:
        self._limit = limit
        self._digests: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def digest(self, file_id: str, content: bytes) -> str:
        with self._lock:
            known = self._digests.get(file_id)
        if known is None:
            known = content_digest(content)
            with self._lock:
                self._digests[file_id] = known
                while len(self._digests) > self._limit:
                    self._digests.popitem(last=False)
        return known


GRANTS = MediaGrants()
DIGESTS = DigestCache()


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def granted(read: Callable[[], bytes]) -> Callable[[], bytes]:
    """A deferred download's data function that lets the page's owner fetch what it returns.

    The owner is taken now, on the script thread: the download runs later, off it.
    """
    owner = session().owner
    if owner is None or owner == LOCAL_OWNER:  # no sign-in: media is not checked
        return read

    def read_and_grant() -> bytes:
        data = read()
        GRANTS.grant(owner, content_digest(data))
        return data

    return read_and_grant


def _holding_sessions(file_id: str) -> list[tuple[str, str]]:
    """(session id, coordinates) of every live page session that holds `file_id`."""
    from streamlit.runtime import Runtime

    manager = Runtime.instance().media_file_mgr
    with manager._lock:
        return [
            (session_id, coordinates)
            for session_id, by_coordinates in manager._files_by_session_and_coord.items()
            for coordinates, held in by_coordinates.items()
            if held == file_id
        ]


def session_owners(file_id: str) -> set[str]:
    """Owners of the live page sessions that hold media file `file_id`.

    Reads Streamlit's own record of which session added which file, and each session's
    identity as its sign-in cookie gave it (the same claims `st.user` shows that page).
    """
    from streamlit.runtime import Runtime

    sessions = Runtime.instance()._session_mgr
    owners = set()
    for session_id, _ in _holding_sessions(file_id):
        info = sessions.get_session_info(session_id)
        claims: Mapping[str, Any] = getattr(info.session, "_user_info", {}) if info else {}
        owner = owner_id(claims) if claims.get("is_logged_in") else None
        if owner is not None:
            owners.add(owner)
    return owners


def is_page_icon(file_id: str) -> bool:
    """The app's own icon (st.set_page_config adds it as "favicon"): the sign-in page
    shows it to people not yet signed in, and it is never anyone's content."""
    return any(coordinates == PAGE_ICON for _, coordinates in _holding_sessions(file_id))


def may_read(owner: str, file_name: str) -> bool:
    """Whether the signed-in `owner` may fetch `/media/<file_name>` (unknown files: no)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    file_id = os.path.splitext(file_name)[0]
    if owner in session_owners(file_id):
        return True
    media = Runtime.instance().media_file_mgr
    found = media.read_file(file_name) if media.can_read_files else None
    return found is not None and GRANTS.allows(owner, DIGESTS.digest(file_id, found.content))
