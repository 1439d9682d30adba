"""`llmcards calc`: parameter counts and VRAM for a card id, card file or HF config.json.

Cards are checked exactly as `llmcards validate` checks them (generator.validate's
per-file API): a problem in a field the calculator reads stops the command with the
validator's located message (exit 1); problems elsewhere (a draft's empty name, say)
are counted in one note. Exit codes as the README: 0 ok, 1 invalid input, 2 usage
error (bad option, missing file or unknown card id).

``--format json`` prints derive()'s stable shape (generator.calc). With any of --quant,
--context, --batch or --kv-dtype it adds ``query`` (the asked VRAM rows),
``query_hardware`` (the ``hardware`` block at the asked context, batch and KV dtype;
``hardware`` itself stays at the reference context) and ``query_inputs``.
"""

from __future__ import annotations

import re

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from generator.commands import positive_int

# The calculator, the validator and the importer are imported inside the functions that
# use them: every `llmcards` command builds this module's parser, and must not pay for them.
if TYPE_CHECKING:
    from generator.calc.catalogs import Catalogs
    from generator.errors import CardError

NAME = "calc"
HELP = "Compute parameter counts, VRAM (weights + KV cache + activations + overhead), hardware fit."

GB = 10**9
# Upper bounds for the options: far beyond any model (the largest context in the registry
# is 10M tokens), and small enough that every product stays a printable number.
MAX_CONTEXT = 1_000_000_000
MAX_BATCH = 1_000_000
# Fields the calculator reads: a problem there stops `calc`.
CALC_FIELDS = ("architecture", "context_length", "release")
# Other spellings of the KV dtypes (llama.cpp --cache-type-k, gguf-parser, vLLM), lower case.
KV_ALIASES = {"fp16": "F16", "f8": "FP8", "fp8_e4m3": "FP8", "fp8_e5m2": "FP8"}


class CalcInputError(Exception):
    """Bad input; ``code`` is the exit status (1 invalid input, 2 usage error)."""

    def __init__(self, message: str, code: int = 1, located: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.located = located  # file:line:col: field: message lines, printed as validate prints them


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="card id (org/model), card .yaml path, or Hugging Face config.json")
    parser.add_argument("--quant", default=None, help="quantization id (default: all that apply to the model)")
    parser.add_argument("--context", type=positive_int(MAX_CONTEXT), default=None,
                        help="context tokens (default: the table contexts; fit and speed at 8,192 or the maximum)")
    parser.add_argument("--kv-dtype", default="F16",
                        help="KV-cache dtype: F16, BF16, FP8, Q8_0, Q4_0, any case; llama.cpp's f16, q8_0, q4_0 "
                             "(default F16)")
    parser.add_argument("--batch", type=positive_int(MAX_BATCH), default=1, help="concurrent sequences (default 1)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--registry", type=Path, default=None, help="registry directory (default: ./registry)")


# -- input: a card file, a card id or a config.json, checked like `validate` ----------------

