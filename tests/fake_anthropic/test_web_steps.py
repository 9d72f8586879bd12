"""The fake's web search and web fetch steps parse into the SDK's own types (no lenient
fallback), streamed or not; the recording of a real web search is covered by the
conformance test, which replays it through these steps."""

from __future__ import annotations

import anthropic
import pytest
from anthropic.types import (
    DocumentBlock,
    PlainTextSource,
    ServerToolUseBlock,
    WebFetchBlock,
    WebFetchToolResultBlock,
    WebFetchToolResultErrorBlock,
    WebSearchResultBlock,
    WebSearchToolResultBlock,
)

from fake_anthropic import FakeAnthropic, SearchResult, Text, Turn, WebFetch, WebSearch

TOOLS = [
    {"type": "code_execution_20260521", "name": "code_execution"},
    {"type": "web_search_20260318", "name": "web_search"},
    {"type": "web_fetch_20260318", "name": "web_fetch"},
]


def _turn() -> Turn:
    return Turn(
        (
            WebSearch("iris", (SearchResult("Iris", "https://e.org/iris", "1 day ago"),)),
            WebFetch("https://e.org/iris.csv", text="a,b\n", title="iris.csv"),
            WebFetch("https://e.org/none", error_code="url_not_accessible"),
            Text("done"),
        )
    )


@pytest.mark.parametrize("streaming", [True, False])
def test_web_steps_parse_into_the_sdks_types(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, streaming: bool
) -> None:
    fake_api.enqueue(_turn())
    params = {
        "model": "claude-sonnet-5",
        "max_tokens": 100,
        "tools": TOOLS,
        "messages": [{"role": "user", "content": "get iris"}],
    }
    if streaming:
        with fake_client.messages.stream(**params) as stream:
            message = stream.get_final_message()
    else:
        message = fake_client.messages.create(**params)
    call, hits, fetch_call, fetched, _, failed, _ = message.content
    assert isinstance(call, ServerToolUseBlock) and call.input == {"query": "iris"}
    assert isinstance(hits, WebSearchToolResultBlock) and hits.tool_use_id == call.id
    [hit] = hits.content
    assert isinstance(hit, WebSearchResultBlock) and hit.encrypted_content
    assert (hit.title, hit.url, hit.page_age) == ("Iris", "https://e.org/iris", "1 day ago")
    assert isinstance(fetched, WebFetchToolResultBlock) and fetched.tool_use_id == fetch_call.id
    assert isinstance(fetched.content, WebFetchBlock)
    assert isinstance(fetched.content.content, DocumentBlock)
    assert isinstance(fetched.content.content.source, PlainTextSource)
    assert fetched.content.content.source.data == "a,b\n"
    assert isinstance(failed, WebFetchToolResultBlock)
    assert isinstance(failed.content, WebFetchToolResultErrorBlock)
    assert message.usage.server_tool_use is not None
    assert message.usage.server_tool_use.web_fetch_requests == 2
    assert message.usage.server_tool_use.web_search_requests == 1
