"""Conversations belong to the person signed in: the page never shows, lists, serves or
deletes another person's, even with its id in the URL.

AppTest stands in for Streamlit authentication through `at.user`: with `is_logged_in`
in it, st.user looks as it does when an [auth] section is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.app_services import OwnedFiles
from components.sidebar.account import owner_id
from components.sidebar.conversations import menu_key
from fake_anthropic import FakeAnthropic, Text, Turn
from services.store import LOCAL_OWNER, FileNotFound, Store
from tests.components.support import (
    assistant,
    conversation_id,
    listed,
    new_app,
    sales_turn,
    send,
    stop_live,
    texts,
)

ISSUER = "https://id.example.com"
ALICE = {"is_logged_in": True, "sub": "alice-1", "iss": ISSUER, "name": "Alice", "email": "a@x"}
BOB = {"is_logged_in": True, "sub": "bob-2", "iss": ISSUER, "name": "Bob", "email": "b@x"}


@pytest.fixture
def apps(env: Path) -> Iterator[Callable[[dict], AppTest]]:
    """Browser sessions, each signed in as the given user."""
    made: list[AppTest] = []

    def make(user: dict) -> AppTest:
        app = new_app()
        app.user = dict(user)
        made.append(app)
        return app

    yield make
    for app in made:
        stop_live(app)


def alice_conversation(apps, fake: FakeAnthropic) -> tuple[AppTest, str]:
    fake.enqueue(sales_turn())
    alice = apps(ALICE).run()
    send(alice, "Alice's private sales chart")
    assert not alice.exception
    return alice, conversation_id(alice)


def test_a_conversation_belongs_to_the_signed_in_person(
    apps,
    fake_api: FakeAnthropic,
    store: Store,
) -> None:
    alice, cid = alice_conversation(apps, fake_api)
    owner = owner_id(ALICE)
    assert store.get_conversation(cid, owner) is not None
    assert store.get_conversation(cid, LOCAL_OWNER) is None
    assert "Signed in as Alice" in " ".join(texts(alice.sidebar.caption))
    assert [b.key for b in alice.sidebar.button if b.key == "logout"] == ["logout"]


def test_another_person_opening_the_link_sees_not_found(
    apps,
    fake_api: FakeAnthropic,
    downloads,
) -> None:
    _, cid = alice_conversation(apps, fake_api)
    assert downloads  # Alice's page offered her files
    downloads.clear()

    bob = apps(BOB)
    bob.query_params["c"] = cid
    bob.run()
    assert not bob.exception
    assert "Conversation not found." in bob.warning[0].value
    assert "c" not in bob.query_params
    assert not bob.chat_message
    assert listed(bob) == []
    assert not bob.get("download_button") and not downloads  # nothing of Alice's to fetch
    page = " ".join(texts(bob.markdown) + texts(bob.caption) + texts(bob.sidebar.button))
    assert "Alice's private" not in page


def test_lists_are_per_person(apps, fake_api: FakeAnthropic) -> None:
    alice_conversation(apps, fake_api)
    fake_api.enqueue(Turn((Text("Bob's answer."),)))
    bob = apps(BOB).run()
    assert listed(bob) == []
    send(bob, "Bob's own question")
    assert listed(bob) == ["Bob's own question"]
    alice = apps(ALICE).run()
    assert listed(alice) == ["Alice's private sales chart"]


def test_nobody_reads_another_persons_file(
    apps,
    fake_api: FakeAnthropic,
    store: Store,
) -> None:
    _, cid = alice_conversation(apps, fake_api)
    chart = next(f for f in store.list_files(cid, owner_id(ALICE)) if f.name.endswith(".png"))
    assert OwnedFiles(store, owner_id(ALICE)).read(chart.id) == chart.path.read_bytes()
    with pytest.raises(FileNotFound):
        OwnedFiles(store, owner_id(BOB)).read(chart.id)
    with pytest.raises(FileNotFound):
        OwnedFiles(store, LOCAL_OWNER).read(chart.id)


def test_a_new_sign_in_on_the_same_session_drops_the_last_persons_conversation(
    apps,
    fake_api: FakeAnthropic,
    downloads,
) -> None:
    session, _ = alice_conversation(apps, fake_api)
    downloads.clear()
    session.user = dict(BOB)
    session.run()
    assert not session.exception
    assert not session.chat_message
    assert listed(session) == []
    assert "Conversation not found." in session.warning[0].value  # the URL still named it
    assert not downloads


def test_nobody_deletes_or_renames_another_persons_conversation(
    apps,
    fake_api: FakeAnthropic,
    store: Store,
) -> None:
    _, cid = alice_conversation(apps, fake_api)
    bob = apps(BOB).run()
    # Bob's page offers no button for it; a forged widget state still finds nothing.
    bob.session_state[menu_key(cid)] = True
    bob.run()
    assert not [b for b in bob.sidebar.button if b.key and cid in b.key]
    owner = owner_id(ALICE)
    assert store.get_conversation(cid, owner) is not None
    assert len(store.list_files(cid, owner)) == 3


def test_signed_out_sees_only_the_log_in_button(apps, fake_api: FakeAnthropic) -> None:
    alice, cid = alice_conversation(apps, fake_api)
    visitor = apps({"is_logged_in": False})
    visitor.query_params["c"] = cid
    visitor.run()
    assert not visitor.exception
    assert [b.label for b in visitor.button] == ["Log in"]
    assert not visitor.chat_message and not visitor.chat_input
    assert listed(visitor) == []

    alice.button(key="logout").click().run()
    assert not alice.exception
    assert alice.user == {"is_logged_in": False}
    assert [b.label for b in alice.button] == ["Log in"]
    assert not alice.chat_message


def test_without_authentication_everything_is_the_local_owners(
    env: Path,
    fake_api: FakeAnthropic,
    store: Store,
) -> None:
    fake_api.enqueue(Turn((Text("Hi."),)))
    app = new_app()  # AppTest's default user has no is_logged_in: no authentication
    app.run()
    send(app, "hello")
    assert assistant(app).markdown[0].value == "Hi."
    assert store.get_conversation(conversation_id(app), LOCAL_OWNER) is not None
    assert not [b for b in app.button if b.key in ("login", "logout")]


def test_owner_ids_are_stable_and_distinct() -> None:
    assert owner_id(ALICE) == owner_id({**ALICE, "name": "Alice B."})
    assert owner_id(ALICE) != owner_id({**ALICE, "iss": "https://other.example.com"})
    assert owner_id({"email": "A@X.org "}) == "email:a@x.org"
    assert owner_id({"name": "no id"}) is None
    assert LOCAL_OWNER not in {owner_id(ALICE), owner_id({"sub": LOCAL_OWNER})}
