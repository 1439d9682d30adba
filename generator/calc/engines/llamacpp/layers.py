"""A card's GGUF weights and KV cache layer by layer, as llama.cpp places them (pure).

llama.cpp assigns memory per *layer* (``src/llama-model.cpp`` ``llama_model::load_tensors``:
each block ``blk.<i>`` lives on one device, the token embedding on the CPU, the output
tensor and final norm on the device of the "output layer" ``n_layer``), so a plan needs
the bytes of each layer, not only the total. The types come from the same compiled
quantization as generator/calc/weights.py (``llama_tensor_get_type``'s per-layer rules,
the GGUF shape fallback); this module only walks the layers one by one, as the reference in
tests/calc/test_calc_weights_reference.py does, and keeps the routed experts (``*_exps``
tensors, what ``-ot exps=CPU`` / ``--n-cpu-moe`` move) apart from the rest of each layer.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from generator.calc import weights
from generator.calc.catalogs import Catalogs
from generator.calc import gemma3n, state
from generator.calc.memory import kv_groups
from generator.calc.tensors import Inventory, inventory


class LayerWeights(NamedTuple):
    """Bytes of a card's GGUF file by where llama.cpp may put them."""

    token_embd: int  # the input table: always in host memory (CPU_Mapped)
    output: int  # output matrix (or the duplicate of a tied token_embd) + final norm
    dense: tuple[int, ...]  # per layer: every tensor but the routed experts
    experts: tuple[int, ...]  # per layer: the routed expert tensors (ffn_*_exps)
    # Parameters read per generated token, without the token-embedding lookup
    # (one row): what the prefill FLOPs bound counts.
    active_params: int
    # Routed experts used per token / experts per MoE layer (1.0 for a dense model).
    active_expert_share: float
    # Per layer, the largest single tensor besides the routed experts: what the scheduler
    # copies to a GPU at once when it runs a host-resident tensor's product there.
    largest_dense: tuple[int, ...] = ()
    output_matrix: int = 0  # the output projection alone (what op offload copies)
    tied: bool = False  # the output reuses token_embd: the file holds no output matrix of its own
    experts_read: tuple[int, ...] = ()  # per layer: the routed-expert bytes one token reads (the active share)

    @property
    def total(self) -> int:
        return self.token_embd + self.output + sum(self.dense) + sum(self.experts)


def layer_weights(card: Mapping[str, Any], quant: Mapping[str, Any], catalogs: Catalogs,
                  tied_output_copy: bool = True) -> LayerWeights:
    """Per-layer bytes of ``card`` stored at ``quant`` (a catalog entry, already as_stored()).

    A tied model has one token_embd tensor in the file; llama.cpp loads it twice
    (llama-model.cpp load_tensors: ``output`` falls back to token_embd with
    TENSOR_DUPLICATED), once on the CPU as the input table and once on the output
    device. ``tied_output_copy`` False counts it once (the file's size).
    """
    inv: Inventory = inventory(card)
    compiled = weights.compile_quant(quant, catalogs.tensor_types, catalogs.shape_fallback)
    layout = weights.LayerLayout.of(inv)
    n = inv.n_layers
    dense = [0] * n
    experts = [0] * n
    largest = [0] * n
    token_embd = output = output_matrix = 0
    active = 0
    share = inv.n_active_experts / inv.n_experts if inv.n_experts else 1.0
    # Experts copied as shipped (native.as_stored: gpt-oss keeps MXFP4 in every GGUF) take no
    # per-layer rule, as in weights.CompiledQuant.layer_types.
    routed_fixed = bool(quant.get("routed_experts_fixed"))
    for m in inv.matrices:
        kind, ne0, elements = weights.Tensor.of(m, inv)
        if m.layers == "global":
            ((storage, _),) = compiled.layer_types(kind.role, kind.routed, layout, "global")
            b = storage.tensor_bytes(ne0, elements)
            if m.role in ("token_embd", "per_layer_embd"):
                token_embd += b
                if m.role == "per_layer_embd":
                    # Gemma 3n's per-layer table: an input tensor in host memory like token_embd
                    # (src/llama-arch.cpp LLM_TENSOR_INFOS: LLM_TENSOR_LAYER_INPUT, GGML_OP_GET_ROWS),
                    # read one row per token, never the output head.
                    continue
                if inv.tied:
                    active += elements
                    if tied_output_copy:
                        output += b
                        output_matrix = b
            else:  # output matrix, final norm, learned positions: with the output layer
                output += b
                active += elements
                if m.role == "output":
                    output_matrix = b
            continue
        simple = compiled.simple.get(kind.role)
        rules = None if (m.routed and routed_fixed) else compiled.rules.get(kind.role)
        picks = weights.first_rule(rules, layout.context) if (simple is None and rules) else None
        base = simple if simple is not None else compiled.base_type(kind.routed)
        target = experts if m.routed else dense
        active_elements = round(elements * share) if m.routed else elements  # read per token, each layer
        for i in weights.layers_holding(layout, m.layers):
            k = picks[i] if picks is not None else None
            storage = base if (k is None or rules is None) else rules[k].type
            b = storage.tensor_bytes(ne0, elements)
            target[i] += b
            if not m.routed:
                largest[i] = max(largest[i], b)
            active += active_elements
    experts_read = tuple(round(b * share) for b in experts)
    return LayerWeights(token_embd, output, tuple(dense), tuple(experts), active, share,
                        tuple(largest), output_matrix, bool(inv.tied), experts_read)


