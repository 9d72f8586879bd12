"""Browser latency benchmark: time from Enter to a turn's last text, turn 1-5 against 36-40.

A real app server (`streamlit run app.py`, as the browser tests start it) talks to the
fake API, scripted to answer each turn at once with a text, a bash step that made a
100 KB PNG and a 25 KB CSV, and a closing text. Headless Chromium types each question
and sends it with Enter; the page itself times, with `performance.now()`, from the Enter
keydown to the first animation frame in which the turn's unique last sentence is in the
document (a MutationObserver checks once per frame). The next question is typed once
the turn has finished and the page is idle again (not timed).

Baseline, in the same run: bench/naive_app.py, a chat app that draws every turn in full
from the bytes in session state (bench/naive_page.py), against the same fake with the
same scripted answers, through the anthropic SDK, measured the same way.

    python -m bench.browser_latency [--quick] [--turns N]
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import expect

from bench.measure import parser, seconds
from bench.stored_turns import NaiveTurn, naive_turn
from bench.table import Figure, add_figures_option, times, write_figures
from fake_anthropic import CodeStep, OutFile, Text, Turn
from fake_anthropic.server import FakeAnthropic, serving
from tests.browser.harness import (
    AppServer,
    app_environment,
    chromium_browser,
    send,
    wait_ready,
    wait_turn_done,
)

TURNS = 40
QUICK_TURNS = 6
FIRST = 5  # turns 1-5 ...
LAST = 5  # ... against the last five
NAIVE_SCRIPT = "bench/naive_app.py"
VIEWPORT = {"width": 1280, "height": 900}
FIRST_RUN_TIMEOUT_MS = 180_000

# Installed once per page: `window.__latency` holds one turn's marker and timestamps.
TIMER_JS = """() => {
  window.__latency = {marker: null, start: null, end: null};
  document.addEventListener("keydown", (e) => {
    const l = window.__latency;
    if (e.key === "Enter" && !e.shiftKey && l.marker && l.start === null) {
      l.start = performance.now();
    }
  }, true);
  let queued = false;
  const check = () => {
    queued = false;
    const l = window.__latency;
    if (l.marker && l.start !== null && l.end === null
        && document.body.textContent.includes(l.marker)) {
      l.end = performance.now();
    }
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(check); }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""
ARM_JS = "marker => { window.__latency = {marker, start: null, end: null}; }"
ELAPSED_JS = "() => window.__latency.end - window.__latency.start"
ENDED_JS = "() => window.__latency.end !== null"


def last_words(n: int) -> str:
    """The sentence that ends turn `n`, found nowhere else on the page."""
    return f"That is all for batch {n}."


def scripted_turn(turn: NaiveTurn, n: int) -> Turn:
    files = (
        OutFile(turn.chart_name, turn.chart, "image/png"),
        OutFile(turn.table_name, turn.table, "text/csv"),
    )
    step = CodeStep("bash", {"command": turn.code}, stdout=turn.stdout, files=files)
    closing = f"{turn.outro} {last_words(n)}"
    return Turn((Text(turn.intro), step, Text(closing)))


@dataclass(frozen=True)
class Latencies:
    """Seconds from Enter to each turn's last text, turn 1 first."""

    seconds: tuple[float, ...]

    def first(self) -> float:
        return statistics.median(self.seconds[:FIRST])

    def last(self) -> float:
        return statistics.median(self.seconds[-LAST:])


def measure_turns(browser, server: AppServer, turns: Sequence[NaiveTurn]) -> Latencies:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server.url)
        # The first run imports the page's modules: on a loaded machine it can take longer
        # than the tests' limit.
        expect(page.get_by_test_id("stApp")).to_have_attribute(
            "data-test-script-state", "notRunning", timeout=FIRST_RUN_TIMEOUT_MS
        )
        wait_ready(page)
        page.evaluate(TIMER_JS)
        found = []
        for n, turn in enumerate(turns, start=1):
            page.evaluate(ARM_JS, last_words(n))
            send(page, turn.prompt)
            page.wait_for_function(ENDED_JS, timeout=60_000)
            found.append(page.evaluate(ELAPSED_JS) / 1000)
            wait_turn_done(page, last_words(n))
        return Latencies(tuple(found))
    finally:
        context.close()


def scripted_server(fake: FakeAnthropic, script: str, turns: Sequence[NaiveTurn], work: Path):
    """An app server for `script`, its fake API scripted with `turns`; not started yet."""
    fake.enqueue(*(scripted_turn(turn, n) for n, turn in enumerate(turns, start=1)))
    work.mkdir(parents=True, exist_ok=True)
    return AppServer(app_environment(fake.base_url, work / "data"), work / "app.log", script=script)


def measure_both(browser, count: int, work: Path) -> tuple[Latencies, Latencies]:
    """The page's and the naive page's latencies; both servers start at once (each takes
    seconds to start), and are measured one after the other."""
    turns = [naive_turn(n) for n in range(1, count + 1)]
    with serving() as page_fake, serving() as naive_fake:
        servers = (
            scripted_server(page_fake, "app.py", turns, work / "page"),
            scripted_server(naive_fake, NAIVE_SCRIPT, turns, work / "naive"),
        )
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(AppServer.start, servers))
        try:
            return tuple(measure_turns(browser, server, turns) for server in servers)
        finally:
            for server in servers:
                server.stop()


def report(page: Latencies, naive: Latencies, count: int) -> None:
    first, last = FIRST, count - LAST + 1
    growth = page.last() / page.first()
    print(
        f"browser_latency: page, Enter to last text: turns 1-{first} {seconds(page.first())}, "
        f"turns {last}-{count} {seconds(page.last())}: x{growth:.2f} of turns 1-{first} "
        f"(medians of {LAST})"
    )
    print(
        f"browser_latency: naive page: turns 1-{first} {seconds(naive.first())}, "
        f"turns {last}-{count} {seconds(naive.last())}; at turns {last}-{count} the page "
        f"takes {times(naive.last(), page.last())[1]} time than the naive page"
    )
    print("browser_latency: page, per turn: " + " ".join(seconds(s) for s in page.seconds))
    print("browser_latency: naive, per turn: " + " ".join(seconds(s) for s in naive.seconds))


def figures(page: Latencies, naive: Latencies, count: int) -> list[Figure]:
    bench = f"browser, {count} turns"
    last = f"turns {count - LAST + 1}-{count}"
    growth = page.last() / page.first()
    return [
        Figure(
            bench,
            f"page: Enter to last text, {last} / turns 1-{FIRST}",
            seconds(page.last()),
            seconds(page.first()),
            growth,
            f"x{growth:.2f}",
            at_most=1.5,
        ),
        Figure(
            bench,
            f"Enter to last text, {last}: page against naive page",
            seconds(page.last()),
            seconds(naive.last()),
            *times(naive.last(), page.last()),
            at_least=4,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument("--turns", type=int, default=None, help=f"turns sent (default {TURNS})")
    options = args.parse_args(argv)
    count = max(options.turns or (QUICK_TURNS if options.quick else TURNS), FIRST + 1)
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as work, chromium_browser() as b:
        page, naive = measure_both(b, count, Path(work))
    report(page, naive, count)
    write_figures(options.figures, figures(page, naive, count))


if __name__ == "__main__":
    main()
