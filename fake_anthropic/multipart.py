"""A small, exact multipart/form-data parser (the bytes of a part are kept as sent)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_PARAM = re.compile(r';\s*([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))')


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def as_record(self) -> dict[str, object] | str:
        """How a recorded request shows the part: file parts as dicts, fields as text."""
        if self.filename is None:
            return self.data.decode("utf-8", "replace")
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
        }


def boundary_of(content_type: str) -> str | None:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1) if match else None


def parse_multipart(body: bytes, boundary: str) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    delimiter = b"--" + boundary.encode()
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        part = _part(head.decode("utf-8", "replace"), data.removesuffix(b"\r\n"))
        if part is not None:
            parts[part.name] = part
    return parts


def _part(head: str, data: bytes) -> Part | None:
    headers = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    found = _PARAM.findall(headers.get("content-disposition", ""))
    params = {key: quoted or bare.strip() for key, quoted, bare in found}
    if "name" not in params:
        return None
    filename = params.get("filename")
    if "filename*" in params:
        filename = unquote(params["filename*"].split("''", 1)[-1])
    return Part(params["name"], filename, headers.get("content-type"), data)
