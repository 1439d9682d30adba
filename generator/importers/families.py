"""Hugging Face ``config.json`` readers and the builders of the transformer families (pure).

``_Config`` reads a config key by key with the defaults the transformers configuration class
uses (``_DEFAULTS``, because that is what the released checkpoint was built with); one builder
per model type turns it into a card ``architecture`` block. The hybrid state-space and
linear-attention types are in ``hybrid.py``; ``hf.py`` puts both together and is the entry point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

from generator.calc.params import attention_structure


class ImportErrorHF(ValueError):
    """The config cannot be turned into an architecture block (message says why)."""

    def located(self, path: Path | str) -> str:
        """The message starting with the config file's path (read_config's messages already do)."""
        msg = str(self)
        return msg if msg.startswith(str(path)) else f"{path}: {msg}"


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
# MTP and multimodal types (archmods): GLM-4.5/4.6 (glm4_moe), MiMo (a Qwen2 with MTP
# layers), Qwen2.5-VL (Qwen2 text + its ViT), Mistral Small 3.1/3.2 (mistral3: a Mistral
# text_config + a Pixtral vision_config).
_DEFAULTS["glm4_moe"] = {**_COMMON, "use_qk_norm": False, "n_shared_experts": 1, "first_k_dense_replace": 1}
_DEFAULTS["mimo"] = {**_DEFAULTS["qwen2"]}
_DEFAULTS["qwen2_5_vl"] = {**_DEFAULTS["qwen2"]}
_DEFAULTS["mistral3"] = _DEFAULTS["mistral"]
# Qwen3-VL wraps a Qwen3 (or Qwen3-MoE) text_config.
_DEFAULTS["qwen3_vl"] = _DEFAULTS["qwen3"]
_DEFAULTS["qwen3_vl_moe"] = _DEFAULTS["qwen3_moe"]

# Gemma 3n: the class defaults of transformers' Gemma3nTextConfig (configuration_gemma3n.py),
# which are the E4B text model's values, for keys a config omits.
_DEFAULTS["gemma3n_text"] = {
    **_COMMON,
    "tie_word_embeddings": True,
    "head_dim": 256,
    "sliding_window": 512,
    "hidden_activation": "gelu_pytorch_tanh",
    "vocab_size": 262400,
    "max_position_embeddings": 32768,
    "vocab_size_per_layer_input": 262144,
    "hidden_size_per_layer_input": 256,
    "altup_num_inputs": 4,
    "laurel_rank": 64,
    "num_kv_shared_layers": 15,
}
_DEFAULTS["gemma3n"] = _DEFAULTS["gemma3n_text"]

# ERNIE 4.5 (transformers configuration_ernie4_5.py / configuration_ernie4_5_moe.py class
# defaults; the MoE defaults are ERNIE-4.5-21B-A3B's values). One use_bias switches the biases of
# every projection, attention and MLP alike.
_DEFAULTS["ernie4_5"] = {**_COMMON, "use_bias": False, "tie_word_embeddings": True}
_DEFAULTS["ernie4_5_moe"] = {
    **_DEFAULTS["ernie4_5"],
    "moe_num_experts": 64,
    "moe_k": 6,
    "moe_intermediate_size": 1536,
    "moe_num_shared_experts": 2,
    "moe_layer_start_index": 1,
    "moe_layer_end_index": -1,
    "moe_layer_interval": 1,
    "num_nextn_predict_layers": 0,
}

# Wrapper types whose language model lives under text_config.
_WRAPPERS = {"gemma3": "gemma3_text", "llama4": "llama4_text", "mistral3": "mistral", "qwen3_vl": "qwen3",
             "qwen3_vl_moe": "qwen3_moe", "gemma3n": "gemma3n_text", "qwen3_5_moe": "qwen3_5_moe_text"}

# Bounds for every whole-number config value: at least 1 (0 where noted), and at most
# MAX_VALUE (far beyond any model; keeps every later product a printable number). The
# layer count is bounded tighter because the importer walks every layer.
MAX_VALUE = 10**12
MAX_LAYERS = 100_000
_LAYER_KEYS = ("num_hidden_layers", "n_layer")


class _Config:
    """A config mapping with its model type's defaults, read key by key with located checks.

    ``get(key)`` gives the raw value (or the default); ``count``/``flag`` also check
    its type and range and name the key in the message (``text_config.hidden_size``).
    """

    def __init__(self, cfg: Mapping[str, Any], mtype: str, prefix: str = "") -> None:
        self.cfg, self.mtype, self.prefix = cfg, mtype, prefix
        self.defaults = _DEFAULTS[mtype]

    def __call__(self, key: str, required: bool = True) -> Any:
        if key in self.cfg:
            return self.cfg[key]
        if key in self.defaults:
            return self.defaults[key]
        if required:
            raise ImportErrorHF(f"{self.prefix}{key}: missing, and {self.mtype} configs have no known default")
        return None

    def count(self, key: str, minimum: int = 1, required: bool = True) -> int:
        return as_count(self.prefix + key, self(key, required), minimum)

    def optional_count(self, key: str, minimum: int = 1) -> int | None:
        value = self(key, False)
        return None if value is None else as_count(self.prefix + key, value, minimum)

    def flag(self, key: str) -> bool:
        value = self(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ImportErrorHF(f"{self.prefix}{key}: must be true or false, not {_shown(value)}")
        return value


def _shown(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, bool)) or value is None else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_count(key: str, value: Any, minimum: int = 1) -> int:
    """A whole number in [minimum, bound] or ImportErrorHF naming the key (no silent int())."""
    if isinstance(value, bool) or not isinstance(value, int):
        hint = ""
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            hint = " (remove the quotes)"
        raise ImportErrorHF(f"{key}: must be a whole number, not {_shown(value)}{hint}")
    most = MAX_LAYERS if key.rsplit(".", 1)[-1] in _LAYER_KEYS else MAX_VALUE
    if value < minimum:
        raise ImportErrorHF(f"{key}: must be at least {minimum}, got {value}")
    if value > most:
        raise ImportErrorHF(f"{key}: must be at most {most:,}, got {value:,}")
    return value


def _pattern_from_flags(local: list[bool]) -> str:
    """Shortest repeating L/G pattern (from layer 0) that reproduces the per-layer flags."""
    n = len(local)
    for period in range(1, min(n, 64) + 1):
        if all(local[i] == local[i % period] for i in range(n)):
            return "".join("L" if local[i] else "G" for i in range(period))
    raise ImportErrorHF("layer attention types do not follow a repeating pattern of <= 64 layers")


def _window(kind: str, key: str, size: Any, local: list[bool]) -> dict[str, Any] | None:
    if size is None or not any(local):
        return None
    return {"kind": kind, "size": as_count(key, size), "pattern": _pattern_from_flags(local)}


def _layer_types_flags(cfg: Mapping[str, Any], layers: int) -> list[bool] | None:
    types = cfg.get("layer_types")
    if not types:
        return None
    if len(types) != layers:
        raise ImportErrorHF(f"layer_types has {len(types)} entries for {layers} layers")
    return [t in ("sliding_attention", "chunked_attention") for t in types]


def _activation(get: _Config) -> str | None:
    act = get("hidden_activation", False) or get("hidden_act", False)
    return str(act) if act is not None else None


def _base(get: _Config, mtype: str) -> dict[str, Any]:
    """Fields shared by the Llama-like decoder families."""
    heads = get.count("num_attention_heads")
    kv_heads = get.optional_count("num_key_value_heads")
    kv_heads = heads if kv_heads is None else kv_heads
    return {
        "type": "dense",
        "layers": get.count("num_hidden_layers"),
        "hidden_size": get.count("hidden_size"),
        "intermediate_size": get.count("intermediate_size"),
        "vocab_size": get.count("vocab_size"),
        "tied_embeddings": get.flag("tie_word_embeddings"),
        "activation": _activation(get),
        "mlp": "gated",
        "mlp_bias": get.flag("mlp_bias"),
        "normalization": "rmsnorm",
        "norm_bias": False,
        "norms_per_layer": 2,
        "position_embedding": "rope",
        "max_position_embeddings": get.count("max_position_embeddings"),
        "attention": {
            "structure": attention_structure(heads, kv_heads),
            "heads": heads,
            "kv_heads": kv_heads,
            "head_dim": get.optional_count("head_dim"),
            "qkv_bias": get.flag("attention_bias"),
            "output_bias": get.flag("attention_bias"),
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


def _qwen_window(cfg: Mapping[str, Any], get: _Config, arch: dict[str, Any]) -> None:
    # Qwen configs carry sliding_window even when use_sliding_window is false.
    layers = arch["layers"]
    flags = _layer_types_flags(cfg, layers)
    if flags is None:
        if not get("use_sliding_window") or get("sliding_window") is None:
            return
        # transformers: layers at index >= max_window_layers use the window.
        first_local = get.optional_count("max_window_layers", minimum=0)
        first_local = layers if first_local is None else first_local
        flags = [i >= first_local for i in range(layers)]
        if any(flags) and not all(flags):
            raise ImportErrorHF(
                "use_sliding_window with max_window_layers < num_hidden_layers "
                "(global layers first, then local) has no repeating pattern"
            )
    arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), flags)


def _qwen_moe(cfg: Mapping[str, Any], get: _Config, arch: dict[str, Any]) -> None:
    layers = arch["layers"]
    step = get.count("decoder_sparse_step")
    dense_only = sorted(as_count(f"{get.prefix}mlp_only_layers[]", i, 0) for i in get("mlp_only_layers") or [])
    if dense_only != list(range(len(dense_only))) or (dense_only and step != 1):
        raise ImportErrorHF("mlp_only_layers other than a leading run of layers is not supported")
    first_dense = len(dense_only)
    if step != 1 and first_dense:
        raise ImportErrorHF("mlp_only_layers with decoder_sparse_step > 1 is not supported")
    arch["type"] = "moe"
    has_dense = first_dense > 0 or step > 1
    if not has_dense:
        arch["intermediate_size"] = None
    shared_size = get.optional_count("shared_expert_intermediate_size", minimum=0)
    arch["experts"] = _moe_block(
        total=get.count("num_experts"),
        active=get.count("num_experts_per_tok"),
        shared=1 if shared_size else 0,
        intermediate_size=get.count("moe_intermediate_size"),
        shared_intermediate_size=shared_size if shared_size else None,
        first_dense_layers=first_dense,
        interleave_step=step,
        shared_expert_gate=bool(shared_size),
    )
    del layers


def _llama(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    return _base(get, mtype)


def _mistral(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), [True] * layers)
    return arch


def _mixtral(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _mistral(cfg, get, mtype)
    arch["type"] = "moe"
    arch["experts"] = _moe_block(
        total=get.count("num_local_experts"),
        active=get.count("num_experts_per_tok"),
        intermediate_size=arch["intermediate_size"],
    )
    arch["intermediate_size"] = None  # no dense layer
    return arch


def _qwen2(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    # Qwen2 always puts biases on q/k/v and never on o_proj.
    arch["attention"]["qkv_bias"] = True
    arch["attention"]["output_bias"] = False
    _qwen_window(cfg, get, arch)
    if mtype == "qwen2_moe":
        _qwen_moe(cfg, get, arch)
    return arch


def _qwen3(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    arch["attention"]["qk_norm"] = "head"
    _qwen_window(cfg, get, arch)
    if mtype == "qwen3_moe":
        _qwen_moe(cfg, get, arch)
    return arch


def _gemma(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    arch["attention"]["output_bias"] = get.flag("attention_bias")
    layers = arch["layers"]
    if mtype == "gemma2":
        arch["norms_per_layer"] = 4
        flags = _layer_types_flags(cfg, layers) or [i % 2 == 0 for i in range(layers)]
        arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), flags)
    elif mtype == "gemma3_text":
        arch["norms_per_layer"] = 4
        arch["attention"]["qk_norm"] = "head"
        given = _layer_types_flags(cfg, layers)
        if given is None:
            period = get.count("sliding_window_pattern")
            given = [(i + 1) % period != 0 for i in range(layers)]
        flags = given
        arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), flags)
    return arch


def _gemma3n(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    """Gemma 3n's language model (transformers Gemma3nTextModel; generator/calc/gemma3n.py counts it)."""
    widths = get("intermediate_size")
    if isinstance(widths, list):
        # MatFormer: a per-layer FFN width. The released E2B and E4B use one width for every
        # layer; a mix-and-match slice (different widths per layer) has no card field yet.
        if not widths or len(set(map(repr, widths))) != 1:
            raise ImportErrorHF(f"{get.prefix}intermediate_size: per-layer FFN widths differ (a MatFormer "
                                "mix-and-match slice); a card has one dense FFN width")
        widths = widths[0]
    get = _Config({**cfg, "intermediate_size": widths}, mtype, get.prefix)
    arch = _base(get, mtype)
    layers = arch["layers"]
    arch["norms_per_layer"] = 4
    arch["attention"]["qk_norm"] = "head"  # q_norm and k_norm per head; v_norm has no weight
    given = _layer_types_flags(cfg, layers)
    if given is None:  # Gemma3nTextConfig: every fifth layer global
        given = [(i + 1) % 5 != 0 for i in range(layers)]
    arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), given)
    shared = get.count("num_kv_shared_layers", minimum=0)
    if shared >= layers:
        raise ImportErrorHF(f"{get.prefix}num_kv_shared_layers: {shared} of {layers} layers leaves none to "
                            "compute the keys and values the shared layers reuse")
    arch["attention"]["kv_shared_layers"] = shared
    arch["per_layer_embeddings"] = {"vocab_size": get.count("vocab_size_per_layer_input"),
                                    "width": get.count("hidden_size_per_layer_input")}
    arch["altup_inputs"] = get.count("altup_num_inputs", minimum=2)
    arch["laurel_rank"] = get.count("laurel_rank")
    return arch


