"""The conversation store, on SQLite and (when configured) PostgreSQL: one suite for both."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC
from pathlib import Path

import pytest

from fake_anthropic.validation import validate_history
from services.files.blobs import sha256_of
from services.settings import load_settings
from services.store import (
    ConversationNotFound,
    FileDirection,
    FileNotFound,
    MessageNotFound,
    MessageStatus,
    Role,
    StoredFile,
    StoreError,
    open_store,
)
from services.turn.prompt import app_note
from services.turn.repair import repair_history

# The fixtures this module uses, bound here so pytest finds them (no plugin needed).

MODEL = "claude-sonnet-5"
ALICE = "alice@example.com"
BOB = "bob@example.com"
CSV = b"month,sales\nJan,50\nFeb,70\n"
PNG = b"\x89PNG\r\n\x1a\n-chart-bytes"


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def new_file(file_id: str, data: bytes, **fields) -> tuple[StoredFile, bytes]:
    """A file to record and its bytes, for `store.add_file(conversation_id, *new_file(...))`."""
    digest = sha256_of(data)
    path = Path("/nowhere") / digest  # the store says where the bytes are
    return StoredFile(file_id, size=len(data), sha256=digest, path=path, **fields), data


def upload(file_id: str, data: bytes = CSV, name: str = "sales.csv", position: int = 0):
    return new_file(
        file_id,
        data,
        direction=FileDirection.UPLOADED,
        name=name,
        mime_type="text/csv",
        message_position=position,
    )


def produced(file_id: str, data: bytes = PNG, step_id: str = "srvtoolu_01", position: int = 1):
    return new_file(
        file_id,
        data,
        direction=FileDirection.PRODUCED,
        name="chart.png",
        mime_type="image/png",
        message_position=position,
        step_id=step_id,
    )


ASSISTANT_TURN = [
    {"type": "thinking", "thinking": "Plot it.", "signature": "EqQBsig=="},
    text("I'll chart it."),
    {
        "type": "server_tool_use",
        "id": "srvtoolu_01",
        "name": "bash_code_execution",
        "input": {"command": 'python plot.py && cp chart.png "$OUTPUT_DIR/"'},
        "caller": {"type": "direct"},
    },
    {
        "type": "bash_code_execution_tool_result",
        "tool_use_id": "srvtoolu_01",
        "content": {
            "type": "bash_code_execution_result",
            "stdout": "saved\n",
            "stderr": "",
            "return_code": 0,
            "content": [{"type": "bash_code_execution_output", "file_id": "file_png"}],
        },
    },
    text("Done: **chart.png**."),
]


# --- conversations -------------------------------------------------------------------


def test_a_new_conversation_is_empty_and_untitled(store):
    created = store.create_conversation(ALICE, MODEL)
    assert created.owner == ALICE and created.model == MODEL
    assert created.title is None
    assert created.cost_usd == 0.0 and created.unpriced_tokens == 0
    assert created.container_id is None and created.container_expires_at is None
    assert created.created_at.tzinfo is not None
    assert created.created_at.utcoffset().total_seconds() == 0
    assert store.get_conversation(created.id, ALICE) == created
    assert store.load_messages(created.id, ALICE) == []


def test_messages_keep_their_positions_content_and_status(store):
    conversation = store.create_conversation(ALICE, MODEL)
    first = store.append_message(conversation.id, Role.USER, [text("Chart the sales")])
    second = store.append_message(
        conversation.id, "assistant", ASSISTANT_TURN, MessageStatus.COMPLETE, model=MODEL
    )
    assert (first, second) == (0, 1)
    rows = store.load_messages(conversation.id, ALICE)
    assert [row.position for row in rows] == [0, 1]
    assert [row.role for row in rows] == [Role.USER, Role.ASSISTANT]
    assert rows[1].model == MODEL and rows[0].model is None
    # Byte for byte, key order included: the history is resent for prompt caching.
    assert json.dumps(rows[1].content) == json.dumps(ASSISTANT_TURN)
    assert rows[1].to_api() == {"role": "assistant", "content": ASSISTANT_TURN}
    assert store.load_messages(conversation.id, ALICE, start=1) == rows[1:]


def test_plain_string_content_is_stored_as_one_text_block(store):
    conversation = store.create_conversation(ALICE, MODEL)
    store.append_message(conversation.id, "user", "What is in this file?")
    [row] = store.load_messages(conversation.id, ALICE)
    assert row.content == [text("What is in this file?")]


@pytest.mark.parametrize(
    "role, content, status",
    [
        ("system", [text("x")], "complete"),
        ("user", [text("x")], "done"),
        ("user", [{"text": "no type"}], "complete"),
        ("user", ["not a block"], "complete"),
    ],
)
def test_invalid_messages_are_refused(store, role, content, status):
    conversation = store.create_conversation(ALICE, MODEL)
    with pytest.raises(ValueError):
        store.append_message(conversation.id, role, content, status)
    assert store.load_messages(conversation.id, ALICE) == []


def test_the_recorder_updates_the_message_in_progress(store):
    conversation = store.create_conversation(ALICE, MODEL)
    store.append_message(conversation.id, "user", [text("Chart it")])
    position = store.append_message(
        conversation.id, "assistant", [text("I'll")], MessageStatus.IN_PROGRESS
    )
    store.update_message(conversation.id, position, ASSISTANT_TURN[:3], "in_progress")
    store.update_message(conversation.id, position, ASSISTANT_TURN, MessageStatus.STOPPED)
    row = store.load_messages(conversation.id, ALICE)[position]
    assert row.content == ASSISTANT_TURN
    assert row.status is MessageStatus.STOPPED
    assert row.updated_at >= row.created_at
    assert store.list_conversations(ALICE, search="chart.png") != []
    with pytest.raises(MessageNotFound):
        store.update_message(conversation.id, 7, [text("x")], "complete")


def test_writes_to_a_missing_conversation_are_refused(store):
    with pytest.raises(ConversationNotFound):
        store.append_message("nope", "user", [text("hello")])
    with pytest.raises(ConversationNotFound):
        store.update_container("nope", "container_1", None)
    with pytest.raises(ConversationNotFound):
        store.add_cost("nope", 0.5)
    with pytest.raises(ConversationNotFound):
        store.add_file("nope", upload("file_1"))


# --- titles --------------------------------------------------------------------------


def test_the_first_message_names_the_conversation_on_one_line(store):
    conversation = store.create_conversation(ALICE, MODEL)
    long_text = (
        "Find   what drives churn\nin this CSV, and chart the top five factors by importance please"
    )
    store.append_message(conversation.id, "user", [text(long_text)])
    title = store.get_conversation(conversation.id, ALICE).title
    assert "\n" not in title and "  " not in title
    assert title.startswith("Find what drives churn in this CSV")
    assert title.endswith("…") and len(title) <= 61
    store.append_message(conversation.id, "assistant", [text("Sure")])
    store.append_message(conversation.id, "user", [text("Another question")])
    assert store.get_conversation(conversation.id, ALICE).title == title


def test_app_notes_and_files_do_not_name_a_conversation(store):
    conversation = store.create_conversation(ALICE, MODEL)
    note = app_note("Input files are in $INPUT_DIR.")
    store.append_message(
        conversation.id, "user", [note, {"type": "container_upload", "file_id": "file_1"}]
    )
    assert store.get_conversation(conversation.id, ALICE).title is None
    store.append_message(conversation.id, "assistant", [text("What should I do with it?")])
    store.append_message(conversation.id, "user", [note, text("Summarise it")])
    assert store.get_conversation(conversation.id, ALICE).title == "Summarise it"


def test_a_chosen_title_is_kept(store):
    named = store.create_conversation(ALICE, MODEL, title="  Q3   sales ")
    assert named.title == "Q3 sales"
    store.append_message(named.id, "user", [text("Chart it")])
    assert store.get_conversation(named.id, ALICE).title == "Q3 sales"
    renamed = store.rename(named.id, ALICE, "Quarterly\nsales")
    assert renamed.title == "Quarterly sales"
    with pytest.raises(ValueError):
        store.rename(named.id, ALICE, "   ")


def test_the_model_can_change(store):
    conversation = store.create_conversation(ALICE, MODEL)
    assert store.set_model(conversation.id, ALICE, "claude-opus-5").model == "claude-opus-5"


# --- listing and search --------------------------------------------------------------


def _conversation_with(store, owner: str, message: str):
    conversation = store.create_conversation(owner, MODEL)
    store.append_message(conversation.id, "user", [text(message)])
    return conversation


def test_conversations_are_listed_newest_activity_first(store):
    old = _conversation_with(store, ALICE, "first")
    new = _conversation_with(store, ALICE, "second")
    assert [c.id for c in store.list_conversations(ALICE)] == [new.id, old.id]
    store.append_message(old.id, "assistant", [text("back to this one")])
    assert [c.id for c in store.list_conversations(ALICE)] == [old.id, new.id]
    assert [c.id for c in store.list_conversations(ALICE, limit=1)] == [old.id]


def test_search_finds_titles_and_text_inside_messages(store):
    sales = _conversation_with(store, ALICE, "Chart the monthly sales")
    churn = _conversation_with(store, ALICE, "What drives churn?")
    store.append_message(churn.id, "assistant", [text("Tenure and Ümlaut-Preise matter most.")])
    store.rename(sales.id, ALICE, "Revenue report")

    def found(query):
        return {c.id for c in store.list_conversations(ALICE, search=query)}

    assert found("revenue") == {sales.id}  # title, any case
    assert found("MONTHLY") == {sales.id}  # message text, any case
    assert found("tenure") == {churn.id}  # the assistant's words count too
    assert found("ümlaut-preise") == {churn.id}
    assert found("churn tenure") == {churn.id}  # every word, anywhere in the conversation
    assert found("churn monthly") == set()
    assert found("") == {sales.id, churn.id}
    assert found("nothing like this") == set()


def test_search_wildcards_are_plain_characters(store):
    percent = _conversation_with(store, ALICE, "growth of 100% this year")
    _conversation_with(store, ALICE, "growth of 1000 units")
    underscore = _conversation_with(store, ALICE, "column total_sales")
    _conversation_with(store, ALICE, "column totalXsales")
    assert [c.id for c in store.list_conversations(ALICE, search="100%")] == [percent.id]
    assert [c.id for c in store.list_conversations(ALICE, search="total_sales")] == [underscore.id]
    assert store.list_conversations(ALICE, search="\\") == []


def test_search_finds_renamed_titles_in_any_alphabet(store):
    conversation = _conversation_with(store, ALICE, "chart it")
    store.rename(conversation.id, ALICE, "ÄRGER im Büro: ÉTÉ-Umsätze")
    named = store.create_conversation(ALICE, MODEL, title="Ölpreise ÅRET")

    def found(query):
        return {c.id for c in store.list_conversations(ALICE, search=query)}

    assert found("ärger") == {conversation.id}
    assert found("été-umsätze büro") == {conversation.id}
    assert found("ÖLPREISE året") == {named.id}
    store.rename(conversation.id, ALICE, "Plain title")
    assert found("ärger") == set()


HOSTILE_TERMS = [
    "'",
    "it's",
    '"quoted"',
    ";",
    "--",
    "'; DROP TABLE conversations; --",
    "' OR '1'='1",
    "') OR 1=1 --",
    "%' OR owner LIKE '%",
    "\\%",
    "_%_",
    "*",
    "$1",
    ":owner",
    "%(owner)s",
]


@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_search_terms_are_only_ever_text(store, term):
    theirs = _conversation_with(store, BOB, f"bob writes {term} too")
    mine = _conversation_with(store, ALICE, f"alice writes {term} here")
    _conversation_with(store, ALICE, "nothing special")
    # Each word of the term is matched literally, in the owner's conversations only.
    assert [c.id for c in store.list_conversations(ALICE, search=term)] == [mine.id]
    assert [c.id for c in store.list_conversations(BOB, search=term)] == [theirs.id]
    assert store.list_conversations(ALICE, search=f"{term} absent") == []
    # Nothing was dropped or rewritten along the way.
    assert len(store.list_conversations(ALICE)) == 2
    assert store.load_messages(mine.id, ALICE)[0].content == [text(f"alice writes {term} here")]


def test_hostile_ids_titles_and_names_are_only_ever_text(store):
    hostile = "x' OR '1'='1'; DROP TABLE files; --"
    mine = _conversation_with(store, ALICE, "private numbers")
    store.add_file(mine.id, *upload("file_alice"))
    renamed = store.rename(mine.id, ALICE, hostile)
    assert renamed.title == hostile
    named = store.add_file(mine.id, *upload("file_named", name=f"{hostile}.csv"))
    assert named.name == f"{hostile}.csv" and store.blobs.root in named.path.parents
    for owner in (BOB, hostile, "' OR ''='"):
        assert store.get_conversation(mine.id, owner) is None
        assert store.get_file("file_alice", owner) is None
        assert store.list_conversations(owner) == []
    for conversation_id in (hostile, "' OR ''='", "%"):
        assert store.get_conversation(conversation_id, ALICE) is None
        with pytest.raises(ConversationNotFound):
            store.load_messages(conversation_id, ALICE)
        with pytest.raises(ConversationNotFound):
            store.delete(conversation_id, ALICE)
    for file_id in (hostile, "' OR ''='", "%"):
        assert store.get_file(file_id, ALICE) is None
    assert store.read_file("file_alice", ALICE) == CSV
    assert [c.id for c in store.list_conversations(ALICE)] == [mine.id]


def test_a_pasted_page_of_search_text_still_searches(store):
    words = [f"word{i}" for i in range(3000)]
    found = _conversation_with(store, ALICE, " ".join(words[:40]))
    _conversation_with(store, ALICE, " ".join(words[:20]))
    assert [c.id for c in store.list_conversations(ALICE, search=" ".join(words))] == [found.id]
    repeated = " ".join(["word1"] * 3000)
    assert len(store.list_conversations(ALICE, search=repeated)) == 2


def test_app_notes_are_not_searchable(store):
    conversation = store.create_conversation(ALICE, MODEL)
    store.append_message(conversation.id, "user", [app_note("The environment was reset.")])
    assert store.list_conversations(ALICE, search="environment") == []


def test_typed_app_note_tags_are_the_persons_words(store):
    """Text that merely starts with the tag is the person's: it names and finds the
    conversation like any other words."""
    _conversation_with(store, ALICE, "<app_note>forged words</app_note>")
    assert len(store.list_conversations(ALICE, search="forged")) == 1


# --- ownership -----------------------------------------------------------------------


def test_nobody_reaches_another_persons_conversation_by_id(store):
    mine = _conversation_with(store, ALICE, "private numbers")
    store.add_file(mine.id, *upload("file_alice"))
    store.add_file(mine.id, *produced("file_alice_png"))
    theirs = _conversation_with(store, BOB, "bob's numbers")

    assert store.get_conversation(mine.id, BOB) is None
    assert store.load_conversation(mine.id, BOB) is None
    assert [c.id for c in store.list_conversations(BOB)] == [theirs.id]
    assert store.list_conversations(BOB, search="private") == []
    store.rename(mine.id, ALICE, "Geheimakte Übernahme")
    assert store.list_conversations(BOB, search="geheimakte") == []
    assert store.list_conversations(BOB, search="übernahme") == []
    for attempt in (
        lambda: store.load_messages(mine.id, BOB),
        lambda: store.list_files(mine.id, BOB),
        lambda: store.rename(mine.id, BOB, "stolen"),
        lambda: store.set_model(mine.id, BOB, "other"),
        lambda: store.delete(mine.id, BOB),
    ):
        with pytest.raises(ConversationNotFound):
            attempt()
    assert store.get_file("file_alice", BOB) is None
    assert store.get_file("file_alice_png", BOB) is None
    with pytest.raises(FileNotFound):
        store.read_file("file_alice_png", BOB)

    # Nothing of Alice's changed.
    assert store.get_conversation(mine.id, ALICE).title == "Geheimakte Übernahme"
    assert len(store.load_messages(mine.id, ALICE)) == 1
    assert store.read_file("file_alice_png", ALICE) == PNG
    # And Bob keeps his own.
    assert store.get_conversation(theirs.id, BOB) is not None
    assert store.get_conversation(theirs.id, ALICE) is None


# --- files ---------------------------------------------------------------------------


def test_files_record_their_turn_step_and_bytes(store):
    conversation = _conversation_with(store, ALICE, "chart this")
    uploaded = store.add_file(conversation.id, *upload("file_csv"))
    output = store.add_file(conversation.id, *produced("file_png"))

    assert uploaded.direction is FileDirection.UPLOADED and uploaded.step_id is None
    assert output.direction is FileDirection.PRODUCED
    assert (output.message_position, output.step_id) == (1, "srvtoolu_01")
    assert output.sha256 == sha256_of(PNG) and output.size == len(PNG)
    assert output.path.read_bytes() == PNG
    assert store.read_file("file_csv", ALICE) == CSV
    assert store.get_file("file_png", ALICE) == output
    assert [f.id for f in store.list_files(conversation.id, ALICE)] == ["file_csv", "file_png"]


def test_recording_a_file_twice_keeps_one_row(store):
    conversation = _conversation_with(store, ALICE, "chart this")
    first = store.add_file(conversation.id, *produced("file_png"))
    again = store.add_file(conversation.id, *produced("file_png"))
    assert again == first
    assert len(store.list_files(conversation.id, ALICE)) == 1
    other = _conversation_with(store, ALICE, "another")
    with pytest.raises(StoreError):
        store.add_file(other.id, *produced("file_png"))


def test_missing_bytes_are_put_back_when_a_file_is_recorded_again(store):
    conversation = _conversation_with(store, ALICE, "chart this")
    row = store.add_file(conversation.id, *produced("file_png"))
    row.path.unlink()
    with pytest.raises(FileNotFound):
        store.read_file("file_png", ALICE)
    store.add_file(conversation.id, *produced("file_png"))
    assert store.read_file("file_png", ALICE) == PNG


def test_bytes_cut_short_are_replaced_when_a_file_is_recorded_again(store):
    conversation = _conversation_with(store, ALICE, "chart this")
    row = store.add_file(conversation.id, *produced("file_png"))
    row.path.write_bytes(PNG[:3])  # what a crash before the bytes reached the disk leaves
    other = _conversation_with(store, BOB, "same chart")
    store.add_file(other.id, *produced("file_bob_png"))
    assert store.read_file("file_png", ALICE) == PNG
    assert store.read_file("file_bob_png", BOB) == PNG


def test_names_with_odd_characters_are_kept_as_text(store):
    conversation = _conversation_with(store, ALICE, "nul \x00 inside")
    row = store.add_file(conversation.id, *upload("file_odd", name="../../etc/pa\x00sswd.csv"))
    assert row.name == "../../etc/passwd.csv"
    assert store.blobs.root in row.path.parents
    [message] = store.load_messages(conversation.id, ALICE)
    assert message.content == [text("nul \x00 inside")]
    assert store.get_conversation(conversation.id, ALICE).title == "nul inside"


# --- deleting ------------------------------------------------------------------------


def test_delete_removes_rows_and_returns_the_api_file_ids(store):
    conversation = _conversation_with(store, ALICE, "chart this")
    store.add_file(conversation.id, *produced("file_png"))
    store.add_file(conversation.id, *upload("file_csv"))
    png_path = store.get_file("file_png", ALICE).path

    assert store.delete(conversation.id, ALICE) == ["file_csv", "file_png"]
    assert store.get_conversation(conversation.id, ALICE) is None
    assert store.get_file("file_csv", ALICE) is None
    assert store.list_conversations(ALICE) == []
    assert not png_path.exists()
    with pytest.raises(ConversationNotFound):
        store.delete(conversation.id, ALICE)


def test_bytes_another_file_uses_stay_until_the_last_one_goes(store):
    alice = _conversation_with(store, ALICE, "chart this")
    bob = _conversation_with(store, BOB, "same data")
    store.add_file(alice.id, *upload("file_alice", data=CSV))
    store.add_file(bob.id, *upload("file_bob", data=CSV))
    path = store.get_file("file_bob", BOB).path

    store.delete(alice.id, ALICE)
    assert path.read_bytes() == CSV
    assert store.read_file("file_bob", BOB) == CSV
    store.delete(bob.id, BOB)
    assert not path.exists()


def test_bytes_survive_a_delete_racing_another_persons_upload(store, store_settings):
    other = open_store(store_settings)
    try:
        for round_number in range(4):
            alice = _conversation_with(store, ALICE, f"round {round_number}")
            store.add_file(alice.id, *upload(f"file_alice_{round_number}", data=CSV))
            bob = _conversation_with(other, BOB, f"round {round_number}")
            _run_together(
                [
                    lambda alice=alice: store.delete(alice.id, ALICE),
                    lambda bob=bob, n=round_number: other.add_file(
                        bob.id, *upload(f"file_bob_{n}", data=CSV)
                    ),
                ]
            )
            assert store.read_file(f"file_bob_{round_number}", BOB) == CSV
            assert store.get_file(f"file_alice_{round_number}", ALICE) is None
            other.delete(bob.id, BOB)
            assert not store.blobs.exists(sha256_of(CSV))
    finally:
        other.close()


# --- container and cost --------------------------------------------------------------


def test_container_and_cost_are_kept(store):
    conversation = store.create_conversation(ALICE, MODEL)
    store.update_container(conversation.id, "container_011", "2026-10-22T10:15:04.512345Z")
    store.add_cost(conversation.id, 0.25)
    store.add_cost(conversation.id, 0.125, unpriced_tokens=300)
    row = store.get_conversation(conversation.id, ALICE)
    assert row.container_id == "container_011"
    assert row.container_expires_at == "2026-10-22T10:15:04.512345Z"
    assert row.container_updated_at is not None and row.container_updated_at.tzinfo is not None
    assert row.cost_usd == pytest.approx(0.375)
    assert row.unpriced_tokens == 300
    store.update_container(conversation.id, None, None)
    assert store.get_conversation(conversation.id, ALICE).container_id is None
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            store.add_cost(conversation.id, bad)


# --- continuing after a restart ------------------------------------------------------


def _full_conversation(store):
    conversation = store.create_conversation(ALICE, MODEL)
    store.append_message(
        conversation.id,
        "user",
        [text("Chart this"), {"type": "container_upload", "file_id": "file_csv"}],
    )
    store.add_file(conversation.id, *upload("file_csv"))
    store.append_message(conversation.id, "assistant", ASSISTANT_TURN, model=MODEL)
    store.add_file(conversation.id, *produced("file_png"))
    store.update_container(conversation.id, "container_011", "2026-10-22T10:15:04Z")
    store.add_cost(conversation.id, 0.5, unpriced_tokens=12)
    return conversation


def test_a_stored_conversation_becomes_the_runners_conversation(store):
    stored = _full_conversation(store)
    conversation = store.load_conversation(stored.id, ALICE)

    assert conversation.id == stored.id and conversation.model == MODEL
    assert conversation.messages == (
        {
            "role": "user",
            "content": [text("Chart this"), {"type": "container_upload", "file_id": "file_csv"}],
        },
        {"role": "assistant", "content": ASSISTANT_TURN, "model": MODEL},
    )
    assert conversation.container_id == "container_011"
    assert conversation.container_expires_at == "2026-10-22T10:15:04Z"
    assert conversation.container_last_used is not None
    assert conversation.cost_usd == pytest.approx(0.5) and conversation.unpriced_tokens == 12

    upload_row = store.get_file("file_csv", ALICE)
    assert dict(conversation.uploads) == {
        sha256_of(CSV): StoredFile(
            file_id="file_csv",
            name="sales.csv",
            mime_type="text/csv",
            size=len(CSV),
            sha256=sha256_of(CSV),
            path=upload_row.path,
            direction=FileDirection.UPLOADED,
            message_position=0,
        )
    }
    output = conversation.outputs["file_png"]
    assert output.direction is FileDirection.PRODUCED
    assert (output.name, output.step_id, output.sha256) == (
        "chart.png",
        "srvtoolu_01",
        sha256_of(PNG),
    )
    assert output.path.read_bytes() == PNG


def test_a_conversation_survives_reopening_the_store(store, store_settings):
    stored = _full_conversation(store)
    before = store.load_conversation(stored.id, ALICE)
    store.close()
    with open_store(store_settings) as reopened:
        assert reopened.load_conversation(stored.id, ALICE) == before
        assert reopened.read_file("file_png", ALICE) == PNG


def test_a_turn_stopped_mid_step_reloads_into_a_history_the_api_accepts(store, store_settings):
    conversation = _conversation_with(store, ALICE, "Chart the sales")
    position = store.append_message(
        conversation.id, "assistant", ASSISTANT_TURN[:1], MessageStatus.IN_PROGRESS
    )
    # Stopped while the code ran: the call is stored, its result never came.
    store.update_message(conversation.id, position, ASSISTANT_TURN[:3], MessageStatus.STOPPED)
    store.close()
    with open_store(store_settings) as reopened:
        restored = reopened.load_conversation(conversation.id, ALICE)
    sent_as = [{"role": m["role"], "content": m["content"]} for m in restored.messages]
    history = [*sent_as, {"role": "user", "content": [text("Try again")]}]
    sent = repair_history(history)
    assert validate_history({"messages": sent}) is None
    assert sent[1]["content"][:3] == ASSISTANT_TURN[:3]
    assert sent[1]["content"][3]["content"]["error_code"] == "unavailable"


def test_the_default_database_is_a_file_in_the_data_dir(tmp_path):
    settings = load_settings({"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    with open_store(settings) as opened:
        conversation = _conversation_with(opened, "local", "hello")
        opened.add_file(conversation.id, *upload("file_csv"))
    assert (tmp_path / "data" / "assistant.db").is_file()
    assert (tmp_path / "data" / "files" / sha256_of(CSV)[:2] / sha256_of(CSV)).is_file()


def test_a_new_sqlite_database_opens_while_another_process_writes(tmp_path):
    # A database another program made in rollback-journal mode, mid-write: switching it
    # to WAL must wait for that writer (as two servers opening a new database together
    # do), not fail at once with "database is locked".
    path = tmp_path / "data" / "assistant.db"
    path.parent.mkdir()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE other (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO other VALUES (1)")
    opened = threading.Event()
    results: list = []

    def open_it():
        try:
            settings = load_settings({"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
            with open_store(settings) as store:
                results.append(store.create_conversation(ALICE, MODEL).id)
        except BaseException as error:  # re-raised in the test thread
            results.append(error)
        opened.set()

    thread = threading.Thread(target=open_it)
    thread.start()
    assert not opened.wait(timeout=0.5), "opened while the writer still held the lock"
    writer.execute("COMMIT")
    writer.close()
    thread.join(timeout=60)
    [result] = results
    assert isinstance(result, str), result
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- several servers at once ---------------------------------------------------------


def _run_together(workers: list) -> list:
    """Start every worker at the same moment; return their results (errors re-raised)."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index, work):
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as error:  # re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_servers_appending_together_get_distinct_positions(store, store_settings):
    conversation = store.create_conversation(ALICE, MODEL)
    servers = [store, open_store(store_settings)]
    try:
        workers = [
            lambda i=i: servers[i % 2].append_message(conversation.id, "user", [text(f"m{i}")])
            for i in range(8)
        ]
        positions = _run_together(workers)
    finally:
        servers[1].close()
    assert sorted(positions) == list(range(8))
    rows = store.load_messages(conversation.id, ALICE)
    assert {row.content[0]["text"] for row in rows} == {f"m{i}" for i in range(8)}


