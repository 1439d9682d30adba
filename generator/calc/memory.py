"""Memory components for inference: weights, KV cache, activations, overhead.

Pure integer arithmetic. Formulas and sources: site/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from generator.calc.catalogs import Catalogs
from generator.calc.params import head_dim_of
from generator.calc.tensors import Inventory

# Stated runtime assumptions (see methodology): llama.cpp's default micro-batch
# (--ubatch-size 512), F32 activations, flash attention (no context x context
# score matrix), and a fixed per-device runtime overhead (CUDA/ROCm/Metal context,
# allocator slack).
UBATCH_TOKENS = 512
ACTIVATION_BYTES = 4
OVERHEAD_BYTES = 500_000_000


def tensor_bytes(catalogs: Catalogs, type_id: str, elements: int) -> int:
    bw, bb = catalogs.tensor_types[type_id]
    return elements * bb // bw


def _more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def _condition(cond: str, i: int, n: int, inv_flags: tuple[bool, int, int]) -> bool:
    gqa_ge_4, n_experts, n_layers = inv_flags
    if cond == "always":
        return True
    if cond == "more_bits":
        return _more_bits(i, n)
    if cond == "first_eighth":
        return i < n // 8
    if cond == "first_sixteenth":
        return i < n // 16
    if cond == "first_two":
        return i < 2
    if cond == "gqa_ge_4":
        return gqa_ge_4
    if cond == "experts_eq_8":
        return n_experts == 8
    if cond == "experts_ge_4":
        return n_experts >= 4
    if cond == "layers_eq_80":
        return n_layers == 80
    raise ValueError(f"unknown rule condition {cond!r}")


def _rule_type(rules: tuple, default: str, i: int, n: int, flags: tuple[bool, int, int]) -> str:
    for when, tid in rules:
        if any(_condition(c, i, n, flags) for c in when):
            return tid
    return default


@lru_cache(maxsize=65536)
def _layer_type_counts(
    rules: tuple, default: str, n_layers: int, first_dense: int, step: int, flags: tuple[bool, int, int]
) -> tuple[tuple[str, str, int], ...]:
    """(type, 'dense'|'moe', layer count) for a role whose type depends on the layer index."""
    counts: dict[tuple[str, str], int] = {}
    for i in range(n_layers):
        moe = i >= first_dense and (i - first_dense) % step == step - 1
        key = (_rule_type(rules, default, i, n_layers, flags), "moe" if moe else "dense")
        counts[key] = counts.get(key, 0) + 1
    return tuple((t, k, c) for (t, k), c in sorted(counts.items()))


_RULES_CACHE: dict[int, tuple[Mapping[str, Any], dict[str, tuple]]] = {}


def _frozen_rules(quant: Mapping[str, Any], role: str) -> tuple:
    """The quantization's rules for a role as hashable tuples (memoized per catalog entry)."""
    hit = _RULES_CACHE.get(id(quant))
    if hit is None or hit[0] is not quant:
        table: dict[str, tuple] = {}
        for r_role, rules in (quant.get("rules") or {}).items():
            table[r_role] = tuple(
                (tuple(r["when"]) if isinstance(r["when"], list) else (r["when"],), r["type"]) for r in rules
            )
        hit = (quant, table)
        _RULES_CACHE[id(quant)] = hit
    return hit[1].get(role, ())


@dataclass(frozen=True)
class WeightBytes:
    total: int
    routed_experts: int  # bytes of all routed experts (MoE), 0 otherwise
    input_embedding: int  # bytes of the token-embedding table when untied, else 0
    extra: int


