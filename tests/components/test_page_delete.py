"""Deleting a conversation: a dialog asks first, Undo brings it back whole within the undo
window, and only after the window are its rows, bytes and Files API copies deleted."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic
from services.settings import load_settings
from services.store import LOCAL_OWNER, Store
from services.wiring import open_service
from tests.components.support import (
    chart_turn_with_upload,
    deleted_file_ids,
    listed,
    open_menu,
    restore,
    wait_for,
)


@pytest.fixture
def window(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> float:
    """The undo window, in seconds: long enough for the page runs a test makes within it."""
    seconds = float(getattr(request, "param", 6))
    monkeypatch.setenv("ASSISTANT_DELETE_UNDO_SECONDS", str(seconds))
    return seconds


def ask_to_delete(app: AppTest, cid: str) -> AppTest:
    open_menu(app, cid)
    return app.sidebar.button(key=f"delete-{cid}").click().run()


def dialog_text(app: AppTest) -> str:
    return " ".join(m.value for m in app.markdown)


def test_the_dialog_asks_and_cancel_keeps_it(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    title = listed(at)[0]
    ask_to_delete(at, cid)
    assert not at.exception
    assert f'Delete "{title}"? Its files are deleted too.' in dialog_text(at).replace("\\", "")
    assert store.get_conversation(cid, LOCAL_OWNER) is not None  # asking deletes nothing
    at.button(key="cancel_delete").click().run()
    assert listed(at) == [title] and at.query_params["c"] == cid
    assert store.get_conversation(cid, LOCAL_OWNER) is not None and not deleted_file_ids(fake_api)
    assert listed(restore(cid)) == [title]


@pytest.mark.parametrize("window", [10], indirect=True)
def test_undo_brings_it_back_whole(
    window: float, at: AppTest, fake_api: FakeAnthropic, store: Store, downloads
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    messages = store.load_messages(cid, LOCAL_OWNER)
    files = {f.id: f.path.read_bytes() for f in store.list_files(cid, LOCAL_OWNER)}
    ask_to_delete(at, cid)
    at.button(key="confirm_delete").click().run()
    assert not at.exception and listed(at) == []
    assert store.get_conversation(cid, LOCAL_OWNER) is None  # hidden from every read

    at.button(key="undo_delete_button").click().run()
    assert not at.exception
    assert len(listed(at)) == 1 and at.query_params["c"] == cid
    assert store.load_messages(cid, LOCAL_OWNER) == messages
    back = store.list_files(cid, LOCAL_OWNER)
    assert {f.id: store.read_file(f.id, LOCAL_OWNER) for f in back} == files
    assert "sales_chart.png" in downloads and downloads["sales_chart.png"]()
    # The window's timer then finds it restored and purges nothing (a wait, not a timed
    # assert: the outcome must hold however long the timer took).
    time.sleep(window + 1)
    assert not deleted_file_ids(fake_api) and store.get_conversation(cid, LOCAL_OWNER)


def test_without_undo_the_api_files_go_after_the_window_and_not_before(
    window: float, at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    api_ids = {f.id for f in store.list_files(cid, LOCAL_OWNER)}
    paths = [f.path for f in store.list_files(cid, LOCAL_OWNER)]
    ask_to_delete(at, cid)
    at.button(key="confirm_delete").click().run()
    assert not deleted_file_ids(fake_api)  # within the window: nothing sent to the API
    assert all(p.exists() for p in paths)
    reloaded = restore(cid)  # a reload shows it gone, and offers no Undo
    assert listed(reloaded) == [] and not reloaded.chat_message
    assert not [b for b in reloaded.button if b.key == "undo_delete_button"]
    wait_for(lambda: deleted_file_ids(fake_api) == api_ids, "the Files API deletes")
    assert not any(p.exists() for p in paths)
    assert store.deleted_before(datetime.now(UTC)) == []  # purged, not left hidden
    at.run()
    assert not [b for b in at.button if b.key == "undo_delete_button"]


def test_a_deletion_left_by_a_stopped_server_is_purged_on_the_next_start(
    at: AppTest, fake_api: FakeAnthropic, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    api_ids = {f.id for f in store.list_files(cid, LOCAL_OWNER)}
    store.hide(cid, LOCAL_OWNER)  # as a delete does, then the server stops: no timer runs
    monkeypatch.setenv("ASSISTANT_DELETE_UNDO_SECONDS", "0")
    service = open_service(load_settings())  # the next start
    try:
        assert store.get_conversation(cid, LOCAL_OWNER) is None
        assert store.deleted_before(datetime.now(UTC)) == []
        wait_for(lambda: deleted_file_ids(fake_api) == api_ids, "the Files API deletes")
    finally:
        service.store.close()


def test_nobody_deletes_or_restores_another_persons_conversation(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    cid = chart_turn_with_upload(at, fake_api)
    service = open_service(load_settings())
    try:
        assert service.delete(cid, "someone-else") is False
        assert store.get_conversation(cid, LOCAL_OWNER) is not None
        assert service.delete(cid, LOCAL_OWNER) is True
        assert service.undo_delete(cid, "someone-else") is False
        assert store.get_conversation(cid, LOCAL_OWNER) is None
        assert service.undo_delete(cid, LOCAL_OWNER) is True
    finally:
        service.store.close()
