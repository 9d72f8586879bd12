"""The consumer's side of a running turn: a queue of events and a Stop button.

The worker thread puts events on the queue; the page, the CLI or a test takes them off at
its own pace. Stop shuts the HTTP connection down at once: the worker, blocked reading
the socket while code runs on the server, wakes up immediately instead of waiting for the
server's next event.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx2

from services.turn.events import TurnEvent, TurnFinished

if TYPE_CHECKING:
    from services.turn.saving import TurnSaver


def shut_connection(response: httpx2.Response) -> None:
    """Close a streaming response now, even while another thread is reading it.

    Closing a socket does not wake a thread blocked in recv on it; shutting it down does
    (and sends the server a FIN). Without a socket (a mock transport), close the response.
    """
    network_stream = response.extensions.get("network_stream")
    sock = network_stream.get_extra_info("socket") if network_stream is not None else None
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
            return
        except OSError:
            pass  # already closed: nothing left to interrupt
    response.close()


class TurnHandle:
    def __init__(self) -> None:
        self._queue: queue.Queue[TurnEvent] = queue.Queue()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._abort: Callable[[], None] | None = None
        self.saver: TurnSaver | None = None  # the turn's writes to the store, if it is stored

    # --- consumer side -----------------------------------------------------------------

    def get(self, timeout: float | None = None) -> TurnEvent | None:
        """The next event, or None if none arrived within `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def events(self) -> Iterator[TurnEvent]:
        """Every event as it arrives; ends after TurnFinished."""
        while True:
            event = self._queue.get()
            yield event
            if isinstance(event, TurnFinished):
                return

    def stop(self) -> None:
        """Close the HTTP stream now; the turn ends with TurnFinished(STOPPED)."""
        self._stop.set()
        with self._lock:
            if self._abort is not None:
                self._abort()

    @property
    def done(self) -> bool:
        """True once the turn has ended (its last writes are in the store or pending)."""
        return self._done.is_set()

    @property
    def saved(self) -> bool:
        """The store holds everything of the turn so far (false while it cannot be reached,
        or after it refused the turn for good)."""
        return self.saver is None or (self.saver.state.saved and not self.saver.pending)

    @property
    def settled(self) -> bool:
        """The turn has ended and nothing more of it will be written: stored, or given up."""
        return self.done and (self.saver is None or not self.saver.pending)

    def wait_saved(self, seconds: float) -> bool:
        """Wait up to `seconds` for the ended turn's last writes (the database may have gone
        away mid-turn); whether the store holds all of it. For callers about to let go of
        the turn, such as a command line about to exit."""
        deadline = time.monotonic() + seconds
        while not self.settled and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.saved

    # --- worker side -------------------------------------------------------------------

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def emit(self, event: TurnEvent) -> None:
        self._queue.put(event)

    def finish(self, event: TurnFinished) -> None:
        self._done.set()
        self._queue.put(event)

    def pause(self, seconds: float) -> bool:
        """Sleep unless Stop is pressed; True if it was."""
        return self._stop.wait(max(seconds, 0.0))

    def set_abort(self, abort: Callable[[], None] | None) -> bool:
        """Register how to cut the current stream; False (and cut now) if already stopped."""
        with self._lock:
            self._abort = abort
            if abort is not None and self._stop.is_set():
                abort()
                return False
        return True
