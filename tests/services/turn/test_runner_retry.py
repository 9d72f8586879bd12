"""Classifying failures and choosing waits, without a server."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import anthropic
import httpx2
import pytest

from services.turn.events import ErrorKind
from services.turn.failures import Failure, RetryPolicy, classify


def status_error(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> anthropic.APIStatusError:
    body = {"type": "error", "error": {"type": error_type, "message": message, **extra}}
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    response = httpx2.Response(status, headers=headers or {}, json=body, request=request)
    return anthropic.APIStatusError(message, response=response, body=body)


def test_statuses_decide_the_kind_whatever_the_exception_class() -> None:
    cases = {
        401: ErrorKind.AUTHENTICATION,
        403: ErrorKind.PERMISSION,
        404: ErrorKind.NOT_FOUND,
        400: ErrorKind.BAD_REQUEST,
        429: ErrorKind.RATE_LIMITED,
        529: ErrorKind.OVERLOADED,
        500: ErrorKind.SERVER,
        503: ErrorKind.SERVER,
    }
    for status, kind in cases.items():
        failure = classify(status_error(status, "some_error", "words"))
        assert failure.kind == kind and failure.status == status
        assert failure.retryable == (status >= 429)


def test_the_apis_message_is_kept() -> None:
    failure = classify(status_error(400, "invalid_request_error", "File 'f' is not downloadable"))
    assert "File 'f' is not downloadable" in failure.message
    assert failure.api_message == "File 'f' is not downloadable"


def test_an_answer_not_in_the_apis_shape_is_summed_up_briefly() -> None:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    page = "<html><body>" + "<p>Bad gateway</p>" * 500 + "</body></html>"
    proxy = httpx2.Response(502, text=page, request=request)
    failure = classify(anthropic.APIStatusError("502", response=proxy, body=page))
    assert failure.kind == ErrorKind.SERVER and failure.retryable
    assert "<" not in failure.message and "no details given" in failure.message
    words = "upstream connect error or disconnect/reset before headers " * 20
    plain = httpx2.Response(503, text=words, request=request)
    failure = classify(anthropic.APIStatusError("503", response=plain, body=words))
    assert failure.message.startswith("The API is not answering right now: upstream connect")
    assert len(failure.api_message) == 200 and failure.api_message.endswith("…")


def test_retry_after_in_seconds_milliseconds_or_a_date() -> None:
    assert (
        classify(status_error(429, "rate_limit_error", "x", {"retry-after": "12"})).retry_after
        == 12
    )
    ms = classify(status_error(429, "rate_limit_error", "x", {"retry-after-ms": "1500"}))
    assert ms.retry_after == 1.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    dated = classify(status_error(529, "overloaded_error", "x", {"retry-after": later}))
    assert dated.retry_after is not None and 20 <= dated.retry_after <= 31


def test_the_api_can_say_not_to_retry() -> None:
    assert not classify(
        status_error(529, "overloaded_error", "x", {"x-should-retry": "false"})
    ).retryable
    assert classify(status_error(400, "x", "y", {"x-should-retry": "true"})).retryable
    spend = status_error(
        429, "rate_limit_error", "cap", details={"error_code": "enforced_spend_limit_reached"}
    )
    assert not classify(spend).retryable


def test_transport_errors_are_connection_failures() -> None:
    request = httpx2.Request("GET", "https://api.anthropic.com")
    dropped = classify(httpx2.RemoteProtocolError("peer closed", request=request))
    assert dropped.kind == ErrorKind.CONNECTION and dropped.retryable
    timeout = classify(anthropic.APITimeoutError(request))
    assert timeout.kind == ErrorKind.CONNECTION and timeout.retryable
    assert classify(KeyError("bug")).kind == ErrorKind.INTERNAL


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(base_delay_seconds=1, max_delay_seconds=4)
    failure = Failure(ErrorKind.SERVER, "down", 500, retryable=True)
    delays = [policy.delay(n, failure) for n in range(5)]
    for n, delay in enumerate(delays):
        assert 0.75 * min(2**n, 4) <= delay <= min(2**n, 4)
    told = Failure(ErrorKind.RATE_LIMITED, "slow", 429, retryable=True, retry_after=9)
    assert policy.delay(0, told) == 9


@pytest.mark.parametrize(
    ("attempt", "delay", "gives_up"),
    [(0, 1.0, False), (3, 1.0, False), (4, 1.0, True), (0, 61.0, True)],
)
def test_when_to_give_up(attempt: int, delay: float, gives_up: bool) -> None:
    policy = RetryPolicy(max_retries=4, max_wait_seconds=60)
    failure = Failure(ErrorKind.OVERLOADED, "busy", 529, retryable=True)
    assert (policy.give_up_reason(attempt, failure, delay) is not None) == gives_up
    never = Failure(ErrorKind.BAD_REQUEST, "no", 400)
    assert policy.give_up_reason(0, never, 0.0) == "no"
