"""The llmcards calculator: ``derive(card, catalogs) -> dict`` (pure, no I/O).

``catalogs`` comes from ``generator.calc.catalogs.load_catalogs()`` (the only I/O).
The returned mapping is JSON-ready; it is what ``llmcards calc --format json``
prints and what the site exports per model in ``api/models/<org>/<model>.json``. All byte
counts are integers (bytes, not GB); rounding happens only at display.

Shape (stable API, version 3; 3: rows a model has no file of are left out and rows are priced as
the file of that name stores the model (generator/calc/native.py), and the decode ceiling no longer
multiplies by the device count; 2: per-GPU maps; version 1 had a per-GPU "fits" list)::

    {
      "api_version": 2,
      "id": str | null,
      "parameters": {
        "basis": "architecture" | "declared" | null,  # where total/active come from
        "total": int | null,            # architecture count + parameters.extra
        "active": int | null,           # per token; MoE: total minus unused routed
                                        # experts; INPUT EMBEDDING INCLUDED
        "active_excluding_input_embedding": int | null,  # minus untied token
                                        # embedding and learned position table
        "declared_total": int | null,   # the card's parameters.total
        "declared_active": int | null,
        "total_difference_percent": float | null,  # (derived - declared) / declared * 100
        "breakdown": {str: int}         # embedding, lm_head, attention, norms, ...
      },
      "architecture_complete": bool,    # false -> weights from the declared total
      "max_context": int | null,        # context_length, else max_position_embeddings
      "contexts": [int],                # table columns: 1K..128K <= max, plus max
      "reference_context": int,         # min(8192, max_context): fit, speed, batches
      "weights": [{"quantization": str, "name": str, "bits_per_weight": float,
                   "weights_bytes": int | null}],
          # One row per catalog quantization as a file of that name stores this model
          # (generator.calc.native.as_stored: gpt-oss GGUF rows keep MXFP4 experts and
          # say so in "name"); rows that match no file (MXFP4 experts-only scheme on a
          # model not released in it) are left out here and in every map below.
      "vram": [{"quantization": str, "context": int, "batch": int, "kv_dtype": str,
                "weights_bytes": int | null, "kv_cache_bytes": int | null,
                "activations_bytes": int | null, "overhead_bytes": int,
                "total_bytes": int | null}],
          # every quantization x every context at batch 1 with kv_dtype F16, then
          # every quantization x batch 4 and 16 at the reference context.
      "hardware": [{"gpu": str, "name": str, "memory_bytes": int,
                    "usable_bytes": int, "bandwidth_bytes_per_s": int,
                    "devices": {quantization: int | null},  # fewest devices; null:
                                        # size unknown or more than 64 needed
                    "decode_tokens_per_s_upper_bound": {quantization: float | null}}],
          # One entry per GPU of schema/gpus.yaml; the maps are keyed by quantization
          # id in catalog order (the order of "weights"). At the reference context,
          # batch 1, F16 KV: the model needs
          #   M = weights_bytes + kv_cache_bytes + activations_bytes
          # (the matching "vram" row's total_bytes less overhead_bytes; an unknown KV
          # cache counts as 0 here), and n devices hold it when
          #   M + n * overhead_bytes <= n * usable_bytes.
          # The speed is an UPPER BOUND, unrounded:
          #   bandwidth_bytes_per_s / (active weight bytes + kv_cache_bytes)
          # where active weight bytes leave out unused routed experts, the untied
          # input embedding table (a lookup, not read whole) and parameters.extra.
          # The same for any device count n (null when no n <= 64 holds the model):
          # split by layers, the devices read their shares one after the other.
      "modules": {part: {"parameters": int, "weights_bytes": {quantization: int}}},
          # The parts outside the text model (mtp, vision_encoder, audio_encoder), each on its
          # own; their bytes are inside every weights_bytes above (like parameters.extra), at
          # the catalog's storage for parameters outside the architecture. Which engine loads
          # which part: generator/calc/modules.py part_rules. Empty for a text-only card.
      "training": null | {"sequence_length": int, "micro_batch": int, "lora_rank": int,
                   "methods": [{"method": "full_bf16_adamw" | "lora" | "qlora",
                                "trainable_parameters": int, "weights_bytes": int,
                                "gradients_and_optimizer_bytes": int,
                                "activations_bytes": int, "total_bytes": int}]},
      "calculator": {   # coefficients for site/assets/js/vram.js (window.LLMCardsVRAM)
        "version": 2,   # CALCULATOR_VERSION; 2 added kv_known and active_weights_bytes
        "weights_bytes": {quantization: int | null},
        "active_weights_bytes": {quantization: int | null},  # read per decode step
                        # (no unused routed experts, no input embedding, no extra)
        "kv_groups": [{"layers": int, "elements_per_token": int, "window": int | null}],
        "kv_known": bool,   # false: the architecture does not give the KV cache
                        # (kv_groups is then []): every KV size is null, not 0
        "state_bytes_per_sequence": int,  # fixed recurrent state (SSM, linear attention), F32;
                        # 0 for a plain transformer; counted with the KV cache
        "kv_dtypes": {kv_dtype: [block_weights, block_bytes]},
        "activation_width": int | null, "ubatch_tokens": int, "activation_bytes": int,
        "overhead_bytes": int, "max_context": int | null
      },
      "assumptions": [str]
    }

VRAM formula (generator/calc/memory.py, the only Python copy; vram.js repeats the
arithmetic over the calculator block; site/methodology.md), for quantization q, KV
dtype d (block of bw values in bb bytes), context c and batch b::

    kv_cache_bytes   = (b * sum_g layers_g * elements_per_token_g * min(c, window_g)) * bb // bw
                       + b * state_bytes_per_sequence
    activations_bytes = activation_bytes * min(ubatch_tokens, c * b) * activation_width
    total_bytes      = weights_bytes[q] + kv_cache_bytes + activations_bytes + overhead_bytes
"""

