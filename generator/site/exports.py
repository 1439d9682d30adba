"""Data exports: api/models.json, api/index.json, api/models/<org>/<model>.json, api/vram.csv, schema/.

``build_exports`` is pure (returns path -> bytes); ``write_exports`` writes them.
Output is deterministic: sorted keys, cards in id order, fixed line endings.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Mapping

from generator.site import pages

VRAM_COLUMNS = ("id", "quantization", "context", "batch", "kv_dtype", "weights_bytes",
                "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes")
API_VERSION = 1


def _json(data: Any, indent: int | None = None) -> bytes:
    sep = (",", ": ") if indent else (",", ":")
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=indent, separators=sep) + "\n").encode()


def model_record(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"id": card["id"], "url": pages.model_url(card["id"]), "card": dict(card), "derived": derived}


def index_record(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any]:
    row = pages.index_row(card, derived)
    return {k: row[k] for k in ("id", "name", "organization", "arch", "total", "active", "context",
                                "license", "open_weights", "modalities", "release_date", "status")}


def vram_csv(cards: list[Mapping[str, Any]], derived: Mapping[str, Mapping[str, Any] | None]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(VRAM_COLUMNS)
    for card in cards:
        for row in pages.vram_rows(derived.get(card["id"])):
            w.writerow([card["id"]] + [row.get(k, "") for k in VRAM_COLUMNS[1:]])
    return buf.getvalue().encode()


def build_exports(cards: list[Mapping[str, Any]], derived: Mapping[str, Mapping[str, Any] | None],
                  schema_dir: Path | None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    records = [model_record(c, derived.get(c["id"])) for c in cards]
    out["api/models.json"] = _json({"version": API_VERSION, "count": len(records), "models": records})
    out["api/index.json"] = _json({"version": API_VERSION, "count": len(cards),
                                   "models": [index_record(c, derived.get(c["id"])) for c in cards]})
    for rec in records:
        out[f"api/models/{rec['id']}.json"] = _json(rec, indent=2)
    out["api/vram.csv"] = vram_csv(cards, derived)
    if schema_dir is not None and schema_dir.is_dir():
        for path in sorted(schema_dir.iterdir()):
            if path.is_file() and path.suffix in (".json", ".yaml"):
                out[f"schema/{path.name}"] = path.read_bytes()
    return out


def write_exports(files: Mapping[str, bytes], site_dir: Path) -> None:
    for rel, data in sorted(files.items()):
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
