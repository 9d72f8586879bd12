"""The media guard's parts that need no server: the bounded grant registry, the digest
cache, and reading a media path and a Cookie header (the browser test signs in for real)."""

from __future__ import annotations

from components.media_access import DigestCache, MediaGrants, content_digest
from components.media_guard import media_file_name, parse_cookies


def test_a_grant_is_for_one_owner_and_one_content():
    grants = MediaGrants()
    grants.grant("sub:a", content_digest(b"alice's table"))
    assert grants.allows("sub:a", content_digest(b"alice's table"))
    assert not grants.allows("sub:b", content_digest(b"alice's table"))
    assert not grants.allows("sub:a", content_digest(b"another table"))


def test_grants_are_bounded_and_the_oldest_go_first():
    grants = MediaGrants(limit=2)
    for name in ("one", "two", "three"):
        grants.grant("sub:a", name)
    grants.grant("sub:a", "two")  # used again: now the newest
    grants.grant("sub:a", "four")
    assert not grants.allows("sub:a", "one")
    assert not grants.allows("sub:a", "three")
    assert grants.allows("sub:a", "two") and grants.allows("sub:a", "four")


def test_the_digest_cache_is_bounded():
    cache = DigestCache(limit=1)
    assert cache.digest("f1", b"x") == content_digest(b"x")
    assert cache.digest("f2", b"y") == content_digest(b"y")
    assert cache.digest("f1", b"z") == content_digest(b"z")  # f1 was dropped: hashed anew


def test_only_media_paths_name_a_file():
    assert media_file_name("/media/abc123.png") == "abc123.png"
    assert media_file_name("/mediafile") is None
    assert media_file_name("/") is None
    assert media_file_name("/_stcore/health") is None
    assert media_file_name("/static/js/main.js") is None


def test_cookie_headers_are_read_and_an_empty_one_is_empty():
    assert parse_cookies('_streamlit_user="a.b.c"; other=1') == {
        "_streamlit_user": "a.b.c",
        "other": "1",
    }
    assert parse_cookies("") == {}
