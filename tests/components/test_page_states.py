"""The chat page's states, driven with AppTest against the fake Anthropic API server.

The page runs the real runner and SDK over HTTP; the environment points the SDK at the
fake (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY) and the app's data at a temporary folder.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fake_anthropic import (
    CodeStep,
    FakeAnthropic,
    Fault,
    Text,
    Turn,
    sales_chart_png,
    sales_csv,
)
from services.settings import load_settings
from tests.components.support import (
    SALES_PROMPT,
    assistant,
    follow_briefly,
    new_app,
    own_markdown,
    page_session,
    rerun_until,
    running_step,
    sales_turn,
    send,
    step_boxes,
    texts,
    unescape,
    user_message,
)


def test_empty_page_welcomes_with_example_prompts(at: AppTest) -> None:
    at.run()
    assert not at.exception
    assert at.title[0].value.endswith("Code Execution Assistant")
    labels = [b.label for b in at.button if b.key and b.key.startswith("example_")]
    assert "Chart monthly sales" in labels and len(labels) >= 3
    assert not at.chat_message  # nothing to show yet
    assert at.sidebar.caption[-1].value == "run 1"
    assert not at.chat_input(key="composer").disabled


def test_example_prompt_sends_itself(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Here is the chart."),)))
    at.run()
    at.button(key="example_sales").click().run()
    assert not at.exception
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert any(SALES_PROMPT in str(block.get("text", "")) for block in sent)
    assert SALES_PROMPT in user_message(at).markdown[0].value
    assert assistant(at).markdown[0].value == "Here is the chart."
    assert not [b for b in at.button if b.key == "example_sales"]  # the page is no longer empty


def test_no_key_explains_how_to_add_one_and_a_pasted_key_works(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at.run()
    assert not at.exception
    assert "Add an Anthropic API key" in at.info[0].value
    assert at.chat_input(key="composer").disabled
    assert all(b.disabled for b in at.button if b.key and b.key.startswith("example_"))

    at.sidebar.text_input(key="api_key_input").input("sk-pasted").run()
    assert not at.info
    assert not at.chat_input(key="composer").disabled
    assert "Using the key you pasted" in " ".join(texts(at.sidebar.caption))
    fake_api.enqueue(Turn((Text("Hello with your key."),)))
    send(at, "hi")
    assert assistant(at).markdown[0].value == "Hello with your key."
    headers = fake_api.requests[-1].headers
    assert "sk-pasted" in (headers.get("x-api-key") or headers.get("authorization", ""))


def test_a_key_in_secrets_toml_is_used(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at.secrets["ANTHROPIC_API_KEY"] = "sk-from-secrets"
    fake_api.enqueue(Turn((Text("Hello."),)))
    at.run()
    assert "Using the API key from .streamlit/secrets.toml" in " ".join(texts(at.sidebar.caption))
    send(at, "hi")
    headers = fake_api.requests[-1].headers
    assert "sk-from-secrets" in (headers.get("x-api-key") or headers.get("authorization", ""))


def test_wrong_key_says_so(monkeypatch: pytest.MonkeyPatch, env: Path) -> None:
    with FakeAnthropic(api_key="the-right-key") as strict:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", strict.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "a-wrong-key")
        app = new_app().run()
        send(app, "hello")
    assert not app.exception
    assert "The API key was not accepted (401)" in app.error[0].value
    assert "paste it in the sidebar" in app.error[0].value
    assert user_message(app).markdown[0].value == "hello"  # what was asked stays visible


# --- a streamed turn ------------------------------------------------------------------------


def test_streamed_turn_shows_steps_outputs_and_files(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(sales_turn())
    at.run()
    send(at, "Chart my sales")
    assert not at.exception
    answer = assistant(at)
    assert answer.expander[0].label == "Thinking"
    assert answer.expander[0].markdown[0].value == "Plot the five months as a line."
    said = own_markdown(answer)
    assert said[0] == "I'll chart the monthly sales."
    assert said[-1] == "Sales rose from **$50K** to $80K."
    python, bash = step_boxes(answer)
    assert python.label == "Ran Python" and python.icon == ":material/check:"
    assert python.code[0].language == "python" and "import matplotlib" in python.code[0].value
    # In the box: the files it made, stdout, stderr (in that order); the files follow the box.
    inside = [type(e).__name__ for e in python.children.values()]
    assert inside == ["Code", "Caption", "Caption", "Code", "Caption", "Code"]
    assert "Made sales_chart.png, monthly_sales.csv, report.pdf" in unescape(
        python.caption[0].value
    )
    assert [c.value.strip() for c in python.code[1:]] == ["saved", "UserWarning: tight layout"]
    assert "stderr" in python.caption[2].value
    after = list(answer.children.values())
    files = after[after.index(python) + 1 : after.index(bash)]
    kinds = [type(e).__name__ for e in files]
    assert kinds[0] == "Image" and "Dataframe" in kinds
    downloads = [unescape(d.label) for d in answer.get("download_button")]
    size = len(sales_csv())
    assert downloads == [
        "sales_chart.png (2.4 KB)",
        f"monthly_sales.csv ({size} B)",
        "report.pdf (13 B)",
    ]
    assert answer.dataframe[0].value["sales"].tolist()[:2] == ["12400", "15100"]  # as written
    assert any(
        ":material/picture_as_pdf:" in m.value and "report.pdf" in m.value for m in answer.markdown
    )
    assert bash.label == "Ran bash" and bash.icon == ":material/error:"
    assert "Exited with return code 2" in bash.error[0].value
    assert not [b for b in at.button if b.key == "stop_turn"]  # the turn is over


def test_sidebar_lists_files_container_and_cost(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(sales_turn())
    at.run()
    send(at, "Chart my sales")
    side = at.sidebar
    labels = [unescape(d.label) for d in side.get("download_button")]
    assert "sales_chart.png (2.4 KB)" in labels and "report.pdf (13 B)" in labels
    captions = unescape(" ".join(texts(side.caption)))
    assert "Container container" in captions and "Last used: just now" in captions
    assert "Tokens: 2,000 in · 300 out" in captions
    assert "Cost: $0.0070" in captions
    assert "Container time (estimate)" in captions


def test_a_model_without_a_price_says_price_unknown(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Hi."),), model="claude-mystery-1", input_tokens=2000))
    at.run()
    send(at, "hi")
    captions = unescape(" ".join(texts(at.sidebar.caption)))
    assert "Tokens: 2,000 in · 300 out" in captions
    assert "Cost: price unknown" in captions


def test_models_offered_are_those_the_api_lists(at: AppTest) -> None:
    at.run()
    rerun_until(at, lambda app: len(app.sidebar.selectbox(key="model").options) > 1)
    options = at.sidebar.selectbox(key="model").options
    assert "claude-sonnet-5" in options and "claude-opus-5" in options
    assert "claude-opus-4-1-20250805" not in options  # retired


def test_run_counter_counts_script_runs(at: AppTest, fake_api: FakeAnthropic) -> None:
    at.run()
    at.run()
    assert at.sidebar.caption[-1].value == "run 2"
    assert page_session(at).runs == 2


def test_download_serves_the_stored_bytes(at: AppTest, fake_api: FakeAnthropic, env: Path) -> None:
    fake_api.enqueue(sales_turn())
    at.run()
    send(at, "Chart my sales")
    conversation = page_session(at).conversation
    chart = next(f for f in conversation.outputs.values() if f.name == "sales_chart.png")
    assert chart.path.read_bytes() == sales_chart_png()
    assert chart.path.is_relative_to(env)
    stored = {f.data for f in fake_api.files.values()}
    assert chart.path.read_bytes() in stored


# --- attachments --------------------------------------------------------------------------


def test_attached_csv_shows_chips_and_a_preview(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Got it."),)))
    at.run()
    composer = at.chat_input(key="composer").set_value("Summarise these")
    composer.upload("sales.csv", sales_csv(), "text/csv")
    composer.upload("notes.txt", b"just notes", "text/plain").run()
    assert not at.exception
    user = user_message(at)
    chips = [m for m in texts(user.markdown) if "badge[" in m]
    assert len(chips) == 2 and "sales.csv" in chips[0] and "notes.txt" in chips[1]
    assert user.dataframe[0].value.shape == (6, 2)
    assert any("6 rows × 2 columns" in c.value for c in user.caption)
    assert any("sales: integer" in c.value for c in user.caption)
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("container_upload") == 2


def test_malformed_csv_gets_a_plain_message(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Hmm."),)))
    at.run()
    bad = b'a,b\n1,2\n"unterminated,3\n4,5,6,7\n'
    at.chat_input(key="composer").set_value("look").upload("broken.csv", bad, "text/csv").run()
    assert not at.exception
    user = user_message(at)
    assert "Could not read **broken.csv** as a table" in user.warning[0].value
    assert "Traceback" not in user.warning[0].value


def test_file_too_large_is_refused_before_sending(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "1")
    at.run()
    big = b"x," * (600 * 1024)
    at.chat_input(key="composer").set_value("analyse this").upload("big.csv", big, "text/csv").run()
    assert not at.exception
    assert "A file is too large" in at.error[0].value
    assert "big.csv" in at.error[0].value
    assert fake_api.message_requests() == []
    assert at.chat_input(key="composer").value == "analyse this"  # the text is given back


# --- failures and recovery ------------------------------------------------------------------


def test_retrying_shows_the_wait_then_the_answer(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Fault(429, "rate_limit_error", "Slow down", retry_after=3))
    fake_api.enqueue(Turn((Text("Made it."),)))
    follow_briefly(at)
    at.run()
    send(at, "hi")
    assert not at.exception
    rerun_until(at, lambda app: bool(assistant(app).warning))
    waiting = assistant(at).warning[0].value
    assert "Retrying in" in waiting and "attempt 2" in waiting and "429" in waiting
    assert [b.key for b in at.button if b.key == "stop_turn"] == ["stop_turn"]
    page_session(at).follow_idle_seconds = None
    at.run()
    assert assistant(at).markdown[0].value == "Made it."
    assert not at.warning


def test_api_down_says_it_cannot_reach_the_api(
    at: AppTest, monkeypatch: pytest.MonkeyPatch, env: Path
) -> None:
    with FakeAnthropic() as gone:
        closed = gone.base_url  # the port is free again once the server stops
    monkeypatch.setenv("ANTHROPIC_BASE_URL", closed)
    page_session(at).settings = dataclasses.replace(load_settings(), max_retries=1)
    at.run()
    send(at, "hello")
    assert not at.exception
    assert "The connection to the Anthropic API failed" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_container_reset_is_announced(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "echo 1"}, stdout="1\n"),)))
    at.run()
    send(at, "first")
    old = page_session(at).conversation.container_id
    fake_api.enqueue(Fault(400, "invalid_request_error", f"container {old} has expired"))
    fake_api.enqueue(Turn((Text("Fresh start."),)))
    send(at, "second")
    assert not at.exception
    assert "The code environment was reset" in at.warning[0].value
    assert page_session(at).conversation.container_id != old
    assert any("environment was reset" in w.value for w in at.sidebar.warning)
    assert assistant(at).markdown[0].value == "Fresh start."


def test_stop_while_a_step_runs_keeps_what_was_streamed(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(
        Turn(
            (
                Text("Running the long job now."),
                CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="job"),
                Text("never sent"),
            )
        )
    )
    follow_briefly(at)
    at.run()
    send(at, "go")
    assert fake_api.wait_held("job", timeout=10)
    rerun_until(at, running_step)  # each run re-attaches and draws what arrived
    step = running_step(at)
    assert step.label.startswith("Running Python… ") and step.icon == "spinner"
    # An expander, not an st.status: Streamlit sleeps 50 ms in the script thread for every
    # status it makes, which would hold up each redraw of the live turn.
    assert step.type == "expander"
    assert "time.sleep(600)" in step.code[0].value
    at.button(key="stop_turn").click().run()
    assert not at.exception
    answer = assistant(at)
    assert answer.markdown[0].value == "Running the long job now."
    assert step_boxes(answer)[0].label == "Running Python (interrupted)"
    assert "Stopped" in at.info[0].value
    assert not [b for b in at.button if b.key == "stop_turn"]
    assert "never sent" not in str(page_session(at).conversation.messages)


def test_a_message_sent_during_a_turn_waits_for_it(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(
        Turn((Text("First answer."), CodeStep("bash", {"command": "sleep 5"}, hold="step")))
    )
    fake_api.enqueue(Turn((Text("Second answer."),)))
    follow_briefly(at)
    at.run()
    send(at, "first")
    assert fake_api.wait_held("step", timeout=10)
    rerun_until(at, running_step)
    send(at, "second")
    assert any("sent when this answer ends" in c.value for c in assistant(at).caption)
    assert len(fake_api.message_requests()) == 1
    fake_api.release("step")
    page_session(at).follow_idle_seconds = None
    at.run()
    assert not at.exception
    said = [m.markdown[0].value for m in at.chat_message]
    assert said == ["first", "First answer.", "second", "Second answer."]


def test_a_message_the_api_never_got_can_be_sent_again(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.inject_fault(
        Fault(413, "request_too_large", "File too large"), method="POST", path_prefix="/v1/files"
    )
    at.run()
    composer = at.chat_input(key="composer").set_value("Use this file")
    composer.upload("sales.csv", sales_csv(), "text/csv").run()
    assert not at.exception
    assert at.error  # what went wrong, in plain words
    assert not page_session(at).conversation.messages
    unsent = user_message(at)
    assert unsent.markdown[0].value == "Use this file"
    assert fake_api.message_requests() == []
    fake_api.enqueue(Turn((Text("Now it worked."),)))
    at.button(key="send_again").click().run()
    assert not at.exception
    assert assistant(at).markdown[0].value == "Now it worked."
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("container_upload") == 1
    assert not [b for b in at.button if b.key == "send_again"]


def test_a_failed_turn_can_be_retried_and_its_message_is_marked(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Fault(401, "authentication_error", "invalid x-api-key"))
    at.run()
    send(at, "What is 2 + 2?")
    assert not at.exception
    assert "The API key was not accepted" in at.error[0].value
    asked = user_message(at)
    assert any("No answer" in c.value for c in asked.caption)
    assert [b.key for b in at.button if b.key == "retry_turn"] == ["retry_turn"]

    fake_api.enqueue(Turn((Text("It is 4."),)))
    at.button(key="retry_turn").click().run()
    assert not at.exception
    assert assistant(at).markdown[0].value == "It is 4."
    assert not at.error and not [b for b in at.button if b.key == "retry_turn"]
    sent = fake_api.message_requests()[-1]["messages"]
    assert "What is 2 + 2?" in str(sent[-1]["content"])
    # The first try stays in the conversation, marked; the second got the answer.
    marked = [m for m in at.chat_message if m.name == "user" and m.caption]
    assert len(marked) == 1 and "No answer" in marked[0].caption[0].value
    said = [m.markdown[0].value for m in at.chat_message]
    assert said == ["What is 2 + 2?", "What is 2 + 2?", "It is 4."]


def test_the_offer_to_retry_does_not_follow_into_another_conversation(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Fault(401, "authentication_error", "invalid x-api-key"))
    at.run()
    send(at, "hello")
    assert [b.key for b in at.button if b.key == "retry_turn"] == ["retry_turn"]
    at.button(key="new_conversation").click().run()
    assert not at.exception
    assert not at.error and not [b for b in at.button if b.key == "retry_turn"]
