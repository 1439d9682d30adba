"""Cards added for issue 12 (cards-b): declared totals, derived counts and config.json values.

Expected values are written out here, independently of the cards and of the
calculator:

* PUBLISHED: the Hugging Face safetensors element count of the checkpoint (or,
  where noted, the published count of a checkpoint with identical shapes).
* HAND_COUNTED: checkpoints for which we found no exact published count; the
  total is computed below term by term from config.json (the same arithmetic
  the card's notes spell out), not by generator.calc.
* CONFIG: architecture values as read from each model's config.json (the file
  the card cites), so a card edit that drifts from its source fails here.
"""

from __future__ import annotations

from typing import Any, Mapping

import pytest

from generator.calc.params import count_parameters
from generator.card import Card

# card id -> (published total, where the figure comes from)
PUBLISHED = {
    "meta/codellama-7b-instruct": (6_738_546_688, "HF codellama/CodeLlama-7b-Instruct-hf"),
    "meta/codellama-13b-instruct": (13_016_028_160, "HF codellama/CodeLlama-13b-Instruct-hf"),
    "meta/codellama-34b-instruct": (33_743_970_304, "HF codellama/CodeLlama-34b-Instruct-hf"),
    "huggingfacetb/smollm2-1.7b-instruct": (1_711_376_384, "HF HuggingFaceTB/SmolLM2-1.7B-Instruct"),
    "huggingfacetb/smollm2-360m-instruct": (361_821_120, "HF HuggingFaceTB/SmolLM2-360M-Instruct"),
    "huggingfacetb/smollm2-135m-instruct": (134_515_008, "HF HuggingFaceTB/SmolLM2-135M-Instruct"),
    "huggingfacetb/smollm3-3b": (3_075_098_624, "HF HuggingFaceTB/SmolLM3-3B"),
    "tiiuae/falcon3-1b-instruct": (1_669_408_768, "HF tiiuae/Falcon3-1B-Instruct"),
    "tiiuae/falcon3-3b-instruct": (3_227_655_168, "HF tiiuae/Falcon3-3B-Instruct"),
    "tiiuae/falcon3-10b-instruct": (10_305_653_760, "HF tiiuae/Falcon3-10B-Instruct"),
    "mistralai/mistral-7b-instruct-v0.2": (7_241_732_096, "HF mistralai/Mistral-7B-Instruct-v0.2"),
    "mistralai/mathstral-7b-v0.1": (7_248_023_552, "HF mistralai/Mathstral-7B-v0.1"),
    "mistralai/mistral-large-instruct-2407": (122_610_069_504, "HF mistralai/Mistral-Large-Instruct-2407"),
    "mistralai/codestral-22b-v0.1": (22_247_282_688, "HF mistralai/Codestral-22B-v0.1"),
    "microsoft/phi-3.5-mini-instruct": (3_821_079_552, "HF microsoft/Phi-3.5-mini-instruct"),
    "microsoft/phi-3.5-moe-instruct": (41_873_153_344, "HF microsoft/Phi-3.5-MoE-instruct (incl. lm_head.bias)"),
    "microsoft/phi-4-mini-instruct": (3_836_021_760, "HF microsoft/Phi-4-mini-instruct"),
    "microsoft/phi-4-reasoning": (14_659_507_200, "HF microsoft/Phi-4-reasoning"),
    "ibm-granite/granite-3.3-8b-instruct": (8_170_864_640, "HF ibm-granite/granite-3.3-8b-instruct"),
    "ibm-granite/granite-3.3-2b-instruct": (2_533_539_840, "HF ibm-granite/granite-3.3-2b-instruct"),
    "allenai/olmo-2-0325-32b": (32_234_279_936, "HF allenai/OLMo-2-0325-32B"),
    "allenai/olmo-2-0425-1b": (1_484_916_736, "HF allenai/OLMo-2-0425-1B"),
    "google/gemma-3-270m": (268_098_176, "HF google/gemma-3-270m"),
    "bigcode/starcoder2-3b": (3_030_371_328, "HF bigcode/starcoder2-3b"),
    "bigcode/starcoder2-7b": (7_173_923_840, "HF bigcode/starcoder2-7b"),
    "bigcode/starcoder2-15b": (15_957_889_024, "HF bigcode/starcoder2-15b"),
    "cohere/c4ai-command-r-plus-08-2024": (103_810_674_688, "HF CohereLabs/c4ai-command-r-plus-08-2024"),
    "cohere/c4ai-command-r7b-12-2024": (8_028_033_024, "HF CohereLabs/c4ai-command-r7b-12-2024"),
    "cohere/c4ai-command-a-03-2025": (111_057_580_032, "HF CohereLabs/c4ai-command-a-03-2025"),
    "cohere/aya-expanse-8b": (8_028_033_024, "HF CohereLabs/aya-expanse-8b"),
    "cohere/aya-expanse-32b": (32_296_476_672, "HF CohereLabs/aya-expanse-32b"),
    # Same shapes as Llama 3.1 70B, whose HF count this is.
    "nvidia/llama-3.1-nemotron-70b-instruct": (70_553_706_496, "HF meta-llama/Llama-3.1-70B (identical shapes)"),
    # Text-only Mistral Small 3.x language model: the HF count of Mistral-Small-24B-Instruct-2501.
    "mistralai/devstral-small-2505": (23_572_403_200, "Mistral Small 24B shapes"),
    "mistralai/devstral-small-2507": (23_572_403_200, "Mistral Small 24B shapes"),
    "mistralai/magistral-small-2506": (23_572_403_200, "Mistral Small 24B shapes"),
}


