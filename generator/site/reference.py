"""The "Card format" page's data: the card schema and the catalogs as table rows (pure).

Every property of the card schema becomes one row with its dotted path
(``architecture.attention.kv_heads``; array items as ``sources[].url``), its
type(s) with ``$ref`` resolved against ``$defs``, allowed values, constraints,
whether it is required and whether it may be null, and its title and
description. Rows are grouped into sections: the top-level scalar fields form
"identity"; every object (or array of objects) gets a section of its own, in
schema order, depth first.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from generator.schema_files import resolve_ref
from generator.site import fmt

IDENTITY = "identity"
EXAMPLE_ID = "meta/llama-3.1-8b"  # the reference card contributors copy from (team brief)
BENCHMARK_FIELD = "evaluations[].benchmark"  # its values come from the benchmark catalog
_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean")


def _alternatives(node: Mapping[str, Any], schema: Mapping[str, Any],
                  ref: str | None = None) -> list[tuple[dict[str, Any], str | None]]:
    """The node, or its anyOf/oneOf branches, each resolved: [(branch, name of its $def), ...]."""
    branches = node.get("anyOf") or node.get("oneOf")
    if not branches:
        return [(dict(node), ref)]
    out = []
    for b in branches:
        resolved, name = resolve_ref(b, schema)
        out.extend(_alternatives(resolved, schema, name or ref))
    return out


def _types_of(alt: Mapping[str, Any]) -> list[str]:
    if "type" in alt:
        t = alt["type"]
        return list(t) if isinstance(t, list) else [t]
    if "enum" in alt:
        names = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string"}
        return [names.get(type(v), "string") for v in alt["enum"]]
    if "const" in alt:
        return ["null" if alt["const"] is None else type(alt["const"]).__name__]
    return []


def _bounds(lo: Any, hi: Any, both: str, low: str, high: str) -> list[str]:
    """One phrase for a pair of optional bounds; the templates take {lo}, {hi} and {s} (plural)."""
    if lo is not None and hi is not None:
        return [both.format(lo=lo, hi=hi, s="s")]
    if lo is not None:
        return [low.format(lo=lo, s="s" if lo != 1 else "")]
    if hi is not None:
        return [high.format(hi=hi, s="s")]
    return []


def _constraints(alt: Mapping[str, Any]) -> list[str]:
    out = _bounds(alt.get("minimum"), alt.get("maximum"), "{lo} to {hi}", "≥ {lo}", "≤ {hi}")
    if "exclusiveMinimum" in alt:
        out.append(f"> {alt['exclusiveMinimum']}")
    if "exclusiveMaximum" in alt:
        out.append(f"< {alt['exclusiveMaximum']}")
    out += _bounds(alt.get("minLength"), alt.get("maxLength"),
                   "length {lo} to {hi}", "length ≥ {lo}", "length ≤ {hi}")
    out += _bounds(alt.get("minItems"), alt.get("maxItems"),
                   "{lo} to {hi} items", "at least {lo} item{s}", "at most {hi} items")
    if alt.get("uniqueItems"):
        out.append("no duplicates")
    if "format" in alt:
        out.append(f"format: {alt['format']}")
    return out


def describe(node: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Type facts of one property: types (null left out), nullable, enum values, pattern, constraints."""
    node, ref = resolve_ref(node, schema)
    types: list[str] = []
    enum: list[Any] = []
    patterns: list[str] = []
    constraints: list[str] = []
    item_ref = None
    for alt, alt_ref in _alternatives(node, schema, ref):
        ref = ref or alt_ref
        for t in _types_of(alt):
            if t == "array" and isinstance(alt.get("items"), Mapping):
                items, item_ref = resolve_ref(alt["items"], schema)
                inner = [x for x in dict.fromkeys(_types_of(items)) if x != "null"]
                t = f"array of {' or '.join(inner)}" if inner else "array"
                enum.extend(items.get("enum", []))
                if "pattern" in items:
                    patterns.append(items["pattern"])
            if t not in types:
                types.append(t)
        enum.extend(alt.get("enum", []))
        if "pattern" in alt:
            patterns.append(alt["pattern"])
        constraints.extend(c for c in _constraints(alt) if c not in constraints)
    nullable = "null" in types or None in enum
    shown = [t for t in types if t != "null"]
    shown.sort(key=lambda t: next((i for i, o in enumerate(_TYPE_ORDER) if t.startswith(o)), len(_TYPE_ORDER)))
    return {
        "types": shown,
        "nullable": nullable,
        "enum": [v for v in dict.fromkeys(enum) if v is not None],
        "patterns": list(dict.fromkeys(patterns)),
        "constraints": constraints,
        "ref": ref or item_ref,
    }


def _object_parts(node: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[str], str]:
    """(properties, required, path suffix) of an object or array-of-objects property, else ({}, [], '')."""
    for alt, _ in _alternatives(resolve_ref(node, schema)[0], schema):
        if isinstance(alt.get("properties"), Mapping):
            return alt["properties"], list(alt.get("required", [])), ""
        items = alt.get("items")
        if isinstance(items, Mapping):
            items = resolve_ref(items, schema)[0]
            if isinstance(items.get("properties"), Mapping):
                return items["properties"], list(items.get("required", [])), "[]"
    return {}, [], ""


def _row(path: str, node: Mapping[str, Any], required: bool, schema: Mapping[str, Any]) -> dict[str, Any]:
    merged, _ = resolve_ref(node, schema)
    return {
        "path": path,
        "name": path.rsplit(".", 1)[-1],
        "title": merged.get("title", ""),
        "description": merged.get("description", ""),
        "required": required,
        **describe(node, schema),
    }