from __future__ import annotations

import gc
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from generator.calc.catalogs import Catalogs
from generator.calc.hardware import GpuPlan, hardware_table
from generator.calc.memory import (
    ACTIVATION_BYTES,
    OVERHEAD_BYTES,
    UBATCH_TOKENS,
    KVGroup,
    activation_width,
    activations_bytes,
    kv_cache_bytes,
    kv_groups,
    state_per_sequence,
)
from generator.calc.params import MODULE_PARTS, ParameterCount, _Missing, count_parameters, outside_text
from generator.calc.plan import plan_of
from generator.calc.tables import (
    BATCH_VARIANTS,
    DEFAULT_KV_DTYPE,
    reference_context,
    table_contexts,
    vram_rows,
)
from generator.calc.tensors import inventory
from generator.calc.training import TRAIN_SEQ, training_memory

API_VERSION = 3
# The "calculator" block's shape (what site/assets/js/vram.js reads). 2: kv_known and
# active_weights_bytes added. 3: state_bytes_per_sequence added.
CALCULATOR_VERSION = 3

ASSUMPTIONS = (
    "GB means 10^9 bytes.",
    "Weights: every tensor at the quantization's storage type; GGUF mixes follow llama.cpp's quantizer; "
    "MoE: all experts resident. File metadata (tokenizer) is not counted.",
    "KV cache: 2 x kv_heads x head_dim values per token per layer (MLA: kv_lora_rank + qk_rope_head_dim); "
    "sliding-window and chunked layers hold at most their window; only attention layers cache keys and values: "
    "state-space and linear-attention layers keep a fixed F32 state per sequence instead, counted with the KV cache "
    "(DeepSeek-V3.2 adds its indexer's key per token).",
    f"Activations: F32 compute buffer for one micro-batch of {UBATCH_TOKENS} tokens (llama.cpp default), "
    "flash attention (no context x context score matrix).",
    f"Overhead: {OVERHEAD_BYTES} bytes per device for the runtime context and allocator slack.",
    "Weights rows describe the files of those names for this model: natively quantized releases keep their "
    "storage where engines keep it (gpt-oss GGUF files keep the routed experts in MXFP4 at every GGUF type); "
    "a row that matches no file is not shown.",
    "Engine defaults these engine-agnostic tables assume: llama.cpp's (micro-batch 512 tokens, flash attention on, "
    "F16 K and V cache, one sequence per batch entry, all layers on the GPU); sliding-window layers keep their "
    "window only (engines keep a little more). `llmcards plan` models llama.cpp and vLLM exactly.",
    "Hardware fit: model split evenly across devices by layers, each with its own overhead; decode speed is an "
    "upper bound from memory bandwidth alone (active weights + KV read once per token): bandwidth / bytes per "
    "token for any device count, since layer-split devices read their shares in turn and do not add bandwidth.",
)


