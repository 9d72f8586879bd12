"""Streaming benchmark: the live answer's script CPU and the bytes it sends, at two sizes.

An answer of 10-character text deltas (20 KB and 200 KB by default) goes through the
page's own live-turn code (`components.live.view.render_live_turn`, `LiveTurn.pull`,
`LiveView.flush`, `components.live.text.LiveMarkdown`) in an AppTest run. A stand-in for
the runner's TurnHandle hands out pre-made TextDelta events at a steady rate (or all at
once with `--rate 0`), then a TurnFinished. Every markdown element the run sends is
counted, with its bytes.

Two baselines, made here and not in the page, both drawing the whole text so far as one
element on each redraw (what the live view did before it drew finished blocks apart):
- per delta: a LiveTurn whose `pull` applies one event at a time and `REDRAW_SECONDS` set
  to 0, so every delta is followed by a redraw; the script CPU target is against this one;
- whole text: batched like the page (every 50 ms), the page before this change.
Both redraw the whole text, which costs time quadratic in the answer (a per-delta run of
a 200 KB answer would send some 4 GB), so they are measured at sizes up to
`--baseline-max` KB only (default 20); the page is measured at every size.

    python -m bench.streaming [--quick] [--sizes KB,KB] [--rate PER_SECOND] [--repeats N]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from streamlit.testing.v1 import AppTest

import components.live.view as live_module
from bench.measure import (
    RUN_TIMEOUT,
    Measured,
    compare,
    measure_reruns,
    measured_run,
    parser,
    seconds,
)
from bench.table import Figure, add_figures_option, times, write_figures
from components.live.view import LiveTurn, Prompt, render_live_turn
from services.turn.events import StopReason, TextDelta, TurnEvent, TurnFinished

SIZES_KB = (20.0, 200.0)
QUICK_SIZES_KB = (0.6, 2.0)
BASELINE_MAX_KB = 20.0
LARGE_REPEATS = 2  # measured runs above BASELINE_MAX_KB: a 200 KB run streams for 10 s
# Deltas per second: far quicker than a model writes, so a 20 KB stream lasts one second
# and the cost of redrawing is not hidden behind waiting for the next delta.
RATE = 2000.0
CHUNK = 10  # characters per delta, about two or three tokens
PARAGRAPH = (
    "Monthly sales rose **{n}%** over the quarter, led by the north region. "
    "The chart shows the trend; `sales.csv` holds the figures.\n\n"
    "- mean: {n}.4\n- median: {n}.1\n- outliers: none above three sigma\n\n"
)
VARIANTS = ("page", "per delta", "whole text")
BASELINE_WAIT = 0.05  # seconds the per-delta baseline waits for an event


class PacedHandle:
    """Stands in for TurnHandle: hands out prepared events, each no earlier than its time."""

    def __init__(self, events: Sequence[TurnEvent], rate: float) -> None:
        self._events = list(events)
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._start = time.monotonic()
        self._next = 0

    def get(self, timeout: float | None = None) -> TurnEvent | None:
        if self._next >= len(self._events):
            time.sleep(timeout or 0.0)
            return None
        wait = self._start + self._next * self._interval - time.monotonic()
        if wait > 0:
            if timeout is not None and timeout < wait:
                time.sleep(timeout)
                return None
            time.sleep(wait)
        event = self._events[self._next]
        self._next += 1
        return event

    def stop(self) -> None:
        self._next = len(self._events)


class PerTokenLiveTurn(LiveTurn):
    """The per-delta baseline: applies one event per pull, so each delta gets its own redraw."""

    def pull(self, wait: float = live_module.REDRAW_SECONDS, gather_until: float = 0.0) -> set[int]:
        # Waits as it always has, whatever the page's loop asks (with REDRAW_SECONDS set to
        # 0 it would ask for no wait and poll), and takes one event: one event, one redraw.
        event = self.handle.get(timeout=BASELINE_WAIT)
        if event is None:
            return set()
        self.events.append(event)
        return self.model.apply(event)


class WholeTextMarkdown:
    """The baselines' text: the whole text so far, one element, redrawn on every draw."""

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def draw(self, text: str) -> None:
        self.slot.write_stream([text])


def size_text(count: float) -> str:
    return f"{count / 1e6:,.2f} MB" if count >= 1e6 else f"{count / 1e3:,.1f} KB"


def answer_chunks(size_kb: float) -> list[str]:
    """A markdown answer of `size_kb` kilobytes cut into deltas of CHUNK characters."""
    size = int(size_kb * 1000)
    parts, length, n = [], 0, 1
    while length < size:
        parts.append(PARAGRAPH.format(n=n))
        length, n = length + len(parts[-1]), n + 1
    text = "".join(parts)[:size]
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def draw_stream(chunks: Sequence[str], rate: float, variant: str) -> None:
    """The script body: one live turn followed to its end by the page's renderer."""
    answer = "".join(chunks)
    events: list[TurnEvent] = [TextDelta(0, chunk) for chunk in chunks]
    events.append(TurnFinished(StopReason.END_TURN, ({"type": "text", "text": answer},)))
    turn_type = PerTokenLiveTurn if variant == "per delta" else LiveTurn
    live = turn_type(PacedHandle(events, rate), Prompt("Summarise the sales"), base_len=0)
    saved = live_module.REDRAW_SECONDS, live_module.LiveMarkdown
    if variant != "page":
        live_module.LiveMarkdown = WholeTextMarkdown  # read by LiveView at each text drawn
    if variant == "per delta":
        live_module.REDRAW_SECONDS = 0.0  # read by LiveView.flush at each call
    try:
        with measured_run():
            finished = render_live_turn(live, steps_expanded=False)
    finally:
        live_module.REDRAW_SECONDS, live_module.LiveMarkdown = saved
    if not finished:
        raise RuntimeError("the stand-in turn always finishes")


