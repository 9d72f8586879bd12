"""Which local paths a call may read from (`files`) and write to (`save_dir`).

The arguments come from an agent, and an agent's model can be talked into asking for
anything, so a path counts only inside the tool's roots: `ASSISTANT_TOOL_ROOT` (folders
separated like PATH), else the folder the tool runs in. Nothing hidden (no part of the
path starting with "."), and nothing of the app's own data folder is ever attached.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from services.conversation import Attachment

ROOT_ENV = "ASSISTANT_TOOL_ROOT"


def tool_roots(environ: dict[str, str] | None = None) -> tuple[Path, ...]:
    env = os.environ if environ is None else environ
    given = [p for p in (env.get(ROOT_ENV) or "").split(os.pathsep) if p.strip()]
    return tuple(Path(p).expanduser().resolve() for p in given) or (Path.cwd().resolve(),)


def readable_file(path: Path, roots: Sequence[Path], data_dir: Path) -> Path | str:
    """The resolved file, or why it may not be attached."""
    try:
        resolved = path.expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        return "there is no readable file there"
    if not _visible_inside(resolved, roots):
        return f"only files inside {_names(roots)} can be attached (set {ROOT_ENV})"
    data = data_dir.resolve()
    if resolved == data or data in resolved.parents:
        return "files of the app's own data folder are never attached"
    if not resolved.is_file():
        return "it is not a file"
    return resolved


def writable_folder(path: Path, roots: Sequence[Path], data_dir: Path) -> Path | str:
    """The resolved folder to save into, or why it may not be used."""
    resolved = path.expanduser().resolve()
    if not _visible_inside(resolved, [*roots, data_dir.resolve()]):
        return f"files can be saved only inside {_names(roots)} or the app's data folder"
    return resolved


def _visible_inside(path: Path, roots: Sequence[Path]) -> bool:
    """Inside one of the roots, with no hidden part below it."""
    for root in roots:
        if path == root or root in path.parents:
            below = path.relative_to(root).parts
            if not any(part.startswith(".") for part in below):
                return True
    return False


def _names(roots: Sequence[Path]) -> str:
    return ", ".join(f"`{root}`" for root in roots)


def read_attachments(
    paths: Sequence[Path], roots: Sequence[Path], data_dir: Path, limit: int, notes: list[str]
) -> list[Attachment]:
    """The files that may be and can be sent; each one that is not gets a note."""
    attachments = []
    for path in paths:
        found = readable_file(path, roots, data_dir)
        if isinstance(found, str):
            notes.append(f"`{path}` was not attached: {found}.")
            continue
        try:
            if found.stat().st_size > limit:
                notes.append(f"`{path}` was not attached: it is over {limit // 2**20} MB.")
                continue
            attachments.append(Attachment.read(found))
        except OSError as exc:
            notes.append(f"`{path}` was not attached: {exc.strerror or 'it cannot be read'}.")
    return attachments
