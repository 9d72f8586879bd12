"""Memory benchmark: what each open session adds to the server process, page against naive page.

N sessions are opened one after another and kept open, each with its own 50-turn
conversation (text, a bash step, a 100 KB PNG, a 25 KB CSV per turn), drawn twice (the
first view and one rerun). The page's session holds the stored messages and draws its
history with `components.render.conversation.render_history`; the naive page's session holds every
turn's bytes and draws them all (bench/naive_page.py). Printed per session: the growth of
the process's resident memory (RSS), and the bytes the sessions leave in Streamlit's
media store.

AppTest normally gives every run a fresh media store and the same session id; here all
sessions share one store under their own ids, as the sessions of a real server do, so
what a session keeps referenced stays counted. Each variant runs in a fresh process
(RSS does not shrink once grown), on the same data prepared beforehand.

    python -m bench.memory [--quick] [--sessions N] [--turns N]
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest, app_test
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from bench.long_conversation import CONVERSATION_KEY, _history_script, _naive_script
from bench.measure import RUN_TIMEOUT, compare, megabytes, parser, rss_bytes, run_app
from bench.naive_page import NAIVE_KEY
from bench.stored_turns import naive_turns, stored_conversation
from bench.table import Figure, add_figures_option, times, write_figures
from components.render.stored_media import StoredBlobMediaStorage

SESSIONS = 10
TURNS = 50
QUICK_SESSIONS = 2
QUICK_TURNS = 5
VARIANTS = {"page": (_history_script, CONVERSATION_KEY), "naive": (_naive_script, NAIVE_KEY)}


class SharedMedia:
    """One media store for every AppTest run, and a session id per simulated session."""

    def __init__(self) -> None:
        self.storage = MemoryMediaFileStorage("/media")
        self.manager = MediaFileManager(self.storage)
        self.session_id = "session-0"

    def fetch_session_files(self) -> int:
        """Read every file the current session shows, as its browser does to draw the page."""
        with self.manager._lock:
            held = list(self.manager._files_by_session_and_coord.get(self.session_id, {}).values())
        fetched = 0
        for file_id in held:
            try:
                fetched += len(self.storage.get_file(file_id).content)
            except MediaFileStorageError:  # a deferred download: made only when clicked
                continue
        return fetched

    def stored_bytes(self) -> int:
        """Bytes the store keeps in memory: an image drawn from the blob store is on disk."""
        if isinstance(self.storage, StoredBlobMediaStorage):
            return self.storage.held_bytes()
        stats = self.storage.get_stats()
        return sum(stat.byte_length for family in stats.values() for stat in family)


@contextmanager
def shared_media() -> Iterator[SharedMedia]:
    """Make AppTest use one media store and our session ids (restored on exit)."""
    media = SharedMedia()

    class SessionRunner(LocalScriptRunner):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._session_id = media.session_id  # read when the run's context is made

    saved = app_test.MediaFileManager, app_test.LocalScriptRunner
    app_test.MediaFileManager = lambda storage: media.manager
    app_test.LocalScriptRunner = SessionRunner
    try:
        yield media
    finally:
        app_test.MediaFileManager, app_test.LocalScriptRunner = saved


def prepare(folder: Path, sessions: int, turns: int) -> None:
    """Each session's state as both pages keep it (session 0 is the warm-up)."""
    for session in range(sessions + 1):
        naive = naive_turns(turns, seed=session)
        conversation = stored_conversation(naive, folder / "blobs")
        (folder / f"naive-{session}.pickle").write_bytes(pickle.dumps(naive))
        (folder / f"page-{session}.pickle").write_bytes(pickle.dumps(conversation))


def open_session(variant: str, folder: Path, session: int, media: SharedMedia) -> AppTest:
    script, key = VARIANTS[variant]
    app = AppTest.from_function(script, default_timeout=RUN_TIMEOUT)
    app.session_state[key] = pickle.loads((folder / f"{variant}-{session}.pickle").read_bytes())
    media.session_id = f"session-{session}"
    run_app(app)
    media.fetch_session_files()
    run_app(app)
    return app


