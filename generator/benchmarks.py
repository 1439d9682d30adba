"""The benchmark catalog (schema/benchmarks.yaml): loading and checking it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

import fastjsonschema

from generator.errors import CardError
from generator.load import load_file
from generator.schema_files import BENCHMARKS, BENCHMARKS_SCHEMA, read_json, schema_dir


@dataclass(frozen=True)
class Catalog:
    """Benchmarks by id; ``errors`` is non-empty when the catalog file itself is bad."""

    benchmarks: Mapping[str, Mapping]
    errors: tuple

    def ids(self) -> list[str]:
        return sorted(self.benchmarks)


def load_catalog(path: Optional[Path] = None) -> Catalog:
    path = path or schema_dir() / BENCHMARKS
    name = str(path)
    loaded = load_file(path, name)
    if not loaded.ok:
        return Catalog({}, tuple(loaded.errors))
    try:
        fastjsonschema.compile(read_json(BENCHMARKS_SCHEMA))(loaded.data)
    except fastjsonschema.JsonSchemaException as exc:
        where = tuple(p for p in exc.path[1:]) if exc.path else ()
        line, col = loaded.positions.locate(where)
        return Catalog({}, (CardError(name, line, col, where, f"benchmark catalog: {exc.message}"),))
    entries: dict[str, Mapping] = {}
    errors = []
    for i, entry in enumerate(loaded.data["benchmarks"]):
        if entry["id"] in entries:
            line, col = loaded.positions.locate(("benchmarks", i, "id"))
            errors.append(CardError(name, line, col, ("benchmarks", i, "id"), f"duplicate benchmark id {entry['id']!r}"))
        entries[entry["id"]] = entry
    return Catalog(entries, tuple(errors))
