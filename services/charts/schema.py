"""The Vega-Lite v6 JSON schema that Streamlit's charts render, as one cached validator.

The schema is the file Altair ships (Altair is a Streamlit dependency), found without
importing Altair itself (that costs a third of a second). Reading and parsing the 1.9 MB
file and resolving its references take about 25 ms (80 ms more if jsonschema is not yet
imported), measured on this machine; checking the schema against its meta-schema would
add 250 ms and is skipped (the file is Altair's own). That happens once per process, on
a warm-up thread the page starts, so a chart drawn later finds the validator ready; one
validation of a small spec then takes about 1 ms.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

SCHEMA_PARTS = ("vegalite", "v6", "schema", "vega-lite-schema.json")
# The `$schema` the app writes into every spec it draws: vega-embed reads the mode and
# version from it and never fetches it.
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json"

_lock = threading.Lock()
_validator: Validator | None = None


class SchemaMissing(RuntimeError):
    """The installed Altair does not ship the Vega-Lite v6 schema."""


def schema_path() -> Path:
    spec = importlib.util.find_spec("altair")
    if spec is None or spec.origin is None:
        raise SchemaMissing("altair is not installed")
    path = Path(spec.origin).parent.joinpath(*SCHEMA_PARTS)
    if not path.is_file():
        raise SchemaMissing(f"no Vega-Lite v6 schema at {path}")
    return path


def validator() -> Validator:
    """The validator, built on first use; one per process, shared by every thread."""
    global _validator
    with _lock:
        if _validator is None:
            schema = json.loads(schema_path().read_text(encoding="utf-8"))
            cls = validator_for(schema)
            built = cls(schema)
            built.is_valid({"mark": "point", "data": {"values": []}})  # resolve references now
            _validator = built
        return _validator


def is_valid(spec: Any) -> bool:
    return validator().is_valid(spec)


def warm_up() -> threading.Thread:
    """Build the validator on a daemon thread, so that no page run waits for it."""
    thread = threading.Thread(target=validator, name="vega-lite-schema", daemon=True)
    thread.start()
    return thread
