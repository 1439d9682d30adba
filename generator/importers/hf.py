"""Hugging Face ``config.json`` -> card ``architecture`` block (and a card draft).

Pure functions over the parsed JSON mapping; the command module reads the file.
Where a config omits a key, the value the transformers configuration class uses
by default is applied (see ``_DEFAULTS``), because that is what the released
checkpoint was built with.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from generator.checks import structure_for


class ImportErrorHF(ValueError):
    """The config cannot be turned into an architecture block (message says why)."""


# transformers configuration-class defaults for keys that real configs omit.
# Only keys that change the parameter count or KV cache are listed.
_COMMON = {
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "head_dim": None,
    "sliding_window": None,
    "hidden_act": "silu",
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "llama": {**_COMMON},
    "mistral": {**_COMMON, "sliding_window": 4096},
    "mixtral": {**_COMMON, "num_local_experts": 8, "num_experts_per_tok": 2},
    "qwen2": {**_COMMON, "use_sliding_window": False},
    "qwen2_moe": {
        **_COMMON,
        "use_sliding_window": False,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "num_experts": 60,
        "num_experts_per_tok": 4,
        "moe_intermediate_size": 1408,
        "shared_expert_intermediate_size": 5632,
    },
    "qwen3": {**_COMMON, "use_sliding_window": False, "head_dim": 128},
    "qwen3_moe": {
        **_COMMON,
        "use_sliding_window": False,
        "head_dim": 128,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "moe_intermediate_size": 768,
    },
    "gemma": {**_COMMON, "tie_word_embeddings": True, "head_dim": 256},
    "gemma2": {
        **_COMMON,
        "tie_word_embeddings": True,
        "head_dim": 256,
        "sliding_window": 4096,
        "hidden_activation": "gelu_pytorch_tanh",
    },
    "gemma3_text": {
        **_COMMON,
        "tie_word_embeddings": True,
        "head_dim": 256,
        "sliding_window": 4096,
        "sliding_window_pattern": 6,
        "hidden_activation": "gelu_pytorch_tanh",
        "vocab_size": 262208,
        "max_position_embeddings": 131072,
    },
    "deepseek_v2": {
        **_COMMON,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "first_k_dense_replace": 0,
        "moe_layer_freq": 1,
        "n_shared_experts": None,
    },
    "llama4_text": {
        **_COMMON,
        "interleave_moe_layer_step": 1,
        "num_experts_per_tok": 1,
        "num_local_experts": 16,
        "attention_chunk_size": 8192,
        "no_rope_layer_interval": 4,
    },
    "gpt_oss": {
        **_COMMON,
        "attention_bias": True,
        "num_local_experts": 128,
        "num_experts_per_tok": 4,
        "head_dim": 64,
        "sliding_window": 128,
    },
    "phi3": {**_COMMON},
    "gpt2": {"n_inner": None, "n_positions": 1024, "activation_function": "gelu_new"},
}
_DEFAULTS["deepseek_v3"] = {**_DEFAULTS["deepseek_v2"]}
_DEFAULTS["gemma3"] = _DEFAULTS["gemma3_text"]
_DEFAULTS["llama4"] = _DEFAULTS["llama4_text"]

# Wrapper types whose language model lives under text_config.
_WRAPPERS = {"gemma3": "gemma3_text", "llama4": "llama4_text"}

SUPPORTED_TYPES: tuple[str, ...] = tuple(sorted(_DEFAULTS))


def _cfg_get(cfg: Mapping[str, Any], mtype: str) -> Callable[[str], Any]:
    defaults = _DEFAULTS[mtype]

    def get(key: str, required: bool = True) -> Any:
        if key in cfg:
            return cfg[key]
        if key in defaults:
            return defaults[key]
        if required:
            raise ImportErrorHF(f"config.json ({mtype}) has no '{key}' and no known default")
        return None

    return get


def _pattern_from_flags(local: list[bool]) -> str:
    """Shortest repeating L/G pattern (from layer 0) that reproduces the per-layer flags."""
    n = len(local)
    for period in range(1, min(n, 64) + 1):
        if all(local[i] == local[i % period] for i in range(n)):
            return "".join("L" if local[i] else "G" for i in range(period))
    raise ImportErrorHF("layer attention types do not follow a repeating pattern of <= 64 layers")


def _window(kind: str, size: Any, local: list[bool]) -> dict[str, Any] | None:
    if size is None or not any(local):
        return None
    return {"kind": kind, "size": int(size), "pattern": _pattern_from_flags(local)}


def _layer_types_flags(cfg: Mapping[str, Any], layers: int) -> list[bool] | None:
    types = cfg.get("layer_types")
    if not types:
        return None
    if len(types) != layers:
        raise ImportErrorHF(f"layer_types has {len(types)} entries for {layers} layers")
    return [t in ("sliding_attention", "chunked_attention") for t in types]


def _activation(get: Callable[..., Any]) -> str | None:
    act = get("hidden_activation", False) or get("hidden_act", False)
    return str(act) if act is not None else None


def _base(get: Callable[..., Any], mtype: str) -> dict[str, Any]:
    """Fields shared by the Llama-like decoder families."""
    heads = int(get("num_attention_heads"))
    kv_heads = get("num_key_value_heads", False)
    kv_heads = heads if kv_heads is None else int(kv_heads)
    return {
        "type": "dense",
        "layers": int(get("num_hidden_layers")),
        "hidden_size": int(get("hidden_size")),
        "intermediate_size": int(get("intermediate_size")),
        "vocab_size": int(get("vocab_size")),
        "tied_embeddings": bool(get("tie_word_embeddings")),
        "activation": _activation(get),
        "mlp": "gated",
        "mlp_bias": bool(get("mlp_bias")),
        "normalization": "rmsnorm",
        "norm_bias": False,
        "norms_per_layer": 2,
        "position_embedding": "rope",
        "max_position_embeddings": int(get("max_position_embeddings")),
        "attention": {
            "structure": structure_for(heads, kv_heads),
            "heads": heads,
            "kv_heads": kv_heads,
            "head_dim": None if get("head_dim") is None else int(get("head_dim")),
            "qkv_bias": bool(get("attention_bias")),
            "output_bias": bool(get("attention_bias")),
            "qk_norm": "none",
            "sinks": False,
            "fused_qkv": False,
            "mla": None,
            "sliding_window": None,
        },
        "experts": None,
    }


def _moe_block(**kw: Any) -> dict[str, Any]:
    block = {
        "total": None,
        "active": None,
        "shared": 0,
        "intermediate_size": None,
        "shared_intermediate_size": None,
        "first_dense_layers": 0,
        "interleave_step": 1,
        "router_bias": False,
        "shared_expert_gate": False,
    }
    block.update(kw)
    return block


def _qwen_window(cfg: Mapping[str, Any], get: Callable[..., Any], arch: dict[str, Any]) -> None:
    # Qwen configs carry sliding_window even when use_sliding_window is false.
    layers = arch["layers"]
    flags = _layer_types_flags(cfg, layers)
    if flags is None:
        if not get("use_sliding_window") or get("sliding_window") is None:
            return
        # transformers: layers at index >= max_window_layers use the window.
        first_local = get("max_window_layers", False)
        first_local = layers if first_local is None else int(first_local)
        flags = [i >= first_local for i in range(layers)]
        if any(flags) and not all(flags):
            raise ImportErrorHF(
                "use_sliding_window with max_window_layers < num_hidden_layers "
                "(global layers first, then local) has no repeating pattern"
            )
    arch["attention"]["sliding_window"] = _window("sliding", get("sliding_window"), flags)


def _qwen_moe(cfg: Mapping[str, Any], get: Callable[..., Any], arch: dict[str, Any]) -> None:
    layers = arch["layers"]
    step = int(get("decoder_sparse_step"))
    dense_only = sorted(int(i) for i in get("mlp_only_layers") or [])
    if dense_only != list(range(len(dense_only))) or (dense_only and step != 1):
        raise ImportErrorHF("mlp_only_layers other than a leading run of layers is not supported")
    first_dense = len(dense_only)
    if step != 1 and first_dense:
        raise ImportErrorHF("mlp_only_layers with decoder_sparse_step > 1 is not supported")
    arch["type"] = "moe"
    has_dense = first_dense > 0 or step > 1
    if not has_dense:
        arch["intermediate_size"] = None
    shared_size = get("shared_expert_intermediate_size", False)
    arch["experts"] = _moe_block(
        total=int(get("num_experts")),
        active=int(get("num_experts_per_tok")),
        shared=1 if shared_size else 0,
        intermediate_size=int(get("moe_intermediate_size")),
        shared_intermediate_size=int(shared_size) if shared_size else None,
        first_dense_layers=first_dense,
        interleave_step=step,
        shared_expert_gate=bool(shared_size),
    )
    del layers


def _llama(cfg, get, mtype):
    return _base(get, mtype)


def _mistral(cfg, get, mtype):
    arch = _base(get, mtype)
    layers = arch["layers"]
    arch["attention"]["sliding_window"] = _window("sliding", get("sliding_window"), [True] * layers)
    return arch


def _mixtral(cfg, get, mtype):
    arch = _mistral(cfg, get, mtype)
    arch["type"] = "moe"
    arch["experts"] = _moe_block(
        total=int(get("num_local_experts")),
        active=int(get("num_experts_per_tok")),
        intermediate_size=arch["intermediate_size"],
    )
    arch["intermediate_size"] = None  # no dense layer
    return arch


def _qwen2(cfg, get, mtype):
    arch = _base(get, mtype)
    # Qwen2 always puts biases on q/k/v and never on o_proj.
    arch["attention"]["qkv_bias"] = True
    arch["attention"]["output_bias"] = False
    _qwen_window(cfg, get, arch)
    if mtype == "qwen2_moe":
        _qwen_moe(cfg, get, arch)
    return arch


def _qwen3(cfg, get, mtype):
    arch = _base(get, mtype)
    arch["attention"]["qk_norm"] = "head"
    _qwen_window(cfg, get, arch)
    if mtype == "qwen3_moe":
        _qwen_moe(cfg, get, arch)
    return arch


def _gemma(cfg, get, mtype):
    arch = _base(get, mtype)
    arch["attention"]["output_bias"] = bool(get("attention_bias"))
    layers = arch["layers"]
    if mtype == "gemma2":
        arch["norms_per_layer"] = 4
        flags = _layer_types_flags(cfg, layers) or [i % 2 == 0 for i in range(layers)]
        arch["attention"]["sliding_window"] = _window("sliding", get("sliding_window"), flags)
    elif mtype == "gemma3_text":
        arch["norms_per_layer"] = 4
        arch["attention"]["qk_norm"] = "head"
        flags = _layer_types_flags(cfg, layers)
        if flags is None:
            period = int(get("sliding_window_pattern"))
            flags = [(i + 1) % period != 0 for i in range(layers)]
        arch["attention"]["sliding_window"] = _window("sliding", get("sliding_window"), flags)
    return arch


def _deepseek(cfg, get, mtype):
    arch = _base(get, mtype)
    att = arch["attention"]
    att["structure"] = "MLA"
    att["head_dim"] = None
    att["output_bias"] = bool(get("attention_bias"))
    q_rank = get("q_lora_rank")
    att["mla"] = {
        "q_lora_rank": None if q_rank is None else int(q_rank),
        "kv_lora_rank": int(get("kv_lora_rank")),
        "qk_nope_head_dim": int(get("qk_nope_head_dim")),
        "qk_rope_head_dim": int(get("qk_rope_head_dim")),
        "v_head_dim": int(get("v_head_dim")),
    }
    # MLA expands the latent to every query head.
    att["kv_heads"] = att["heads"]
    n_routed = get("n_routed_experts", False)
    if n_routed:
        freq = int(get("moe_layer_freq"))
        if freq != 1:
            raise ImportErrorHF("moe_layer_freq other than 1 is not supported")
        first_dense = int(get("first_k_dense_replace"))
        n_shared = int(get("n_shared_experts") or 0)
        moe_inner = int(get("moe_intermediate_size"))
        arch["type"] = "moe"
        if first_dense == 0:
            arch["intermediate_size"] = None
        arch["experts"] = _moe_block(
            total=int(n_routed),
            active=int(get("num_experts_per_tok")),
            shared=n_shared,
            intermediate_size=moe_inner,
            shared_intermediate_size=moe_inner if n_shared else None,
            first_dense_layers=first_dense,
            # DeepSeek-V3 keeps a per-expert score-correction bias.
            router_bias=mtype == "deepseek_v3" or get("topk_method", False) == "noaux_tc",
        )
    return arch


def _llama4(cfg, get, mtype):
    arch = _base(get, mtype)
    layers = arch["layers"]
    step = int(get("interleave_moe_layer_step"))
    moe_layers = cfg.get("moe_layers")
    if moe_layers is not None and list(moe_layers) != list(range(step - 1, layers, step)):
        raise ImportErrorHF("moe_layers is not every interleave_moe_layer_step-th layer")
    expert_inner = int(get("intermediate_size"))
    dense_inner = get("intermediate_size_mlp", False)
    arch["type"] = "moe"
    arch["intermediate_size"] = int(dense_inner) if (step > 1 and dense_inner) else None
    arch["experts"] = _moe_block(
        total=int(get("num_local_experts")),
        active=int(get("num_experts_per_tok")),
        shared=1,
        intermediate_size=expert_inner,
        shared_intermediate_size=expert_inner,
        interleave_step=step,
    )
    # use_qk_norm is a weight-less L2 norm: no parameters, so "none".
    no_rope = cfg.get("no_rope_layers")
    if no_rope:
        flags = [bool(x) for x in no_rope]  # 1 = RoPE layer = chunked/local
    else:
        interval = int(get("no_rope_layer_interval"))
        flags = [(i + 1) % interval != 0 for i in range(layers)]
    arch["attention"]["sliding_window"] = _window("chunked", get("attention_chunk_size"), flags)
    return arch


def _gpt_oss(cfg, get, mtype):
    arch = _base(get, mtype)
    layers = arch["layers"]
    att = arch["attention"]
    att["sinks"] = True
    arch["mlp_bias"] = True  # expert gate_up/down projections carry biases
    flags = _layer_types_flags(cfg, layers) or [i % 2 == 0 for i in range(layers)]
    att["sliding_window"] = _window("sliding", get("sliding_window"), flags)
    arch["type"] = "moe"
    arch["experts"] = _moe_block(
        total=int(get("num_local_experts")),
        active=int(get("num_experts_per_tok")),
        intermediate_size=arch["intermediate_size"],
        router_bias=True,
    )
    arch["intermediate_size"] = None
    return arch


def _phi3(cfg, get, mtype):
    arch = _base(get, mtype)
    arch["attention"]["fused_qkv"] = True  # one qkv_proj matrix per layer (and a fused gate_up_proj)
    size = get("sliding_window")
    arch["attention"]["sliding_window"] = _window("sliding", size, [True] * arch["layers"])
    return arch


def _gpt2(cfg, get, mtype):
    hidden = int(get("n_embd"))
    heads = int(get("n_head"))
    inner = get("n_inner")
    return {
        "type": "dense",
        "layers": int(get("n_layer")),
        "hidden_size": hidden,
        "intermediate_size": 4 * hidden if inner is None else int(inner),
        "vocab_size": int(get("vocab_size")),
        "tied_embeddings": True,
        "activation": str(get("activation_function")),
        "mlp": "plain",
        "mlp_bias": True,
        "normalization": "layernorm",
        "norm_bias": True,
        "norms_per_layer": 2,
        "position_embedding": "learned",
        "max_position_embeddings": int(get("n_positions")),
        "attention": {
            "structure": "MHA",
            "heads": heads,
            "kv_heads": heads,
            "head_dim": None,
            "qkv_bias": True,
            "output_bias": True,
            "qk_norm": "none",
            "sinks": False,
            "fused_qkv": True,  # c_attn
            "mla": None,
            "sliding_window": None,
        },
        "experts": None,
    }


_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "llama": _llama,
    "mistral": _mistral,
    "mixtral": _mixtral,
    "qwen2": _qwen2,
    "qwen2_moe": _qwen2,
    "qwen3": _qwen3,
    "qwen3_moe": _qwen3,
    "gemma": _gemma,
    "gemma2": _gemma,
    "gemma3_text": _gemma,
    "deepseek_v2": _deepseek,
    "deepseek_v3": _deepseek,
    "llama4_text": _llama4,
    "gpt_oss": _gpt_oss,
    "phi3": _phi3,
    "gpt2": _gpt2,
}


def language_config(config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """(model_type, mapping) of the language model, unwrapping text_config."""
    if not isinstance(config, Mapping):
        raise ImportErrorHF("config.json must hold a JSON object")
    mtype = config.get("model_type")
    if mtype not in SUPPORTED_TYPES:
        raise ImportErrorHF(
            f"unsupported model_type {mtype!r}; supported: {', '.join(SUPPORTED_TYPES)}"
        )
    if mtype in _WRAPPERS:
        text = config.get("text_config")
        if not isinstance(text, Mapping):
            raise ImportErrorHF(f"model_type {mtype!r} needs a 'text_config' object")
        return _WRAPPERS[mtype], text
    if isinstance(config.get("text_config"), Mapping):
        return mtype, {**config, **config["text_config"]}
    return mtype, config


def architecture_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The card ``architecture`` block for a Hugging Face config.json mapping."""
    mtype, cfg = language_config(config)
    get = _cfg_get(cfg, mtype)
    try:
        return _BUILDERS[mtype](cfg, get, mtype)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ImportErrorHF):
            raise
        raise ImportErrorHF(f"config.json ({mtype}): bad value ({exc})") from None


def is_multimodal(config: Mapping[str, Any]) -> bool:
    return any(k in config for k in ("vision_config", "audio_config"))


def card_draft(config: Mapping[str, Any], card_id: str) -> dict[str, Any]:
    """A card with every schema key: architecture filled, descriptive fields null."""
    arch = architecture_from_config(config)
    multimodal = is_multimodal(config)
    text_only = not multimodal
    return {
        "id": card_id,
        "name": None,
        "organization": None,
        "family": None,
        "status": None,
        "release_date": None,
        "knowledge_cutoff": None,
        "description": None,
        "license": {"name": None, "spdx": None, "url": None},
        "open_weights": None,
        "modalities": {
            "input": ["text"] if text_only else None,
            "output": ["text"],
        },
        "context_length": None,
        # extra: 0 for a text-only config (architecture describes everything);
        # unknown (null) when the checkpoint carries a vision/audio tower.
        "parameters": {"total": None, "active": None, "extra": 0 if text_only else None},
        "architecture": arch,
        "sources": [],
        "evaluations": [],
        "notes": None,
    }
