"""Which PNG a step's Vega-Lite spec goes with: the one of the same stem from the same step.

The page draws the pair as one chart with a toggle between its two views; the exports put
the spec next to the PNG. Pairing is by name only within one step's files, since each
command gets its own $OUTPUT_DIR.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.charts.spec import image_name_for, is_spec_name
from services.files.stored import StoredFile


def chart_images(files: Iterable[StoredFile]) -> dict[str, StoredFile | None]:
    """Each spec file's id → the PNG made beside it (None when there is none)."""
    listed = list(files)
    pngs = {f.name.lower(): f for f in listed if f.name.lower().endswith(".png")}
    return {
        f.file_id: pngs.get(image_name_for(f.name).lower()) for f in listed if is_spec_name(f.name)
    }


def paired_image_ids(images: dict[str, StoredFile | None]) -> set[str]:
    """The PNGs that belong to a spec: drawn with it, not on their own."""
    return {image.file_id for image in images.values() if image is not None}
