"""The chat page in a real browser: attachments, streaming, code steps, charts, downloads,
Stop, and the example prompts, against `streamlit run app.py` and the fake API server."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from components.composer import EXAMPLES
from fake_anthropic import CodeStep, Hold, OutFile, Text, Turn, sales_chart_png
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    RUN_COUNTER,
    assistant_messages,
    attach,
    run_count,
    send,
    step_boxes,
    stop_button,
    user_messages,
    visible_download_buttons,
    wait_idle,
    wait_turn_done,
)
from tests.support.runner import sent_note

pytestmark = pytest.mark.browser

GATE_SECONDS = 30
RUNNING_LABEL = re.compile(r"Running Python… (\d+) s")
SALES_CSV = b"region,revenue\nnorth,120\nsouth,95\neast,143\n"
PYTHON_CODE = (
    "import statistics\nvalues = [3, 5, 8]\nprint('mean of values:', statistics.mean(values))\n"
)
PYTHON_STDOUT = "mean of values: 5.333333333333333\n"


@pytest.fixture
def fake_api(shared_fake):
    """The tests here share one app server (`chat`); each still has its own fake API."""
    return shared_fake


def person_text(message: dict[str, Any]) -> str:
    """What the person typed in a request's user message (the app's own notes left out)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(b["text"] for b in content if b.get("type") == "text" and not sent_note(b))


def last_user_message(fake_api) -> dict[str, Any]:
    requests = fake_api.message_requests()
    assert requests, "the fake received no message request"
    message = requests[-1]["messages"][-1]
    assert message["role"] == "user"
    return message


def file_id_named(fake_api, name: str) -> str:
    matches = [fid for fid, f in fake_api.files.items() if f.meta.get("filename") == name]
    assert len(matches) == 1, f"expected one file named {name}, found {matches}"
    return matches[0]


def test_attached_csv_is_uploaded_and_shown_on_the_message(chat, fake_api):
    fake_api.enqueue(Turn((Text("Thanks, I can see three regions."),)))
    attach(chat, "sales.csv", SALES_CSV, "text/csv")
    send(chat, "Summarise this file")

    wait_turn_done(chat, "I can see three regions.")
    uploads = [r for r in fake_api.requests if r.method == "POST" and r.path == "/v1/files"]
    assert len(uploads) == 1
    assert uploads[0].body["file"]["filename"] == "sales.csv"
    assert SALES_CSV in uploads[0].raw
    message = last_user_message(fake_api)
    attached = [b["file_id"] for b in message["content"] if b["type"] == "container_upload"]
    assert len(attached) == 1
    assert fake_api.files[attached[0]].data == SALES_CSV
    assert person_text(message) == "Summarise this file"

    mine = user_messages(chat)
    expect(mine).to_have_count(1)
    expect(mine.locator(".stMarkdownBadge").filter(has_text="sales.csv")).to_be_visible()
    expect(mine.get_by_text("sales.csv · 3 rows × 2 columns")).to_be_visible()
    expect(mine.get_by_text("Profile of sales.csv", exact=False)).to_be_visible()
    notes = [b["text"] for b in message["content"] if sent_note(b)]
    assert any(n.startswith("<app_note>Profile of $INPUT_DIR/sales.csv") for n in notes)


def test_partial_text_shows_while_the_rest_is_held(chat, fake_api):
    fake_api.enqueue(
        Turn((Text("The first half arrives now."), Hold("middle"), Text(" The second half later.")))
    )
    send(chat, "Tell me in two parts")
    assert fake_api.wait_held("middle", timeout=GATE_SECONDS)

    answer = assistant_messages(chat)
    expect(answer.get_by_text("The first half arrives now.")).to_be_visible()
    expect(answer).not_to_contain_text("The second half later.")
    fake_api.release("middle")
    wait_turn_done(chat, "The second half later.")  # redrawn from the record: each part once
    said = answer.locator("p").filter(has_not_text="claude-sonnet-5")  # not the model's name
    expect(said).to_have_text(["The first half arrives now.", "The second half later."])


