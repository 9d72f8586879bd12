"""Error answers in the API's shape: `{"type": "error", "error": {...}, "request_id": ...}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .script import Fault

# The status the API uses for each error type (used when only a type is scripted).
STATUS_FOR_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "conflict_error": 409,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def error_object(error_type: str, message: str, error_code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if error_code is not None:
        error["details"] = {"error_code": error_code}
    return error


def error_answer(fault: Fault, request_id: str) -> ErrorAnswer:
    body = {
        "type": "error",
        "error": error_object(fault.error_type, fault.message, fault.error_code),
        "request_id": request_id,
    }
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["retry-after"] = _seconds(fault.retry_after)
    if fault.status in (400, 401, 403, 404, 413):
        # The API tells clients not to retry these (recorded on the 400 not-downloadable answer).
        headers["x-should-retry"] = "false"
    return ErrorAnswer(fault.status, body, headers)


def fault_for(error_type: str, message: str) -> Fault:
    return Fault(STATUS_FOR_TYPE.get(error_type, 500), error_type, message)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