def _stream_script(chunks, rate, variant):  # copied into a script by AppTest
    from bench.streaming import draw_stream

    draw_stream(chunks, rate, variant)


def measure(chunks: list[str], rate: float, variant: str, repeats: int) -> Measured:
    app = AppTest.from_function(
        _stream_script, args=(chunks, rate, variant), default_timeout=RUN_TIMEOUT
    )
    return measure_reruns(app, repeats)


@dataclass(frozen=True)
class SizeRun:
    """One answer size: the page and, up to the baseline size, the two baselines."""

    size_kb: float
    answer_bytes: int
    deltas: int
    measured: dict[str, Measured]

    @property
    def label(self) -> str:
        return f"streaming, {self.size_kb:g} KB answer ({self.deltas:,} deltas)"


def run_size(size_kb: float, rate: float, repeats: int, baseline_max: float) -> SizeRun:
    chunks = answer_chunks(size_kb)
    variants = VARIANTS if size_kb <= baseline_max else VARIANTS[:1]
    if size_kb > baseline_max:
        repeats = min(repeats, LARGE_REPEATS)
    measured = {v: measure(chunks, rate, v, repeats) for v in variants}
    return SizeRun(size_kb, len("".join(chunks).encode()), len(chunks), measured)


def report(run: SizeRun, rate: float, repeats: int) -> None:
    page = run.measured["page"]
    pace = f"{rate:,.0f} deltas/s" if rate > 0 else "all at once"
    sent = page.sent.markdown_bytes
    print(
        f"streaming: {run.size_kb:g} KB answer, {run.deltas:,} text deltas ({pace}): "
        f"markdown sent {size_text(sent)} in {page.sent.markdown:,} elements, "
        f"{sent / run.answer_bytes:,.2f}x the answer; script CPU {seconds(page.time.cpu)}, "
        f"wall {seconds(page.time.wall)}"
    )
    if "per delta" not in run.measured:
        return
    per_delta, whole = run.measured["per delta"], run.measured["whole text"]
    print(
        f"streaming: {run.size_kb:g} KB: against a whole-text redraw per delta: "
        f"{compare(per_delta.time.cpu, page.time.cpu)} script CPU time "
        f"({seconds(page.time.cpu)} vs {seconds(per_delta.time.cpu)}, median of {repeats}), "
        f"{compare(per_delta.sent.markdown_bytes, sent, 'fewer')} bytes "
        f"({size_text(sent)} vs {size_text(per_delta.sent.markdown_bytes)})"
    )
    print(
        f"streaming: {run.size_kb:g} KB: against a batched whole-text redraw (the page before "
        f"finished blocks were drawn apart): {compare(whole.sent.markdown_bytes, sent, 'fewer')} "
        f"bytes ({size_text(sent)} vs {size_text(whole.sent.markdown_bytes)}), "
        f"{compare(whole.time.cpu, page.time.cpu)} script CPU time "
        f"({seconds(page.time.cpu)} vs {seconds(whole.time.cpu)})"
    )


def report_growth(runs: Sequence[SizeRun]) -> None:
    """How the page's cost grows from the smallest answer to the largest: linear is 1x."""
    small, large = runs[0], runs[-1]
    if len(runs) < 2 or large.answer_bytes <= small.answer_bytes:
        return
    scale = large.answer_bytes / small.answer_bytes
    cpu = large.measured["page"].time.cpu / small.measured["page"].time.cpu / scale
    sent = large.measured["page"].sent.markdown_bytes / small.measured["page"].sent.markdown_bytes
    print(
        f"streaming: from {small.size_kb:g} KB to {large.size_kb:g} KB ({scale:,.0f}x the "
        f"answer), per answer byte: script CPU {cpu:,.2f}x, bytes sent {sent / scale:,.2f}x"
    )


def figures(run: SizeRun) -> list[Figure]:
    page = run.measured["page"]
    sent = page.sent.markdown_bytes
    ratio = sent / run.answer_bytes
    rows = [
        Figure(
            run.label,
            "markdown bytes sent / answer size",
            size_text(sent),
            f"{size_text(run.answer_bytes)} answer",
            ratio,
            f"{ratio:,.2f}x the answer",
            at_most=3,
        )
    ]
    if "per delta" in run.measured:
        per_delta = run.measured["per delta"]
        rows.append(
            Figure(
                run.label,
                "script CPU time vs a whole-text redraw per delta",
                seconds(page.time.cpu),
                seconds(per_delta.time.cpu),
                *times(per_delta.time.cpu, page.time.cpu),
                at_least=10,
            )
        )
    return rows


def sizes_option(value: str) -> tuple[float, ...]:
    return tuple(float(part) for part in value.split(",") if part.strip())


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument("--sizes", type=sizes_option, help="answer sizes in KB (default 20,200)")
    args.add_argument("--rate", type=float, default=RATE, help="deltas per second; 0: at once")
    args.add_argument(
        "--baseline-max", type=float, default=BASELINE_MAX_KB, help="baselines up to this KB"
    )
    options = args.parse_args(argv)
    sizes = options.sizes or (QUICK_SIZES_KB if options.quick else SIZES_KB)
    repeats = options.repeats or (1 if options.quick else 5)
    limit = max(options.baseline_max, min(sizes))  # the smallest size has its baselines
    runs = [run_size(size, options.rate, repeats, limit) for size in sorted(sizes)]
    for run in runs:
        report(run, options.rate, repeats)
    report_growth(runs)
    write_figures(options.figures, [row for run in runs for row in figures(run)])


if __name__ == "__main__":
    main()
