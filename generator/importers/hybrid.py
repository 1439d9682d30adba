"""config.json -> architecture for hybrid stacks: state-space (Jamba, Nemotron-H, Granite 4.0-H, Falcon-H1),
linear attention (Qwen3-Next, MiniMax-M1 / MiniMax-Text-01, Kimi Linear) and DeepSeek-V3.2's
sparse attention. Registered into hf.py's tables (DEFAULTS, BUILDERS).

Defaults are the transformers (or the model repository's) configuration-class defaults for keys
a released config may omit; only keys that change the parameter count or the cache are listed.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from generator.importers.families import (
    _DEFAULTS as _FAMILY_DEFAULTS,
    _COMMON,
    ImportErrorHF,
    _base,
    _Config,
    _deepseek,
    _moe_block,
    _qwen_moe,  # the Qwen MoE block, shared with qwen2_moe / qwen3_moe
    _shown,
    _with_modules,
    as_count,
)

DEFAULTS: dict[str, dict[str, Any]] = {
    "jamba": {
        **_COMMON,
        "num_key_value_heads": 8,
        "attn_layer_period": 8,
        "attn_layer_offset": 4,
        "expert_layer_period": 2,
        "expert_layer_offset": 1,
        "num_experts": 16,
        "num_experts_per_tok": 2,
        "mamba_d_state": 16,
        "mamba_d_conv": 4,
        "mamba_expand": 2,
        "mamba_dt_rank": "auto",
        "mamba_conv_bias": True,
        "mamba_proj_bias": False,
        "max_position_embeddings": 262144,
    },
    "nemotron_h": {
        **_COMMON,
        "use_bias": False,
        "use_conv_bias": True,
        "n_groups": 8,
        "conv_kernel": 4,
        "chunk_size": 128,
        "mlp_hidden_act": "relu2",
    },
    "granitemoehybrid": {
        **_COMMON,
        "tie_word_embeddings": True,
        "num_local_experts": 0,
        "num_experts_per_tok": 0,
        "shared_intermediate_size": 0,
        "position_embedding_type": None,
        "mamba_n_groups": 1,
        "mamba_d_state": 256,
        "mamba_d_conv": 4,
        "mamba_expand": 2,
        "mamba_d_head": "auto",
        "mamba_conv_bias": True,
        "mamba_proj_bias": False,
        "mamba_chunk_size": 256,
    },
    "qwen3_next": {
        **_COMMON,
        "head_dim": 256,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "full_attention_interval": 4,
        "linear_conv_kernel_dim": 4,
        "linear_key_head_dim": 128,
        "linear_value_head_dim": 128,
        "linear_num_key_heads": 16,
        "linear_num_value_heads": 32,
        "num_experts": 512,
        "num_experts_per_tok": 10,
        "moe_intermediate_size": 512,
        "shared_expert_intermediate_size": 512,
    },
    # Qwen3.5 MoE / Qwen3.6 MoE (model_type qwen3_5_moe wraps a qwen3_5_moe_text config): Qwen3-Next's
    # layout with 256 experts, 8 routed (the transformers Qwen3_5MoeTextConfig defaults).
    "qwen3_5_moe_text": {},  # filled below from qwen3_next's
    "minimax_m1": {**_COMMON, "shared_intermediate_size": 0, "num_local_experts": 8, "num_experts_per_tok": 2},
    "kimi_linear": {
        **_COMMON,
        "first_k_dense_replace": 0,
        "moe_layer_freq": 1,
        "num_shared_experts": 0,
        "moe_router_activation_func": "sigmoid",
    },
    "deepseek_v32": {**_FAMILY_DEFAULTS["deepseek_v3"]},
    "falcon_h1": {**_COMMON, "mamba_conv_bias": True, "mamba_proj_bias": False, "mamba_rms_norm": False},
}
DEFAULTS["minimax_text_01"] = DEFAULTS["minimax_m1"]
DEFAULTS["qwen3_5_moe_text"].update(DEFAULTS["qwen3_next"], num_experts=256, num_experts_per_tok=8,
                                    mtp_num_hidden_layers=0, mtp_use_dedicated_embeddings=False)


def _ssm_block(**kw: Any) -> dict[str, Any]:
    block: dict[str, Any] = {
        "kind": "mamba2", "state_size": None, "conv_kernel": None, "inner_size": None, "heads": None,
        "head_dim": None, "n_groups": None, "dt_rank": None, "chunk_size": None, "proj_bias": False,
        "conv_bias": True, "gated_norm": None, "inner_norms": None,
    }
    block.update(kw)
    return block


def _pattern_from_list(key: str, items: Any, layers: int, letters: Mapping[Any, str]) -> str:
    """One layer_pattern letter per entry of a per-layer list, naming the key on a bad entry."""
    if not isinstance(items, list):
        raise ImportErrorHF(f"{key}: must be a list with one entry per layer, not {_shown(items)}")
    if len(items) != layers:
        raise ImportErrorHF(f"{key}: has {len(items)} entries for {layers} layers (num_hidden_layers)")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or item not in letters:
            known = ", ".join(_shown(k) for k in letters)
            raise ImportErrorHF(f"{key}[{i}]: unknown layer type {_shown(item)}; known: {known}")
        out.append(letters[item])
    return "".join(out)


def _jamba(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers, hidden = arch["layers"], arch["hidden_size"]
    a_period, a_offset = get.count("attn_layer_period"), get.count("attn_layer_offset", minimum=0)
    e_period, e_offset = get.count("expert_layer_period"), get.count("expert_layer_offset", minimum=0)
    if e_offset != e_period - 1:
        raise ImportErrorHF(f"{get.prefix}expert_layer_offset: {e_offset} with expert_layer_period {e_period} is not "
                            "supported (MoE layers must be the last of every period)")
    arch["position_embedding"] = "none"
    arch["layer_pattern"] = "".join("A" if i % a_period == a_offset else "M" for i in range(layers))
    dt_rank = get("mamba_dt_rank")
    dt = math.ceil(hidden / 16) if dt_rank == "auto" else as_count(get.prefix + "mamba_dt_rank", dt_rank)
    arch["ssm"] = _ssm_block(
        kind="mamba1", state_size=get.count("mamba_d_state"), conv_kernel=get.count("mamba_d_conv"),
        inner_size=get.count("mamba_expand") * hidden, dt_rank=dt,
        proj_bias=get.flag("mamba_proj_bias"), conv_bias=get.flag("mamba_conv_bias"), inner_norms=True,
    )
    experts = get.count("num_experts")
    if experts > 1:
        arch["type"] = "moe"
        arch["experts"] = _moe_block(total=experts, active=get.count("num_experts_per_tok"),
                                     intermediate_size=arch["intermediate_size"], interleave_step=e_period)
        if e_period == 1:
            arch["intermediate_size"] = None
    return arch


_NEMOTRON_LETTERS = {"M": "m", "*": "a", "-": "F"}


def _nemotron_h(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    pattern = get("hybrid_override_pattern")
    if not isinstance(pattern, str):
        raise ImportErrorHF(f"{get.prefix}hybrid_override_pattern: must be a string, not {_shown(pattern)}")
    arch["layer_pattern"] = _pattern_from_list(get.prefix + "hybrid_override_pattern", list(pattern), layers,
                                               _NEMOTRON_LETTERS)
    head_dim = get.optional_count("attention_head_dim") or get.optional_count("head_dim")
    arch["attention"]["head_dim"] = head_dim
    act = str(get("mlp_hidden_act"))
    arch["activation"] = act
    arch["mlp"] = "plain"  # up_proj / down_proj with a squared ReLU, no gate
    arch["norms_per_layer"] = 1  # each block is one norm and one mixer
    heads, dim = get.count("mamba_num_heads"), get.count("mamba_head_dim")
    arch["ssm"] = _ssm_block(
        state_size=get.count("ssm_state_size"), conv_kernel=get.count("conv_kernel"), inner_size=heads * dim,
        heads=heads, head_dim=dim, n_groups=get.count("n_groups"), chunk_size=get.optional_count("chunk_size"),
        proj_bias=get.flag("use_bias"), conv_bias=get.flag("use_conv_bias"), gated_norm=True,
    )
    return arch


def _granite_hybrid(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers, hidden = arch["layers"], arch["hidden_size"]
    types = get("layer_types", False)
    if types is None:
        raise ImportErrorHF(f"{get.prefix}layer_types: missing; granitemoehybrid configs list mamba/attention per layer")
    arch["layer_pattern"] = _pattern_from_list(get.prefix + "layer_types", types, layers, {"mamba": "M", "attention": "A"})
    arch["position_embedding"] = "rope" if get("position_embedding_type") == "rope" else "none"
    inner = get.count("mamba_expand") * hidden
    heads = get.count("mamba_n_heads")
    d_head = get("mamba_d_head")
    dim = inner // heads if d_head == "auto" else as_count(get.prefix + "mamba_d_head", d_head)
    arch["ssm"] = _ssm_block(
        state_size=get.count("mamba_d_state"), conv_kernel=get.count("mamba_d_conv"), inner_size=inner,
        heads=heads, head_dim=dim, n_groups=get.count("mamba_n_groups"), chunk_size=get.optional_count("mamba_chunk_size"),
        proj_bias=get.flag("mamba_proj_bias"), conv_bias=get.flag("mamba_conv_bias"), gated_norm=True,
    )
    experts = get.count("num_local_experts", minimum=0)
    shared = get.count("shared_intermediate_size", minimum=0)
    if experts:
        arch["type"] = "moe"
        arch["experts"] = _moe_block(
            total=experts, active=get.count("num_experts_per_tok"), shared=1 if shared else 0,
            intermediate_size=arch["intermediate_size"], shared_intermediate_size=shared or None,
        )
        arch["intermediate_size"] = None
    else:
        # Dense Granite 4.0-H: the "shared" MLP is the only FFN.
        arch["intermediate_size"] = shared or arch["intermediate_size"]
    return arch


def _qwen3_next(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    types = get("layer_types", False)
    if types is None:
        interval = get.count("full_attention_interval")
        types = ["full_attention" if (i + 1) % interval == 0 else "linear_attention" for i in range(layers)]
    arch["layer_pattern"] = _pattern_from_list(get.prefix + "layer_types", types, layers,
                                               {"linear_attention": "R", "full_attention": "A"})
    att = arch["attention"]
    att["qk_norm"] = "head"
    att["output_gate"] = True  # Qwen3NextAttention: q_proj doubles for the output gate
    arch["linear_attention"] = {
        "kind": "gated_deltanet",
        "key_heads": get.count("linear_num_key_heads"),
        "key_head_dim": get.count("linear_key_head_dim"),
        "value_heads": get.count("linear_num_value_heads"),
        "value_head_dim": get.count("linear_value_head_dim"),
        "conv_kernel": get.count("linear_conv_kernel_dim"),
    }
    _qwen_moe(cfg, get, arch)
    return arch


# linear_attention.state_dtype of the card schema
STATE_DTYPES = ("float32", "bfloat16", "float16")


def _qwen3_5_moe(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    """Qwen3.5 / Qwen3.6 MoE text model: Qwen3-Next's stack (the transformers Qwen3_5Moe classes reuse
    Qwen3-Next's gated DeltaNet, gated attention and sparse MoE block), plus the MTP layers that
    config.json names (mtp_num_hidden_layers; Qwen3-Next's config does not). The module reads the main
    embedding and head unless mtp_use_dedicated_embeddings says otherwise."""
    if get("intermediate_size", False) is None:
        # Every layer is MoE (Qwen3_5MoeTextConfig has no dense FFN width); a config that asks for
        # dense layers must give their width.
        if get("mlp_only_layers") or get.count("decoder_sparse_step") != 1:
            raise ImportErrorHF(f"{get.prefix}intermediate_size: missing, and mlp_only_layers / "
                                "decoder_sparse_step ask for dense FFN layers")
        cfg = {**cfg, "intermediate_size": get.count("moe_intermediate_size")}  # unused: no dense layer
        get = _Config(cfg, mtype, get.prefix)
    arch = _qwen3_next(cfg, get, mtype)
    # mamba_ssm_dtype: the precision the checkpoint asks for the recurrent state (vLLM keeps it so)
    dtype = get("mamba_ssm_dtype", False)
    if dtype is not None:
        if dtype not in STATE_DTYPES:
            raise ImportErrorHF(f"{get.prefix}mamba_ssm_dtype: {_shown(dtype)} is not one of {', '.join(STATE_DTYPES)}")
        arch["linear_attention"]["state_dtype"] = dtype
    modules = get.count("mtp_num_hidden_layers", minimum=0)
    if modules:
        own = get.flag("mtp_use_dedicated_embeddings")
        arch["mtp"] = {"modules": modules, "block": arch["type"], "own_embedding": own, "own_head": False}
    return arch


def _minimax(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    arch["layer_pattern"] = _pattern_from_list(get.prefix + "attn_type_list", get("attn_type_list"), layers, {0: "R", 1: "A"})
    heads = arch["attention"]["heads"]
    dim = get.optional_count("head_dim") or arch["hidden_size"] // heads
    arch["linear_attention"] = {
        "kind": "lightning", "key_heads": heads, "key_head_dim": dim, "value_heads": heads, "value_head_dim": dim,
        "conv_kernel": None,
    }
    if get.count("shared_intermediate_size", minimum=0):
        raise ImportErrorHF(f"{get.prefix}shared_intermediate_size: a shared expert is not supported for {mtype}")
    arch["type"] = "moe"
    arch["experts"] = _moe_block(total=get.count("num_local_experts"), active=get.count("num_experts_per_tok"),
                                 intermediate_size=arch["intermediate_size"])
    arch["intermediate_size"] = None
    return arch


def _kimi_linear(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    layers = get.count("num_hidden_layers")
    lin = get("linear_attn_config")
    if not isinstance(lin, Mapping):
        raise ImportErrorHF(f"{get.prefix}linear_attn_config: must be an object, not {_shown(lin)}")
    full = lin.get("full_attn_layers")
    if not isinstance(full, list):
        raise ImportErrorHF(f"{get.prefix}linear_attn_config.full_attn_layers: must be a list of layer numbers")
    # Kimi numbers layers from 1 in linear_attn_config.
    numbers = {as_count(f"{get.prefix}linear_attn_config.full_attn_layers[]", n, 1) for n in full}
    if max(numbers, default=0) > layers:
        raise ImportErrorHF(f"{get.prefix}linear_attn_config.full_attn_layers: layer {max(numbers)} of {layers}")
    # Map Kimi's MoE keys onto the DeepSeek names _deepseek reads.
    alias = {**cfg, "max_position_embeddings": get("max_position_embeddings", False) or get("model_max_length", False),
             "n_routed_experts": get("num_experts", False), "num_experts_per_tok": get("num_experts_per_token", False),
             "n_shared_experts": get("num_shared_experts"), "topk_method": "noaux_tc"
             if get("moe_router_activation_func") == "sigmoid" else None}
    dget = _Config(alias, mtype, get.prefix)
    arch = _deepseek(alias, dget, mtype)
    arch["position_embedding"] = "none" if get("mla_use_nope", False) else "rope"
    arch["layer_pattern"] = "".join("A" if i + 1 in numbers else "R" for i in range(layers))
    head_dim = as_count(f"{get.prefix}linear_attn_config.head_dim", lin.get("head_dim"))
    heads = as_count(f"{get.prefix}linear_attn_config.num_heads", lin.get("num_heads"))
    arch["linear_attention"] = {
        "kind": "kda", "key_heads": heads, "key_head_dim": head_dim, "value_heads": heads, "value_head_dim": head_dim,
        "conv_kernel": as_count(f"{get.prefix}linear_attn_config.short_conv_kernel_size", lin.get("short_conv_kernel_size")),
    }
    return arch


def _falcon_h1(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    """Falcon-H1: every layer runs attention and a Mamba-2 mixer side by side (P), then a gated FFN.
    The mixer works in mamba_d_ssm channels (mamba_n_heads x mamba_d_head)."""
    arch = _base(get, mtype)
    layers = arch["layers"]
    arch["layer_pattern"] = "P" * layers
    heads, dim = get.count("mamba_n_heads"), get.count("mamba_d_head")
    arch["ssm"] = _ssm_block(
        state_size=get.count("mamba_d_state"), conv_kernel=get.count("mamba_d_conv"), inner_size=get.count("mamba_d_ssm"),
        heads=heads, head_dim=dim, n_groups=get.count("mamba_n_groups"), chunk_size=get.optional_count("mamba_chunk_size"),
        proj_bias=get.flag("mamba_proj_bias"), conv_bias=get.flag("mamba_conv_bias"), gated_norm=get.flag("mamba_rms_norm"),
    )
    return arch


def _deepseek_v32(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _with_modules(_deepseek)(cfg, get, mtype)
    arch["attention"]["sparse_indexer"] = {
        "heads": get.count("index_n_heads"),
        "head_dim": get.count("index_head_dim"),
        "top_k": get.count("index_topk"),
    }
    if arch.get("mtp"):
        # num_nextn_predict_layers modules stored as DeepSeek-V3's are (README_WEIGHTS.md: layer 61
        # with its own embedding and head copies), each with its own indexer.
        arch["mtp"].update(own_embedding=True, own_head=True)
    return arch


BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "jamba": _jamba,
    "nemotron_h": _nemotron_h,
    "granitemoehybrid": _granite_hybrid,
    "qwen3_next": _qwen3_next,
    "qwen3_5_moe_text": _qwen3_5_moe,
    "minimax_m1": _minimax,
    "minimax_text_01": _minimax,
    "kimi_linear": _kimi_linear,
    "deepseek_v32": _deepseek_v32,
    "falcon_h1": _falcon_h1,
}
