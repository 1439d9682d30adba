"""Where the schema and catalogs live, and reading them (I/O, cached).

A source checkout keeps them in ``schema/`` beside the package; an installed
package may ship copies under ``generator/data/schema/``. The working
directory's ``schema/`` is the last resort (e.g. ``pip install .`` then running
from the repository root).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CARD_SCHEMA = "model-card.schema.json"
BENCHMARKS = "benchmarks.yaml"
BENCHMARKS_SCHEMA = "benchmarks.schema.json"

_PACKAGE = Path(__file__).resolve().parent


def schema_dir() -> Path:
    candidates = (_PACKAGE.parent / "schema", _PACKAGE / "data" / "schema", Path.cwd() / "schema")
    for cand in candidates:
        if (cand / CARD_SCHEMA).is_file():
            return cand
    raise FileNotFoundError(f"cannot find {CARD_SCHEMA} in any of: " + ", ".join(map(str, candidates)))


@lru_cache(maxsize=None)
def read_json(name: str) -> Any:
    with (schema_dir() / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def card_schema() -> dict:
    return read_json(CARD_SCHEMA)
