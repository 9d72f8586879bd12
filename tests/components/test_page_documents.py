"""The document-skills switch on the page: off by default, applied from the next turn,
never to a turn already running."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.sidebar.document_skills import LABEL, SWITCH_KEY
from fake_anthropic import CodeStep, FakeAnthropic, Hold, RawBlock, Text, Turn
from services.turn.skills import document_skills
from tests.components.support import follow_briefly, page_session, rerun_until, send

SKILLS = document_skills()


def switch(app: AppTest):
    return app.sidebar.toggle(key=SWITCH_KEY)


def containers(fake: FakeAnthropic) -> list:
    return [body.get("container") for body in fake.message_requests()]


def test_the_switch_is_off_by_default_and_labelled(at: AppTest) -> None:
    at.run()
    toggle = switch(at)
    assert toggle.value is False and toggle.label == LABEL
    assert "next message" in toggle.help and ".pptx" in toggle.help
    assert page_session(at).options.document_skills is False


def test_switching_applies_from_the_next_turn(at: AppTest, fake_api: FakeAnthropic) -> None:
    fake_api.enqueue(Turn((CodeStep("bash", {"command": "ls"}), Text("Plain."))))
    fake_api.enqueue(Turn((Text("With skills."),)), Turn((Text("Plain again."),)))
    at.run()
    send(at, "one")
    container_id = page_session(at).conversation.container_id
    assert container_id
    switch(at).set_value(True).run()
    assert page_session(at).options.document_skills is True
    send(at, "two")
    switch(at).set_value(False).run()
    send(at, "three")
    assert not at.exception
    assert containers(fake_api) == [
        None,
        {"id": container_id, "skills": SKILLS},
        container_id,
    ]
    assert switch(at).value is False


def test_a_running_turn_keeps_what_it_started_with(at: AppTest, fake_api: FakeAnthropic) -> None:
    call = {"type": "server_tool_use", "id": "s1", "name": "bash_code_execution",
            "input": {"command": "python deck.py"}}  # fmt: skip
    result = {"type": "bash_code_execution_tool_result", "tool_use_id": "s1",
              "content": {"type": "bash_code_execution_result", "stdout": "", "stderr": "",
                          "return_code": 0, "content": []}}  # fmt: skip
    paused = Turn((Text("Working."), Hold("wait"), RawBlock(call)), stop_reason="pause_turn")
    fake_api.enqueue(paused, Turn((RawBlock(result), Text("Finished."))))
    fake_api.enqueue(Turn((Text("Next."),)))
    follow_briefly(at)
    at.run()
    send(at, "a long one")
    assert fake_api.wait_held("wait", timeout=10)
    switch(at).set_value(True).run()  # while the answer is being written
    fake_api.release("wait")
    rerun_until(at, lambda app: page_session(app).live is None)
    container_id = page_session(at).conversation.container_id
    send(at, "next")
    rerun_until(at, lambda app: len(fake_api.message_requests()) == 3)
    first, continued, following = containers(fake_api)
    assert first is None and continued == container_id  # the paused turn, resumed as begun
    assert following == {"id": container_id, "skills": SKILLS}