_T = TypeVar("_T")


def _safe(fn: Callable[[Mapping[str, Any]], _T], card: Mapping[str, Any]) -> _T | None:
    """Run a component that needs architecture fields; None when they are missing."""
    try:
        return fn(card)
    # _Missing: params.head_dim_of() needs hidden_size when head_dim is null.
    except (KeyError, TypeError, ValueError, ZeroDivisionError, _Missing):
        return None


def max_context_of(card: Mapping[str, Any]) -> int | None:
    ctx = card.get("context_length")
    if ctx is None:
        ctx = (card.get("architecture") or {}).get("max_position_embeddings")
    return int(ctx) if ctx is not None else None


def _modules(pc: ParameterCount | None, quants: Sequence[Any], ids: Sequence[str]) -> dict[str, Any]:
    """The parts outside the text model (MTP modules, vision and audio encoders), each on its own.

    Their bytes are part of every weights_bytes (as parameters.extra always was), at the
    catalog's storage for parameters outside the architecture (BF16, or F32 for an F32 row):
    GGUF conversions keep a vision tower as a separate mmproj file in F16/BF16, and an engine
    adds or skips each part by its own rules (generator/calc/engines).
    """
    if pc is None:
        return {}
    out: dict[str, Any] = {}
    for key in MODULE_PARTS:
        n = pc.breakdown.get(key)
        if n:
            out[key] = {
                "parameters": n,
                "weights_bytes": {q_id: n * q.extra_bytes_per_param for q_id, q in zip(ids, quants, strict=True)},
            }
    return out


def _parameters(card: Mapping[str, Any], pc: ParameterCount | None) -> dict[str, Any]:
    declared = card.get("parameters") or {}
    d_total, d_active = declared.get("total"), declared.get("active")
    total: int | None
    active: int | None
    active_x: int | None
    basis: str | None
    if pc is not None:
        total, active, active_x = pc.total, pc.active, pc.active_excluding_input_embedding
        basis, breakdown = "architecture", dict(pc.breakdown)
    else:
        total = d_total
        active = d_active if d_active is not None else d_total
        active_x, breakdown = None, {}
        basis = "declared" if total is not None else None
    diff = None
    if pc is not None and d_total:
        diff = round((pc.total - d_total) * 100 / d_total, 4)
    return {
        "basis": basis,
        "total": total,
        "active": active,
        "active_excluding_input_embedding": active_x,
        "declared_total": d_total,
        "declared_active": d_active,
        "total_difference_percent": diff,
        "breakdown": breakdown,
    }


def _weight_rows(templates: Sequence[dict[str, Any]], weights: Sequence[int | None]) -> list[dict[str, Any]]:
    """The "weights" entries: copies of the plan's per-quantization rows with weights_bytes set."""
    rows: list[dict[str, Any]] = []
    for t, w in zip(templates, weights, strict=True):
        row = t.copy()
        row["weights_bytes"] = w
        rows.append(row)
    return rows


