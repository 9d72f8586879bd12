"""What every hardening test checks: the page's words, the streamed text kept, a reload
that shows the same, and the store holding every word the page showed (data lost: none)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from services.store import LOCAL_OWNER, Store
from tests.components.support import conversation_id, restore, texts, unescape


def said(app: AppTest) -> list[str]:
    """Every message the page shows to explain itself: errors, warnings, infos, captions."""
    shown = [*app.error, *app.warning, *app.info, *app.caption]
    return [str(e.value) for e in shown]


def mentions(app: AppTest, words: str) -> bool:
    """Whether the page says `words`, read as shown (model text and names are escaped)."""
    return any(words in unescape(line) for line in said(app))


def transcript(app: AppTest) -> list[tuple[str, list[str]]]:
    """Each chat message's author and its markdown, top to bottom."""
    return [(m.name, texts(m.markdown)) for m in app.chat_message]


def stored_text(store: Store, cid: str) -> str:
    """All the text blocks the store holds for the conversation, joined."""
    found: list[str] = []
    for message in store.load_messages(cid, LOCAL_OWNER):
        content = message.content
        if isinstance(content, str):
            found.append(content)
            continue
        found.extend(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return "\n".join(found)


def reload_matches(app: AppTest, store: Store, streamed: list[str]) -> AppTest:
    """A fresh session on the conversation's link shows what the page showed, and the store
    holds every piece of `streamed` (the text that reached the page before the fault)."""
    cid = conversation_id(app)
    reloaded = restore(cid)
    assert not reloaded.exception
    assert transcript(reloaded) == transcript(app)
    held = stored_text(store, cid)
    for piece in streamed:
        assert piece in held, f"lost from the store: {piece!r}"
    return reloaded


def no_crash(app: AppTest) -> None:
    assert not app.exception
    assert not any("Something went wrong" in str(e.value) for e in app.error)
