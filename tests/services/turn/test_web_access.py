"""Web access: the request carries the web tools and the web system prompt only when the
person switched it on, and only with tool versions the API takes together."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import anthropic
import pytest

from fake_anthropic import (
    FakeAnthropic,
    SearchResult,
    Text,
    Turn,
    WebFetch,
    WebSearch,
    validate_history,
)
from services.settings import load_settings
from services.turn.events import (
    CodeStepFinished,
    CodeStepStarted,
    StepTool,
    TurnError,
    WebFetchResult,
    WebSearchResult,
)
from services.turn.options import TurnOptions
from services.turn.prompt import SYSTEM_PROMPT
from services.turn.results import FetchedDocument, SearchHit, ToolError
from services.turn.web import request_tools, system_prompt, web_access_problem
from tests.services.turn.test_runner_errors import read_until
from tests.support.runner import (
    EVENT_TIMEOUT,
    Followed,
    finished,
    make_runner,
    of_type,
    read_all,
    system_text,
)

MODEL = "claude-sonnet-5"
WEB_ON = TurnOptions(web_access=True)


def _run(runner, options: TurnOptions, turn: Turn, fake: FakeAnthropic) -> tuple[list, dict]:
    fake.enqueue(turn)
    events = read_all(runner.start(Followed(model=MODEL).current, "get the data", options=options))
    return events, fake.message_requests()[-1]


def test_without_web_access_the_request_is_as_before(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    _, body = _run(runner, TurnOptions(), Turn((Text("ok"),)), fake_api)
    assert body["tools"] == [{"type": "code_execution_20260521", "name": "code_execution"}]
    assert system_text(body) == SYSTEM_PROMPT and "no internet access" in system_text(body)


def test_with_web_access_the_request_carries_both_web_tools_and_says_so(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    _, body = _run(runner, WEB_ON, Turn((Text("ok"),)), fake_api)
    assert body["tools"] == [
        {"type": "code_execution_20260521", "name": "code_execution"},
        {"type": "web_search_20260318", "name": "web_search", "max_uses": 5},
        {"type": "web_fetch_20260318", "name": "web_fetch", "max_uses": 5,
         "max_content_tokens": 50_000},
    ]  # fmt: skip
    assert "web_search" in system_text(body) and "web_fetch" in system_text(body)
    assert "the container itself has no internet access" in system_text(body)
    # The rest of the prompt is the default's, word for word.
    head, tail = SYSTEM_PROMPT.split("no internet access).", 1)
    assert system_text(body).startswith(head) and system_text(body).endswith(tail)


def test_web_steps_come_back_as_steps_with_their_results(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    turn = Turn(
        (
            WebSearch("iris data set csv", (SearchResult("Iris", "https://e.org/iris", "2 days"),)),
            WebFetch("https://e.org/iris.csv", text="a,b\n1,2\n", title="iris.csv"),
            WebFetch("https://e.org/gone", error_code="url_not_accessible"),
            Text("Fetched it."),
        )
    )
    events, _ = _run(runner, WEB_ON, turn, fake_api)
    done = [e for e in events if isinstance(e, CodeStepFinished)]
    assert [e.tool for e in done] == [
        StepTool.WEB_SEARCH,
        StepTool.WEB_FETCH,
        StepTool.WEB_FETCH,
    ]
    search, fetch, failed = (e.result for e in done)
    assert search == WebSearchResult((SearchHit("Iris", "https://e.org/iris", "2 days", True),))
    assert fetch == WebFetchResult(
        "https://e.org/iris.csv",
        FetchedDocument("text/plain", 8, "iris.csv"),
        "2026-12-01T10:30:00Z",
    )
    assert isinstance(failed, ToolError) and failed.error_code == "url_not_accessible"


def test_an_old_code_execution_version_leaves_the_web_tools_out_and_says_why() -> None:
    settings = replace(load_settings({}), tool_version="code_execution_20250825")
    problem = web_access_problem(settings)
    assert problem is not None and "code_execution_20260120" in problem
    assert request_tools(settings, WEB_ON) == [
        {"type": "code_execution_20250825", "name": "code_execution"}
    ]
    assert system_prompt(settings, WEB_ON) == SYSTEM_PROMPT


@pytest.mark.parametrize(
    ("field", "version"),
    [("web_search_version", "web_search_20250305"), ("web_fetch_version", "web_fetch_29990101")],
)
def test_web_versions_the_app_cannot_send_disable_web_access(field: str, version: str) -> None:
    settings = replace(load_settings({}), **{field: version})
    problem = web_access_problem(settings)
    assert problem is not None and version in problem
    assert len(request_tools(settings, WEB_ON)) == 1


def test_the_fake_refuses_web_tools_with_an_old_code_execution_version(
    fake_client: anthropic.Anthropic,
) -> None:
    tools = [
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"type": "web_fetch_20260318", "name": "web_fetch"},
    ]
    with pytest.raises(anthropic.BadRequestError, match="code_execution_20260120 or later"):
        fake_client.messages.create(
            model=MODEL, max_tokens=10, tools=tools, messages=[{"role": "user", "content": "x"}]
        )
    unknown = [{"type": "web_search_20990101", "name": "web_search"}]
    with pytest.raises(anthropic.BadRequestError, match="web_search_20990101"):
        fake_client.messages.create(
            model=MODEL, max_tokens=10, tools=unknown, messages=[{"role": "user", "content": "x"}]
        )


def test_a_web_fetch_stopped_while_it_runs_is_closed_with_its_own_error_form(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    fake_api.history_validator = validate_history
    runner, _ = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((WebFetch("https://e.org/big.csv", hold="fetch"),)))
    conversation = Followed(model=MODEL)
    handle = runner.start(conversation.current, "fetch it", options=WEB_ON)
    assert fake_api.wait_held("fetch", timeout=EVENT_TIMEOUT)
    seen = read_until(handle, CodeStepStarted)
    handle.stop()
    events = [*seen, *read_all(handle)]
    fake_api.release("fetch")
    conversation.take(events)
    assert [b["type"] for b in finished(events).content] == ["server_tool_use"]
    fake_api.enqueue(Turn((Text("Carrying on."),)))
    events = read_all(runner.start(conversation.current, "again", options=WEB_ON))
    assert of_type(events, TurnError) == []
    sent = fake_api.message_requests()[-1]["messages"][1]["content"]
    assert sent[-1] == {
        "type": "web_fetch_tool_result",
        "tool_use_id": sent[0]["id"],
        "content": {"type": "web_fetch_tool_result_error", "error_code": "unavailable"},
    }
