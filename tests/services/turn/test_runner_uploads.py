"""Attachments: safe names, size limits, one upload per distinct content, container_upload."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from fake_anthropic import FakeAnthropic, Text, Turn
from services.conversation import Attachment
from services.files.uploads import FileTooLarge, check_sizes, sanitize_filename, unique_name
from services.settings import API_FILE_LIMIT_BYTES, load_settings
from services.turn.events import (
    ErrorKind,
    FileUploaded,
    StopReason,
    TurnError,
    UserMessageReady,
)
from tests.support.runner import Followed, finished, make_runner, of_type, run_turn, sent_note

MODEL = "claude-sonnet-5"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\sales.csv", "sales.csv"),
        ('bad<>:"|?*name.csv', "bad_______name.csv"),
        ("tab\tand\nnewline.txt", "tab_and_newline.txt"),
        ("..hidden", "hidden"),
        ("  spaced.csv  ", "spaced.csv"),
        ("invoice\u202egnp.exe", "invoice_gnp.exe"),  # a bidi override hiding the extension
        ("zero\u200bwidth\u0085next\u2028line.csv", "zero_width_next_line.csv"),
        ("half\ud800surrogate.csv", "half_surrogate.csv"),  # cannot be encoded at all
    ],
)
def test_filenames_are_never_trusted(given: str, safe: str) -> None:
    assert sanitize_filename(given) == safe


def test_empty_and_overlong_names() -> None:
    assert sanitize_filename("", "text/csv") == "upload.csv"
    assert sanitize_filename("../", "application/octet-stream").startswith("upload")
    long = sanitize_filename("x" * 400 + ".parquet")
    assert len(long) == 255 and long.endswith(".parquet")


def test_unique_names_within_a_conversation() -> None:
    assert unique_name("a.csv", set()) == "a.csv"
    assert unique_name("a.csv", {"a.csv", "a-2.csv"}) == "a-3.csv"
    longest = sanitize_filename("y" * 300 + ".csv")
    second = unique_name(longest, {longest})
    assert len(second) == 255 and second.endswith("-2.csv")


def test_every_size_is_checked_before_any_upload() -> None:
    check_sizes([Attachment("ok.csv", b"12345")], limit_bytes=5)
    with pytest.raises(FileTooLarge, match=r"big\.csv"):
        check_sizes([Attachment("ok.csv", b"1"), Attachment("big.csv", b"123456")], 5)
    with pytest.raises(FileTooLarge, match=r"is 3\.0 KB; files can be at most 2\.0 KB"):
        check_sizes([Attachment("k.csv", b"x" * 3072)], 2048)


def uploads(fake: FakeAnthropic) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/files"]


def test_a_file_is_uploaded_kept_and_attached_as_container_upload(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, blobs = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((Text("read it"),)))
    conversation = Followed(model=MODEL)
    data = b"month,sales\n1,10\n2,20\n"
    events = run_turn(runner, conversation, "Chart", [Attachment("../sales.csv", data, "text/csv")])
    [uploaded] = conversation.uploads.values()
    ready, file_uploaded = events[:2]
    assert ready == UserMessageReady(tuple(conversation.messages[0]["content"]))
    assert file_uploaded == FileUploaded(uploaded)
    stored = fake_api.files[uploaded.file_id]
    assert stored.data == data and stored.meta["filename"] == "sales.csv"
    assert uploaded.name == "sales.csv" and uploaded.size == len(data)
    assert blobs.get(uploaded.sha256) == data and uploaded.path.read_bytes() == data
    [body] = fake_api.message_requests()
    content = body["messages"][-1]["content"]
    assert content[0] == {"type": "container_upload", "file_id": uploaded.file_id}
    assert sent_note(content[1]) and "$INPUT_DIR/sales.csv" in content[1]["text"]
    assert sent_note(content[2]) and "Profile of $INPUT_DIR/sales.csv" in content[2]["text"]
    assert content[3] == {"type": "text", "text": "Chart"}


def test_the_same_bytes_under_two_names_are_uploaded_once(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((Text("one"),)), Turn((Text("two"),)))
    conversation = Followed(model=MODEL)
    data = b"a,b\n1,2\n"
    run_turn(
        runner, conversation, "both", [Attachment("first.csv", data), Attachment("copy.csv", data)]
    )
    events = run_turn(runner, conversation, "again", [Attachment("third.csv", data)])
    assert len(uploads(fake_api)) == 1
    [uploaded] = conversation.uploads.values()
    assert of_type(events, FileUploaded) == [FileUploaded(uploaded)]  # found, not re-sent
    block = {"type": "container_upload", "file_id": uploaded.file_id}
    first, second = (body["messages"][-1]["content"] for body in fake_api.message_requests())
    assert first.count(block) == 1 and second.count(block) == 1
    note = next(b["text"] for b in first if sent_note(b))
    assert "first.csv" in note and "'copy.csv'" in note


def test_the_same_name_with_other_bytes_is_a_second_upload(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((Text("one"),)), Turn((Text("two"),)))
    conversation = Followed(model=MODEL)
    run_turn(runner, conversation, "v1", [Attachment("data.csv", b"version 1\n")])
    run_turn(runner, conversation, "v2", [Attachment("data.csv", b"version 2\n")])
    assert len(uploads(fake_api)) == 2
    names = sorted(f.name for f in conversation.uploads.values())
    assert names == ["data-2.csv", "data.csv"]  # both stay reachable in $INPUT_DIR
    by_name = {f.name: f for f in conversation.uploads.values()}
    assert fake_api.files[by_name["data-2.csv"].file_id].data == b"version 2\n"


def test_a_file_over_the_limit_is_refused_before_anything_is_sent(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path, max_upload_bytes=1024)
    conversation = Followed(model=MODEL)
    small, big = Attachment("small.csv", b"1"), Attachment("huge.bin", b"x" * 2048)
    events = run_turn(runner, conversation, "analyse", [small, big])
    [error] = of_type(events, TurnError)
    assert error.kind == ErrorKind.FILE_TOO_LARGE
    assert "huge.bin" in error.message and "Nothing was sent" in error.message
    assert finished(events).stop_reason == StopReason.FAILED
    assert fake_api.requests == []
    assert not conversation.messages and not conversation.uploads


def test_an_attachment_without_text_is_sent_alone(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((Text("got it"),)))
    run_turn(runner, Followed(model=MODEL), "", [Attachment("a.txt", b"hi")])
    [body] = fake_api.message_requests()
    types = [b["type"] for b in body["messages"][-1]["content"]]
    assert types == ["container_upload", "text"]  # the upload and its note


def test_nothing_to_send_is_an_error_not_a_request(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    events = run_turn(runner, Followed(model=MODEL), "   ")
    assert of_type(events, TurnError)[0].kind == ErrorKind.BAD_REQUEST
    assert fake_api.requests == []


def test_the_upload_limit_setting() -> None:
    assert load_settings({"ASSISTANT_MAX_UPLOAD_MB": ""}).upload_limit_bytes == 200 * 1024**2
    assert load_settings({"ASSISTANT_MAX_UPLOAD_MB": "2"}).upload_limit_bytes == 2 * 1024**2
    big_server = load_settings({"ASSISTANT_MAX_UPLOAD_MB": "9000"}, server_upload_mb=9000)
    assert big_server.upload_limit_bytes == API_FILE_LIMIT_BYTES


def test_the_apis_500_mb_limit_holds_whatever_the_settings_allow(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(
        fake_client, tmp_path, max_upload_bytes=10 * API_FILE_LIMIT_BYTES, server_upload_mb=9000
    )
    # bytes(n) is zero pages the system maps lazily: no 500 MB are written.
    huge = Attachment("export.csv", bytes(API_FILE_LIMIT_BYTES + 1), "text/csv")
    events = run_turn(runner, Followed(model=MODEL), "analyse", [huge])
    [error] = of_type(events, TurnError)
    assert error.kind == ErrorKind.FILE_TOO_LARGE
    assert "export.csv" in error.message and "at most 500.0 MB" in error.message
    assert fake_api.requests == []


def test_hostile_names_reach_the_files_api_as_names_it_accepts(
    fake_api: FakeAnthropic, fake_client: anthropic.Anthropic, tmp_path: Path
) -> None:
    runner, _ = make_runner(fake_client, tmp_path)
    fake_api.enqueue(Turn((Text("one"),)))
    long_name = "quarterly " * 40 + ".csv"
    attachments = [
        Attachment(long_name, b"first\n", "text/csv"),
        Attachment(long_name, b"second\n", "text/csv"),  # same name, other bytes: renamed
        Attachment('../<evil>:"|?*\u202e\x07.txt', b"third\n", "text/plain"),
        Attachment("", b"fourth\n", "text/csv"),
    ]
    conversation = Followed(model=MODEL)
    events = run_turn(runner, conversation, "load", attachments)
    assert of_type(events, TurnError) == []  # the fake refuses what the Files API refuses
    names = sorted(f.meta["filename"] for f in fake_api.files.values())
    assert len(names) == 4 and len(set(names)) == 4
    assert all(0 < len(n) <= 255 for n in names)
    assert "upload.csv" in names and "_evil" + "_" * 8 + ".txt" in names
