"""Where the card schema and the catalogs live, and reading them (I/O, cached).

``schema/`` at the repository root is the one source: a checkout (also an
editable install) reads it directly. An installed package has no repository:
the build copies schema/ into the wheel as ``generator/data/`` (setup.py maps
the package ``generator.data`` onto ``schema/``; tests/test_validate_packaged.py
builds the package and checks the copy). Nothing is committed twice.
The working directory is never searched: a stray ``schema/`` folder there must
not change what a card is checked against.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

CARD_SCHEMA = "model-card.schema.json"
BENCHMARKS = "benchmarks.yaml"
BENCHMARKS_SCHEMA = "benchmarks.schema.json"

_PACKAGE = Path(__file__).resolve().parent
REPO_SCHEMA = _PACKAGE.parent / "schema"
PACKAGED = _PACKAGE / "data"  # only in an installed package (built from schema/ by setup.py)


def schema_dir() -> Path:
    """The repository's ``schema/`` when running from a checkout, else the packaged copies."""
    for cand in (REPO_SCHEMA, PACKAGED):
        if (cand / CARD_SCHEMA).is_file():
            return cand
    raise FileNotFoundError(f"cannot find {CARD_SCHEMA} in {REPO_SCHEMA} or {PACKAGED}")


@lru_cache(maxsize=None)
def _read_text(name: str) -> str:
    return (schema_dir() / name).read_text(encoding="utf-8")


def read_json(name: str) -> Any:
    """A fresh object on every call: callers (fastjsonschema among them) may change what they get."""
    return json.loads(_read_text(name))


def card_schema() -> dict[str, Any]:
    schema: dict[str, Any] = read_json(CARD_SCHEMA)
    return schema


def resolve_ref(node: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """``node`` with its local ``$ref`` merged in (the node's own keys win) and the def's name.

    The one schema walker step shared by the card skeleton (``llmcards new``) and the
    site's card-format page. Only local references (``#/...``) exist in our schemas.
    """
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return dict(node), None
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported $ref {ref!r}: only local references are supported")
    target: Any = schema
    for part in ref[2:].split("/"):
        target = target[part]
    base, _ = resolve_ref(target, schema)
    return {**base, **{k: v for k, v in node.items() if k != "$ref"}}, ref.rsplit("/", 1)[-1]
