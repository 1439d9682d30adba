"""Exact parameter counts from a card's ``architecture`` block.

Pure arithmetic over a mapping shaped like the card schema
(schema/model-card.schema.json). No I/O. Every count is an int.

Conventions
-----------
* ``total``   = every parameter the architecture describes + ``parameters.extra``
  (``extra`` null counts as 0).
* ``active``  = parameters used for one token: ``total`` minus the routed experts a
  token does not use (``experts.total - experts.active`` per MoE layer) and minus
  ``parameters.extra`` (a vision tower, an MTP module or a duplicated head is not
  run for an ordinary text token). The input embedding matrix is included
  (vendors differ; we say which).
* ``active_excluding_input_embedding`` = ``active`` minus the input-side lookup
  tables: the token embedding (only when it is not tied to the output head,
  because a tied matrix is still read in full by the head) and a learned
  absolute position table. This is the figure that matters for bytes read per
  decoded token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from generator.calc import state
from generator.calc.state import MissingField


def attention_structure(heads: int, kv_heads: int) -> str:
    """The attention structure that standard (non-MLA) head counts imply: MHA, MQA or GQA."""
    if kv_heads == heads:
        return "MHA"
    if kv_heads == 1:
        return "MQA"
    return "GQA"


@dataclass(frozen=True)
class ParameterCount:
    total: int
    active: int
    active_excluding_input_embedding: int
    breakdown: dict[str, int] = field(default_factory=dict)


# A field needed for the count is null or absent (one exception for params.py and state.py).
_Missing = MissingField


def _need(block: Mapping[str, Any] | None, key: str) -> Any:
    if block is None:
        raise _Missing(key)
    value = block.get(key)
    if value is None:
        raise _Missing(key)
    return value


def mlp_params(hidden: int, inner: int, gated: bool, bias: bool) -> int:
    """One feed-forward block: gate/up/down (gated) or up/down (plain), optional biases."""
    if gated:
        weights = 3 * hidden * inner
        biases = 2 * inner + hidden
    else:
        weights = 2 * hidden * inner
        biases = inner + hidden
    return weights + (biases if bias else 0)


def moe_layer_count(layers: int, first_dense: int, step: int) -> int:
    """Layers i with i >= first_dense and (i - first_dense) % step == step - 1."""
    remaining = max(layers - first_dense, 0)
    return remaining // step


def head_dim_of(arch: Mapping[str, Any]) -> int:
    """head_dim, or hidden_size / heads when the card leaves it null."""
    att = arch.get("attention") or {}
    hd = att.get("head_dim")
    if hd is not None:
        return int(hd)
    return int(_need(arch, "hidden_size")) // int(_need(att, "heads"))


def _attention_params(arch: Mapping[str, Any], hidden: int) -> dict[str, int]:
    att: Mapping[str, Any] = _need(arch, "attention")
    heads = int(_need(att, "heads"))
    qkv_bias = bool(_need(att, "qkv_bias"))
    out_bias = bool(_need(att, "output_bias"))
    qk_norm = _need(att, "qk_norm")
    sinks = bool(_need(att, "sinks"))
    structure = _need(att, "structure")
    parts: dict[str, int] = {}
    if structure == "MLA":
        mla = att.get("mla")
        kv_heads = int(att.get("kv_heads") or heads)
        q_rank = (mla or {}).get("q_lora_rank") if mla is not None else None
        kv_rank = int(_need(mla, "kv_lora_rank"))
        nope = int(_need(mla, "qk_nope_head_dim"))
        rope = int(_need(mla, "qk_rope_head_dim"))
        v_dim = int(_need(mla, "v_head_dim"))
        q_out = heads * (nope + rope)
        if q_rank is None:
            parts["q_proj"] = hidden * q_out
        else:
            q_rank = int(q_rank)
            # q_a_proj (bias follows attention_bias), q_a_layernorm, q_b_proj
            parts["q_a_proj"] = hidden * q_rank + (q_rank if qkv_bias else 0)
            parts["q_a_layernorm"] = q_rank
            parts["q_b_proj"] = q_rank * q_out
        # The latent and the shared rotary key come from one projection.
        parts["kv_a_proj_with_mqa"] = hidden * (kv_rank + rope) + (
            kv_rank + rope if qkv_bias else 0
        )
        parts["kv_a_layernorm"] = kv_rank
        parts["kv_b_proj"] = kv_rank * kv_heads * (nope + v_dim)
        parts["o_proj"] = heads * v_dim * hidden + (hidden if out_bias else 0)
    else:
        kv_heads = int(_need(att, "kv_heads"))
        hd = head_dim_of(arch)
        q_width = heads * hd
        kv_width = kv_heads * hd
        # A gated output (Qwen3-Next attn_output_gate) doubles the query projection: the
        # second half is the per-channel gate on the attention output.
        q_out = q_width * (2 if att.get("output_gate") else 1)
        parts["q_proj"] = hidden * q_out + (q_out if qkv_bias else 0)
        parts["k_proj"] = hidden * kv_width + (kv_width if qkv_bias else 0)
        parts["v_proj"] = hidden * kv_width + (kv_width if qkv_bias else 0)
        parts["o_proj"] = q_width * hidden + (hidden if out_bias else 0)
        if qk_norm == "head":
            parts["qk_norm"] = 2 * hd
        elif qk_norm == "full":
            parts["qk_norm"] = q_width + kv_width
    if sinks:
        parts["sinks"] = heads
    return parts


def count_parameters(card: Mapping[str, Any]) -> ParameterCount | None:
    """Count parameters exactly; None when a field the count needs is null."""
    try:
        return _count(card)
    except _Missing:
        return None


def _count(card: Mapping[str, Any]) -> ParameterCount:
    arch = card.get("architecture")
    if not isinstance(arch, Mapping):
        raise _Missing("architecture")
    params = card.get("parameters") or {}
    extra = int(params.get("extra") or 0)

    layers = int(_need(arch, "layers"))
    hidden = int(_need(arch, "hidden_size"))
    vocab = int(_need(arch, "vocab_size"))
    tied = bool(_need(arch, "tied_embeddings"))
    mlp_kind = _need(arch, "mlp")
    mlp_bias = bool(_need(arch, "mlp_bias"))
    norm_kind = _need(arch, "normalization")
    norms_per_layer = int(_need(arch, "norms_per_layer"))
    pos_kind = _need(arch, "position_embedding")
    arch_type = _need(arch, "type")
    gated = mlp_kind == "gated"
    norm_bias = bool(arch.get("norm_bias")) if norm_kind == "rmsnorm" else bool(
        _need(arch, "norm_bias")
    )
    norm_width = hidden * (2 if norm_bias else 1)

    b: dict[str, int] = {}
    b["embedding"] = vocab * hidden
    b["lm_head"] = 0 if tied else vocab * hidden
    b["position_embedding"] = (
        int(_need(arch, "max_position_embeddings")) * hidden if pos_kind == "learned" else 0
    )

    kinds = state.layer_kinds(arch)
    n_attn = state.count_of(kinds, state.ATTENTION_LETTERS)
    b["attention"] = n_attn * sum(_attention_params(arch, hidden).values()) if n_attn else 0
    indexer = (arch.get("attention") or {}).get("sparse_indexer")
    if indexer is not None and n_attn:
        q_rank = int(_need(_need(arch["attention"], "mla"), "q_lora_rank"))
        b["sparse_indexer"] = n_attn * sum(state.indexer_params(indexer, hidden, q_rank).values())
    n_ssm = state.count_of(kinds, state.SSM_LETTERS)
    if n_ssm:
        b["ssm"] = n_ssm * sum(state.ssm_params(_need(arch, "ssm"), hidden).values())
    n_lin = state.count_of(kinds, state.LINEAR_LETTERS)
    if n_lin:
        b["linear_attention"] = n_lin * sum(
            state.linear_attention_params(_need(arch, "linear_attention"), hidden).values()
        )
    b["norms"] = layers * norms_per_layer * norm_width + norm_width  # + final norm

    experts = arch.get("experts")
    unused_routed = 0
    n_ffn = state.count_of(kinds, state.FFN_LETTERS)
    if arch_type == "moe":
        if not isinstance(experts, Mapping):
            raise _Missing("experts")
        n_exp = int(_need(experts, "total"))
        n_act = int(_need(experts, "active"))
        n_shared = int(_need(experts, "shared"))
        e_inner = int(_need(experts, "intermediate_size"))
        first_dense = int(_need(experts, "first_dense_layers"))
        step = int(_need(experts, "interleave_step"))
        router_bias = bool(_need(experts, "router_bias"))
        moe_layers = len(state.moe_layers(kinds, first_dense, step))
        dense_layers = n_ffn - moe_layers
        one_expert = mlp_params(hidden, e_inner, gated, mlp_bias)
        b["routed_experts"] = moe_layers * n_exp * one_expert
        if n_shared:
            s_inner = int(_need(experts, "shared_intermediate_size"))
            b["shared_experts"] = moe_layers * n_shared * mlp_params(
                hidden, s_inner, gated, mlp_bias
            )
            gate = bool(_need(experts, "shared_expert_gate"))
            b["shared_expert_gate"] = moe_layers * hidden if gate else 0
        else:
            b["shared_experts"] = 0
            b["shared_expert_gate"] = 0
        b["router"] = moe_layers * (hidden * n_exp + (n_exp if router_bias else 0))
        unused_routed = moe_layers * (n_exp - n_act) * one_expert
    else:
        dense_layers = n_ffn
    if dense_layers:
        b["dense_mlp"] = dense_layers * mlp_params(
            hidden, int(_need(arch, "intermediate_size")), gated, mlp_bias
        )
    else:
        b["dense_mlp"] = 0
    b["extra"] = extra

    total = sum(b.values())
    active = total - unused_routed - extra
    input_side = (0 if tied else b["embedding"]) + b["position_embedding"]
    return ParameterCount(
        total=total,
        active=active,
        active_excluding_input_embedding=active - input_side,
        breakdown=b,
    )
