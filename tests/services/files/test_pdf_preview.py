"""A PDF's first page rendered in a child process: a real page, and every way it can fail
(broken, slow, huge, too large to open, an odd answer) gives no preview and no error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from services.files.pdf_page import MAX_SCALE, render_scale
from services.files.pdf_preview import PNG_SIGNATURE, PdfRenderer
from tests.support.pdfs import BLUE, RED, centre_colour, looks_like, pdf_of_pages

RENDERER = PdfRenderer()


def write(tmp_path: Path, data: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_first_page_is_rendered_as_a_png(tmp_path: Path) -> None:
    page = RENDERER.first_page(write(tmp_path, pdf_of_pages(RED, BLUE, BLUE)))
    assert page is not None
    assert page.png.startswith(PNG_SIGNATURE) and page.page_count == 3
    assert looks_like(centre_colour(page.png), RED)  # the first page, not another
    assert page.width * page.height <= RENDERER.max_pixels
    assert page.height > page.width  # a portrait page stays portrait


def test_a_huge_page_is_scaled_down_to_the_pixel_cap(tmp_path: Path) -> None:
    renderer = PdfRenderer(max_pixels=40_000)
    page = renderer.first_page(write(tmp_path, pdf_of_pages(BLUE, size=(14_000, 7_000))))
    assert page is not None and page.width * page.height <= 40_000
    assert page.width > page.height


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 fake", b"", b"\x00" * 1000, pdf_of_pages(RED)[:200]],
    ids=["not-a-pdf", "empty", "zeros", "truncated"],
)
def test_a_broken_pdf_has_no_preview(tmp_path: Path, data: bytes) -> None:
    assert RENDERER.first_page(write(tmp_path, data)) is None


def test_a_slow_render_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    sleeper = f"import sys, time; time.sleep(60); open({str(marker)!r}, 'w')"
    slow = PdfRenderer(timeout_seconds=0.5, program=(sys.executable, "-c", sleeper))
    assert slow.first_page(write(tmp_path, pdf_of_pages(RED))) is None
    assert not marker.exists()


def test_a_file_over_the_size_cap_is_not_opened(tmp_path: Path) -> None:
    path = write(tmp_path, pdf_of_pages(RED))
    assert PdfRenderer(max_file_bytes=path.stat().st_size - 1).first_page(path) is None
    assert PdfRenderer(max_file_bytes=path.stat().st_size).first_page(path) is not None
    assert RENDERER.first_page(tmp_path / "gone.pdf") is None


@pytest.mark.parametrize(
    "answer",
    ["print('3')", "import sys; sys.stdout.write('x\\n' + 'not a png')", "raise SystemExit(2)"],
)
def test_an_answer_that_is_not_a_page_count_and_a_png_is_no_preview(
    tmp_path: Path, answer: str
) -> None:
    odd = PdfRenderer(program=(sys.executable, "-c", answer))
    assert odd.first_page(write(tmp_path, pdf_of_pages(RED))) is None


def test_an_answer_over_the_pixel_cap_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, pdf_of_pages(RED))
    rendered = RENDERER.first_page(path)
    assert rendered is not None
    png = write(tmp_path, rendered.png, "page.png")
    echo = f"import sys; sys.stdout.buffer.write(b'1\\n' + open({str(png)!r}, 'rb').read())"
    cap = rendered.width * rendered.height
    assert PdfRenderer(max_pixels=cap, program=(sys.executable, "-c", echo)).first_page(path)
    lying = PdfRenderer(max_pixels=cap - 1, program=(sys.executable, "-c", echo))
    assert lying.first_page(path) is None


def test_the_scale_keeps_within_the_cap_and_refuses_impossible_pages() -> None:
    assert render_scale(612, 792, 10_000_000) == MAX_SCALE
    assert render_scale(612, 792, 100_000) < 1
    for size in ((0, 792), (612, -1), (20_000, 10)):
        with pytest.raises(ValueError):
            render_scale(*size, 100_000)


def test_the_child_gets_none_of_the_apps_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    seen = tmp_path / "seen"
    spy = f"import os; open({str(seen)!r}, 'w').write(os.environ.get('ANTHROPIC_API_KEY', '-'))"
    PdfRenderer(program=(sys.executable, "-c", spy)).first_page(write(tmp_path, pdf_of_pages(RED)))
    assert seen.read_text() == "-"