def derive(card: Mapping[str, Any], catalogs: Catalogs) -> dict[str, Any]:
    plan = plan_of(catalogs)  # catalog-derived constants, built once per catalogs value
    pc = count_parameters(card)
    params = _parameters(card, pc)
    max_ctx = max_context_of(card)
    contexts = table_contexts(max_ctx)
    ref_ctx = reference_context(max_ctx)
    extra = outside_text(card, pc)  # parameters.extra + MTP modules + encoders

    inv = inventory(card) if pc is not None else None
    groups = _safe(kv_groups, card)
    state_b = _safe(state_per_sequence, card) or 0
    width = _safe(activation_width, card)

    rows = plan.stored(card)  # the quantization rows as files of those names store this card
    ids = rows.ids
    weights: list[int | None]
    active_weights: list[int | None]
    train_wbs: list[int] = []
    if inv is not None:
        # Catalog quantizations, then the training storage types (BF16, QLoRA NF4).
        wb = rows.weight_set.columns(inv, extra)
        n_q = len(ids)
        known = list(wb.total[:n_q])
        weights = list(known)
        train_wbs = list(wb.total[n_q:])
        # zip() stops at the catalog quantizations (known is the shortest)
        parts = zip(known, wb.routed_experts, wb.input_embedding, wb.extra, strict=False)
        if inv.n_experts:
            n_e, n_a = inv.n_experts, inv.n_active_experts
            active_weights = [total - routed * (n_e - n_a) // n_e - embd - xb for total, routed, embd, xb in parts]
        else:
            active_weights = [total - embd - xb for total, _, embd, xb in parts]
    elif params["total"] is not None:
        # Declared figures only: every parameter at the quantization's main storage type;
        # unknown (None) for schemes that store routed experts differently (MXFP4).
        total = int(params["total"])
        act_p = int(params["active"] if params["active"] is not None else params["total"])
        weights = [None if t is None else total * t[1] // t[0] for t in rows.declared_types]
        active_weights = [None if t is None else act_p * t[1] // t[0] for t in rows.declared_types]
    else:
        weights = [None] * len(ids)
        active_weights = [None] * len(ids)

    # The two formulas of memory.py, at the F16 KV cache the tables use.
    kv_f16 = plan.kv_types[DEFAULT_KV_DTYPE]

    def kv(ctx: int, batch: int) -> int | None:
        return None if groups is None else kv_cache_bytes(groups, ctx, batch, kv_f16, state_b)

    def act(ctx: int, batch: int) -> int | None:
        return None if width is None else activations_bytes(width, ctx, batch)

    cells = [(ctx, 1, kv(ctx, 1), act(ctx, 1)) for ctx in contexts]
    cells_b = [(ref_ctx, b, kv(ref_ctx, b), act(ref_ctx, b)) for b in BATCH_VARIANTS]
    q_weights = list(zip(ids, weights, strict=True))
    vram = vram_rows(q_weights, cells, DEFAULT_KV_DTYPE, OVERHEAD_BYTES)
    vram += vram_rows(q_weights, cells_b, DEFAULT_KV_DTYPE, OVERHEAD_BYTES)
    hardware = fit_table(plan.gpus, ids, weights, active_weights, kv(ref_ctx, 1), act(ref_ctx, 1))

    training = None
    if inv is not None and pc is not None:
        seq = TRAIN_SEQ if max_ctx is None else min(TRAIN_SEQ, max_ctx)
        bf16, nf4 = train_wbs
        training = training_memory(card, inv, pc.total - extra, bf16, nf4, seq)

    return {
        "api_version": API_VERSION,
        "id": card.get("id"),
        "parameters": params,
        "architecture_complete": pc is not None,
        "max_context": max_ctx,
        "contexts": contexts,
        "reference_context": ref_ctx,
        "weights": _weight_rows(rows.weight_rows, weights),
        "vram": vram,
        "hardware": hardware,
        "training": training,
        "modules": _modules(pc, rows.weight_set.quants[:len(ids)] if inv is not None else (), ids),
        "calculator": {
            "version": CALCULATOR_VERSION,
            "weights_bytes": dict(q_weights),
            "active_weights_bytes": dict(zip(ids, active_weights, strict=True)),
            "kv_groups": [] if groups is None else [
                {"layers": g.layers, "elements_per_token": g.elements_per_token, "window": g.window} for g in groups
            ],
            "kv_known": groups is not None,
            "state_bytes_per_sequence": state_b,
            "kv_dtypes": {k: list(v) for k, v in plan.kv_types.items()},
            "activation_width": width,
            "ubatch_tokens": UBATCH_TOKENS,
            "activation_bytes": ACTIVATION_BYTES,
            "overhead_bytes": OVERHEAD_BYTES,
            "max_context": max_ctx,
        },
        "assumptions": list(ASSUMPTIONS),
    }


def derive_all(cards: Iterable[Mapping[str, Any]], catalogs: Catalogs) -> list[dict[str, Any]]:
    """derive() for every card, results kept (what a site build precomputes).

    The cyclic garbage collector is paused for the batch and restored after: the
    results are acyclic trees of dicts and lists, and with millions of them alive
    each collection would re-walk everything built so far (measured: about a third
    of the batch time for 10,000 cards, bench/calc_bench.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [derive(card, catalogs) for card in cards]
    finally:
        if was_enabled:
            gc.enable()


def _kv_groups_of(calculator: Mapping[str, Any]) -> tuple[KVGroup, ...] | None:
    if not calculator["kv_known"]:
        return None
    return tuple(KVGroup(g["layers"], g["elements_per_token"], g["window"]) for g in calculator["kv_groups"])


def _kv_and_activations(calculator: Mapping[str, Any], kv_dtype: str, context: int,
                        batch: int) -> tuple[int | None, int | None]:
    """The two formulas of memory.py over a calculator block (None where the block does not know)."""
    groups = _kv_groups_of(calculator)
    width = calculator["activation_width"]
    kv = None if groups is None else kv_cache_bytes(groups, context, batch, tuple(calculator["kv_dtypes"][kv_dtype]),
                                                  calculator["state_bytes_per_sequence"])
    return kv, None if width is None else activations_bytes(width, context, batch)


def vram_query(derived: Mapping[str, Any], quantizations: Sequence[str], kv_dtype: str, contexts: Sequence[int],
               batch: int) -> list[dict[str, Any]]:
    """VRAM rows for any quantizations x contexts at one batch and KV dtype, from the calculator block.

    Quantization-major, like derive()'s table. site/assets/js/vram.js does the same
    arithmetic over the same block (tests/calc/test_calc_vram_js.py checks them equal).
    """
    c = derived["calculator"]
    cells = [(ctx, batch, *_kv_and_activations(c, kv_dtype, ctx, batch)) for ctx in contexts]
    weights = [(q, c["weights_bytes"].get(q)) for q in quantizations]
    return vram_rows(weights, cells, kv_dtype, c["overhead_bytes"])


def vram_at(derived: Mapping[str, Any], quantization: str, kv_dtype: str, context: int, batch: int) -> dict[str, Any]:
    """One VRAM row for any (quantization, kv_dtype, context, batch): vram_query() for one cell."""
    return vram_query(derived, [quantization], kv_dtype, [context], batch)[0]


def fit_table(gpus: Sequence[GpuPlan], quant_ids: Sequence[str], weights: Sequence[int | None],
              active_weights: Sequence[int | None], kv: int | None, activations: int | None) -> list[dict[str, Any]]:
    """The ``hardware`` block for one (context, batch, KV dtype), given its KV cache and activations.

    Per quantization the model needs weights + KV cache + activations (an unknown KV
    cache or activations count as 0: the fit is then a lower bound, and the basis says
    so), and each decode step reads the active weights and the whole KV cache. No
    speed ceiling without the KV cache: the bytes read per token would be a guess.
    """
    model_bytes = [None if w is None else w + (kv or 0) + (activations or 0) for w in weights]
    bytes_per_token = [0 if w is None or aw is None or kv is None else aw + kv
                       for w, aw in zip(weights, active_weights, strict=True)]
    return hardware_table(gpus, quant_ids, model_bytes, bytes_per_token)


def hardware_at(derived: Mapping[str, Any], catalogs: Catalogs, kv_dtype: str, context: int,
                batch: int) -> list[dict[str, Any]]:
    """The ``hardware`` block at any (kv_dtype, context, batch): what ``llmcards calc`` shows for its options.

    derive()'s own block is this at the reference context, batch 1, F16.
    The speed is per sequence: with ``batch`` sequences each step reads the
    weights once and every sequence's KV cache, and gives one token to each.
    """
    c = derived["calculator"]
    kv, act = _kv_and_activations(c, kv_dtype, context, batch)
    ids = list(c["weights_bytes"])
    return fit_table(plan_of(catalogs).gpus, ids, [c["weights_bytes"][q] for q in ids],
                     [c["active_weights_bytes"][q] for q in ids], kv, act)
