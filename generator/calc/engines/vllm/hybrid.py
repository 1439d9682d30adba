"""Hybrid models in vLLM: the state pages of state-space and linear-attention layers beside the
attention pages, and the hybrid layers a release line cannot run."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from generator.calc import state
from generator.calc.params import head_dim_of
from generator.calc.engines.vllm.constants import BLOCK_SIZES
from generator.calc.engines.vllm.releases import DEFAULT_RELEASE
from generator.calc.engines.vllm.weights import gpu_family


# --- hybrid models: state pages beside the attention pages ---------------------------------------
# A layer_pattern with state-space (Mamba-1/2) or linear-attention letters. Both release lines plan
# the hybrid cache by v0.11.0's rules (not re-checked against v0.17-v0.20). vLLM 0.11.0 runs these
# through its hybrid KV cache: every such layer is a MambaBase module whose state is one
# MambaSpec page per request (v1/kv_cache_interface.py MambaSpec: block_size = max_model_len,
# max_memory_usage_bytes = one page), next to the attention layers' FullAttentionSpec pages.
# Model classes (model_executor/models/registry.py, v0.11.0): JambaForCausalLM,
# NemotronHForCausalLM, GraniteMoeHybridForCausalLM, FalconH1ForCausalLM (Mamba-1/2),
# Qwen3NextForCausalLM (gated DeltaNet), MiniMaxText01ForCausalLM / MiniMaxM1ForCausalLM
# (lightning attention). Kimi Linear (KimiLinearForCausalLM) is not in v0.11.0's registry; it
# arrived in v0.11.1.
VLLM_LINEAR_KINDS = ("gated_deltanet", "lightning")
# MiniMax's lightning-attention models left vLLM after v0.23.x (v0.34.0 registry.py
# _PREVIOUSLY_SUPPORTED_MODELS: "MiniMaxM1ForCausalLM": "0.23.0"): the 0.34 line refuses them and the
# 0.21 line says which of its releases run them.
LIGHTNING_REMOVED_LINES = ("0.34",)
LIGHTNING_LAST_RELEASE = "v0.23.x"


def hybrid_unsupported(card: Mapping[str, Any], release: str = DEFAULT_RELEASE) -> str | None:
    """Why this plan cannot follow vLLM (release line ``release``) for the card's hybrid layers, else
    None (None for a plain transformer too)."""
    arch = card.get("architecture") or {}
    if not arch.get("layer_pattern"):
        return None
    lin = arch.get("linear_attention") or {}
    if lin.get("kind") == "lightning" and release in LIGHTNING_REMOVED_LINES:
        return ("vLLM 0.34 cannot run MiniMax lightning attention: MiniMaxText01ForCausalLM and MiniMaxM1ForCausalLM "
                "were last supported in v0.23.x (model_executor/models/registry.py _PREVIOUSLY_SUPPORTED_MODELS); "
                "plan v0.21.0-v0.23.x with --vllm-version 0.21")
    if lin.get("kind") == "kda":
        return ("llmcards does not plan vLLM for Kimi delta attention: the hybrid cache rules here are v0.11.0's, "
                "whose model registry cannot run Kimi delta attention (KimiLinearForCausalLM came in v0.11.1), and "
                "the later releases' state layout for it has not been checked against their source")
    if lin.get("kind") == "gated_deltanet" and arch.get("vision_encoder") and release == "0.11":
        # Gated DeltaNet with a vision tower is Qwen3.5 / Qwen3.6 (Qwen3_5MoeForConditionalGeneration,
        # Qwen3_5ForConditionalGeneration, added to transformers in February 2026): not in v0.11.0's
        # registry, which has only the text-only Qwen3NextForCausalLM (vLLM 0.15.0 still refused it).
        return ("the vLLM 0.11 release line cannot run Qwen3.5 / Qwen3.6: v0.11.0 has no "
                "Qwen3_5MoeForConditionalGeneration, v0.15.0 still refused it, and vLLM's Qwen3.6 recipe asks for "
                "vLLM >= 0.17.0; plan it with --vllm-version 0.21 (the default) or 0.17")
    if lin and lin.get("kind") not in VLLM_LINEAR_KINDS:
        return f"llmcards does not plan vLLM for {lin.get('kind')} linear attention"
    att = arch.get("attention") or {}
    if att.get("structure") == "MLA" or att.get("sliding_window"):
        return ("llmcards does not plan vLLM for a hybrid model whose attention is MLA or sliding-window "
                "(HybridAttentionMambaModelConfig sizes pages for full attention)")
    return None


def state_layer_counts(arch: Mapping[str, Any]) -> tuple[int, int]:
    """(attention layers, layers with a state): a Falcon-H1 ``P`` layer is both."""
    kinds = state.layer_kinds(arch)
    return (state.count_of(kinds, state.ATTENTION_LETTERS),
            state.count_of(kinds, state.SSM_LETTERS) + state.count_of(kinds, state.LINEAR_LETTERS))


def _divide(n: int, tp: int) -> int | None:
    """vllm.distributed.divide: n / tp, which vLLM asserts is whole (None here when it is not)."""
    return n // tp if n % tp == 0 else None


def state_page_elements(arch: Mapping[str, Any], tp: int) -> tuple[int, int] | None:
    """(conv state, recurrent state) values of one request in one state layer on one of ``tp``
    GPUs (v0.11.0 model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator), or None
    when vLLM cannot split the layer over ``tp`` ranks (its ``divide`` asserts).

    mamba1_state_shape: conv (conv_kernel - 1) x d_inner/tp, temporal d_inner/tp x N.
    mamba2_state_shape: n_groups grows to a multiple of tp when it does not divide
    (extra_groups_for_head_shards: + tp - n_groups); conv (conv_kernel - 1) x (d_inner + 2 G N)/tp,
    temporal heads/tp x head_dim x N.
    gated_delta_net_state_shape: conv (conv_kernel - 1) x (2 Hk dk + Hv dv)/tp, temporal
    Hv/tp x dk x dv. linear_attention_state_shape (lightning): heads/tp x head_dim x head_dim.
    """
    kinds = state.layer_kinds(arch)
    if state.count_of(kinds, state.SSM_LETTERS):
        ssm = arch["ssm"]
        kernel, n_state, inner = int(ssm["conv_kernel"]), int(ssm["state_size"]), state.ssm_inner(ssm)
        if ssm["kind"] == "mamba2":
            heads, groups = int(ssm["heads"]), int(ssm["n_groups"])
            groups += 0 if groups % tp == 0 else tp - groups
            conv = _divide(inner + 2 * groups * n_state, tp)
            rank_heads = _divide(heads, tp)
            if conv is None or rank_heads is None:
                return None
            return (kernel - 1) * conv, rank_heads * int(ssm["head_dim"]) * n_state
        rank_inner = _divide(inner, tp)
        return None if rank_inner is None else ((kernel - 1) * rank_inner, rank_inner * n_state)
    lin = arch["linear_attention"]
    k_heads, k_dim, v_heads, v_dim = state._lin_widths(lin)
    rank_v = _divide(v_heads, tp)
    if rank_v is None:
        return None
    if lin["kind"] == "lightning":
        return 0, rank_v * k_dim * v_dim
    conv = _divide(state.linear_conv_channels(lin), tp)
    if conv is None:
        return None
    return (int(lin["conv_kernel"]) - 1) * conv, rank_v * k_dim * v_dim


def allowed_tp(card: Mapping[str, Any]) -> list[int]:
    """Tensor-parallel sizes vLLM accepts for the card: the attention heads' rule, and for a hybrid
    model also the state layers' (state_page_elements)."""
    arch = card["architecture"]
    att = arch["attention"]
    heads = int(att["heads"])
    allowed = _tp_sizes_for_heads(heads, 1 if att["structure"] == "MLA" else int(att.get("kv_heads") or heads))
    if arch.get("layer_pattern") and state_layer_counts(arch)[1]:
        allowed = [d for d in allowed if state_page_elements(arch, d) is not None]
    return allowed


