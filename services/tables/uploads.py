"""The profile of an attached file, made on the turn's worker before the message is sent."""

from __future__ import annotations

import logging

from services.files.stored import StoredFile
from services.tables.profile import FileProfile, profile_file
from services.tables.reader import table_kind

log = logging.getLogger(__name__)


def profile_upload(file: StoredFile) -> FileProfile | None:
    """The file's profile when it is a table; None for other files. A failure of the
    profiler itself is logged and the file goes without one: it never stops a turn."""
    kind = table_kind(file.name, file.mime_type)
    if kind is None:
        return None
    try:
        return profile_file(file.name, kind, file.path)
    except Exception:
        log.exception("profiling %s failed", file.file_id)
        return None
