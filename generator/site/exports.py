"""Data exports: api/models.json (the light index: facts and headline figures per card),
api/models/<org>/<model>.json (one card's full record: card and derived figures), api/index.json,
api/vram.csv, api/plans/<org>/<model>.json (engine plans for the common setups;
generator/site/plans.py), schema/. The shapes are documented in site/api.md.

Record shapes are pure functions; ``ExportWriter`` streams them to a folder one
card at a time (models.json too), so memory does not grow with the registry.
Output is deterministic: sorted keys, cards in id order, "\\n" line endings.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from generator.site import pages

VRAM_COLUMNS = ("id", "quantization", "context", "batch", "kv_dtype", "weights_bytes",
                "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes")
# Version of the export files as a whole (site/api.md, "Versions"). 4: api/models.json is an
# index of facts and headline figures (index_entry); the full records, unchanged, are only
# in api/models/<org>/<model>.json, whose `derived` carries the calculator's own api_version
# (generator/calc, 3 today). Up to 3 the export followed that api_version, and api/models.json
# held every full record (3: rows a model has no file of left out, one device's decode ceiling;
# 2: `hardware` became per-GPU maps by quantization).
API_VERSION = 4
MODELS_JSON = "api/models.json"       # the combined files
VRAM_CSV = "api/vram.csv"
INDEX_JSON = "api/index.json"


def dumps(data: Any) -> str:
    # compact separators keep the C encoder (indent= would fall back to pure Python)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def model_record(card: Mapping[str, Any], derived: Mapping[str, Any] | None,
                 history: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``history``: the card's changes from git (generator/site/history.py; site/api.md, "History")."""
    record = {"id": card["id"], "url": pages.model_url(card["id"]), "card": dict(card), "derived": derived}
    if history is not None:
        record["history"] = history
    return record


# Headline figures of an api/models.json entry: these quantizations (besides the model's native
# one) on these GPUs (the site's default "Will it run?" setup, generator/site/setups.py, and a
# data-center card); a GPU the catalog no longer has is left out. The full tables are in the
# per-model file.
HEADLINE_QUANTS = ("BF16", "Q4_K_M")
HEADLINE_GPUS = ("rtx-4090", "h100-sxm-80gb")


