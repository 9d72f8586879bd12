"""`python -m services.cli export CONVERSATION_ID --format zip|ipynb|html|md --out PATH`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from services.conversations import ConversationService
from services.export.formats import ExportFormat
from services.settings import load_settings
from services.store import LOCAL_OWNER, open_store


def export_main(argv: list[str], out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.cli export",
        description="Export a stored conversation: a notebook zip that reproduces it, the "
        "notebook alone, an HTML report, or Markdown with its images (zipped).",
    )
    parser.add_argument("conversation", help="the conversation's id (see the web app's URL ?c=)")
    parser.add_argument(
        "--format", default=ExportFormat.ZIP.value, choices=[f.value for f in ExportFormat]
    )
    parser.add_argument("--out", type=Path, help="file to write (default: a name from the title)")
    args = parser.parse_args(argv)
    settings = load_settings()
    with open_store(settings) as store:
        made = ConversationService(store, settings).export(
            args.conversation, LOCAL_OWNER, ExportFormat(args.format)
        )
    if made is None:
        print(f"No conversation {args.conversation!r} in the store.", file=sys.stderr)
        return 2
    target = args.out or Path(made.file_name)
    if target.is_dir():
        target = target / made.file_name
    target.write_bytes(made.data)
    print(f"[exported {args.format} to {target} ({len(made.data)} bytes)]", file=out)
    return 0