def _readable_number(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _split(errors: Sequence[CardError], data: Any) -> tuple[list[CardError], list[CardError]]:
    """(errors that stop the calculation, the others).

    Stops: the file itself (syntax, encoding: no field path), anything in architecture or
    context_length, and a parameters value that is not a whole number or null. Not: the
    parameters cross-checks (a draft's missing active count, the declared-vs-architecture
    difference that calc itself shows), which stop only `validate`.
    """
    params = data.get("parameters") if isinstance(data, dict) else None
    fatal: list[CardError] = []
    other: list[CardError] = []
    for e in errors:
        head = e.path[0] if e.path else None
        if head == "parameters":
            value = params.get(e.path[1]) if isinstance(params, dict) and len(e.path) == 2 else params
            stops = not isinstance(params, dict) or not _readable_number(value)
        else:
            stops = head is None or head in CALC_FIELDS
        (fatal if stops else other).append(e)
    return fatal, other


def _validator() -> Any:
    from generator.benchmarks import Catalog
    from generator.validate import CardValidator

    # No benchmark catalog: evaluations are not the calculator's business (and reading
    # the catalog would slow every run); `llmcards validate` checks them.
    return CardValidator(catalog=Catalog({}, ()))


def _load_card(path: Path, display: str, expected_id: str | None) -> tuple[dict[str, Any], list[str]]:
    """The card and the notes to print; CalcInputError (exit 1) with validate's messages."""
    from generator.validate import Target

    _card, errors, loaded = _validator().validate(Target(path, display, expected_id))
    fatal, other = _split(errors, loaded.data if loaded is not None else None)
    if fatal or loaded is None or not isinstance(loaded.data, dict):
        raise CalcInputError(f"{display}: not a card the calculator can read (the lines above say why)",
                             located=[e.format() for e in fatal])
    notes = [f"warning: {e.format()}" for e in other if e.path[:1] == ("parameters",)]
    rest = len(other) - len(notes)
    if rest:
        notes.append(f"note: {display}: {rest} other problem{'s' if rest > 1 else ''} in fields the calculator "
                     f"does not read; `llmcards validate {display}` lists them")
    return loaded.data, notes


def _check_draft(card: dict[str, Any], display: str) -> None:
    """A config.json's draft: the schema and cross-field checks of validate, on the calculator's fields."""
    from generator.checks import check_card
    from generator.importers.hf import config_key_for

    validator = _validator()
    problems = validator.checker.check(card) + check_card(card)
    lines = []
    for p in problems:
        if not p.path or p.path[0] not in ("architecture",):
            continue  # a draft leaves every descriptive field empty
        from generator.errors import dotted

        key = config_key_for(tuple(p.path))
        source = f" (config.json {key})" if key else ""
        lines.append(f"{display}: {dotted(p.path)}{source}: {p.message}")
    if lines:
        raise CalcInputError(f"{display}: the architecture from this config.json is not valid (the lines above say why)",
                             located=lines)


def _registry_ids(registry: Path) -> list[str]:
    return sorted(f"{p.parent.name}/{p.stem}" for p in registry.glob("*/*.yaml"))


def _unknown_id(model: str, registry: Path) -> CalcInputError:
    import difflib

    ids = _registry_ids(registry)
    lower = {i.lower(): i for i in ids}
    guess = [lower[model.lower()]] if model.lower() in lower else difflib.get_close_matches(model, ids, n=3, cutoff=0.75)
    where = f"looked for {registry / (model + '.yaml')}" if "/" in model else f"looked in {registry}/"
    hint = f"; did you mean {' or '.join(repr(g) for g in guess)}?" if guess else ""
    if not ids:
        hint = f"; {registry}/ holds no cards (use --registry DIR, a .yaml card or a config.json)"
    return CalcInputError(f"{model!r}: no such card ({where}){hint}", code=2)


def _missing(path: Path) -> CalcInputError:
    return CalcInputError(f"{path}: {'not a file' if path.exists() else 'no such file'}", code=2)


def _config_name(path: Path) -> str:
    """The model's name for a config.json: its folder's ("Qwen3-8B/config.json" -> "qwen3-8b", as a
    downloaded checkpoint is laid out), or the file's own when it is not called config.json."""
    name = path.resolve().parent.name if path.stem.lower() == "config" else path.stem
    # an id part, and the GGUF name of llama.cpp's command: letters, digits, '.', '_' and '-' alone
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "model"


def resolve(model: str, registry: Path | None) -> tuple[dict[str, Any], str, list[str]]:
    """(card, where it came from, notes) for a card id, a card file or a config.json."""
    path = Path(model)
    if path.suffix == ".json":
        from generator.importers.hf import ImportErrorHF, card_draft, read_config

        if not path.is_file():
            raise _missing(path)
        try:
            card = card_draft(read_config(path), "import/" + _config_name(path))
            # where it came from: the vLLM command serves that folder (vllm.hf_repo)
            card["sources"] = [{"title": "the config.json given", "url": path.resolve().as_uri()}]
        except ImportErrorHF as exc:
            raise CalcInputError(exc.located(model)) from None
        _check_draft(card, model)
        return card, model, []
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise _missing(path)
        card, notes = _load_card(path, model, None)
        return card, model, notes
    if path.is_file():  # an existing file that is neither a card nor a config.json
        raise CalcInputError(f"{path}: not a card file (.yaml) or a Hugging Face config.json", code=2)
    reg = registry or Path("registry")
    candidate = reg / f"{model}.yaml"
    if model.count("/") != 1 or not candidate.is_file():
        raise _unknown_id(model, reg)
    card, notes = _load_card(candidate, str(candidate), model)
    return card, str(candidate), notes


# -- options that depend on the catalogs ------------------------------------------------------

def kv_dtype_id(given: str, known: Sequence[str]) -> str | None:
    """The catalog id for a KV dtype spelling (case-insensitive; llama.cpp and vLLM names)."""
    by_lower = {k.lower(): k for k in known}
    name = given.strip().lower()
    name = KV_ALIASES.get(name, name).lower()
    return by_lower.get(name)


def applies(quant: Mapping[str, Any], card: Mapping[str, Any]) -> bool:
    """False for a quantization no file of this model is stored in (generator.calc.native.as_stored)."""
    from generator.calc.native import as_stored

    return as_stored(card, quant) is not None


def _quantizations(catalogs: Catalogs, card: Mapping[str, Any], wanted: str | None) -> tuple[list[str], list[str]]:
    """(quantization ids to show, ids left out because no file of that name exists for the model)."""
    shown = [q["id"] for q in catalogs.quantizations if applies(q, card)]
    left = [q["id"] for q in catalogs.quantizations if not applies(q, card)]
    if wanted:
        import difflib

        q = catalogs.quantization(wanted)
        if q is None:
            ids = [x["id"] for x in catalogs.quantizations]
            guess = difflib.get_close_matches(wanted.upper(), ids, n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            raise CalcInputError(f"--quant {wanted!r}: unknown{hint}; choose from {', '.join(ids)}", code=2)
        if q["id"] in left:
            raise CalcInputError(f"--quant {q['id']}: {_LEFT_OUT_REASON}; choose from {', '.join(shown)}", code=2)
        return [q["id"]], []
    return shown, left


# Why a quantization is not shown (generator.calc.native): it stores only routed experts
# differently and exists only as the publisher's own checkpoint.
_LEFT_OUT_REASON = ("no file of this model is stored that way (it keeps only routed experts in another type, "
                    "and only a model released so has such a file)")


# -- output -----------------------------------------------------------------------------------

def _gb(b: int | None) -> str:
    return "-" if b is None else f"{b / GB:,.2f}"


def _difference(p: Mapping[str, Any]) -> str | None:
    """The declared-vs-architecture difference, worded and signed as `validate` words it."""
    declared, derived = p["declared_total"], p["total"]
    if p["basis"] != "architecture" or not declared or not derived or declared == derived:
        return None
    diff = (declared - derived) / derived
    return f"declared total {declared:,}; the architecture gives {derived:,} ({diff * 100:+.1f}%)"


# Columns: (title, width, cell). Every cell is right-aligned in its width after one space,
# so columns never run together however large the numbers get.
def _columns() -> list[tuple[str, int, Callable[[dict[str, Any]], str]]]:
    return [
        ("context", 10, lambda r: f"{r['context']:,}"),
        ("batch", 6, lambda r: f"{r['batch']:,}"),
        ("kv", 5, lambda r: str(r["kv_dtype"])),
        ("weights", 9, lambda r: _gb(r["weights_bytes"])),
        ("kv cache", 9, lambda r: _gb(r["kv_cache_bytes"])),
        ("activ.", 8, lambda r: _gb(r["activations_bytes"])),
        ("overhead", 8, lambda r: _gb(r["overhead_bytes"])),
        ("total", 9, lambda r: _gb(r["total_bytes"])),
    ]


def _vram_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    cols = _columns()
    qw = max([len("quant")] + [len(r["quantization"]) for r in rows])
    cells = [[cell(r) for _, _, cell in cols] for r in rows]
    widths = [max([w, len(t)] + [len(c[i]) for c in cells]) for i, (t, w, _) in enumerate(cols)]
    out = ["quant".ljust(qw) + "".join(" " + t.rjust(w) for (t, _, _), w in zip(cols, widths, strict=True))]
    for r, c in zip(rows, cells, strict=True):
        out.append(r["quantization"].ljust(qw) + "".join(" " + v.rjust(w) for v, w in zip(c, widths, strict=True)))
    return out


def _table(derived: dict[str, Any], rows: list[dict[str, Any]], hardware: list[dict[str, Any]],
           fit: tuple[int, int, str], left_out: Sequence[str], where: str) -> str:
    p = derived["parameters"]
    out = [f"{derived['id'] or where}"]
    basis = p["basis"] or "unknown"
    if p["total"] is None:
        out.append(f"parameters: unknown (basis: {basis})")
    else:
        active = f"{p['active']:,}" if p["active"] is not None else "unknown"
        label = " (input embedding included)" if basis == "architecture" else ""
        out.append(f"parameters: total {p['total']:,} | active {active}{label} | basis: {basis}")
    diff = _difference(p)
    if diff:
        out.append(f"  {diff}")
    out.append("VRAM in GB (10^9 bytes): weights + KV cache + activations + overhead = total")
    out.extend(_vram_lines(rows))
    context, batch, kv = fit
    out.append(f"hardware at the asked context {context:,}, batch {batch:,}, {kv} KV cache: fewest devices "
               "(split by layers); decode tok/s per sequence is an upper bound, bandwidth / bytes read per token, "
               "the same for any device count (layer split adds no bandwidth)")
    want = {r["quantization"] for r in rows}
    weights = derived["calculator"]["weights_bytes"]
    shown = [q for q in weights if q in want and (len(want) == 1 or q in ("BF16", "Q8_0", "Q4_K_M"))]
    for h in hardware:
        parts = []
        for q in shown:
            n, tps = h["devices"][q], h["decode_tokens_per_s_upper_bound"][q]
            devices = f"{n}x" if n is not None else ">64x" if weights[q] is not None else "unknown"
            parts.append(f"{q}: {devices}" + (f" <= {tps:,.1f} tok/s" if tps is not None else ""))
        if parts:
            out.append(f"  {h['name']:<40} " + "; ".join(parts))
    if left_out:
        out.append(f"not shown: {', '.join(left_out)} ({_LEFT_OUT_REASON})")
    out.append("assumes llama.cpp defaults: micro-batch 512, flash attention on, all layers on GPU; "
               "`llmcards plan` models each engine")
    if not derived["architecture_complete"]:
        out.append("note: architecture incomplete; weights from the declared parameter count, KV cache unknown where fields are null")
    return "\n".join(out) + "\n"


def _fail(exc: CalcInputError) -> int:
    for line in exc.located:
        print(line, file=sys.stderr)
    print(f"llmcards calc: {exc}", file=sys.stderr)
    return exc.code


def run(args: argparse.Namespace) -> int:
    from generator.calc import derive, hardware_at, vram_query
    from generator.calc.catalogs import CatalogError, load_catalogs

    try:
        catalogs = load_catalogs()
    except CatalogError as exc:  # located lines, as validate prints them
        for e in exc.errors:
            print(e.format(), file=sys.stderr)
        print("llmcards calc: invalid catalogs", file=sys.stderr)
        return 1
    kv_dtype = kv_dtype_id(args.kv_dtype, list(catalogs.kv_dtypes))
    if kv_dtype is None:
        print(f"llmcards calc: --kv-dtype {args.kv_dtype!r}: choose from {', '.join(catalogs.kv_dtypes)} "
              "(any case; llama.cpp's f16, q8_0, q4_0 work too)", file=sys.stderr)
        return 2
    try:
        card, where, notes = resolve(args.model, args.registry)
        quants, left_out = _quantizations(catalogs, card, args.quant)
    except CalcInputError as exc:
        return _fail(exc)
    derived = derive(card, catalogs)
    max_ctx = derived["max_context"]
    if args.context is not None and max_ctx is not None and args.context > max_ctx:
        notes.append(f"warning: --context {args.context:,} is more than the model's context of {max_ctx:,} tokens")
    for line in notes:
        print(f"llmcards calc: {line}", file=sys.stderr)
    contexts = [args.context] if args.context else derived["contexts"]
    rows = vram_query(derived, quants, kv_dtype, contexts, args.batch)
    # Fit and speed at the asked context (else the reference one), batch and KV dtype.
    fit = (args.context or derived["reference_context"], args.batch, kv_dtype)
    hardware = hardware_at(derived, catalogs, kv_dtype, fit[0], fit[1])
    if args.format == "json":
        query = args.quant or args.context or args.batch != 1 or kv_dtype != "F16"
        if query:
            derived = {**derived, "query": rows, "query_hardware": hardware,
                       "query_inputs": {"context": fit[0], "batch": fit[1], "kv_dtype": kv_dtype}}
        json.dump(derived, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_table(derived, rows, hardware, fit, left_out, where))
    return 0