def test_running_step_label_counts_the_seconds(chat, fake_api):
    step = CodeStep("python", {"code": PYTHON_CODE}, stdout=PYTHON_STDOUT, hold="running")
    fake_api.enqueue(Turn((Text("Computing the mean."), step, Text("The mean is 5.33."))))
    send(chat, "What is the mean of 3, 5 and 8?")
    assert fake_api.wait_held("running", timeout=GATE_SECONDS)

    label = step_boxes(assistant_messages(chat)).filter(has_text=RUNNING_LABEL).locator("summary")
    expect(label).to_be_visible()
    first = int(RUNNING_LABEL.search(label.inner_text()).group(1))
    expect(label).not_to_contain_text(f"Running Python… {first} s", timeout=EXPECT_TIMEOUT_MS)
    second = int(RUNNING_LABEL.search(label.inner_text()).group(1))
    assert second > first
    # The timer moving does not fold the box: the code that runs stays in sight.
    running = step_boxes(assistant_messages(chat)).filter(has_text=RUNNING_LABEL)
    expect(running.locator("summary")).to_have_attribute("aria-expanded", "true")
    expect(running.get_by_test_id("stCode")).to_contain_text("statistics.mean(values)")

    fake_api.release("running")
    wait_turn_done(chat, "The mean is 5.33.")
    expect(step_boxes(assistant_messages(chat)).filter(has_text="Ran Python")).to_have_count(1)


def test_finished_step_opens_to_its_code_and_stdout(chat, fake_api):
    step = CodeStep("python", {"code": PYTHON_CODE}, stdout=PYTHON_STDOUT)
    fake_api.enqueue(Turn((Text("Computing the mean."), step, Text("The mean is 5.33."))))
    send(chat, "What is the mean of 3, 5 and 8?")
    wait_turn_done(chat, "The mean is 5.33.")
    answer = assistant_messages(chat)

    box = step_boxes(answer).filter(has_text="Ran Python")
    expect(box).to_have_count(1)
    box.locator("summary").click()
    details = box.get_by_test_id("stExpanderDetails")
    expect(details).to_be_visible()
    code_blocks = details.get_by_test_id("stCode")
    expect(code_blocks).to_have_count(2)  # the code, then what it printed
    expect(code_blocks.nth(0)).to_contain_text("statistics.mean(values)")
    expect(code_blocks.nth(0)).to_contain_text("values = [3, 5, 8]")
    expect(code_blocks.nth(1)).to_contain_text(PYTHON_STDOUT.strip())
    expect(details.get_by_text("stdout", exact=True)).to_be_visible()


def test_chart_image_shows_the_bytes_the_api_served(chat, fake_api):
    chart = OutFile("sales_chart.png", sales_chart_png(), "image/png")
    step = CodeStep("python", {"code": "plot()"}, files=(chart,))
    fake_api.enqueue(Turn((Text("Drawing the chart."), step, Text("Here is the chart."))))
    send(chat, "Chart the sales")
    wait_turn_done(chat, "Here is the chart.")
    answer = assistant_messages(chat)

    image = answer.get_by_test_id("stImage").locator("img")
    expect(image).to_have_count(1)
    expect(image).to_have_js_property("complete", True)
    served = fake_api.files[file_id_named(fake_api, "sales_chart.png")].data
    expected = Image.open(io.BytesIO(served))
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == list(expected.size)
    shown = chat.request.get(image.get_attribute("src"))
    assert shown.ok
    assert shown.body() == served


