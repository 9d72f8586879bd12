"""Streaming benchmark: the live turn's batched redraw against a redraw after every delta.

An answer of ~2,000 small text deltas goes through the page's own live-turn code
(`components.live.view.render_live_turn`, `LiveTurn.pull`, `LiveView.flush`) in an AppTest
run. A stand-in for the runner's TurnHandle hands out pre-made TextDelta events at a
steady rate (or all at once with `--rate 0`), then a TurnFinished.

The baseline is the same page code with two changes made here, not in the page: a LiveTurn
whose `pull` applies one event at a time, and `components.live.view.REDRAW_SECONDS` set to 0, so
every delta is followed by a redraw. Compared: CPU time of the script thread (waiting for
the next delta costs none, so this is the page's own work), the number of markdown
elements sent, and their bytes (each redraw resends the whole text so far).

    python -m bench.streaming [--quick] [--deltas N] [--rate PER_SECOND] [--repeats N]
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from streamlit.testing.v1 import AppTest

import components.live.view as live_module
from bench.measure import (
    RUN_TIMEOUT,
    Measured,
    compare,
    measure_reruns,
    measured_run,
    megabytes,
    parser,
    seconds,
)
from bench.table import Figure, add_figures_option, times, write_figures
from components.live.view import LiveTurn, Prompt, render_live_turn
from services.turn.events import StopReason, TextDelta, TurnEvent, TurnFinished

DELTAS = 2000
QUICK_DELTAS = 60
# Deltas per second: far quicker than a model writes, so the stream lasts one second and the
# cost of redrawing is not hidden behind waiting for the next delta.
RATE = 2000.0
CHUNK = 10  # characters per delta, about two or three tokens
PARAGRAPH = (
    "Monthly sales rose **{n}%** over the quarter, led by the north region. "
    "The chart shows the trend; `sales.csv` holds the figures.\n\n"
    "- mean: {n}.4\n- median: {n}.1\n- outliers: none above three sigma\n\n"
)


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
    """The baseline: applies one event per pull, so each delta gets its own redraw."""

    def pull(self, wait: float = live_module.REDRAW_SECONDS) -> set[int]:
        event = self.handle.get(timeout=wait)
        if event is None:
            return set()
        self.events.append(event)
        return self.model.apply(event)


def answer_chunks(deltas: int) -> list[str]:
    """A markdown answer cut into `deltas` pieces of CHUNK characters."""
    text, n = "", 1
    while len(text) < deltas * CHUNK:
        text += PARAGRAPH.format(n=n)
        n += 1
    return [text[i * CHUNK : (i + 1) * CHUNK] for i in range(deltas)]


def draw_stream(chunks: Sequence[str], rate: float, per_token: bool) -> None:
    """The script body: one live turn followed to its end by the page's renderer."""
    answer = "".join(chunks)
    events: list[TurnEvent] = [TextDelta(0, chunk) for chunk in chunks]
    events.append(TurnFinished(StopReason.END_TURN, ({"type": "text", "text": answer},)))
    turn_type = PerTokenLiveTurn if per_token else LiveTurn
    live = turn_type(PacedHandle(events, rate), Prompt("Summarise the sales"), base_len=0)
    saved = live_module.REDRAW_SECONDS
    if per_token:
        live_module.REDRAW_SECONDS = 0.0  # read by LiveView.flush at each call
    try:
        with measured_run():
            finished = render_live_turn(live, steps_expanded=False)
    finally:
        live_module.REDRAW_SECONDS = saved
    if not finished:
        raise RuntimeError("the stand-in turn always finishes")


def _stream_script(chunks, rate, per_token):  # copied into a script by AppTest
    from bench.streaming import draw_stream

    draw_stream(chunks, rate, per_token)


def measure(chunks: list[str], rate: float, per_token: bool, repeats: int) -> Measured:
    app = AppTest.from_function(
        _stream_script, args=(chunks, rate, per_token), default_timeout=RUN_TIMEOUT
    )
    return measure_reruns(app, repeats)


def report(batched: Measured, per_token: Measured, deltas: int, rate: float, repeats: int) -> None:
    pace = f"{rate:,.0f} deltas/s" if rate > 0 else "all at once"
    print(
        f"streaming: {deltas:,} text deltas ({pace}), batched {live_module.REDRAW_SECONDS} s "
        f"redraw vs per-token redraw: {compare(per_token.time.cpu, batched.time.cpu)} script "
        f"CPU time ({seconds(batched.time.cpu)} vs {seconds(per_token.time.cpu)}, "
        f"median of {repeats})"
    )
    waiting = "; both wait for the deltas to arrive" if rate > 0 else ""
    print(
        f"streaming: script wall time {compare(per_token.time.wall, batched.time.wall)} "
        f"({seconds(batched.time.wall)} vs {seconds(per_token.time.wall)}{waiting})"
    )
    before, after = per_token.sent, batched.sent
    print(
        f"streaming: markdown sent: {compare(before.markdown, after.markdown, 'fewer')} "
        f"elements ({after.markdown:,} vs {before.markdown:,}), "
        f"{compare(before.markdown_bytes, after.markdown_bytes, 'fewer')} bytes "
        f"({megabytes(after.markdown_bytes)} vs {megabytes(before.markdown_bytes)})"
    )


def figures(batched: Measured, per_token: Measured, deltas: int) -> list[Figure]:
    bench = f"streaming, {deltas:,} deltas"
    before, after = per_token.sent, batched.sent
    cpu = times(per_token.time.cpu, batched.time.cpu)
    sent = times(before.markdown_bytes, after.markdown_bytes, "fewer")
    return [
        Figure(
            bench,
            "script CPU time",
            seconds(batched.time.cpu),
            seconds(per_token.time.cpu),
            *cpu,
            at_least=10,
        ),
        Figure(
            bench,
            "markdown bytes sent",
            megabytes(after.markdown_bytes),
            megabytes(before.markdown_bytes),
            *sent,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument("--deltas", type=int, default=None, help=f"text deltas (default {DELTAS})")
    args.add_argument("--rate", type=float, default=RATE, help="deltas per second; 0: at once")
    options = args.parse_args(argv)
    deltas = options.deltas or (QUICK_DELTAS if options.quick else DELTAS)
    repeats = options.repeats or (1 if options.quick else 5)
    chunks = answer_chunks(deltas)
    batched = measure(chunks, options.rate, per_token=False, repeats=repeats)
    per_token = measure(chunks, options.rate, per_token=True, repeats=repeats)
    report(batched, per_token, deltas, options.rate, repeats)
    write_figures(options.figures, figures(batched, per_token, deltas))


if __name__ == "__main__":
    main()