def worker(variant: str, folder: Path, sessions: int) -> dict[str, object]:
    """Open the sessions one by one; the RSS growth after each, and the media store size."""
    with shared_media() as media:
        # Every AppTest stays referenced: an open session keeps its state.
        apps = [open_session(variant, folder, 0, media)]  # imports, caches: not counted
        gc.collect()
        base, media_base = rss_bytes(), media.stored_bytes()
        growth: list[int] = []
        for session in range(1, sessions + 1):
            apps.append(open_session(variant, folder, session, media))
            gc.collect()
            growth.append(rss_bytes() - base)
        return {"rss_growth": growth, "media_bytes": media.stored_bytes() - media_base}


@dataclass(frozen=True)
class MemoryUse:
    rss_growth: list[int]  # after each session opened
    media_bytes: int

    def per_session(self) -> float:
        return self.rss_growth[-1] / len(self.rss_growth)


def run_worker(variant: str, folder: Path, sessions: int) -> MemoryUse:
    command = [sys.executable, "-m", "bench.memory", "--worker", variant]
    command += ["--data", str(folder), "--sessions", str(sessions)]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    if done.returncode != 0:
        raise RuntimeError(f"the {variant} worker failed:\n{done.stderr}")
    return MemoryUse(**json.loads(done.stdout.strip().splitlines()[-1]))


def report(page: MemoryUse, naive: MemoryUse, sessions: int, turns: int) -> None:
    print(
        f"memory: {sessions} sessions x {turns} turns, page vs naive page: "
        f"{compare(naive.per_session(), page.per_session())} RSS growth per session "
        f"({megabytes(page.per_session())} vs {megabytes(naive.per_session())})"
    )
    print(
        f"memory: media store per session: {compare(naive.media_bytes, page.media_bytes)} "
        f"({megabytes(page.media_bytes / sessions)} vs {megabytes(naive.media_bytes / sessions)})"
    )
    for name, use in (("page", page), ("naive page", naive)):
        steps = ", ".join(megabytes(g) for g in use.rss_growth)
        print(f"memory: {name}, RSS growth after each session: {steps}")


def figures(page: MemoryUse, naive: MemoryUse, sessions: int, turns: int) -> list[Figure]:
    bench = f"memory, {sessions} sessions x {turns} turns"
    growth = times(naive.per_session(), page.per_session())
    media = times(naive.media_bytes, page.media_bytes)
    if page.media_bytes == 0:  # images served from the blob store: nothing kept to divide by
        media = (media[0], "none kept in memory")
    return [
        Figure(
            bench,
            "RSS growth per session",
            megabytes(page.per_session()),
            megabytes(naive.per_session()),
            *growth,
            at_least=4,
        ),
        Figure(
            bench,
            "media store per session",
            megabytes(page.media_bytes / sessions),
            megabytes(naive.media_bytes / sessions),
            *media,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0])
    add_figures_option(args)
    args.add_argument("--sessions", type=int, default=None, help=f"default {SESSIONS}")
    args.add_argument("--turns", type=int, default=None, help=f"per session, default {TURNS}")
    # Internal: how the benchmark runs each variant in a process of its own.
    args.add_argument("--worker", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    options = args.parse_args(argv)
    sessions = options.sessions or (QUICK_SESSIONS if options.quick else SESSIONS)
    if options.worker:
        print(json.dumps(worker(options.worker, options.data, sessions)))
        return
    turns = options.turns or (QUICK_TURNS if options.quick else TURNS)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        prepare(Path(tmp), sessions, turns)
        page = run_worker("page", Path(tmp), sessions)
        naive = run_worker("naive", Path(tmp), sessions)
    report(page, naive, sessions, turns)
    write_figures(options.figures, figures(page, naive, sessions, turns))


if __name__ == "__main__":
    main()
