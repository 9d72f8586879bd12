"""Prompt caching benchmark: a 20-turn conversation's billed input tokens, with caching and without.

The conversation runs through the app's own turn runner (services/turn/) and store
(SQLite in a temporary folder, read back before every turn, as the page does) against the
fake API server, whose usage follows the API's caching rules (fake_anthropic/prompt_cache.py).
Turn 1 attaches a CSV; every turn has thinking, a text, a bash step with its code and
stdout and a CSV it produced, and a closing text. Run twice in one process: with the
app's cache breakpoints, and with none (the baseline).

Billed input is in base-price units: input + 1.25 x cache writes + 0.1 x cache reads
(the 5-minute write and read rates of every current model); the dollars come from
services/pricing.py for the model.

    python -m bench.prompt_caching [--quick] [--turns N]
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from bench.measure import parser
from bench.table import Figure, add_figures_option, times, write_figures
from fake_anthropic import CodeStep, OutFile, Text, Thinking, Turn
from fake_anthropic.server import serving
from services.client import build_client
from services.conversation import Attachment
from services.files.blobs import BlobStore
from services.pricing import cost_usd
from services.settings import load_settings
from services.store import open_store
from services.turn.events import TokenCounts, TurnError, TurnFinished, Usage
from services.turn.handle import TurnHandle
from services.turn.runner import TurnRunner

TURNS = 20
QUICK_TURNS = 4
WRITE_RATE, READ_RATE = 1.25, 0.1  # of the base input price
EVENT_TIMEOUT = 60.0
MODEL = "claude-sonnet-5"
OWNER = "bench@example.com"
REGIONS = ("north", "south", "east", "west")
QUESTIONS = (
    "What were the total sales per region last quarter?",
    "Chart the monthly totals with a rolling mean.",
    "Which products drive the growth in the north?",
    "Are there outliers in the daily numbers? Flag them.",
    "Compare this year with last year, month by month.",
)


def sales_csv(rows: int, seed: int) -> bytes:
    lines = ["date,region,product,units,revenue"]
    for i in range(rows):
        day, region = 1 + (i * 7 + seed) % 28, REGIONS[(i + seed) % 4]
        units = 10 + (i * 37 + seed * 11) % 90
        lines.append(
            f"2026-{1 + i % 12:02d}-{day:02d},{region},p{(i + seed) % 9},{units},{units * 19.5:.2f}"
        )
    return ("\n".join(lines) + "\n").encode()


FIRST_ATTACHMENT = Attachment("sales.csv", sales_csv(400, 0), "text/csv")


def scripted_turn(n: int) -> tuple[str, Turn]:
    """Turn n's question and Claude's scripted answer: a realistic analysis step."""
    question = f"{QUESTIONS[(n - 1) % len(QUESTIONS)]} (batch {n})"
    code = (
        "python - <<'PY'\nimport pandas as pd\n"
        "df = pd.read_csv('$INPUT_DIR/sales.csv', parse_dates=['date'])\n"
        f"batch = df[df.units % {n + 2} != 0]\n"
        "summary = batch.groupby(['region', batch.date.dt.month]).revenue.agg(['sum', 'mean'])\n"
        f"summary.to_csv('summary_{n}.csv')\nprint(summary.round(2).to_string())\nPY\n"
        f'cp summary_{n}.csv "$OUTPUT_DIR/"'
    )
    stdout = "".join(
        f"{region:<6} {month:>2} {1000 + n * 37 + month * 11:>9.2f} {45 + (n + month) % 9:>6.2f}\n"
        for region in REGIONS
        for month in range(1, 13)
    )
    produced = OutFile(f"summary_{n}.csv", sales_csv(60, n), "text/csv")
    blocks = (
        Thinking(f"Load the file, filter batch {n}, group by region and month, save a table."),
        Text(f"I'll filter batch {n} and summarise the revenue by region and month."),
        CodeStep("bash", {"command": code}, stdout=stdout, files=(produced,)),
        Text(
            f"Batch {n}: revenue is highest in the **{REGIONS[n % 4]}** region, with a "
            f"mean of about ${1000 + n * 37:,} a month. The full table is in "
            f"summary_{n}.csv; the months with fewer than 50 units are left out."
        ),
    )
    return question, Turn(blocks, output_tokens=400)


@dataclass(frozen=True)
class Run:
    """One conversation's input tokens as the fake reported them, every turn added up."""

    turns: int
    tokens: TokenCounts

    @property
    def billed(self) -> float:
        t = self.tokens
        return (
            t.input + WRITE_RATE * (t.cache_write_5m + t.cache_write_1h) + READ_RATE * t.cache_read
        )

    @property
    def prompt(self) -> int:
        """Every input token sent, cached or not."""
        t = self.tokens
        return t.input + t.cache_write_5m + t.cache_write_1h + t.cache_read

    @property
    def dollars(self) -> float:
        input_only = dataclasses.replace(self.tokens, output=0)
        return cost_usd(MODEL, input_only) or 0.0


