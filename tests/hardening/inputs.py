"""The corpus of bad inputs, made by the tests: empty, binary, other encodings, ragged,
very long, hostile names. Nothing here is a fixture file; each input is built in code."""

from __future__ import annotations

from pathlib import Path

MILLION = 1_000_000
CHUNK_ROWS = 50_000


def million_row_csv(folder: Path) -> bytes:
    """A 1,000,000-row CSV (about 20 MB), written in chunks of rows and read back."""
    path = folder / "million.csv"
    with path.open("w", encoding="ascii", newline="") as out:
        out.write("id,zip,amount\n")
        for start in range(0, MILLION, CHUNK_ROWS):
            rows = range(start, start + CHUNK_ROWS)
            out.write("".join(f"{i},{i % 100000:05d},{i % 997}.25\n" for i in rows))
    return path.read_bytes()


def binary_bytes() -> bytes:
    return bytes(range(256)) * 64 + b"\x89PNG\r\n\x1a\n\x00\x00"


def utf16_csv() -> bytes:
    return "name,zip\nÅsa,08123\nZoë,00501\n".encode("utf-16")


def latin1_csv() -> bytes:
    return "name,city\nJosé,Málaga\nFrançois,Besançon\n".encode("latin-1")


def ragged_csv() -> bytes:
    return b"a,b,c\n1,2\n3,4,5,6,7\n\n8\n"


# Names a browser can send: paths, markup, link syntax, bidi overrides, control characters.
HOSTILE_NAMES = (
    "../../etc/passwd.csv",
    "<img src=x onerror=alert(1)>.csv",
    "[click](javascript:alert(1)).csv",
    ":red[RED] **bold**.csv",
    "invoice\u202egpj.exe.csv",
    "tab\tand\nnewline.csv",
)
