"""Stop a turn that its open page no longer follows (Streamlit's own Stop was pressed).

The toolbar's Stop ends the script run that follows the turn, not the turn, which goes on
on its worker thread. A fragment with `run_every` keeps ticking in the browser after that
Stop (the timer lives in the page, and a stop does not clear it), while the ticks of a
closed tab never come. So each tick checks when a run last followed the turn: after a few
seconds without one, the person stopped the page, and the turn is stopped too; the page
is then run again, so it shows the stopped turn instead of the last frame of the live one.
A click reruns the page at once and follows again, so it never looks unfollowed. The
watch uses only public Streamlit API: `st.fragment(run_every=...)` and `st.rerun()`.

The turn itself is followed inside the page's turn fragment, and Streamlit runs a click
or a message sent in a fragment only once the run in progress has ended: it never
interrupts a run for one. `click_waiting` tells the run following the turn that one
waits (Stop, a queued message), so it ends and the fragment runs again at once, with the
click's callback, and follows on. Streamlit has no public call for a waiting request;
it is read from the run's request queue (ScriptRequests), held to Streamlit 1.67 by the
browser tests of Stop and of a message sent while an answer is written.
"""

from __future__ import annotations

import time

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import (
    ThreadState,
    get_script_run_ctx,
)

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


def current_fragment_id() -> str | None:
    """The fragment whose body is running (None in a full run outside fragments)."""
    return ThreadState.get().fragment_id


def click_waiting(fragment_id: str | None) -> bool:
    """A rerun of `fragment_id` (or of the whole page) waits for this run to end."""
    ctx = get_script_run_ctx()
    requests = getattr(ctx, "script_requests", None)
    if getattr(requests, "_state", None) is not ScriptRequestType.RERUN:
        return False
    waiting = getattr(requests, "_rerun_data", None)
    queue = list(getattr(waiting, "fragment_id_queue", None) or [])
    queue.append(getattr(waiting, "fragment_id", None))
    # A rerun of the whole page interrupts the run by itself; this is for the others.
    return fragment_id is not None and fragment_id in queue
