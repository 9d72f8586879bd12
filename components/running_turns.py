"""The turns running in this server process, by conversation, shared by every session.

A stored answer still marked in progress is being written only if its conversation has
a running turn here; otherwise the process that wrote it went away (a killed or
restarted server) and the answer was interrupted. A second tab on the same conversation
must not start a turn while the first one's runs.
"""

from __future__ import annotations

import threading

import streamlit as st

from services.turn.handle import TurnHandle


class RunningTurns:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[str, TurnHandle] = {}

    def add(self, conversation_id: str, handle: TurnHandle) -> None:
        with self._lock:
            # Finished turns are dropped here too, so the map holds only running ones.
            for finished in [cid for cid, h in self._handles.items() if h.done]:
                del self._handles[finished]
            self._handles[conversation_id] = handle

    def is_running(self, conversation_id: str) -> bool:
        with self._lock:
            handle = self._handles.get(conversation_id)
            if handle is not None and handle.done:
                del self._handles[conversation_id]  # finished: forget it
                handle = None
        return handle is not None


@st.cache_resource(show_spinner=False)
def running_turns() -> RunningTurns:
    return RunningTurns()