def _llama_like(vocab: int, hidden: int, layers: int, heads: int, kv: int, head_dim: int, inner: int, tied: bool) -> int:
    """Embedding (+ head) + layers x (q, k, v, o + SwiGLU + two RMSNorms) + final norm."""
    attn = hidden * heads * head_dim * 2 + hidden * kv * head_dim * 2
    layer = attn + 3 * hidden * inner + 2 * hidden
    return vocab * hidden * (1 if tied else 2) + layers * layer + hidden


def _falcon(vocab: int, hidden: int, layers: int, heads: int, kv: int) -> int:
    """Falcon new decoder: fused QKV, dense out, 4x GELU MLP, ln_attn + ln_mlp with bias, tied head."""
    head_dim = 64
    layer = hidden * (heads + 2 * kv) * head_dim + hidden * hidden + 2 * hidden * 4 * hidden + 2 * 2 * hidden
    return vocab * hidden + layers * layer + 2 * hidden


# card id -> total computed from config.json (no exact published count found)
HAND_COUNTED = {
    # Llama 2 70B's published 68,976,648,192 plus 16 infilling rows in embedding and head.
    "meta/codellama-70b-instruct": 68_976_648_192 + 2 * 16 * 8_192,
    "nvidia/mistral-nemo-minitron-8b-instruct": _llama_like(131_072, 4_096, 40, 32, 8, 128, 11_520, tied=False),
    # nemotron: plain squared-ReLU MLP (up, down), LayerNorm with bias, untied head.
    "nvidia/nemotron-mini-4b-instruct": (
        2 * 256_000 * 3_072
        + 32 * (2 * 3_072 * 3_072 + 2 * 3_072 * 1_024 + 2 * 3_072 * 9_216 + 2 * 2 * 3_072)
        + 2 * 3_072
    ),
    "tiiuae/falcon-40b": _falcon(65_024, 8_192, 60, 128, 8),
    "tiiuae/falcon-180b": _falcon(65_024, 14_848, 80, 232, 8),
    # granitemoe: 40 SwiGLU experts of width 512 per layer, router without bias, tied head.
    "ibm-granite/granite-3.1-3b-a800m-instruct": (
        49_155 * 1_536
        + 32 * (2 * 1_536 * 1_536 + 2 * 1_536 * 512 + 40 * 3 * 1_536 * 512 + 1_536 * 40 + 2 * 1_536)
        + 1_536
    ),
}

# Values read from each card's config.json source: card id -> {architecture path: value}
CONFIG: dict[str, dict[str, Any]] = {
    "meta/codellama-7b-instruct": {"layers": 32, "hidden_size": 4_096, "intermediate_size": 11_008,
                                   "vocab_size": 32_016, "attention.kv_heads": 32, "max_position_embeddings": 16_384},
    "meta/codellama-34b-instruct": {"layers": 48, "hidden_size": 8_192, "intermediate_size": 22_016,
                                    "vocab_size": 32_000, "attention.heads": 64, "attention.kv_heads": 8},
    "meta/codellama-70b-instruct": {"layers": 80, "intermediate_size": 28_672, "vocab_size": 32_016,
                                    "max_position_embeddings": 4_096},
    "huggingfacetb/smollm2-1.7b-instruct": {"layers": 24, "hidden_size": 2_048, "intermediate_size": 8_192,
                                            "attention.heads": 32, "attention.kv_heads": 32, "tied_embeddings": True,
                                            "max_position_embeddings": 8_192},
    "huggingfacetb/smollm2-135m-instruct": {"layers": 30, "hidden_size": 576, "intermediate_size": 1_536,
                                            "attention.heads": 9, "attention.kv_heads": 3, "vocab_size": 49_152},
    "microsoft/phi-3.5-mini-instruct": {"layers": 32, "hidden_size": 3_072, "intermediate_size": 8_192,
                                        "vocab_size": 32_064, "max_position_embeddings": 131_072},
    "nvidia/mistral-nemo-minitron-8b-instruct": {"layers": 40, "hidden_size": 4_096, "intermediate_size": 11_520,
                                                 "attention.head_dim": 128, "attention.kv_heads": 8,
                                                 "vocab_size": 131_072, "max_position_embeddings": 8_192,
                                                 "attention.sliding_window": None},
    "nvidia/nemotron-mini-4b-instruct": {"layers": 32, "hidden_size": 3_072, "intermediate_size": 9_216,
                                         "attention.heads": 24, "attention.kv_heads": 8, "attention.head_dim": 128,
                                         "vocab_size": 256_000, "activation": "relu2", "tied_embeddings": False,
                                         "max_position_embeddings": 4_096},
    "ibm-granite/granite-3.1-3b-a800m-instruct": {"layers": 32, "hidden_size": 1_536, "attention.heads": 24,
                                                  "attention.kv_heads": 8, "experts.total": 40, "experts.active": 8,
                                                  "experts.intermediate_size": 512, "vocab_size": 49_155,
                                                  "tied_embeddings": True, "max_position_embeddings": 131_072},
    "tiiuae/falcon3-1b-instruct": {"layers": 18, "hidden_size": 2_048, "intermediate_size": 8_192,
                                   "attention.heads": 8, "attention.kv_heads": 4, "attention.head_dim": 256,
                                   "max_position_embeddings": 8_192, "tied_embeddings": False},
    "tiiuae/falcon3-3b-instruct": {"layers": 22, "hidden_size": 3_072, "intermediate_size": 9_216,
                                   "attention.heads": 12, "attention.kv_heads": 4, "max_position_embeddings": 32_768},
    "tiiuae/falcon3-10b-instruct": {"layers": 40, "intermediate_size": 23_040, "max_position_embeddings": 32_768},
    "tiiuae/falcon-180b": {"hidden_size": 14_848, "attention.heads": 232, "attention.kv_heads": 8,
                           "vocab_size": 65_024, "max_position_embeddings": 2_048, "attention.qkv_bias": False},
    # Command R7B: three sliding-window layers (4,096 tokens) then one global layer.
    "cohere/c4ai-command-r7b-12-2024": {"attention.sliding_window.size": 4_096,
                                        "attention.sliding_window.pattern": "LLLG"},
    # Mistral-Small-3.1-24B-Instruct-2503 text_config, shared by Devstral and Magistral Small.
    "mistralai/devstral-small-2505": {"layers": 40, "hidden_size": 5_120, "intermediate_size": 32_768,
                                      "attention.heads": 32, "attention.kv_heads": 8, "attention.head_dim": 128,
                                      "vocab_size": 131_072, "max_position_embeddings": 131_072},
}

