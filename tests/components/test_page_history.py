"""The page's stored conversations, driven with AppTest against the fake API server.

New conversations are stored on their first message, listed newest first, renamed,
deleted (rows, bytes and Files API copies) and searched; a fresh session restores a
conversation from the `?c=` link while the API is unreachable, with every mark a turn
that did not end normally carries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.sidebar.conversations import title_key
from fake_anthropic import CodeStep, FakeAnthropic, StreamError, Text, Turn
from services.files.cleanup import delete_api_files
from services.store import LOCAL_OWNER, MessageStatus, Store
from tests.components.support import (
    assistant,
    chart_turn_with_upload,
    conversation_id,
    deleted_file_ids,
    follow_briefly,
    listed,
    open_menu,
    own_markdown,
    page_failed,
    page_session,
    rerun_until,
    restore,
    running_step,
    send,
    step_boxes,
    texts,
    unescape,
    user_message,
    wait_for,
)


def test_a_conversation_is_stored_on_its_first_message(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    at.run()
    assert "c" not in at.query_params
    assert "No saved conversations yet." in texts(at.sidebar.caption)
    assert store.list_conversations(LOCAL_OWNER) == []  # opening the page stores nothing

    fake_api.enqueue(Turn((Text("Hello back."),)))
    send(at, "Hello, first question")
    cid = conversation_id(at)
    assert listed(at) == ["Hello, first question"]
    row = store.get_conversation(cid, LOCAL_OWNER)
    assert row is not None and row.title == "Hello, first question"
    stored = store.load_messages(cid, LOCAL_OWNER)
    assert [(m.role, m.status) for m in stored] == [
        ("user", MessageStatus.COMPLETE),
        ("assistant", MessageStatus.COMPLETE),
    ]
    assert stored[1].content == [{"type": "text", "text": "Hello back."}]

    at.button(key="new_conversation").click().run()
    assert not at.exception
    assert "c" not in at.query_params
    assert not at.chat_message  # an empty page again
    assert listed(at) == ["Hello, first question"]  # the empty one is not listed
    assert len(store.list_conversations(LOCAL_OWNER)) == 1


def test_the_list_is_newest_first_and_opens_a_conversation(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Alpha answer."),)))
    fake_api.enqueue(Turn((Text("Beta answer."),)))
    at.run()
    send(at, "alpha question")
    alpha = conversation_id(at)
    at.button(key="new_conversation").click().run()
    send(at, "beta question")
    beta = conversation_id(at)
    assert beta != alpha
    assert listed(at) == ["beta question", "alpha question"]

    at.sidebar.button(key=f"open-{alpha}").click().run()
    assert not at.exception
    assert conversation_id(at) == alpha
    assert [m.markdown[0].value for m in at.chat_message] == ["alpha question", "Alpha answer."]
    assert at.sidebar.button(key=f"open-{alpha}").proto.type == "primary"  # the open one


def test_a_conversation_goes_on_after_it_is_reopened(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((Text("First answer."),)))
    at.run()
    send(at, "first")
    cid = conversation_id(at)
    fake_api.enqueue(Turn((Text("Second answer."),)))
    later = restore(cid)
    send(later, "second")
    assert not later.exception
    sent = fake_api.message_requests()[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert [m.markdown[0].value for m in later.chat_message] == [
        "first",
        "First answer.",
        "second",
        "Second answer.",
    ]
    assert conversation_id(later) == cid
    assert len(store.load_messages(cid, LOCAL_OWNER)) == 4


# --- rename, delete, search ----------------------------------------------------------------


def test_rename(at: AppTest, fake_api: FakeAnthropic, store: Store) -> None:
    fake_api.enqueue(Turn((Text("Done."),)))
    at.run()
    send(at, "Make a chart of the quarterly numbers")
    cid = conversation_id(at)
    open_menu(at, cid)
    at.sidebar.text_input(key=title_key(cid)).set_value("  Quarterly   chart ")
    at.sidebar.button(key=f"rename-{cid}").click().run()
    assert not at.exception
    assert listed(at) == ["Quarterly chart"]
    assert store.get_conversation(cid, LOCAL_OWNER).title == "Quarterly chart"


def confirm_delete(app: AppTest, cid: str) -> None:
    """Delete through the menu and its dialog (tests/components/test_page_delete.py has the
    dialog and Undo); the undo window is short here, so the purge follows at once."""
    open_menu(app, cid)
    app.sidebar.button(key=f"delete-{cid}").click().run()
    app.button(key="confirm_delete").click().run()


def test_delete_removes_rows_bytes_and_the_api_files(
    at: AppTest, fake_api: FakeAnthropic, store: Store, monkeypatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DELETE_UNDO_SECONDS", "0.1")
    cid = chart_turn_with_upload(at, fake_api)
    files = store.list_files(cid, LOCAL_OWNER)
    assert {f.direction for f in files} == {"uploaded", "produced"} and len(files) == 4
    assert all(f.path is not None and f.path.exists() for f in files)
    api_ids = {f.id for f in files}
    assert api_ids <= set(fake_api.files)

    confirm_delete(at, cid)
    assert not at.exception
    assert listed(at) == []
    assert "c" not in at.query_params and not at.chat_message  # a new conversation is open
    assert store.get_conversation(cid, LOCAL_OWNER) is None
    assert store.list_conversations(LOCAL_OWNER) == []
    wait_for(lambda: not any(f.path.exists() for f in files), "the purge")
    wait_for(lambda: deleted_file_ids(fake_api) == api_ids, "the Files API deletes")
    assert not api_ids & set(fake_api.files)


def test_delete_works_while_the_api_is_unreachable(
    at: AppTest, fake_api: FakeAnthropic, store: Store, monkeypatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DELETE_UNDO_SECONDS", "0.1")
    cid = chart_turn_with_upload(at, fake_api)
    files = store.list_files(cid, LOCAL_OWNER)
    fake_api.stop()
    confirm_delete(at, cid)
    assert not at.exception and not page_failed(at)
    assert listed(at) == []
    assert store.get_conversation(cid, LOCAL_OWNER) is None
    wait_for(lambda: not any(f.path.exists() for f in files), "the purge")


def test_deleting_api_files_skips_missing_ones_and_errors(
    fake_api: FakeAnthropic, fake_client
) -> None:
    kept = fake_client.files.upload(file=("a.txt", b"a", "text/plain")).id
    assert delete_api_files(fake_client, ["file_never_existed", kept]) == []
    assert kept not in fake_api.files
    fake_api.stop()
    assert delete_api_files(fake_client, ["file_x"], timeout=5) == ["file_x"]


def test_search_by_title_and_text(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Revenue rose in March."),)))
    fake_api.enqueue(Turn((Text("Churn is driven by price."),)))
    at.run()
    send(at, "Chart revenue by month")
    at.button(key="new_conversation").click().run()
    send(at, "What drives churn?")
    assert listed(at) == ["What drives churn?", "Chart revenue by month"]

    at.sidebar.text_input(key="history_search").input("revenue").run()
    assert listed(at) == ["Chart revenue by month"]
    at.sidebar.text_input(key="history_search").input("price").run()  # only in an answer
    assert listed(at) == ["What drives churn?"]
    at.sidebar.text_input(key="history_search").input("zebra").run()
    assert listed(at) == [] and "No conversation matches." in texts(at.sidebar.caption)
    at.sidebar.text_input(key="history_search").input("").run()
    assert len(listed(at)) == 2


# --- restoring -----------------------------------------------------------------------------


def test_a_link_restores_everything_while_the_api_is_down(
    at: AppTest, fake_api: FakeAnthropic, downloads: dict[str, Callable[[], bytes]]
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    served = {f.meta["filename"]: f.data for f in fake_api.files.values()}
    live_cost = unescape(" ".join(texts(at.sidebar.caption)))
    fake_api.stop()
    downloads.clear()

    later = restore(cid)
    assert not later.exception and not page_failed(later)
    assert conversation_id(later) == cid
    question = user_message(later)
    assert question.markdown[0].value == "Chart the attached sales"
    assert any("sales.csv" in unescape(m.value) for m in question.markdown)
    assert question.dataframe[0].value.shape == (6, 2)  # the attachment's preview
    answer = assistant(later)
    said = own_markdown(answer)
    assert said[0] == "I'll chart the monthly sales." and said[-1].startswith("Sales rose")
    python, bash = step_boxes(answer)
    assert python.label == "Ran Python" and "import matplotlib" in python.code[0].value
    assert [c.value.strip() for c in python.code[1:]] == ["saved", "UserWarning: tight layout"]
    assert bash.label == "Ran bash" and "return code 2" in bash.error[0].value
    assert len(answer.image) == 1 and answer.dataframe
    labels = [d.label for d in answer.get("download_button")]
    assert labels[0] == "sales\\_chart.png (2.4 KB)" and len(labels) == 3
    for name in ("sales_chart.png", "monthly_sales.csv", "report.pdf", "sales.csv"):
        assert downloads[name]() == served[name], name
    captions = unescape(" ".join(texts(later.sidebar.caption)))
    assert "Container container" in captions
    assert "Cost: $0.0070" in captions and "Cost: $0.0070" in live_cost


def test_a_stopped_turn_is_restored_with_its_mark(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(
        Turn((Text("Starting the long job."), CodeStep("python", {"code": "work()"}, hold="job")))
    )
    follow_briefly(at)
    at.run()
    send(at, "go")
    assert fake_api.wait_held("job", timeout=10)
    rerun_until(at, running_step)
    at.button(key="stop_turn").click().run()
    assert not at.exception
    cid = conversation_id(at)
    at.run()  # the stored mark also shows in the session that stopped it
    assert any("Stopped" in c.value for c in assistant(at).caption)
    fake_api.stop()

    later = restore(cid)
    answer = assistant(later)
    assert answer.markdown[0].value == "Starting the long job."
    assert step_boxes(answer)[0].label == "Running Python (interrupted)"
    assert [c.value for c in answer.caption if "Stopped" in c.value] == [
        ":material/stop_circle: Stopped: this answer was cut short."
    ]


def test_a_failed_turn_is_restored_with_its_mark(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Half an answer"), StreamError("api_error", "Internal error"))))
    at.run()
    send(at, "go")
    cid = conversation_id(at)
    later = restore(cid)
    answer = assistant(later)
    assert answer.markdown[0].value == "Half an answer"
    assert any(c.value.startswith(":material/error: Failed") for c in answer.caption)


def test_an_answer_left_in_progress_by_a_dead_server_is_interrupted(
    env: Path,
    store: Store,
) -> None:
    row = store.create_conversation(LOCAL_OWNER, "claude-sonnet-5")
    store.append_message(row.id, "user", "Count to a million")
    partial = [{"type": "text", "text": "One, two, three"}]
    store.append_message(row.id, "assistant", partial, MessageStatus.IN_PROGRESS)
    later = restore(row.id)
    assert not later.exception
    answer = assistant(later)
    assert answer.markdown[0].value == "One, two, three"
    assert any(c.value.startswith(":material/warning: Interrupted") for c in answer.caption)


def test_an_unknown_link_says_not_found_and_starts_a_new_conversation(
    env: Path,
) -> None:
    later = restore("0123456789abcdef0123456789abcdef")
    assert not later.exception
    assert "Conversation not found." in later.warning[0].value
    assert "c" not in later.query_params
    assert not later.chat_message
    assert any(b.key == "example_sales" for b in later.button)  # the welcome page


def test_a_second_tab_waits_for_the_answer_being_written_then_goes_on_from_it(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(
        Turn((Text("Working on it."), CodeStep("bash", {"command": "sleep 9"}, hold="step")))
    )
    follow_briefly(at)
    at.run()
    send(at, "first tab asks")
    assert fake_api.wait_held("step", timeout=10)
    cid = conversation_id(at)
    wait_for(lambda: len(store.load_messages(cid, LOCAL_OWNER)) == 2, "the partial answer stored")

    other = restore(cid)
    assert any("Still being written" in c.value for c in assistant(other).caption)
    running = step_boxes(assistant(other))[0]
    assert running.label == "Running bash…" and running.icon == "spinner"  # not "interrupted"
    fake_api.enqueue(Turn((Text("Second tab answered."),)))
    send(other, "second tab asks")
    assert "still being written in another tab" in other.info[0].value
    assert len(fake_api.message_requests()) == 1
    assert other.chat_input(key="composer").value == "second tab asks"  # given back

    fake_api.release("step")
    page_session(at).follow_idle_seconds = None
    at.run()
    send(other, "second tab asks")
    assert not other.exception
    sent = fake_api.message_requests()[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    # The answer as the first tab finished it, not the half this tab had loaded.
    result = next(b for b in sent[1]["content"] if b["type"].endswith("_tool_result"))
    assert result["content"]["type"] == "bash_code_execution_result"
    said = [m.markdown[0].value for m in other.chat_message]
    assert said == ["first tab asks", "Working on it.", "second tab asks", "Second tab answered."]
    assert len(store.load_messages(cid, LOCAL_OWNER)) == 4
