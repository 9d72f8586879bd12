"""Bad inputs on the page: each file is attached through the composer and the message
sent; the page never crashes, says plainly what it could not read, sends the file, and a
reload shows the same. Oversized files are refused with nothing sent; long and empty
messages are handled whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic, Text, Turn
from services.store import LOCAL_OWNER, Store
from tests.components.support import send, texts, unescape, user_message
from tests.hardening.inputs import (
    HOSTILE_NAMES,
    binary_bytes,
    latin1_csv,
    million_row_csv,
    ragged_csv,
    utf16_csv,
)
from tests.hardening.support import no_crash, reload_matches

ASK = "Look at this file"
SEEN = "Seen it."

# name -> (file name, bytes maker, what the page must show about it)
FILES: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    "0-byte": ("empty.csv", lambda _: b"", "Could not read"),
    "binary named .csv": ("photo.csv", lambda _: binary_bytes(), "Could not read"),
    "UTF-16": ("utf16.csv", lambda _: utf16_csv(), "08123"),
    "Latin-1": ("latin1.csv", lambda _: latin1_csv(), "Málaga"),
    "ragged": ("ragged.csv", lambda _: ragged_csv(), ""),
    "1,000,000 rows": ("million.csv", million_row_csv, "1,000,000 rows"),
}


def shown(app: AppTest) -> str:
    """Everything drawn in the first user message, as a person reads it."""
    message = user_message(app)
    parts = [*texts(message.markdown), *texts(message.caption), *texts(message.warning)]
    parts += [df.value.to_csv(index=False) for df in message.dataframe]
    return unescape("\n".join(parts))


def attach_and_send(app: AppTest, name: str, data: bytes, text: str = ASK) -> AppTest:
    composer = app.chat_input(key="composer").set_value(text)
    return composer.upload(name, data, "text/csv").run()


@pytest.mark.parametrize("kind", FILES.keys())
def test_a_bad_file_is_sent_and_said_plainly(
    at: AppTest, fake_api: FakeAnthropic, store: Store, tmp_path: Path, kind: str
) -> None:
    name, make, expected = FILES[kind]
    data = make(tmp_path)
    fake_api.enqueue(Turn((Text(SEEN),)))
    at.run()
    attach_and_send(at, name, data)
    no_crash(at)
    page = shown(at)
    assert name in page and "Traceback" not in page
    assert expected in page
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("container_upload") == 1
    assert [f.data for f in fake_api.files.values()] == [data]  # sent as given, byte for byte
    reloaded = reload_matches(at, store, [ASK, SEEN])
    assert shown(reloaded) == page


def test_hostile_names_are_shown_literally_and_sent_as_plain_names(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((Text(SEEN),)))
    at.run()
    composer = at.chat_input(key="composer").set_value(ASK)
    for index, name in enumerate(HOSTILE_NAMES):
        composer.upload(name, f"a,b\n{index},2\n".encode(), "text/csv")
    composer.run()
    no_crash(at)
    sent_names = sorted(f.meta["filename"] for f in fake_api.files.values())
    assert len(sent_names) == len(HOSTILE_NAMES)
    for sent in sent_names:
        assert "/" not in sent and "\\" not in sent and not sent.startswith(".")
        assert not any(c in sent for c in "<>\t\n\u202e")
    chips = "\n".join(m for m in texts(user_message(at).markdown) if "badge[" in m)
    assert "<img" not in chips.replace("\\<", "")  # markup is escaped, never live
    assert "](javascript:" not in chips and ":red[RED]" not in chips
    reload_matches(at, store, [ASK, SEEN])


def test_duplicates_upload_once_per_content_and_keep_both_names(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(Turn((Text(SEEN),)))
    at.run()
    composer = at.chat_input(key="composer").set_value(ASK)
    composer.upload("data.csv", b"a,b\n1,2\n", "text/csv")
    composer.upload("data.csv", b"a,b\n3,4\n", "text/csv")  # same name, other bytes
    composer.upload("copy.csv", b"a,b\n1,2\n", "text/csv")  # same bytes, other name
    composer.run()
    no_crash(at)
    assert sorted(f.meta["filename"] for f in fake_api.files.values()) == [
        "data-2.csv",
        "data.csv",
    ]
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("container_upload") == 2
    reload_matches(at, store, [ASK, SEEN])


def test_a_file_over_the_limit_is_refused_and_nothing_is_sent(
    at: AppTest, fake_api: FakeAnthropic, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "1")
    at.run()
    attach_and_send(at, "big.csv", b"1,2\n" * 300_000)
    no_crash(at)
    assert any("too large" in e.value and "big.csv" in e.value for e in at.error)
    assert fake_api.message_requests() == [] and fake_api.files == {}
    assert at.chat_input(key="composer").value == ASK  # given back to send again
    assert store.list_conversations(LOCAL_OWNER) == []


def test_a_200000_character_message_is_sent_and_shown_whole(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    long_text = ("All the monthly figures, line by line. " * 5200)[:199_999] + "."
    fake_api.enqueue(Turn((Text(SEEN),)))
    at.run()
    send(at, long_text)
    no_crash(at)
    sent = fake_api.message_requests()[-1]["messages"][-1]["content"]
    assert [b["text"] for b in sent if b["type"] == "text"] == [long_text]
    assert user_message(at).markdown[0].value == long_text
    reloaded = reload_matches(at, store, [long_text, SEEN])
    assert user_message(reloaded).markdown[0].value == long_text


def test_an_empty_message_sends_nothing(at: AppTest, fake_api: FakeAnthropic) -> None:
    at.run()
    send(at, "")
    no_crash(at)
    send(at, "   \n  ")
    no_crash(at)
    assert fake_api.message_requests() == []
    assert not at.chat_message and "c" not in at.query_params