def record_path(card_id: str) -> str:
    return f"api/models/{card_id}.json"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def index_entry(card: Mapping[str, Any], derived: Mapping[str, Any] | None, has_plans: bool) -> dict[str, Any]:
    """One card's entry of api/models.json: what a list, filter or compare page needs, and where the
    rest is (``record_url``: the full record; ``plans_url``: the engine plans, null without a file).

    Sizes at the reference context (batch 1, F16 KV cache) for the native quantization (the
    card's ``release.quantization``, else BF16) and HEADLINE_QUANTS, as the per-model file's
    ``vram`` rows give them; ``fit`` copies the per-model file's ``hardware`` maps for those
    quantizations on HEADLINE_GPUS. Without derived figures, ``memory`` and ``fit`` are null.
    """
    lic = _mapping(card.get("license"))
    mod = _mapping(card.get("modalities"))
    declared = _mapping(card.get("parameters"))
    dp = _mapping(_get(derived, "parameters"))
    native = _mapping(card.get("release")).get("quantization") or "BF16"
    quants = [native] + [q for q in HEADLINE_QUANTS if q != native]
    memory: dict[str, Any] | None = None
    fit: list[dict[str, Any]] | None = None
    ref = _get(derived, "reference_context")
    if derived is not None:
        rows = {r.get("quantization"): r for r in pages.vram_rows(derived)
                if r.get("context") == ref and r.get("batch") == 1 and r.get("kv_dtype") == "F16"}
        # a quantization the model has no file of has no row: it is left out, as in the record
        memory = {q: {"weights_bytes": rows[q].get("weights_bytes"), "total_bytes": rows[q].get("total_bytes")}
                  for q in quants if q in rows}
        gpus = {h.get("gpu"): h for h in (_get(derived, "hardware") or []) if isinstance(h, Mapping)}
        fit = []
        for gpu in HEADLINE_GPUS:
            if gpu not in gpus:
                continue
            devices = _mapping(gpus[gpu].get("devices"))
            speed = _mapping(gpus[gpu].get("decode_tokens_per_s_upper_bound"))
            fit.append({"gpu": gpu,
                        "devices": {q: devices[q] for q in memory if q in devices},
                        "decode_tokens_per_s_upper_bound": {q: speed[q] for q in memory if q in speed}})
    return {
        "id": card["id"], "name": card["name"], "organization": card.get("organization"),
        "family": card.get("family"), "status": card.get("status"), "release_date": card.get("release_date"),
        "license": {"name": lic.get("name"), "spdx": lic.get("spdx")},
        "open_weights": card.get("open_weights"),
        "modalities": {"input": list(mod.get("input") or []), "output": list(mod.get("output") or [])},
        "context_length": card.get("context_length"),
        "architecture": _get(card, "architecture", "type"),
        "parameters": {"declared_total": declared.get("total"), "declared_active": declared.get("active"),
                       "total": dp.get("total"), "active": dp.get("active"), "basis": dp.get("basis")},
        # false: sizes from the declared count, device counts lower bounds, no KV cache (site/api.md)
        "architecture_complete": _get(derived, "architecture_complete"),
        "native_quantization": native,
        "reference_context": ref,
        "memory": memory,
        "fit": fit,
        "url": pages.model_url(card["id"]),
        "record_url": record_path(card["id"]),
        "plans_url": plans_path(card["id"]) if has_plans else None,
    }


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def index_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """Compact entry of api/index.json from a models-index row (pages.index_row)."""
    return {k: row[k] for k in ("id", "name", "organization", "arch", "total", "active", "context",
                                "license", "open_weights", "modalities", "release_date", "status")}


def vram_csv_rows(card_id: str, derived: Mapping[str, Any] | None) -> str:
    """The card's lines of api/vram.csv (the same text the csv module writes)."""
    rows = [[card_id] + [row.get(k, "") for k in VRAM_COLUMNS[1:]] for row in pages.vram_rows(derived)]
    # The cells joined directly, None as "" like csv: right when no cell needs quoting (has a
    # comma, quote or line break), which the text shows by itself: no quote or CR, and exactly
    # one newline and one comma fewer than the columns per line.
    text = "".join(",".join(map(str, ["" if v is None else v for v in r] if None in r else r)) + "\n"
                   for r in rows)
    separators = (len(VRAM_COLUMNS) - 1) * len(rows)
    if '"' in text or "\r" in text or text.count("\n") != len(rows) or text.count(",") != separators:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()
    return text


@dataclass
class Layout:
    """Where each card's text lies in a combined file (api/models.json, api/vram.csv) as last
    written: byte spans by card id, and the file's size."""

    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    size: int = 0


