"""Exact parameter counts from a card's ``architecture`` block.

Pure arithmetic over a mapping shaped like the card schema
(schema/model-card.schema.json). No I/O. Every count is an int.

Conventions
-----------
* ``total``   = every parameter the architecture describes + ``parameters.extra``
  (``extra`` null counts as 0). The architecture includes its optional parts, each
  its own breakdown key: ``mtp`` (multi-token-prediction modules), ``vision_encoder``,
  ``audio_encoder`` (encoder + projector) and ``per_layer_embeddings`` (Gemma 3n; its
  projections, AltUp and LAuReL are ``per_layer_projections``, ``altup`` and ``laurel``,
  generator/calc/gemma3n.py).
* ``active``  = parameters used for one token: ``total`` minus the routed experts a
  token does not use (``experts.total - experts.active`` per MoE layer) and minus
  ``parameters.extra``, the MTP modules and the encoders (a vision tower, an MTP
  module or a duplicated head is not run for an ordinary text token). The input embedding matrix is included
  (vendors differ; we say which).
* ``active_excluding_input_embedding`` = ``active`` minus the input-side lookup
  tables: the token embedding (only when it is not tied to the output head,
  because a tied matrix is still read in full by the head) and a learned
  absolute position table, and Gemma 3n's per-layer embedding table (also a
  lookup). This is the figure that matters for bytes read per
  decoded token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from generator.calc import gemma3n, state
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


# Parts of the architecture outside the text model, each counted on its own
# (breakdown keys; ``module_parts`` lists the ones a card has).
MODULE_PARTS = ("mtp", "vision_encoder", "audio_encoder")


def _block_params(arch: Mapping[str, Any], hidden: int, moe: bool) -> int:
    """One decoder block as the main model builds it: attention, norms and a dense or MoE FFN."""
    gated = _need(arch, "mlp") == "gated"
    mlp_bias = bool(_need(arch, "mlp_bias"))
    norm_width = hidden * (2 if arch.get("norm_bias") else 1)
    total = sum(_attention_params(arch, hidden).values()) + int(_need(arch, "norms_per_layer")) * norm_width
    indexer = (arch.get("attention") or {}).get("sparse_indexer")
    if indexer is not None:  # DeepSeek-V3.2: every block, the MTP one too, has its own indexer
        q_rank = int(_need(_need(arch["attention"], "mla"), "q_lora_rank"))
        total += sum(state.indexer_params(indexer, hidden, q_rank).values())
    if not moe:
        return total + mlp_params(hidden, int(_need(arch, "intermediate_size")), gated, mlp_bias)
    experts: Mapping[str, Any] = _need(arch, "experts")
    n_exp = int(_need(experts, "total"))
    total += n_exp * mlp_params(hidden, int(_need(experts, "intermediate_size")), gated, mlp_bias)
    n_shared = int(_need(experts, "shared"))
    if n_shared:
        total += n_shared * mlp_params(hidden, int(_need(experts, "shared_intermediate_size")), gated, mlp_bias)
        total += hidden if _need(experts, "shared_expert_gate") else 0
    return total + hidden * n_exp + (n_exp if _need(experts, "router_bias") else 0)


def mtp_params(arch: Mapping[str, Any]) -> int:
    """Every multi-token-prediction module (DeepSeek-V3 README_WEIGHTS.md layout).

    Per module: enorm and hnorm (RMSNorms of the embedding and of the previous hidden
    state), eh_proj (2h x h, no bias), one decoder block, the final norm
    (shared_head.norm; ERNIE 4.5 has none: ``final_norm: false``), and the optional own
    copies of the embedding and output head.
    """
    mtp: Mapping[str, Any] = _need(arch, "mtp")
    hidden, vocab = int(_need(arch, "hidden_size")), int(_need(arch, "vocab_size"))
    norms = 3 if mtp.get("final_norm", True) else 2
    one = norms * hidden + 2 * hidden * hidden + _block_params(arch, hidden, _need(mtp, "block") == "moe")
    one += vocab * hidden * (int(bool(_need(mtp, "own_embedding"))) + int(bool(_need(mtp, "own_head"))))
    return int(_need(mtp, "modules")) * one


def _vit_layer(h: int, inner: int, gated: bool, qkv_bias: bool, norm: int) -> int:
    """One ViT block: q, k, v, o projections (bias or not), two norms of ``norm`` vectors, an MLP with biases."""
    attn = 4 * h * h + (4 * h if qkv_bias else 0)
    return attn + 2 * norm * h + mlp_params(h, inner, gated, True)


def encoder_params(enc: Mapping[str, Any], text_hidden: int) -> int:
    """An encoder and its projector, exactly, from the fields of its kind (transformers' modules).

    siglip: modeling_siglip.py SiglipVisionTransformer (conv patch embedding with bias,
      position table of (image/patch)^2 rows, LayerNorms with bias, biased q/k/v/o and fc1/fc2,
      post_layernorm; no pooling head) + modeling_gemma3.py Gemma3MultiModalProjector
      (mm_input_projection_weight h x text_hidden and the soft-embedding RMSNorm of h).
    llama4: modeling_llama4.py Llama4VisionModel (unfold patch linear without bias, class
      embedding, (patches + 1)-row position table, pre/post LayerNorms, biased attention and
      fc1/fc2) + Llama4VisionPixelShuffleMLP (inner -> projector_dim -> projector_dim, no bias) +
      Llama4MultiModalProjector (projector_dim -> text_hidden, no bias).
    qwen2_5_vl: modeling_qwen2_5_vl.py Qwen2_5_VisionTransformerPretrainedModel (Conv3d patch
      embedding without bias, RMSNorms, fused biased qkv + proj, gated MLP with biases) +
      Qwen2_5_VLPatchMerger (RMSNorm, two biased linears h*merge^2 -> h*merge^2 -> output_size).
    qwen3_vl: modeling_qwen3_vl.py Qwen3VLVisionModel (biased Conv3d patch embedding, a
      learned table of ``positions`` rows, LayerNorms with bias, fused biased qkv + proj,
      plain biased fc1/fc2) + Qwen3VLVisionPatchMerger (LayerNorm over h, then two biased
      linears h*merge^2 -> h*merge^2 -> output_size) + ``deepstack_mergers`` more mergers that
      normalise over h*merge^2 after the shuffle.
    pixtral: modeling_pixtral.py PixtralVisionModel (conv patch embedding without bias, ln_pre,
      RMSNorms, bias-free attention and gated MLP) + modeling_mistral3.py Mistral3MultiModalProjector
      (RMSNorm, patch merger h*merge^2 -> h, linear_1 h -> text_hidden, linear_2 text_hidden ->
      text_hidden, biases when projector_bias).
    gemma3n_audio: modeling_gemma3n.py Gemma3nAudioEncoder (a USM conformer) + its
      Gemma3nMultimodalEmbedder, counted in generator/calc/gemma3n.py.
    other: the declared ``parameters``.
    """
    kind = _need(enc, "kind")
    if kind == "other":
        return int(_need(enc, "parameters"))
    if kind == "gemma3n_audio":
        return gemma3n.audio_encoder_params(enc, text_hidden)
    L, h = int(_need(enc, "layers")), int(_need(enc, "hidden_size"))
    inner, patch = int(_need(enc, "intermediate_size")), int(_need(enc, "patch_size"))
    ch = int(enc.get("channels") or 3)
    out = int(enc.get("output_size") or text_hidden)
    if kind == "siglip":
        positions = (int(_need(enc, "image_size")) // patch) ** 2
        tower = ch * patch * patch * h + h + positions * h + L * _vit_layer(h, inner, False, True, 2) + 2 * h
        return tower + h * out + h
    if kind == "llama4":
        positions = (int(_need(enc, "image_size")) // patch) ** 2 + 1
        tower = ch * patch * patch * h + h + positions * h + 4 * h + L * _vit_layer(h, inner, False, True, 2)
        proj = int(_need(enc, "projector_dim"))
        # Llama4VisionMLP2: fc1 intermediate_size -> projector_dim (its input, h * merge^2
        # after the pixel shuffle, equals intermediate_size in every config), fc2 projector_dim
        # -> projector_dim.
        adapter = inner * proj + proj * proj
        return tower + adapter + proj * text_hidden
    if kind == "qwen2_5_vl":
        t = int(_need(enc, "temporal_patch_size"))
        merged = h * int(_need(enc, "merge_size")) ** 2
        # the fused qkv and proj both carry biases: 4h^2 + 4h, as _vit_layer with qkv_bias
        tower = ch * t * patch * patch * h + L * _vit_layer(h, inner, True, True, 1)
        return tower + h + merged * merged + merged + merged * out + out
    if kind == "qwen3_vl":
        t = int(_need(enc, "temporal_patch_size"))
        merged = h * int(_need(enc, "merge_size")) ** 2
        tower = ch * t * patch * patch * h + h + int(_need(enc, "positions")) * h
        tower += L * _vit_layer(h, inner, False, True, 2)
        # the final merger normalises before the shuffle (h wide), each deepstack merger after it
        merger = merged * merged + merged + merged * out + out
        deepstack = int(_need(enc, "deepstack_mergers"))
        return tower + 2 * h + merger + deepstack * (2 * merged + merger)
    if kind == "pixtral":
        merge = int(_need(enc, "merge_size"))
        bias = bool(enc.get("projector_bias"))
        layer = 4 * h * h + 2 * h + mlp_params(h, inner, True, False)
        tower = ch * patch * patch * h + h + L * layer
        proj = h + h * merge * merge * h + h * out + out * out + ((out + out) if bias else 0)
        return tower + proj
    raise _Missing(f"encoder kind {kind}")


def encoder_vectors(enc: Mapping[str, Any], text_hidden: int) -> tuple[int, int]:
    """(1-D elements, position/patch embedding elements) of an encoder counted by ``encoder_params``.

    GGUF converters keep 1-D tensors (norms, biases, class embedding) in F32 whatever the file
    type, and some keep the embeddings in F32 too (see generator/calc/modules.py), so a file's
    bytes need these two subtotals beside the total. Same layouts as ``encoder_params``.
    """
    kind = _need(enc, "kind")
    if kind == "gemma3n_audio":
        return gemma3n.audio_encoder_vectors(enc), 0
    L, h = int(_need(enc, "layers")), int(_need(enc, "hidden_size"))
    inner, patch = int(_need(enc, "intermediate_size")), int(_need(enc, "patch_size"))
    ch = int(enc.get("channels") or 3)
    out = int(enc.get("output_size") or text_hidden)
    if kind == "siglip":
        per_layer = 4 * h + 4 * h + inner + h  # two LayerNorms, q/k/v/o biases, fc1/fc2 biases
        vectors = L * per_layer + 2 * h + h  # post_layernorm, soft-embedding norm
        positions = (int(_need(enc, "image_size")) // patch) ** 2
        return vectors, ch * patch * patch * h + h + positions * h
    if kind == "llama4":
        vectors = L * (4 * h + 4 * h + inner + h) + 4 * h + h  # + pre/post LayerNorms, class embedding
        positions = (int(_need(enc, "image_size")) // patch) ** 2 + 1
        return vectors, ch * patch * patch * h + positions * h
    if kind == "qwen2_5_vl":
        merged = h * int(_need(enc, "merge_size")) ** 2
        vectors = L * (2 * h + 3 * h + h + 2 * inner + h) + h + merged + out
        return vectors, ch * int(_need(enc, "temporal_patch_size")) * patch * patch * h
    if kind == "qwen3_vl":
        merged = h * int(_need(enc, "merge_size")) ** 2
        deepstack = int(_need(enc, "deepstack_mergers"))
        vectors = L * (4 * h + 4 * h + inner + h) + 2 * h + merged + out + deepstack * (2 * merged + merged + out)
        patches = ch * int(_need(enc, "temporal_patch_size")) * patch * patch * h + h
        return vectors, patches + int(_need(enc, "positions")) * h
    if kind == "pixtral":
        bias = bool(enc.get("projector_bias"))
        vectors = L * 2 * h + h + h + ((2 * out) if bias else 0)
        return vectors, ch * patch * patch * h
    raise _Missing(f"encoder kind {kind}")


def module_parts(arch: Mapping[str, Any]) -> dict[str, int]:
    """The parameters of each optional part a card's architecture has (MTP, encoders)."""
    parts: dict[str, int] = {}
    if isinstance(arch.get("mtp"), Mapping):
        parts["mtp"] = mtp_params(arch)
    hidden = int(_need(arch, "hidden_size"))
    for key in ("vision_encoder", "audio_encoder"):
        enc = arch.get(key)
        if isinstance(enc, Mapping):
            parts[key] = encoder_params(enc, hidden)
    return parts


def outside_text(card: Mapping[str, Any], pc: "ParameterCount | None") -> int:
    """Parameters outside the text model: ``parameters.extra`` plus the MTP modules and encoders.

    Priced apart from the text tensors (at the catalog's extra storage) and left out of the
    active weights; with no architecture count (``pc`` None) only ``extra`` is known.
    """
    extra = int((card.get("parameters") or {}).get("extra") or 0)
    if pc is None:
        return extra
    return extra + sum(pc.breakdown.get(key, 0) for key in MODULE_PARTS)


def per_layer_embedding_params(arch: Mapping[str, Any]) -> int:
    """Gemma 3n's per-layer embedding table: vocab_size_per_layer_input x (layers x width)."""
    ple = arch.get("per_layer_embeddings")
    if not isinstance(ple, Mapping):
        return 0
    return int(_need(ple, "vocab_size")) * int(_need(arch, "layers")) * int(_need(ple, "width"))


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
    ple = per_layer_embedding_params(arch)
    if ple:
        b["per_layer_embeddings"] = ple
    b.update(gemma3n.text_parts(arch))  # Gemma 3n: per-layer projections, AltUp, LAuReL
    modules = module_parts(arch)
    b.update(modules)
    b["extra"] = extra

    total = sum(b.values())
    active = total - unused_routed - extra - sum(modules.values())
    input_side = (0 if tied else b["embedding"]) + b["position_embedding"] + ple
    return ParameterCount(
        total=total,
        active=active,
        active_excluding_input_embedding=active - input_side,
        breakdown=b,
    )