class StatePages(NamedTuple):
    """The hybrid cache of one GPU (v0.11.0 model_executor/models/config.py
    HybridAttentionMambaModelConfig.verify_and_update_config)."""

    block_size: int  # attention tokens per block, raised so an attention page holds a state page
    page_bytes: int  # the one page size of every layer (state pages padded up to it)
    state_bytes: int  # one request's state in one layer before padding (MambaSpec page)


STATE_DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
# Nemotron-H (NemotronHForCausalLM): model_executor/models/config.py NemotronHForCausalLMConfig turns
# --mamba-ssm-cache-dtype auto into config.json's mamba_ssm_cache_dtype, else a default that is float16 up to
# v0.19.x and float32 from v0.20.0 (DEFAULT_MAMBA_SSM_CACHE_DTYPE, read in the v0.17.0-v0.34.0 wheels). The
# lines from 0.21 on keep the SSM state in float32; the 0.17 line follows v0.17-v0.19 (2 bytes).
NEMOTRON_H_FAMILIES = ("Nemotron-H",)
NEMOTRON_H_FP32_LINES = ("0.21", "0.34")

# Prefix caching and the Mamba cache mode. Since v0.26.0 vLLM turns prefix caching on by default for hybrid
# models (config/model.py is_prefix_caching_supported), and with it on a state layer runs in "align" mode
# (model_executor/models/config.py MambaModelConfig.verify_and_update_config): a request then holds
# 2 + num_prefill_checkpoint_blocks state blocks (v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes)
# instead of one. The 0.21 line's command turns prefix caching off for these models, which keeps every release
# of the line (v0.21.0-v0.33.x) in mode "none", one block per request; the 0.34 line plans vLLM's default.
PREFIX_CACHING_OFF = "--no-enable-prefix-caching"
PREFIX_CACHING_OFF_LINES = ("0.21",)
ALIGN_MODE_LINES = ("0.34",)


def nemotron_h(card: Mapping[str, Any]) -> bool:
    """Whether vLLM loads the card as NemotronHForCausalLM (its family)."""
    return str(card.get("family") or "") in NEMOTRON_H_FAMILIES