def turn_usage(handle: TurnHandle) -> TokenCounts:
    """The turn's tokens from its Usage event; fails rather than hangs if it stalls."""
    counts = None
    while True:
        event = handle.get(timeout=EVENT_TIMEOUT)
        if event is None:
            raise RuntimeError(f"no event within {EVENT_TIMEOUT} s")
        if isinstance(event, TurnError):
            raise RuntimeError(f"the turn failed: {event.message}")
        if isinstance(event, Usage) and counts is None:
            counts = event.counts
        if isinstance(event, TurnFinished):
            if counts is None:
                raise RuntimeError("the turn reported no usage")
            return counts


def run_conversation(turns: int, caching: bool) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-caching-") as folder, serving() as fake:
        settings = load_settings({"ASSISTANT_DATA_DIR": folder})
        settings = dataclasses.replace(settings, follow_ups=False, prompt_caching=caching)
        store = open_store(settings)
        client = build_client(api_key="bench-key", base_url=fake.base_url)
        runner = TurnRunner(client, settings, BlobStore(settings.files_dir))
        conversation_id = store.create_conversation(OWNER, MODEL).id
        total = TokenCounts()
        for n in range(1, turns + 1):
            question, turn = scripted_turn(n)
            fake.enqueue(turn)
            conversation = store.load_conversation(conversation_id, OWNER)
            attachments = [FIRST_ATTACHMENT] if n == 1 else []
            handle = runner.start(conversation, question, attachments, store=store)
            total = total + turn_usage(handle)
        client.close()
        return Run(turns, total)


def report(cached: Run, uncached: Run) -> None:
    ratio = cached.billed / uncached.billed
    print(
        f"prompt_caching: {cached.turns} turns, billed input {cached.billed:,.0f} with caching "
        f"vs {uncached.billed:,.0f} without: {times(uncached.billed, cached.billed)[1]} "
        f"({ratio:.2f} of the uncached total)"
    )
    t = cached.tokens
    print(
        f"prompt_caching: with caching {t.input:,} input, {t.cache_write_5m + t.cache_write_1h:,}"
        f" written, {t.cache_read:,} read; without, {uncached.tokens.input:,} input "
        f"(the same {uncached.prompt:,} prompt tokens: {cached.prompt == uncached.prompt})"
    )
    print(
        f"prompt_caching: input cost ({MODEL}) ${cached.dollars:.4f} with caching vs "
        f"${uncached.dollars:.4f}: {times(uncached.dollars, cached.dollars)[1]}"
    )


def figures(cached: Run, uncached: Run) -> list[Figure]:
    bench = f"prompt caching, {cached.turns} turns"
    ratio = cached.billed / uncached.billed
    dollars = cached.dollars / uncached.dollars if uncached.dollars else float("inf")
    return [
        Figure(
            bench,
            "billed input tokens (base-price units)",
            f"{cached.billed:,.0f}",
            f"{uncached.billed:,.0f}",
            ratio,
            f"{ratio:.2f} of uncached",
            at_most=1 / 3 if cached.turns >= TURNS else None,
        ),
        Figure(
            bench,
            f"input cost, {MODEL}",
            f"${cached.dollars:.4f}",
            f"${uncached.dollars:.4f}",
            dollars,
            f"{dollars:.2f} of uncached",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument("--turns", type=int, default=None, help=f"turns (default {TURNS})")
    options = args.parse_args(argv)
    turns = options.turns or (QUICK_TURNS if options.quick else TURNS)
    cached = run_conversation(turns, caching=True)
    uncached = run_conversation(turns, caching=False)
    report(cached, uncached)
    write_figures(options.figures, figures(cached, uncached))


if __name__ == "__main__":
    main()
