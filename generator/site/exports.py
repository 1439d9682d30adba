"""Data exports: api/models.json, api/index.json, api/models/<org>/<model>.json, api/vram.csv, schema/.

Record shapes are pure functions; ``ExportWriter`` streams them to a folder one
card at a time (models.json too), so memory does not grow with the registry.
Output is deterministic: sorted keys, cards in id order, "\\n" line endings.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any, Mapping

from generator.site import pages

VRAM_COLUMNS = ("id", "quantization", "context", "batch", "kv_dtype", "weights_bytes",
                "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes")
# Version of the export files as a whole. It follows the calculator's api_version
# (generator/calc: "api_version" in every derived record), since the derived part is
# what changes shape: version 2 since `hardware` became per-GPU maps by quantization.
# tests/site/test_build.py checks that the two agree.
API_VERSION = 2


def dumps(data: Any) -> str:
    # compact separators keep the C encoder (indent= would fall back to pure Python)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def model_record(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"id": card["id"], "url": pages.model_url(card["id"]), "card": dict(card), "derived": derived}


def index_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """Compact entry of api/index.json from a models-index row (pages.index_row)."""
    return {k: row[k] for k in ("id", "name", "organization", "arch", "total", "active", "context",
                                "license", "open_weights", "modalities", "release_date", "status")}


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def vram_csv_rows(card_id: str, derived: Mapping[str, Any] | None) -> str:
    """The card's lines of api/vram.csv (the same text the csv module writes)."""
    rows = [[card_id] + [row.get(k, "") for k in VRAM_COLUMNS[1:]] for row in pages.vram_rows(derived)]
    texts = {v for r in rows for v in r if isinstance(v, str)}
    if any(_NEEDS_QUOTES.search(t) for t in texts):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()
    # No cell needs quoting (ids and catalog names; numbers): join directly, None as "" like csv.
    return "".join(",".join("" if v is None else str(v) for v in r) + "\n" for r in rows)


class ExportWriter:
    """Writes the exports into ``out`` card by card; ``finish`` completes the combined files.

    A context manager: the open files are closed however the block ends.
    """

    def __init__(self, out: Path, count: int) -> None:
        self.out = out
        (out / "api" / "models").mkdir(parents=True, exist_ok=True)
        self.paths: list[str] = []
        self._models = open(out / "api" / "models.json", "w", encoding="utf-8", newline="\n")
        try:
            self._csv = open(out / "api" / "vram.csv", "w", encoding="utf-8", newline="")
        except OSError:
            self._models.close()
            raise
        self._models.write(f'{{"count":{count},"models":[')
        self._csv.write(",".join(VRAM_COLUMNS) + "\n")
        self._index: list[dict[str, Any]] = []
        self._first = True
        self._dirs: set[Path] = set()

    def __enter__(self) -> "ExportWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self._models.close()
        self._csv.close()

    def add(self, card_id: str, record: str, csv_rows: str, row: Mapping[str, Any], write_file: bool = True) -> None:
        """One card: ``record`` is its model_record as JSON text, ``csv_rows`` its vram.csv lines;
        ``write_file=False`` leaves its api/models/<id>.json as it is."""
        self._models.write(("" if self._first else ",") + record)
        self._first = False
        rel = f"api/models/{card_id}.json"
        if write_file:
            target = self.out / rel
            if target.parent not in self._dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._dirs.add(target.parent)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(record + "\n")
        self.paths.append(rel)
        self._csv.write(csv_rows)
        self._index.append(index_record(row))

    def finish(self, schema_dir: Path | None) -> list[str]:
        """Close the combined files, write api/index.json and copy ``schema_dir``; every path written, sorted."""
        self._models.write(f'],"version":{API_VERSION}}}\n')
        self._models.close()
        self._csv.close()
        (self.out / "api" / "index.json").write_text(
            dumps({"count": len(self._index), "models": self._index, "version": API_VERSION}) + "\n",
            encoding="utf-8", newline="\n")
        self.paths += ["api/models.json", "api/vram.csv", "api/index.json"]
        if schema_dir is not None and schema_dir.is_dir():
            (self.out / "schema").mkdir(exist_ok=True)
            for path in sorted(schema_dir.iterdir()):
                if path.is_file() and path.suffix in (".json", ".yaml"):
                    shutil.copyfile(path, self.out / "schema" / path.name)
                    self.paths.append(f"schema/{path.name}")
        return sorted(self.paths)