class ExportWriter:
    """Writes the exports into ``out`` card by card; ``finish`` completes the combined files.

    Card texts come as UTF-8 bytes and are written as they are. ``layouts`` records where
    each card's text lies in the combined files, so that ``splice`` can later replace one
    card's part without writing the others again. A context manager: the open files are
    closed however the block ends.
    """

    def __init__(self, out: Path, count: int) -> None:
        self.out = out
        (out / "api" / "models").mkdir(parents=True, exist_ok=True)
        self.paths: list[str] = []
        self._models = open(out / "api" / "models.json", "wb")
        try:
            self._csv = open(out / "api" / "vram.csv", "wb")
        except OSError:
            self._models.close()
            raise
        self.layouts = {MODELS_JSON: Layout(), VRAM_CSV: Layout()}
        self._write(MODELS_JSON, f'{{"count":{count},"models":['.encode())
        self._write(VRAM_CSV, (",".join(VRAM_COLUMNS) + "\n").encode())
        self._index: list[dict[str, Any]] = []
        self._first = True
        self._dirs: set[Path] = set()

    def __enter__(self) -> "ExportWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self._models.close()
        self._csv.close()

    def _write(self, rel: str, data: bytes, card_id: str | None = None) -> None:
        """Append ``data`` to a combined file; with ``card_id``, record it as that card's part."""
        layout = self.layouts[rel]
        (self._models if rel == MODELS_JSON else self._csv).write(data)
        if card_id is not None:
            layout.spans[card_id] = (layout.size, layout.size + len(data))
        layout.size += len(data)

    def add(self, card_id: str, record: bytes, entry: bytes, csv_rows: bytes, row: Mapping[str, Any],
            write_file: bool = True) -> None:
        """One card: ``record`` is its model_record as JSON text, ``entry`` its index_entry (the part of
        api/models.json), ``csv_rows`` its vram.csv lines (UTF-8); ``write_file=False`` leaves its
        api/models/<id>.json as it is."""
        if not self._first:
            self._write(MODELS_JSON, b",")
        self._first = False
        self._write(MODELS_JSON, entry, card_id)
        rel = record_path(card_id)
        if write_file:
            write_record(self.out, card_id, record, self._dirs)
        self.paths.append(rel)
        self._write(VRAM_CSV, csv_rows, card_id)
        self._index.append(index_record(row))

    def add_plans(self, card_id: str, plan_text: bytes, write_file: bool = True) -> None:
        """The card's api/plans/<id>.json (``plan_text``: its JSON, no newline); nothing when empty."""
        if not plan_text:
            return
        if write_file:
            write_plans(self.out, card_id, plan_text, self._dirs)
        self.paths.append(plans_path(card_id))

    def finish(self, schema_dir: Path | None) -> list[str]:
        """Close the combined files, write api/index.json and copy ``schema_dir``; every path written, sorted."""
        self._write(MODELS_JSON, f'],"version":{API_VERSION}}}\n'.encode())
        self._models.close()
        self._csv.close()
        write_index(self.out, self._index)
        self.paths += [MODELS_JSON, VRAM_CSV, INDEX_JSON]
        if schema_dir is not None and schema_dir.is_dir():
            (self.out / "schema").mkdir(exist_ok=True)
            for path in sorted(schema_dir.iterdir()):
                if path.is_file() and path.suffix in (".json", ".yaml"):
                    shutil.copyfile(path, self.out / "schema" / path.name)
                    self.paths.append(f"schema/{path.name}")
        return sorted(self.paths)


def write_record(out: Path, card_id: str, record: bytes, made: set[Path] | None = None) -> None:
    """api/models/<id>.json: the card's record and a newline (``made``: folders known to exist)."""
    target = out / record_path(card_id)
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    target.write_bytes(record + b"\n")


def plans_path(card_id: str) -> str:
    return f"api/plans/{card_id}.json"


def write_plans(out: Path, card_id: str, plan_text: bytes, made: set[Path] | None = None) -> None:
    """api/plans/<id>.json: the card's engine plans and a newline; removed when ``plan_text`` is empty."""
    target = out / plans_path(card_id)
    if not plan_text:
        target.unlink(missing_ok=True)
        return
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    target.write_bytes(plan_text + b"\n")


def write_index(out: Path, index: list[dict[str, Any]]) -> None:
    (out / INDEX_JSON).write_text(dumps({"count": len(index), "models": index, "version": API_VERSION}) + "\n",
                                  encoding="utf-8", newline="\n")


