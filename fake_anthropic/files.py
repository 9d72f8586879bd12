"""The fake's Files API store: metadata in the API's shape plus the bytes, newest first.

Uploads are `downloadable: false` (only files made by code execution can be downloaded);
output files of code steps are `downloadable: true`. Upload names follow the API's rules
(`filename_problem`). Listing follows SDK 2.10's `SyncPageCursor`:
`{"data": [...], "next_page": "page_…" | null}`.
"""

from __future__ import annotations

import mimetypes
import threading
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from .ids import new_id, now_rfc3339

DEFAULT_PAGE_SIZE = 20
MAX_FILENAME_LENGTH = 255
RESERVED_CHARACTERS = frozenset('<>:"|?*')
MIN_EXPIRY, MAX_EXPIRY = 3600, 7776000


@dataclass(frozen=True)
class StoredFile:
    meta: dict[str, Any]
    data: bytes
    seq: int = 0  # creation order, for newest-first listing and page cursors


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._seq = 0

    def add(
        self,
        filename: str,
        data: bytes,
        mime_type: str | None,
        downloadable: bool,
        expires_in: int | None = None,
    ) -> StoredFile:
        meta: dict[str, Any] = {
            "type": "file",
            "id": new_id("file"),
            "size_bytes": len(data),
            "created_at": now_rfc3339(),
            "filename": clean_filename(filename, mime_type),
            "mime_type": mime_type or guess_mime(filename),
            "downloadable": downloadable,
        }
        if expires_in is not None:
            meta["expires_at"] = now_rfc3339(timedelta(seconds=expires_in))
        with self._lock:
            self._seq += 1
            stored = StoredFile(meta, data, self._seq)
            self._files[meta["id"]] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def delete(self, file_id: str) -> bool:
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def snapshot(self) -> dict[str, StoredFile]:
        with self._lock:
            return dict(self._files)

    def page(self, ids: list[str], limit: int, cursor: str | None) -> dict[str, Any]:
        newest_first = sorted(self.snapshot().values(), key=lambda f: -f.seq)
        if ids:
            wanted = set(ids)
            return {
                "data": [f.meta for f in newest_first if f.meta["id"] in wanted],
                "next_page": None,
            }
        if cursor:
            after = int(cursor.removeprefix("page_"))
            newest_first = [f for f in newest_first if f.seq < after]
        shown = newest_first[:limit]
        more = len(newest_first) > limit
        return {
            "data": [f.meta for f in shown],
            "next_page": f"page_{shown[-1].seq}" if more else None,
        }


def clean_filename(filename: str, mime_type: str | None) -> str:
    """Only the last path component is kept; no name becomes `unnamed` plus an extension."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name:
        return name
    extension = mimetypes.guess_extension(mime_type or "") or ""
    return f"unnamed{extension}"


def filename_problem(filename: str) -> str | None:
    """Why the Files API would refuse this name (after its last path component is taken):
    1 to 255 characters, none of `<>:"|?*` and no control characters."""
    name = clean_filename(filename, None)
    if len(name) > MAX_FILENAME_LENGTH:
        return f"filename: must be at most {MAX_FILENAME_LENGTH} characters"
    bad = sorted({c for c in name if c in RESERVED_CHARACTERS or unicodedata.category(c) == "Cc"})
    if bad:
        return f"filename: must not contain {''.join(bad)!r}"
    return None


def guess_mime(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def download_headers(stored: StoredFile) -> dict[str, str]:
    name = quote(stored.meta["filename"], safe="")
    return {
        "content-type": stored.meta["mime_type"],
        "content-disposition": f"attachment; filename*=utf-8''{name}",
    }
