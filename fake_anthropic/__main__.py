"""`python -m fake_anthropic --port 8765 [--host 127.0.0.1] [--demo]`: serve until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from .server import FakeAnthropic

STOP_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_anthropic", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--demo", action="store_true", help="answer every message with the demo")
    parser.add_argument("--event-delay", type=float, default=None, help="seconds between events")
    args = parser.parse_args(argv)
    delay = args.event_delay if args.event_delay is not None else (0.03 if args.demo else 0.0)
    fake = FakeAnthropic(args.host, args.port, demo=args.demo, event_delay=delay).start()
    print(fake.base_url, flush=True)  # first line of output: what to point ANTHROPIC_BASE_URL at
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    # A stop held up by a client that will not let go must not keep the process (and its
    # port) alive: it gets a few seconds, then the process ends anyway.
    stopping = threading.Thread(target=fake.stop, name="fake-stop", daemon=True)
    stopping.start()
    stopping.join(STOP_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
