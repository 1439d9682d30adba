"""The benchmark catalog (schema/benchmarks.yaml): loading and checking it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from generator.errors import CardError
from generator.load import load_file
from generator.schema_check import SchemaChecker
from generator.schema_files import BENCHMARKS, BENCHMARKS_SCHEMA, read_json, schema_dir


@dataclass(frozen=True)
class Catalog:
    """Benchmarks by id; ``errors`` is non-empty when the catalog file itself is bad."""

    benchmarks: Mapping[str, Mapping[str, Any]]
    errors: tuple[CardError, ...]

    def ids(self) -> list[str]:
        return sorted(self.benchmarks)


def load_catalog(path: Optional[Path] = None) -> Catalog:
    path = path or schema_dir() / BENCHMARKS
    name = str(path)
    loaded = load_file(path, name)
    if loaded.data is None or loaded.errors:
        return Catalog({}, tuple(loaded.errors))
    problems = SchemaChecker(read_json(BENCHMARKS_SCHEMA)).check(loaded.data)
    if problems:
        located = []
        for p in problems:
            line, col = loaded.positions.locate(p.path, key=p.at_key)
            located.append(CardError(name, line, col, p.path, f"benchmark catalog: {p.message}"))
        return Catalog({}, tuple(located))
    entries: dict[str, Mapping[str, Any]] = {}
    errors = []
    for i, entry in enumerate(loaded.data["benchmarks"]):
        if entry["id"] in entries:
            line, col = loaded.positions.locate(("benchmarks", i, "id"))
            errors.append(CardError(name, line, col, ("benchmarks", i, "id"), f"duplicate benchmark id {entry['id']!r}"))
        entries[entry["id"]] = entry
    return Catalog(entries, tuple(errors))