def splice(path: Path, layout: Layout, texts: Mapping[str, bytes]) -> Layout | None:
    """Replace the parts of the cards in ``texts`` in the combined file ``path`` written with
    ``layout``; the new layout. Only the file from the first replaced part on is read and
    written again. None (nothing written) when the file is not the size ``layout`` says, or a
    card in ``texts`` has no part in it: the caller then writes the file whole."""
    if not set(texts) <= set(layout.spans):
        return None
    first = min((layout.spans[card_id][0] for card_id in texts), default=layout.size)
    try:
        fh = open(path, "r+b")
    except OSError:
        return None
    with fh:
        if os.fstat(fh.fileno()).st_size != layout.size:
            return None
        fh.seek(first)
        tail = memoryview(fh.read())        # the file from ``first`` on
        fh.seek(first)
        spans: dict[str, tuple[int, int]] = {}
        pos = first      # next byte of the old file to copy
        shift = 0        # how far the parts after the replaced ones have moved
        for card_id, (start, end) in sorted(layout.spans.items(), key=lambda item: item[1]):
            if card_id in texts:
                fh.write(tail[pos - first:start - first])
                fh.write(texts[card_id])
                pos = end
                spans[card_id] = (start + shift, start + shift + len(texts[card_id]))
                shift += len(texts[card_id]) - (end - start)
            else:
                spans[card_id] = (start + shift, end + shift)
        fh.write(tail[pos - first:])
        fh.truncate()
    return Layout(spans, layout.size + shift)


# -- api/fit/<setup>.json: what runs on one setup (generator/site/fit.py) ------------------------

FIT_DIR = "api/fit"


def fit_path(setup_id: str) -> str:
    return f"{FIT_DIR}/{setup_id}.json"


def fit_model(row: Mapping[str, Any], engines_fit: Mapping[str, Any], rank: int | None) -> dict[str, Any]:
    """One model of an api/fit file: the facts a list needs and each engine's summary."""
    return {"id": row["id"], "name": row["name"], "organization": row.get("organization", ""),
            "license": row.get("license") or None, "open_weights": bool(row.get("open_weights")),
            "modalities": list(row.get("modalities") or []), "release_date": row.get("release_date") or None,
            "total": row.get("total"), "active": row.get("active"), "rank": rank,
            "engines": dict(engines_fit)}


def write_fit(out: Path, models: list[tuple[Mapping[str, Any], Mapping[str, Any]]],
              ranks: Mapping[str, int], ranked: int | None, setups_public: list[dict[str, Any]],
              context: int, default: str | None, engine: str) -> list[str]:
    """Write api/fit/index.json (the setups, the default setup and engine) and api/fit/<setup>.json
    for every public setup; the site-relative paths written.

    ``models``: (models-index row, fit.card_fit of the card) per card, in id order; ``ranks``:
    card id -> overall leaderboard rank; ``ranked``: how many models the overall ranking has."""
    (out / FIT_DIR).mkdir(parents=True, exist_ok=True)
    index = {"api_version": 1, "context": context, "default": default, "engine": engine, "setups": setups_public}
    (out / FIT_DIR / "index.json").write_text(dumps(index) + "\n", encoding="utf-8", newline="\n")
    written = [f"{FIT_DIR}/index.json"]
    for setup in setups_public:
        sid = setup["id"]
        data = {"api_version": 1, "setup": setup, "context": context, "ranked": ranked,
                "models": [fit_model(row, fits.get(sid) or {}, ranks.get(row["id"])) for row, fits in models]}
        rel = fit_path(sid)
        (out / rel).write_text(dumps(data) + "\n", encoding="utf-8", newline="\n")
        written.append(rel)
    return written


# -- the engine inputs for custom hardware (api/calc/) ------------------------------------------
# The header's "My hardware" picker also takes any catalog GPU x count (or a unified-memory
# machine) with the reader's system RAM. For such a setup the browser chooses the best way to
# run each model itself (site/assets/js/fit-rule.js: generator/site/fit.py's rule on the engine
# modules engine-llamacpp.js / engine-vllm.js), from these two files, loaded only then:
#   api/calc/gpus.json    the GPU catalog as the engines and the rule read it, and the rule's constants
#   api/calc/models.json  every model's engine inputs (generator/site/calc_inputs.py), by card id
CALC_DIR = "api/calc"
CALC_GPUS = f"{CALC_DIR}/gpus.json"
CALC_MODELS = f"{CALC_DIR}/models.json"
CALC_API_VERSION = 1


