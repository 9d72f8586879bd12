"""The page when its database stops in the middle of a turn (a real PostgreSQL server of
the test's own, stopped and started again): the turn says it is not saved, a reload says
the database is down rather than showing less, and once the database is back the page
draws the turn from the store, whole."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.page import DATABASE_DOWN
from fake_anthropic import FakeAnthropic, Hold, Text, Turn
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    rerun_until,
    restore,
    send,
    texts,
)
from tests.support.postgres_server import PostgresServer

NOT_SAVED = "Not saved yet: the database is unreachable"


def not_saved_shown(app: AppTest) -> bool:
    return any(NOT_SAVED in w.value for w in app.warning)


def live_turn_shown(app: AppTest) -> bool:
    return any(b.key == "stop_turn" for b in app.button)


def test_a_database_that_stops_mid_turn_is_said_and_the_turn_is_stored_once_it_is_back(
    at: AppTest,
    fake_api: FakeAnthropic,
    own_postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", own_postgres.url)
    fake_api.enqueue(Turn((Text("Before the outage."), Hold("outage"), Text("After it."))))
    follow_briefly(at)
    at.run()
    send(at, "How are sales?")
    assert fake_api.wait_held("outage", timeout=10)
    cid = conversation_id(at)

    own_postgres.stop()
    fake_api.release("outage")
    rerun_until(at, not_saved_shown)
    assert texts(assistant(at).markdown) == ["Before the outage.", "After it."]
    reloaded = restore(cid)
    assert not reloaded.exception
    assert DATABASE_DOWN in texts(reloaded.error)  # the truth: not a shorter answer

    own_postgres.start()
    rerun_until(at, lambda app: not not_saved_shown(app) and not live_turn_shown(app))
    assert texts(assistant(at).markdown) == ["Before the outage.", "After it."]
    later = restore(cid)
    assert texts(assistant(later).markdown) == ["Before the outage.", "After it."]
    marks = texts(assistant(later).caption)
    assert marks == [":material/smart_toy: claude-sonnet-5"]  # complete: no "interrupted" mark
