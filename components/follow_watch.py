"""Stop a turn that its open page no longer follows.

Streamlit's own Stop (the toolbar's, or any stop of the script run) ends the run that
was following the turn but not the turn, which goes on on its worker thread. A rerun
(a click) starts following again within moments. So when nobody has followed the turn
for a few seconds while the browser session is still connected, the person stopped the
page: the turn is stopped too. A closed tab is not connected, and its turn runs to its end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

GRACE_SECONDS = 3.0
POLL_SECONDS = 0.5


def session_connected() -> Callable[[], bool] | None:
    """A check for this browser session's connection; None outside a running server."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return None
    session_id = ctx.session_id
    instance = runtime.get_instance()
    return lambda: instance.is_active_session(session_id) is True


def watch(
    done: Callable[[], bool],
    followed: Callable[[], float],
    connected: Callable[[], bool],
    stop: Callable[[], None],
    grace: float = GRACE_SECONDS,
    poll: float = POLL_SECONDS,
) -> threading.Thread:
    """Call `stop` once if the turn is unfollowed for `grace` seconds while connected."""

    def run() -> None:
        while not done():
            time.sleep(poll)
            if time.monotonic() - followed() > grace and connected():
                stop()
                return

    thread = threading.Thread(target=run, name="turn-follow-watch", daemon=True)
    thread.start()
    return thread