def weight_bytes(inv: Inventory, quant: Mapping[str, Any], catalogs: Catalogs, extra_params: int) -> WeightBytes:
    """Bytes of every weight at a quantization, tensor by tensor (all experts resident)."""
    types = quant["types"]
    gguf = quant["format"] == "gguf"
    fallback = catalogs.shape_fallback
    default = types["default"]
    flags = (inv.gqa_ge_4, inv.n_experts, inv.n_layers)
    total = routed = embd = 0

    def settle(tid: str, ne0: int) -> str:
        # llama.cpp falls back when a row is not a whole number of blocks.
        if gguf and tid in fallback and ne0 % catalogs.tensor_types[tid][0] != 0:
            return fallback[tid]
        return tid

    for mtx in inv.matrices:
        role = mtx.role
        if role == "one_d":
            tid, counts = types["one_d"], None
        elif role == "router":
            tid, counts = types["router"], None
        elif role == "output" or (role == "token_embd" and inv.tied):
            tid, counts = types["output"], None
        elif role == "token_embd":
            tid, counts = types["embedding"], None
        else:
            base = types.get("routed_experts", default) if mtx.routed else default
            rules = _frozen_rules(quant, role)
            if rules and mtx.layers != "global":
                counts = _layer_type_counts(rules, base, inv.n_layers, inv.first_dense, inv.step, flags)
            else:
                tid, counts = base, None
        per_layer = mtx.elements
        if counts is None:
            b = tensor_bytes(catalogs, settle(tid, mtx.ne0), per_layer) * inv.layer_count(mtx.layers)
        else:
            b = 0
            for t, kind, c in counts:
                if mtx.layers == "all" or mtx.layers == kind:
                    b += tensor_bytes(catalogs, settle(t, mtx.ne0), per_layer) * c
        total += b
        if mtx.routed:
            routed += b
        if role == "token_embd" and not inv.tied:
            embd = b
    # Parameters outside the architecture (vision tower, MTP): kept at 16 bits,
    # 32 when the whole model is FP32 (GGUF ships vision projectors as F16).
    extra_b = extra_params * (4 if default == "F32" else 2)
    return WeightBytes(total=total + extra_b, routed_experts=routed, input_embedding=embd, extra=extra_b)


@dataclass(frozen=True)
class KVGroup:
    """Layers that cache ``elements_per_token`` values each token, capped at ``window`` tokens."""

    layers: int
    elements_per_token: int  # per layer, K and V together
    window: int | None


def kv_groups(card: Mapping[str, Any]) -> tuple[KVGroup, ...]:
    arch = card["architecture"]
    att = arch["attention"]
    L = int(arch["layers"])
    if att["structure"] == "MLA":
        mla = att["mla"]
        # MLA caches one compressed latent plus the shared rotary key per token.
        per = int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"])
    else:
        per = 2 * int(att["kv_heads"]) * head_dim_of(arch)
    sw = att.get("sliding_window")
    if not sw:
        return (KVGroup(L, per, None),)
    pattern = sw["pattern"]
    local = sum(1 for i in range(L) if pattern[i % len(pattern)] == "L")
    groups = []
    if local:
        groups.append(KVGroup(local, per, int(sw["size"])))
    if L - local:
        groups.append(KVGroup(L - local, per, None))
    return tuple(groups)


def kv_elements(groups: tuple[KVGroup, ...], context: int, batch: int) -> int:
    total = 0
    for g in groups:
        tokens = context if g.window is None else min(context, g.window)
        total += g.layers * g.elements_per_token * tokens
    return total * batch


def kv_cache_bytes(groups: tuple[KVGroup, ...], context: int, batch: int, kv_type: tuple[int, int]) -> int:
    bw, bb = kv_type
    return kv_elements(groups, context, batch) * bb // bw


def activation_width(card: Mapping[str, Any]) -> int:
    """Values per token held in the compute buffer: logits + 4 x hidden + 2 x widest active FFN."""
    arch = card["architecture"]
    h = int(arch["hidden_size"])
    ffn = int(arch.get("intermediate_size") or 0)
    exp = arch.get("experts") if arch.get("type") == "moe" else None
    if exp:
        moe_w = int(exp["active"]) * int(exp["intermediate_size"])
        moe_w += int(exp.get("shared") or 0) * int(exp.get("shared_intermediate_size") or 0)
        ffn = max(ffn, moe_w)
    return int(arch["vocab_size"]) + 4 * h + 2 * ffn


def activations_bytes(width: int, context: int, batch: int) -> int:
    tokens = min(UBATCH_TOKENS, context * batch)
    return ACTIVATION_BYTES * tokens * width
