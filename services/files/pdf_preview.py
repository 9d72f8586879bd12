"""The first page of a PDF as a PNG, rendered by PDFium in a child process.

A PDF from the sandbox is untrusted input to a C library: it is parsed in its own
process (`pdf_page.py`), with capped memory, CPU time and pixels, and killed when it
takes longer than the time limit. A PDF that cannot be rendered that way has no
preview: `first_page` returns None and the page offers the file as a download only.
"""

from __future__ import annotations

import logging
import math
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
PAGE_SCRIPT = Path(__file__).with_name("pdf_page.py")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PdfFirstPage:
    png: bytes
    page_count: int
    width: int  # pixels
    height: int


@dataclass(frozen=True)
class PdfRenderer:
    timeout_seconds: float = 5.0  # a first page takes well under a second
    max_pixels: int = 1_500_000  # about a letter page at 130 dpi
    max_file_bytes: int = 64 * 1024 * 1024  # larger files are not opened for a preview
    memory_bytes: int = 768 * 1024 * 1024  # the child's address space
    # The child's command before its arguments; tests give a stand-in (a slow one).
    program: tuple[str, ...] = (sys.executable, "-I", str(PAGE_SCRIPT))

    def first_page(self, path: Path) -> PdfFirstPage | None:
        """The rendered first page, or None when it could not be rendered in time."""
        try:
            if not 0 < path.stat().st_size <= self.max_file_bytes:
                return None
        except OSError:
            return None
        output = self._run(path)
        return None if output is None else self._read(output, path)

    def _run(self, path: Path) -> bytes | None:
        cpu_seconds = math.ceil(self.timeout_seconds) + 1  # a backstop to the wall clock
        limits = (str(self.max_pixels), str(self.memory_bytes), str(cpu_seconds))
        command = [*self.program, str(path), *limits]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=self.timeout_seconds,
                stdin=subprocess.DEVNULL,
                env=_child_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:  # run() has killed the child
            log.info(
                "no PDF preview for %s: rendering took over %s s", path.name, self.timeout_seconds
            )
            return None
        except OSError:
            log.warning("no PDF preview: the renderer could not be started", exc_info=True)
            return None
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()[-300:]
            log.info("no PDF preview for %s: %s", path.name, reason or done.returncode)
            return None
        return done.stdout

    def _read(self, output: bytes, path: Path) -> PdfFirstPage | None:
        """The child's answer, checked: a page count line, then a PNG within the cap."""
        count, _, png = output.partition(b"\n")
        if not count.isdigit() or not png.startswith(PNG_SIGNATURE) or len(png) < 24:
            log.info("no PDF preview for %s: the renderer's answer was not a PNG", path.name)
            return None
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
        if not 0 < width * height <= self.max_pixels:  # unsigned: never negative
            log.info(
                "no PDF preview for %s: %d x %d pixels is over the cap", path.name, width, height
            )
            return None
        return PdfFirstPage(png, int(count), width, height)


def _child_environment() -> dict[str, str]:
    """Only what a Python needs to start: none of the app's settings or keys."""
    return {name: os.environ[name] for name in ("PATH", "LD_LIBRARY_PATH") if name in os.environ}


PDF_RENDERER = PdfRenderer()
