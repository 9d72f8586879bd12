"""Stop a turn that its open page no longer follows (Streamlit's own Stop was pressed).

The toolbar's Stop ends the script run that follows the turn, not the turn, which goes on
on its worker thread. A fragment with `run_every` keeps ticking in the browser after that
Stop (the timer lives in the page, and a stop does not clear it), while the ticks of a
closed tab never come. So each tick checks when a run last followed the turn: after a few
seconds without one, the person stopped the page, and the turn is stopped too; the page
is then run again, so it shows the stopped turn instead of the last frame of the live one.
A click reruns the page at once and follows again, so it never looks unfollowed. Only
public Streamlit API is used: `st.fragment(run_every=...)` and `st.rerun()`.
"""

from __future__ import annotations

import time

import streamlit as st

from components.live.view import LiveTurn
from components.session import session

GRACE_SECONDS = 3.0
TICK_SECONDS = 1.0


def unfollowed(live: LiveTurn, now: float, grace: float = GRACE_SECONDS) -> bool:
    """Nobody has followed the running turn for `grace` seconds."""
    return not live.handle.done and now - live.followed > grace


@st.fragment(run_every=TICK_SECONDS)
def watch_live_turn() -> None:
    """Drawn with the live turn: stops it once its page stopped following it."""
    live = session().live
    if live is not None and unfollowed(live, time.monotonic()):
        live.handle.stop()
        st.rerun(scope="app")
