"""History repair: a turn stopped at any point still leaves a history the API accepts.

Every repaired history is checked three ways: against the expected blocks, against the
SDK's own request types (`anthropic.types.MessageParam`, strictly: no unknown keys,
required keys present, literal values allowed), and against the fake API's rules.
"""

from __future__ import annotations

import collections.abc
import copy
import types
import typing
from typing import Any, NotRequired, Required, get_args, get_origin

import pytest
from anthropic.types import MessageParam
from typing_extensions import (
    get_type_hints,
    is_typeddict,
)

from fake_anthropic.validation import validate_history
from services.turn.repair import UNFINISHED_MESSAGE, error_result, repair_history

# --- a strict check against the SDK's request types ----------------------------------


def conforms(value: Any, annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Required, NotRequired, typing.Annotated):
        return conforms(value, get_args(annotation)[0])
    if annotation is Any or annotation is object:
        return True
    if origin is typing.Literal:
        return value in get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, option) for option in get_args(annotation))
    if annotation is type(None):
        return value is None
    if is_typeddict(annotation):
        return _conforms_typed_dict(value, annotation)
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    if origin is not None and _is_sequence_type(origin):
        (item,) = get_args(annotation)
        return isinstance(value, list) and all(conforms(v, item) for v in value)
    if annotation in (str, float, bool):
        return isinstance(value, annotation)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)  # SDK response models: a plain dict never is one
    raise AssertionError(f"no rule for {annotation!r}")


def _is_sequence_type(origin: Any) -> bool:
    known = (list, collections.abc.Iterable, collections.abc.Sequence)
    return origin in known or getattr(origin, "__name__", "") == "SequenceNotStr"


def _required_keys(cls: type, hints: dict[str, Any]) -> set[str]:
    # The SDK's modules use `from __future__ import annotations`, so `__required_keys__`
    # cannot see `Required[...]`; read it from the resolved hints instead.
    required = set()
    for key, hint in hints.items():
        origin = get_origin(hint)
        if origin is Required or (origin is not NotRequired and cls.__total__):
            required.add(key)
    return required


def _conforms_typed_dict(value: Any, cls: type) -> bool:
    if not isinstance(value, dict):
        return False
    hints = get_type_hints(cls, include_extras=True)
    if set(value) - set(hints) or not _required_keys(cls, hints) <= set(value):
        return False
    return all(conforms(item, hints[key]) for key, item in value.items())


def assert_sendable(messages: list[dict]) -> None:
    for message in messages:
        assert conforms(message, MessageParam), message
    assert validate_history({"messages": messages}) is None, validate_history(
        {"messages": messages}
    )
    for message in messages:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block["type"] == "text":
                assert block["text"].strip(), "whitespace-only text is refused too"


def test_the_type_check_is_strict():
    unsigned = {"role": "assistant", "content": [{"type": "thinking", "thinking": "x"}]}
    bad_code = {
        "role": "assistant",
        "content": [
            {
                "type": "bash_code_execution_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": {"type": "bash_code_execution_tool_result_error", "error_code": "nope"},
            }
        ],
    }
    extra_key = {"role": "user", "content": [{"type": "text", "text": "hi", "partial": True}]}
    python_error_with_message = {
        "role": "assistant",
        "content": [
            {
                "type": "code_execution_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": {
                    "type": "code_execution_tool_result_error",
                    "error_code": "unavailable",
                    "error_message": "not a field of this form",
                },
            }
        ],
    }
    for message in (unsigned, bad_code, extra_key, python_error_with_message):
        assert not conforms(message, MessageParam)
    assert conforms({"role": "user", "content": "hi"}, MessageParam)


# --- building blocks -------------------------------------------------------------------


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def user(*blocks) -> dict:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks) -> dict:
    return {"role": "assistant", "content": list(blocks)}


THINKING = {"type": "thinking", "thinking": "Load, then plot.", "signature": "EqQBsig=="}
PARTIAL_THINKING = {"type": "thinking", "thinking": "Load, th"}  # the signature never came
INTRO = text("I'll chart the sales.")
BASH = {
    "type": "server_tool_use",
    "id": "srvtoolu_bash",
    "name": "bash_code_execution",
    "input": {"command": "python plot.py"},
    "caller": {"type": "direct"},
}
BASH_RESULT = {
    "type": "bash_code_execution_tool_result",
    "tool_use_id": "srvtoolu_bash",
    "content": {
        "type": "bash_code_execution_result",
        "stdout": "saved\n",
        "stderr": "",
        "return_code": 0,
        "content": [],
    },
}
PYTHON = {
    "type": "server_tool_use",
    "id": "srvtoolu_py",
    "name": "code_execution",
    "input": {"code": "print(1)"},
}
EDITOR = {
    "type": "server_tool_use",
    "id": "srvtoolu_edit",
    "name": "text_editor_code_execution",
    "input": {"command": "create", "path": "plot.py", "file_text": "print(1)\n"},
}
OUTRO = text("Done: chart.png.")
QUESTION = user(text("Chart the sales"))
NEXT = user(text("Now by region"))


