"""Load and validate the calculator catalogs (schema/quantizations.yaml, schema/gpus.yaml).

This is the only module of the calculator that touches the disk. The files are
found where the card schema is (generator.schema_files.schema_dir: ``<repo>/schema/``
in a checkout, else the copies shipped as package data in ``generator/data/``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import yaml


class CatalogError(ValueError):
    """A catalog file is missing or invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class Catalogs:
    tensor_types: Mapping[str, tuple[int, int]]  # id -> (block_weights, block_bytes)
    shape_fallback: Mapping[str, str]
    quantizations: tuple[Mapping[str, Any], ...]  # catalog order
    kv_dtypes: Mapping[str, str]  # kv dtype id -> tensor type id
    gpus: tuple[Mapping[str, Any], ...]

    @cached_property
    def plan(self) -> Any:
        """Constants derived from the catalogs once (generator.calc.plan.Plan); derive() uses them per card."""
        from generator.calc.plan import build_plan  # late import: plan imports the calculator modules

        return build_plan(self)

    def quantization(self, qid: str) -> Mapping[str, Any] | None:
        for q in self.quantizations:
            if q["id"].lower() == qid.lower():
                return q
        return None


def catalog_dir() -> Path:
    # One rule for every schema file: the card schema and these catalogs ship together.
    from generator.schema_files import schema_dir

    return schema_dir()


def _read(path: Path, schema_path: Path) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise CatalogError(f"{path}{where}: invalid YAML ({getattr(exc, 'problem', exc)})") from None
    import jsonschema  # only when catalogs are loaded: `llmcards validate` never needs it

    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=str)
    if errors:
        e = errors[0]
        loc = "/".join(str(p) for p in e.absolute_path) or "(root)"
        raise CatalogError(f"{path}: {loc}: {e.message}")
    return data


def parse_catalogs(quant_doc: Mapping[str, Any], gpu_doc: Mapping[str, Any], where: str = "") -> Catalogs:
    """Cross-check already schema-valid documents and build the Catalogs value."""
    types = {t["id"]: (int(t["block_weights"]), int(t["block_bytes"])) for t in quant_doc["tensor_types"]}

    def check(tid: str, ctx: str) -> None:
        if tid not in types:
            raise CatalogError(f"{where}quantizations.yaml: {ctx}: unknown tensor type {tid!r}")

    for src, dst in quant_doc["gguf_shape_fallback"].items():
        check(src, "gguf_shape_fallback")
        check(dst, f"gguf_shape_fallback/{src}")
    seen: set[str] = set()
    for q in quant_doc["quantizations"]:
        if q["id"] in seen:
            raise CatalogError(f"{where}quantizations.yaml: duplicate quantization id {q['id']!r}")
        seen.add(q["id"])
        for role, tid in q["types"].items():
            check(tid, f"{q['id']}/types/{role}")
        for role, rules in (q.get("rules") or {}).items():
            for r in rules:
                check(r["type"], f"{q['id']}/rules/{role}")
    kv = {}
    for k in quant_doc["kv_cache_dtypes"]:
        check(k["tensor_type"], f"kv_cache_dtypes/{k['id']}")
        kv[k["id"]] = k["tensor_type"]
    return Catalogs(
        tensor_types=types,
        shape_fallback=dict(quant_doc["gguf_shape_fallback"]),
        quantizations=tuple(quant_doc["quantizations"]),
        kv_dtypes=kv,
        gpus=tuple(gpu_doc["gpus"]),
    )


def load_catalogs(directory: Path | None = None) -> Catalogs:
    d = directory or catalog_dir()
    quant = _read(d / "quantizations.yaml", d / "quantizations.schema.json")
    gpus = _read(d / "gpus.yaml", d / "gpus.schema.json")
    return parse_catalogs(quant, gpus, where=f"{d}/")
