"""Which handler answers which request, after the credentials and injected faults."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import files_api, models
from .exchange import Exchange
from .messages_api import handle_messages
from .script import Fault

if TYPE_CHECKING:
    from .server import FakeAnthropic


def _authorised(fake: FakeAnthropic, ex: Exchange) -> str | None:
    """None when the credentials are acceptable, else the API's complaint."""
    key = ex.headers.get("x-api-key")
    bearer = ex.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not key and not bearer:
        return "x-api-key header is required"
    if fake.api_key is not None and fake.api_key not in (key, bearer):
        return "invalid x-api-key"
    return None


def _list_models(fake: FakeAnthropic, ex: Exchange) -> None:
    limit = ex.int_param("limit", 20, 1, 1000)
    if limit is None:
        return
    page = models.page(
        ex.param_list("lifecycle"), limit, ex.param("after_id"), ex.param("before_id")
    )
    ex.send_json(200, page)


def _get_model(fake: FakeAnthropic, ex: Exchange, model_id: str) -> None:
    entry = models.find(model_id)
    if entry is None:
        ex.send_fault(Fault(404, "not_found_error", f"model: {model_id}"))
        return
    ex.send_json(200, models.model_info(entry))


_FILE = r"/v1/files/(?P<file_id>[^/]+)"
ROUTES: tuple[tuple[str, re.Pattern[str], Callable[..., None]], ...] = tuple(
    (method, re.compile(pattern + r"/?"), handler)
    for method, pattern, handler in (
        ("POST", r"/v1/messages", handle_messages),
        ("GET", r"/v1/models", _list_models),
        ("GET", r"/v1/models/(?P<model_id>[^/]+)", _get_model),
        ("POST", r"/v1/files", files_api.upload),
        ("GET", r"/v1/files", files_api.list_files),
        ("GET", _FILE, files_api.metadata),
        ("GET", _FILE + r"/content", files_api.content),
        ("DELETE", _FILE, files_api.delete),
    )
)


def route(fake: FakeAnthropic, ex: Exchange) -> None:
    complaint = _authorised(fake, ex)
    if complaint:
        ex.send_fault(Fault(401, "authentication_error", complaint))
        return
    fault = fake._take_route_fault(ex)
    if fault is not None:
        ex.send_fault(fault)
        return
    for method, pattern, handler in ROUTES:
        match = pattern.fullmatch(ex.path)
        if match and method == ex.record.method:
            handler(fake, ex, **match.groupdict())
            return
    ex.send_fault(Fault(404, "not_found_error", f"Not found: {ex.record.method} {ex.path}"))
