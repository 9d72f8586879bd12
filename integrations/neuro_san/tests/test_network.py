"""The agent network, loaded and run by neuro-san itself: the frontman `coder` (its model
served by the fake Anthropic API, scripted to act as a model would on what it is sent)
hands the request to the coded tool, which runs the turn against the same fake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fake_anthropic import FakeAnthropic, Fault, RawBlock, Reply, Text, Turn
from integrations.neuro_san.tests.conftest import PUBLIC_URL, REGISTRY
from integrations.neuro_san.tests.test_tool import CHART, chart_turn
from services.store import LOCAL_OWNER, Store

NETWORK = "anthropic_code_execution"
EXAMPLE = (
    "Can you create a visualization showing the trend of monthly sales data: January: $50K, "
    "February: $65K, March: $45K, April: $80K, May: $75K, June: $90K?"
)


def frontman_calls_tool(**extra_input: Any) -> Reply:
    """The frontman's first answer: the user's request passed to the tool unchanged."""

    def make(body: dict[str, Any]) -> Turn:
        assert [t["name"] for t in body["tools"]] == [NETWORK]
        tool_input = {"query": _user_text(body["messages"][-1]), **extra_input}
        call = {"type": "tool_use", "id": "toolu_01", "name": NETWORK, "input": tool_input}
        return Turn((RawBlock(call),), stop_reason="tool_use")

    return Reply(make)


def frontman_reports() -> Reply:
    """The frontman's last answer: what the tool returned, as its instructions ask."""

    def make(body: dict[str, Any]) -> Turn:
        results = [b for b in body["messages"][-1]["content"] if b["type"] == "tool_result"]
        assert len(results) == 1, body["messages"][-1]
        return Turn((Text("The tool says:\n\n" + _result_text(results[0])),))

    return Reply(make)


def _user_text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


def _result_text(result: dict[str, Any]) -> str:
    content = result["content"]
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


class Network:
    """A direct neuro-san session on the network, kept across requests like a chat client."""

    def __init__(self, sly_data: dict[str, Any] | None = None) -> None:
        from neuro_san.client.direct_agent_session_factory import DirectAgentSessionFactory
        from neuro_san.client.streaming_input_processor import StreamingInputProcessor

        session = DirectAgentSessionFactory().create_session(NETWORK)
        self.processor = StreamingInputProcessor(session=session)
        self.state: dict[str, Any] = {"sly_data": sly_data}

    def ask(self, text: str) -> str:
        self.state["user_input"] = text
        self.state = self.processor.process_once(self.state)
        return self.state["last_chat_response"]

    @property
    def sly_data(self) -> dict[str, Any]:
        return self.state.get("sly_data") or {}


def code_requests(fake: FakeAnthropic) -> list[dict[str, Any]]:
    """The coded tool's requests (the frontman's carry its own tool, not code execution)."""
    bodies = fake.message_requests()
    return [b for b in bodies if b["tools"][0].get("type", "").startswith("code_execution")]


@pytest.fixture
def network(tool_env: Any) -> Network:
    return Network()


def test_the_original_example_runs_end_to_end(
    fake: FakeAnthropic, store: Store, network: Network
) -> None:
    fake.enqueue(frontman_calls_tool(), chart_turn(), frontman_reports())
    answer = network.ask(EXAMPLE)

    (conversation,) = store.list_conversations(LOCAL_OWNER)
    assert network.sly_data["conversation_id"] == conversation.id
    assert "sales_chart.png (image/png," in answer
    assert f"{PUBLIC_URL}/?c={conversation.id}" in answer
    (request,) = code_requests(fake)
    assert request["messages"][-1]["content"][-1]["text"] == EXAMPLE  # passed on unchanged
    chart = next(
        f for f in store.list_files(conversation.id, LOCAL_OWNER) if f.name.endswith("png")
    )
    assert store.read_file(chart.file_id, LOCAL_OWNER) == CHART


