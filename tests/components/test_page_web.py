"""Web access on the page: the sidebar switch (off by default, from the next turn on),
web search and fetch steps drawn as literal text, live and stored alike, and the cost
panel's $0 container time for a turn with web tools."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic, SearchResult, Text, Turn, WebFetch, WebSearch
from tests.components.support import (
    assistant,
    follow_briefly,
    rerun_until,
    send,
    step_boxes,
    texts,
    unescape,
)
from tests.components.test_page_render import render
from tests.support.runner import system_text

HOSTILE_URL = "javascript:alert(1)//[click](http://evil.example)"
HOSTILE_TITLE = "**Iris** <img src=x onerror=alert(1)> [x](javascript:alert(2))"
DATA_URL = "https://data.example.org/iris.csv"


def web_turn(hold: str | None = None) -> Turn:
    return Turn(
        (
            Text("Searching for it."),
            WebSearch(
                "iris data set [csv](javascript:alert(3))",
                (
                    SearchResult(HOSTILE_TITLE, HOSTILE_URL, "3 days ago"),
                    SearchResult("UCI Iris", DATA_URL),
                ),
                hold=hold,
            ),
            WebFetch(DATA_URL, text="sepal_length,species\n5.1,setosa\n", title="iris.csv"),
            Text("Got the data."),
        )
    )


def all_text(node: Any) -> list[str]:
    return texts(node.text)


def searching(app: AppTest) -> list[Any]:
    return [s for s in step_boxes(app) if s.label.startswith("Searching the web…")]


def web_tools_sent(body: dict[str, Any]) -> list[str]:
    return [t["name"] for t in body["tools"] if t["name"].startswith("web_")]


def test_the_switch_is_off_by_default_and_labelled(at: AppTest) -> None:
    at.run()
    switch = at.sidebar.toggle(key="web_access")
    assert switch.label == "Web access" and switch.value is False
    assert "search the web" in switch.help and "Anthropic's servers" in switch.help


def test_the_switch_applies_from_the_next_turn(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((Text("Offline answer."),)))
    fake_api.enqueue(Turn((Text("Online answer."),)))
    at.run()
    send(at, "first")
    at.sidebar.toggle(key="web_access").set_value(True).run()
    assert "Claude may search the web" in unescape(" ".join(texts(at.sidebar.caption)))
    send(at, "second")
    first, second = fake_api.message_requests()
    assert web_tools_sent(first) == [] and "no internet access" in system_text(first)
    assert web_tools_sent(second) == ["web_search", "web_fetch"]
    assert "web_fetch" in system_text(second)


def test_a_web_turn_draws_queries_urls_and_titles_as_text(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(web_turn())
    at.run()
    at.sidebar.toggle(key="web_access").set_value(True).run()
    send(at, "find the iris data")
    assert not at.exception
    search, fetch = step_boxes(assistant(at))
    assert (search.label, fetch.label) == ("Searched the web", "Fetched a web page")
    shown = all_text(search)
    assert shown[0] == "Query: iris data set [csv](javascript:alert(3))"
    assert (
        f"{HOSTILE_TITLE}\n{HOSTILE_URL}\nPage age: 3 days ago\nPage text: encrypted: not shown"
        in (shown)
    )
    assert all_text(fetch) == [
        f"URL: {DATA_URL}",
        f"Fetched: {DATA_URL}\nDocument: text/plain, 32 B\nTitle: iris.csv",
    ]
    # Nothing the model or a web page wrote reached markdown: no link, no image.
    markdown = " ".join(m.value for m in at.markdown) + " ".join(texts(at.caption))
    assert "javascript" not in markdown and "evil.example" not in markdown


def test_the_running_web_step_shows_its_query_as_text(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(web_turn(hold="search"))
    at.run()
    at.sidebar.toggle(key="web_access").set_value(True).run()
    follow_briefly(at)
    send(at, "find the iris data")
    assert fake_api.wait_held("search", timeout=15)
    rerun_until(
        at, lambda app: any(s.label.startswith("Searching the web…") for s in step_boxes(app))
    )
    [running] = [s for s in step_boxes(at) if s.label.startswith("Searching the web…")]
    assert all_text(running) == ["Query: iris data set [csv](javascript:alert(3))"]
    fake_api.release("search")
    rerun_until(
        at, lambda app: len(step_boxes(app)) == 2 and "Got the data." in app.markdown[-1].value
    )
    assert [s.label for s in step_boxes(at)] == ["Searched the web", "Fetched a web page"]


def test_a_web_turn_costs_no_container_time(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(web_turn())
    at.run()
    at.sidebar.toggle(key="web_access").set_value(True).run()
    send(at, "find the iris data")
    cost = unescape(" ".join(texts(at.sidebar.caption)))
    assert "Container time (estimate) in turns with web search or fetch: $0" in cost
    assert "Container time (estimate): up to" not in cost  # no billed executions


def test_a_stored_search_with_an_error_says_so() -> None:
    blocks = [
        {"type": "server_tool_use", "id": "w", "name": "web_search", "input": {"query": "q"}},
        {"type": "web_search_tool_result", "tool_use_id": "w",
         "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}},
    ]  # fmt: skip
    at = render(blocks)
    [step] = step_boxes(at)
    assert step.label == "Searched the web" and step.icon == ":material/error:"
    assert "as often as one request allows" in step.error[0].value


def test_the_switch_is_disabled_with_the_reason_when_code_execution_is_too_old(
    at: AppTest, fake_api: FakeAnthropic, monkeypatch
) -> None:
    monkeypatch.setenv("ASSISTANT_TOOL_VERSION", "code_execution_20250825")
    fake_api.enqueue(Turn((Text("ok"),)))
    at.run()
    switch = at.sidebar.toggle(key="web_access")
    assert switch.disabled and "code_execution_20260120" in switch.help
    assert "Web access is unavailable" in unescape(" ".join(texts(at.sidebar.caption)))
    send(at, "hi")
    assert web_tools_sent(fake_api.message_requests()[-1]) == []
