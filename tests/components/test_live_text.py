"""The live answer's text sends bytes in proportion to its length, however often it is redrawn.

A stand-in turn hands out a long markdown answer in small deltas, a batch per redraw; the
page's live view follows it to its end in an AppTest run, and every markdown element it
sends is counted. Redrawing the whole text each time would send about
redraws x length / 2 bytes (some megabytes here); finished blocks sent once each keep it to a
small multiple of the answer.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

DELTAS = 2000
BATCH = 10  # deltas between two redraws: 200 redraws
SENT_KEY = "markdown_bytes_sent"


def _live_script(deltas: int, batch: int, thinking: bool, given: str = "") -> None:  # copied
    # into a script by AppTest, which runs the function's body alone
    import streamlit as st

    import components.live.view as live_view
    from bench.measure import count_sent
    from services.turn.events import StopReason, TextDelta, ThinkingDelta, TurnFinished

    paragraph = (
        "Sales rose **{n}%**, led by the north.\n\n"
        "- mean: {n}.4\n- median: {n}.1\n\n"
        "```python\nprint({n})\n\nprint({n} * 2)\n```\n\n"
    )
    text = given or "".join(paragraph.format(n=n) for n in range(deltas * 10 // len(paragraph)))
    chunks = [text[i : i + 10] for i in range(0, len(text), 10)]
    events: list[object] = [TextDelta(int(thinking), chunk) for chunk in chunks]
    if thinking:  # the same text thought first, drawn in the Thinking expander
        events[:0] = [ThinkingDelta(0, chunk) for chunk in chunks]
    events.append(TurnFinished(StopReason.END_TURN, ({"type": "text", "text": text},)))

    class BatchedHandle:
        """Hands out `batch` events, then nothing, so each pull ends in one redraw."""

        def __init__(self) -> None:
            self.next = 0

        def get(self, timeout: float | None = None) -> object:
            self.next += 1
            if self.next % (batch + 1) == 0 or not events:
                return None
            return events.pop(0)

        def stop(self) -> None:
            events.clear()

    saved, live_view.REDRAW_SECONDS = live_view.REDRAW_SECONDS, 0.0  # redraw after every pull
    live = live_view.LiveTurn(BatchedHandle(), live_view.Prompt("Summarise"), base_len=0)
    try:
        with count_sent() as sent:
            assert live_view.render_live_turn(live, steps_expanded=False)
    finally:
        live_view.REDRAW_SECONDS = saved
    st.session_state["markdown_bytes_sent"] = (sent.markdown_bytes, text, len(chunks))


def test_the_live_text_sends_bytes_linear_in_the_answer() -> None:
    app = AppTest.from_function(_live_script, args=(DELTAS, BATCH, False), default_timeout=60)
    app.run()
    assert not app.exception
    sent, answer, chunks = app.session_state[SENT_KEY]
    assert chunks // BATCH >= 150  # redrawn often enough for a whole-text redraw to show
    assert sent <= 3 * len(answer.encode())
    # What is left on the page is the answer, block by block: nothing lost, nothing doubled.
    shown = [m.value for m in app.markdown if m.value != "Summarise"]
    assert len(shown) > 100
    assert "\n\n".join(shown) == answer.strip()


def test_live_thinking_is_drawn_block_by_block_in_its_expander() -> None:
    app = AppTest.from_function(_live_script, args=(200, 5, True), default_timeout=60)
    app.run()
    assert not app.exception
    sent, answer, _ = app.session_state[SENT_KEY]
    assert sent <= 2 * 3 * len(answer.encode())  # thought and said: twice the text
    (thinking,) = app.expander
    assert thinking.label == "Thinking"
    thought = [m.value for m in thinking.markdown]
    assert len(thought) > 5
    assert "\n\n".join(thought) == answer.strip()
    said = [m.value for m in app.markdown if m.value != "Summarise"][len(thought) :]
    assert "\n\n".join(said) == answer.strip()


def test_a_live_text_with_link_references_ends_as_one_element() -> None:
    # A definition applies to the whole text: the blocks drawn before it give way to one.
    text = "".join(f"Point {n} cites [the docs][d].\n\n" for n in range(30))
    text += "[d]: https://example.com/docs\n\nLast words.\n"
    app = AppTest.from_function(_live_script, args=(0, 5, False, text), default_timeout=60)
    app.run()
    assert not app.exception
    said = [m.value for m in app.markdown if m.value != "Summarise"]
    assert said == [text.strip()]