class KVLayer(NamedTuple):
    """What one layer caches per cell (token): K and V values, and whether it is a sliding-window layer.

    ``idx``: DeepSeek sparse attention (DeepSeek-V3.2), the values of the lightning indexer's key
    that the DSA cache keeps beside the MLA latent, stored at the K type (-ctk); 0 otherwise."""

    k: int
    v: int
    swa: bool
    idx: int = 0


def kv_layers(card: Mapping[str, Any]) -> tuple[KVLayer, ...]:
    """Per layer, the K and V values one KV cell holds (src/llama-kv-cache.cpp, llama_kv_cache ctor).

    K holds n_embd_k_gqa = kv_heads x head_dim values, V n_embd_v_gqa; an MLA model
    (DeepSeek-V2/V3, Kimi K2) caches only K: the compressed latent kv_lora_rank plus the
    shared rotary key qk_rope_head_dim (``has_v = !is_mla``). Widths come from
    memory.kv_groups (the calculator's one KV formula); which layers slide follows the
    card's pattern, layer i taking pattern[i % len(pattern)] (llama_hparams::is_swa).

    DeepSeek-V3.2 (LLM_ARCH_DEEPSEEK32, since b9411, PR #23346): llama_model::create_memory builds
    a llama_kv_cache_dsa (src/llama-kv-cache-dsa.cpp), two llama_kv_cache instances of the same
    cells (kv_size = n_ctx_seq, n_seq_max, unified, no layer filter). The second, for the
    lightning indexer, copies the model's hparams with n_head_kv = 1 and n_embd_head_k =
    indexer_head_size and gets the same type_k: one key of head_dim values per cell and layer at
    -ctk. The copy is still an MLA model, so that cache has no V either (llama_kv_cache ctor:
    has_v = !is_mla; PR #28330 describes the V a non-MLA indexer cache does get). memory.kv_groups
    counts the key in its width; here it is kept apart as ``idx``.
    """
    arch = card["architecture"]
    att = arch["attention"]
    n = int(arch["layers"])
    per = kv_groups(card)[0].elements_per_token  # K and V together; same width for every group
    mla = att["structure"] == "MLA"
    indexer = att.get("sparse_indexer")
    idx = int(indexer["head_dim"]) if indexer else 0
    per -= idx
    k, v = (per, 0) if mla else (per // 2, per - per // 2)
    sw = att.get("sliding_window")
    pattern = str(sw["pattern"]) if sw else "G"
    # Hybrid stacks: only attention layers get KV cells (llama_memory_hybrid filters the
    # layers, hparams.is_recurrent(il)); the others keep recurrent state (recurrent_state_bytes).
    kinds = state.layer_kinds(arch)
    # Gemma 3n: layers from n_layer_kv_from_start on own no cells (llama_hparams::has_kv; the
    # create_memory reuse callback points them at an earlier layer's cache). llama.cpp sets it
    # to 20 in its gemma3n loader (src/models/gemma3n.cpp load_arch_hparams, master 2026), which
    # is layers - num_kv_shared_layers for both released models (30 - 10, 35 - 15).
    owned = gemma3n.cache_layers(arch)
    return tuple(KVLayer(k, v, pattern[i % len(pattern)] == "L", idx)
                 if kinds[i] in state.ATTENTION_LETTERS and i < owned
                 else KVLayer(0, 0, False) for i in range(n))


def recurrent_state_bytes(card: Mapping[str, Any]) -> tuple[int, ...]:
    """Per layer, the bytes of one sequence's recurrent state (0 for attention-only layers).

    llama.cpp keeps r (conv) and s (ssm) states of hparams.n_embd_r() and n_embd_s() values per
    layer and sequence (src/llama-memory-recurrent.cpp, llama_memory_recurrent ctor), both F32
    (src/llama-model.cpp, llama_model::create_memory); for Mamba-2 n_embd_r = (d_conv - 1) x
    (d_inner + 2 n_group d_state) and n_embd_s = d_state x d_inner, for gated DeltaNet the same
    with d_inner = value heads x value dim, n_group = key heads, d_state = key dim
    (src/llama-hparams.cpp). state.py has the same two sizes.
    """
    arch = card["architecture"]
    kinds = state.layer_kinds(arch)
    ssm = state.ssm_state_elements(arch["ssm"]) if state.count_of(kinds, state.SSM_LETTERS) else (0, 0)
    lin = (state.linear_state_elements(arch["linear_attention"])
           if state.count_of(kinds, state.LINEAR_LETTERS) else (0, 0))
    per = {c: 0 for c in state.PATTERN_LETTERS}
    for c in state.SSM_LETTERS:
        per[c] = sum(ssm) * state.STATE_BYTES
    for c in state.LINEAR_LETTERS:
        per[c] = sum(lin) * state.STATE_BYTES
    return tuple(per[c] for c in kinds)
