"""Where each file goes in an export: uploads in `inputs/`, produced files in `outputs/`,
and which code step made each produced file.

Names are the stored names, cleaned again (no folders, nothing hidden: they become zip
entries); a produced name used again by a later step gets a counter (`sales_chart-2.png`),
so every stored file is kept apart.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from services.export.record import Item, Said, Step
from services.export.rewrites import INPUT_DIR, OUTPUT_DIR
from services.files.stored import StoredFile
from services.files.uploads import sanitize_filename, unique_name


@dataclass
class Layout:
    inputs: dict[str, str] = field(default_factory=dict)  # file id → "inputs/name"
    outputs: dict[str, str] = field(default_factory=dict)  # file id → "outputs/name"
    made_by: dict[str, Step] = field(default_factory=dict)  # file id → its step
    files: dict[str, StoredFile] = field(default_factory=dict)  # file id → the stored file


def lay_out(items: list[Item]) -> Layout:
    layout = Layout()
    input_names: set[str] = set()
    output_names: set[str] = set()
    for item in items:
        if isinstance(item, Said):
            for file in item.attached:
                if file.file_id not in layout.inputs:
                    name = unique_name(sanitize_filename(file.name), input_names)
                    input_names.add(name)
                    layout.inputs[file.file_id] = f"{INPUT_DIR}/{name}"
                    layout.files[file.file_id] = file
        else:
            for file in item.files:
                name = unique_name(sanitize_filename(file.name), output_names)
                output_names.add(name)
                layout.outputs[file.file_id] = f"{OUTPUT_DIR}/{name}"
                layout.made_by[file.file_id] = item
                layout.files[file.file_id] = file
    return layout


def zip_entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so that the same record zips to the same bytes."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry
