"""Hostile model output on the page (AppTest): it is all drawn without a crash, active
files are offered as downloads only, names stay literal, a 5 MB stdout is clipped with a
way to get all of it, and a reload draws the same. The browser test
(`test_hostile_browser.py`) proves nothing the model wrote is live in a real browser."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fake_anthropic import FakeAnthropic
from services.store import Store
from tests.components.support import assistant, send, texts
from tests.hardening.hostile import (
    BIG_STDOUT,
    HTML_NAME,
    SVG_NAME,
    hostile_turn,
)
from tests.hardening.support import mentions, no_crash, reload_matches


def download_labels(app: AppTest) -> list[str]:
    return [str(b.proto.label) for b in app.get("download_button")]


def test_hostile_output_is_inert_clipped_and_reloads_the_same(
    at: AppTest, fake_api: FakeAnthropic, store: Store
) -> None:
    fake_api.enqueue(hostile_turn())
    at.run()
    send(at, "show me everything")
    no_crash(at)
    answer = assistant(at)
    assert texts(answer.markdown)[-1] == "Done."
    # Active content is never drawn: no image of the SVG, only downloads for both.
    labels = " ".join(download_labels(at))
    assert SVG_NAME in labels and HTML_NAME in labels
    assert not at.get("imgs")
    # A name full of markdown is shown escaped, so it reads as written.
    named = [label for label in download_labels(at) if "bold" in label]
    assert named and all(r"\[" in label and "[x](" not in label for label in named)
    assert "Download full stdout" in labels
    # 5 MB of stdout: the page shows a part and offers all of it.
    shown = [c.value for c in at.code if "xxxx" in c.value]
    assert shown and all(len(s) < len(BIG_STDOUT) // 10 for s in shown)
    assert mentions(at, "Showing the first 200 of 52,429 lines.")
    reload_matches(at, store, ["show me everything", "Done."])
