"""Download the files a code step produced, as soon as the step finishes.

Each file's metadata and bytes are fetched on a small thread pool, so several files of a
step download at once and the stream keeps being read meanwhile. The bytes go to the blob
store, so a file stays downloadable after the container and the API file expire. A file
that fails is reported on its step; the turn goes on.
"""

from __future__ import annotations

import errno
import mimetypes
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import anthropic

from services.files.blobs import BlobStore
from services.files.stored import FileDirection, StoredFile
from services.files.uploads import sanitize_filename
from services.turn.events import OutputFileFailed, OutputFileReady, TurnEvent
from services.turn.failures import classify

MAX_PARALLEL_DOWNLOADS = 8
# A download is not a message call: nothing is shown while it waits, so the SDK's own
# retries (backoff, retry-after) are enough for a passing 429 or 5xx.
DOWNLOAD_RETRIES = 2


class OutputNotSaved(Exception):
    """The file arrived but this server could not write it (a full disk, say)."""


def not_saved_words(name: str, exc: OSError) -> str:
    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return f"Could not save {name} on this server: {reason}. The rest of the answer is kept."


def download_output(
    client: anthropic.Anthropic, blobs: BlobStore, file_id: str, step_id: str
) -> StoredFile:
    """Fetch one file's metadata and bytes into the blob store."""
    files = client.with_options(max_retries=DOWNLOAD_RETRIES).files
    meta = files.retrieve_metadata(file_id)
    data = files.download(file_id).read()
    name = sanitize_filename(meta.filename or file_id, meta.mime_type or "")
    try:
        digest, path = blobs.put(data)
    except OSError as exc:  # the API gave the file; this server could not keep it
        raise OutputNotSaved(not_saved_words(name, exc)) from exc
    mime_type = meta.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(
        file_id=file_id,
        name=name,
        mime_type=mime_type,
        size=len(data),
        sha256=digest,
        path=path,
        direction=FileDirection.PRODUCED,
        step_id=step_id,
    )


class OutputFetcher:
    """Starts downloads, emits OutputFileReady / OutputFileFailed, collects the files."""

    def __init__(
        self,
        client: anthropic.Anthropic,
        blobs: BlobStore,
        emit: Callable[[TurnEvent], None],
        known: Iterable[str] = (),
    ) -> None:
        self._client = client
        self._blobs = blobs
        self._emit = emit
        self._seen = set(known)  # file ids already downloaded in earlier turns
        self._lock = threading.Lock()
        self._futures: list[Future[None]] = []
        self._pool = ThreadPoolExecutor(MAX_PARALLEL_DOWNLOADS, thread_name_prefix="download")
        self.files: dict[str, StoredFile] = {}

    def fetch(self, step_id: str, file_ids: Iterable[str]) -> None:
        for file_id in file_ids:
            with self._lock:
                if file_id in self._seen:
                    continue
                self._seen.add(file_id)
                self._futures.append(self._pool.submit(self._fetch_one, step_id, file_id))

    def _fetch_one(self, step_id: str, file_id: str) -> None:
        try:
            output = download_output(self._client, self._blobs, file_id, step_id)
        except OutputNotSaved as exc:
            self._emit(OutputFileFailed(step_id, file_id, str(exc)))
            return
        except Exception as exc:  # any failure is this file's, not the turn's
            message = f"Could not download {file_id}: {classify(exc).message}"
            self._emit(OutputFileFailed(step_id, file_id, message))
            return
        with self._lock:
            self.files[file_id] = output
        self._emit(OutputFileReady(output))

    def wait(self, cancel_pending: bool = False) -> dict[str, StoredFile]:
        """Block until every started download has ended; then the pool is shut down."""
        self._pool.shutdown(wait=True, cancel_futures=cancel_pending)
        with self._lock:
            return dict(self.files)
