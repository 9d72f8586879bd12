"""`save_file`: byte-exact copies of the files a turn made, in a folder of the caller's.

Names come from the model's code, so they are cleaned again and never leave the folder;
a name already taken by different bytes gets a counter. Nothing is opened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from services.conversations import ConversationService
from services.files.stored import StoredFile
from services.files.uploads import sanitize_filename, unique_name
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
    taken = {p.name for p in folder.iterdir()}
    target = folder / name
    if target.is_file() and target.read_bytes() == data:
        return target  # saved by an earlier call already
    target = folder / unique_name(name, taken)
    # Written beside the target and moved into place, so a reader never sees half a file.
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".saving-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
