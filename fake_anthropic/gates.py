"""Synchronisation points between a test and the fake's request threads.

A `Gate` holds a stream at a named point until the test releases it; the stream thread
watches its socket meanwhile, so a client that goes away is noticed (and recorded)
without any further event being written. `DownloadHold` makes the next downloads wait
until enough of them are in flight at once, proving a client downloads concurrently.
"""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field

POLL_SECONDS = 0.05


@dataclass
class Gate:
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)


class Gates:
    def __init__(self, stopping: threading.Event) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, Gate] = {}
        self._stopping = stopping

    def gate(self, name: str) -> Gate:
        with self._lock:
            return self._gates.setdefault(name, Gate())

    def release_all(self) -> None:
        with self._lock:
            for gate in self._gates.values():
                gate.released.set()

    def hold(self, name: str, sock: socket.socket) -> bool:
        """Wait at `name` until released; False when the client disconnected or the fake stops."""
        gate = self.gate(name)
        gate.reached.set()
        while not gate.released.is_set():
            if self._stopping.is_set():
                return False
            if client_gone(sock, POLL_SECONDS):
                gate.disconnected.set()
                return False
        return True


def client_gone(sock: socket.socket, timeout: float) -> bool:
    """True when the peer closed the connection (readable with nothing to read)."""
    try:
        readable, _, _ = select.select([sock], [], [], timeout)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class DownloadHoldTimeout(Exception):
    """Fewer downloads than required were in flight at once before the timeout."""


class DownloadHold:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._barrier: threading.Barrier | None = None
        self._slots = 0

    def arm(self, count: int, timeout: float) -> None:
        with self._lock:
            self._barrier = threading.Barrier(count, timeout=timeout)
            self._slots = count

    def abort(self) -> None:
        with self._lock:
            if self._barrier is not None:
                self._barrier.abort()

    def wait(self) -> None:
        """Called by each download; only the next `count` downloads take part."""
        with self._lock:
            barrier = self._barrier
            if barrier is None:
                return
            self._slots -= 1
            if self._slots == 0:
                self._barrier = None
        try:
            barrier.wait()
        except threading.BrokenBarrierError as exc:
            raise DownloadHoldTimeout from exc
