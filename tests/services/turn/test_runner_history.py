"""Building a request's messages from the stored conversation."""

from __future__ import annotations

import json

from services.turn.container import ContainerVerdict, container_verdict
from services.turn.events import ErrorKind, is_app_note
from services.turn.failures import Failure
from services.turn.prompt import SYSTEM_PROMPT, app_note, reset_note
from services.turn.request import assistant_message, request_messages

THINKING = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
CALL = {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
        "input": {"command": "ls"}, "caller": {"type": "direct"}}  # fmt: skip
RESULT = {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
          "content": {"type": "bash_code_execution_result", "stdout": "a\n", "stderr": "",
                      "return_code": 0, "content": []}}  # fmt: skip
USER = {"role": "user", "content": [{"type": "text", "text": "hi"}]}
NEW = [{"type": "text", "text": "next"}]


def test_a_complete_history_is_sent_exactly_without_the_model_key() -> None:
    history = [USER, assistant_message([THINKING, CALL, RESULT], "m1")]
    sent = request_messages(history, "m1", NEW)
    assert json.dumps(sent) == json.dumps(
        [USER, {"role": "assistant", "content": [THINKING, CALL, RESULT]},
         {"role": "user", "content": NEW}]
    )  # fmt: skip


def test_thinking_of_another_model_is_left_out() -> None:
    history = [USER, assistant_message([THINKING, {"type": "text", "text": "a"}], "m1")]
    sent = request_messages(history, "m2", NEW)
    assert sent[1]["content"] == [{"type": "text", "text": "a"}]
    unknown_author = [USER, {"role": "assistant", "content": [THINKING, CALL, RESULT]}]
    assert request_messages(unknown_author, "m2", NEW)[1]["content"][0] == THINKING


def test_an_unanswered_turn_is_joined_to_the_next_message() -> None:
    sent = request_messages([USER], "m", NEW)
    assert sent == [{"role": "user", "content": [*USER["content"], *NEW]}]


def test_a_stopped_turn_is_repaired_for_sending_but_a_continuation_stays_open() -> None:
    stopped = [USER, assistant_message([{"type": "text", "text": "x"}, CALL], "m")]
    sent = request_messages(stopped, "m", NEW)
    closing = sent[1]["content"][2]
    assert closing["tool_use_id"] == "s1" and closing["content"]["error_code"] == "unavailable"
    continuing = request_messages([], "m", NEW, partial_answer=[CALL])
    assert continuing[-1] == {"role": "assistant", "content": [CALL]}


def test_container_failures_are_told_from_other_errors() -> None:
    def failure(status: int, message: str) -> Failure:
        return Failure(ErrorKind.BAD_REQUEST, message, status, api_message=message)

    cid = "container_011abc"
    gone, suspect, unrelated = ContainerVerdict
    assert container_verdict(failure(400, f"container {cid} expired"), cid) is gone
    assert container_verdict(failure(404, "Container not found"), cid) is gone
    assert container_verdict(failure(400, f"Unknown id {cid}"), cid) is gone
    assert container_verdict(failure(500, "Container could not be restored"), cid) is gone
    # A generic 500 may be an outage: the container is only suspected.
    assert container_verdict(failure(500, "Internal server error"), cid) is suspect
    assert container_verdict(failure(400, "container: Input should be a valid string"), cid) is (
        unrelated
    )
    assert container_verdict(failure(400, "messages: prompt is too long"), cid) is unrelated
    assert container_verdict(failure(529, "Overloaded"), cid) is unrelated
    assert container_verdict(failure(503, "Service unavailable"), cid) is unrelated


def test_app_notes_are_marked_and_explained_to_claude() -> None:
    note = reset_note(["a.csv"])
    assert is_app_note(note) and "reset" in note["text"] and "$INPUT_DIR/a.csv" in note["text"]
    assert is_app_note(app_note("x"))
    assert "$OUTPUT_DIR" in SYSTEM_PROMPT and "$INPUT_DIR" in SYSTEM_PROMPT
