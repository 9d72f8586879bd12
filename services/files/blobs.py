"""A content-addressed folder of file bytes, written atomically.

Bytes are stored under their sha256, so the same content uploaded twice or produced
twice is kept once. Names never reach the file system: a hostile filename cannot
escape the folder. A large attachment is stored from a stream a chunk at a time
(`put_stream`), hashed as it is written, so it is never held whole a second time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Read and written this much at a time: big enough that hashing runs at disk speed,
# small enough that a 100 MB file costs a megabyte of memory, not a second copy.
CHUNK_BYTES = 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_stream(stream: BinaryIO) -> tuple[str, int]:
    """The sha256 and size of what is left in `stream`, read a chunk at a time."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class KeptBlob:
    """Bytes in the store: their digest, where they are, and how many there are."""

    sha256: str
    path: Path
    size: int


def _write_hashing(stream: BinaryIO, fd: int) -> tuple[str, int]:
    """Copy `stream` to the open file `fd` a chunk at a time; its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())  # the rename must never expose unwritten bytes
    return digest.hexdigest(), size


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> tuple[str, Path]:
        """Store bytes and return (sha256, path); an existing copy is reused."""
        digest = sha256_of(data)
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())  # the rename must never expose unwritten bytes
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return digest, path

    def put_stream(self, stream: BinaryIO) -> KeptBlob:
        """Store what is left in `stream`, hashed while it is written; an existing whole
        copy of the same bytes is kept and the new one dropped."""
        # The digest is known only at the end, so the bytes go to a temporary file in
        # the folder itself (the rename stays on one file system).
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            digest, size = _write_hashing(stream, fd)
            path = self.path_for(digest)
            if path.exists() and path.stat().st_size == size:
                Path(tmp).unlink()
            else:  # absent, or a copy cut short by a crash: this one replaces it
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return KeptBlob(digest, path, size)

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

    def delete(self, digest: str) -> None:
        self.path_for(digest).unlink(missing_ok=True)
