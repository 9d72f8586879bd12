"""`/v1/files` endpoints: upload (multipart), list, metadata, content, delete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .exchange import Exchange
from .files import (
    DEFAULT_PAGE_SIZE,
    MAX_EXPIRY,
    MIN_EXPIRY,
    download_headers,
    filename_problem,
    guess_mime,
)
from .gates import DownloadHoldTimeout
from .script import Fault

if TYPE_CHECKING:
    from .server import FakeAnthropic


def _bad(ex: Exchange, message: str) -> None:
    ex.send_fault(Fault(400, "invalid_request_error", message))


def not_found(ex: Exchange, file_id: str) -> None:
    ex.send_fault(Fault(404, "not_found_error", f"File `{file_id}` not found."))


def upload(fake: FakeAnthropic, ex: Exchange) -> None:
    part = ex.parts.get("file")
    if part is None:
        _bad(ex, "file: Field required")
        return
    problem = filename_problem(part.filename or "")
    if problem:
        _bad(ex, problem)
        return
    expires_in = None
    if "expires_in_seconds" in ex.parts:
        text = ex.parts["expires_in_seconds"].data.decode(errors="replace").strip()
        expires_in = int(text) if text.isdigit() else 0
        if not MIN_EXPIRY <= expires_in <= MAX_EXPIRY:
            _bad(ex, f"expires_in_seconds: must be between {MIN_EXPIRY} and {MAX_EXPIRY}")
            return
    mime = part.content_type
    if not mime or mime == "application/octet-stream":
        mime = guess_mime(part.filename or "")
    stored = fake.file_store.add(part.filename or "", part.data, mime, False, expires_in)
    ex.send_json(200, stored.meta)


def list_files(fake: FakeAnthropic, ex: Exchange) -> None:
    ids, page = ex.param_list("ids"), ex.param("page")
    if ids and (ex.param("limit") or page):
        _bad(ex, "ids: cannot be combined with page or limit")
        return
    if page is not None and not re.fullmatch(r"page_\d+", page):
        _bad(ex, "page: invalid page cursor")
        return
    limit = ex.int_param("limit", DEFAULT_PAGE_SIZE, 1, 1000)
    if limit is not None:
        ex.send_json(200, fake.file_store.page(ids[:100], limit, page))


def metadata(fake: FakeAnthropic, ex: Exchange, file_id: str) -> None:
    stored = fake.file_store.get(file_id)
    if stored is None:
        not_found(ex, file_id)
        return
    ex.send_json(200, stored.meta)


def content(fake: FakeAnthropic, ex: Exchange, file_id: str) -> None:
    stored = fake.file_store.get(file_id)
    if stored is None:
        not_found(ex, file_id)
        return
    if not stored.meta.get("downloadable"):
        # The real answer is a plain 400 without an error code (recordings, Aug 2026).
        _bad(ex, f"File '{file_id}' is not downloadable")
        return
    with fake.download_slot():
        try:
            fake.download_hold.wait()
        except DownloadHoldTimeout:
            message = "fake: downloads were not concurrent (hold_downloads timed out)"
            ex.send_fault(Fault(500, "api_error", message))
            return
        ex.send_bytes(200, stored.data, download_headers(stored))


def delete(fake: FakeAnthropic, ex: Exchange, file_id: str) -> None:
    if not fake.file_store.delete(file_id):
        not_found(ex, file_id)
        return
    ex.send_json(200, {"id": file_id, "type": "file_deleted"})
