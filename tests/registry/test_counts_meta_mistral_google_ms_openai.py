"""Registry cards for Meta, Mistral AI, Google, Microsoft and OpenAI derive their published counts.

Each expected total below is the publicly reported figure, written out here
independently of the cards: the Hugging Face safetensors element count of the
checkpoint (minus non-parameter buffers or quantization scales where noted).
The test checks both that the card declares that figure and that the
calculator, fed only the card's architecture (+ parameters.extra), reproduces it.
"""

from __future__ import annotations

from typing import Any, Mapping

import pytest

from generator.calc.params import count_parameters
from generator.card import Card

# card id -> (published total, where the figure comes from)
PUBLISHED = {
    "meta/llama-2-7b": (6_738_415_616, "HF Llama-2-7b-chat-hf count without rotary inv_freq buffers"),
    "meta/llama-2-13b": (13_015_864_320, "HF Llama-2-13b-chat-hf"),
    "meta/llama-2-70b": (68_976_648_192, "Llama 2 70B count listed for togethercomputer/llama-2-70b"),
    "meta/llama-3-8b": (8_030_261_248, "HF meta-llama/Meta-Llama-3-8B"),
    "meta/llama-3-70b": (70_553_706_496, "HF meta-llama/Meta-Llama-3-70B"),
    "meta/llama-3.1-70b": (70_553_706_496, "HF meta-llama/Llama-3.1-70B"),
    "meta/llama-3.1-405b": (405_853_388_800, "HF meta-llama/Llama-3.1-405B"),
    "meta/llama-3.2-1b": (1_235_814_400, "HF meta-llama/Llama-3.2-1B"),
    "meta/llama-3.2-3b": (3_212_749_824, "HF meta-llama/Llama-3.2-3B"),
    "meta/llama-3.3-70b": (70_553_706_496, "HF meta-llama/Llama-3.3-70B-Instruct"),
    "meta/llama-4-scout-17b-16e": (108_641_793_536, "HF Scout checkpoint incl. vision tower"),
    "meta/llama-4-maverick-17b-128e": (401_583_781_376, "HF Llama-4-Maverick-17B-128E-Instruct"),
    "mistralai/mistral-7b-v0.1": (7_241_732_096, "HF mistralai/Mistral-7B-v0.1"),
    "mistralai/mistral-7b-v0.3": (7_248_023_552, "HF mistralai/Mistral-7B-Instruct-v0.3"),
    "mistralai/mixtral-8x7b": (46_702_792_704, "HF Mixtral-8x7B-Instruct-v0.1"),
    "mistralai/mixtral-8x22b": (140_630_071_296, "HF Mixtral-8x22B-Instruct-v0.1"),
    "mistralai/mistral-nemo-12b": (12_247_782_400, "Mistral-Nemo-Instruct-2407 parameter count"),
    "mistralai/mistral-small-24b-2501": (23_572_403_200, "HF BF16 count of the Mistral Small 24B architecture"),
    "google/gemma-2-2b": (2_614_341_888, "HF google/gemma-2-2b-it"),
    "google/gemma-2-9b": (9_241_705_984, "HF google/gemma-2-9b-it"),
    "google/gemma-2-27b": (27_227_128_320, "HF google/gemma-2-27b-it"),
    "google/gemma-3-1b": (999_885_952, "HF google/gemma-3-1b-it"),
    "google/gemma-3-4b": (4_300_079_472, "HF google/gemma-3-4b-it incl. vision tower"),
    "google/gemma-3-12b": (12_187_325_040, "HF google/gemma-3-12b-pt incl. vision tower"),
    "google/gemma-3-27b": (27_432_406_640, "HF google/gemma-3-27b-it incl. vision tower"),
    "microsoft/phi-3-mini-4k": (3_821_079_552, "HF microsoft/Phi-3-mini-4k-instruct"),
    "microsoft/phi-3-medium-4k": (13_960_238_080, "HF microsoft/Phi-3-medium-4k-instruct"),
    "microsoft/phi-4": (14_659_507_200, "phi-4 safetensors element count"),
    # MXFP4 releases: HF counts 21,511,953,984 / 120,412,337,472 include block scales.
    "openai/gpt-oss-20b": (20_914_757_184, "BF16 conversion of openai/gpt-oss-20b"),
    "openai/gpt-oss-120b": (116_829_156_672, "BF16 conversion of openai/gpt-oss-120b"),
    # HF counts 137,022,720 / 379,988,992 include the attn.bias causal-mask buffers.
    "openai/gpt-2": (124_439_808, "GPT-2 small parameter count"),
    "openai/gpt-2-medium": (354_823_168, "GPT-2 medium parameter count"),
}


@pytest.mark.parametrize("card_id", sorted(PUBLISHED))
def test_card_declares_and_derives_published_total(card_id: str, registry_cards: dict[str, Card]) -> None:
    expected, _where = PUBLISHED[card_id]
    card = registry_cards[card_id].data
    assert card["parameters"]["total"] == expected
    derived = count_parameters(card)
    assert derived is not None, f"{card_id}: architecture incomplete"
    assert derived.total == expected


def test_behemoth_keeps_only_disclosed_figures(registry_cards: dict[str, Card]) -> None:
    # Meta disclosed 288B active, 16 experts, "nearly two trillion" total; nothing else.
    card: Mapping[str, Any] = registry_cards["meta/llama-4-behemoth"].data
    assert card["status"] == "unreleased"
    assert card["parameters"]["active"] == 288_000_000_000
    assert card["parameters"]["total"] == 2_000_000_000_000
    assert card["architecture"]["experts"]["total"] == 16
    assert card["architecture"]["layers"] is None
    assert card["architecture"]["hidden_size"] is None
    assert count_parameters(card) is None
