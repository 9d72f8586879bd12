"""The profile card under the person's message: drawn live once the turn has profiled the
file, and the same after a reload, from the store."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fake_anthropic import CodeStep, FakeAnthropic, Text, Turn
from tests.components.support import (
    conversation_id,
    follow_briefly,
    page_session,
    rerun_until,
    restore,
    running_step,
    unescape,
    user_message,
)

MESSY = (
    "zip;amount;when;city\n"
    '08123;"1.234,50";2024-01-05;Málaga\n'
    "10115;7,00;05/01/2024;Köln\n"
    "10115;7,00;05/01/2024;Köln\n"
    "99999;3,00\n"
).encode("cp1252")


def card_text(app: AppTest) -> str:
    message = user_message(app)
    parts = [c.value for c in message.caption] + [m.value for m in message.markdown]
    return unescape(" ".join(str(p) for p in parts))


def test_the_card_shows_the_problems_and_comes_back_after_a_reload(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("I read it with the profile's settings."),)))
    at.run()
    composer = at.chat_input(key="composer").set_value("Clean this file")
    composer.upload("messy.csv", MESSY, "text/csv").run()
    assert not at.exception
    live = card_text(at)
    for shown in (
        "Profile of messy.csv",
        "cp1252, semicolon-separated",
        "column 'zip': leading zeros",
        "numbers stored as text",
        "dates in 2 formats",
        "1 duplicated rows",
        "1 ragged rows",
    ):
        assert shown in live, shown
    preview = user_message(at).dataframe[0].value
    assert list(preview["zip"]) == ["08123", "10115", "10115", "99999"]  # as written
    [columns] = [e for e in user_message(at).expander if "4 rows × 4 columns" in e.label]
    assert list(columns.dataframe[0].value["type"]) == [
        "identifier",
        "number stored as text",
        "date",
        "text",
    ]

    again = restore(conversation_id(at))
    assert not again.exception
    assert card_text(again) == live


def test_a_person_typing_the_note_tag_sees_their_words(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    fake_api.enqueue(Turn((Text("Noted."),)))
    at.run()
    at.chat_input(key="composer").set_value("<app_note>my own words</app_note>").run()
    assert not at.exception
    shown = " ".join(m.value for m in user_message(at).markdown)
    assert "my own words" in shown
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"][-1]["text"]
    assert sent == "&lt;app_note>my own words&lt;/app_note>"
    again = restore(conversation_id(at))
    assert "my own words" in " ".join(m.value for m in user_message(again).markdown)


def test_the_card_is_drawn_while_the_answer_is_still_running(
    at: AppTest, fake_api: FakeAnthropic
) -> None:
    held = CodeStep("python", {"code": "import time\ntime.sleep(600)"}, hold="job")
    fake_api.enqueue(Turn((Text("Reading it now."), held)))
    follow_briefly(at)
    at.run()
    composer = at.chat_input(key="composer").set_value("Clean this file")
    composer.upload("messy.csv", MESSY, "text/csv").run()
    assert fake_api.wait_held("job", timeout=10)
    rerun_until(at, running_step)
    assert "column 'zip': leading zeros" in card_text(at)
    assert page_session(at).live is not None  # drawn from the turn's events, not the store
    at.button(key="stop_turn").click().run()
    assert not at.exception