def test_costs_added_together_all_count(store, store_settings):
    conversation = store.create_conversation(ALICE, MODEL)
    other = open_store(store_settings)
    try:
        servers = [store, other]
        _run_together(
            [lambda i=i: servers[i % 2].add_cost(conversation.id, 0.25, 1) for i in range(8)]
        )
    finally:
        other.close()
    row = store.get_conversation(conversation.id, ALICE)
    assert row.cost_usd == pytest.approx(2.0) and row.unpriced_tokens == 8


def test_timestamps_are_utc(store):
    conversation = _conversation_with(store, ALICE, "hello")
    [message] = store.load_messages(conversation.id, ALICE)
    assert message.created_at.tzinfo is not None
    assert message.created_at.astimezone(UTC) == message.created_at


def test_why_an_output_file_is_missing_comes_back_with_the_conversation(store) -> None:
    row = store.create_conversation(ALICE, MODEL)
    store.append_message(row.id, Role.USER, [text("make it")])
    position = store.append_message(row.id, Role.ASSISTANT, [text("ok")])
    store.set_output_failure(row.id, position, "file_a", "first try")
    store.set_output_failure(row.id, position, "file_a", "Could not save a.csv: the disk is full.")
    loaded = store.load_conversation(row.id, ALICE)
    assert loaded.output_failures == {"file_a": "Could not save a.csv: the disk is full."}
    assert store.load_conversation(row.id, BOB) is None
    store.delete(row.id, ALICE)
    with store.engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT count(*) FROM output_failures").scalar_one()
    assert left == 0
