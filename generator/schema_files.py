"""Where the card schema and the benchmark catalog live, and reading them (I/O, cached).

A source checkout (also an editable install) reads ``schema/`` at the
repository root, the files contributors edit. An installed package has no
repository: it reads the copies shipped as package data in ``generator/data/``
(tests/test_validate_packaged.py keeps them byte-identical to ``schema/``).
The working directory is never searched: a stray ``schema/`` folder there must
not change what a card is checked against.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CARD_SCHEMA = "model-card.schema.json"
BENCHMARKS = "benchmarks.yaml"
BENCHMARKS_SCHEMA = "benchmarks.schema.json"
# Every file this module serves; the packaged copies must include each one.
SHIPPED = (CARD_SCHEMA, BENCHMARKS, BENCHMARKS_SCHEMA)

_PACKAGE = Path(__file__).resolve().parent
REPO_SCHEMA = _PACKAGE.parent / "schema"
PACKAGED = _PACKAGE / "data"


def schema_dir() -> Path:
    """The repository's ``schema/`` when running from a checkout, else the packaged copies."""
    for cand in (REPO_SCHEMA, PACKAGED):
        if (cand / CARD_SCHEMA).is_file():
            return cand
    raise FileNotFoundError(f"cannot find {CARD_SCHEMA} in {REPO_SCHEMA} or {PACKAGED}")


@lru_cache(maxsize=None)
def read_json(name: str) -> Any:
    with (schema_dir() / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def card_schema() -> dict:
    return read_json(CARD_SCHEMA)
