"""Which failures are worth retrying, how long to wait, and what to tell the person.

Failures are classified by HTTP status and the API's message, not by SDK exception
subclass alone: the SDK maps some statuses to subclasses by error code (a plain 400
`invalid_request_error` can arrive as a subclass or not), and a transport error can come
from the SDK or straight from httpx2 while a stream is read.
"""

from __future__ import annotations

import email.utils
import errno
import random
import time
from dataclasses import dataclass

import anthropic
import httpx2

from services.settings import Settings
from services.turn.events import ErrorKind

RETRYABLE_STATUS = {408: ErrorKind.SERVER, 429: ErrorKind.RATE_LIMITED, 529: ErrorKind.OVERLOADED}
MAX_EXCERPT = 200
DISK_FULL_MESSAGE = "An attached file could not be kept on this server: the disk is full."
KEY_HELP = (
    "Check the API key: paste it in the sidebar, or set ANTHROPIC_API_KEY "
    "(environment or .streamlit/secrets.toml)."
)


@dataclass(frozen=True)
class Failure:
    """A failed API call, in the terms the runner and the person need."""

    kind: ErrorKind
    message: str  # plain words for the person
    status: int | None = None
    retryable: bool = False
    retry_after: float | None = None  # seconds the API asked us to wait
    api_message: str = ""
    reason: str = ""  # short, for "retrying in N s: <reason>"


def _retry_after(headers: httpx2.Headers) -> float | None:
    """`retry-after-ms`, then `retry-after` in seconds or as an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)


def _api_words(exc: anthropic.APIStatusError) -> str:
    """The API's own message; for an answer not in the API's shape (a proxy's HTML error
    page, say) a short plain excerpt, never the whole page."""
    if exc.api_message:
        return exc.api_message
    body = exc.body if isinstance(exc.body, str) else ""
    text = " ".join(body.split())
    if not text or text.startswith("<"):
        return "no details given"
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1] + "…"


def _status_failure(exc: anthropic.APIStatusError) -> Failure:
    status = exc.status_code
    api_message = _api_words(exc)
    error_type = exc.type or "error"
    retry_after = _retry_after(exc.response.headers)
    should_retry = exc.response.headers.get("x-should-retry")
    said = f"{api_message} ({status} {error_type})"
    if status == 401:
        message = f"The API key was rejected ({api_message}). {KEY_HELP}"
        return Failure(ErrorKind.AUTHENTICATION, message, status)
    if status in (402, 403):
        return Failure(ErrorKind.PERMISSION, f"The API refused access: {said}.", status)
    if status == 404:
        return Failure(ErrorKind.NOT_FOUND, f"Not found: {said}.", status, api_message=api_message)
    retryable = status in RETRYABLE_STATUS or status >= 500
    if status == 429 and exc.error_code == "enforced_spend_limit_reached":
        retryable = False  # waiting will not lift a spend limit
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    if status in RETRYABLE_STATUS or status >= 500:
        kind = RETRYABLE_STATUS.get(status, ErrorKind.SERVER)
        reason = f"{error_type} ({status})"
        message = f"The API is not answering right now: {said}."
        return Failure(kind, message, status, retryable, retry_after, api_message, reason)
    message = f"The API refused the request: {said}."
    return Failure(ErrorKind.BAD_REQUEST, message, status, retryable, retry_after, api_message)


def classify(exc: BaseException) -> Failure:
    """Turn any exception from an API call into a Failure."""
    if isinstance(exc, anthropic.APIStatusError):
        return _status_failure(exc)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        message = "The API did not answer in time."
        return Failure(ErrorKind.CONNECTION, message, retryable=True, reason="timeout")
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        message = f"Could not reach the API ({str(exc) or type(exc).__name__})."
        return Failure(ErrorKind.CONNECTION, message, retryable=True, reason="connection error")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        # Not the API's and not a bug: the attachment could not be kept to be uploaded.
        return Failure(ErrorKind.DISK_FULL, DISK_FULL_MESSAGE)
    return Failure(ErrorKind.INTERNAL, f"Something went wrong in the app: {type(exc).__name__}.")


# An `event: error` of these types means the same as the status the API would have sent.
STREAM_ERROR_KINDS = {
    "overloaded_error": ErrorKind.OVERLOADED,
    "api_error": ErrorKind.SERVER,
    "rate_limit_error": ErrorKind.RATE_LIMITED,
}


def stream_error_failure(error_type: str, api_message: str) -> Failure | None:
    """A retryable Failure for an `event: error` that arrived before any content; None
    for an error type that waiting would not cure."""
    kind = STREAM_ERROR_KINDS.get(error_type)
    if kind is None:
        return None
    message = f"The API is not answering right now: {api_message} ({error_type})."
    reason = f"{error_type} (in the stream)"
    return Failure(kind, message, retryable=True, api_message=api_message, reason=reason)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; the API's retry-after wins when it gives one."""

    max_retries: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    max_wait_seconds: float = 60.0
    # Tests shrink the real waits; the delays reported to the person stay as computed.
    time_scale: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: float) -> RetryPolicy:
        values: dict[str, float] = {
            "max_retries": settings.max_retries,
            "max_wait_seconds": settings.max_retry_wait_seconds,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def delay(self, attempt: int, failure: Failure) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry)."""
        if failure.retry_after is not None:
            return failure.retry_after
        backoff = min(self.base_delay_seconds * 2**attempt, self.max_delay_seconds)
        return backoff * random.uniform(0.75, 1.0)

    def give_up_reason(self, attempt: int, failure: Failure, delay: float) -> str | None:
        """Why not to retry now, in plain words; None means retry after `delay`."""
        if not failure.retryable:
            return failure.message
        if attempt >= self.max_retries:
            return f"{failure.message} Gave up after {attempt + 1} attempts; try again later."
        if delay > self.max_wait_seconds:
            return (
                f"{failure.message} The API asked to wait {delay:.0f} s before retrying, "
                f"longer than {self.max_wait_seconds:.0f} s; try again later."
            )
        return None