def test_download_buttons_give_the_served_bytes_without_a_rerun(chat, fake_api):
    outputs = (
        OutFile("sales_chart.png", sales_chart_png(), "image/png"),
        OutFile("summary.csv", b"month,total\nJan,12400\nFeb,15100\n", "text/csv"),
        OutFile("model.bin", bytes(range(256)) * 4, "application/octet-stream"),
    )
    step = CodeStep("python", {"code": "save()"}, stdout="saved\n", files=outputs)
    fake_api.enqueue(Turn((Text("Saving the files."), step, Text("All three are saved."))))
    send(chat, "Save the outputs")
    wait_turn_done(chat, "All three are saved.")

    buttons = visible_download_buttons(chat)
    expect(buttons).to_have_count(2 * len(outputs))  # under the step and in the sidebar
    runs_before = run_count(chat)
    downloaded: dict[str, list[bytes]] = {}
    for i in range(buttons.count()):
        with chat.expect_download() as download_info:
            buttons.nth(i).click()
        download = download_info.value
        data = Path(download.path()).read_bytes()
        downloaded.setdefault(download.suggested_filename, []).append(data)
        assert run_count(chat) == runs_before, f"downloading {download.suggested_filename} reran"

    assert sorted(downloaded) == sorted(out.name for out in outputs)
    for name, copies in downloaded.items():
        served = fake_api.files[file_id_named(fake_api, name)].data
        assert copies == [served, served], name
    assert_no_rerun_since(chat, runs_before)


def assert_no_rerun_since(page, runs_before: int) -> None:
    """Cause one known rerun (the sidebar toggle) and find the counter moved by exactly one.

    A rerun caused by an earlier click is processed before the toggle's, so it would show
    as a larger count once the toggle's run has drawn its effect.
    """
    assert run_count(page) == runs_before
    page.get_by_test_id("stSidebar").get_by_text("Show code steps expanded").click()
    expect(step_boxes(page).locator("summary").first).to_have_attribute(
        "aria-expanded", "true", timeout=EXPECT_TIMEOUT_MS
    )
    wait_idle(page)
    assert run_count(page) == runs_before + 1


def test_stop_during_a_code_step_keeps_the_partial_turn(chat, fake_api):
    step = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="long-step")
    fake_api.enqueue(
        Turn((Text("Let me look at the data first."), step, Text("This never arrives.")))
    )
    send(chat, "Run something long")
    assert fake_api.wait_held("long-step", timeout=GATE_SECONDS)
    expect(step_boxes(assistant_messages(chat)).filter(has_text=RUNNING_LABEL)).to_be_visible()

    stop_button(chat).click()
    assert fake_api.disconnected("long-step", timeout=GATE_SECONDS)
    # The notice comes with the turn drawn from its stored record, once the stop is done.
    expect(chat.get_by_test_id("stAlert").filter(has_text="Stopped.")).to_be_visible()
    wait_idle(chat)
    answer = assistant_messages(chat)
    expect(answer.get_by_text("Let me look at the data first.")).to_be_visible()
    expect(step_boxes(answer).filter(has_text="(interrupted)")).to_have_count(1)
    expect(chat.get_by_text("This never arrives.")).to_have_count(0)
    expect(stop_button(chat)).to_have_count(0)
    expect(chat.get_by_test_id("stChatInputTextArea")).to_be_enabled()


def test_the_toolbar_stop_stops_the_turn_and_the_page_shows_it(chat, fake_api):
    """Streamlit's own Stop ends the page's run, not the turn: the turn is stopped a moment
    later, and the page draws the stopped turn without waiting for another click."""
    step = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="toolbar-stop")
    fake_api.enqueue(Turn((Text("Starting a long job."), step, Text("This never arrives."))))
    send(chat, "Run something long")
    assert fake_api.wait_held("toolbar-stop", timeout=GATE_SECONDS)
    expect(step_boxes(assistant_messages(chat)).filter(has_text=RUNNING_LABEL)).to_be_visible()

    chat.get_by_test_id("stToolbar").get_by_role("button", name="Stop").click()
    assert fake_api.disconnected("toolbar-stop", timeout=GATE_SECONDS)
    expect(chat.get_by_test_id("stAlert").filter(has_text="Stopped.")).to_be_visible()
    expect(stop_button(chat)).to_have_count(0)
    answer = assistant_messages(chat)
    expect(step_boxes(answer).filter(has_text="(interrupted)")).to_have_count(1)
    expect(
        chat.get_by_test_id("stSidebar").get_by_role("button", name="New conversation")
    ).to_be_enabled()


