"""A clicked download's bytes stay on the server long enough for the browser to fetch them.

A deferred `st.download_button` works in two steps: the click asks the server over the
websocket to run the data callable, Streamlit stores the bytes in its media store and
answers with their `/media/` URL, and only then does the browser fetch that URL. Streamlit
1.67 keeps those bytes referenced by no session (`MediaFileManager.execute_deferred`
leaves them unmapped) and deletes an unreferenced download on the second orphan pass
after it was stored, and a pass runs at the end of every script run of every session,
fragment runs included. With many sessions open, each with a ticking fragment, two passes
come within milliseconds, and the browser's fetch finds the file gone: Chromium then
cancels the download.

So a download, once marked for deletion, becomes deletable only after
`GRACE_SECONDS`: Streamlit's own metadata class gets a clock, nothing else changes.
Installed once per server process, from app.py.
"""

from __future__ import annotations

import time

from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileMetadata

GRACE_SECONDS = 60.0  # far beyond a fetch's round trip, short enough not to hoard bytes


class GracefulMediaFileMetadata(MediaFileMetadata):
    """Streamlit's file metadata, but "marked for delete" only `GRACE_SECONDS` after the
    first orphan pass that found the file unreferenced."""

    clock = staticmethod(time.monotonic)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._marked_at: float | None = None

    def mark_for_delete(self) -> None:
        if self._marked_at is None:
            self._marked_at = self.clock()

    @property
    def is_marked_for_delete(self) -> bool:
        return self._marked_at is not None and self.clock() - self._marked_at >= GRACE_SECONDS


def install() -> None:
    """Streamlit makes a file's metadata by this module-level name at each add."""
    media_file_manager.MediaFileMetadata = GracefulMediaFileMetadata
