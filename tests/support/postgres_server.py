"""A PostgreSQL server of a test's own, in a temporary folder, that the test stops and starts.

The store tests share the server `.ci/start_postgres.sh` starts; a test that takes the
database away in the middle of a turn needs one nobody else uses. Made with the installed
server's own initdb and pg_ctl; as root they run as the `postgres` user (the server
refuses to run as root). Without PostgreSQL installed the test skips, except under
CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "assistant"


def _bin_dir() -> Path | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted(root.iterdir(), key=lambda p: p.name) if root.is_dir() else []
    found = [v / "bin" for v in versions if (v / "bin" / "pg_ctl").exists()]
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            reason = "PostgreSQL is not installed (apt-get install -y postgresql)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self.bin = bin_dir
        # Its own folder under /tmp, not the test's: the postgres user cannot enter root's.
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.root / "pgdata"
        self.port = _free_port()
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.getuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Stop it now: connections are cut, as when a database server goes down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()  # unless it is stopped already
        shutil.rmtree(self.root, ignore_errors=True)
