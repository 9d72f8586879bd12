"""Render a PDF's first page to PNG: the child process `pdf_preview.py` starts.

Run as a script (`python -I pdf_page.py PDF MAX_PIXELS MEMORY_BYTES CPU_SECONDS`), never
imported by the app: PDFium parses whatever the model wrote, so a hostile or huge file
can only exhaust this process, which caps its own memory and CPU time before it opens
the file. It writes the page count on one line, then the PNG, to stdout; any failure
is a non-zero exit with nothing on stdout. It imports nothing of the app's own.
"""

from __future__ import annotations

import io
import math
import sys

MAX_SCALE = 2.0  # 144 dpi: sharp enough as a thumbnail on a high-density screen
MAX_SIDE_POINTS = 14_400  # PDF's own limit on a page side (200 inches)


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes no file


def render_scale(width: float, height: float, max_pixels: int) -> float:
    """The largest scale up to MAX_SCALE whose bitmap stays within `max_pixels`."""
    if not (0 < width <= MAX_SIDE_POINTS and 0 < height <= MAX_SIDE_POINTS):
        raise ValueError(f"page size {width} x {height} points is out of range")
    scale = min(MAX_SCALE, math.sqrt(max_pixels / (width * height)))
    while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
        scale *= 0.99  # PDFium rounds a side up: leave room for it
    return scale


def first_page_png(path: str, max_pixels: int) -> tuple[int, bytes]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        pages = len(pdf)
        if pages < 1:
            raise ValueError("the PDF has no pages")
        page = pdf[0]
        scale = render_scale(*page.get_size(), max_pixels)
        image = page.render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return pages, buffer.getvalue()
    finally:
        pdf.close()


def main(argv: list[str]) -> int:
    path, max_pixels, memory_bytes, cpu_seconds = argv[1], *map(int, argv[2:5])
    limit_resources(memory_bytes, cpu_seconds)
    try:
        pages, png = first_page_png(path, max_pixels)
    except Exception as exc:  # any failure is "no preview"; the reason goes to stderr
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(b"%d\n" % pages + png)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
