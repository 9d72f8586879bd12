"""Savers of finished turns that could not write everything, retried by one thread.

After a turn ends, a saver with writes still pending (the store went away) is added
here; one thread per process retries every few seconds until each one has written all.
"""

from __future__ import annotations

import threading
import time

from services.turn.saving import OFFLINE_RETRY_SECONDS, TurnSaver


class PendingSaves:
    """Savers of finished turns that could not write everything: one thread retries them."""

    def __init__(self, interval: float = OFFLINE_RETRY_SECONDS) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._savers: list[TurnSaver] = []
        self._thread: threading.Thread | None = None

    def add(self, saver: TurnSaver) -> None:
        with self._lock:
            self._savers.append(saver)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pending-saves", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            with self._lock:
                savers = list(self._savers)
            done = [saver for saver in savers if saver.retry()]
            with self._lock:
                self._savers = [s for s in self._savers if s not in done]
                if not self._savers:
                    self._thread = None
                    return


PENDING_SAVES = PendingSaves()
