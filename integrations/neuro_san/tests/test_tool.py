"""The coded tool called as neuro-san calls it, against the fake Anthropic API: the turn is
stored like the web app's, the sandbox carries over, files are saved byte for byte, and
every odd argument or failure comes back as words in the answer."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from fake_anthropic import CodeStep, FakeAnthropic, Fault, OutFile, Text, Turn, sales_chart_png
from fake_anthropic.demo import sales_csv
from integrations.neuro_san.tests.conftest import PUBLIC_URL, call_tool
from services.settings import DEFAULT_MODEL
from services.store import LOCAL_OWNER, Store

QUERY = "Chart monthly sales: January $50K, February $65K, March $45K"
CHART, CSV = sales_chart_png(), sales_csv()


def chart_turn() -> Turn:
    code = "import matplotlib.pyplot as plt\nplt.bar(months, sales)\nplt.savefig('chart.png')"
    return Turn(
        (
            Text("I'll chart the sales."),
            CodeStep(
                "python",
                {"code": code},
                stdout="saved\n",
                files=(
                    OutFile("sales_chart.png", CHART, "image/png"),
                    OutFile("sales.csv", CSV, "text/csv"),
                ),
            ),
            Text("Sales peak in February."),
        )
    )


def message_requests(fake: FakeAnthropic) -> list[dict]:
    return [r.body for r in fake.requests if r.path.startswith("/v1/messages")]


def test_a_turn_with_a_chart_and_a_csv_is_stored_and_reported(
    fake: FakeAnthropic, store: Store
) -> None:
    fake.enqueue(chart_turn())
    sly: dict = {}
    answer = call_tool({"query": QUERY}, sly)

    conversation_id = sly["conversation_id"]
    assert "Sales peak in February." in answer
    assert "1. python: exit 0" in answer and "import matplotlib.pyplot as plt" in answer
    assert "sales_chart.png (image/png," in answer and "sales.csv (text/csv," in answer
    assert f"{PUBLIC_URL}/?c={conversation_id}" in answer
    assert "Notes:" not in answer
    # Stored as the page stores it: listed for the app's single-user owner, with the files.
    listed = [row.id for row in store.list_conversations(LOCAL_OWNER)]
    assert listed == [conversation_id]
    files = {
        f.name: store.read_file(f.file_id, LOCAL_OWNER)
        for f in store.list_files(conversation_id, LOCAL_OWNER)
    }
    assert files == {"sales_chart.png": CHART, "sales.csv": CSV}
    assert message_requests(fake)[0]["messages"][-1]["content"][-1]["text"] == QUERY


def test_the_next_call_with_the_returned_sly_data_continues_conversation_and_sandbox(
    fake: FakeAnthropic, store: Store
) -> None:
    note = "revenue by month\n"
    create = {"command": "create", "path": "/tmp/outputs/notes.txt", "file_text": note}
    view = {"command": "view", "path": "/tmp/outputs/notes.txt"}
    fake.enqueue(
        Turn((CodeStep("text_editor", create), Text("Noted."))),
        Turn((CodeStep("text_editor", view), Text("It says: revenue by month."))),
    )
    sly: dict = {}
    call_tool({"query": "Write notes.txt"}, sly)
    first = sly["conversation_id"]
    answer = call_tool({"query": "What does notes.txt say?"}, sly)

    assert sly["conversation_id"] == first
    first_body, second_body = message_requests(fake)
    assert "container" not in first_body
    conversation = store.load_conversation(first, LOCAL_OWNER)
    assert conversation is not None and second_body["container"] == conversation.container_id
    assert len(second_body["messages"]) == 3  # the first call's turn is the history
    # The fake answers `view` from the files of the container it is given: the same one.
    blocks = conversation.messages[-1]["content"]
    result = next(b for b in blocks if b["type"] == "text_editor_code_execution_tool_result")
    assert result["content"]["content"] == note, result
    assert "It says: revenue by month." in answer
    assert [row.id for row in store.list_conversations(LOCAL_OWNER)] == [first]


def test_save_file_writes_byte_exact_copies_and_never_overwrites_other_bytes(
    fake: FakeAnthropic, tool_env: Path, tmp_path: Path
) -> None:
    other = sales_chart_png(width=200, height=100)
    second = Turn((CodeStep("python", {"code": "x"}, files=(OutFile("sales_chart.png", other),)),))
    fake.enqueue(chart_turn(), second)
    folder = tmp_path / "saved"
    sly: dict = {}
    args = {"query": QUERY, "save_file": True, "additional_kwargs": {"save_dir": str(folder)}}
    answer = call_tool(args, sly)
    again = call_tool({**args, "query": "A smaller chart"}, sly)

    assert (folder / "sales_chart.png").read_bytes() == CHART
    assert (folder / "sales.csv").read_bytes() == CSV
    assert (folder / "sales_chart-2.png").read_bytes() == other
    assert f"saved to {folder / 'sales_chart.png'}" in answer
    assert f"saved to {folder / 'sales_chart-2.png'}" in again
    assert sorted(p.name for p in folder.iterdir()) == [
        "sales.csv",
        "sales_chart-2.png",
        "sales_chart.png",
    ]


def test_save_file_without_a_folder_saves_under_the_data_dir(
    fake: FakeAnthropic, tool_env: Path
) -> None:
    fake.enqueue(chart_turn())
    sly: dict = {}
    call_tool({"query": QUERY, "save_file": "true"}, sly)
    folder = tool_env / "tool_files" / sly["conversation_id"]
    assert (folder / "sales_chart.png").read_bytes() == CHART


def test_unknown_and_unusable_settings_are_named_in_notes_and_the_turn_still_runs(
    fake: FakeAnthropic, tool_env: Path
) -> None:
    fake.enqueue(Turn((Text("Done."),)))
    extra = {
        "colour": "red",
        "temperature": 0.2,
        "anthropic_api_key": "sk-secret-value",
        "max_tokens": "lots",
        "tool_version": "code_execution_19990101",
    }
    answer = call_tool({"query": "Hi", "extra_arg": 1, "additional_kwargs": extra})

    assert "Done." in answer
    assert "`colour` is not a setting this tool knows; it was ignored." in answer
    assert "`extra_arg` is not an argument of this tool" in answer
    assert f"`temperature` was not applied: `{DEFAULT_MODEL}` thinks" in answer
    assert "`anthropic_api_key` was not applied: the tool uses the app's own credentials" in answer
    assert "`max_tokens` was not applied" in answer and "`tool_version` was not applied" in answer
    assert "sk-secret-value" not in answer
    body = message_requests(fake)[0]
    assert "temperature" not in body
    assert body["tools"] == [{"type": "code_execution_20260521", "name": "code_execution"}]


def test_settings_the_model_allows_are_applied(fake: FakeAnthropic, tool_env: Path) -> None:
    fake.enqueue(Turn((Text("Done."),)))
    extra = {
        "temperature": 0.2,
        "max_tokens": 2048,
        "betas": ["files-api-2025-04-14"],
        "stop_sequences": ["STOP"],
        "tool_version": "code_execution_20250825",
    }
    answer = call_tool(
        {"query": "Hi", "anthropic_model": "claude-haiku-4-5-20251001", "additional_kwargs": extra}
    )

    assert "Notes:" not in answer, answer
    request = next(r for r in fake.requests if r.path.startswith("/v1/messages"))
    body = request.body
    assert body["model"] == "claude-haiku-4-5-20251001"
    assert (body["temperature"], body["max_tokens"], body["stop_sequences"]) == (
        0.2,
        2048,
        ["STOP"],
    )
    assert body["tools"][0]["type"] == "code_execution_20250825"
    assert request.headers.get("anthropic-beta") == "files-api-2025-04-14"


def test_the_original_default_model_is_retired_and_mapped_to_the_apps_default(
    fake: FakeAnthropic, tool_env: Path
) -> None:
    fake.enqueue(Turn((Text("Done."),)))
    answer = call_tool({"query": "Hi", "anthropic_model": "claude-3-7-sonnet-20250219"})
    assert (
        f"`claude-3-7-sonnet-20250219` is retired, unknown or cannot run code; "
        f"`{DEFAULT_MODEL}` was used instead." in answer
    )
    assert message_requests(fake)[0]["model"] == DEFAULT_MODEL


def test_an_api_error_comes_back_as_a_clear_message(fake: FakeAnthropic, store: Store) -> None:
    fake.enqueue(Fault(400, "invalid_request_error", "messages: the request is malformed"))
    sly: dict = {}
    answer = call_tool({"query": "Hi"}, sly)
    assert answer.startswith("The turn failed: ")
    assert "messages: the request is malformed" in answer
    # The person's message is kept, as on the page, and the link leads to it.
    assert f"/?c={sly['conversation_id']}" in answer


def test_no_query_is_said_and_nothing_is_sent(fake: FakeAnthropic, tool_env: Path) -> None:
    assert call_tool({"query": "  "}) == "No request was given: pass what to do in `query`."
    assert message_requests(fake) == []


def test_local_files_are_attached_and_a_missing_one_is_named(
    fake: FakeAnthropic, tool_env: Path, tmp_path: Path
) -> None:
    data = tmp_path / "sales.csv"
    data.write_bytes(CSV)
    missing = tmp_path / "nope.csv"
    fake.enqueue(Turn((Text("Read it."),)))
    extra = {"files": [str(data), str(missing)]}
    answer = call_tool({"query": "Summarise sales.csv", "additional_kwargs": extra})

    assert f"`{missing}` was not attached: there is no readable file there." in answer
    content = message_requests(fake)[0]["messages"][-1]["content"]
    uploads = [b for b in content if b["type"] == "container_upload"]
    assert len(uploads) == 1
    assert fake.file_store.get(uploads[0]["file_id"]).data == CSV


def test_conversations_belong_to_the_owner_in_sly_data(fake: FakeAnthropic, store: Store) -> None:
    fake.enqueue(Turn((Text("Hi Ana."),)), Turn((Text("Hi Ben."),)))
    ana: dict = {"owner": "ana@example.com"}
    call_tool({"query": "Hi"}, ana)
    # Another owner passing Ana's conversation id gets a new conversation of their own.
    ben: dict = {"owner": "ben@example.com", "conversation_id": ana["conversation_id"]}
    answer = call_tool({"query": "Hi"}, ben)

    assert ben["conversation_id"] != ana["conversation_id"]
    assert f"There is no conversation `{ana['conversation_id']}` for this owner" in answer
    assert [r.id for r in store.list_conversations("ana@example.com")] == [ana["conversation_id"]]
    assert [r.id for r in store.list_conversations("ben@example.com")] == [ben["conversation_id"]]
    assert store.list_conversations(LOCAL_OWNER) == []


class Reporter:
    """neuro-san's progress reporter, as the tool sees it."""

    def __init__(self) -> None:
        self.reports: list[dict] = []

    async def async_report_progress(self, structure: dict, content: str = "") -> None:
        self.reports.append(structure)


