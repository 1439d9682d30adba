"""`llmcards calc`: parameter counts and VRAM for a card id, card file or HF config.json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# The calculator, jsonschema and the importer are imported inside the functions that
# use them: every `llmcards` command builds this module's parser, and `validate`
# must not pay for them at start-up.

NAME = "calc"
HELP = "Compute parameter counts, VRAM (weights + KV cache + activations + overhead), hardware fit."

GB = 10**9


class CalcInputError(Exception):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="card id (org/model), card .yaml path, or Hugging Face config.json")
    parser.add_argument("--quant", default=None, help="quantization id (default: all in the catalog)")
    parser.add_argument("--context", type=int, default=None, help="context tokens (default: the table contexts)")
    parser.add_argument("--kv-dtype", default="F16", help="KV-cache dtype: F16, BF16, FP8, Q8_0, Q4_0 (default F16)")
    parser.add_argument("--batch", type=int, default=1, help="concurrent sequences (default 1)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--registry", type=Path, default=None, help="registry directory (default: ./registry)")


def _card_schema_validator() -> "jsonschema.Draft202012Validator":
    """Only the fields the calculator reads; descriptive fields may be missing or null."""
    import jsonschema

    from generator.schema_files import card_schema

    schema = card_schema()
    props = schema["properties"]
    sub = {
        "$defs": schema["$defs"],
        "type": "object",
        "required": ["architecture"],
        "properties": {k: props[k] for k in ("architecture", "parameters", "context_length")},
    }
    return jsonschema.Draft202012Validator(sub)


def _load_yaml_card(path: Path) -> dict[str, Any]:
    from generator.load import load_file  # the validator's exact, located loader

    loaded = load_file(path)
    if loaded.errors or not isinstance(loaded.data, dict):
        raise CalcInputError("\n".join(e.format() for e in loaded.errors) or f"{path}: not a mapping")
    return loaded.data


def resolve(model: str, registry: Path | None) -> tuple[dict[str, Any], str]:
    from generator.commands.import_hf import read_config
    from generator.importers.hf import ImportErrorHF, card_draft

    path = Path(model)
    if path.suffix == ".json":
        if not path.is_file():
            raise CalcInputError(f"{model}: no such file")
        try:
            return card_draft(read_config(path), "import/" + path.stem.lower() or "import/model"), str(path)
        except ImportErrorHF as exc:
            raise CalcInputError(str(exc)) from None
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise CalcInputError(f"{model}: no such file")
        return _load_yaml_card(path), str(path)
    reg = registry or Path("registry")
    candidate = reg / f"{model}.yaml"
    if "/" not in model or not candidate.is_file():
        raise CalcInputError(f"{model!r}: no card {candidate} (give an id org/model, a .yaml card or a config.json)")
    return _load_yaml_card(candidate), str(candidate)


def _check(card: dict[str, Any], where: str) -> None:
    errors = sorted(_card_schema_validator().iter_errors(card), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for e in errors[:10]:
            field = ".".join(str(p) for p in e.absolute_path) or "(card)"
            lines.append(f"{where}: {field}: {e.message}")
        raise CalcInputError("\n".join(lines))


def _gb(b: int | None) -> str:
    return "-" if b is None else f"{b / GB:,.2f}"


def _rows(derived: dict[str, Any], catalogs, args) -> list[dict[str, Any]]:
    from generator.calc import vram_at

    quants = [q["id"] for q in catalogs.quantizations]
    if args.quant:
        q = catalogs.quantization(args.quant)
        if q is None:
            raise CalcInputError(f"--quant {args.quant!r}: unknown; choose from {', '.join(quants)}")
        quants = [q["id"]]
    contexts = [args.context] if args.context else derived["contexts"]
    return [vram_at(derived, q, args.kv_dtype, c, args.batch) for q in quants for c in contexts]


def _table(derived: dict[str, Any], rows: list[dict[str, Any]], where: str) -> str:
    p = derived["parameters"]
    out = [f"{derived['id'] or where}"]
    basis = p["basis"] or "unknown"
    out.append(f"parameters: total {p['total']:,} | active {p['active']:,} (input embedding included) "
               f"| basis: {basis}" if p["total"] is not None else f"parameters: unknown (basis: {basis})")
    if p["total_difference_percent"] not in (None, 0.0):
        out.append(f"  declared total {p['declared_total']:,} differs by {p['total_difference_percent']}%")
    out.append("VRAM in GB (10^9 bytes): weights + KV cache + activations + overhead = total")
    head = f"{'quant':<10}{'context':>10}{'batch':>6}{'kv':>6}{'weights':>10}{'kv cache':>10}{'activ.':>9}{'overhead':>9}{'total':>10}"
    out.append(head)
    for r in rows:
        out.append(
            f"{r['quantization']:<10}{r['context']:>10,}{r['batch']:>6}{r['kv_dtype']:>6}{_gb(r['weights_bytes']):>10}"
            f"{_gb(r['kv_cache_bytes']):>10}{_gb(r['activations_bytes']):>9}{_gb(r['overhead_bytes']):>9}{_gb(r['total_bytes']):>10}"
        )
    out.append(f"hardware (context {derived['reference_context']:,}, batch 1, F16 KV): fewest devices; decode tok/s is an upper bound")
    want = {r["quantization"] for r in rows}
    weights = derived["calculator"]["weights_bytes"]
    shown = [q for q in weights if q in want and (len(want) == 1 or q in ("BF16", "Q8_0", "Q4_K_M"))]
    for h in derived["hardware"]:
        cells = []
        for q in shown:
            n, tps = h["devices"][q], h["decode_tokens_per_s_upper_bound"][q]
            devices = f"{n}x" if n is not None else ">64x" if weights[q] is not None else "unknown"
            cells.append(f"{q}: {devices}" + (f" <= {tps:,.1f} tok/s" if tps is not None else ""))
        if cells:
            out.append(f"  {h['name']:<40} " + "; ".join(cells))
    if not derived["architecture_complete"]:
        out.append("note: architecture incomplete; weights from the declared parameter count, KV cache unknown where fields are null")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    from generator.calc import derive
    from generator.calc.catalogs import CatalogError, load_catalogs

    if args.context is not None and args.context < 1 or args.batch < 1:
        print("llmcards calc: --context and --batch must be positive", file=sys.stderr)
        return 2
    try:
        catalogs = load_catalogs()
    except CatalogError as exc:  # located lines, as validate prints them
        for e in exc.errors:
            print(e.format(), file=sys.stderr)
        print("llmcards calc: invalid catalogs", file=sys.stderr)
        return 1
    if args.kv_dtype not in catalogs.kv_dtypes:
        print(f"llmcards calc: --kv-dtype {args.kv_dtype!r}: choose from {', '.join(catalogs.kv_dtypes)}", file=sys.stderr)
        return 2
    try:
        card, where = resolve(args.model, args.registry)
        _check(card, where)
        derived = derive(card, catalogs)
        rows = _rows(derived, catalogs, args)
    except CalcInputError as exc:
        print(f"llmcards calc: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        if args.quant or args.context or args.batch != 1 or args.kv_dtype != "F16":
            derived = {**derived, "query": rows}
        json.dump(derived, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_table(derived, rows, where))
    return 0
