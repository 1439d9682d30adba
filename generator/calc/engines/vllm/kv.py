"""The KV cache: layer groups and block layout (kv_cache_utils.py get_kv_cache_groups), the tokens
and requests a budget holds, and the longest max_model_len that starts."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from generator.calc import gemma3n, memory
from generator.calc.engines import (
    largest_that_fits,
)
from generator.calc.params import head_dim_of
from generator.calc.engines.vllm.constants import (
    ACT_BYTES, BLOCK_SIZES, DSA_FP8_LATENT_BYTES, MLA_BLOCK_SIZE, indexer_key_bytes,
)
from generator.calc.engines.vllm.hybrid import state_blocks, state_layer_counts, state_pages
from generator.calc.engines.vllm.releases import DEFAULT_RELEASE


# --- KV cache ------------------------------------------------------------------------------------

class KVLayout(NamedTuple):
    """The KV cache groups of one GPU (kv_cache_utils.py get_kv_cache_groups)."""

    page_bytes: int  # one block of one layer
    block_size: int
    group_size: int  # layers per group (the "num_layers" of get_num_blocks)
    groups: tuple[int | None, ...]  # per group: its sliding window (None: full attention)
    per_token_bytes: int  # all layers' KV of one token on this GPU (full-attention layers)
    layers: tuple[tuple[int | None, int], ...]  # (window, number of layers) per attention type
    # Hybrid models (state-space / linear-attention layers): groups of state layers and how many
    # layers keep a state; each takes one page per request, whatever its length.
    state_groups: int = 0
    state_layers: int = 0
    state_bytes: int = 0  # one request's state on this GPU, all layers, before padding
    state_blocks: int = 1  # blocks one request holds in each state group (state_blocks())
    # DeepSeek sparse attention: the indexer keys' share of per_token_bytes (all layers), and the
    # tokens each query's sparse attention reads from the latent cache (index_topk); 0 otherwise.
    indexer_token_bytes: int = 0
    top_k: int = 0


def kv_layout(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int = ACT_BYTES,
              release: str = DEFAULT_RELEASE, gpu: Mapping[str, Any] | None = None) -> KVLayout:
    """Per-layer KV specs (kv_cache_interface.py) and the hybrid allocator's grouping.

    FullAttentionSpec / SlidingWindowSpec page = block_size x kv_heads_per_rank x head_size x 2
    (K and V) x dtype bytes; MLAAttentionSpec page = block_size x (kv_lora_rank +
    qk_rope_head_dim) x dtype bytes, the same on every TP rank (the latent is not split).
    Chunked local attention (Llama 4): vLLM turns the hybrid manager off for it by default
    (config/vllm.py, VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE unset), so every layer
    is full attention. Hybrid models (sliding + full) are split into groups of equal layer
    counts (_get_kv_cache_groups_uniform_page_size): group size = the smaller type's layer
    count, or the larger one when it is under 1.5x the smaller; the last group of a type is
    padded.

    State-space and linear-attention layers (``state_bytes``: the model dtype's width) are
    grouped the same way beside the attention layers, on one page size (state_pages); a request
    holds state_blocks() of each state group (the line's Mamba cache mode; ``gpu`` for gated DeltaNet).
    ``release``: the line, for its block size (BLOCK_SIZES) and its hybrid rules.

    DeepSeek sparse attention (``kv_bytes`` from dsa_kv_bytes): each layer's token is the latent
    (656 bytes fp8_ds_mla, or 576 x 2 BF16) plus the indexer's key (indexer_key_bytes), in one
    group (the DSA_* note above).
    """
    arch = card["architecture"]
    att = arch["attention"]
    L = int(arch["layers"])
    if arch.get("layer_pattern") and state_layer_counts(arch)[1]:
        return _hybrid_layout(card, tp, kv_bytes, state_bytes, release, gpu)
    block_size = BLOCK_SIZES[release]
    indexer = att.get("sparse_indexer")
    idx_token = 0
    if att["structure"] == "MLA":
        mla = att["mla"]
        block = MLA_BLOCK_SIZE
        per_layer_token = (int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"])) * kv_bytes
        if indexer:
            if kv_bytes == 1:
                per_layer_token = DSA_FP8_LATENT_BYTES
            idx_token = indexer_key_bytes(int(indexer["head_dim"]))
            per_layer_token += idx_token
    else:
        block = block_size
        kv_rank = max(1, int(att["kv_heads"]) // tp)
        per_layer_token = 2 * kv_rank * head_dim_of(arch) * kv_bytes
    page = block * per_layer_token
    sw = att.get("sliding_window")
    counts: dict[int | None, int] = {}
    if sw and sw.get("kind", "sliding") == "sliding":
        for g in memory.kv_groups(card):
            counts[g.window] = counts.get(g.window, 0) + g.layers
    else:
        counts[None] = gemma3n.cache_layers(arch)
    # Gemma 3n: a layer with a kv_sharing_target_layer_name (model_executor/models/gemma3n.py
    # Gemma3nAttention, v0.10-0.11) gets no KV cache spec (v1/worker/gpu_model_runner.py
    # get_kv_cache_spec records it in shared_kv_cache_layers and skips it), so only the layers
    # that own a cache count; memory.kv_groups leaves the shared ones out.
    L = sum(counts.values())
    layers = tuple(counts.items())
    if len(counts) == 1:
        (window,) = counts
        return KVLayout(page, block, L, (window,), per_layer_token * L, layers,
                        indexer_token_bytes=idx_token * L, top_k=int(indexer["top_k"]) if indexer else 0)
    lo, hi = min(counts.values()), max(counts.values())
    group_size = hi if hi < lo * 1.5 else lo
    groups: list[int | None] = []
    for window, n in counts.items():
        groups += [window] * (-(-n // group_size))
    return KVLayout(page, block, group_size, tuple(groups), per_layer_token * L, layers)


def _hybrid_layout(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int, release: str,
                   gpu: Mapping[str, Any] | None) -> KVLayout:
    """kv_layout of a model with state layers: full-attention layers and state layers, two types
    of one page size (state_pages), grouped by the same rule as sliding + full attention."""
    arch = card["architecture"]
    n_attn, n_state = state_layer_counts(arch)
    sp = state_pages(card, tp, kv_bytes, state_bytes, release)
    per_layer_token = sp.page_bytes // sp.block_size if n_attn else 0
    sizes = [n for n in (n_attn, n_state) if n]
    lo, hi = min(sizes), max(sizes)
    size = hi if hi < lo * 1.5 else lo
    return KVLayout(sp.page_bytes, sp.block_size, size, (None,) * -(-n_attn // size), per_layer_token * n_attn,
                    ((None, n_attn),) if n_attn else (), -(-n_state // size), n_state, sp.state_bytes * n_state,
                    state_blocks=state_blocks(card, release, gpu))


def layer_blocks(window: int | None, block_size: int, max_model_len: int, batched_tokens: int) -> int:
    """Blocks one layer keeps for one max_model_len request (spec.max_memory_usage_bytes / page).

    FullAttentionSpec: cdiv(max_model_len, block_size). SlidingWindowSpec: cdiv(min(window - 1 +
    max_num_batched_tokens, max_model_len), block_size) + 1 (the window may start mid-block).
    """
    if window is None:
        return -(-max_model_len // block_size)
    return -(-min(window - 1 + batched_tokens, max_model_len) // block_size) + 1


def blocks_per_request(layout: KVLayout, max_model_len: int, batched_tokens: int) -> int:
    """Blocks (of all group_size layers) one request takes: the sum over the groups
    (kv_cache_utils.py get_max_concurrency_for_kv_cache_config); a state group takes state_blocks."""
    return (sum(layer_blocks(w, layout.block_size, max_model_len, batched_tokens) for w in layout.groups)
            + layout.state_groups * layout.state_blocks)


class KVRules(NamedTuple):
    """How a release line's vLLM checks one request against the KV budget and prints its capacity."""

    # v0.19.0 on: the start check is per group, padding layers included: page x group size x the blocks
    # one request takes in every group (kv_cache_utils.py _max_memory_usage_bytes_from_groups). v0.11.0
    # summed every layer's own need (check_enough_kv_cache_memory); v0.17.0-v0.18.x counted only the
    # first group's blocks (the 0.17 line follows v0.19-v0.20, which is stricter).
    grouped_check: bool
    # v0.21.0 on: "GPU KV cache size" = int(max_concurrency x max_model_len) (_report_kv_cache_config,
    # v0.34 kv_cache_utils.py get_kv_cache_capacity); before: blocks // groups x the smallest block size.
    tokens_from_concurrency: bool
    # v0.29.0 on: the start check (and the largest max_model_len) leave out one block, the null block
    # BlockPool holds back (v1/core/kv_cache_planning.py get_kv_cache_configs); the 0.34 line only.
    null_block_held: bool


KV_RULES = {"0.11": KVRules(False, False, False), "0.17": KVRules(True, False, False),
            "0.21": KVRules(True, True, False), "0.34": KVRules(True, True, True)}


def request_bytes(layout: KVLayout, max_model_len: int, batched_tokens: int, release: str) -> int:
    """KV bytes the start check says one max_model_len request needs (KVRules.grouped_check): per
    group on the lines from 0.17 on; layer by layer on the 0.11 line (a MambaSpec layer: one page)."""
    if KV_RULES[release].grouped_check:
        return layout.page_bytes * layout.group_size * blocks_per_request(layout, max_model_len, batched_tokens)
    return (sum(n * layer_blocks(w, layout.block_size, max_model_len, batched_tokens) * layout.page_bytes
                for w, n in layout.layers)
            + layout.state_layers * layout.page_bytes)


def checked_memory(layout: KVLayout, available: int, release: str) -> int:
    """The KV budget the start check compares one request with (KVRules.null_block_held)."""
    return available - layout.page_bytes * layout.group_size if KV_RULES[release].null_block_held else available


class KVResult(NamedTuple):
    num_blocks: int
    tokens: int  # "GPU KV cache size: N tokens"
    max_concurrency: float  # "Maximum concurrency for N tokens per request: X"
    allocated: int  # bytes of KV tensors on each GPU
    needed_one_request: int  # bytes one max_model_len request needs (the start check)
    start_ok: bool  # whether vLLM starts: the budget is positive and holds one request


def kv_capacity(layout: KVLayout, available: int, max_model_len: int, batched_tokens: int,
                release: str) -> KVResult:
    """kv_cache_utils.py get_kv_cache_config_from_groups / get_num_blocks (blocks = available //
    (page x group size)), get_max_concurrency_for_kv_cache_config (blocks / blocks one request takes)
    and the printed tokens (KVRules.tokens_from_concurrency).

    Before v0.21 the printed tokens divide by every group, state groups included, and take the
    smallest block size of the groups: a MambaSpec's block size is max_model_len."""
    per_block = layout.page_bytes * layout.group_size
    num_blocks = max(available, 0) // per_block
    need_blocks = blocks_per_request(layout, max_model_len, batched_tokens)
    concurrency = num_blocks / need_blocks
    if KV_RULES[release].tokens_from_concurrency:
        tokens = int(concurrency * max_model_len)
    else:
        smallest = layout.block_size
        if layout.state_groups:
            smallest = min(layout.block_size, max_model_len) if layout.groups else max_model_len
        tokens = num_blocks // (len(layout.groups) + layout.state_groups) * smallest
    needed = request_bytes(layout, max_model_len, batched_tokens, release)
    start_ok = available > 0 and needed <= checked_memory(layout, available, release)
    return KVResult(num_blocks, tokens, concurrency, num_blocks * per_block, needed, start_ok)


def max_model_len_that_fits(layout: KVLayout, available: int, most: int, batched_tokens: int, release: str) -> int:
    """kv_cache_utils.py estimate_max_model_len / _estimate_max_model_len_from_groups: the largest
    max_model_len (binary search up to ``most``) whose one request passes the start check; 0 when not
    even one token does."""
    budget = checked_memory(layout, available, release)

    def fits(n: int) -> bool:
        return request_bytes(layout, n, batched_tokens, release) <= budget

    return largest_that_fits(1, most, fits) or 0