def test_the_event_loop_runs_while_the_turn_waits_and_progress_is_reported(
    fake: FakeAnthropic, tool_env: Path
) -> None:
    step = CodeStep("bash", {"command": "sleep 5 && ls"}, stdout="a.csv\n", hold="running")
    fake.enqueue(Turn((step, Text("Listed."))))
    reporter = Reporter()
    ticks: list[int] = []

    async def scenario() -> str:
        from integrations.neuro_san.coded_tools.anthropic_code_execution.code_execution import (
            AnthropicCodeExecution,
        )

        args = {"query": "List files", "progress_reporter": reporter}
        call = asyncio.create_task(AnthropicCodeExecution().async_invoke(args, {}))
        held = asyncio.create_task(asyncio.to_thread(fake.wait_held, "running", 20))
        while not held.done():  # the loop keeps ticking while the code "runs"
            ticks.append(1)
            await asyncio.sleep(0.01)
        assert held.result()
        await asyncio.sleep(0.2)
        assert not call.done()
        threading.Timer(0.1, fake.release, ("running",)).start()
        return await call

    answer = asyncio.run(scenario())
    assert "Listed." in answer and "1. bash: exit 0" in answer
    assert len(ticks) > 5
    await_reports = [r["event"] for r in reporter.reports]
    assert await_reports == ["code_step", "code_step_finished"]
    assert reporter.reports[0] == {"event": "code_step", "tool": "bash", "code": "sleep 5 && ls"}


def test_without_a_key_the_answer_says_so_and_nothing_is_sent(
    fake: FakeAnthropic, tool_env: Path, monkeypatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    answer = call_tool({"query": "Hi"})
    assert (
        answer
        == "The request was not run: No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)."
    )
    assert fake.requests == []
