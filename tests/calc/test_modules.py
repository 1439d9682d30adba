"""MTP modules, vision encoders and rope scaling: exact counts from real config.json values.

Each config below copies the Hugging Face config.json fields that change the parameter count
(the URL is given); each expected total is the Hub's safetensors element count
(``parameters_raw`` = the Hub API's safetensors.total, as scraped in AlexsJones/llmfit
llmfit-core/data/hf_models.json @ a3e0eb27c57fe05298292f4c61699b9aed2824ea, the file the
shared refdata cites), or the published figure named next to it. Nothing here is computed
by the code under test: the part sizes are written out by hand where a part is checked alone.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.calc.params import count_parameters, encoder_params, mtp_params
from generator.importers.hf import ImportErrorHF, architecture_from_config, card_draft

REFDATA = Path(__file__).parent / "refdata"

# https://huggingface.co/Qwen/Qwen2.5-VL-7B-Instruct/blob/main/config.json
QWEN25_VL_7B: dict[str, Any] = {
    "model_type": "qwen2_5_vl", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
    "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 128000,
    "tie_word_embeddings": False, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
    "vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16, "in_chans": 3,
                      "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
}


def _qwen_vl(hidden: int, inner: int, layers: int, heads: int, kv: int, vocab: int, tied: bool,
             vision_inner: int) -> dict[str, Any]:
    cfg = copy.deepcopy(QWEN25_VL_7B)
    cfg.update(hidden_size=hidden, intermediate_size=inner, num_hidden_layers=layers, num_attention_heads=heads,
               num_key_value_heads=kv, vocab_size=vocab, tie_word_embeddings=tied)
    cfg["vision_config"].update(intermediate_size=vision_inner, out_hidden_size=hidden)
    return cfg


# https://huggingface.co/zai-org/GLM-4.5-Air/blob/main/config.json
GLM45_AIR: dict[str, Any] = {
    "model_type": "glm4_moe", "hidden_size": 4096, "intermediate_size": 10944, "num_hidden_layers": 46,
    "num_attention_heads": 96, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151552,
    "max_position_embeddings": 131072, "attention_bias": True, "use_qk_norm": False, "tie_word_embeddings": False,
    "n_routed_experts": 128, "num_experts_per_tok": 8, "n_shared_experts": 1, "moe_intermediate_size": 1408,
    "first_k_dense_replace": 1, "num_nextn_predict_layers": 1, "partial_rotary_factor": 0.5,
}
# https://huggingface.co/zai-org/GLM-4.6/blob/main/config.json
GLM46 = {**GLM45_AIR, "hidden_size": 5120, "intermediate_size": 12288, "num_hidden_layers": 92,
         "n_routed_experts": 160, "moe_intermediate_size": 1536, "first_k_dense_replace": 3, "use_qk_norm": True,
         "max_position_embeddings": 202752}
# https://huggingface.co/XiaomiMiMo/MiMo-7B-Base/blob/main/config.json (MiMo-7B-RL has the same)
MIMO_7B: dict[str, Any] = {
    "model_type": "mimo", "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 36,
    "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 151680, "max_position_embeddings": 32768,
    "tie_word_embeddings": False, "num_nextn_predict_layers": 1,
}
# https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
DEEPSEEK_V3: dict[str, Any] = {
    "model_type": "deepseek_v3", "hidden_size": 7168, "intermediate_size": 18432, "num_hidden_layers": 61,
    "num_attention_heads": 128, "num_key_value_heads": 128, "vocab_size": 129280, "max_position_embeddings": 163840,
    "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
    "n_routed_experts": 256, "num_experts_per_tok": 8, "n_shared_experts": 1, "moe_intermediate_size": 2048,
    "first_k_dense_replace": 3, "moe_layer_freq": 1, "num_nextn_predict_layers": 1,
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                     "original_max_position_embeddings": 4096, "type": "yarn"},
}

# https://huggingface.co/Qwen/Qwen3-VL-8B-Instruct/blob/main/config.json
QWEN3_VL_8B: dict[str, Any] = {
    "model_type": "qwen3_vl",
    "text_config": {"model_type": "qwen3_vl_text", "hidden_size": 4096, "intermediate_size": 12288,
                    "num_hidden_layers": 36, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
                    "vocab_size": 151936, "max_position_embeddings": 262144, "tie_word_embeddings": False,
                    "rope_scaling": {"mrope_interleaved": True, "mrope_section": [24, 20, 20], "rope_type": "default"}},
    "vision_config": {"model_type": "qwen3_vl", "depth": 27, "hidden_size": 1152, "intermediate_size": 4304,
                      "num_heads": 16, "in_channels": 3, "out_hidden_size": 4096, "patch_size": 16,
                      "spatial_merge_size": 2, "temporal_patch_size": 2, "num_position_embeddings": 2304,
                      "deepstack_visual_indexes": [8, 16, 24]},
}
# https://huggingface.co/Qwen/Qwen3-VL-4B-Instruct/blob/main/config.json
QWEN3_VL_4B = copy.deepcopy(QWEN3_VL_8B)
QWEN3_VL_4B["text_config"].update(hidden_size=2560, intermediate_size=9728, tie_word_embeddings=True)
QWEN3_VL_4B["vision_config"].update(depth=24, hidden_size=1024, intermediate_size=4096, out_hidden_size=2560,
                                    deepstack_visual_indexes=[5, 11, 17])
# https://huggingface.co/Qwen/Qwen3-VL-30B-A3B-Thinking/blob/main/config.json
QWEN3_VL_30B_A3B = copy.deepcopy(QWEN3_VL_8B)
QWEN3_VL_30B_A3B["model_type"] = "qwen3_vl_moe"
QWEN3_VL_30B_A3B["text_config"] = {
    **QWEN3_VL_8B["text_config"], "model_type": "qwen3_vl_moe_text", "hidden_size": 2048, "intermediate_size": 6144,
    "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 4, "num_experts": 128,
    "num_experts_per_tok": 8, "moe_intermediate_size": 768, "decoder_sparse_step": 1, "mlp_only_layers": []}
QWEN3_VL_30B_A3B["vision_config"]["out_hidden_size"] = 2048

# https://huggingface.co/mistralai/Mistral-Small-3.1-24B-Instruct-2503/blob/main/config.json (3.2-2506: the same)
MISTRAL_SMALL_31: dict[str, Any] = {
    "model_type": "mistral3", "spatial_merge_size": 2, "multimodal_projector_bias": False,
    "text_config": {"model_type": "mistral", "hidden_size": 5120, "intermediate_size": 32768, "num_hidden_layers": 40,
                    "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 131072,
                    "max_position_embeddings": 131072, "sliding_window": None, "tie_word_embeddings": False},
    "vision_config": {"model_type": "pixtral", "hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
                      "num_attention_heads": 16, "head_dim": 64, "patch_size": 14, "image_size": 1540,
                      "num_channels": 3},
}


def _refdata(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFDATA / name).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(("config", "published"), [
    (QWEN25_VL_7B, 8_292_166_656),
    # https://huggingface.co/Qwen/Qwen2.5-VL-3B-Instruct/blob/main/config.json
    (_qwen_vl(2048, 11008, 36, 16, 2, 151936, True, 3420), 3_754_622_976),
    # https://huggingface.co/Qwen/Qwen2.5-VL-32B-Instruct/blob/main/config.json (vision intermediate 3456)
    (_qwen_vl(5120, 27648, 64, 40, 8, 152064, False, 3456), 33_452_718_336),
    # https://huggingface.co/Qwen/Qwen2.5-VL-72B-Instruct/blob/main/config.json
    (_qwen_vl(8192, 29568, 80, 64, 8, 152064, False, 3456), 73_410_777_344),
    (GLM45_AIR, None),  # MTP copies unknown from config alone: see test_glm_mtp_copies
    (MIMO_7B, 7_833_409_536),  # XiaomiMiMo/MiMo-7B-Base
    (QWEN3_VL_8B, 8_767_123_696),
    (QWEN3_VL_4B, 4_437_815_808),
    (QWEN3_VL_30B_A3B, 31_070_754_032),
    # keras-team/keras-hub keras_hub/src/models/mistral3/mistral3_presets.py @ c274763: "params": 24011361280
    # for Mistral Small 3.1 base and instruct and 3.2 instruct.
    (MISTRAL_SMALL_31, 24_011_361_280),
], ids=["qwen2.5-vl-7b", "qwen2.5-vl-3b", "qwen2.5-vl-32b", "qwen2.5-vl-72b", "glm-4.5-air", "mimo-7b",
        "qwen3-vl-8b", "qwen3-vl-4b", "qwen3-vl-30b-a3b", "mistral-small-3.1"])
def test_imported_checkpoint_counts_equal_published(config: dict[str, Any], published: int | None) -> None:
    draft = card_draft(config, "test/x")
    pc = count_parameters(draft)
    if published is None:
        assert pc is None  # an unknown MTP layout leaves the count unknown, never a guess
    else:
        assert pc is not None and pc.total == published


def test_multimodal_refdata_counts_split_into_text_and_vision() -> None:
    # tests/calc/refdata (copied from the shared refdata): Gemma 3 4B and Llama 4 Scout, with the
    # published safetensors totals and the text-only counts the refdata's independent counter found.
    for name in ("gemma-3-4b.json", "llama-4-scout-17b-16e.json"):
        ref = _refdata(name)
        draft = card_draft(ref["config"], "test/x")
        assert draft["modalities"]["input"] == ["text", "image"] and draft["parameters"]["extra"] == 0
        pc = count_parameters(draft)
        assert pc is not None
        assert pc.total == ref["total_params_published"] == ref["parameters_true"]
        assert pc.total - pc.breakdown["vision_encoder"] == ref["parameters_text_only"]
        assert pc.active <= pc.total - pc.breakdown["vision_encoder"]  # the tower is not active per text token


def test_siglip_tower_by_hand() -> None:
    # SigLIP-so400m as Gemma 3 uses it (refdata notes: 416,866,032 without the projector):
    h, inner, layers, patch, image = 1152, 4304, 27, 14, 896
    layer = 4 * (h * h + h) + 2 * 2 * h + (h * inner + inner) + (inner * h + h)
    tower = 3 * patch * patch * h + h + (image // patch) ** 2 * h + layers * layer + 2 * h
    assert tower == 416_866_032
    enc = {"kind": "siglip", "layers": layers, "hidden_size": h, "intermediate_size": inner, "heads": 16,
           "patch_size": patch, "image_size": image}
    assert encoder_params(enc, 2560) == tower + h * 2560 + h


def test_qwen3_vl_tower_by_hand() -> None:
    # Qwen3-VL-8B: 8,767,123,696 published less the Qwen3-8B-shaped text model (8,190,735,360,
    # tests/calc/refdata/qwen3-8b.json) leaves 576,388,336 for the vision side:
    h, inner, layers, out, wide = 1152, 4304, 27, 4096, 1152 * 4
    layer = 2 * 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * inner + inner) + (inner * h + h)
    tower = 3 * 2 * 16 * 16 * h + h + 2304 * h + layers * layer
    merger = (wide * wide + wide) + (wide * out + out)
    vision = tower + 2 * h + merger + 3 * (2 * wide + merger)
    assert vision == 8_767_123_696 - _refdata("qwen3-8b.json")["parameters_true"] == 576_388_336
    pc = count_parameters(card_draft(QWEN3_VL_8B, "test/x"))
    assert pc is not None and pc.breakdown["vision_encoder"] == vision


def test_glm_mtp_copies() -> None:
    # GLM-4.5-Air stores its own embedding and head in the MTP layer (the published 110,468,824,832
    # closes only with them); GLM-4.6 does not (356,785,898,816 closes only without them: 2 x
    # 151,552 x 5,120 fewer than GLM-4.5's 358,337,791,296 with the same shapes).
    for config, copies, published in ((GLM45_AIR, True, 110_468_824_832), (GLM46, False, 356_785_898_816)):
        draft = card_draft(config, "test/x")
        assert draft["architecture"]["mtp"] == {"modules": 1, "block": "moe", "own_embedding": None, "own_head": None}
        draft["architecture"]["mtp"].update(own_embedding=copies, own_head=copies)
        assert _count_card(draft) == published


def _count_card(card: dict[str, Any]) -> int:
    pc = count_parameters(card)
    assert pc is not None
    return pc.total


def test_deepseek_v3_mtp_and_rope_from_config() -> None:
    draft = card_draft(DEEPSEEK_V3, "test/x")
    arch = draft["architecture"]
    assert arch["rope_scaling"] == {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                                    "in_config": True}
    assert arch["mtp"] == {"modules": 1, "block": "moe", "own_embedding": True, "own_head": True}
    # 684,531,386,000 safetensors elements less 41,540,496 FP8 weight_scale_inv scales (README_WEIGHTS.md);
    # DeepSeek: 671B main model + 14B MTP.
    assert _count_card(draft) == 684_531_386_000 - 41_540_496
    assert round(mtp_params(arch) / 1e9) == 13


def test_rope_scaling_types() -> None:
    base = {k: v for k, v in MIMO_7B.items() if k != "num_nextn_predict_layers"}
    assert "rope_scaling" not in architecture_from_config(base)
    # Llama 4 Scout ships llama3 scaling (refdata: factor 16, original 8192).
    scout = architecture_from_config(_refdata("llama-4-scout-17b-16e.json")["config"])
    assert scout["rope_scaling"] == {"type": "llama3", "factor": 16.0, "original_max_position_embeddings": 8192,
                                     "in_config": True}
    with pytest.raises(ImportErrorHF, match=r"rope_scaling.rope_type: unsupported \"ntk-by-parts\""):
        architecture_from_config({**base, "rope_scaling": {"rope_type": "ntk-by-parts", "factor": 2}})
    with pytest.raises(ImportErrorHF, match=r"rope_scaling.factor: must be a number from 1 to 1024"):
        architecture_from_config({**base, "rope_scaling": {"type": "yarn", "factor": "4"}})


def test_unknown_types_keep_the_clear_error() -> None:
    with pytest.raises(ImportErrorHF, match=r"model_type: unsupported model_type \"gemma4\"; supported: "):
        architecture_from_config({"model_type": "gemma4", "text_config": {}})


def test_gemma3_mmproj_file_size() -> None:
    # bartowski/google_gemma-3-4b-it-GGUF lists mmproj-google_gemma-3-4b-it-f16.gguf at 851MB (and the F32
    # one at 1.68GB): https://huggingface.co/bartowski/google_gemma-3-4b-it-GGUF (as mirrored by
    # https://mygguf.com/models/bartowski_google_gemma-3-4b-it-GGUF).
    from generator.calc.modules import mmproj_tensor_bytes
    ref = _refdata("gemma-3-4b.json")
    enc = card_draft(ref["config"], "test/x")["architecture"]["vision_encoder"]
    predicted = mmproj_tensor_bytes(enc, 2560)
    assert abs(predicted / 851e6 - 1) < 0.001  # "851MB" is rounded to the megabyte
    # Without the converter's F32 rules (1-D tensors, Gemma 3's patch and position embeddings) the
    # estimate would be 1.3% short: the rules are what brings it within 1%.
    assert 1 - encoder_params(enc, 2560) * 2 / 851e6 > 0.01


def test_engine_part_rules() -> None:
    from generator.calc.modules import part_rules
    ds = card_draft(DEEPSEEK_V3, "test/x")
    glm = card_draft(GLM45_AIR, "test/x")
    glm["architecture"]["mtp"].update(own_embedding=True, own_head=True)
    qwen = card_draft(QWEN25_VL_7B, "test/x")
    (ds_cpp,), (glm_cpp,), (qwen_cpp,) = (part_rules(c, "llama.cpp") for c in (ds, glm, qwen))
    assert (ds_cpp.part, ds_cpp.loaded, ds_cpp.where) == ("mtp", False, "not in the file")
    assert (glm_cpp.part, glm_cpp.loaded, glm_cpp.where) == ("mtp", False, "main file")
    assert (qwen_cpp.part, qwen_cpp.loaded, qwen_cpp.where) == ("vision_encoder", False, "mmproj file")
    (ds_v,), (qwen_v,) = part_rules(ds, "vllm"), part_rules(qwen, "vllm")
    assert not ds_v.loaded and qwen_v.loaded and qwen_v.parameters == 8_292_166_656 - 7_615_616_512
    with pytest.raises(ValueError, match="unknown engine 'sglang'"):
        part_rules(ds, "sglang")
