"""The store failing mid-turn (a real PostgreSQL server of the test's own, stopped while a
code step's answer streams): the page says the turn is not saved and keeps showing all of
it, a reload says the database is down rather than showing less, and once it is back the
whole turn, its output file included, is stored and reloads the same."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.page import DATABASE_DOWN
from fake_anthropic import CodeStep, FakeAnthropic, Hold, OutFile, Text, Turn, sales_csv
from services.settings import load_settings
from services.store import LOCAL_OWNER, open_store
from tests.components.support import (
    assistant,
    conversation_id,
    follow_briefly,
    page_session,
    rerun_until,
    restore,
    send,
    texts,
)
from tests.components.test_page_outage import live_turn_shown, not_saved_shown
from tests.hardening.support import no_crash, reload_matches
from tests.support.postgres_server import PostgresServer

ANSWER = ["Counting the rows.", "There are six rows."]


def test_the_store_failing_mid_turn_loses_nothing(
    at: AppTest,
    fake_api: FakeAnthropic,
    own_postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", own_postgres.url)
    made = OutFile("rows.csv", sales_csv(), "text/csv")
    step = CodeStep("python", {"code": "len(df)"}, stdout="6\n", files=(made,))
    fake_api.enqueue(Turn((Text(ANSWER[0]), Hold("outage"), step, Text(ANSWER[1]))))
    follow_briefly(at)
    at.run()
    send(at, "How many rows?")
    assert fake_api.wait_held("outage", timeout=10)
    cid = conversation_id(at)

    own_postgres.stop()
    fake_api.release("outage")
    rerun_until(at, not_saved_shown)
    no_crash(at)
    assert texts(assistant(at).markdown) == ANSWER
    down = restore(cid)
    assert not down.exception and DATABASE_DOWN in texts(down.error)

    own_postgres.start()
    rerun_until(at, lambda app: not not_saved_shown(app) and not live_turn_shown(app))
    no_crash(at)
    assert [f.name for f in page_session(at).conversation.outputs.values()] == ["rows.csv"]
    store = open_store(load_settings())  # the page's PostgreSQL, opened as the page opens it
    try:
        reload_matches(at, store, ["How many rows?", *ANSWER])
        assert [f.name for f in store.list_files(cid, LOCAL_OWNER)] == ["rows.csv"]
    finally:
        store.close()
