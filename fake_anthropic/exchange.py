"""One HTTP request and its answer: parsing, recording and the response writers.

JSON answers carry Content-Length (so connections stay alive); event streams use chunked
transfer encoding like the API, which lets the fake end a stream cleanly or cut it off
(a dropped connection leaves the chunked body incomplete, as a real network failure does).
"""

from __future__ import annotations

import json
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import ErrorAnswer, error_answer
from .ids import new_id
from .multipart import boundary_of, parse_multipart
from .script import Fault, RecordedRequest


class ClientGone(Exception):
    """The client closed the connection while the fake was answering."""


class Exchange:
    def __init__(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.handler = handler
        self.request_id = new_id("req")
        url = urlsplit(handler.path)
        self.path, self.query = url.path, url.query
        self.params = parse_qs(url.query, keep_blank_values=True)
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        raw = _read_body(handler, self.headers)
        self.parts = {}
        boundary = boundary_of(self.headers.get("content-type", ""))
        if boundary and raw:
            self.parts = parse_multipart(raw, boundary)
        self.record = RecordedRequest(method, self.path, self.query, self.headers, None, raw)
        self.extra_headers: dict[str, str] = {}  # sent with whatever answer this gets
        self.record.extra["request_id"] = self.request_id
        self.record.body = self._parsed_body(raw)
        self.answered = False

    @property
    def sock(self) -> socket.socket:
        return self.handler.connection

    def param_list(self, name: str) -> list[str]:
        """Query arrays as the SDK sends them (`name[]=a&name[]=b`) or repeated/comma lists."""
        values = self.params.get(f"{name}[]", []) + self.params.get(name, [])
        return [item for value in values for item in value.split(",") if item]

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def int_param(self, name: str, default: int, low: int, high: int) -> int | None:
        """The integer query parameter, or None after answering 400 as the API would."""
        text = self.param(name)
        try:
            value = default if text is None else int(text)
        except ValueError:
            value = low - 1
        if low <= value <= high:
            return value
        self.send_fault(
            Fault(400, "invalid_request_error", f"{name}: must be between {low} and {high}")
        )
        return None

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_bytes(status, data, {"content-type": "application/json", **(headers or {})})

    def send_bytes(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self._head(status, {**headers, "content-length": str(len(data))})
        self._write(data)

    def send_error(self, answer: ErrorAnswer) -> None:
        self.record.extra["status"] = answer.status
        self.send_json(answer.status, answer.body, answer.headers)

    def send_fault(self, fault: Fault) -> None:
        self.send_error(error_answer(fault, self.request_id))

    def start_stream(self) -> None:
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
        self._head(200, {**headers, "transfer-encoding": "chunked"})

    def send_event(self, name: str, data: dict[str, Any]) -> None:
        payload = f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
        self._write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def end_stream(self) -> None:
        self._write(b"0\r\n\r\n")

    def drop(self) -> None:
        """Cut the connection: a reset, with no end to the response."""
        self.handler.close_connection = True
        self.record.extra["dropped"] = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.answered = True
        self.record.extra.setdefault("status", status)
        try:
            self.handler.send_response(status)
            every = {**headers, **self.extra_headers, "request-id": self.request_id}
            for key, value in every.items():
                self.handler.send_header(key, value)
            self.handler.end_headers()
        except OSError as exc:
            self._gone(exc)

    def _gone(self, exc: OSError) -> None:
        self.handler.close_connection = True
        self.record.extra["client_closed"] = True
        raise ClientGone from exc

    def _write(self, data: bytes) -> None:
        try:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
        except OSError as exc:
            self._gone(exc)

    def _parsed_body(self, raw: bytes) -> Any:
        if self.parts:
            return {name: part.as_record() for name, part in self.parts.items()}
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None


def _read_body(handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return _read_chunked(handler)
    length = int(headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    body = bytearray()
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            handler.rfile.readline()
            return bytes(body)
        body += handler.rfile.read(size)
        handler.rfile.readline()