def temporal_state_bytes(card: Mapping[str, Any], state_bytes: int, release: str = DEFAULT_RELEASE) -> int:
    """Bytes per value of the recurrent state: the card's linear_attention.state_dtype (config.json
    mamba_ssm_dtype) where given; float32 for Nemotron-H on the lines that follow v0.20.0 or later;
    else the model dtype's ``state_bytes``."""
    dtype = (card["architecture"].get("linear_attention") or {}).get("state_dtype")
    if dtype:
        return STATE_DTYPE_BYTES[dtype]
    return 4 if nemotron_h(card) and release in NEMOTRON_H_FP32_LINES else state_bytes


def state_blocks(card: Mapping[str, Any], release: str, gpu: Mapping[str, Any] | None = None) -> int:
    """Blocks one request holds in each state group (MambaSpec.max_memory_usage_bytes / page).

    Mode "none" (the lines before 0.34; the 0.21 line's command turns prefix caching off): one.
    Mode "align" (v0.34.0's default): two, plus a prefill checkpoint block where the layer declares one:
    Mamba-2 mixers always (model_executor/layers/mamba/mamba_mixer2.py MambaMixer2.get_kv_cache_spec, v0.32.0
    on), gated DeltaNet where FlashInfer's GDN prefill runs (layers/mamba/gdn/qwen_gdn_linear_attn.py
    _resolve_gdn_prefill_backend on "auto": Hopper; Blackwell with key heads of 128 and a CUDA 13 runtime,
    assumed here; v0.33.0 on); Mamba-1 (Jamba) never. Without a GPU, Hopper is assumed.
    """
    if release not in ALIGN_MODE_LINES:
        return 1
    arch = card["architecture"]
    kinds = state.layer_kinds(arch)
    if state.count_of(kinds, state.SSM_LETTERS):
        return 3 if arch["ssm"]["kind"] == "mamba2" else 2
    key_dim = state._lin_widths(arch["linear_attention"])[1]
    generation = gdn_generation(gpu)
    flashinfer = generation == "hopper" or (generation == "blackwell" and key_dim == 128)
    return 3 if flashinfer else 2


def gdn_generation(gpu: Mapping[str, Any] | None) -> str:
    """The GPU generation vLLM's gated DeltaNet prefill choice reads (device capability 9.x, 10.x/12.x):
    "hopper", "blackwell" (B100/B200/B300 and the RTX 50 / RTX PRO Blackwell cards) or "other"; no GPU
    counts as Hopper."""
    family = gpu_family(gpu)  # Hopper and the data-centre Blackwells as the MXFP4 rule names them
    if family in ("hopper", "blackwell"):
        return family
    gid = str((gpu or {}).get("id", "")).lower()
    # the consumer and workstation Blackwells, which take the Marlin MXFP4 path
    nvidia = str((gpu or {}).get("vendor", "")).upper() == "NVIDIA"
    return "blackwell" if nvidia and gid.startswith(("rtx-50", "rtx-pro-6000-blackwell")) else "other"


def state_pages(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int,
                release: str = DEFAULT_RELEASE) -> StatePages:
    """``block = B x cdiv(state page, B x attention bytes per token)``, B the line's default block
    (16; 64 on the 0.34 line: platforms/interface.py _align_hybrid_block_size aligns to the larger of the
    kernel's smallest block and the cache's block size); the attention page is block x bytes per token and
    the state page is padded to it (mamba_page_size_padded).

    attention bytes per token: FullAttentionSpec(block_size=1) = 2 (K, V) x kv heads per rank x
    head size x cache dtype. The state is kept in the model dtype (``state_bytes``): mamba_utils.py
    MambaStateDtypeCalculator with --mamba-cache-dtype / --mamba-ssm-cache-dtype at their default
    "auto". The recurrent (temporal) part follows a linear-attention ``state_dtype`` where the card
    gives one: Qwen3.5's config.json asks for float32 (mamba_ssm_dtype), and vLLM's
    Qwen3_5ForConditionalGenerationConfig (model_executor/models/config.py) turns --mamba-ssm-cache-dtype
    auto into it; gated_delta_net_state_dtype keeps the conv state in the model dtype. Nemotron-H's
    recurrent part is float32 on the lines from 0.21 on (temporal_state_bytes). A model without
    attention layers keeps its state page as it is.
    """
    arch = card["architecture"]
    elements = state_page_elements(arch, tp)
    assert elements is not None, "allowed_tp() excludes this tensor-parallel size"
    conv, temporal = elements
    page = conv * state_bytes + temporal * temporal_state_bytes(card, state_bytes, release)
    base = BLOCK_SIZES[release]
    if not state_layer_counts(arch)[0]:
        return StatePages(base, page, page)
    att = arch["attention"]
    per_token = 2 * max(1, int(att["kv_heads"]) // tp) * head_dim_of(arch) * kv_bytes
    block = base * -(-page // (base * per_token))
    return StatePages(block, block * per_token, page)



def _tp_sizes_for_heads(heads: int, kv_heads: int) -> list[int]:
    return [d for d in range(1, 65) if heads % d == 0 and (kv_heads % d == 0 or d % kv_heads == 0)]
