"""Load and validate the calculator catalogs (schema/quantizations.yaml, schema/gpus.yaml).

This is the only module of the calculator that touches the disk. The files are
found where the card schema is (generator.schema_files.schema_dir: ``<repo>/schema/``
in a checkout, else the copies the installed package carries in ``generator/data/``).

The catalogs are read like cards (generator.load: duplicate keys, tags and
aliases refused) and checked against their JSON Schemas the same way; every
problem is a located ``CardError`` (``file:line:col: field: message``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from generator.errors import CardError
from generator.load import Positions, load_file

_Field = tuple[str | int, ...]  # a place in a catalog: mapping keys and list indexes


class CatalogError(ValueError):
    """A catalog file is missing or invalid; ``errors`` says where and why, one located error each."""

    def __init__(self, errors: Sequence[CardError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(e.format() for e in self.errors))


# eq=False: a catalogs value is compared, and hashed, by identity (generator.calc.plan.plan_of keys its cache by it)
@dataclass(frozen=True, eq=False)
class Catalogs:
    tensor_types: Mapping[str, tuple[int, int]]  # id -> (block_weights, block_bytes)
    shape_fallback: Mapping[str, str]
    quantizations: tuple[Mapping[str, Any], ...]  # catalog order
    kv_dtypes: Mapping[str, str]  # kv dtype id -> tensor type id
    gpus: tuple[Mapping[str, Any], ...]
    # System-memory classes (gpus.yaml host_memory): {id, name, bandwidth_bytes_per_s, source};
    # bandwidth None for apple-unified (read at the GPU's own bandwidth).
    host_memory: tuple[Mapping[str, Any], ...] = ()

    def host_memory_class(self, cid: str) -> Mapping[str, Any] | None:
        """The system-memory class ``cid`` (e.g. a GPU entry's ``host_memory``), None if unknown."""
        for c in self.host_memory:
            if c["id"] == cid:
                return c
        return None

    def quantization(self, qid: str) -> Mapping[str, Any] | None:
        for q in self.quantizations:
            if q["id"].lower() == qid.lower():
                return q
        return None


def catalog_dir() -> Path:
    # One rule for every schema file: the card schema and these catalogs ship together.
    from generator.schema_files import schema_dir

    return schema_dir()


def _display(path: Path) -> str:
    """The path as error lines show it: relative to the working directory when below it (as cards are)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _read(path: Path, schema_path: Path) -> tuple[Any, Positions]:
    """One catalog, read with the card loader and checked against its schema; CatalogError if invalid."""
    from generator.schema_check import SchemaChecker

    name = _display(path)
    loaded = load_file(path, name)
    if not loaded.ok:
        raise CatalogError(loaded.errors)
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise CatalogError([CardError(_display(schema_path), 0, 0, (), f"cannot read the catalog's schema: {reason}")]) from None
    problems = SchemaChecker(schema).check(loaded.data)
    if problems:
        raise CatalogError(
            [CardError(name, *loaded.positions.locate(p.path, key=p.at_key), tuple(p.path), p.message) for p in problems]
        )
    return loaded.data, loaded.positions


def _located(file: str, positions: Optional[Positions], found: Iterable[tuple[_Field, str]]) -> list[CardError]:
    out = []
    for path, message in found:
        line, col = positions.locate(path) if positions is not None else (0, 0)
        out.append(CardError(file, line, col, path, message))
    return out


def _cross_check(quant_doc: Mapping[str, Any]) -> list[tuple[_Field, str]]:
    """What the schema cannot say: every tensor type named is defined, quantization ids are unique."""
    types = {t["id"] for t in quant_doc["tensor_types"]}
    found: list[tuple[_Field, str]] = []

    def check(tid: str, path: _Field) -> None:
        if tid not in types:
            found.append((path, f"unknown tensor type {tid!r}; define it in tensor_types"))

    for src, dst in quant_doc["gguf_shape_fallback"].items():
        check(src, ("gguf_shape_fallback",))
        check(dst, ("gguf_shape_fallback", src))
    seen: set[str] = set()
    for i, q in enumerate(quant_doc["quantizations"]):
        if q["id"] in seen:
            found.append((("quantizations", i, "id"), f"duplicate quantization id {q['id']!r}"))
        seen.add(q["id"])
        for role, tid in q["types"].items():
            check(tid, ("quantizations", i, "types", role))
        for role, rules in (q.get("rules") or {}).items():
            for j, r in enumerate(rules):
                check(r["type"], ("quantizations", i, "rules", role, j, "type"))
    for i, k in enumerate(quant_doc["kv_cache_dtypes"]):
        check(k["tensor_type"], ("kv_cache_dtypes", i, "tensor_type"))
    return found


def _cross_check_gpus(gpu_doc: Mapping[str, Any]) -> list[tuple[_Field, str]]:
    """What the GPU schema cannot say: ids unique, every host_memory names a class, sources where needed."""
    classes = gpu_doc.get("host_memory") or []
    class_ids = [c["id"] for c in classes]
    found: list[tuple[_Field, str]] = []
    for i, c in enumerate(classes):
        if c["id"] in class_ids[:i]:
            found.append((("host_memory", i, "id"), f"duplicate host_memory class id {c['id']!r}"))
    seen: set[str] = set()
    for i, g in enumerate(gpu_doc["gpus"]):
        if g["id"] in seen:
            found.append((("gpus", i, "id"), f"duplicate GPU id {g['id']!r}"))
        seen.add(g["id"])
        hm = g.get("host_memory")
        if hm is not None and hm not in class_ids:
            found.append((("gpus", i, "host_memory"),
                          f"unknown host_memory class {hm!r}; choose from {', '.join(class_ids) or '(none defined)'} "
                          "(the top-level host_memory list)"))
        if g.get("fp16_tflops") is not None and "fp16_tflops_source" not in g:
            found.append((("gpus", i, "fp16_tflops"), "a throughput needs its fp16_tflops_source (title, url)"))
        reported = g.get("reported_memory_bytes")
        if reported is not None:
            if "reported_memory_source" not in g:
                found.append((("gpus", i, "reported_memory_bytes"),
                              "a driver-reported memory needs its reported_memory_source (title, url of the log)"))
            if not 0.9 * g["memory_bytes"] <= reported <= 1.1 * g["memory_bytes"]:
                found.append((("gpus", i, "reported_memory_bytes"),
                              f"{reported:,} is not within 10% of memory_bytes ({g['memory_bytes']:,}); a driver "
                              "reports the same memory a little below the binary reading of the vendor's figure"))
        if g["host_memory"] == "apple-unified" and g["usable_percent"] >= 100:
            # unified memory is shared with the OS: the GPU never gets all of it
            found.append((("gpus", i, "usable_percent"),
                          "a unified-memory machine (host_memory apple-unified) gives the GPU only a share of its "
                          "RAM: give that share (Apple: Metal's recommendedMaxWorkingSetSize) below 100, with its "
                          "usable_source"))
        if g["usable_percent"] < 100 and "usable_source" not in g:
            found.append((("gpus", i, "usable_percent"),
                          "below 100 needs a usable_source saying what limits it (Apple: Metal's "
                          "recommendedMaxWorkingSetSize)"))
    return found


def parse_catalogs(quant_doc: Mapping[str, Any], gpu_doc: Mapping[str, Any], where: str = "",
                   positions: Optional[Positions] = None, gpu_where: str = "",
                   gpu_positions: Optional[Positions] = None) -> Catalogs:
    """Cross-check already schema-valid documents and build the Catalogs value.

    ``where`` is the quantization catalog's file name in error lines, ``positions`` its
    key positions (from the loader) to give each error a line and column; ``gpu_where``
    and ``gpu_positions`` the same for the GPU catalog.
    """
    errors = _located(where or "quantizations.yaml", positions, _cross_check(quant_doc))
    errors += _located(gpu_where or "gpus.yaml", gpu_positions, _cross_check_gpus(gpu_doc))
    if errors:
        raise CatalogError(errors)
    types = {t["id"]: (int(t["block_weights"]), int(t["block_bytes"])) for t in quant_doc["tensor_types"]}
    return Catalogs(
        tensor_types=types,
        shape_fallback=dict(quant_doc["gguf_shape_fallback"]),
        quantizations=tuple(quant_doc["quantizations"]),
        kv_dtypes={k["id"]: k["tensor_type"] for k in quant_doc["kv_cache_dtypes"]},
        gpus=tuple(gpu_doc["gpus"]),
        host_memory=tuple(gpu_doc.get("host_memory") or ()),
    )


def load_catalogs(directory: Optional[Path] = None) -> Catalogs:
    """Both catalogs from ``directory`` (default: the schema folder); CatalogError lists every problem found."""
    d = directory or catalog_dir()
    errors: list[CardError] = []
    docs: list[tuple[Any, Positions]] = []
    for stem in ("quantizations", "gpus"):
        try:
            docs.append(_read(d / f"{stem}.yaml", d / f"{stem}.schema.json"))
        except CatalogError as exc:
            errors.extend(exc.errors)
    if errors:
        raise CatalogError(errors)
    (quant, quant_positions), (gpus, gpu_positions) = docs
    return parse_catalogs(quant, gpus, where=_display(d / "quantizations.yaml"), positions=quant_positions,
                          gpu_where=_display(d / "gpus.yaml"), gpu_positions=gpu_positions)


def catalog_errors(directory: Optional[Path] = None) -> list[CardError]:
    """Every problem in the calculator catalogs, as located errors (empty when they are valid)."""
    try:
        load_catalogs(directory)
    except CatalogError as exc:
        return list(exc.errors)
    return []
