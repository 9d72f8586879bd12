"""The demo server as an agent network's frontman model: the request goes to the tool
that takes a `query`, and the tool's result comes back as the answer."""

from __future__ import annotations

import anthropic

from fake_anthropic import FakeAnthropic
from fake_anthropic.demo_agent import RELAYED

TOOL = {
    "name": "anthropic_code_execution",
    "description": "Runs code",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}},
}
ASK = "Chart Jan: $50K, Feb: $65K"


def test_the_request_goes_to_the_tool_then_its_result_is_relayed() -> None:
    with FakeAnthropic(demo=True) as demo:
        client = anthropic.Anthropic(api_key="demo", base_url=demo.base_url, max_retries=0)
        first = client.messages.create(
            model="claude-sonnet-5",
            max_tokens=100,
            tools=[TOOL],
            messages=[{"role": "user", "content": ASK}],
        )
        (call,) = first.content
        assert (first.stop_reason, call.type, call.name) == ("tool_use", "tool_use", TOOL["name"])
        assert call.input == {"query": ASK}
        result = {"type": "tool_result", "tool_use_id": call.id, "content": "Chart made."}
        second = client.messages.create(
            model="claude-sonnet-5",
            max_tokens=100,
            tools=[TOOL],
            messages=[
                {"role": "user", "content": ASK},
                {"role": "assistant", "content": [call.model_dump()]},
                {"role": "user", "content": [result]},
            ],
        )
        assert second.content[0].text == RELAYED + "Chart made."


def test_without_a_query_tool_the_demo_answers_as_before() -> None:
    other = {**TOOL, "name": "lookup", "input_schema": {"type": "object", "properties": {}}}
    with FakeAnthropic(demo=True) as demo:
        client = anthropic.Anthropic(api_key="demo", base_url=demo.base_url, max_retries=0)
        answer = client.messages.create(
            model="claude-sonnet-5",
            max_tokens=100,
            tools=[other],
            messages=[{"role": "user", "content": "Hi"}],
        )
        assert "demo server" in answer.content[0].text
