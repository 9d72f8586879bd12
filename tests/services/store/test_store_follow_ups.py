"""Follow-up questions in the store: kept with their answer, back after a reload, gone with
their conversation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.settings import Settings
from services.store import ConversationNotFound, Store, open_store
from services.store.schema import message_follow_ups

OWNER = "ada@example.com"


def answered(store: Store) -> str:
    row = store.create_conversation(OWNER, "claude-sonnet-5")
    store.append_message(row.id, "user", "Chart it")
    store.append_message(row.id, "assistant", "Done", model="claude-sonnet-5")
    return row.id


def test_questions_come_back_after_a_reload_in_order(
    store: Store, store_settings: Settings
) -> None:
    cid = answered(store)
    store.set_follow_ups(cid, 1, ["Zeta first?", "Alpha second?", "Naïve\x00 third?"])
    store.close()
    with open_store(store_settings) as reopened:
        conversation = reopened.load_conversation(cid, OWNER)
    assert conversation is not None
    assert conversation.follow_ups == {1: ("Zeta first?", "Alpha second?", "Naïve third?")}


def test_writing_again_replaces_and_each_answer_keeps_its_own(store: Store) -> None:
    cid = answered(store)
    store.append_message(cid, "user", "Again")
    store.append_message(cid, "assistant", "Again done", model="claude-sonnet-5")
    store.set_follow_ups(cid, 1, ["Old?"])
    store.set_follow_ups(cid, 1, ["New?", "Newer?"])  # a retried write lands once
    store.set_follow_ups(cid, 3, ["Later?"])
    loaded = store.load_conversation(cid, OWNER)
    assert loaded is not None and loaded.follow_ups == {1: ("New?", "Newer?"), 3: ("Later?",)}


def test_they_go_with_their_conversation(store: Store) -> None:
    cid = answered(store)
    store.set_follow_ups(cid, 1, ["Gone soon?"])
    store.delete(cid, OWNER)
    with store.engine.connect() as connection:
        left = connection.execute(sa.select(sa.func.count()).select_from(message_follow_ups))
        assert left.scalar_one() == 0
    with pytest.raises(ConversationNotFound):
        store.set_follow_ups(cid, 1, ["Too late?"])
