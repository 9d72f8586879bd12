"""The content-addressed store keeps bytes once, atomically, and never trusts names."""

import pytest

from services.files.blobs import BlobStore, sha256_of


def test_same_bytes_are_stored_once(tmp_path):
    store = BlobStore(tmp_path)
    first = store.put(b"month,sales\nJan,50\n")
    second = store.put(b"month,sales\nJan,50\n")
    assert first == second
    assert store.get(first[0]) == b"month,sales\nJan,50\n"
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_digest_is_sha256_and_path_stays_inside(tmp_path):
    store = BlobStore(tmp_path)
    digest, path = store.put(b"\x89PNG")
    assert digest == sha256_of(b"\x89PNG")
    assert tmp_path in path.parents


@pytest.mark.parametrize("bad", ["../../etc/passwd", "abc", "Z" * 64])
def test_non_digest_names_are_refused(tmp_path, bad):
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path_for(bad)


def test_delete_removes_bytes(tmp_path):
    store = BlobStore(tmp_path)
    digest, _ = store.put(b"x")
    store.delete(digest)
    assert not store.exists(digest)