# audio_config of Gemma 3n: the front end generator/calc/gemma3n.py counts, checked key by key.
_GEMMA3N_AUDIO_FIXED = {"input_feat_size": 128, "sscp_conv_channel_size": [128, 32],
                        "sscp_conv_kernel_size": [[3, 3], [3, 3]], "sscp_conv_stride_size": [[2, 2], [2, 2]],
                        "conf_conv_kernel_size": 5, "vocab_size": 128}


def _audio_encoder(config: Mapping[str, Any], mtype: str) -> dict[str, Any] | None:
    """The audio_encoder block from audio_config, for the types whose layout the calculator counts (gemma3n)."""
    ac = config.get("audio_config")
    if ac is None or mtype != "gemma3n":
        return None
    if not isinstance(ac, Mapping):
        raise ImportErrorHF("audio_config: must be an object")
    for key, value in _GEMMA3N_AUDIO_FIXED.items():
        got = ac.get(key, value)
        if (list(map(list, got)) if key.endswith(("kernel_size", "stride_size")) and isinstance(got, list)
                and all(isinstance(x, (list, tuple)) for x in got) else got) != value:
            raise ImportErrorHF(f"audio_config.{key}: {_shown(got)}, but the gemma3n_audio layout is counted "
                                f"for {_shown(value)} (the released Gemma 3n audio encoder)")
    get = _Config(ac, "gemma3n_audio", "audio_config.")
    hidden = get.count("hidden_size")
    return {"kind": "gemma3n_audio", "layers": get.count("conf_num_hidden_layers"), "hidden_size": hidden,
            "intermediate_size": 4 * hidden, "heads": get.count("conf_num_attention_heads"),
            "patch_size": None, "image_size": None, "parameters": None}


