"""`POST /v1/messages`: checks the request, takes the next scripted step and answers it,
as a server-sent-event stream or as one JSON Message."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .blocks import BlockOut
from .errors import error_object, fault_for
from .exchange import Exchange
from .prompt_tokens import check_breakpoints
from .script import Drop, Fault, StreamError, Turn
from .turns import Gate, TurnContext, final_message, message_delta, message_start, plan
from .validation import check_container, check_request, check_sampling, check_text_blocks
from .web import check_web_tools

if TYPE_CHECKING:
    from .server import FakeAnthropic


def handle_messages(fake: FakeAnthropic, ex: Exchange) -> None:
    body = ex.record.body
    if not isinstance(body, dict):
        ex.send_fault(Fault(400, "invalid_request_error", "The request body is not valid JSON."))
        return
    # Requests the API refuses outright do not consume a scripted step.
    problem = check_request(body) or check_text_blocks(body)
    problem = problem or check_container(body.get("container"))
    problem = problem or check_sampling(body) or check_web_tools(body)
    problem = problem or check_breakpoints(body)
    if problem is None and fake.history_validator is not None:
        problem = fake.history_validator(body)
    if problem:
        ex.send_fault(Fault(400, "invalid_request_error", problem))
        return
    step = fake.follow_ups.take(body, fake.pending)
    if step is not None:
        ex.record.extra["follow_up"] = True
    else:
        step = fake.next_step(body)
    ex.record.extra["step"] = step
    if isinstance(step, Fault):
        ex.send_fault(step)
        return
    ctx = fake.turn_context(body, step)
    ctx.usage = fake.prompt_cache.account(body)
    if ctx.streaming:
        stream_turn(fake, ex, step, ctx)
    else:
        answer_turn(fake, ex, step, ctx)


def stream_turn(fake: FakeAnthropic, ex: Exchange, turn: Turn, ctx: TurnContext) -> None:
    pace = _pacer(fake.event_delay)
    ex.start_stream()
    ex.send_event("message_start", message_start(turn, ctx))
    finals: list[dict[str, Any]] = []
    for item in plan(turn, ctx):
        if isinstance(item, BlockOut):
            _send_block(ex, item, len(finals), pace)
            finals.append(item.final)
        elif isinstance(item, Gate):
            if not _hold(fake, ex, item.name):
                return
        elif isinstance(item, StreamError):
            error = error_object(item.error_type, item.message)
            ex.send_event("error", {"type": "error", "error": error, "request_id": ex.request_id})
            ex.end_stream()
            return
        elif isinstance(item, Drop):
            ex.drop()
            return
    ex.send_event("message_delta", message_delta(turn, ctx, finals))
    ex.send_event("message_stop", {"type": "message_stop"})
    ex.end_stream()


def answer_turn(fake: FakeAnthropic, ex: Exchange, turn: Turn, ctx: TurnContext) -> None:
    finals: list[dict[str, Any]] = []
    for item in plan(turn, ctx):
        if isinstance(item, BlockOut):
            finals.append(item.final)
        elif isinstance(item, Gate):
            if not _hold(fake, ex, item.name):
                return
        elif isinstance(item, StreamError):
            # Without a stream, an error met on the way is the answer's status.
            ex.send_fault(fault_for(item.error_type, item.message))
            return
        elif isinstance(item, Drop):
            ex.drop()
            return
    ex.send_json(200, final_message(turn, ctx, finals))


def _send_block(ex: Exchange, block: BlockOut, index: int, pace: Callable[[], None]) -> None:
    ex.send_event(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": block.start},
    )
    if index == 0:
        ex.send_event("ping", {"type": "ping"})
    for delta in block.deltas:
        pace()
        ex.send_event(
            "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        )
    ex.send_event("content_block_stop", {"type": "content_block_stop", "index": index})
    pace()


def _hold(fake: FakeAnthropic, ex: Exchange, name: str) -> bool:
    ex.record.extra.setdefault("held_at", []).append(name)
    if fake.gates.hold(name, ex.sock):
        return True
    if fake.gates.gate(name).disconnected.is_set():
        ex.record.extra["disconnected_at"] = name
        ex.handler.close_connection = True
    else:
        ex.drop()  # the fake is stopping
    return False


def _pacer(delay: float) -> Callable[[], None]:
    if delay <= 0:
        return lambda: None
    return lambda: time.sleep(delay)
