"""Large-upload benchmark: a 100 MB CSV attached and sent three times, in a real browser.

A real app server (`streamlit run app.py`, pointed at the fake API as the browser tests
start it) and headless Chromium through Playwright. The same generated CSV is attached
to three messages in a row; each gets a scripted instant answer. Measured:

- the app server's resident memory (VmRSS in /proc, read every 50 ms from a thread),
  from the idle server with the page open to the end of the last turn: its peak growth
  over idle, against the file's size (the baseline);
- the Files API uploads the fake received for the three sends (one expected: the same
  content is uploaded once per conversation).

The fake API runs in this process, so what it keeps of the uploads is not counted in
the app server's memory.

    python -m bench.large_upload [--quick] [--megabytes N] [--sends N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import expect

from bench.table import Figure, add_figures_option, write_figures
from fake_anthropic import Text, Turn
from fake_anthropic.server import serving
from tests.browser.harness import (
    EXPECT_TIMEOUT_MS,
    AppServer,
    app_environment,
    assistant_messages,
    chromium_browser,
    free_port,
    send,
    stop_button,
    wait_ready,
)

MEGABYTES = 100
SENDS = 3
QUICK_MEGABYTES = 5
QUICK_SENDS = 2
SAMPLE_SECONDS = 0.05
IDLE_SECONDS = 1.0  # idle memory: the median of this long with the page open
# A 100 MB file into the chat input, or a turn that uploads it, on a busy 2-core machine.
UPLOAD_TIMEOUT_MS = 180_000
MB = 1024 * 1024


REGIONS = ("north", "south", "east", "west", "central")
PRODUCTS = (
    ("Espresso beans 1 kg", "coffee", 18.5),
    ("Oat milk 1 l", "dairy-free", 2.35),
    ("Ceramic mug", "kitchen", 9.9),
    ("Pour-over kettle", "kitchen", 42.0),
    ("Decaf beans 250 g", "coffee", 7.25),
    ("Paper filters x100", "kitchen", 4.6),
)
CHANNELS = ("web", "store", "phone", "marketplace")
CSV_HEADER = (
    "order_id,order_date,region,store_id,product,category,quantity,unit_price,"
    "discount,customer_id,email,channel\n"
)


def _sales_rows(rng: random.Random, first_id: int, count: int) -> str:
    rows = []
    for order_id in range(first_id, first_id + count):
        product, category, price = rng.choice(PRODUCTS)
        customer = rng.randrange(100_000)
        rows.append(
            f"{order_id},2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d},"
            f"{rng.choice(REGIONS)},S{rng.randrange(1, 200):03d},{product},{category},"
            f"{rng.randrange(1, 12)},{price:.2f},{rng.choice((0, 0, 0.05, 0.1)):.2f},"
            f"C{customer:06d},customer{customer}@example.com,{rng.choice(CHANNELS)}\n"
        )
    return "".join(rows)


def write_sales_csv(path: Path, size: int) -> Path:
    """A CSV of orders of about `size` bytes (twelve columns of dates, text and numbers)."""
    rng = random.Random(12)
    written, order_id = 0, 1
    with path.open("w", encoding="utf-8", newline="") as out:
        written += out.write(CSV_HEADER)
        while written < size:
            written += out.write(_sales_rows(rng, order_id, 5_000))
            order_id += 5_000
    return path


class MemorySampler:
    """The resident memory of one process, read every SAMPLE_SECONDS on a thread."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def rss(self) -> int:
        for line in self.path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # reported in kB
        raise RuntimeError(f"no VmRSS in {self.path}")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.rss())
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.rss())


@dataclass(frozen=True)
class Measured:
    file_size: int
    idle: int
    peak: int
    sends: int
    uploads: int
    seconds: float

    @property
    def growth(self) -> int:
        return max(self.peak - self.idle, 0)


def attach_path(page, path: Path) -> None:
    """Put a file in the chat input (by path: Playwright need not carry its bytes) and
    wait until the browser has uploaded it to the server."""
    chat_input = page.get_by_test_id("stChatInput")
    chat_input.locator("input[type=file]").set_input_files(str(path))
    chip = chat_input.get_by_test_id("stFileChip").filter(has_text=path.name)
    chip.wait_for(state="visible", timeout=UPLOAD_TIMEOUT_MS)
    submit = chat_input.get_by_test_id("stChatInputSubmitButton")
    deadline = time.monotonic() + UPLOAD_TIMEOUT_MS / 1000
    while not submit.is_enabled() and time.monotonic() < deadline:
        time.sleep(0.1)  # disabled while the file is still on its way


