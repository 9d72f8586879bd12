"""`FakeAnthropic`: a real HTTP server on 127.0.0.1 that answers like the Anthropic API.

Each `POST /v1/messages` takes the next queued `Turn` or `Fault` (see `script.py`; a plain
request without tools, `follow_ups.py`) and renders it; `/v1/models` and `/v1/files` work
from in-memory state. Every request is recorded. Requests are served concurrently on a
background thread, so a held stream never blocks downloads or other streams."""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .containers import skill_entry, uses_code_execution
from .demo import DEMO_HEADER, demo_turn
from .exchange import ClientGone, Exchange
from .files import FileStore, StoredFile
from .follow_ups import FollowUpScript, is_turn_request
from .gates import DownloadHold, Gates
from .ids import new_id, now_rfc3339
from .prompt_cache import PromptCache
from .results import StoreOutput
from .routes import route
from .script import Fault, OutFile, RecordedRequest, Reply, Step, Turn
from .turns import TurnContext

NO_TURN_LEFT = "fake: no scripted turn left"
HistoryValidator = Callable[[dict[str, Any]], "str | None"]


class FakeAnthropic:
    """The fake API. `start()` serves on a free port (or `port`); `base_url` is where to
    point the SDK. `demo=True` answers with the demo turn when nothing is queued;
    `api_key` (optional) is the only key accepted; `event_delay` paces stream events."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        demo: bool = False,
        api_key: str | None = None,
        event_delay: float = 0.0,
    ) -> None:
        self.host, self.port = host, port
        self.demo, self.api_key, self.event_delay = demo, api_key, event_delay
        self.history_validator: HistoryValidator | None = None
        self.requests: list[RecordedRequest] = []
        self.server_errors: list[str] = []
        self.file_store, self.prompt_cache = FileStore(), PromptCache()  # usage: prompt_cache.py
        self.follow_ups = FollowUpScript()  # answers to plain requests: follow_ups.py
        self.download_hold = DownloadHold()
        self.peak_downloads = self._downloads = 0  # downloads at most at once, and now
        self._stopping = threading.Event()
        self.gates = Gates(self._stopping)
        self._lock = threading.Lock()
        self._queue: deque[Step] = deque()
        self._route_faults: list[tuple[str | None, str, Fault]] = []
        self._containers: dict[str, str] = {}
        self._editor_files: dict[str, dict[str, str]] = {}
        self._sockets: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        self._stopping.clear()
        handler = type("FakeHandler", (_Handler,), {"fake": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Held streams end as dropped connections; idle keep-alive connections are closed."""
        if self._server is None:
            return
        self._stopping.set()
        self.download_hold.abort()
        self._server.shutdown()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # script ----------------------------------------------------------------------------

    def enqueue(self, *steps: Step) -> None:
        with self._lock:
            self._queue.extend(steps)

    @property
    def pending(self) -> int:
        """Scripted steps not yet taken."""
        with self._lock:
            return len(self._queue)

    def inject_fault(self, fault: Fault, method: str | None = None, path_prefix: str = "") -> None:
        """Answer the next request matching method and path prefix (any endpoint) with `fault`."""
        with self._lock:
            self._route_faults.append((method, path_prefix, fault))

    def release(self, name: str) -> None:
        self.gates.gate(name).released.set()

    def wait_held(self, name: str, timeout: float = 5) -> bool:
        return self.gates.gate(name).reached.wait(timeout)

    def disconnected(self, name: str, timeout: float = 0) -> bool:
        """Whether the client went away while its stream was held at `name`."""
        return self.gates.gate(name).disconnected.wait(timeout)

    def hold_downloads(self, count: int, timeout: float = 10.0) -> None:
        """The next `count` downloads wait until all are in flight (else 500 after `timeout`)."""
        self.download_hold.arm(count, timeout)

    # state -----------------------------------------------------------------------------

    def message_requests(self) -> list[Any]:  # the follow-up calls: self.follow_ups.requests
        return [r.body for r in self.requests if is_turn_request(r)]

    @property
    def files(self) -> dict[str, StoredFile]:
        return self.file_store.snapshot()

    @property
    def containers(self) -> dict[str, str]:
        """Container id -> its latest `expires_at`."""
        with self._lock:
            return dict(self._containers)

    def add_file(
        self, filename: str, data: bytes, mime_type: str | None = None, downloadable: bool = True
    ) -> str:
        return self.file_store.add(filename, data, mime_type, downloadable).meta["id"]

    # used by the request handlers ------------------------------------------------------

    def next_step(self, body: dict[str, Any]) -> Turn | Fault:
        with self._lock:
            step = self._queue.popleft() if self._queue else None
        if isinstance(step, Reply):
            try:
                return step.make(body)
            except Exception as exc:  # a failed expectation: said to the client and the test
                self.server_errors.append(f"Reply step failed: {exc!r}")
                return Fault(500, "api_error", f"fake: the Reply step failed: {exc!r}")
        if step is not None:
            return step
        if self.demo:
            return demo_turn(body, self.file_store)
        return Fault(500, "api_error", NO_TURN_LEFT)

    def turn_context(self, body: dict[str, Any], turn: Turn) -> TurnContext:
        container = self._container_for(body, turn)
        with self._lock:
            editor_files = self._editor_files.setdefault(container["id"], {}) if container else {}
        store: StoreOutput = self._store_output
        return TurnContext(body, bool(body.get("stream")), container, store, editor_files)

    @contextlib.contextmanager
    def download_slot(self) -> Iterator[None]:
        with self._lock:
            self._downloads += 1
            self.peak_downloads = max(self.peak_downloads, self._downloads)
        try:
            yield
        finally:
            with self._lock:
                self._downloads -= 1

    def _store_output(self, out: OutFile) -> str:
        return self.file_store.add(out.name, out.data, out.mime_type, True).meta["id"]

    def _container_for(self, body: dict[str, Any], turn: Turn) -> dict[str, Any] | None:
        """Turn's id, else the request's, else a new one; none when no container is in play."""
        requested = body.get("container")
        requested_id = requested.get("id") if isinstance(requested, dict) else requested
        container_id = turn.container_id or requested_id
        if not (container_id or uses_code_execution(body, turn)):
            return None
        container_id = container_id or new_id("container")
        expires_at = turn.expires_at or now_rfc3339(timedelta(hours=1))
        with self._lock:
            self._containers[container_id] = expires_at
        container: dict[str, Any] = {"id": container_id, "expires_at": expires_at}
        if isinstance(requested, dict) and requested.get("skills"):
            container["skills"] = [skill_entry(s) for s in requested["skills"]]
        return container

    def _take_route_fault(self, ex: Exchange) -> Fault | None:
        with self._lock:
            for i, (method, prefix, fault) in enumerate(self._route_faults):
                if (method is None or method == ex.record.method) and ex.path.startswith(prefix):
                    del self._route_faults[i]
                    return fault
        return None

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)

    def _track(self, sock: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._sockets.add if alive else self._sockets.discard)(sock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a held stream must not keep stop() waiting
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked streams
    fake: FakeAnthropic

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.fake._track(self.connection, True)

    def finish(self) -> None:
        self.fake._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        try:
            ex = Exchange(self, method)
        except OSError:  # the client went away while sending its request
            self.close_connection = True
            return
        self.fake._record(ex.record)
        if self.fake.demo:  # so the app can say it talks to the demo, not to Claude
            ex.extra_headers[DEMO_HEADER] = "scripted answers, not Claude"
        try:
            route(self.fake, ex)
        except ClientGone:
            self.close_connection = True
        except Exception:
            self.fake.server_errors.append(traceback.format_exc())
            if ex.answered:
                self.close_connection = True
            else:
                with contextlib.suppress(ClientGone):
                    ex.send_fault(
                        Fault(500, "api_error", "fake: internal error (see server_errors)")
                    )

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read fake.requests instead of a log


@contextlib.contextmanager
def serving(port: int = 0) -> Iterator[FakeAnthropic]:
    """A started fake for one test; a crash inside it is reported as a test warning."""
    fake = FakeAnthropic(port=port).start()
    try:
        yield fake
    finally:
        fake.stop()
        for error in fake.server_errors:
            warnings.warn(f"fake API server error:\n{error}", stacklevel=1)