def sections(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The schema as sections of rows.

    Each section: ``key`` (anchor: the object's own name, or "identity"),
    ``path``, ``title``, ``description``, ``head`` (the object's own row; None for
    identity), ``rows`` (its non-object children) and ``nested`` (keys of the
    sections of its object children).
    """
    identity: dict[str, Any] = {
        "key": IDENTITY, "path": "", "title": "Identity and general facts",
        "description": "Top-level fields of every card.", "head": None, "rows": [], "nested": [],
    }
    out = [identity]

    def visit(props: Mapping[str, Any], required: list[str], prefix: str, section: dict[str, Any]) -> None:
        for name, child in props.items():
            path = f"{prefix}{name}"
            row = _row(path, child, name in required, schema)
            sub_props, sub_required, suffix = _object_parts(child, schema)
            if not sub_props:
                section["rows"].append(row)
                continue
            sub = {"key": name, "path": path, "title": row["title"], "description": row["description"],
                   "head": row, "rows": [], "nested": []}
            out.append(sub)
            if section is not identity:
                section["nested"].append({"key": name, "title": row["title"]})
            visit(sub_props, sub_required, f"{path}{suffix}.", sub)

    visit(schema.get("properties", {}), list(schema.get("required", [])), "", identity)
    keys = [s["key"] for s in out]
    if len(keys) != len(set(keys)):  # anchors must be unique; fall back to dotted paths
        for s in out[1:]:
            s["key"] = s["path"].replace("[]", "").replace(".", "-")
    return out


def all_rows(secs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every property row, heads included, in page order."""
    rows = []
    for s in secs:
        if s["head"] is not None:
            rows.append(s["head"])
        rows.extend(s["rows"])
    return rows


_CODE = re.compile(r"`([^`]+)`")


def inline_code(text: str) -> list[tuple[str, bool]]:
    """Split a description on backticks: [(text, is_code), ...]; the template escapes each part."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _CODE.finditer(text):
        if m.start() > pos:
            parts.append((text[pos:m.start()], False))
        parts.append((m.group(1), True))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def _num(x: Any) -> str:
    return fmt.UNKNOWN if x is None else f"{x:g}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x)


def benchmark_rows(benchmarks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for b in benchmarks:
        scale = b.get("scale")
        if isinstance(scale, Mapping):
            scale_text = f"{_num(scale.get('min'))} to {_num(scale.get('max'))}"
        else:
            scale_text = fmt.UNKNOWN if scale is None else str(scale)
        hib = b.get("higher_is_better")
        rows.append({"id": b.get("id", ""), "name": b.get("name", ""), "category": b.get("category", ""),
                     "direction": fmt.UNKNOWN if hib is None else "higher is better" if hib else "lower is better",
                     "scale": scale_text, "url": b.get("url")})
    return rows


def _source(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    src = entry.get("source")
    if not isinstance(src, Mapping):
        return None
    return {"title": src.get("title") or src.get("url") or "", "url": src.get("url")}


def quantization_rows(quantizations: Any) -> list[dict[str, Any]]:
    return [{"id": q.get("id", ""), "name": q.get("name", ""), "format": q.get("format", ""),
             "bits": _num(q.get("bits_per_weight")), "source": _source(q)} for q in quantizations or ()]


def _decimal(n: Any, unit: str) -> str:
    """Bytes in decimal units of 10^9, as the catalog states them: 24000000000 -> '24 GB'."""
    return fmt.gb_exact(n, unit)


def gpu_rows(gpus: Any) -> list[dict[str, Any]]:
    return [{"id": g.get("id", ""), "name": g.get("name", ""), "vendor": g.get("vendor", ""),
             "memory": _decimal(g.get("memory_bytes"), "GB"),
             "bandwidth": _decimal(g.get("bandwidth_bytes_per_s"), "GB/s"),
             "usable": fmt.UNKNOWN if g.get("usable_percent") is None else f"{_num(g['usable_percent'])} %",
             "source": _source(g)} for g in gpus or ()]


def page_context(schema: Mapping[str, Any], benchmarks: Sequence[Mapping[str, Any]], catalogs: Any,
                 example: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """Everything card_format.html needs. ``catalogs``: the calculator's Catalogs (or None)."""
    secs = sections(schema)
    for row in all_rows(secs):
        row["description_parts"] = inline_code(row["description"])
        row["see"] = "benchmarks" if row["path"] == BENCHMARK_FIELD else None
    for s in secs:
        s["description_parts"] = inline_code(s["description"])
    return {
        "schema_title": schema.get("title", ""),
        "schema_description": inline_code(schema.get("description", "")),
        "schema_id": schema.get("$id", ""),
        "sections": secs,
        "field_count": len(all_rows(secs)),
        "benchmarks": benchmark_rows(benchmarks),
        "quantizations": quantization_rows(getattr(catalogs, "quantizations", None)),
        "gpus": gpu_rows(getattr(catalogs, "gpus", None)),
        "example": dict(example) if example else None,
    }


def example(card_id: str, yaml_url: str | None, on_site: bool) -> dict[str, str | None] | None:
    """Links to the example card: its YAML in the repository and, when built, its page and JSON."""
    if yaml_url is None and not on_site:
        return None
    return {"path": f"registry/{card_id}.yaml", "yaml_url": yaml_url,
            "page_url": f"models/{card_id}/" if on_site else None,
            "json_url": f"api/models/{card_id}.json" if on_site else None}
