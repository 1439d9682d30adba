"""Page data for model, index and organization pages (pure: mappings in, dicts out).

The templates only lay out what these functions return; every number is
formatted here, once.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from markupsafe import Markup

from generator.calc.hardware import MAX_DEVICES
from generator.calc.state import describe_layers
from generator.site import chart, fmt, glossary
from generator.site.sanitize import render_markdown

# Common GPU memory sizes that cells of the VRAM table are marked by, in decimal
# bytes like the calculator's GPU catalog (schema/gpus.yaml), smallest first. Each
# is the memory of cards people own or rent (catalog entries of that size):
#   8 GB    RTX 3060 Ti / 3070 / 4060 / 4060 Ti 8GB / 5060 Ti 8GB
#   12 GB   RTX 3060 12GB / 3080 Ti / 4070 family / 5070, Arc B580
#   16 GB   RTX 4060 Ti 16GB / 4070 Ti SUPER / 4080 / 5060 Ti 16GB / 5070 Ti / 5080, RX 7800 XT, Arc A770
#   24 GB   RTX 3090 / 4090, RX 7900 XTX, L4
#   32 GB   RTX 5090
#   48 GB   RTX A6000 / 6000 Ada, L40S
#   80 GB   A100 80GB, H100
#   141 GB  H200
# A figure above the last is "more" (several devices, or a large unified-memory Mac).
# Macs are not tiers: their usable share (Metal's working set) is below the RAM size.
GPU_TIERS: tuple[tuple[str, int], ...] = tuple(
    (f"{gb} GB", gb * 10**9) for gb in (8, 12, 16, 24, 32, 48, 80, 141))
# Row groups of the hardware tables: (heading, name prefix), first match wins, in the
# catalog's order (schema/gpus.yaml lists each product line together).
GPU_GROUPS: tuple[tuple[str, str], ...] = (
    ("NVIDIA GeForce", "NVIDIA GeForce "),
    ("NVIDIA RTX workstation", "NVIDIA RTX "),
    ("NVIDIA data center", "NVIDIA "),
    ("AMD Radeon", "AMD Radeon "),
    ("AMD Instinct", "AMD Instinct "),
    ("AMD Ryzen AI Max (unified memory)", "AMD Ryzen AI "),
    ("Intel Arc", "Intel Arc "),
    ("Apple silicon (one Mac per device)", "Apple "),
)
# A multi-GPU node (8 x 80 GB), drawn in the chart when a model is larger than 80 GB.
GPU_NODE: tuple[str, int] = ("8 × 80 GB node", 8 * 80 * 10**9)
# Quantizations drawn in the chart and shown in the hardware tables (all are in
# the VRAM table and the calculator); the first ones present are used.
FEATURED_QUANTS: tuple[str, ...] = ("BF16", "FP8", "Q8_0", "Q4_K_M", "Q2_K")


def tiers_view() -> dict[str, Any]:
    """GPU_TIERS for the model page: the legend's labels, the calculator's data
    (JSON [[bytes, label], ...], read by calculator.js) and the list for the chart
    caption ("8, 12, ... and 141 GB")."""
    labels = [label for label, _ in GPU_TIERS]
    unit = " GB" if all(label.endswith(" GB") for label in labels) else ""
    names = [label.removesuffix(unit) for label in labels] if unit else labels
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return {"labels": labels, "json": json.dumps([[cap, label] for label, cap in GPU_TIERS], separators=(",", ":")),
            "sentence": listed + unit}



def model_url(card_id: str) -> str:
    """Site-relative URL of a model page (directory URLs)."""
    return f"models/{card_id}/"


def org_url(org_slug: str) -> str:
    """Site-relative URL of an organization page."""
    return f"models/{org_slug}/"


def org_of(card_id: str) -> str:
    return card_id.split("/", 1)[0]


def tier_of(total_bytes: int | None) -> str:
    """Smallest common GPU memory (GPU_TIERS) a figure fits in: '8 GB', '12 GB', ... or 'more'."""
    if total_bytes is None:
        return "unknown"
    for label, cap in GPU_TIERS:
        if total_bytes <= cap:
            return label
    return "more"


def json_for_script(data: Any) -> Markup:
    """JSON safe to place inside <script type="application/json">: no '<', '>', '&' or line separators."""
    # insertion order kept (the catalog order of quantizations); derive() builds it deterministically
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)   # safe inside <script>: nothing in it can end the element


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def derived_params(derived: Mapping[str, Any] | None) -> dict[str, int | None]:
    p = _get(derived, "parameters") or {}
    return {"total": p.get("total"), "active": p.get("active")}


# One wording per architecture type on every page (model page, index, organization pages, compare).
ARCH_LABELS = {"moe": "Mixture of experts", "dense": "Dense"}
# Which parameter counts every page shows (model page tiles, index, compare, home): the rule of
# effective_params, said in one sentence where the counts are listed.
PARAMS_BASIS = ("Parameter counts: as the card declares them where it does, else derived from the "
                "architecture; a dense model's active count is its total.")


def arch_label(arch_type: str | None) -> str:
    """'moe' -> 'Mixture of experts', 'dense' -> 'Dense', missing -> 'unknown'."""
    return ARCH_LABELS.get(arch_type or "", str(arch_type) if arch_type else fmt.UNKNOWN)


def effective_params(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> tuple[int | None, int | None]:
    """(total, active): declared where given, else derived; dense active = total."""
    dp = derived_params(derived)
    total = _get(card, "parameters", "total") or dp["total"]
    if _get(card, "architecture", "type") == "dense":  # every parameter is used for every token
        return total, _get(card, "parameters", "active") or total
    return total, _get(card, "parameters", "active") or dp["active"]


# The calculator's breakdown keys of expert weights: routed and shared experts (not the
# shared experts' gate, which is one vector per layer).
EXPERT_KEYS = ("routed_experts", "shared_experts")


def expert_params(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> int | None:
    """Total routed + shared expert parameters from the calculator's breakdown, when present."""
    bd = _get(derived, "parameters", "breakdown")
    if not isinstance(bd, Mapping) or _get(card, "architecture", "type") != "moe":
        return None
    keys = [k for k in EXPERT_KEYS if k in bd]
    return sum(int(bd[k]) for k in keys) if keys else None