CLOSED = ["openai/gpt-4o", "openai/gpt-4.1", "openai/gpt-5", "anthropic/claude-sonnet-4.5",
          "anthropic/claude-opus-4.1", "google/gemini-2.5-pro", "google/gemini-2.5-flash"]


def _get(arch: Mapping[str, Any], path: str) -> Any:
    node: Any = arch
    for key in path.split("."):
        node = node[key]
    return node


@pytest.mark.parametrize("card_id", sorted(PUBLISHED))
def test_card_declares_and_derives_published_total(card_id: str, registry_cards: dict[str, Card]) -> None:
    expected, _where = PUBLISHED[card_id]
    card = registry_cards[card_id].data
    assert card["parameters"]["total"] == expected
    derived = count_parameters(card)
    assert derived is not None, f"{card_id}: architecture incomplete"
    assert derived.total == expected


@pytest.mark.parametrize("card_id", sorted(HAND_COUNTED))
def test_hand_counted_total(card_id: str, registry_cards: dict[str, Card]) -> None:
    expected = HAND_COUNTED[card_id]
    card = registry_cards[card_id].data
    assert card["parameters"]["total"] == expected
    derived = count_parameters(card)
    assert derived is not None and derived.total == expected
    # The notes must say the count was made by hand and show the result.
    assert f"{expected:,}" in (card["notes"] or "")


def test_hand_counts_written_out() -> None:
    # The helpers above, checked once against plain arithmetic for one model each.
    assert HAND_COUNTED["tiiuae/falcon-40b"] == 532_676_608 + 60 * 679_510_016 + 16_384 == 41_303_293_952
    assert HAND_COUNTED["nvidia/mistral-nemo-minitron-8b-instruct"] == 8_414_105_600
    assert HAND_COUNTED["ibm-granite/granite-3.1-3b-a800m-instruct"] == 3_298_793_472


@pytest.mark.parametrize("card_id", sorted(CONFIG))
def test_architecture_matches_config_json(card_id: str, registry_cards: dict[str, Card]) -> None:
    arch = registry_cards[card_id].data["architecture"]
    wrong = {path: (_get(arch, path), value) for path, value in CONFIG[card_id].items() if _get(arch, path) != value}
    assert not wrong, f"{card_id}: card vs config.json {wrong}"


def test_phi_35_moe_extra_is_the_output_head_bias(registry_cards: dict[str, Card]) -> None:
    # lm_head.bias has one element per vocabulary row; the schema has no field for it.
    card = registry_cards["microsoft/phi-3.5-moe-instruct"].data
    assert card["parameters"]["extra"] == card["architecture"]["vocab_size"] == 32_064


@pytest.mark.parametrize("card_id", CLOSED)
def test_closed_models_publish_no_sizes(card_id: str, registry_cards: dict[str, Card]) -> None:
    card = registry_cards[card_id].data
    assert card["open_weights"] is False
    assert card["parameters"] == {"total": None, "active": None, "extra": None}
    arch = card["architecture"]
    assert all(v is None for k, v in arch.items() if k != "attention")
    assert all(v is None for v in arch["attention"].values())
    assert count_parameters(card) is None
