"""A large attachment is hashed, stored and uploaded a chunk at a time, never held whole.

The stores are given streams that refuse a read without a size, and the upload is
measured with tracemalloc against a fake API in a process of its own (so the fake's copy
of what it received is not counted): the peak stays far below the file's size.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from services.conversation import Attachment
from services.files.blobs import CHUNK_BYTES, BlobStore, sha256_of_stream
from services.files.uploads import attachment_digest, prepare_uploads, upload_file

ROOT = Path(__file__).resolve().parents[3]
BIG = 24 * 1024 * 1024


class BoundedReads(io.BytesIO):
    """A buffer that refuses to hand over everything at once, as a whole-file copy would."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > CHUNK_BYTES:
            raise AssertionError(f"read({size}) would copy the whole file")
        return super().read(size)

    def getvalue(self) -> bytes:
        raise AssertionError("getvalue() hands the whole file to the caller")


def test_a_stream_is_stored_under_its_digest_in_bounded_reads(tmp_path: Path) -> None:
    data = bytes(range(256)) * 20_000  # 5 MB: several chunks
    kept = BlobStore(tmp_path).put_stream(BoundedReads(data))
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    assert kept.size == len(data)
    assert kept.path.read_bytes() == data
    assert sha256_of_stream(BoundedReads(data)) == (kept.sha256, len(data))


def test_the_same_stream_again_keeps_one_copy_and_no_temporary_file(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put_stream(io.BytesIO(b"month,sales\nJan,50\n"))
    second = store.put_stream(io.BytesIO(b"month,sales\nJan,50\n"))
    assert first == second
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [first.path]


def test_a_copy_cut_short_is_replaced_by_the_whole_stream(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = b"a,b\n1,2\n" * 1000
    digest = hashlib.sha256(data).hexdigest()
    store.path_for(digest).parent.mkdir(parents=True)
    store.path_for(digest).write_bytes(data[:10])  # a crash before the bytes reached disk
    assert store.put_stream(io.BytesIO(data)).path.read_bytes() == data


def test_an_attachment_reads_its_buffer_without_copying_it() -> None:
    data = b"x" * BIG
    attachment = Attachment("big.csv", io.BytesIO(data), "text/csv")
    tracemalloc.start()
    try:
        assert attachment.size == BIG
        with attachment.open() as first, attachment.open() as second:
            first.read(10)
            assert second.read(3) == b"xxx"  # each reader has its own position
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    """A fake API in a process of its own: what it keeps of an upload is not ours."""
    server = subprocess.Popen(
        [sys.executable, "-m", "fake_anthropic", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_uploading_a_large_file_never_holds_it_whole(tmp_path: Path, api_url: str) -> None:
    data = b"id,region,amount\n" + b"1024,north,12.50\n" * (BIG // 17)
    attachment = Attachment("sales.csv", io.BytesIO(data), "text/csv")
    client = anthropic.Anthropic(api_key="test-key", base_url=api_url, max_retries=0)
    blobs = BlobStore(tmp_path)
    known = {}
    tracemalloc.start()
    try:
        upload = lambda name, a: upload_file(client, blobs, name, a)  # noqa: E731
        prepared = prepare_uploads([attachment], known, upload)
        again = prepare_uploads([attachment], known, upload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    stored = prepared[0].file
    with client:
        assert client.files.retrieve_metadata(stored.file_id).size_bytes == len(data)
    assert again[0].reused and again[0].file == stored
    assert stored.sha256 == attachment_digest(attachment) == hashlib.sha256(data).hexdigest()
    assert stored.path.read_bytes() == data
    assert peak < len(data) / 8, f"peak {peak:,} bytes for a {len(data):,}-byte file"