# Gemma3nAudioConfig class defaults (configuration_gemma3n.py).
_DEFAULTS["gemma3n_audio"] = {"hidden_size": 1536, "conf_num_hidden_layers": 12, "conf_num_attention_heads": 8}


def _deepseek(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    att = arch["attention"]
    att["structure"] = "MLA"
    att["head_dim"] = None
    att["output_bias"] = get.flag("attention_bias")
    att["mla"] = {
        "q_lora_rank": get.optional_count("q_lora_rank"),
        "kv_lora_rank": get.count("kv_lora_rank"),
        "qk_nope_head_dim": get.count("qk_nope_head_dim"),
        "qk_rope_head_dim": get.count("qk_rope_head_dim"),
        "v_head_dim": get.count("v_head_dim"),
    }
    # MLA expands the latent to every query head.
    att["kv_heads"] = att["heads"]
    n_routed = get.optional_count("n_routed_experts", minimum=0)
    if n_routed:
        freq = get.count("moe_layer_freq")
        if freq != 1:
            raise ImportErrorHF("moe_layer_freq other than 1 is not supported")
        first_dense = get.count("first_k_dense_replace", minimum=0)
        n_shared = get.optional_count("n_shared_experts", minimum=0) or 0
        moe_inner = get.count("moe_intermediate_size")
        arch["type"] = "moe"
        if first_dense == 0:
            arch["intermediate_size"] = None
        arch["experts"] = _moe_block(
            total=n_routed,
            active=get.count("num_experts_per_tok"),
            shared=n_shared,
            intermediate_size=moe_inner,
            shared_intermediate_size=moe_inner if n_shared else None,
            first_dense_layers=first_dense,
            # DeepSeek-V3 keeps a per-expert score-correction bias.
            router_bias=mtype == "deepseek_v3" or get("topk_method", False) == "noaux_tc",
        )
    return arch


def _llama4(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    step = get.count("interleave_moe_layer_step")
    moe_layers = cfg.get("moe_layers")
    if moe_layers is not None and list(moe_layers) != list(range(step - 1, layers, step)):
        raise ImportErrorHF("moe_layers is not every interleave_moe_layer_step-th layer")
    expert_inner = get.count("intermediate_size")
    dense_inner = get.optional_count("intermediate_size_mlp", minimum=0)
    arch["type"] = "moe"
    arch["intermediate_size"] = dense_inner if (step > 1 and dense_inner) else None
    arch["experts"] = _moe_block(
        total=get.count("num_local_experts"),
        active=get.count("num_experts_per_tok"),
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
        interval = get.count("no_rope_layer_interval")
        flags = [(i + 1) % interval != 0 for i in range(layers)]
    arch["attention"]["sliding_window"] = _window("chunked", get.prefix + "attention_chunk_size", get("attention_chunk_size"), flags)
    return arch


def _gpt_oss(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    layers = arch["layers"]
    att = arch["attention"]
    att["sinks"] = True
    arch["mlp_bias"] = True  # expert gate_up/down projections carry biases
    flags = _layer_types_flags(cfg, layers) or [i % 2 == 0 for i in range(layers)]
    att["sliding_window"] = _window("sliding", get.prefix + "sliding_window", get("sliding_window"), flags)
    arch["type"] = "moe"
    arch["experts"] = _moe_block(
        total=get.count("num_local_experts"),
        active=get.count("num_experts_per_tok"),
        intermediate_size=arch["intermediate_size"],
        router_bias=True,
    )
    arch["intermediate_size"] = None
    return arch


def _phi3(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    arch = _base(get, mtype)
    arch["attention"]["fused_qkv"] = True  # one qkv_proj matrix per layer (and a fused gate_up_proj)
    size = get("sliding_window")
    arch["attention"]["sliding_window"] = _window("sliding", get.prefix + "sliding_window", size, [True] * arch["layers"])
    return arch


def _gpt2(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    hidden = get.count("n_embd")
    heads = get.count("n_head")
    inner = get("n_inner")
    return {
        "type": "dense",
        "layers": get.count("n_layer"),
        "hidden_size": hidden,
        "intermediate_size": 4 * hidden if inner is None else as_count(get.prefix + "n_inner", inner),
        "vocab_size": get.count("vocab_size"),
        "tied_embeddings": True,
        "activation": str(get("activation_function")),
        "mlp": "plain",
        "mlp_bias": True,
        "normalization": "layernorm",
        "norm_bias": True,
        "norms_per_layer": 2,
        "position_embedding": "learned",
        "max_position_embeddings": get.count("n_positions"),
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


def _glm4_moe(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    """GLM-4.5 / 4.6 (transformers glm4_moe): biased q/k/v, optional per-head QK norm, DeepSeek-style MoE."""
    arch = _base(get, mtype)
    att = arch["attention"]
    att["qkv_bias"], att["output_bias"] = get.flag("attention_bias"), False
    att["qk_norm"] = "head" if get.flag("use_qk_norm") else "none"
    first_dense = get.count("first_k_dense_replace", minimum=0)
    n_shared = get.count("n_shared_experts", minimum=0)
    moe_inner = get.count("moe_intermediate_size")
    arch["type"] = "moe"
    if first_dense == 0:
        arch["intermediate_size"] = None
    arch["experts"] = _moe_block(
        total=get.count("n_routed_experts"),
        active=get.count("num_experts_per_tok"),
        shared=n_shared,
        intermediate_size=moe_inner,
        shared_intermediate_size=moe_inner if n_shared else None,
        first_dense_layers=first_dense,
        router_bias=True,  # e_score_correction_bias, as DeepSeek-V3
    )
    return arch


def _ernie(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
    """ERNIE 4.5 (transformers ernie4_5 / ernie4_5_moe; vLLM ernie45.py / ernie45_moe.py).

    A Llama layout whose one ``use_bias`` covers q/k/v/o and the MLPs. In the MoE model, layer i
    is MoE when moe_layer_start_index <= i <= moe_layer_end_index and (i + 1) % moe_layer_interval
    == 0 (vLLM Ernie4_5_MoeDecoderLayer); the shared experts are one MLP of moe_num_shared_experts
    x moe_intermediate_size (the same count as that many experts of moe_intermediate_size), and
    the router keeps a per-expert score-correction bias (moe_statics.e_score_correction_bias).
    """
    arch = _base(get, mtype)
    bias = get.flag("use_bias")
    arch["mlp_bias"] = bias
    arch["attention"]["qkv_bias"] = arch["attention"]["output_bias"] = bias
    if mtype != "ernie4_5_moe":
        return arch
    layers = arch["layers"]
    for key in ("moe_num_experts", "moe_intermediate_size", "moe_layer_start_index"):
        if isinstance(get(key), list):
            raise ImportErrorHF(f"{get.prefix}{key}: a list (ERNIE-4.5-VL's separate text and vision experts) "
                                "is not supported; the ernie4_5_moe text model has one value")
    start = get.count("moe_layer_start_index", minimum=0)
    interval = get.count("moe_layer_interval")
    end = get("moe_layer_end_index", False)
    end = layers - 1 if end is None or end == -1 else as_count(get.prefix + "moe_layer_end_index", end, 0)
    if start >= layers:
        raise ImportErrorHF(f"{get.prefix}moe_layer_start_index: {start} leaves no MoE layer among {layers} layers")
    if end < layers - 1:
        raise ImportErrorHF(f"{get.prefix}moe_layer_end_index: {end} ends the MoE layers before the last layer "
                            f"({layers - 1}); dense layers after the MoE ones have no card field")
    if start % interval:
        # (i + 1) % interval == 0 from `start` on is the card's (i - start) % step == step - 1
        # only when start is a multiple of the interval.
        raise ImportErrorHF(f"{get.prefix}moe_layer_interval: {interval} with moe_layer_start_index {start} "
                            "(not a multiple of it) puts the MoE layers off the card's interleave pattern")
    n_shared = get.count("moe_num_shared_experts", minimum=0)
    moe_inner = get.count("moe_intermediate_size")
    arch["type"] = "moe"
    if start == 0 and interval == 1:
        arch["intermediate_size"] = None
    arch["experts"] = _moe_block(
        total=get.count("moe_num_experts"),
        active=get.count("moe_k"),
        shared=n_shared,
        intermediate_size=moe_inner,
        shared_intermediate_size=moe_inner if n_shared else None,
        first_dense_layers=start,
        interleave_step=interval,
        router_bias=True,  # moe_statics.e_score_correction_bias, one per expert
    )
    return arch


# Whether an MTP module stores its own embedding and output head, by model type, where the
# type settles it: DeepSeek-V3 does (README_WEIGHTS.md: embed_tokens and shared_head.head in
# layer 61); MiMo does not (MiMoMTPLayers hold norms, input_proj and one block). GLM-4.5 has
# the copies and GLM-4.6 has not, so for glm4_moe it stays unknown (null) until the
# checkpoint's index is read.
_MTP_COPIES: dict[str, bool | None] = {"deepseek_v3": True, "mimo": False, "glm4_moe": None, "ernie4_5_moe": False}


def _mtp(get: _Config, mtype: str, arch: dict[str, Any]) -> dict[str, Any] | None:
    modules = get.optional_count("num_nextn_predict_layers", minimum=0)
    if not modules:
        return None
    copies = _MTP_COPIES.get(mtype)
    if mtype == "ernie4_5_moe":
        # ERNIE's module (vLLM ernie_mtp.py, llama.cpp convert_hf_to_gguf.py Ernie4_5MoeModel):
        # mtp_emb_norm, mtp_hidden_norm, mtp_linear_proj and one dense decoder block (mtp_block,
        # built like layer 0), no final norm of its own; it reads the main embedding and head.
        return {"modules": modules, "block": "dense", "own_embedding": False, "own_head": False,
                "final_norm": False}
    return {"modules": modules, "block": arch["type"], "own_embedding": copies, "own_head": copies}


# rope_type / type values that rescale positions (transformers modeling_rope_utils.py);
# default and Qwen2.5-VL's mrope (a 3-D split of the rotary dimensions) rescale nothing.
_ROPE_TYPES = ("linear", "dynamic", "yarn", "llama3", "longrope")


def _rope_scaling(get: _Config) -> dict[str, Any] | None:
    rope = get("rope_scaling", False)
    if rope is None:
        return None
    if not isinstance(rope, Mapping):
        raise ImportErrorHF(f"{get.prefix}rope_scaling: must be an object or null, not {_shown(rope)}")
    kind = rope.get("rope_type", rope.get("type"))
    if kind in (None, "default", "mrope"):
        return None
    if kind not in _ROPE_TYPES:
        raise ImportErrorHF(f"{get.prefix}rope_scaling.rope_type: unsupported {_shown(kind)}; "
                            f"supported: {', '.join(_ROPE_TYPES)}, default, mrope")
    factor = rope.get("factor")
    if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float))
                               or not 1 <= factor <= 1024):
        raise ImportErrorHF(f"{get.prefix}rope_scaling.factor: must be a number from 1 to 1024, not {_shown(factor)}")
    original = rope.get("original_max_position_embeddings")
    return {
        "type": kind,
        "factor": factor,
        "original_max_position_embeddings": None if original is None else as_count(
            get.prefix + "rope_scaling.original_max_position_embeddings", original),
        "in_config": True,
    }


def _vision_encoder(config: Mapping[str, Any], mtype: str) -> dict[str, Any] | None:
    """The vision_encoder block from vision_config, for the wrapper types whose layout the calculator counts."""
    vc = config.get("vision_config")
    if vc is None or mtype == "gemma3n":
        # Gemma 3n's vision tower is a timm MobileNet-V5 whose layout the calculator does not
        # count: the draft leaves it to parameters.extra (null until the checkpoint's count is known).
        return None
    if not isinstance(vc, Mapping):
        raise ImportErrorHF("vision_config: must be an object")
    get = _Config(vc, "vision", "vision_config.")
    enc: dict[str, Any] = {"kind": None, "layers": None, "hidden_size": get.count("hidden_size"),
                           "intermediate_size": get.count("intermediate_size"), "heads": None,
                           "patch_size": get.count("patch_size"), "image_size": None, "parameters": None}
    if mtype == "gemma3":
        enc.update(kind="siglip", layers=get.count("num_hidden_layers"), heads=get.count("num_attention_heads"),
                   image_size=get.count("image_size"))
        if get.flag("vision_use_head"):
            raise ImportErrorHF("vision_config.vision_use_head: a SigLIP pooling head is not counted; expected false")
    elif mtype == "llama4":
        ratio = get("pixel_shuffle_ratio")
        enc.update(kind="llama4", layers=get.count("num_hidden_layers"), heads=get.count("num_attention_heads"),
                   image_size=get.count("image_size"), channels=get.count("num_channels"),
                   merge_size=round(1 / ratio) if isinstance(ratio, (int, float)) and ratio > 0 else None,
                   projector_dim=get.count("projector_input_dim"))
        if get.count("projector_output_dim") != enc["projector_dim"]:
            raise ImportErrorHF("vision_config.projector_output_dim: differs from projector_input_dim, "
                                "which the llama4 layout assumes")
    elif mtype == "qwen2_5_vl":
        enc.update(kind="qwen2_5_vl", layers=get.count("depth"), heads=get.count("num_heads"),
                   channels=get.count("in_chans"), temporal_patch_size=get.count("temporal_patch_size"),
                   merge_size=get.count("spatial_merge_size"), output_size=get.count("out_hidden_size"))
    elif mtype in ("qwen3_vl", "qwen3_vl_moe", "qwen3_5_moe"):
        # Qwen3.5's vision tower is Qwen3-VL's (transformers Qwen3_5Moe reuses it), with no deepstack mergers.
        indexes = get("deepstack_visual_indexes")
        if not isinstance(indexes, list):
            raise ImportErrorHF("vision_config.deepstack_visual_indexes: must be a list")
        enc.update(kind="qwen3_vl", layers=get.count("depth"), heads=get.count("num_heads"),
                   channels=get.count("in_channels"), temporal_patch_size=get.count("temporal_patch_size"),
                   merge_size=get.count("spatial_merge_size"), output_size=get.count("out_hidden_size"),
                   positions=get.count("num_position_embeddings"), deepstack_mergers=len(indexes))
    elif mtype == "mistral3":
        enc.update(kind="pixtral", layers=get.count("num_hidden_layers"), heads=get.count("num_attention_heads"),
                   channels=get.count("num_channels"),
                   merge_size=as_count("spatial_merge_size", config.get("spatial_merge_size", 2)),
                   projector_bias=bool(config.get("multimodal_projector_bias", False)))
    else:
        return None
    return enc


# Class defaults of the vision configs (transformers configuration_*.py) for keys configs omit.
_DEFAULTS["vision"] = {"num_channels": 3, "in_chans": 3, "in_channels": 3, "deepstack_visual_indexes": [], "temporal_patch_size": 2, "spatial_merge_size": 2,
                       "vision_use_head": False, "pixel_shuffle_ratio": 0.5, "projector_input_dim": 4096,
                       "projector_output_dim": 4096}


def _with_modules(builder: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A builder that also reads rope_scaling and num_nextn_predict_layers."""
    def build(cfg: Mapping[str, Any], get: _Config, mtype: str) -> dict[str, Any]:
        arch = builder(cfg, get, mtype)
        rope = _rope_scaling(get)
        if rope is not None:
            arch["rope_scaling"] = rope
        mtp = _mtp(get, mtype, arch)
        if mtp is not None:
            arch["mtp"] = mtp
        return arch
    return build


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
    "glm4_moe": _glm4_moe,
    "mimo": _qwen2,
    "qwen2_5_vl": _qwen2,
    "gemma3n_text": _gemma3n,
    "ernie4_5": _ernie,
    "ernie4_5_moe": _ernie,
}
# Every Llama-style builder also reads rope_scaling and the MTP layer count (GPT-2 has neither).
_BUILDERS = {k: (v if k == "gpt2" else _with_modules(v)) for k, v in _BUILDERS.items()}
