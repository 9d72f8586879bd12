"""Stop a turn that its open page no longer follows.

Streamlit's own Stop (the toolbar's, or any stop of the script run) ends the run that
was following the turn but not the turn, which goes on on its worker thread. A rerun
(a click) starts following again within moments. So when nobody has followed the turn
for a few seconds while the browser session is still connected, the person stopped the
page: the turn is stopped too, and the page is run again so that it shows the stopped turn
instead of the last frame of the live one (a spinner and a Stop button that no longer
stop anything). A closed tab is not connected, and its turn runs to its end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from streamlit import runtime
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

GRACE_SECONDS = 3.0
POLL_SECONDS = 0.5


def _this_session() -> tuple[Runtime, str] | None:
    """The runtime and this browser session's id; None outside a running server."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return None
    return runtime.get_instance(), ctx.session_id


def session_connected() -> Callable[[], bool] | None:
    """A check for this browser session's connection; None outside a running server."""
    session = _this_session()
    if session is None:
        return None
    instance, session_id = session
    return lambda: instance.is_active_session(session_id) is True


def session_rerun() -> Callable[[], None] | None:
    """A request to run this browser session's page again; None outside a running server.

    Made the way Streamlit reruns a page whose source changed: with the session's last
    client state (its URL), no widget input, so nothing the person clicked fires again.
    """
    session = _this_session()
    if session is None:
        return None
    instance, session_id = session

    def rerun() -> None:
        info = instance._session_mgr.get_active_session_info(session_id)
        if info is not None:
            info.session.request_rerun(info.session._client_state)

    return rerun


def watch(
    done: Callable[[], bool],
    followed: Callable[[], float],
    connected: Callable[[], bool],
    stop: Callable[[], None],
    grace: float = GRACE_SECONDS,
    poll: float = POLL_SECONDS,
    rerun: Callable[[], None] | None = None,
) -> threading.Thread:
    """Call `stop` once if the turn is unfollowed for `grace` seconds while connected,
    then `rerun` (if given) so the page draws the stopped turn."""

    def run() -> None:
        while not done():
            time.sleep(poll)
            if time.monotonic() - followed() > grace and connected():
                stop()
                if rerun is not None:
                    rerun()
                return

    thread = threading.Thread(target=run, name="turn-follow-watch", daemon=True)
    thread.start()
    return thread