def test_a_second_request_in_the_session_continues_the_conversation_and_sandbox(
    fake: FakeAnthropic, store: Store, network: Network
) -> None:
    fake.enqueue(frontman_calls_tool(), chart_turn(), frontman_reports())
    network.ask(EXAMPLE)
    first_id = network.sly_data["conversation_id"]
    fake.enqueue(frontman_calls_tool(), Turn((Text("The CSV has 6 rows."),)), frontman_reports())
    answer = network.ask("How many rows does sales.csv have?")

    assert "The CSV has 6 rows." in answer
    assert network.sly_data["conversation_id"] == first_id
    first, second = code_requests(fake)
    assert "container" not in first
    stored = store.load_conversation(first_id, LOCAL_OWNER)
    assert stored is not None and second["container"] == stored.container_id
    assert len(second["messages"]) == 3
    assert len(store.list_conversations(LOCAL_OWNER)) == 1


def test_an_api_error_comes_back_to_the_agent_as_words(
    fake: FakeAnthropic, store: Store, network: Network
) -> None:
    fault = Fault(400, "invalid_request_error", "max_tokens: must be at most 128000")
    fake.enqueue(frontman_calls_tool(), fault, frontman_reports())
    answer = network.ask(EXAMPLE)
    assert "The turn failed: " in answer and "max_tokens: must be at most 128000" in answer


def test_an_unknown_setting_is_named_and_the_request_still_runs(
    fake: FakeAnthropic, store: Store, network: Network
) -> None:
    extra = {"additional_kwargs": {"colour": "red"}, "save_file": False}
    fake.enqueue(frontman_calls_tool(**extra), chart_turn(), frontman_reports())
    answer = network.ask(EXAMPLE)
    assert "`colour` is not a setting this tool knows; it was ignored." in answer
    assert "sales_chart.png" in answer


def test_the_owner_in_sly_data_owns_the_conversation(
    fake: FakeAnthropic, store: Store, tool_env: Any
) -> None:
    network = Network({"owner": "ana@example.com"})
    fake.enqueue(frontman_calls_tool(), chart_turn(), frontman_reports())
    network.ask(EXAMPLE)
    (row,) = store.list_conversations("ana@example.com")
    assert network.sly_data["conversation_id"] == row.id
    assert store.list_conversations(LOCAL_OWNER) == []


def _validate(hocon: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "neuro_san.client.hocon_validator_cli", str(hocon)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_network_file_passes_neuro_sans_own_validator(tool_env: Any, tmp_path: Path) -> None:
    hocon = REGISTRY / f"{NETWORK}.hocon"
    checked = _validate(hocon)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The validator does check the links between agents: a frontman pointing at a tool
    # the file does not define fails it.
    broken = tmp_path / "broken.hocon"
    broken.write_text(
        hocon.read_text().replace('"tools": ["anthropic_code_execution"]', '"tools": ["missing"]')
    )
    assert _validate(broken).returncode == 1


def test_the_frontman_is_coder_and_only_it_may_send_the_conversation_upstream(
    tool_env: Any,
) -> None:
    from neuro_san.client.direct_agent_session_factory import DirectAgentSessionFactory

    config = DirectAgentSessionFactory().get_agent_network(NETWORK).get_config()
    coder, tool = config["tools"]
    assert coder["name"] == "coder" and coder["tools"] == [NETWORK]
    assert coder["allow"]["to_upstream"]["sly_data"] == {"conversation_id": True}
    assert tool["class"] == "code_execution.AnthropicCodeExecution"
    assert tool["function"]["parameters"]["required"] == ["query"]


def test_the_keyless_demo_server_runs_the_network_end_to_end(
    tool_env: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m fake_anthropic --demo` plays the frontman's model and Claude both."""
    from fake_anthropic import FakeAnthropic as Server

    with Server(demo=True) as demo:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", demo.base_url)
        answer = Network().ask(EXAMPLE)
    (row,) = store.list_conversations(LOCAL_OWNER)
    assert answer.startswith("The demo server relays what the tool returned:")
    assert "sales_chart.png (image/png," in answer and f"/?c={row.id}" in answer
    names = sorted(f.name for f in store.list_files(row.id, LOCAL_OWNER))
    assert names == ["monthly_sales.csv", "sales_chart.png"]
