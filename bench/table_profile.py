"""Profiling a large CSV: time and peak memory against reading it whole with pandas.

An attached table is profiled before the turn is sent (services/tables): a sample of the
first rows for the column figures, one streaming pass for the exact row count and the row
problems. The baseline is what the page did before, and what most tools do: read the
whole file with `pandas.read_csv`. Each runs in a child process of its own, so that its
peak resident memory is its own; the figure is the peak's growth over the process after
its imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.measure import parser
from bench.table import Figure, add_figures_option, times, write_figures

_CHILD = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from services.tables.profile import profile_file

def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

path = Path(sys.argv[2])
before = rss_kb()
started = time.perf_counter()
if sys.argv[1] == "profile":
    rows = profile_file(path.name, ".csv", path).tables[0].rows
else:
    rows = len(pd.read_csv(path))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": (peak - before) / 1024, "rows": rows}))
"""


def write_csv(path: Path, rows: int) -> None:
    """A realistic messy table: ids, zip codes with leading zeros, dates, money as text."""
    rng = np.random.default_rng(7)
    chunk = 100_000
    with path.open("w", encoding="utf-8") as out:
        out.write("id,zip,date,amount,segment,note\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            ids = np.arange(start, start + n)
            zips = rng.integers(500, 99_999, n)
            days = rng.integers(1, 28, n)
            cents = rng.integers(100, 10_000_000, n)
            lines = (
                f'{i},{z:05d},2024-03-{d:02d},"${c / 100:,.2f}",seg{i % 7},text {i % 1013}\n'
                for i, z, d, c in zip(ids, zips, days, cents, strict=True)
            )
            out.writelines(lines)


def measure(kind: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    options = parser(__doc__.splitlines()[0])
    add_figures_option(options)
    args = options.parse_args()
    rows = 20_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        write_csv(path, rows)
        size_mb = path.stat().st_size / 2**20
        repeats = args.repeats or (1 if args.quick else 3)
        profiled = [measure("profile", path) for _ in range(repeats)]
        whole = [measure("read_csv", path) for _ in range(repeats)]
    best = min(profiled, key=lambda r: r["seconds"])
    base = min(whole, key=lambda r: r["seconds"])
    assert best["rows"] == base["rows"] == rows
    ratio = base["peak_mb"] / max(best["peak_mb"], 0.1)
    compared = f"{ratio:,.1f}x less" if ratio >= 1 else f"{1 / ratio:,.1f}x more"
    print(
        f"table_profile: {rows:,}-row CSV ({size_mb:.0f} MB): profile {best['seconds']:.1f} s, "
        f"peak +{best['peak_mb']:.0f} MB; pandas.read_csv of the whole file "
        f"{base['seconds']:.1f} s, peak +{base['peak_mb']:.0f} MB: {compared} peak "
        "memory for the profile"
    )
    ratio, text = times(base["peak_mb"], max(best["peak_mb"], 0.1))
    bench = f"table profile, {rows:,} rows ({size_mb:.0f} MB)"
    page, baseline = f"+{best['peak_mb']:.0f} MB", f"+{base['peak_mb']:.0f} MB (read_csv)"
    write_figures(args.figures, [Figure(bench, "peak memory", page, baseline, ratio, text)])


if __name__ == "__main__":
    main()