def idle_memory(sampler: MemorySampler) -> int:
    start = len(sampler.samples)
    time.sleep(IDLE_SECONDS)
    return int(statistics.median(sampler.samples[start:] or [sampler.rss()]))


def wait_answer(page, last_words: str) -> None:
    """The answer is in and drawn from the store (no Stop button), and the box is free."""
    timeout = UPLOAD_TIMEOUT_MS
    expect(assistant_messages(page).last).to_contain_text(last_words, timeout=timeout)
    expect(stop_button(page)).to_have_count(0, timeout=timeout)
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=timeout)


def send_file(page, csv: Path, sends: int) -> None:
    for n in range(1, sends + 1):
        attach_path(page, csv)
        send(page, f"Summarise this file (send {n})")
        wait_answer(page, f"Summary {n} done.")


def measure(csv: Path, sends: int, work: Path) -> Measured:
    api_port = free_port()
    env = app_environment(f"http://127.0.0.1:{api_port}", work / "data")
    env["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"] = str(2 * csv.stat().st_size // MB + 16)
    with serving(api_port) as fake:
        for n in range(1, sends + 1):
            fake.enqueue(Turn((Text(f"I read the file. Summary {n} done."),)))
        server = AppServer(env, work / "app.log").start()
        try:
            assert server.process is not None
            with chromium_browser() as browser, MemorySampler(server.process.pid) as sampler:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.set_default_timeout(EXPECT_TIMEOUT_MS)
                page.goto(server.url)
                wait_ready(page)
                idle = idle_memory(sampler)
                started = time.monotonic()
                send_file(page, csv, sends)
                seconds = time.monotonic() - started
        finally:
            server.stop()
        uploads = [r for r in fake.requests if r.method == "POST" and r.path == "/v1/files"]
    peak = max(sampler.samples)
    return Measured(csv.stat().st_size, idle, peak, sends, len(uploads), seconds)


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def report(m: Measured) -> None:
    ratio = m.growth / m.file_size
    print(
        f"large_upload: a {megabytes(m.file_size)} CSV attached and sent {m.sends} times: "
        f"app server peak resident memory {megabytes(m.peak)}, idle {megabytes(m.idle)}, "
        f"growth {megabytes(m.growth)} = {ratio:.2f}x the file's size ({m.seconds:.0f} s)"
    )
    print(
        f"large_upload: {m.uploads} Files API upload(s) for {m.sends} sends of the same "
        f"file: {m.sends / max(m.uploads, 1):.1f}x fewer uploads than sends"
    )


def figures(m: Measured) -> list[Figure]:
    bench = f"large upload, {m.file_size / MB:.0f} MB CSV, {m.sends} sends"
    ratio = m.growth / m.file_size
    return [
        Figure(
            bench,
            "app server peak memory growth over idle",
            megabytes(m.growth),
            f"{megabytes(m.file_size)} (file size)",
            ratio,
            f"{ratio:.2f}x the file",
            at_most=2.5,
        ),
        Figure(
            bench,
            "Files API uploads",
            str(m.uploads),
            f"{m.sends} sends",
            float(m.uploads),
            f"{m.uploads} for {m.sends} sends",
            at_most=1,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help=f"a {QUICK_MEGABYTES} MB file")
    args.add_argument("--megabytes", type=int, default=None, help=f"default {MEGABYTES}")
    args.add_argument("--sends", type=int, default=None, help=f"default {SENDS}")
    add_figures_option(args)
    options = args.parse_args(argv)
    size = options.megabytes or (QUICK_MEGABYTES if options.quick else MEGABYTES)
    sends = options.sends or (QUICK_SENDS if options.quick else SENDS)
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        work = Path(folder)
        csv = write_sales_csv(work / "sales_2026.csv", size * MB)
        measured = measure(csv, sends, work)
    report(measured)
    write_figures(options.figures, figures(measured))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
