"""Failures, retries and Stop: every turn still ends with one TurnFinished and a clear record."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx2
import pytest

from fake_anthropic import (
    CodeStep,
    Drop,
    FakeAnthropic,
    Fault,
    Hold,
    OutFile,
    StreamError,
    Text,
    Turn,
    validate_history,
)
from services.conversation import Attachment, Conversation
from services.turn.events import (
    CodeStepStarted,
    ErrorKind,
    Retrying,
    StopReason,
    TextDelta,
    TurnError,
    TurnEvent,
    TurnFinished,
)
from services.turn.failures import RetryPolicy
from services.turn.handle import TurnHandle
from tests.support.runner import (
    EVENT_TIMEOUT,
    Followed,
    finished,
    make_runner,
    of_type,
    read_all,
    run_turn,
    streamed_text,
    text_of,
)

MODEL = "claude-sonnet-5"


def read_until(handle: TurnHandle, kind: type) -> list[TurnEvent]:
    """Events up to and including the first of `kind`."""
    seen: list[TurnEvent] = []
    while not seen or not isinstance(seen[-1], kind):
        event = handle.get(timeout=EVENT_TIMEOUT)
        assert event is not None and not isinstance(event, TurnFinished), seen
        seen.append(event)
    return seen


def only_error(events: list) -> TurnError:
    [error] = of_type(events, TurnError)
    assert finished(events).stop_reason == StopReason.FAILED
    return error


def test_a_wrong_key_says_so(tmp_path: Path) -> None:
    with FakeAnthropic(api_key="the-right-key") as fake:
        client = anthropic.Anthropic(api_key="a-wrong-key", base_url=fake.base_url, max_retries=0)
        runner, _ = make_runner(client, tmp_path)
        conversation = Followed(model=MODEL)
        error = only_error(run_turn(runner, conversation, "hi"))
        assert error.kind == ErrorKind.AUTHENTICATION
        assert "API key" in error.message
        assert len(fake.message_requests()) == 1  # not retried
    # The person's message stays, so they can see what failed and retry.
    assert [m["role"] for m in conversation.messages] == ["user"]


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(400, "invalid_request_error", "max_tokens: must be at most 64000"), "bad_request"),
        (Fault(403, "permission_error", "Code execution is disabled"), "permission"),
        (Fault(404, "not_found_error", "model: claude-nope"), "not_found"),
        (Fault(413, "request_too_large", "Request exceeds the maximum size"), "bad_request"),
    ],
)
def test_client_errors_show_the_apis_message_without_retrying(
    fake_api: FakeAnthropic, runner, fault: Fault, kind: str
) -> None:
    fake_api.enqueue(fault)
    events = run_turn(runner, Followed(model=MODEL), "hi")
    error = only_error(events)
    assert error.kind == ErrorKind(kind)
    assert fault.message in error.message
    assert of_type(events, Retrying) == []
    assert len(fake_api.message_requests()) == 1


def test_rate_limits_honour_retry_after(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(
        Fault(429, "rate_limit_error", "slow down", retry_after=7), Turn((Text("ok"),))
    )
    events = run_turn(runner, Followed(model=MODEL), "hi")
    [retry] = of_type(events, Retrying)
    assert retry.delay_seconds == 7 and retry.attempt == 1
    assert "rate_limit_error" in retry.reason and "429" in retry.reason
    assert finished(events).stop_reason == StopReason.END_TURN
    assert streamed_text(events) == "ok"


def test_overload_and_server_errors_back_off_then_succeed(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(
        Fault(529, "overloaded_error", "Overloaded"),
        Fault(500, "api_error", "Internal server error"),
        Turn((Text("ok"),)),
    )
    events = run_turn(runner, Followed(model=MODEL), "hi")
    first, second = of_type(events, Retrying)
    assert "529" in first.reason and "500" in second.reason
    assert (first.attempt, second.attempt) == (1, 2)
    # Exponential backoff with jitter from a 0.5 s base.
    assert 0.375 <= first.delay_seconds <= 0.5 and 0.75 <= second.delay_seconds <= 1.0
    assert finished(events).stop_reason == StopReason.END_TURN


def test_a_retry_after_beyond_the_limit_gives_up_at_once(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Fault(429, "rate_limit_error", "quota", retry_after=120))
    events = run_turn(runner, Followed(model=MODEL), "hi")
    error = only_error(events)
    assert error.kind == ErrorKind.RATE_LIMITED
    assert "120 s" in error.message and "60 s" in error.message
    assert of_type(events, Retrying) == []


def test_retries_end_with_a_clear_error(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(*[Fault(529, "overloaded_error", "Overloaded")] * 4)
    events = run_turn(runner, Followed(model=MODEL), "hi")
    error = only_error(events)
    assert error.kind == ErrorKind.OVERLOADED and "4 attempts" in error.message
    assert len(of_type(events, Retrying)) == 3
    assert len(fake_api.message_requests()) == 4


def test_an_unreachable_api_is_a_connection_error(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = anthropic.Anthropic(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    runner, _ = make_runner(client, tmp_path)
    events = run_turn(runner, Followed(model=MODEL), "hi")
    error = only_error(events)
    assert error.kind == ErrorKind.CONNECTION
    assert [r.reason for r in of_type(events, Retrying)] == ["connection error"] * 3


def test_a_drop_before_any_content_is_retried(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((Drop(),)), Turn((Text("second time lucky"),)))
    events = run_turn(runner, Followed(model=MODEL), "hi")
    assert len(of_type(events, Retrying)) == 1
    assert streamed_text(events) == "second time lucky"
    assert finished(events).stop_reason == StopReason.END_TURN


def test_an_error_event_mid_stream_ends_the_turn_and_keeps_the_text(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(Turn((Text("Half an answer"), StreamError("overloaded_error", "Overloaded"))))
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "hi")
    error = only_error(events)
    assert error.kind == ErrorKind.STREAM and "Overloaded" in error.message
    assert text_of(finished(events).content) == "Half an answer"
    assert text_of(conversation.messages[-1]["content"]) == "Half an answer"
    assert len(fake_api.message_requests()) == 1  # mid-stream errors are not retried


def test_an_overload_event_before_any_content_is_retried(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(
        Turn((StreamError("overloaded_error", "Overloaded"),)), Turn((Text("second try"),))
    )
    events = run_turn(runner, Followed(model=MODEL), "hi")
    [retry] = of_type(events, Retrying)
    assert retry.reason == "overloaded_error (in the stream)"
    assert of_type(events, TurnError) == [] and streamed_text(events) == "second try"
    assert finished(events).stop_reason == StopReason.END_TURN


def test_an_error_event_waiting_cannot_cure_ends_the_turn(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((StreamError("invalid_request_error", "bad block"),)))
    events = run_turn(runner, Followed(model=MODEL), "hi")
    assert only_error(events).kind == ErrorKind.STREAM and of_type(events, Retrying) == []
    assert len(fake_api.message_requests()) == 1


def test_a_dropped_connection_mid_stream_keeps_the_partial_text(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.enqueue(Turn((Text("Streamed before the drop"), CodeStep("bash", {"command": "ls"}))))
    fake_api.enqueue(Turn((Text("Partial"), Drop())))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "first")
    events = run_turn(runner, conversation, "second")
    error = only_error(events)
    assert error.kind == ErrorKind.CONNECTION and "dropped" in error.message
    assert text_of(finished(events).content) == "Partial"
    assert conversation.messages[-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Partial"}],
        "model": MODEL,
    }
    assert conversation.container_id is not None  # a dropped stream is not a container failure


def test_stop_closes_the_stream_before_the_next_event(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((Text("Before the pause. "), Hold("gate"), Text("After the pause."))))
    conversation = Followed(model=MODEL)
    handle = runner.start(conversation.current, "hi")
    assert fake_api.wait_held("gate", timeout=EVENT_TIMEOUT)
    seen = read_until(handle, TextDelta)
    handle.stop()
    events = [*seen, *read_all(handle)]  # ends while the fake still holds its next event
    conversation.take(events)
    assert fake_api.disconnected("gate", timeout=EVENT_TIMEOUT)
    fake_api.release("gate")
    end = finished(events)
    assert end.stop_reason == StopReason.STOPPED
    assert of_type(events, TurnError) == []
    assert text_of(end.content) == "Before the pause. "
    assert text_of(conversation.messages[-1]["content"]) == "Before the pause. "


def test_stop_while_code_runs_keeps_a_history_the_api_accepts(
    fake_api: FakeAnthropic, runner
) -> None:
    fake_api.history_validator = validate_history
    fake_api.enqueue(
        Turn((Text("Running."), CodeStep("bash", {"command": "sleep 60"}, hold="run")))
    )
    conversation = Followed(model=MODEL)
    handle = runner.start(conversation.current, "slow")
    assert fake_api.wait_held("run", timeout=EVENT_TIMEOUT)
    seen = read_until(handle, CodeStepStarted)
    handle.stop()
    events = [*seen, *read_all(handle)]
    conversation.take(events)
    end = finished(events)
    fake_api.release("run")
    assert end.stop_reason == StopReason.STOPPED
    assert [b["type"] for b in end.content] == ["text", "server_tool_use"]
    fake_api.enqueue(Turn((Text("Carrying on."),)))
    events = run_turn(runner, conversation, "try again")
    assert of_type(events, TurnError) == [] and streamed_text(events) == "Carrying on."


def test_stop_interrupts_a_retry_wait(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path, policy=RetryPolicy(max_wait_seconds=3600))
    fake_api.enqueue(Fault(529, "overloaded_error", "Overloaded", retry_after=3000))
    handle = runner.start(Conversation(model=MODEL), "hi")
    retry = read_until(handle, Retrying)[-1]
    assert isinstance(retry, Retrying) and retry.delay_seconds == 3000
    handle.stop()
    [end] = read_all(handle)  # a 50-minute wait cut short
    assert end.stop_reason == StopReason.STOPPED
    assert len(fake_api.message_requests()) == 1


def test_a_turn_finishes_even_if_nobody_reads_it(fake_api: FakeAnthropic, runner) -> None:
    fake_api.enqueue(Turn((Text("Nobody watched."),)))
    conversation = Followed(model=MODEL)
    handle = runner.start(conversation.current, "hi")
    tick = threading.Event()
    for _ in range(int(EVENT_TIMEOUT / 0.01)):  # the page went away: only `done` is polled
        if handle.done:
            break
        tick.wait(0.01)
    assert handle.done
    events = read_all(handle)
    assert isinstance(events[-1], TurnFinished)
    conversation.take(events)
    assert text_of(conversation.messages[-1]["content"]) == "Nobody watched."


def test_the_runner_retries_itself_whatever_the_clients_own_setting(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    # A client built elsewhere with the SDK's default retries: those would wait silently.
    client = anthropic.Anthropic(api_key="test-key", base_url=fake_api.base_url, max_retries=2)
    runner, _ = make_runner(client, tmp_path)
    fake_api.enqueue(Fault(529, "overloaded_error", "Overloaded"), Turn((Text("ok"),)))
    events = run_turn(runner, Followed(model=MODEL), "hi")
    [retry] = of_type(events, Retrying)  # the runner's retry, which the page shows
    assert "529" in retry.reason and retry.attempt == 1
    assert streamed_text(events) == "ok"
    assert len(fake_api.message_requests()) == 2
    client.close()


class _BreaksAfter(httpx2.SyncByteStream):
    """A response body that stops with an exception no network error explains."""

    def __init__(self, events: list[dict]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        for event in self.events:
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
        raise RuntimeError("a bug while reading the stream")


def test_a_failure_inside_the_worker_still_ends_the_turn(tmp_path: Path, caplog) -> None:
    start = {"type": "message_start", "message": {"id": "msg_1", "type": "message",
             "role": "assistant", "model": MODEL, "content": [], "stop_reason": None,
             "usage": {"input_tokens": 5, "output_tokens": 1}}}  # fmt: skip
    text = [
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "text_delta", "text": "Partial"}},
    ]  # fmt: skip

    def answer(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx2.Response(200, headers=headers, stream=_BreaksAfter([start, *text]))

    http = httpx2.Client(transport=httpx2.MockTransport(answer))
    client = anthropic.Anthropic(api_key="k", base_url="http://api.test", http_client=http)
    runner, _ = make_runner(client, tmp_path)
    conversation = Followed(model=MODEL)
    with caplog.at_level(logging.ERROR, logger="services.turn.job"):
        events = run_turn(runner, conversation, "hi")
    error = only_error(events)
    assert error == TurnError(ErrorKind.INTERNAL, "Something went wrong in the app.")
    assert "a bug while reading the stream" in caplog.text  # the details go to the log
    assert text_of(finished(events).content) == "Partial"
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"]


def test_the_api_key_never_reaches_the_logs(
    fake_api: FakeAnthropic, tmp_path: Path, caplog
) -> None:
    secret = "sk-ant-api03-never-log-this-0123456789"
    client = anthropic.Anthropic(api_key=secret, base_url=fake_api.base_url, max_retries=0)
    runner, _ = make_runner(client, tmp_path)
    chart = OutFile("chart.png", b"\x89PNG\r\n\x1a\n", "image/png")
    fake_api.enqueue(
        Fault(529, "overloaded_error", "Overloaded"),
        Turn((Text("Here."), CodeStep("bash", {"command": "plot"}, files=(chart,)))),
    )
    conversation = Followed(model=MODEL)
    with caplog.at_level(logging.DEBUG):  # the SDK's and httpx2's own debug logs included
        run_turn(runner, conversation, "plot", [Attachment("a.csv", b"1,2\n")])
        fake_api.enqueue(Turn((Text("Half"), StreamError())))
        run_turn(runner, conversation, "again")
    assert fake_api.pending == 0 and len(fake_api.message_requests()) == 3
    assert "HTTP Request: POST" in caplog.text  # the logs were on
    assert secret not in caplog.text
    client.close()
