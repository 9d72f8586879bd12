"""Earlier turns' long tool output is cut for Claude, byte-identically from turn to turn,
and kept whole in the record."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from fake_anthropic import CodeStep, FakeAnthropic, Text, Turn
from services.conversation import Conversation
from services.files.blobs import BlobStore
from services.store import Store
from services.turn.old_output import HEAD_CHARS, LIMIT_CHARS, TAIL_CHARS, bounded_block, cut_text
from services.turn.request import assistant_message, request_messages
from services.turn.runner import TurnRunner
from tests.support.runner import FAST_RETRIES, Followed, make_settings, read_all, run_turn

MODEL = "claude-sonnet-5"
OWNER = "ada@example.com"
BIG = "".join(f"line {i:07d} of a long print\n" for i in range(200_000))  # about 5.4 MB
USER = {"role": "user", "content": [{"type": "text", "text": "print a lot"}]}
CALL = {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
        "input": {"command": "seq 1 1000000"}, "caller": {"type": "direct"}}  # fmt: skip


def _bash(stdout: str, stderr: str = "") -> dict:
    return {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
            "content": {"type": "bash_code_execution_result", "stdout": stdout,
                        "stderr": stderr, "return_code": 0,
                        "content": [{"type": "bash_code_execution_output",
                                     "file_id": "f1"}]}}  # fmt: skip


def _view(content: str, file_type: str = "text") -> dict:
    return {"type": "text_editor_code_execution_tool_result", "tool_use_id": "s1",
            "content": {"type": "text_editor_code_execution_view_result", "content": content,
                        "file_type": file_type, "num_lines": 3, "start_line": 1,
                        "total_lines": 3}}  # fmt: skip


def test_a_long_text_keeps_its_start_and_end_and_says_what_was_cut() -> None:
    cut = cut_text(BIG)
    assert cut.startswith(BIG[:HEAD_CHARS]) and cut.endswith(BIG[-TAIL_CHARS:])
    assert len(cut) < LIMIT_CHARS
    assert f"{len(BIG) - HEAD_CHARS - TAIL_CHARS:,} of {len(BIG):,} characters cut" in cut
    assert "shown whole to the person" in cut
    short = "x" * LIMIT_CHARS
    assert cut_text(short) is short


def test_a_result_block_keeps_its_shape_and_only_long_text_is_cut() -> None:
    block = _bash(BIG, stderr="warning\n")
    stored = copy.deepcopy(block)
    sent = bounded_block(block)
    assert block == stored  # the stored block is not changed
    assert sent["type"] == block["type"] and sent["tool_use_id"] == "s1"
    assert set(sent["content"]) == set(block["content"])
    assert sent["content"]["stdout"] == cut_text(BIG)
    assert sent["content"]["stderr"] == "warning\n"
    assert sent["content"]["content"] == block["content"]["content"]  # the file ids
    assert bounded_block(_bash(BIG, BIG))["content"]["stderr"] == cut_text(BIG)
    small = _bash("ok\n")
    assert bounded_block(small) is small


def test_the_same_block_always_becomes_the_same_bytes() -> None:
    once = json.dumps(bounded_block(_bash(BIG)))
    assert json.dumps(bounded_block(_bash(BIG))) == once
    assert json.dumps(bounded_block(json.loads(json.dumps(_bash(BIG))))) == once


def test_viewed_text_is_cut_but_an_image_view_and_encrypted_stdout_are_not() -> None:
    assert bounded_block(_view(BIG))["content"]["content"] == cut_text(BIG)
    image = _view("iVBORw0KGgo" * 1_000, file_type="image")
    assert bounded_block(image) is image
    encrypted = {"type": "code_execution_tool_result", "tool_use_id": "s1",
                 "content": {"type": "encrypted_code_execution_result",
                             "encrypted_stdout": "E" * 10_000, "stderr": BIG,
                             "return_code": 0, "content": []}}  # fmt: skip
    sent = bounded_block(encrypted)["content"]
    assert sent["encrypted_stdout"] == "E" * 10_000 and sent["stderr"] == cut_text(BIG)
    error = {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
             "content": {"type": "bash_code_execution_tool_result_error",
                         "error_code": "unavailable"}}  # fmt: skip
    assert bounded_block(error) is error


def test_only_earlier_turns_are_cut_the_current_partial_answer_goes_whole() -> None:
    history = [USER, assistant_message([CALL, _bash(BIG)], MODEL)]
    new = [{"type": "text", "text": "and?"}]
    sent = request_messages(history, MODEL, new)
    assert sent[1]["content"][1]["content"]["stdout"] == cut_text(BIG)
    continuing = request_messages([], MODEL, new, partial_answer=[CALL, _bash(BIG)])
    assert continuing[-1]["content"][1]["content"]["stdout"] == BIG
    assert history[1]["content"][1]["content"]["stdout"] == BIG


def test_a_five_megabyte_stdout_is_not_resent_with_every_later_turn(
    fake_api: FakeAnthropic, runner: TurnRunner
) -> None:
    fake_api.enqueue(
        Turn((CodeStep("bash", {"command": "python big.py"}, stdout=BIG), Text("Printed."))),
        Turn((Text("Yes."),)),
        Turn((Text("Still yes."),)),
    )
    conversation = Followed(model=MODEL)
    for text in ("print a lot", "did it work?", "sure?"):
        run_turn(runner, conversation, text)

    turns = [r for r in fake_api.requests if r.path.startswith("/v1/messages")]
    assert len(turns) == 3
    assert all(len(r.raw) < 100_000 for r in turns[1:]), [len(r.raw) for r in turns]
    second, third = (r.body["messages"] for r in turns[1:])
    assert json.dumps(second[1]) == json.dumps(third[1])  # the cached prefix stays the same
    assert second[1]["content"][1]["content"]["stdout"] == cut_text(BIG)
    # The record keeps it whole.
    [result] = [b for b in conversation.messages[1]["content"] if b["type"].endswith("_result")]
    assert result["content"]["stdout"] == BIG


def test_the_store_keeps_the_whole_output(
    fake_api: FakeAnthropic, store: Store, store_settings, tmp_path: Path
) -> None:
    from services.client import build_client

    settings = make_settings(tmp_path, database_url=store_settings.database_url)
    client = build_client(api_key="test-key", base_url=fake_api.base_url)
    runner = TurnRunner(client, settings, BlobStore(settings.files_dir), retry_policy=FAST_RETRIES)
    row = store.create_conversation(OWNER, MODEL)
    fake_api.enqueue(
        Turn((CodeStep("bash", {"command": "python big.py"}, stdout=BIG),)),
        Turn((Text("Yes."),)),
    )
    for text in ("print a lot", "did it work?"):
        loaded = store.load_conversation(row.id, OWNER)
        assert isinstance(loaded, Conversation)
        read_all(runner.start(loaded, text, store=store))
    stored = store.load_conversation(row.id, OWNER)
    [result] = [b for b in stored.messages[1]["content"] if b["type"].endswith("_result")]
    assert result["content"]["stdout"] == BIG
    sent = fake_api.message_requests()[-1]["messages"][1]["content"]
    result = next(b for b in sent if b["type"].endswith("_result"))
    assert result["content"]["stdout"] == cut_text(BIG)
