"""Attachments to Files API uploads: size limits, safe names, one upload per content.

A conversation uploads each distinct content (by sha256) once and reuses its file id.
Names come from the person's browser and are never trusted: they are reduced to a plain
file name the Files API accepts, and made unique within the conversation so that two
different files called `data.csv` do not overwrite each other in $INPUT_DIR.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import anthropic

from services.conversation import Attachment
from services.files.blobs import BlobStore, sha256_of_stream
from services.files.stored import FileDirection, StoredFile
from services.settings import API_FILE_LIMIT_BYTES

MAX_NAME_LENGTH = 255
_FORBIDDEN = re.compile(r'[<>:"|?*\\/\x00-\x1f\x7f]')
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class FileTooLarge(Exception):
    """An attachment is over the limit; nothing was uploaded."""


@dataclass(frozen=True)
class PreparedUpload:
    """An attachment ready to go: its uploaded file and the name the person gave it."""

    file: StoredFile
    given_name: str
    reused: bool


def _size(size: int) -> str:
    """Bytes in the unit a person reads best (a 2 KB limit must not read "0.0 MB")."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def check_sizes(attachments: Iterable[Attachment], limit_bytes: int) -> None:
    """Refuse the whole message if any file is over the app's or the API's limit."""
    limit = min(limit_bytes, API_FILE_LIMIT_BYTES)
    for attachment in attachments:
        size = attachment.size
        if size > limit:
            raise FileTooLarge(
                f"{sanitize_filename(attachment.name)!r} is {_size(size)}; "
                f"files can be at most {_size(limit)}. Nothing was sent."
            )


def _plain_character(char: str) -> str:
    # Control, format (bidi overrides, zero-width), surrogate and line/paragraph separator
    # characters can hide or reorder parts of a name, or fail to encode at all.
    if _FORBIDDEN.match(char) or unicodedata.category(char) in _HIDDEN_CATEGORIES:
        return "_"
    return char


def _fit(stem: str, suffix: str, limit: int = MAX_NAME_LENGTH) -> str:
    """`stem + suffix` within `limit` characters: the stem is cut, the suffix kept."""
    return stem[: max(limit - len(suffix), 1)] + suffix


def sanitize_filename(name: str, mime_type: str = "application/octet-stream") -> str:
    """A plain, non-empty file name: last path component, no control or reserved chars."""
    name = unicodedata.normalize("NFC", name or "")
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(_plain_character(c) for c in base).strip().lstrip(".").strip()
    if not base:
        base = "upload" + (mimetypes.guess_extension(mime_type or "") or "")
    if len(base) > MAX_NAME_LENGTH:
        path = PurePath(base)
        base = _fit(path.stem, path.suffix[:16])
    return base


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`... if another file already has it; never
    longer than the Files API allows."""
    if name not in taken:
        return name
    path = PurePath(name)
    n = 2
    while True:
        counter = f"-{n}"
        candidate = _fit(path.stem, counter + path.suffix)
        if candidate not in taken:
            return candidate
        n += 1


def attachment_digest(attachment: Attachment) -> str:
    """The sha256 of an attachment's bytes, read a chunk at a time."""
    with attachment.open() as stream:
        return sha256_of_stream(stream)[0]


def upload_file(
    client: anthropic.Anthropic, blobs: BlobStore, name: str, attachment: Attachment
) -> StoredFile:
    """Keep the file's bytes in the blob store, then upload them from there.

    Both go a chunk at a time: the store hashes while it writes, and the SDK is given the
    stored file open (a file object goes into the multipart body in 64 KB reads; bytes or
    a path would be sent, or first read, whole).
    """
    with attachment.open() as stream:
        kept = blobs.put_stream(stream)
    with kept.path.open("rb") as stored:
        meta = client.files.upload(file=(name, stored, attachment.mime_type))
    return StoredFile(
        file_id=meta.id,
        name=name,
        mime_type=attachment.mime_type,
        size=kept.size,
        sha256=kept.sha256,
        path=kept.path,
        direction=FileDirection.UPLOADED,
    )


def prepare_uploads(
    attachments: Sequence[Attachment],
    known: dict[str, StoredFile],
    upload: Callable[[str, Attachment], StoredFile],
) -> list[PreparedUpload]:
    """One entry per attachment: same bytes reuse one upload; `known` (by sha256) is updated.

    `upload(name, attachment)` does the upload; the runner passes one that retries.
    """
    prepared: list[PreparedUpload] = []
    for attachment in attachments:
        digest = attachment_digest(attachment)
        given = sanitize_filename(attachment.name, attachment.mime_type)
        existing = known.get(digest)
        if existing is not None:
            prepared.append(PreparedUpload(existing, given, reused=True))
            continue
        name = unique_name(given, {f.name for f in known.values()})
        uploaded = upload(name, attachment)
        # Keyed by what was stored: a local file changed since it was hashed is still
        # known by the bytes that went out.
        known[uploaded.sha256] = uploaded
        prepared.append(PreparedUpload(uploaded, given, reused=False))
    return prepared


def container_upload_block(file_id: str) -> dict[str, str]:
    return {"type": "container_upload", "file_id": file_id}
