"""Which conversations have a turn running: in this process, and on any server sharing the store.

A turn of a conversation runs on one server at a time. This process keeps the handles of
its own turns; across servers the store's turn lease says who writes (services/store/
leases.py). The lease is taken when a turn is claimed, renewed by one heartbeat thread per
process for all its running turns, and released once the turn has settled (its last
writes are in the store), so another server never sends a message after a half-stored
answer. A server that dies stops renewing; its leases lapse and its turns count as over.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from services.store.leases import TurnLeases
from services.turn.handle import TurnHandle

log = logging.getLogger(__name__)
# This server process, as a lease holder: a new one every start, so a restarted server
# never mistakes the lease of the process it replaced for its own.
PROCESS_HOLDER = uuid.uuid4().hex
DEFAULT_RENEW_SECONDS = 5.0
SETTLED_CHECK_SECONDS = 0.5  # how soon a lease is given up once its turn has settled


class TurnBusy(Exception):
    """A turn of this conversation is still running (here, or on another server)."""


class RunningTurns:
    """The turns running in this process, by conversation, and the leases they hold.

    A turn counts until it has settled: ended, and its writes in the store (or given up).
    An answer still held only in memory (the database was down) is not finished yet, so
    no other tab sends a message after it or deletes its conversation meanwhile. Without
    `leases` only this process is known (a store of one's own, as in the command line).
    """

    def __init__(
        self,
        leases: TurnLeases | None = None,
        holder: str = PROCESS_HOLDER,
        renew_seconds: float = DEFAULT_RENEW_SECONDS,
    ) -> None:
        self.leases, self.holder, self.renew_seconds = leases, holder, renew_seconds
        self._lock = threading.Lock()
        # None: a turn is being started (claimed, no handle yet).
        self._handles: dict[str, TurnHandle | None] = {}
        self._heartbeat: threading.Thread | None = None

    def claim(self, conversation_id: str) -> None:
        """Reserve the conversation for a turn about to start; TurnBusy if one runs here
        or another server holds its lease. Checked and reserved in one step (here under a
        lock, across servers in the store), so two callers at once cannot both start."""
        with self._lock:
            if self._running_here(conversation_id):
                raise TurnBusy(conversation_id)
            self._handles[conversation_id] = None
        self.release_settled()
        try:
            taken = self.leases is None or self.leases.take(conversation_id, self.holder)
        except BaseException:
            self._forget_claim(conversation_id)
            raise
        if not taken:
            self._forget_claim(conversation_id)
            raise TurnBusy(conversation_id)
        self._start_heartbeat()

    def add(self, conversation_id: str, handle: TurnHandle) -> None:
        with self._lock:
            self._handles[conversation_id] = handle

    def release(self, conversation_id: str) -> None:
        """Give up a claim whose turn did not start."""
        if self._forget_claim(conversation_id):
            self._release_lease(conversation_id)

    def is_running(self, conversation_id: str) -> bool:
        """A turn of the conversation runs, here or on another server (its lease is alive)."""
        if self.running_here(conversation_id):
            return True
        if self.leases is None:
            return False
        holder = self.leases.holder(conversation_id)
        # Our own lease with no turn here is one whose release failed: nothing runs.
        return holder is not None and holder != self.holder

    def running_here(self, conversation_id: str) -> bool:
        with self._lock:
            return self._running_here(conversation_id)

    def stop(self, conversation_id: str) -> bool:
        """Stop the conversation's turn if it runs in this process (its page may be gone)."""
        with self._lock:
            handle = self._handles.get(conversation_id)
        if handle is None or handle.settled:
            return False
        handle.stop()
        return True

    # --- in memory -----------------------------------------------------------------------

    def _running_here(self, conversation_id: str) -> bool:
        if conversation_id not in self._handles:
            return False
        handle = self._handles[conversation_id]
        return handle is None or not handle.settled

    def _forget_claim(self, conversation_id: str) -> bool:
        with self._lock:
            if conversation_id in self._handles and self._handles[conversation_id] is None:
                del self._handles[conversation_id]
                return True
        return False

    # --- the leases ----------------------------------------------------------------------

    def release_settled(self) -> None:
        """Drop the turns that have settled, and give up their leases."""
        with self._lock:
            settled = [cid for cid, h in self._handles.items() if h is not None and h.settled]
            for conversation_id in settled:
                del self._handles[conversation_id]
        for conversation_id in settled:
            self._release_lease(conversation_id)

    def _release_lease(self, conversation_id: str) -> None:
        if self.leases is None:
            return
        try:
            self.leases.release(conversation_id, self.holder)
        except Exception:  # it lapses on its own once no heartbeat renews it
            log.warning("could not release the turn lease of %s", conversation_id, exc_info=True)

    def _start_heartbeat(self) -> None:
        with self._lock:
            if self.leases is None or self._heartbeat is not None:
                return
            self._heartbeat = threading.Thread(
                target=self._beat, name="turn-lease-heartbeat", daemon=True
            )
            self._heartbeat.start()

    def _beat(self) -> None:
        """The heartbeat thread: renews this process's leases every `renew_seconds`, and
        gives up each one as soon as its turn has settled."""
        assert self.leases is not None
        renewed = time.monotonic()
        while True:
            time.sleep(min(SETTLED_CHECK_SECONDS, self.renew_seconds))
            try:
                self.release_settled()
            except Exception:
                log.exception("releasing settled turn leases failed")
            if time.monotonic() - renewed < self.renew_seconds:
                continue
            with self._lock:
                held = list(self._handles)
            try:
                self.leases.renew(held, self.holder)
            except Exception:  # the thread must outlive any failure: the next beat retries
                log.warning("could not renew the turn leases of %s", held, exc_info=True)
            renewed = time.monotonic()
