"""Measurement helpers shared by the benchmarks: timing script runs, tallies, ratios, RSS.

The machine the benchmarks run on is shared and noisy, so no benchmark judges an absolute
time: each measures the page and a baseline in the same run and prints how many times
cheaper the page is. Script time is taken inside the script run (what a rerun costs the
server), not around `AppTest.run()`, whose own element-tree parsing is not the page's cost.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Markdown_pb2 import Markdown
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.testing.v1 import AppTest

SCRIPT_TIME_KEY = "_bench_script_time"
SENT_KEY = "_bench_sent"
RUN_TIMEOUT = 120  # seconds; a generous cap for one AppTest run on a loaded machine


@dataclass(frozen=True)
class ScriptTime:
    """One script run: wall seconds, and CPU seconds of the script thread alone."""

    wall: float
    cpu: float


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes; a benchmark adds its own to the parser returned."""
    args = argparse.ArgumentParser(description=description)
    args.add_argument(
        "--quick", action="store_true", help="a tiny size, to check that the benchmark runs"
    )
    args.add_argument("--repeats", type=int, default=None, help="measured runs per variant")
    return args


@dataclass
class SentTally:
    """What one script run sent towards the browser."""

    markdown: int = 0  # markdown elements (captions not counted)
    markdown_bytes: int = 0  # their text; a redraw resends the whole element
    status_boxes: int = 0  # st.status blocks: Streamlit 1.67 sleeps 50 ms in each one made

    def add(self, msg: ForwardMsg) -> None:
        delta = msg.delta if msg.WhichOneof("type") == "delta" else None
        kind = delta.WhichOneof("type") if delta is not None else None
        if kind == "new_element" and delta.new_element.WhichOneof("type") == "markdown":
            markdown = delta.new_element.markdown
            if markdown.element_type == Markdown.Type.NATIVE:
                self.markdown += 1
                self.markdown_bytes += len(markdown.body.encode())
        elif kind == "add_block" and delta.add_block.WhichOneof("type") == "expandable":
            # An expander leaves the state undefined; a status box always sets it.
            undefined = Block.Expandable.State.STATE_UNDEFINED
            self.status_boxes += delta.add_block.expandable.state != undefined


@contextmanager
def count_sent() -> Iterator[SentTally]:
    """Inside a script: tally the messages the run sends to the browser while in the block."""
    ctx = get_script_run_ctx()
    if ctx is None:
        raise RuntimeError("count_sent works inside a script run only")
    tally = SentTally()
    send = ctx._enqueue  # the run's outgoing queue: what a browser would receive

    def counting(msg: ForwardMsg) -> None:
        tally.add(msg)
        send(msg)

    ctx._enqueue = counting
    try:
        yield tally
    finally:
        ctx._enqueue = send


@contextmanager
def measured_run() -> Iterator[SentTally]:
    """Inside a script: time the block and tally what it sends; both kept in session state."""
    wall, cpu = time.perf_counter(), time.thread_time()
    with count_sent() as tally:
        try:
            yield tally
        finally:
            elapsed = ScriptTime(time.perf_counter() - wall, time.thread_time() - cpu)
            st.session_state[SCRIPT_TIME_KEY] = elapsed
            st.session_state[SENT_KEY] = tally


@dataclass(frozen=True)
class Measured:
    time: ScriptTime  # the median of the measured runs
    sent: SentTally  # what the last run sent


def run_app(app: AppTest) -> AppTest:
    """One run that must not fail: a benchmark of a page that raised would measure nothing."""
    app.run(timeout=RUN_TIMEOUT)
    if app.exception:
        raise RuntimeError(f"the benchmark script failed: {app.exception[0].value}")
    return app


def measure_reruns(app: AppTest, repeats: int) -> Measured:
    """One warm-up run (imports, caches), then the median of `repeats` measured runs."""
    run_app(app)
    samples: list[ScriptTime] = []
    for _ in range(repeats):
        run_app(app)
        samples.append(app.session_state[SCRIPT_TIME_KEY])
    wall = statistics.median(s.wall for s in samples)
    cpu = statistics.median(s.cpu for s in samples)
    return Measured(ScriptTime(wall, cpu), app.session_state[SENT_KEY])


def times_less(baseline: float, value: float) -> float:
    """How many times smaller `value` is than `baseline` (inf when `value` is zero)."""
    return baseline / value if value > 0 else float("inf")


def ratio(value: float) -> str:
    return "inf" if value == float("inf") else f"{value:,.1f}x"


def compare(baseline: float, value: float, less: str = "less", more: str = "more") -> str:
    """ "12.5x less" when `value` is below `baseline`, else "2.0x more": never a 0.4x less."""
    if value <= baseline:
        return f"{ratio(times_less(baseline, value))} {less}"
    return f"{ratio(times_less(value, baseline))} {more}"


def seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.2f} MB"


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; 0 where it is not available)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