def bash_error(tool_use_id: str = "srvtoolu_bash") -> dict:
    return {
        "type": "bash_code_execution_tool_result",
        "tool_use_id": tool_use_id,
        "content": {"type": "bash_code_execution_tool_result_error", "error_code": "unavailable"},
    }


def repaired(*messages) -> list[dict]:
    history = list(messages)
    before = copy.deepcopy(history)
    result = repair_history(history)
    assert history == before, "the stored history must not be changed"
    assert_sendable(result)
    return result


# --- a turn stopped at each point ------------------------------------------------------


def test_a_valid_history_comes_back_unchanged():
    history = [QUESTION, assistant(THINKING, INTRO, BASH, BASH_RESULT, OUTRO), NEXT]
    assert repaired(*history) == history


def test_stopped_mid_thinking_drops_the_turn_and_merges_the_questions():
    result = repaired(QUESTION, assistant(PARTIAL_THINKING), NEXT)
    assert result == [user(text("Chart the sales"), text("Now by region"))]


def test_stopped_after_thinking_keeps_it():
    assert repaired(QUESTION, assistant(THINKING), NEXT) == [QUESTION, assistant(THINKING), NEXT]


def test_stopped_before_any_text_arrived_drops_the_empty_block():
    result = repaired(QUESTION, assistant(THINKING, text("")), NEXT)
    assert result == [QUESTION, assistant(THINKING), NEXT]


def test_stopped_after_text_keeps_the_text():
    history = [QUESTION, assistant(THINKING, text("I'll ch")), NEXT]
    assert repaired(*history) == history


@pytest.mark.parametrize(
    "partial_input",
    [None, {}, "", '{"command": "python pl', "not json", "[1, 2]", {"other": "field"}],
    ids=["missing", "empty", "empty-text", "partial-json", "garbage", "not-an-object", "no-field"],
)
def test_stopped_mid_tool_input_drops_the_call_and_keeps_the_text(partial_input):
    call = {key: value for key, value in BASH.items() if key != "input"}
    if partial_input is not None:
        call["input"] = partial_input
    result = repaired(QUESTION, assistant(THINKING, INTRO, call), NEXT)
    assert result == [QUESTION, assistant(THINKING, INTRO), NEXT]


def test_an_input_kept_as_complete_json_text_is_sent_as_an_object():
    call = {**BASH, "input": '{"command": "python plot.py"}'}
    result = repaired(QUESTION, assistant(INTRO, call), NEXT)
    assert result == [QUESTION, assistant(INTRO, BASH, bash_error()), NEXT]


def test_stopped_after_the_input_before_the_result_gets_an_error_result():
    result = repaired(QUESTION, assistant(THINKING, INTRO, BASH), NEXT)
    assert result == [QUESTION, assistant(THINKING, INTRO, BASH, bash_error()), NEXT]


def test_stopped_after_the_result_keeps_everything():
    history = [QUESTION, assistant(THINKING, INTRO, BASH, BASH_RESULT), NEXT]
    assert repaired(*history) == history


def test_stopped_thinking_after_a_result_is_dropped():
    result = repaired(QUESTION, assistant(INTRO, BASH, BASH_RESULT, PARTIAL_THINKING), NEXT)
    assert result == [QUESTION, assistant(INTRO, BASH, BASH_RESULT), NEXT]


def test_stopped_mid_second_input_keeps_the_first_step():
    second = {**PYTHON, "input": '{"code": "import pan'}
    result = repaired(QUESTION, assistant(INTRO, BASH, BASH_RESULT, text("Next:"), second), NEXT)
    assert result == [QUESTION, assistant(INTRO, BASH, BASH_RESULT, text("Next:")), NEXT]


def test_a_turn_that_failed_before_anything_arrived_is_dropped():
    assert repaired(QUESTION, assistant(), NEXT) == [
        user(text("Chart the sales"), text("Now by region"))
    ]


def test_whitespace_only_text_is_dropped():
    result = repaired(QUESTION, assistant(text("  \n"), INTRO), NEXT)
    assert result == [QUESTION, assistant(INTRO), NEXT]


# --- error results in each tool's own form ---------------------------------------------


@pytest.mark.parametrize(
    "call, result_type, error_type",
    [
        (BASH, "bash_code_execution_tool_result", "bash_code_execution_tool_result_error"),
        (PYTHON, "code_execution_tool_result", "code_execution_tool_result_error"),
        (
            EDITOR,
            "text_editor_code_execution_tool_result",
            "text_editor_code_execution_tool_result_error",
        ),
        (
            {"type": "server_tool_use", "id": "s_w", "name": "web_search", "input": {"query": "q"}},
            "web_search_tool_result",
            "web_search_tool_result_error",
        ),
        (
            {"type": "server_tool_use", "id": "s_f", "name": "web_fetch", "input": {"url": "u"}},
            "web_fetch_tool_result",
            "web_fetch_tool_result_error",
        ),
        (
            {
                "type": "server_tool_use",
                "id": "s_t",
                "name": "tool_search_tool_regex",
                "input": {"pattern": "x"},
            },
            "tool_search_tool_result",
            "tool_search_tool_result_error",
        ),
    ],
)
def test_each_tool_gets_its_own_error_form(call, result_type, error_type):
    result = repaired(QUESTION, assistant(INTRO, call), NEXT)
    closing = result[1]["content"][-1]
    assert closing["type"] == result_type and closing["tool_use_id"] == call["id"]
    assert closing["content"]["type"] == error_type
    assert closing["content"]["error_code"] == "unavailable"
    assert closing == error_result(call)


