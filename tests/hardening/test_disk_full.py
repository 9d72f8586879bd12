"""The disk full while an output file is saved: the page says the file could not be saved,
the rest of the answer is kept, nothing crashes, and a reload shows the same.

`real`: a small tmpfs that `.ci/run` mounts (its path in ASSISTANT_TEST_FULL_DISK), filled
before the turn, as the app's files folder. Without the variable (a laptop) that case
skips; under CI=true it fails. `simulated`: the blob store raises ENOSPC, everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fake_anthropic import CodeStep, FakeAnthropic, Hold, OutFile, Text, Turn, sales_csv
from services.files.blobs import BlobStore
from services.store import LOCAL_OWNER, Store
from services.turn.failures import DISK_FULL_MESSAGE
from tests.components.support import (
    assistant,
    follow_briefly,
    page_session,
    rerun_until,
    send,
    texts,
    user_message,
)
from tests.hardening.support import mentions, no_crash, reload_matches

FULL_DISK_ENV = "ASSISTANT_TEST_FULL_DISK"
NOT_SAVED = "Could not save summary.csv on this server: the disk is full."


def fill(folder: Path) -> Path:
    """Write one file into `folder` until the file system has no space left."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def full_tmpfs_files_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    mount = os.environ.get(FULL_DISK_ENV)
    if not mount:
        reason = f"{FULL_DISK_ENV} is not set (.ci/run mounts a small tmpfs for this test)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert os.path.ismount(mount), f"{FULL_DISK_ENV}={mount} is not a mounted file system"
    own = Path(tempfile.mkdtemp(dir=mount))
    files_dir = own / "files"
    files_dir.mkdir()
    monkeypatch.setenv("ASSISTANT_FILES_DIR", str(files_dir))
    fill(own)
    try:
        yield
    finally:
        shutil.rmtree(own)


def simulated_full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def put(self: BlobStore, data: bytes) -> tuple[str, Path]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(BlobStore, "put", put)
    yield


@pytest.fixture(params=["real", "simulated"])
def full_disk(request: pytest.FixtureRequest, env: Path, monkeypatch: pytest.MonkeyPatch):
    make = full_tmpfs_files_dir if request.param == "real" else simulated_full_disk
    yield from make(monkeypatch)


def test_a_full_disk_loses_only_the_file_and_says_so(
    full_disk: None, at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    made = OutFile("summary.csv", sales_csv() * 64, "text/csv")  # larger than the space left
    step = CodeStep("python", {"code": "df.to_csv('summary.csv')"}, stdout="ok\n", files=(made,))
    turn = Turn((Text("Writing the file."), step, Hold("after-file"), Text("All done.")))
    fake_api.enqueue(turn)
    follow_briefly(at)
    at.run()
    send(at, "make a file")
    assert fake_api.wait_held("after-file", timeout=10)
    rerun_until(at, lambda app: mentions(app, NOT_SAVED))  # said while the answer goes on
    no_crash(at)
    fake_api.release("after-file")
    page_session(at).follow_idle_seconds = None
    at.run()
    no_crash(at)
    assert texts(assistant(at).markdown) == ["Writing the file.", "All done."]
    # Drawn from the store now, and after a reload: the same reason, not a vaguer one.
    assert mentions(at, NOT_SAVED)
    assert page_session(at).conversation.outputs == {}
    reloaded = reload_matches(at, store, ["make a file", "Writing the file.", "All done."])
    assert mentions(reloaded, NOT_SAVED)


def test_an_attachment_on_a_full_disk_is_said_and_the_message_kept(
    full_disk: None, at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    at.run()
    composer = at.chat_input(key="composer").set_value("Use this table")
    composer.upload("sales.csv", sales_csv() * 64, "text/csv").run()
    no_crash(at)  # it once said "Something went wrong in the app: OSError"
    assert mentions(at, DISK_FULL_MESSAGE)
    assert fake_api.message_requests() == [] and fake_api.files == {}
    assert user_message(at).markdown[0].value == "Use this table"
    assert [b.key for b in at.button if b.key == "send_again"] == ["send_again"]
    assert store.list_conversations(LOCAL_OWNER) == []  # nothing was sent, nothing stored
