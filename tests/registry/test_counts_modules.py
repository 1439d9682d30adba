"""Cards with MTP modules or vision encoders derive their published counts, part by part.

Totals are the Hub's safetensors element counts (AlexsJones/llmfit
llmfit-core/data/hf_models.json @ a3e0eb27c57fe05298292f4c61699b9aed2824ea, parameters_raw,
scraped from the Hub API's safetensors.total), less FP8 block scales where noted; the parts
are the published splits (DeepSeek: 671B main + 14B MTP, README_WEIGHTS.md) or the shared
refdata's text-only counts. Written out here, independently of the cards.
"""

from __future__ import annotations

import pytest

from generator.calc.params import count_parameters
from generator.card import Card

DS_SCALES = 41_540_496  # FP8 weight_scale_inv elements in DeepSeek-V3's 684,531,386,000

# card id -> (published total, the part outside the text model, its published size or None)
PUBLISHED = {
    "deepseek/deepseek-v3": (684_531_386_000 - DS_SCALES, "mtp", None),
    "deepseek/deepseek-r1": (684_531_386_000 - DS_SCALES, "mtp", None),
    "deepseek/deepseek-v3.1": (684_531_386_000 - DS_SCALES, "mtp", None),
    "zai-org/glm-4.5": (358_337_791_296, "mtp", None),
    "zai-org/glm-4.5-air": (110_468_824_832, "mtp", None),
    "zai-org/glm-4.6": (356_785_898_816, "mtp", None),
    "xiaomimimo/mimo-7b-rl": (7_833_409_536, "mtp", None),  # MiMo-7B-Base's count, same config
    "google/gemma-3-4b": (4_300_079_472, "vision_encoder", 4_300_079_472 - 3_880_263_168),
    "meta/llama-4-scout-17b-16e": (108_641_793_536, "vision_encoder", 108_641_793_536 - 107_769_861_120),
    "meta/llama-4-maverick-17b-128e": (401_583_781_376, "vision_encoder", None),
    "qwen/qwen2.5-vl-3b-instruct": (3_754_622_976, "vision_encoder", None),
    "qwen/qwen2.5-vl-7b-instruct": (8_292_166_656, "vision_encoder", None),
    "qwen/qwen2.5-vl-32b-instruct": (33_452_718_336, "vision_encoder", None),
    "qwen/qwen2.5-vl-72b-instruct": (73_410_777_344, "vision_encoder", None),
    # Qwen3-VL: the text model has Qwen3-8B's / Qwen3-4B's shapes (refdata qwen3-8b: 8,190,735,360).
    "qwen/qwen3-vl-8b-instruct": (8_767_123_696, "vision_encoder", 8_767_123_696 - 8_190_735_360),
    "qwen/qwen3-vl-4b-instruct": (4_437_815_808, "vision_encoder", None),
    "qwen/qwen3-vl-32b-instruct": (33_357_390_064, "vision_encoder", 33_357_390_064 - 32_762_123_264),  # Qwen3-32B
    "qwen/qwen3-vl-30b-a3b-instruct": (31_070_754_032, "vision_encoder", None),  # the Thinking variant's count
    # Qwen3-235B-A22B's text count (235,093,634,560) + the same tower as Qwen3-VL-8B's (576,388,336).
    "qwen/qwen3-vl-235b-a22b-instruct": (235_670_022_896, "vision_encoder", 576_388_336),
    # The Hub's safetensors count of Qwen/Qwen3.5-35B-A3B (the same in public copies of llmfit's
    # hf_models.json, parameters_raw, and of Qwen3.6-35B-A3B's safetensors.total; the index's total_size
    # 71,903,645,408 bytes / 2); the text model alone is 34,660,610,688 (a public inventory of the
    # checkpoint), so the MTP module and the vision tower are 1,291,212,016 together.
    "qwen/qwen3.5-35b-a3b": (35_951_822_704, "vision_encoder", None),
    # Qwen3.6-35B-A3B: the Hub's safetensors.total at commit 995ad96e (public records of the Hub API), the same.
    "qwen/qwen3.6-35b-a3b": (35_951_822_704, "vision_encoder", None),
    # keras-hub mistral3_presets.py @ c274763 (24,011,361,280), less Mistral Small 3's text model
    # (23,572,403,200, the 2501 checkpoint's count).
    "mistralai/mistral-small-3.1-24b-instruct-2503": (24_011_361_280, "vision_encoder", 24_011_361_280 - 23_572_403_200),
    "mistralai/mistral-small-3.2-24b-instruct-2506": (24_011_361_280, "vision_encoder", 24_011_361_280 - 23_572_403_200),
}


@pytest.mark.parametrize("cid", sorted(PUBLISHED))
def test_card_declares_and_derives_the_published_count(registry_cards: dict[str, Card], cid: str) -> None:
    total, part, part_size = PUBLISHED[cid]
    card = registry_cards[cid].data
    assert card["parameters"]["total"] == total
    assert not card["parameters"]["extra"]  # every parameter is described by the architecture
    pc = count_parameters(card)
    assert pc is not None and pc.total == total
    assert pc.breakdown[part] > 0
    if part_size is not None:
        assert pc.breakdown[part] == part_size
    # The part is not used for an ordinary text token.
    assert pc.active <= pc.total - pc.breakdown[part]


def test_deepseek_main_model_rounds_to_the_published_671b(registry_cards: dict[str, Card]) -> None:
    # DeepSeek publishes 671B for the main model and "14B" for the MTP module; the module's
    # 13,463,426,304 is the published total less the main model, so DeepSeek rounds it up.
    pc = count_parameters(registry_cards["deepseek/deepseek-v3.1"].data)
    assert pc is not None
    assert round((pc.total - pc.breakdown["mtp"]) / 1e9) == 671
