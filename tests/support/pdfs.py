"""Small real PDFs for the tests, written by Pillow (one image per page)."""

from __future__ import annotations

import io

from PIL import Image

RED = (200, 30, 30)
BLUE = (30, 30, 200)


def pdf_of_pages(*colours: tuple[int, int, int], size: tuple[int, int] = (612, 792)) -> bytes:
    """A PDF whose pages are plain colours (72 dpi: `size` is the page in points)."""
    pages = [Image.new("RGB", size, colour) for colour in colours]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    return buffer.getvalue()


def centre_colour(png: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return rgb.getpixel((rgb.width // 2, rgb.height // 2))


def looks_like(found: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    """Near enough: Pillow stores a page's image as JPEG, which shifts colours a little."""
    return all(abs(a - b) <= 12 for a, b in zip(found, colour, strict=True))
