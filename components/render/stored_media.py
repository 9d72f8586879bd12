"""Inline images served from the app's blob store, never held in the server's memory.

`st.image` given a file path reads the whole file on every rerun, opens it with PIL,
hashes it and keeps its bytes in Streamlit's in-memory media store for as long as a
session shows it: a long conversation's charts cost each open session their full size
in memory, and each rerun a read and a hash per image. Streamlit passes a path it cannot
open on to the media store ("its storage backend may have access to files that
Streamlit does not"), so an image is drawn from a reference to its blob instead: the
media store records the blob's path and reads the bytes from disk when the browser
fetches them. Blobs are content-addressed, so a path names one content for good, and
the reference's id is a hash of the short path rather than of the bytes.

Whether a blob is an image a browser can show is found once per path (PIL reads the
header) and kept in a bounded cache shared by every session.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryFile, MemoryMediaFileStorage
from streamlit.runtime.stats import CACHE_MEMORY_FAMILY, CacheStat, group_cache_stats

from components.render.shared_cache import SharedCache

REFERENCE_PREFIX = "stored-blob:"
# The suffix a reference ends with: Streamlit guesses the served mimetype from it.
SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "auto": ".gif"}
IMAGE_CHECKS_KEPT = 4096  # blob paths whose image check is remembered
# A blob found in the store is taken to be there for this long before it is looked for
# again: a rerun of a long conversation would otherwise stat every file it draws.
PRESENCE_SECONDS = 30.0
_SEEN_AT: SharedCache[float] = SharedCache(IMAGE_CHECKS_KEPT, keep=lambda seen: seen > 0)


class BlobMediaFile:
    """A media file whose bytes stay in the blob store; read when the browser fetches it.

    Duck-types Streamlit's `MemoryFile`, which the media route and the manager read.
    """

    __slots__ = ("filename", "kind", "mimetype", "path")

    def __init__(self, path: Path, mimetype: str, kind: MediaFileKind, filename: str | None):
        self.path = path
        self.mimetype = mimetype
        self.kind = kind
        self.filename = filename

    @property
    def content(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise MediaFileStorageError(f"{self.path.name} is no longer in the store") from exc

    @property
    def content_size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


class StoredBlobMediaStorage(MemoryMediaFileStorage):
    """Streamlit's memory media store, which also takes references to stored blobs.

    Installed on the running media store in place (`install`), since Streamlit's media
    route holds that very object; every other file is stored in memory as before.
    """

    def load_and_get_id(
        self,
        path_or_data: str | bytes,
        mimetype: str,
        kind: MediaFileKind,
        filename: str | None = None,
    ) -> str:
        path = referenced_path(path_or_data)
        if path is None:
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)
        key = f"{path}\n{mimetype}\n{filename or ''}".encode()
        file_id = hashlib.sha224(key).hexdigest()
        if file_id not in self._files_by_id:
            self._files_by_id[file_id] = BlobMediaFile(path, mimetype, kind, filename)  # type: ignore[assignment]
        return file_id

    def held_bytes(self) -> int:
        """Bytes this store keeps in memory (a stored blob's are on disk)."""
        return sum(len(f.content) for f in self._held_files())

    def get_stats(self, family_names: Sequence[str] | None = None) -> dict[str, list[CacheStat]]:
        # Streamlit's memory figures: the files kept in memory, without reading every blob.
        stats = [
            CacheStat("st_memory_media_file_storage", "", len(f.content))
            for f in self._held_files()
        ]
        return {CACHE_MEMORY_FAMILY: group_cache_stats(stats)} if stats else {}

    def _held_files(self) -> list[MemoryFile]:
        files = list(self._files_by_id.values())  # a copy: other threads add and remove
        return [f for f in files if isinstance(f, MemoryFile)]


def install(storage: object) -> bool:
    """Let `storage` take blob references; False when it is not Streamlit's memory store."""
    if isinstance(storage, StoredBlobMediaStorage):
        return True
    if type(storage) is not MemoryMediaFileStorage:
        return False
    # The same object, so the media route that holds it serves the references too.
    storage.__class__ = StoredBlobMediaStorage
    return True


def referenced_path(path_or_data: str | bytes) -> Path | None:
    if not isinstance(path_or_data, str) or not path_or_data.startswith(REFERENCE_PREFIX):
        return None
    reference = path_or_data.removeprefix(REFERENCE_PREFIX)
    for suffix in SUFFIXES.values():
        if reference.endswith(suffix):
            return Path(reference.removesuffix(suffix))
    return None


def image_reference(path: Path, output_format: str) -> str | None:
    """What `st.image` is given for a stored image, or None to pass the bytes instead.

    None when the running media store cannot take references, or when the format is not
    one served as stored (the caller checks `shows_as_image` first).
    """
    suffix = SUFFIXES.get(output_format)
    if suffix is None or not _media_store_takes_references():
        return None
    return f"{REFERENCE_PREFIX}{path}{suffix}"


def _media_store_takes_references() -> bool:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    return install(Runtime.instance().media_file_mgr._storage)


def in_store(path: Path) -> bool:
    """The blob is in the store (looked for at most every PRESENCE_SECONDS per path)."""
    key = str(path)
    seen = _SEEN_AT.get(key, lambda: time.monotonic() if path.exists() else 0.0)
    if seen and time.monotonic() - seen < PRESENCE_SECONDS:
        return True
    _SEEN_AT.forget(key)
    return bool(_SEEN_AT.get(key, lambda: time.monotonic() if path.exists() else 0.0))


@lru_cache(maxsize=IMAGE_CHECKS_KEPT)
def shows_as_image(path: str) -> bool:
    """The blob opens as an image (header only; keyed by path: blobs never change)."""
    try:
        with Image.open(path) as image:
            return image.format in ("PNG", "JPEG", "GIF")
    except (OSError, UnidentifiedImageError, ValueError):
        return False
