"""Weights as vLLM loads them: the checkpoint as shipped, padded and sharded per GPU."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from generator.calc.modules import part_rules
from generator.calc.params import head_dim_of
from generator.calc.tensors import Inventory, Matrix, inventory
from generator.calc.weights import LayerLayout, Tensor, compile_quant
from generator.calc.engines.vllm.constants import VOCAB_PADDING


# --- weights -------------------------------------------------------------------------------------

# FP8 checkpoints that keep some layers in BF16. Meta's Llama-3.1-405B-Instruct-FP8 is an
# fbgemm_fp8 checkpoint whose quantization_config.modules_to_not_convert lists every self_attn
# projection and the MLPs of the first and last layers; vLLM loads those unquantized
# (model_executor/layers/quantization/fbgemm_fp8.py FBGEMMFp8Config.get_quant_method:
# is_layer_skipped -> UnquantizedLinearMethod).
_FP8_BF16_MODULES: dict[str, tuple[bool, int]] = {
    # card id: (attention kept in BF16, number of MLPs kept in BF16: the first and the last layer)
    "meta/llama-3.1-405b": (True, 2),
}
_ATTENTION_ROLES = ("attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_other")
_MLP_ROLES = ("ffn_gate", "ffn_up", "ffn_down")



def native_quant_id(card: Mapping[str, Any]) -> str | None:
    """The quantization the model is published in (the card's ``release.quantization``: gpt-oss
    MXFP4, DeepSeek-V3 FP8), None when the card says nothing or the release is BF16."""
    release = card.get("release")
    qid = release.get("quantization") if isinstance(release, Mapping) else None
    return str(qid) if qid and qid != "BF16" else None


def gpu_family(gpu: Mapping[str, Any] | None) -> str:
    """The kernel family vLLM picks on this GPU (for MXFP4 padding): hopper, blackwell, ampere, rocm."""
    if gpu is None:
        return "hopper"
    gid = str(gpu.get("id", "")).lower()
    if str(gpu.get("vendor", "")).upper() == "AMD" or gid.startswith("mi"):
        return "rocm"
    if gid.startswith(("h100", "h200", "gh200", "h20")):
        return "hopper"
    if gid.startswith(("b200", "b100", "gb200", "b300")):
        return "blackwell"
    return "ampere"  # RTX 30/40/50, A100, L40: the Marlin MXFP4 path


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m


def mxfp4_padding(gpu: Mapping[str, Any] | None, backend: str = "auto") -> tuple[int, int]:
    """(intermediate multiple, hidden multiple) of vLLM's MXFP4 MoE weights on this GPU.

    model_executor/layers/quantization/mxfp4.py Mxfp4MoEMethod.create_weights pads the expert
    intermediate size per partition and the hidden size for the kernel get_mxfp4_backend picks:
    Marlin 128 / 256 (CUDA GPUs below SM90, and any GPU without triton_kernels); FlashInfer on
    Blackwell 256 / 256; ROCm 256 / 256. On Hopper (SM90), get_mxfp4_backend takes the Triton
    backend ("mxfp4.py: Using Triton backend") only when the triton_kernels package is
    importable (has_triton_kernels), torch is 2.8 or newer and VLLM_MXFP4_USE_MARLIN is not
    set; otherwise Marlin ("Using Marlin backend"; marlin_utils_fp4.py warns "Weight-only FP4
    compression will be used leveraging the Marlin kernel"). The Triton backend pads the
    intermediate size to 64 in create_weights, and process_weights_after_loading
    (_swizzle_mxfp4, triton_kernels' Hopper MX layouts) stores the experts with the hidden size
    padded to 256: "Model loading took" 64.38 GiB for gpt-oss-120b and 13.47 GiB for gpt-oss-20b
    on H100 (llm-d's vllm/vllm-openai image runs, v0.14.1) are what (64, 256) gives, to 0.3% and
    0.1%; Marlin's (128, 256) gives 65.91 GiB, and v0.10.1 on torch 2.7 printed 65.97 GiB.
    ``backend`` "marlin" is that fallback (the plan option mxfp4_backend); "auto" is what
    get_mxfp4_backend picks with triton_kernels installed.
    """
    family = gpu_family(gpu)
    if backend == "marlin" and family in ("hopper", "ampere"):
        return (128, 256)
    if family == "hopper":
        return (64, 256)
    return {"blackwell": (256, 256), "rocm": (256, 256)}.get(family, (128, 256))


class Sharding(NamedTuple):
    tp: int
    heads: int
    kv_heads: int
    hidden: int
    mla_q_out: int  # MLA: heads x (nope + rope), the width of q_b_proj / q_proj
    mla: bool
    moe_pad: tuple[int, int] | None  # MXFP4 (intermediate, hidden) multiples, None: no padding


def _matrix_shape(m: Matrix, s: Sharding) -> tuple[int, int]:
    """(ne0, elements in one layer) of ``m`` on one GPU: vLLM's tensor-parallel layers.

    ColumnParallelLinear splits the outputs, RowParallelLinear the inputs
    (model_executor/layers/linear.py); QKVParallelLinear gives each rank heads/tp query heads
    and max(1, kv_heads/tp) key/value heads (replicated when tp > kv_heads); norms, biases of
    row-parallel layers and the MoE router (ReplicatedLinear) are whole on every rank;
    FusedMoE splits every expert's intermediate size (model_executor/layers/fused_moe/layer.py).
    """
    tp = s.tp
    ne0, out, copies = m.ne0, m.out, m.copies
    role = m.role
    if role in ("one_d", "router"):
        return ne0, ne0 * out * copies
    if role in ("token_embd", "output"):
        rows = _round_up(out, VOCAB_PADDING) // tp
        return ne0, ne0 * rows * copies
    kv_per_rank = max(1, s.kv_heads // tp) if s.kv_heads else 0
    if role in ("attn_k", "attn_v"):
        hd = out // max(s.kv_heads, 1)
        return ne0, ne0 * hd * kv_per_rank * copies
    if role == "attn_qkv":
        hd = out // (s.heads + 2 * s.kv_heads)
        return ne0, ne0 * hd * (s.heads // tp + 2 * kv_per_rank) * copies
    if role == "attn_q":
        return ne0, ne0 * out // tp * copies
    if role == "attn_output":
        return ne0 // tp, ne0 // tp * out * copies
    if role == "attn_other":
        # MLA (DeepSeek V2/V3): q_a_proj and kv_a_proj_with_mqa read the hidden state and are
        # replicated; q_b_proj / q_proj and kv_b_proj are column-parallel.
        if ne0 == s.hidden and out != s.mla_q_out:
            return ne0, ne0 * out * copies
        return ne0, ne0 * out // tp * copies
    if role in ("ffn_gate", "ffn_up", "ffn_down"):
        inner = out if role != "ffn_down" else ne0
        hidden = ne0 if role != "ffn_down" else out
        inner_rank = inner // tp
        if m.routed and s.moe_pad is not None:
            inner_rank = _round_up(inner_rank, s.moe_pad[0])
            hidden = _round_up(hidden, s.moe_pad[1])
        if role == "ffn_down":
            return inner_rank, inner_rank * hidden * copies
        return hidden, hidden * inner_rank * copies
    return ne0, ne0 * out * copies // tp


def extra_loaded(card: Mapping[str, Any]) -> bool:
    """Whether vLLM loads the parameters outside the text architecture (``parameters.extra``).

    Vision towers of multimodal models are loaded (e.g. model_executor/models/gemma3_mm.py
    Gemma3ForConditionalGeneration builds the SigLIP tower unless the image limit is 0). MTP
    modules are skipped unless speculative decoding is on (deepseek_v2.py
    DeepseekV2ForCausalLM.load_weights skips the layers get_spec_layer_idx_from_weight_name
    finds; glm4_moe.py likewise), and a stored copy of a tied LM head is skipped
    (qwen3.py / falcon.py load_weights skip "lm_head.weight" when tie_word_embeddings).
    """
    inputs = (card.get("modalities") or {}).get("input") or []
    return any(m != "text" for m in inputs)


def loaded_outside_parameters(card: Mapping[str, Any]) -> int:
    """Parameters outside the text tensors that vLLM loads: the parts generator.calc.modules
    says vLLM loads (the vision and audio encoders; never the MTP modules, which
    load_weights skips without a speculative config), plus parameters.extra when
    extra_loaded()."""
    loaded = int((card.get("parameters") or {}).get("extra") or 0) if extra_loaded(card) else 0
    return loaded + sum(r.parameters for r in part_rules(card, "vllm") if r.loaded and r.part != "per_layer_embeddings")


class Weights(NamedTuple):
    per_gpu: int  # bytes on each GPU ("Model loading took")
    routed_per_gpu: int  # of which routed experts
    extra_per_gpu: int  # of which the vision tower
    rope_cache: int


def rope_cache_bytes(card: Mapping[str, Any]) -> int:
    """The rotary cos/sin cache (model_executor/layers/rotary_embedding.py RotaryEmbedding
    _compute_cos_sin_cache: max_position_embeddings x rotary_dim values in the model dtype)."""
    arch = card["architecture"]
    if arch.get("position_embedding") != "rope":
        return 0
    att = arch["attention"]
    rot = int(att["mla"]["qk_rope_head_dim"]) if att["structure"] == "MLA" else head_dim_of(arch)
    pos = int(arch.get("max_position_embeddings") or card.get("context_length") or 0)
    return pos * rot * 2


def weights_per_gpu(card: Mapping[str, Any], quant: Mapping[str, Any], catalogs: Any, tp: int,
                    gpu: Mapping[str, Any] | None, mxfp4_backend: str = "auto") -> Weights:
    """Bytes of the weights on each of ``tp`` GPUs, tensor by tensor, as vLLM loads them."""
    inv: Inventory = inventory(card)
    cq = compile_quant(quant, catalogs.tensor_types, catalogs.shape_fallback)
    layout = LayerLayout.of(inv)
    arch = card["architecture"]
    att = arch["attention"]
    mla = att["structure"] == "MLA"
    heads = int(att["heads"])
    q_out = 0
    if mla:
        q_out = heads * (int(att["mla"]["qk_nope_head_dim"]) + int(att["mla"]["qk_rope_head_dim"]))
    mxfp4 = cq.routed_experts.id == "MXFP4"
    s = Sharding(tp, heads, int(att.get("kv_heads") or heads), int(arch["hidden_size"]), q_out, mla,
                 mxfp4_padding(gpu, mxfp4_backend) if mxfp4 else None)
    keep_attn, keep_mlps = (False, 0)
    if cq.id == "FP8":
        keep_attn, keep_mlps = _FP8_BF16_MODULES.get(str(card.get("id")), (False, 0))
    bf16 = compile_quant(catalogs.quantization("BF16"), catalogs.tensor_types, catalogs.shape_fallback).default
    total = routed = 0
    for m in inv.matrices:
        kind = Tensor.of(m, inv).kind
        ne0, elements = _matrix_shape(m, s)
        types = list(cq.layer_types(kind.role, kind.routed, layout, kind.layers))
        if keep_attn and m.role in _ATTENTION_ROLES:
            types = [(bf16, sum(n for _, n in types))]
        elif keep_mlps and m.role in _MLP_ROLES and not m.routed and kind.layers != "global":
            (first, n_first), *rest = types
            types = [(bf16, keep_mlps), (first, n_first - keep_mlps), *rest]
        for storage, n_layers in types:
            b = storage.tensor_bytes(ne0, elements) * n_layers
            total += b
            if m.routed:
                routed += b
    extra = loaded_outside_parameters(card) * 2 // tp  # BF16, sharded
    rope = rope_cache_bytes(card)
    return Weights(total + extra + rope, routed, extra, rope)
