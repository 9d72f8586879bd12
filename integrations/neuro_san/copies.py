"""`save_file`: byte-exact copies of the files a turn made, in a folder of the caller's.

Names come from the model's code, so they are cleaned again (no folders, nothing hidden)
and never leave the folder; a name already taken by other bytes gets a counter. Nothing
is opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePath

from services.conversations import ConversationService
from services.files.stored import StoredFile
from services.files.uploads import sanitize_filename
from services.store import StoreError


def save_copies(
    service: ConversationService,
    owner: str,
    files: Iterable[StoredFile],
    folder: Path,
    notes: list[str],
) -> dict[str, Path]:
    """The saved path of each file, by file id; a file that cannot be saved gets a note."""
    saved: dict[str, Path] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        notes.append(f"No file was saved: the folder `{folder}` cannot be made ({exc.strerror}).")
        return saved
    for file in files:
        try:
            data = service.read_file(file.file_id, owner)
            saved[file.file_id] = _write(folder, sanitize_filename(file.name), data)
        except StoreError:
            notes.append(f"`{file.name}` was not saved: the app no longer holds its bytes.")
        except OSError as exc:
            notes.append(f"`{file.name}` was not saved: {exc.strerror or exc}.")
    return saved


def _write(folder: Path, name: str, data: bytes) -> Path:
    """`name` in the folder, or `name-2`, `name-3`…: never over a file already there
    (another call may be saving beside this one), and never beside a name that differs
    only in case, since on some systems the two are one file."""
    existing = folder / name
    if existing.is_file() and existing.read_bytes() == data:
        return existing  # saved by an earlier call already
    while True:
        taken = {p.name.casefold() for p in folder.iterdir()}
        target = folder / _free_name(name, taken)
        try:
            out = target.open("xb")  # claims the name, or fails if it was taken meanwhile
        except FileExistsError:
            continue
        try:
            with out:
                out.write(data)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target


def _free_name(name: str, taken: set[str]) -> str:
    path = PurePath(name)
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate, n = f"{path.stem}-{n}{path.suffix}", n + 1
    return candidate
