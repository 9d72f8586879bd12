"""Faults around the sandbox and files, tried on the page: an unknown container, an output
file that 404s, the Files API refusing an upload, and a stream that stalls. Each is said
in plain words, keeps what streamed, and a reload shows the same."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.session import SESSION_KEY
from fake_anthropic import CodeStep, FakeAnthropic, Fault, Hold, OutFile, Text, Turn, sales_csv
from services.store import LOCAL_OWNER, Store
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    page_session,
    rerun_until,
    send,
    texts,
    user_message,
)
from tests.hardening.support import mentions, no_crash, reload_matches, stored_text

MISSING_FILE = "An output file could not be shown"
NOT_FOUND = "File not found"  # the API's words, which the page and a reload both give


def test_an_unknown_container_starts_a_new_one_and_says_so(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "echo 1"}, stdout="1\n"), Text("One."))))
    at.run()
    send(at, "first")
    old = page_session(at).conversation.container_id
    fake_api.enqueue(Fault(404, "not_found_error", f"container {old} not found"))
    fake_api.enqueue(Turn((Text("Fresh start."),)))
    send(at, "second")
    no_crash(at)
    assert mentions(at, "The code environment was reset")
    assert assistant(at).markdown[0].value == "Fresh start."
    assert page_session(at).conversation.container_id not in (None, old)
    sent = fake_api.message_requests()
    assert sent[1].get("container") == old and sent[2].get("container") in (None, {})
    reloaded = reload_matches(at, store, ["first", "One.", "second", "Fresh start."])
    assert reloaded.session_state[SESSION_KEY].conversation.container_id not in (None, old)


def test_an_output_that_404s_is_said_on_its_step_and_the_answer_goes_on(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    made = OutFile("summary.csv", sales_csv(), "text/csv")
    step = CodeStep("python", {"code": "df.to_csv('summary.csv')"}, stdout="ok\n", files=(made,))
    fake_api.enqueue(Turn((Text("Writing the file."), step, Text("The file is ready."))))
    fake_api.inject_fault(Fault(404, "not_found_error", "File not found"), "GET", "/v1/files/")
    at.run()
    send(at, "make a file")
    no_crash(at)
    assert texts(assistant(at).markdown) == ["Writing the file.", "The file is ready."]
    assert mentions(at, MISSING_FILE) and mentions(at, NOT_FOUND)
    assert page_session(at).conversation.outputs == {}
    reloaded = reload_matches(at, store, ["Writing the file.", "The file is ready."])
    assert mentions(reloaded, MISSING_FILE) and mentions(reloaded, NOT_FOUND)


def test_the_files_api_refusing_an_upload_sends_nothing_and_keeps_the_message(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    refused = Fault(400, "invalid_request_error", "File type not allowed")
    fake_api.inject_fault(refused, method="POST", path_prefix="/v1/files")
    at.run()
    composer = at.chat_input(key="composer").set_value("Use this table")
    composer.upload("sales.csv", sales_csv(), "text/csv").run()
    no_crash(at)
    assert any("File type not allowed" in e.value for e in at.error)
    assert fake_api.message_requests() == []
    assert user_message(at).markdown[0].value == "Use this table"
    assert [b.key for b in at.button if b.key == "send_again"] == ["send_again"]
    # Nothing reached the API, so nothing is stored: the unsent message stays in this
    # session (with Send again), and a new session has no conversation to show.
    assert "c" not in at.query_params
    assert store.list_conversations(LOCAL_OWNER) == []
    at.button(key="send_again")  # still offered after a rerun
    assert user_message(at.run()).markdown[0].value == "Use this table"


def test_a_stalled_stream_shows_what_arrived_and_stop_keeps_it(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    """Today's bound on a stall is the person's Stop (the silence bound is finding 2's)."""
    fake_api.enqueue(Turn((Text("Looking at the data"), Hold("stall"), Text("never sent"))))
    follow_briefly(at)
    at.run()
    send(at, "look")
    assert fake_api.wait_held("stall", timeout=10)
    rerun_until(at, lambda app: "Looking at the data" in str(texts(assistant(app).markdown)))
    assert [b.key for b in at.button if b.key == "stop_turn"] == ["stop_turn"]
    at.button(key="stop_turn").click().run()
    no_crash(at)
    assert any("Stopped" in i.value for i in at.info)
    assert texts(assistant(at).markdown) == ["Looking at the data"]
    reloaded = reload_matches(at, store, ["Looking at the data"])
    assert "never sent" not in stored_text(store, conversation_id(reloaded))
    assert not [b for b in reloaded.button if b.key == "stop_turn"]