def test_the_text_editor_error_says_why():
    assert error_result(EDITOR)["content"]["error_message"] == UNFINISHED_MESSAGE


def test_a_call_to_an_unknown_tool_with_no_result_is_dropped():
    unknown = {"type": "server_tool_use", "id": "s_x", "name": "future_tool", "input": {"a": 1}}
    result = repaired(QUESTION, assistant(INTRO, unknown), NEXT)
    assert result == [QUESTION, assistant(INTRO), NEXT]


def test_an_editor_call_without_a_path_never_completed():
    cut = {**EDITOR, "input": {"command": "create"}}
    assert repaired(QUESTION, assistant(INTRO, cut), NEXT) == [QUESTION, assistant(INTRO), NEXT]


# --- parallel steps, orphans, continuations ---------------------------------------------


def test_parallel_calls_get_their_errors_after_the_results_that_came():
    second = {**BASH, "id": "srvtoolu_two"}
    result = repaired(QUESTION, assistant(INTRO, BASH, second, BASH_RESULT, OUTRO), NEXT)
    expected = [INTRO, BASH, second, BASH_RESULT, bash_error("srvtoolu_two"), OUTRO]
    assert result == [QUESTION, assistant(*expected), NEXT]


def test_parallel_calls_with_no_results_all_get_errors():
    second = {**BASH, "id": "srvtoolu_two"}
    result = repaired(QUESTION, assistant(BASH, second), NEXT)
    expected = [BASH, second, bash_error(), bash_error("srvtoolu_two")]
    assert result == [QUESTION, assistant(*expected), NEXT]


def test_a_result_whose_call_is_gone_is_dropped():
    result = repaired(QUESTION, assistant(INTRO, BASH_RESULT, OUTRO), NEXT)
    assert result == [QUESTION, assistant(INTRO, OUTRO), NEXT]


def test_a_paused_turn_being_continued_keeps_its_open_call():
    history = [QUESTION, assistant(INTRO, BASH)]
    assert repaired(*history) == history


def test_a_paused_turn_still_loses_an_unfinished_input():
    cut = {**BASH, "input": '{"comm'}
    assert repaired(QUESTION, assistant(INTRO, cut)) == [QUESTION, assistant(INTRO)]


def test_a_continuation_stored_as_a_second_message_is_joined_to_the_first():
    first = assistant(INTRO, BASH)
    second = assistant(BASH_RESULT, OUTRO)
    result = repaired(QUESTION, first, second, NEXT)
    assert result == [QUESTION, assistant(INTRO, BASH, BASH_RESULT, OUTRO), NEXT]


# --- messages left empty, and roles that must alternate ----------------------------------


def test_plain_string_messages_are_merged_as_text_blocks():
    result = repaired(
        {"role": "user", "content": "Chart the sales"},
        assistant(PARTIAL_THINKING),
        {"role": "user", "content": "Hello?"},
    )
    assert result == [user(text("Chart the sales"), text("Hello?"))]


def test_an_empty_user_message_is_dropped_and_its_neighbours_joined():
    result = repaired(QUESTION, assistant(INTRO), user(text("")), assistant(OUTRO), NEXT)
    assert result == [QUESTION, assistant(INTRO, OUTRO), NEXT]


def test_a_history_whose_first_question_was_left_empty_starts_with_the_next_one():
    result = repaired(user(text(" ")), assistant(INTRO), NEXT)
    assert result == [NEXT]


def test_a_history_never_starts_with_the_assistant():
    result = repaired(assistant(INTRO, BASH, BASH_RESULT), QUESTION, assistant(OUTRO), NEXT)
    assert result == [QUESTION, assistant(OUTRO), NEXT]


def test_a_history_left_with_nothing_sendable_is_empty():
    assert repair_history([assistant(PARTIAL_THINKING)]) == []


def test_attachments_and_redacted_thinking_are_kept():
    upload = {"type": "container_upload", "file_id": "file_011"}
    redacted = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va"}
    history = [user(text("See file"), upload), assistant(redacted, INTRO), NEXT]
    assert repaired(*history) == history


def test_redacted_thinking_without_data_is_dropped():
    result = repaired(QUESTION, assistant({"type": "redacted_thinking", "data": ""}, INTRO), NEXT)
    assert result == [QUESTION, assistant(INTRO), NEXT]


def test_blocks_that_needed_no_change_are_not_copied():
    history = [QUESTION, assistant(THINKING, INTRO, BASH), NEXT]
    result = repair_history(history)
    assert result[1]["content"][1] is INTRO
    assert result[1] is not history[1]
