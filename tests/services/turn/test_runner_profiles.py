"""An attached table is profiled on the turn's worker: Claude gets the profile as an app
note in the request, and the store keeps it with the file for the page after a reload."""

from __future__ import annotations

from fake_anthropic import Text, Turn
from services.conversation import Attachment
from services.store import open_store
from services.tables.columns import ColumnKind
from services.turn.events import APP_NOTE_KEY, FileUploaded
from tests.services.turn.test_saving import OWNER, new_conversation, open_runner
from tests.support.runner import of_type, read_all, sent_note

MESSY = (
    'zip;amount;day\n08123;"1.234,50";2024-01-05\n10115;7,00;05/01/2024\n10115;7,00;05/01/2024\n'
)


def test_the_profile_reaches_claude_and_the_store(fake_api, store_settings):
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    fake_api.enqueue(Turn((Text("Read it."),)), Turn((Text("Again."),)))
    attachment = Attachment("messy.csv", MESSY.encode("cp1252"), "text/csv")
    events = read_all(runner.start(conversation, "Clean it", [attachment], store=store))

    [uploaded] = of_type(events, FileUploaded)
    profile = uploaded.file.profile
    assert profile is not None and (profile.delimiter, profile.tables[0].rows) == (";", 3)
    [body] = fake_api.message_requests()
    content = body["messages"][-1]["content"]
    notes = [b["text"] for b in content if sent_note(b)]
    [note] = [n for n in notes if "Profile of $INPUT_DIR/messy.csv" in n]
    assert "semicolon-separated" in note and "1 duplicated rows" in note
    assert "'zip' (identifier" in note and "dtype={'zip': str, 'amount': str}" in note
    assert not any(APP_NOTE_KEY in b for b in content)  # the stored mark is not sent
    assert content[-1] == {"type": "text", "text": "Clean it"}

    reopened = open_store(store_settings)
    (row,) = reopened.list_conversations(OWNER)
    [stored] = reopened.list_files(row.id, OWNER)
    assert stored.profile == profile
    kinds = [c.kind for c in stored.profile.tables[0].columns]
    assert kinds == [ColumnKind.IDENTIFIER, ColumnKind.NUMBER_AS_TEXT, ColumnKind.DATE]

    # Sent again in the next turn: uploaded once, profiled once, the note sent again.
    restored = reopened.load_conversation(row.id, OWNER)
    read_all(runner.start(restored, "And again", [attachment], store=reopened))
    assert len(fake_api.files) == 1
    again = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert any("Profile of $INPUT_DIR/messy.csv" in b.get("text", "") for b in again)


def test_a_file_that_is_not_a_table_still_goes_with_the_reason(fake_api, store_settings):
    store, runner = open_runner(fake_api, store_settings)
    conversation = new_conversation(store)
    fake_api.enqueue(Turn((Text("It is binary."),)))
    attachment = Attachment("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/csv")
    events = read_all(runner.start(conversation, "What is this?", [attachment], store=store))
    [uploaded] = of_type(events, FileUploaded)
    assert uploaded.file.profile is not None and "binary" in uploaded.file.profile.error
    content = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert any("could not be read as a table by the app" in b.get("text", "") for b in content)
    assert {"type": "container_upload", "file_id": uploaded.file.file_id} in content