def calc_gpus(catalogs: Any) -> dict[str, Any]:
    """api/calc/gpus.json: per catalog GPU what the picker shows (name, picker group, memory,
    unified memory: chip and size) and what the engines' plans and the rule read (the capacity
    one device offers llama.cpp, the driver-reported memory, the usable share, the bandwidths,
    vLLM's fields); the rule's constants (fit.py) and each quantization's bits per weight."""
    from generator.calc import engines
    from generator.calc.engines import llamacpp as L
    from generator.site import calc_inputs, fit

    vfields = calc_inputs.vllm_gpu_fields(catalogs)
    rows = []
    for g in catalogs.gpus:
        gid = str(g["id"])
        hw = engines.hardware(catalogs, gid, 1)
        unified = engines.unified_memory(g)
        name = str(g["name"])
        rows.append({
            "id": gid, "name": name, "vendor": g.get("vendor"), "group": pages.gpu_group(name),
            "memory_bytes": g.get("memory_bytes"), "unified": unified,
            "chip": name.split(",")[0] if unified else None,     # "Apple M3 Pro, 36 GB unified memory"
            "device_memory_bytes": engines.device_memory(hw), "usable_percent": g.get("usable_percent"),
            "bandwidth_bytes_per_s": g.get("bandwidth_bytes_per_s"),
            "ram_bandwidth_bytes_per_s": hw.ram_bandwidth_bytes_per_s, "host_memory": g.get("host_memory"),
            "capacity_bytes": L.device_capacity(hw), "backend": L.backend_name(hw.gpu), "vllm": vfields[gid],
        })
    bits = {str(q["id"]): q.get("bits_per_weight") for q in catalogs.quantizations}
    return {"api_version": CALC_API_VERSION, "max_gpus": MAX_PICKER_GPUS,
            "rule": {"context": fit.CONTEXT, "gguf_quants": list(fit.GGUF_QUANTS),
                     "offload_quants": list(fit.OFFLOAD_QUANTS), "all_on_gpu": dict(fit.ALL_ON_GPU),
                     "prune_margin": fit.PRUNE_MARGIN, "bits_per_weight": bits, "needs_gpu": dict(fit.NEEDS_GPU)},
            "host_memory": {str(c["id"]): {"name": c.get("name"), "bandwidth_bytes_per_s": c.get("bandwidth_bytes_per_s")}
                            for c in getattr(catalogs, "host_memory", ())},
            "gpus": rows}


# The most GPUs of one kind the picker offers (a node of 8).
MAX_PICKER_GPUS = 8


def calc_model(card: Mapping[str, Any], catalogs: Any) -> dict[str, Any]:
    """One model's entry of api/calc/models.json: the live calculator's engine inputs."""
    from generator.site import calc_inputs

    return {"llama.cpp": calc_inputs.engine_inputs(card, catalogs), "vllm": calc_inputs.vllm_inputs(card, catalogs)}


def write_calc(out: Path, cards: Sequence[Mapping[str, Any]], catalogs: Any) -> list[str]:
    """Write api/calc/gpus.json and api/calc/models.json (cards in id order); the paths written."""
    (out / CALC_DIR).mkdir(parents=True, exist_ok=True)
    (out / CALC_GPUS).write_text(dumps(calc_gpus(catalogs)) + "\n", encoding="utf-8", newline="\n")
    models = {str(c["id"]): calc_model(c, catalogs) for c in sorted(cards, key=lambda c: str(c["id"]))}
    # An engine's "basis" (the engine version its rules follow, its module's BASIS) is the same for
    # every model: written once, under "bases", instead of once per model (about 400 bytes a model).
    from generator.calc import engines

    bases = {name: str(engines.engine_module(name).BASIS) for name in engines.ENGINES}
    for entry in models.values():
        for inputs in entry.values():
            del inputs["basis"]
    data = {"api_version": CALC_API_VERSION, "bases": bases, "models": models}
    (out / CALC_MODELS).write_text(dumps(data) + "\n", encoding="utf-8", newline="\n")
    return [CALC_GPUS, CALC_MODELS]