def vram_rows(derived: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    rows = _get(derived, "vram")
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []


def default_kv_dtype(rows: list[Mapping[str, Any]]) -> str | None:
    kinds = [r.get("kv_dtype") for r in rows]
    for pref in ("f16", "fp16", "bf16"):
        for k in kinds:
            if str(k).lower() == pref:
                return k
    return kinds[0] if kinds else None


def native_quant(card: Mapping[str, Any]) -> str | None:
    """The quantization the card's weights ship in, when its ``release`` block says (MXFP4 for
    gpt-oss, FP8 for DeepSeek-V3); None when the card does not say."""
    q = _get(card, "release", "quantization")
    return str(q) if q else None


def featured(quants: list[str], native: str | None = None) -> list[str]:
    """The chart's and hardware tables' quantizations: FEATURED_QUANTS present, with the
    native format (MXFP4 for gpt-oss) always among them, first."""
    picked = [q for q in FEATURED_QUANTS if q in quants]
    if native in quants and native not in picked:
        picked.insert(0, native)
    return picked or quants[:4]


def vram_table(derived: Mapping[str, Any] | None, native: str | None = None) -> dict[str, Any]:
    """Quantization x context grid at batch 1 with the default KV dtype; the row of the
    format the weights ship in (``native``) is marked."""
    rows = vram_rows(derived)
    kv = default_kv_dtype(rows)
    picked = [r for r in rows if r.get("batch", 1) == 1 and r.get("kv_dtype") == kv]
    quants: list[str] = []
    contexts: list[int] = []
    grid: dict[tuple[str, int], Mapping[str, Any]] = {}
    for r in picked:
        if r.get("total_bytes") is None:
            continue
        q, c = str(r["quantization"]), int(r["context"])
        if q not in quants:
            quants.append(q)
        if c not in contexts:
            contexts.append(c)
        grid[(q, c)] = r
    contexts.sort()
    table = []
    for q in quants:
        cells = []
        for c in contexts:
            cell = grid.get((q, c))
            total = cell.get("total_bytes") if cell else None
            cells.append({"text": fmt.gb(total), "tier": tier_of(total), "bytes": total})
        table.append({"quantization": q, "cells": cells, "native": q == native})
    return {"kv_dtype": kv, "contexts": [fmt.tokens(c) for c in contexts], "context_values": contexts,
            "rows": table, "groups": vram_groups(table, native),
            "series": {q: [(c, grid[(q, c)]["total_bytes"]) for c in contexts if (q, c) in grid]
                       for q in featured(quants, native)}}


# Row groups of the VRAM table by file format (the catalog's ``format``): which engine reads it.
FORMAT_GROUPS: tuple[tuple[str, str], ...] = (
    ("safetensors", "Checkpoints (safetensors): vLLM, Transformers"),
    ("gguf", "GGUF files: llama.cpp, Ollama, LM Studio"),
)
# Shown last in its group: a size for reference, not a way anyone runs a model.
REFERENCE_ONLY = ("FP32",)


def vram_groups(rows: list[dict[str, Any]], native: str | None) -> list[dict[str, Any]]:
    """The VRAM table's rows in groups by file format (the native format's group first, the native
    row first in it; FP32 last), so a reader sees the files their engine reads together."""
    formats = {str(q["id"]): str(q.get("format")) for q in glossary.entries()}
    groups = []
    for fmt_id, label in FORMAT_GROUPS:
        mine = [r for r in rows if formats.get(r["quantization"]) == fmt_id]
        if mine:
            mine.sort(key=lambda r: (not r["native"], r["quantization"] in REFERENCE_ONLY))
            groups.append({"label": label, "rows": mine, "native": any(r["native"] for r in mine)})
    rest = [r for r in rows if formats.get(r["quantization"]) not in {f for f, _ in FORMAT_GROUPS}]
    if rest:
        groups.append({"label": "Other", "rows": rest, "native": any(r["native"] for r in rest)})
    groups.sort(key=lambda g: not g["native"])
    return groups


def devices_text(n: int | None) -> str:
    """Device count for the hardware tables. The catalog mixes discrete GPUs and Apple
    machines with unified memory and has no field telling them apart, so the word is
    neutral: '1 device', '3 devices'."""
    if n is None:   # the calculator looks no further than MAX_DEVICES devices
        return fmt.more_than(MAX_DEVICES)
    return "1 device" if n == 1 else f"{n} devices"


def hardware_tables(derived: Mapping[str, Any] | None, native: str | None = None) -> dict[str, Any] | None:
    """Device x featured quantization: devices needed, and the decode-speed upper bound.

    For a card whose architecture is incomplete (weights from the declared total, KV
    cache unknown) the device counts are a lower bound (weights, activations if known,
    overhead) and the speed table is None: without the KV cache, the embedding share
    and the real device count, no honest upper bound can be given.
    """
    gpus = _get(derived, "hardware")
    if not isinstance(gpus, list) or not gpus:
        return None
    # Columns: featured quantizations whose weight size is known (the others would be all "unknown").
    known = [w["quantization"] for w in (_get(derived, "weights") or []) if w.get("weights_bytes") is not None]
    quants = featured(known, native)
    if not quants:
        return None
    weights_only = weights_only_basis(derived)
    fit_rows, speed_rows = [], []
    for g in gpus:
        devices = g.get("devices") or {}
        speeds = g.get("decode_tokens_per_s_upper_bound") or {}
        label = f"{g.get('name', g.get('gpu'))} ({fmt.gb(g.get('memory_bytes'))})"
        fit_cells, speed_cells = [], []
        for q in quants:
            n = devices.get(q)
            text = devices_text(n)
            fit_cells.append(text if n is None or not weights_only else f"≥ {text}")
            tps = speeds.get(q)
            # no bound where the model does not fit (n/a), or where the figures for one are missing
            speed_cells.append((fmt.NOT_APPLICABLE if n is None else fmt.UNKNOWN) if tps is None else f"≤ {tps:,.0f} tok/s" + (f" ({n}×)" if n and n > 1 else ""))
        fit_rows.append({"gpu": label, "cells": fit_cells})
        speed_rows.append({"gpu": label, "cells": speed_cells})
    return {"quantizations": quants, "native": native, "context": fmt.tokens(_get(derived, "reference_context")),
            "fit": fit_rows, "speed": None if weights_only else speed_rows, "weights_only": weights_only,
            "groups": gpu_groups([str(g.get("name") or g.get("gpu")) for g in gpus])}


def gpu_group(name: str) -> str:
    """The GPU_GROUPS heading of a catalog GPU name ("Other" if none matches)."""
    return next((heading for heading, prefix in GPU_GROUPS if name.startswith(prefix)), "Other")


def gpu_groups(names: list[str]) -> list[dict[str, Any]]:
    """Consecutive runs of rows with the same group: [{label, start, end}] (rows[start:end])."""
    runs: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        label = gpu_group(name)
        if runs and runs[-1]["label"] == label:
            runs[-1]["end"] = i + 1
        else:
            runs.append({"label": label, "start": i, "end": i + 1})
    return runs


def weights_only_basis(derived: Mapping[str, Any] | None) -> bool:
    """True when the calculator could size the weights (from the declared parameter
    count) but not the KV cache: an incomplete architecture."""
    if not isinstance(derived, Mapping) or derived.get("architecture_complete", True):
        return False
    return any(w.get("weights_bytes") is not None for w in (derived.get("weights") or []))


def weights_table(derived: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Weights-only memory per quantization for an incomplete architecture.

    Per quantization: weights (declared total at the quantization's storage type),
    activations when known, and the runtime overhead, read from the batch-1 row at
    the reference context. The sum is a lower bound: the KV cache is left out.
    """
    if not weights_only_basis(derived):
        return None
    ref = _get(derived, "reference_context")
    rows_by_q = {r["quantization"]: r for r in vram_rows(derived)
                 if r.get("batch") == 1 and r.get("context") == ref}
    rows = []
    with_act = False
    total = _get(derived, "parameters", "total")
    for w in _get(derived, "weights") or []:
        wb = w.get("weights_bytes")
        if wb is None:
            continue
        vr = rows_by_q.get(w["quantization"]) or {}
        act, overhead = vr.get("activations_bytes"), int(vr.get("overhead_bytes") or 0)
        with_act = with_act or act is not None
        least = wb + (act or 0) + overhead
        rows.append({"quantization": w["quantization"], "name": w.get("name") or w["quantization"],
                     # bits actually used per declared parameter (the storage type's block size,
                     # e.g. FP8 with block scales), which can differ from the catalog's nominal figure
                     "bits": f"{wb * 8 / total:.4g}" if total else fmt.UNKNOWN,
                     "weights": fmt.gb(wb), "weights_bytes": wb, "activations": fmt.gb(act),
                     "overhead": fmt.gb(overhead), "least": fmt.gb(least), "least_bytes": least,
                     "tier": tier_of(least)})
    p = _get(derived, "parameters") or {}
    # The runtime overhead is the same on every row: said once under the table (review P14), not a column.
    overheads = {r["overhead"] for r in rows}
    return {"rows": rows, "with_activations": with_act, "context": fmt.tokens(ref),
            "overhead": overheads.pop() if len(overheads) == 1 else None,
            "total": fmt.params(p.get("total")), "active": fmt.params(p.get("active")),
            "total_exact": fmt.exact(p.get("total")), "active_exact": fmt.exact(p.get("active"))}


TRAINING_METHODS = {"full_bf16_adamw": "Full fine-tuning (BF16, AdamW)", "lora": "LoRA", "qlora": "QLoRA (4-bit base)"}


def training_table(derived: Mapping[str, Any] | None) -> dict[str, Any] | None:
    t = _get(derived, "training")
    if not isinstance(t, Mapping) or not t.get("methods"):
        return None
    rows = [{"method": TRAINING_METHODS.get(m.get("method"), str(m.get("method"))),
             "trainable": fmt.params(m.get("trainable_parameters")),
             "weights": fmt.gb(m.get("weights_bytes")),
             "optimizer": fmt.gb(m.get("gradients_and_optimizer_bytes")),
             "activations": fmt.gb(m.get("activations_bytes")),
             "total": fmt.gb(m.get("total_bytes")), "tier": tier_of(m.get("total_bytes"))}
            for m in t["methods"]]
    return {"sequence_length": fmt.tokens(t.get("sequence_length")), "micro_batch": t.get("micro_batch"),
            "lora_rank": t.get("lora_rank"), "rows": rows}


def spec_rows(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    arch = card.get("architecture") or {}
    att = arch.get("attention") or {}
    ex = arch.get("experts") or {}
    head_dim = att.get("head_dim")
    if head_dim is None and arch.get("hidden_size") and att.get("heads") and att.get("structure") != "MLA":
        head_dim = arch["hidden_size"] // att["heads"]
    sw = att.get("sliding_window")
    structure = att.get("structure")
    if structure and sw:
        structure = f"{structure}; {window_words(sw)}"
    # Expert rows do not apply to a dense model: left out (review P15: four rows of "n/a" on every
    # dense model); "unknown" where the architecture type itself is not known.
    experts = [] if arch.get("type") == "dense" else [
        ("Total expert parameters", fmt.params(expert_params(card, derived))),
        ("Experts", fmt.value(ex.get("total"))),
        ("Active experts", fmt.value(ex.get("active"))),
        ("Shared experts", fmt.value(ex.get("shared"))),
    ]
    return [
        *experts,
        ("Attention structure", fmt.value(structure)),
        ("Hidden size", fmt.value(arch.get("hidden_size"))),
        ("Layers", fmt.value(arch.get("layers"))),
        *_layer_kind_rows(arch, derived),
        ("Attention heads", fmt.value(att.get("heads"))),
        ("KV heads", fmt.value(att.get("kv_heads"))),
        ("Head dim", fmt.value(head_dim)),
        ("FFN intermediate size", fmt.value(arch.get("intermediate_size"))),
        ("Vocabulary size", fmt.value(arch.get("vocab_size"))),
        ("Activation", fmt.value(arch.get("activation"))),
        ("Normalization", fmt.value(arch.get("normalization"))),
        ("Position embedding", fmt.value(arch.get("position_embedding"))),
        ("Tied embeddings", fmt.value(arch.get("tied_embeddings"))),
    ]


def window_words(sw: Mapping[str, Any]) -> str:
    """A sliding window in words (review P11: "GQA, sliding window 1,024 (LLLLLG)" was jargon): the card's
    pattern repeats from the first layer, L local and G global (schema: attention.sliding_window.pattern)."""
    pattern = str(sw.get("pattern") or "")
    local = pattern.count("L")
    if local == len(pattern):
        where = "every layer"
    elif local == 1 and len(pattern) == 2:
        where = "every other layer; the others see the whole context"
    else:
        where = f"{local} of every {len(pattern)} layers; the others see the whole context"
    size = f"{int(sw['size']):,} tokens"
    what = f"attention within chunks of {size}" if sw.get("kind") == "chunked" else f"sliding window of {size}"
    return f"{what} on {where}"


def _layer_kind_rows(arch: Mapping[str, Any], derived: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Hybrid stacks (architecture.layer_pattern): what the layers are, and the fixed state per sequence."""
    kinds = describe_layers(arch)
    if kinds is None:
        return []
    state_bytes = _get(derived, "calculator", "state_bytes_per_sequence")
    return [("Layer kinds", kinds), ("Recurrent state per sequence", fmt.gb(state_bytes))]


def param_rows(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> list[dict[str, str]]:
    dp = derived_params(derived) if _get(derived, "parameters", "basis") == "architecture" else {}
    declared = card.get("parameters") or {}
    incomplete = isinstance(derived, Mapping) and derived.get("architecture_complete") is False
    out = []
    for key, label in (("total", "Total parameters"), ("active", "Active parameters")):
        d, c = declared.get(key), dp.get(key)
        if incomplete:
            check = "architecture incomplete: declared figure used" if d is not None else fmt.NOT_APPLICABLE
        elif d is None or c is None:
            check = fmt.NOT_APPLICABLE     # nothing to compare
        elif d == c:
            check = "matches"
        else:
            check = f"differs by {c - d:+,}"
        out.append({"label": label, "declared": fmt.exact(d), "declared_short": fmt.params(d),
                    "derived": fmt.exact(c), "derived_short": fmt.params(c), "check": check})
    return out


def header_facts(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    total, active = effective_params(card, derived)
    mod = card.get("modalities") or {}
    lic = card.get("license") or {}
    return [
        ("Active parameters", fmt.params(active)),
        ("Total parameters", fmt.params(total)),
        ("Context length", fmt.tokens(card.get("context_length"))),
        ("Modalities", f"{fmt.value(mod.get('input'))} → {fmt.value(mod.get('output'))}"),
        ("Architecture", arch_label(_get(card, "architecture", "type"))),
        ("License", lic.get("spdx") or lic.get("name") or fmt.UNKNOWN),
        ("Open weights", fmt.value(card.get("open_weights"))),
        # an unreleased model's date is the day it was announced (review P14)
        ("Announced" if card.get("status") == "unreleased" else "Release date", fmt.value(card.get("release_date"))),
        ("Knowledge cutoff", fmt.value(card.get("knowledge_cutoff"))),
        ("Status", fmt.value(card.get("status"))),
    ]


# The parts of a checkpoint outside the text model (params.MODULE_PARTS), as a reader names them, and
# what the engines do with them (generator/calc/modules.py has the engine sources).
MODULE_WORDS = {
    "mtp": ("a multi-token-prediction module", "llama.cpp and vLLM do not load it to generate text "
            "(vLLM can use it for speculative decoding)"),
    "vision_encoder": ("the vision encoder (for images)", None),
    "audio_encoder": ("the audio encoder", None),
}


def notes_summary(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> list[str]:
    """What a card's notes explain, in plain sentences generated from its structured fields (review P11:
    "Notes read as plain language for readers; field-level detail for contributors goes in a collapsed
    block"): the format the weights ship in, the parts of the total outside the text model, and where the
    count from the architecture differs from the maker's figure. Every sentence restates a card field or
    the calculator's count; nothing is taken from the free-text notes."""
    out: list[str] = []
    native = native_quant(card)
    if native:
        # the meaning's first clause ("8-bit floats with a scale per block of weights")
        meaning = re.split(r"[:;]", glossary.meanings().get(native, ""), maxsplit=1)[0].strip()
        out.append(f"The weights are published in {native}" + (f" ({meaning})" if meaning else "")
                   + ": the answer above and the calculators start from that format.")
    kept = _get(card, "release", "gguf_routed_experts")
    if kept:
        # schema: release.gguf_routed_experts (review P4: the GGUF rows' sizes looked out of order)
        out.append(f"In every GGUF file of this model the routed experts stay in {kept}: a GGUF type such as "
                   "Q4_K_M changes only the other tensors, so the GGUF sizes differ little.")
    declared = card.get("parameters") or {}
    if isinstance(derived, Mapping) and derived.get("architecture_complete") is False:
        if declared.get("total") is not None:
                out.append("The architecture is not published: layer and head counts are unknown, and the memory "
                       "figures come from the parameter count the maker states.")
        return out
    p = _get(derived, "parameters") or {}
    if p.get("basis") != "architecture":
        return out
    raw = p.get("breakdown")
    bd: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    total = p.get("total")
    for part, (words, engines) in MODULE_WORDS.items():
        n = bd.get(part)
        if n:
            out.append(f"Of the {fmt.params(total)} total parameters, {fmt.params(n)} are {words}"
                       + (f"; {engines}." if engines else "."))
    if bd.get("extra"):
        out.append(f"The published checkpoint stores {fmt.params(bd['extra'])} more parameters than the "
                   "architecture describes; they are counted in the total (the contributors' notes say what they are).")
    if declared.get("total") is not None and total is not None and declared["total"] != total:
        # exact counts where the short forms would read the same ("35.0B" and "35.0B")
        short = fmt.params(total) != fmt.params(declared["total"])
        shown = fmt.params if short else fmt.exact
        out.append(f"Counted from the architecture the model has {shown(total)} parameters; "
                   f"the maker states {shown(declared['total'])}, the figure shown on this site.")
    if (_get(card, "architecture", "type") == "moe" and declared.get("active") is not None
            and p.get("active") is not None and fmt.params(declared["active"]) != fmt.params(p["active"])):
        out.append(f"Per generated token {fmt.params(p['active'])} parameters are used, counted from the "
                   f"architecture; the maker states {fmt.params(declared['active'])} active, the figure shown "
                   "on this site. The speed estimates use the count from the architecture.")
    return out


def model_summary(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any]:
    """The searchable head of a model page: name, facts, description, and the answer box's
    no-hardware rows (the smallest common GPU per format)."""
    from generator.site import answer   # answer builds on this module
    return {
        "id": card["id"],
        "name": card["name"],
        "organization": card.get("organization", ""),
        "org_slug": org_of(card["id"]),
        "family": card.get("family"),
        "facts": header_facts(card, derived),
        "description_html": render_markdown(card.get("description")),
        "notes_html": render_markdown(card.get("notes")),
        "notes_summary": notes_summary(card, derived),
        "no_hardware": answer.no_hardware(card, derived),
        "no_estimate": no_estimate_sentence(card),
    }


def rank_label(category: str) -> str:
    return "Overall rank" if category == "Overall" else f"{category.capitalize()} rank"


def rankings(name: str, standing: Mapping[str, Any] | None) -> dict[str, Any]:
    """The Rankings section: ranks with labels, the reason for a missing overall rank,
    and the raw scores (leaderboard.standing output in, display text out)."""
    st = standing or {}
    # reporters is None for a benchmark outside the catalog: the count does not apply (n/a).
    scores = [dict(s, score_text=fmt.UNKNOWN if s.get("score") is None else f"{float(s['score']):g}",
                   reporters_text=fmt.NOT_APPLICABLE if s.get("reporters") is None else str(s["reporters"]))
              for s in st.get("scores") or []]
    return {"has_evaluations": bool(st.get("has_evaluations")),
            "empty_sentence": f"No evaluation benchmarks for {name} available.",
            "ranks": [(rank_label(cat), rank, of) for cat, rank, of in st.get("ranks") or []],
            "reason": st.get("reason"), "scores": scores, "min_reporters": st.get("min_reporters")}


def engine_defaults(derived: Mapping[str, Any] | None, kv_dtype: str | None) -> str | None:
    """The line that says which engine defaults the engine-agnostic tables assume (None: no tables)."""
    calc = _get(derived, "calculator")
    if not isinstance(calc, Mapping) or calc.get("ubatch_tokens") is None:
        return None
    kv = f", {kv_dtype} KV cache" if kv_dtype else ""
    return (f"Engine-agnostic figures with llama.cpp's defaults: micro-batch (--ubatch-size) "
            f"{fmt.exact(calc['ubatch_tokens'])} tokens, flash attention on{kv}, and "
            f"{fmt.gb(calc.get('overhead_bytes'))} of runtime overhead per device.")


def model_details(card: Mapping[str, Any], derived: Mapping[str, Any] | None, *,
                  ranks: Mapping[str, int] | None, coding_category: str | None,
                  last_change: str | None, edit_url: str | None,
                  standing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The rest of a model page: specs, sources, system requirements, calculator, rankings."""
    native = native_quant(card)
    vt = vram_table(derived, native)
    svg = chart.vram_chart(vt["series"], list(GPU_TIERS),
                           f"VRAM of {card['name']} against context length, batch 1", node=GPU_NODE)
    ranks = ranks or {}
    calc = _get(derived, "calculator")
    return {
        "id": card["id"],
        "name": card["name"],
        "specs": spec_rows(card, derived),
        "params": param_rows(card, derived),
        "sources": [{"title": s.get("title", ""), "url": s.get("url", "")} for s in card.get("sources") or []],
        "license": card.get("license") or {},
        "vram": vt,
        "chart_svg": svg,
        "tiers": tiers_view(),
        "hardware": hardware_tables(derived, native),
        "native": native,
        "engine_defaults": engine_defaults(derived, vt.get("kv_dtype")),
        "weights_only": weights_table(derived),
        "training": training_table(derived),
        "assumptions": list(_get(derived, "assumptions") or []),
        # The live calculator needs the KV cache; without it (incomplete architecture)
        # the page shows the weights-only table and says why instead.
        "calculator_json": json_for_script(calc) if calc and vt["rows"] else None,
        "max_context": card.get("context_length") or _get(card, "architecture", "max_position_embeddings") or 1024,
        "rankings": rankings(card["name"], standing),
        "overall_rank": ranks.get("overall"),
        "coding_rank": ranks.get(coding_category) if coding_category else None,
        "last_change": last_change,
        "edit_url": edit_url,
        "derived_available": derived is not None,
        "no_estimate": no_estimate_sentence(card),
        "unpublished": unpublished_sentence(card),
        "architecture_complete": not (isinstance(derived, Mapping) and derived.get("architecture_complete") is False),
    }


def unpublished_sentence(card: Mapping[str, Any]) -> str | None:
    """The plain statement for a model whose weights are not published (Llama 4 Behemoth): nothing can
    run it, so its weights-only sizes are what the declared count would take, and no device count or
    speed applies (review P14). None for a model with open weights."""
    if card.get("open_weights") is not False:
        return None
    who = card.get("organization") or "Its maker"
    announced = " (it has been announced, not released)" if card.get("status") == "unreleased" else ""
    return (f"{who} has not published the weights of {card['name']}{announced}: it cannot be downloaded "
            "or run on any hardware.")


def no_estimate_sentence(card: Mapping[str, Any]) -> str:
    """Why a card has no memory estimate, in the reader's words: a closed model whose maker
    publishes no size says so (review: GPT-5's page only said the card was incomplete); a card
    with a declared size but no architecture points at its weights-only lower bound."""
    params = card.get("parameters") or {}
    unpublished = unpublished_sentence(card)
    if params.get("total") is not None and unpublished:
        return (f"Not runnable: {unpublished} System requirements gives the size its weights would take, "
                "from the declared parameter count.")
    if params.get("total") is not None:
        return (f"No full memory estimate: the architecture of {card['name']} is not published, so only "
                "the weights are known (System requirements gives them as a lower bound).")
    if card.get("open_weights") is False:
        who = card.get("organization") or "Its maker"
        return (f"No memory estimate: {who} has not published the size or architecture of {card['name']}, "
                "and its weights are not available to download, so there is nothing to compute.")
    return "No memory estimate: the architecture of this card is incomplete and it declares no parameter count."


# The quantization of the leaderboard's memory column: the common 4-bit GGUF (review P8: "VRAM @ Q4").
SIZE_QUANT = "Q4_K_M"


def reference_memory(derived: Mapping[str, Any] | None, quant: str = SIZE_QUANT) -> tuple[int | None, int | None]:
    """(total bytes, context) of the VRAM table's cell for ``quant`` at the reference context (batch 1,
    the table's KV dtype): the same figure the model page's VRAM table shows. (None, context) without it."""
    rows = vram_rows(derived)
    ref = _get(derived, "reference_context")
    kv = default_kv_dtype(rows)
    for r in rows:
        if (r.get("quantization") == quant and r.get("context") == ref and r.get("batch", 1) == 1
                and r.get("kv_dtype") == kv):
            return r.get("total_bytes"), ref
    return None, ref


# The compare page's "smallest GPU" rows (review P13), in order: the format the weights ship in, then 8 and 4 bits.
SMALLEST_KEYS = ("native", "Q8_0", "Q4_K_M")
COMPARE_CONTEXT = 8192   # the context of compare's VRAM rows (site/assets/js/compare.js VRAM_ROWS)


def smallest_gpus(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, str]:
    """The compare page's cells: for the native format (BF16 when the card does not say), Q8_0 and
    Q4_K_M, the smallest common GPU that holds the model at the reference context, as the model page's
    answer box gives it (answer.no_hardware); the context is said when it is not COMPARE_CONTEXT (a model
    with a shorter maximum). 'n/a (...)' for weights that are not published, 'unknown' without figures."""
    from generator.site import answer   # answer builds on this module
    unpublished = card.get("open_weights") is False
    nh = None if unpublished else answer.no_hardware(card, derived)
    out = {k: (f"{fmt.NOT_APPLICABLE} (weights not published)" if unpublished else fmt.UNKNOWN)
           for k in SMALLEST_KEYS}
    if not nh:
        return out
    ref = _get(derived, "reference_context")
    at = f" @ {nh['context']}" if ref != COMPARE_CONTEXT else ""
    for i, r in enumerate(nh["rows"]):
        text = f"{r['gpu']} ({r['total']}{at})"
        if i == 0:
            out["native"] = f"{r['quant']}: {text}"
        if r["quant"] in SMALLEST_KEYS:
            out[r["quant"]] = text
    return out


def compare_smallest(rows: list[Mapping[str, Any]]) -> Markup:
    """compare.html's JSON of the smallest-GPU rows: {"rows": [[key, row label]], "cells": {id: {key: text}}}
    (compare.js adds the rows after the VRAM rows; every text is formatted here)."""
    at = f" @ {fmt.tokens(COMPARE_CONTEXT)}"
    labels = {"native": "Smallest GPU, as shipped" + at, "Q8_0": "Smallest GPU, Q8_0" + at,
              "Q4_K_M": "Smallest GPU, Q4_K_M" + at}
    return json_for_script({"rows": [[k, labels[k]] for k in SMALLEST_KEYS],
                            "cells": {r["id"]: r.get("smallest") or {} for r in rows}})


def index_row(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any]:
    """One row of the models index (raw values for sorting/filtering + display text)."""
    total, active = effective_params(card, derived)
    q4_bytes, q4_context = reference_memory(derived)
    mod = card.get("modalities") or {}
    lic = card.get("license") or {}
    modalities = sorted(set(mod.get("input") or []) | set(mod.get("output") or []))
    return {
        "id": card["id"], "name": card["name"], "organization": card.get("organization", ""),
        "org_slug": org_of(card["id"]),
        "arch": _get(card, "architecture", "type") or "",
        "arch_text": arch_label(_get(card, "architecture", "type")),
        "total": total, "total_text": fmt.params(total),
        "active": active, "active_text": fmt.params(active),
        "context": card.get("context_length"), "context_text": fmt.tokens(card.get("context_length")),
        "license": lic.get("spdx") or lic.get("name") or "",
        "open_weights": bool(card.get("open_weights")),
        "modalities": modalities,
        "release_date": card.get("release_date") or "",
        "status": card.get("status") or "",
        # memory at SIZE_QUANT and the reference context (the leaderboard's size column)
        "q4_bytes": q4_bytes, "q4_text": fmt.gb(q4_bytes), "q4_context": q4_context,
        "smallest": smallest_gpus(card, derived),
    }