def test_example_prompt_is_sent_and_answered(chat, fake_api):
    fake_api.enqueue(Turn((Text("Here is the trend of your monthly sales."),)))
    example = chat.get_by_role("button", name="Chart monthly sales")
    expected = example_text("Chart monthly sales")
    example.click()

    wait_turn_done(chat, "Here is the trend of your monthly sales.")
    assert person_text(last_user_message(fake_api)) == expected
    expect(user_messages(chat)).to_contain_text("trend of monthly sales data")
    expect(chat.get_by_role("button", name="Chart monthly sales")).to_have_count(0)


def example_text(label: str) -> str:
    return next(e.text for e in EXAMPLES if e.label == label)


def test_test_markers_are_hidden_and_conversation_titles_start_at_the_left(chat, fake_api):
    fake_api.enqueue(Turn((Text("Short."),)))
    send(chat, "Hi")
    wait_turn_done(chat, "Short.")
    expect(chat.get_by_test_id("stSidebar").get_by_text(RUN_COUNTER)).to_be_hidden()
    assert run_count(chat) >= 1  # still readable by the tests
    title = chat.locator("[class*='st-key-open-'] button").first
    expect(title).to_be_visible()
    assert title.evaluate("button => getComputedStyle(button).justifyContent") == "flex-start"


LONG_ANSWER = "\n\n".join(f"Paragraph {n} of a long answer." for n in range(1, 41))


def test_sending_while_scrolled_up_shows_the_new_message_and_follows_the_answer(chat, fake_api):
    for n in (1, 2):
        fake_api.enqueue(Turn((Text(LONG_ANSWER),)))
        send(chat, f"Long question {n}")
        wait_turn_done(chat, "Paragraph 40 of a long answer.")
    wait_idle(chat)
    main = chat.locator(".stMain")  # the page's scrolling area
    for _ in range(50):  # a page still settling can pin itself to the bottom once more
        main.evaluate("element => element.scrollTo(0, 0)")
        chat.wait_for_timeout(100)
        if main.evaluate("element => element.scrollTop") == 0:
            break
    expect(user_messages(chat).first).to_be_in_viewport()
    expect(user_messages(chat).last).not_to_be_in_viewport()

    steps = (Hold("start"), Text(LONG_ANSWER), Hold("tail"), Text("The very end."))
    fake_api.enqueue(Turn(steps))
    send(chat, "Third question, asked from the top of the page")
    assert fake_api.wait_held("start", timeout=30)
    expect(user_messages(chat).last.get_by_text("Third question")).to_be_in_viewport()
    fake_api.release("start")
    assert fake_api.wait_held("tail", timeout=30)
    answer = assistant_messages(chat).last
    expect(answer.get_by_text("Paragraph 40 of a long answer.")).to_be_in_viewport()
    fake_api.release("tail")
    expect(answer.get_by_text("The very end.")).to_be_in_viewport()
    wait_turn_done(chat, "The very end.")


def test_scrolling_up_during_an_answer_lets_go_of_the_bottom(chat, fake_api):
    step = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="running")
    fake_api.enqueue(Turn((Text(LONG_ANSWER), step, Text("Finished."))))
    send(chat, "A long answer, then a slow step")
    assert fake_api.wait_held("running", timeout=30)  # its seconds counter redraws the page
    main = chat.locator(".stMain")
    chat.wait_for_timeout(500)
    main.hover()
    for _ in range(8):
        chat.mouse.wheel(0, -100)  # one notch at a time, as a person reads back
        chat.wait_for_timeout(300)
    chat.wait_for_timeout(1500)  # the running step has redrawn meanwhile
    away = main.evaluate("m => m.scrollHeight - m.scrollTop - m.clientHeight")
    assert away > 400, f"the page pulled the reader back to the bottom ({away} px away)"
    fake_api.release("running")
    wait_turn_done(chat, "Finished.")
