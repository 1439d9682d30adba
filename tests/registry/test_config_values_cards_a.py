"""The architecture of each card added for issue 12.2 (batch "cards-a") agrees with the
config.json it cites.

CONFIGS records, per card, the architecture keys of the model's Hugging Face config.json
(the file each card lists as a source). The Hub itself was not reachable when these were
written down, so the values were read from published copies of those files (fine-tune and
quantization repositories that carry the original config unchanged, engine test fixtures
quoting them) and, for checkpoints that reuse an earlier release's architecture (the Qwen3
2507 updates, the DeepSeek-R1 distills, DeepSeek-Coder-V2, Kimi K2 updates), from that
release's config with the keys the model card says changed (max_position_embeddings).
For the model types the importer reads, the expected architecture block is the importer's
reading of the config (generator.importers.hf.architecture_from_config, what
`llmcards import-hf` drafts), and the card must agree with it field by field. For the model
types it does not read (seed_oss, exaone, exaone4, internlm2, internlm3, glm4,
hunyuan_v1_moe, ernie4_5, minimax_m2, kimi_k2), each card field is compared with the config
key it comes from, as listed in _DIRECT below.

The values are the source's, not the card's: a card edited away from its config.json (a
layer count, a head count, a vocabulary) fails here by name. When the shared check of
issue 12.3 (tests/registry/test_config_agreement.py) lands, these records can move there.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.card import Card
from generator.importers.hf import SUPPORTED_TYPES, architecture_from_config

_QWEN3_MOE_235B = {
    "model_type": "qwen3_moe", "num_hidden_layers": 94, "hidden_size": 4096, "intermediate_size": 12288,
    "moe_intermediate_size": 1536, "num_attention_heads": 64, "num_key_value_heads": 4, "head_dim": 128,
    "vocab_size": 151936, "num_experts": 128, "num_experts_per_tok": 8, "decoder_sparse_step": 1,
    "mlp_only_layers": [], "tie_word_embeddings": False, "attention_bias": False, "hidden_act": "silu",
    "use_sliding_window": False, "sliding_window": None, "max_position_embeddings": 262144,
}
_QWEN3_MOE_30B = {
    **_QWEN3_MOE_235B, "num_hidden_layers": 48, "hidden_size": 2048, "intermediate_size": 6144,
    "moe_intermediate_size": 768, "num_attention_heads": 32, "num_key_value_heads": 4,
}
_QWEN3_4B = {
    "model_type": "qwen3", "num_hidden_layers": 36, "hidden_size": 2560, "intermediate_size": 9728,
    "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936,
    "tie_word_embeddings": True, "attention_bias": False, "hidden_act": "silu", "use_sliding_window": False,
    "sliding_window": None, "max_position_embeddings": 262144,
}
_QWEN2_32B = {
    "model_type": "qwen2", "num_hidden_layers": 64, "hidden_size": 5120, "intermediate_size": 27648,
    "num_attention_heads": 40, "num_key_value_heads": 8, "vocab_size": 152064, "tie_word_embeddings": False,
    "hidden_act": "silu", "use_sliding_window": False, "sliding_window": 131072, "max_position_embeddings": 131072,
}
_LLAMA = {"model_type": "llama", "hidden_act": "silu", "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False}
_DEEPSEEK_V2_LITE = {
    "model_type": "deepseek_v2", "num_hidden_layers": 27, "hidden_size": 2048, "intermediate_size": 10944,
    "moe_intermediate_size": 1408, "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 102400,
    "q_lora_rank": None, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
    "n_routed_experts": 64, "n_shared_experts": 2, "num_experts_per_tok": 6, "first_k_dense_replace": 1,
    "moe_layer_freq": 1, "topk_method": "greedy", "tie_word_embeddings": False, "attention_bias": False,
    "hidden_act": "silu", "max_position_embeddings": 163840,
}
_DEEPSEEK_V2 = {
    **_DEEPSEEK_V2_LITE, "num_hidden_layers": 60, "hidden_size": 5120, "intermediate_size": 12288,
    "moe_intermediate_size": 1536, "num_attention_heads": 128, "num_key_value_heads": 128, "q_lora_rank": 1536,
    "n_routed_experts": 160, "n_shared_experts": 2, "topk_method": "group_limited_greedy",
}

CONFIGS: dict[str, dict[str, Any]] = {
    "qwen/qwen3-235b-a22b-instruct-2507": _QWEN3_MOE_235B,
    "qwen/qwen3-235b-a22b-thinking-2507": _QWEN3_MOE_235B,
    "qwen/qwen3-30b-a3b-instruct-2507": _QWEN3_MOE_30B,
    "qwen/qwen3-30b-a3b-thinking-2507": _QWEN3_MOE_30B,
    "qwen/qwen3-coder-30b-a3b-instruct": _QWEN3_MOE_30B,
    "qwen/qwen3-4b-instruct-2507": _QWEN3_4B,
    "qwen/qwen3-4b-thinking-2507": _QWEN3_4B,
    "qwen/qwq-32b": {**_QWEN2_32B, "sliding_window": 32768, "max_position_embeddings": 40960},
    "qwen/qwen2.5-math-7b": {
        "model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 3584, "intermediate_size": 18944,
        "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064, "tie_word_embeddings": False,
        "hidden_act": "silu", "use_sliding_window": False, "sliding_window": None, "max_position_embeddings": 4096,
    },
    "deepseek/deepseek-r1-distill-qwen-1.5b": {
        "model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 1536, "intermediate_size": 8960,
        "num_attention_heads": 12, "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": False,
        "hidden_act": "silu", "use_sliding_window": False, "sliding_window": 4096, "max_position_embeddings": 131072,
    },
    "deepseek/deepseek-r1-distill-qwen-7b": {
        "model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 3584, "intermediate_size": 18944,
        "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064, "tie_word_embeddings": False,
        "hidden_act": "silu", "use_sliding_window": False, "sliding_window": 4096, "max_position_embeddings": 131072,
    },
    "deepseek/deepseek-r1-distill-qwen-14b": {
        "model_type": "qwen2", "num_hidden_layers": 48, "hidden_size": 5120, "intermediate_size": 13824,
        "num_attention_heads": 40, "num_key_value_heads": 8, "vocab_size": 152064, "tie_word_embeddings": False,
        "hidden_act": "silu", "use_sliding_window": False, "sliding_window": 131072, "max_position_embeddings": 131072,
    },
    "deepseek/deepseek-r1-distill-qwen-32b": _QWEN2_32B,
    "deepseek/deepseek-r1-distill-llama-8b": {
        **_LLAMA, "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
    },
    "deepseek/deepseek-r1-distill-llama-70b": {
        **_LLAMA, "num_hidden_layers": 80, "hidden_size": 8192, "intermediate_size": 28672,
        "num_attention_heads": 64, "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
    },
    "deepseek/deepseek-coder-6.7b-instruct": {
        **_LLAMA, "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 11008,
        "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32256, "max_position_embeddings": 16384,
    },
    "deepseek/deepseek-coder-33b-instruct": {
        **_LLAMA, "num_hidden_layers": 62, "hidden_size": 7168, "intermediate_size": 19200,
        "num_attention_heads": 56, "num_key_value_heads": 8, "vocab_size": 32256, "max_position_embeddings": 16384,
    },
    "deepseek/deepseek-coder-v2-lite-instruct": _DEEPSEEK_V2_LITE,
    "deepseek/deepseek-coder-v2-instruct": _DEEPSEEK_V2,
    "01-ai/yi-1.5-6b-chat": {
        **_LLAMA, "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 11008,
        "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 64000, "max_position_embeddings": 4096,
    },
    "01-ai/yi-1.5-9b-chat": {
        **_LLAMA, "num_hidden_layers": 48, "hidden_size": 4096, "intermediate_size": 11008,
        "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 64000, "max_position_embeddings": 4096,
    },
    "01-ai/yi-1.5-34b-chat": {
        **_LLAMA, "num_hidden_layers": 60, "hidden_size": 7168, "intermediate_size": 20480,
        "num_attention_heads": 56, "num_key_value_heads": 8, "vocab_size": 64000, "max_position_embeddings": 4096,
    },
    # Types the importer does not read: compared key by key (see _DIRECT).
    "bytedance-seed/seed-oss-36b-instruct": {
        "model_type": "seed_oss", "num_hidden_layers": 64, "hidden_size": 5120, "intermediate_size": 27648,
        "num_attention_heads": 80, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 155136,
        "tie_word_embeddings": False, "attention_bias": True, "attention_out_bias": False, "mlp_bias": False,
        "max_position_embeddings": 524288,
    },
    "internlm/internlm2.5-7b-chat": {
        "model_type": "internlm2", "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 92544, "tie_word_embeddings": False,
        "bias": False, "max_position_embeddings": 32768,
    },
    "internlm/internlm2.5-20b-chat": {
        "model_type": "internlm2", "num_hidden_layers": 48, "hidden_size": 6144, "intermediate_size": 16384,
        "num_attention_heads": 48, "num_key_value_heads": 8, "vocab_size": 92544, "tie_word_embeddings": False,
        "bias": False, "max_position_embeddings": 32768,
    },
    "internlm/internlm3-8b-instruct": {
        "model_type": "internlm3", "num_hidden_layers": 48, "hidden_size": 4096, "intermediate_size": 10240,
        "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 128512,
        "tie_word_embeddings": False, "qkv_bias": False, "bias": False, "max_position_embeddings": 32768,
    },
    "zai-org/glm-4-9b-0414": {
        "model_type": "glm4", "num_hidden_layers": 40, "hidden_size": 4096, "intermediate_size": 13696,
        "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 151552,
        "tie_word_embeddings": False, "attention_bias": True, "max_position_embeddings": 32768,
    },
    "zai-org/glm-4-32b-0414": {
        "model_type": "glm4", "num_hidden_layers": 61, "hidden_size": 6144, "intermediate_size": 23040,
        "num_attention_heads": 48, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 151552,
        "tie_word_embeddings": False, "attention_bias": False, "max_position_embeddings": 32768,
    },
    "lgai-exaone/exaone-3.5-2.4b-instruct": {
        "model_type": "exaone", "num_layers": 30, "hidden_size": 2560, "intermediate_size": 7168,
        "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 80, "vocab_size": 102400,
        "tie_word_embeddings": True, "max_position_embeddings": 32768,
    },
    "lgai-exaone/exaone-3.5-7.8b-instruct": {
        "model_type": "exaone", "num_layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
        "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 102400,
        "tie_word_embeddings": False, "max_position_embeddings": 32768,
    },
    "lgai-exaone/exaone-3.5-32b-instruct": {
        "model_type": "exaone", "num_layers": 64, "hidden_size": 5120, "intermediate_size": 27392,
        "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 102400,
        "tie_word_embeddings": False, "max_position_embeddings": 32768,
    },
    "lgai-exaone/exaone-4.0-32b": {
        "model_type": "exaone4", "num_hidden_layers": 64, "hidden_size": 5120, "intermediate_size": 27392,
        "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 102400,
        "tie_word_embeddings": False, "sliding_window": 4096, "sliding_window_pattern": "LLLG",
        "max_position_embeddings": 131072,
    },
    "tencent/hunyuan-a13b-instruct": {
        "model_type": "hunyuan_v1_moe", "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 3072,
        "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128167,
        "tie_word_embeddings": True, "use_qk_norm": True, "num_experts": 64,
        "moe_topk": [8] * 32, "moe_intermediate_size": [3072] * 32, "num_shared_expert": [1] * 32,
    },
    "baidu/ernie-4.5-0.3b-pt": {
        "model_type": "ernie4_5", "num_hidden_layers": 18, "hidden_size": 1024, "intermediate_size": 3072,
        "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 103424,
        "tie_word_embeddings": True, "use_bias": False, "max_position_embeddings": 131072,
    },
    "minimaxai/minimax-m2": {
        "model_type": "minimax_m2", "num_hidden_layers": 62, "hidden_size": 3072, "intermediate_size": 1536,
        "num_attention_heads": 48, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 200064,
        "tie_word_embeddings": False, "num_local_experts": 256, "num_experts_per_tok": 8,
        "use_routing_bias": True, "use_qk_norm": True, "qk_norm_type": "per_layer", "max_position_embeddings": 196608,
    },
    "moonshotai/kimi-k2-instruct-0905": {
        "model_type": "kimi_k2", "num_hidden_layers": 61, "hidden_size": 7168, "intermediate_size": 18432,
        "moe_intermediate_size": 2048, "num_attention_heads": 64, "num_key_value_heads": 64, "vocab_size": 163840,
        "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
        "n_routed_experts": 384, "n_shared_experts": 1, "num_experts_per_tok": 8, "first_k_dense_replace": 1,
        "tie_word_embeddings": False, "max_position_embeddings": 262144,
    },
}
# Kimi-K2-Thinking has the same architecture keys as the 0905 checkpoint (its quantization_config differs).
CONFIGS["moonshotai/kimi-k2-thinking"] = CONFIGS["moonshotai/kimi-k2-instruct-0905"]

# Card field (path under architecture) <- config key, for the types the importer does not read.
# A key absent from a card's record is not compared.
_COMMON = {
    ("hidden_size",): "hidden_size",
    ("vocab_size",): "vocab_size",
    ("tied_embeddings",): "tie_word_embeddings",
    ("max_position_embeddings",): "max_position_embeddings",
    ("attention", "heads"): "num_attention_heads",
    ("attention", "kv_heads"): "num_key_value_heads",
}
_DENSE = {**_COMMON, ("layers",): "num_hidden_layers", ("intermediate_size",): "intermediate_size",
          ("attention", "head_dim"): "head_dim"}
_DIRECT: dict[str, dict[tuple[str, ...], str]] = {
    "seed_oss": {**_DENSE, ("attention", "qkv_bias"): "attention_bias", ("attention", "output_bias"): "attention_out_bias",
                 ("mlp_bias",): "mlp_bias"},
    "internlm2": {**_DENSE, ("attention", "qkv_bias"): "bias", ("attention", "output_bias"): "bias"},
    "internlm3": {**_DENSE, ("attention", "qkv_bias"): "qkv_bias", ("attention", "output_bias"): "bias"},
    "glm4": {**_DENSE, ("attention", "qkv_bias"): "attention_bias"},
    "exaone": {**_DENSE, ("layers",): "num_layers"},
    "exaone4": {**_DENSE, ("attention", "sliding_window", "size"): "sliding_window",
                ("attention", "sliding_window", "pattern"): "sliding_window_pattern"},
    "ernie4_5": {**_DENSE, ("attention", "qkv_bias"): "use_bias", ("attention", "output_bias"): "use_bias"},
    "hunyuan_v1_moe": {**_COMMON, ("layers",): "num_hidden_layers", ("attention", "head_dim"): "head_dim",
                       ("experts", "total"): "num_experts"},
    "minimax_m2": {**_COMMON, ("layers",): "num_hidden_layers", ("attention", "head_dim"): "head_dim",
                   ("experts", "total"): "num_local_experts", ("experts", "active"): "num_experts_per_tok",
                   ("experts", "intermediate_size"): "intermediate_size", ("experts", "router_bias"): "use_routing_bias"},
    "kimi_k2": {**_COMMON, ("layers",): "num_hidden_layers", ("intermediate_size",): "intermediate_size",
                ("attention", "mla", "q_lora_rank"): "q_lora_rank", ("attention", "mla", "kv_lora_rank"): "kv_lora_rank",
                ("attention", "mla", "qk_nope_head_dim"): "qk_nope_head_dim",
                ("attention", "mla", "qk_rope_head_dim"): "qk_rope_head_dim",
                ("attention", "mla", "v_head_dim"): "v_head_dim", ("experts", "total"): "n_routed_experts",
                ("experts", "shared"): "n_shared_experts", ("experts", "active"): "num_experts_per_tok",
                ("experts", "intermediate_size"): "moe_intermediate_size",
                ("experts", "first_dense_layers"): "first_k_dense_replace"},
}


def _at(block: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        block = block[key]
    return block


def _flatten(block: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for key, value in block.items():
        if isinstance(value, dict):
            out.update(_flatten(value, prefix + (key,)))
        else:
            out[prefix + (key,)] = value
    return out


def test_every_recorded_type_is_compared() -> None:
    for card_id, config in CONFIGS.items():
        mtype = config["model_type"]
        assert mtype in SUPPORTED_TYPES or mtype in _DIRECT, f"{card_id}: no comparison for model_type {mtype}"


@pytest.mark.parametrize("card_id", sorted(CONFIGS))
def test_card_architecture_matches_its_config(card_id: str, registry_cards: dict[str, Card]) -> None:
    assert card_id in registry_cards, f"missing card {card_id}"
    arch = registry_cards[card_id].data["architecture"]
    config = CONFIGS[card_id]
    mtype = config["model_type"]
    if mtype in SUPPORTED_TYPES:
        expected = _flatten(architecture_from_config(config))
        actual = _flatten(arch)
        # fused_qkv is optional in cards: absent means separate projections (the importer's False).
        if ("attention", "fused_qkv") not in actual:
            expected.pop(("attention", "fused_qkv"), None)
        mismatches = {path: (expected[path], actual.get(path)) for path in expected if expected[path] != actual.get(path)}
        assert not mismatches, f"{card_id}: card differs from the importer's reading of config.json: {mismatches}"
        return
    mismatches = {}
    for path, key in _DIRECT[mtype].items():
        if key in config and _at(arch, path) != config[key]:
            mismatches[path] = (config[key], _at(arch, path))
    assert not mismatches, f"{card_id}: card differs from config.json (expected, card): {mismatches}"


def test_hunyuan_per_layer_lists_match_the_card(registry_cards: dict[str, Card]) -> None:
    # config.json gives top-k, expert width and shared-expert count once per layer; the card
    # records one value of each, so every layer's entry must equal it. The shared MLP's width
    # is intermediate_size x num_shared_expert (HunYuanMLP with is_shared_mlp).
    config = CONFIGS["tencent/hunyuan-a13b-instruct"]
    experts = registry_cards["tencent/hunyuan-a13b-instruct"].data["architecture"]["experts"]
    layers = config["num_hidden_layers"]
    assert config["moe_topk"] == [experts["active"]] * layers
    assert config["moe_intermediate_size"] == [experts["intermediate_size"]] * layers
    assert config["num_shared_expert"] == [experts["shared"]] * layers
    assert experts["shared_intermediate_size"] == config["intermediate_size"]
