"""Memory components for inference: weights, KV cache, activations, overhead.

Pure integer arithmetic. Formulas and sources: site/methodology.md.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from generator.calc import gemma3n, state
from generator.calc.catalogs import Catalogs
from generator.calc.params import head_dim_of
from generator.calc.tensors import Inventory
from generator.calc import weights

# Stated runtime assumptions (see methodology): llama.cpp's default micro-batch
# (--ubatch-size 512), F32 activations, flash attention (no context x context
# score matrix), and a fixed per-device runtime overhead (CUDA/ROCm/Metal context,
# allocator slack).
UBATCH_TOKENS = 512
ACTIVATION_BYTES = 4
OVERHEAD_BYTES = 500_000_000


def weight_bytes(inv: Inventory, quant: Mapping[str, Any], catalogs: Catalogs, extra_params: int) -> weights.WeightBytes:
    """Bytes of every weight at a quantization, tensor by tensor (all experts resident).

    One quantization; ``derive`` computes all of a catalog's at once (generator.calc.weights).
    """
    compiled = weights.compile_quant(quant, catalogs.tensor_types, catalogs.shape_fallback)
    return weights.weight_bytes(inv, compiled, extra_params)


class KVGroup(NamedTuple):
    """Layers that cache ``elements_per_token`` values each token, capped at ``window`` tokens.

    A NamedTuple (immutable, like the frozen dataclass it was): built for every card, and
    a frozen dataclass's __init__ (one object.__setattr__ per field) costs twice as much.
    """

    layers: int
    elements_per_token: int  # per layer, K and V together
    window: int | None


def kv_groups(card: Mapping[str, Any]) -> tuple[KVGroup, ...]:
    arch = card["architecture"]
    att = arch["attention"]
    # Only attention layers cache keys and values; state-space and linear-attention layers
    # keep a fixed state instead (state_per_sequence).
    # Gemma 3n's last attention.kv_shared_layers layers read an earlier layer's cache and own none.
    L = state.count_of(state.layer_kinds(arch)[: gemma3n.cache_layers(arch)], state.ATTENTION_LETTERS)
    if L == 0:
        return ()
    if att["structure"] == "MLA":
        mla = att["mla"]
        # MLA caches one compressed latent plus the shared rotary key per token.
        per = int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"])
    else:
        per = 2 * int(att["kv_heads"]) * head_dim_of(arch)
    indexer = att.get("sparse_indexer")
    if indexer:
        # DeepSeek-V3.2: the indexer caches one key of head_dim values per token beside the latent.
        per += int(indexer["head_dim"])
    sw = att.get("sliding_window")
    if not sw:
        return (KVGroup(L, per, None),)
    pattern = sw["pattern"]
    reps, rest = divmod(L, len(pattern)) if L else (0, 0)  # layer i follows pattern[i % len(pattern)]
    local = reps * pattern.count("L") + pattern[:rest].count("L")
    groups = []
    if local:
        groups.append(KVGroup(local, per, int(sw["size"])))
    if L - local:
        groups.append(KVGroup(L - local, per, None))
    return tuple(groups)


def kv_elements(groups: Sequence[KVGroup], context: int, batch: int) -> int:
    """Values the KV cache holds for ``batch`` sequences of ``context`` tokens (windows cap the context)."""
    total = 0
    for g in groups:
        tokens = context if g.window is None else min(context, g.window)
        total += g.layers * g.elements_per_token * tokens
    return total * batch


def kv_cache_bytes(groups: Sequence[KVGroup], context: int, batch: int, kv_type: tuple[int, int],
                   state_per_sequence: int = 0) -> int:
    """The KV-cache formula (the only copy; derive(), vram_at() and the CLI call it).

    kv_type is the cache dtype's (block_weights, block_bytes): whole blocks of the
    cache's values, so bytes = values * block_bytes // block_weights.
    state_per_sequence: bytes of fixed recurrent state (state-space and linear-attention
    layers) each sequence keeps whatever its context (state_per_sequence()); it does not
    follow the KV dtype.
    """
    bw, bb = kv_type
    return kv_elements(groups, context, batch) * bb // bw + state_per_sequence * batch


def state_per_sequence(card: Mapping[str, Any]) -> int:
    """Bytes of recurrent state one sequence keeps (0 for a plain transformer): state.py, F32."""
    return state.state_bytes_per_sequence(card["architecture"])


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
    """The activations formula (the only copy): one micro-batch of at most UBATCH_TOKENS tokens."""
    tokens = min(UBATCH_TOKENS, context * batch)
    return ACTIVATION_BYTES * tokens * width
