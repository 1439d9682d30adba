"""Memory components against hand computations and real GGUF file sizes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from calc_refmodels import gguf_sizes, real_file_cards, real_file_sizes, reference_models
from generator.calc.catalogs import CatalogError, load_catalogs, parse_catalogs
from generator.calc import derive, vram_at
from generator.calc.memory import activation_width, activations_bytes, kv_cache_bytes, kv_groups, weight_bytes
from generator.calc.tensors import inventory
from generator.importers.hf import card_draft
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
def registry_cards() -> list[dict]:
    """The real registry's cards (loaded when a test asks, not at collection)."""
    return [c.data for c in load_registry(ROOT / "registry")[0]]
MODELS = {m["_file"]: m for m in reference_models()}
F16 = (1, 2)
Q8_0 = (32, 34)


def _card(name: str) -> dict:
    return card_draft(MODELS[name]["config"], "ref/" + name)


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def test_kv_llama_gqa_by_hand():
    # 2 (K and V) x 8 kv heads x 128 head_dim x 32 layers x 8192 tokens x 2 bytes
    expected = 2 * 8 * 128 * 32 * 8192 * 2
    assert expected == 1_073_741_824
    groups = kv_groups(_card("llama-3.1-8b"))
    assert kv_cache_bytes(groups, 8192, 1, F16) == expected
    # Q8_0: 34 bytes per 32 values
    assert kv_cache_bytes(groups, 8192, 1, Q8_0) == (expected // 2) * 34 // 32
    assert kv_cache_bytes(groups, 8192, 4, F16) == 4 * expected


def test_kv_gemma3_sliding_pattern_by_hand():
    # 26 layers, 5 local (window 512) : 1 global -> global layers 5, 11, 17, 23
    per_layer_token = 2 * 1 * 256  # 1 kv head x head_dim 256, K and V
    local = 22 * per_layer_token * 512 * 2
    glob = 4 * per_layer_token * 32768 * 2
    assert local + glob == 145_752_064
    assert kv_cache_bytes(kv_groups(_card("gemma-3-1b")), 32768, 1, F16) == local + glob


def test_kv_mla_latent_by_hand():
    # DeepSeek-V2-Lite: 27 layers cache kv_lora_rank 512 + rope 64 = 576 values per token
    expected = 27 * (512 + 64) * 4096 * 2
    assert expected == 127_401_984
    assert kv_cache_bytes(kv_groups(_card("deepseek-v2-lite")), 4096, 1, F16) == expected


def test_activations_by_hand():
    # Llama 3.1 8B: vocab 128,256 + 4 x hidden 4,096 + 2 x FFN 14,336 values per token, F32 (4 bytes),
    # for one micro-batch of at most 512 tokens (context x batch when smaller).
    width = 128_256 + 4 * 4096 + 2 * 14_336
    assert width == 173_312
    card = _card("llama-3.1-8b")
    assert activation_width(card) == width
    assert activations_bytes(width, 100, 3) == 4 * 300 * width  # 300 tokens < 512
    assert activations_bytes(width, 100, 6) == 4 * 512 * width  # 600 tokens: one 512-token micro-batch
    assert activations_bytes(width, 1, 1) == 4 * width
    # MoE: the widest FFN is the active experts' (Mixtral: 2 x 14,336) against no dense FFN.
    mixtral = _card("mixtral-8x7b-v0.1")
    assert activation_width(mixtral) == 32_000 + 4 * 4096 + 2 * (2 * 14_336)


def test_production_calls_the_pinned_formulas(catalogs):
    # derive()'s table rows and vram_at() give the hand-computed KV cache and activations above.
    d = derive(_card("llama-3.1-8b"), catalogs)
    row = next(r for r in d["vram"] if r["context"] == 8192 and r["batch"] == 1)
    assert row["kv_cache_bytes"] == 1_073_741_824
    assert row["activations_bytes"] == 4 * 512 * 173_312
    q = vram_at(d, "BF16", "Q8_0", 100, 3)
    assert q["kv_cache_bytes"] == 2 * 8 * 128 * 32 * 300 * 34 // 32
    assert q["activations_bytes"] == 4 * 300 * 173_312


def test_kv_llama4_chunked_layers_capped():
    groups = kv_groups(_card("llama-4-scout-17b-16e"))
    per = 2 * 8 * 128
    # 36 chunked layers hold at most 8192 tokens; 12 global (NoPE) layers hold everything
    assert kv_cache_bytes(groups, 1_000_000, 1, F16) == (36 * per * 8192 + 12 * per * 1_000_000) * 2


def test_gguf_q4_0_within_3_percent_of_real_files(catalogs):
    q = catalogs.quantization("Q4_0")
    files = {"models/llama-3.1-8b.json": "llama-3.1-8b", "models/mistral-7b-v0.1.json": "mistral-7b-v0.1"}
    checked = 0
    for entry in gguf_sizes()["exact"]:
        ref = entry["reference_model_file"].split(" ")[0]
        name = files.get(ref) or ("qwen2.5-7b" if ref == "models/qwen2.5-7b.json" else None)
        assert name, ref
        predicted = weight_bytes(inventory(_card(name)), q, catalogs, 0).total
        err = abs(predicted - entry["bytes"]) / entry["bytes"]
        assert err < 0.03, (entry["file"], predicted, entry["bytes"])
        checked += 1
    assert checked == 3


def test_gguf_files_match_up_to_the_same_metadata_at_every_quantization(catalogs):
    # 188 real files of 35 uploads (repositories) covering 29 models from 0.5B to 70B: dense and
    # MoE, tied and untied embeddings, grouped-query and fused QKV attention, 16 to 80 layers,
    # rows that are not whole blocks; Q2_K to Q8_0, IQ2_XXS, F16 and F32; llama.cpp of 2023 to
    # 2025. A file is tensor data plus metadata (tokenizer, hyperparameters) that does not depend
    # on the quantization. So if the predicted tensor bytes are exact, real - predicted is the
    # same for every file of one upload, up to alignment padding and split-file headers (at most
    # 1,664 bytes seen); one wrong per-layer rule or type would move it by 100 KB or more.
    data = real_file_sizes()
    cards = real_file_cards()
    residuals: dict[str, list[int]] = {}
    for entry in data["files"]:
        q = catalogs.quantization(entry["quant"])
        predicted = weight_bytes(inventory(cards[entry["model"]]), q, catalogs, 0).total
        assert abs(predicted - entry["bytes"]) / entry["bytes"] < 0.03, entry["file"]
        residuals.setdefault(entry.get("group", entry["model"]), []).append(entry["bytes"] - predicted)
    # at least the 188 files of 35 uploads named above (a floor, so adding files needs no edit here)
    assert len(data["files"]) >= 188 and len(residuals) >= 35
    for upload, values in residuals.items():
        assert len(values) >= 2, upload
        assert max(values) - min(values) <= 4096, (upload, values)
        # a 32k-token vocabulary: about 0.7 MB of metadata; 128k-256k tokens: 6-8 MB
        assert 0 < min(values) < 16_000_000, (upload, values)
    # GPT4All's Q4_0 file of Mistral-7B-Instruct-v0.1 (refdata/gguf_sizes.json) has the same residual
    # as TheBloke's Q4_K_M and Q5_K_M files of that model.
    q4_0 = next(e for e in gguf_sizes()["exact"] if e["file"] == "mistral-7b-instruct-v0.1.Q4_0.gguf")
    predicted = weight_bytes(inventory(cards["mistral-7b-v0.1"]), catalogs.quantization("Q4_0"), catalogs, 0).total
    assert [q4_0["bytes"] - predicted] == sorted(set(residuals["mistral-7b-v0.1"]))


def test_safetensors_checkpoints_bf16_awq_fp8_within_a_tenth_of_a_percent(catalogs):
    # 14 real checkpoints of 6 models (8B to 70B, one MoE): BF16 and AWQ exceed the predicted
    # tensor bytes only by their JSON headers; FP8 checkpoints store scales per channel or per
    # 128 x 128 block (the catalog assumes blocks), a few MB either way.
    data = real_file_sizes()
    cards = real_file_cards()
    checked = set()
    for entry in data["safetensors"]:
        card = cards[entry["model"]]
        q = catalogs.quantization(entry["quant"])
        predicted = weight_bytes(inventory(card), q, catalogs, int(card["parameters"].get("extra") or 0)).total
        error = (predicted - entry["bytes"]) / entry["bytes"]
        assert abs(error) < 0.001, (entry["checkpoint"], predicted, entry["bytes"])
        if entry["quant"] != "FP8":
            assert 0 < entry["bytes"] - predicted < 300_000, entry["checkpoint"]  # the header
        checked.add(entry["quant"])
    assert checked == {"BF16", "AWQ-4bit", "FP8"} and len(data["safetensors"]) >= 14


def test_q4_0_llama3_tensor_bytes_by_hand(catalogs):
    # The layout in gguf_sizes.json notes: Q4_0 body, Q6_K output, F32 norms.
    body = 7_504_658_432 * 18 // 32
    output = 525_336_576 * 210 // 256
    norms = 266_240 * 4
    got = weight_bytes(inventory(_card("llama-3.1-8b")), catalogs.quantization("Q4_0"), catalogs, 0).total
    assert got == body + output + norms == 4_653_375_488


def test_fused_qkv_is_one_tensor_for_the_quantizer_by_hand(catalogs):
    # Phi-4: 40 layers, hidden 5120, 40 heads and 10 KV heads of 128. Fused, the projection is
    # one 5120 x (5120 + 2 * 1280) matrix per layer, which llama.cpp's Q4_K_M stores at Q5_K
    # (176 bytes per 256); separate, q and k stay Q4_K (144) and v takes Q6_K (210) on the
    # "more bits" layers. Q8_0 has no rule for either, so the two layouts cost the same.
    card = copy.deepcopy(next(c for c in registry_cards() if c["id"] == "microsoft/phi-4"))
    assert card["architecture"]["attention"]["fused_qkv"] is True
    split = copy.deepcopy(card)
    split["architecture"]["attention"]["fused_qkv"] = False
    q4km, q8 = catalogs.quantization("Q4_K_M"), catalogs.quantization("Q8_0")
    fused_qkv = 40 * 5120 * 7680 * 176 // 256
    n = 40  # use_more_bits(i, 40): i < 5, i >= 35, or (i - 5) % 3 == 2 -> 5 + 5 + 10 layers
    more = sum(1 for i in range(n) if i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2)
    assert more == 20
    separate = 40 * 5120 * (5120 + 1280) * 144 // 256 + 5120 * 1280 * (more * 210 + (n - more) * 144) // 256
    fused_total = weight_bytes(inventory(card), q4km, catalogs, 0).total
    split_total = weight_bytes(inventory(split), q4km, catalogs, 0).total
    assert fused_total - split_total == fused_qkv - separate == 162_816_000
    assert weight_bytes(inventory(card), q8, catalogs, 0).total == weight_bytes(inventory(split), q8, catalogs, 0).total
    # LoRA adapts the fused matrix as one module (PEFT's qkv_proj): rank x (in + out) once per
    # layer instead of three times, so 2 x 5120 x rank fewer trainable parameters per layer.
    from generator.calc.training import LORA_RANK, lora_parameters

    assert lora_parameters(inventory(split)) - lora_parameters(inventory(card)) == 40 * 2 * 5120 * LORA_RANK


def test_bf16_weights_are_two_bytes_per_parameter(catalogs):
    # 16,060,522,496 = model.safetensors.index.json total_size for Llama 3 8B (reference data)
    got = weight_bytes(inventory(_card("llama-3.1-8b")), catalogs.quantization("BF16"), catalogs, 0).total
    assert got == 16_060_522_496


def test_catalog_contents(catalogs):
    ids = {q["id"] for q in catalogs.quantizations}
    need = {"FP32", "BF16", "FP16", "FP8", "INT8", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0",
            "AWQ-4bit", "GPTQ-4bit", "MXFP4", "Q3_K_M", "Q2_K", "IQ2_XXS"}
    assert need <= ids
    assert {"F16", "BF16", "FP8", "Q8_0", "Q4_0"} <= set(catalogs.kv_dtypes)
    assert len(catalogs.gpus) >= 13
    for q in catalogs.quantizations:
        assert q["source"]["url"].startswith("https://")


def test_catalog_unknown_type_is_a_clear_error():
    doc = {"tensor_types": [{"id": "F16", "block_weights": 1, "block_bytes": 2}], "gguf_shape_fallback": {},
           "quantizations": [{"id": "X", "types": {"default": "NOPE"}}], "kv_cache_dtypes": []}
    with pytest.raises(CatalogError, match=r"^quantizations.yaml:1:1: quantizations\[0\]\.types\.default: unknown tensor type 'NOPE'"):
        parse_catalogs(doc, {"gpus": []})


def test_catalog_bad_yaml_reports_location(tmp_path):
    for name in ("quantizations.schema.json", "gpus.yaml", "gpus.schema.json"):
        (tmp_path / name).write_text((ROOT / "schema" / name).read_text())
    (tmp_path / "quantizations.yaml").write_text("version: 1\ntensor_types: [\n")
    with pytest.raises(CatalogError, match=r"quantizations.yaml:3:1: \(top level\): YAML syntax error"):
        load_catalogs(tmp_path)


def _odd_rows_card() -> dict:
    """2 layers, hidden 1000: rows of 1000 are not whole 256-weight K-quant blocks."""
    return {"architecture": {
        "type": "dense", "layers": 2, "hidden_size": 1000, "intermediate_size": 2048, "vocab_size": 512,
        "tied_embeddings": False, "activation": "silu", "mlp": "gated", "mlp_bias": False,
        "normalization": "rmsnorm", "norm_bias": False, "norms_per_layer": 2, "position_embedding": "rope",
        "max_position_embeddings": 4096, "experts": None,
        "attention": {"structure": "GQA", "heads": 8, "kv_heads": 8, "head_dim": None, "qkv_bias": False,
                      "output_bias": False, "qk_norm": "none", "sinks": False, "mla": None, "sliding_window": None},
    }}


def test_gguf_shape_fallback_by_hand(catalogs):
    # Q6_K needs rows of 256; ne0 = 1000 falls back to Q8_0 (34 bytes / 32), ffn_down (ne0 2048) stays Q6_K.
    embd = 512 * 1000 * 34 // 32  # token_embd and output each: 544,000
    attn = 1000 * 1000 * 34 // 32  # q, k, v, o: 1,062,500 each
    gate_up = 1000 * 2048 * 34 // 32  # 2,176,000 each
    down = 2048 * 1000 * 210 // 256  # 1,680,000
    norms = 2 * 1000 * 4  # two F32 norms per layer
    expected = 2 * embd + 2 * (4 * attn + 2 * gate_up + down + norms) + 1000 * 4
    assert expected == 21_672_000
    got = weight_bytes(inventory(_odd_rows_card()), catalogs.quantization("Q6_K"), catalogs, 0)
    assert got.total == expected
    assert got.input_embedding == embd


def test_block_scaled_fp8_floors_per_tensor_by_hand(catalogs):
    # FP8 with 128x128 scales: 16384 weights -> 16388 bytes, floored tensor by tensor (no GGUF fallback).
    attn = 1000 * 1000 * 16388 // 16384  # 1,000,244 (not a whole number of blocks)
    ffn = 1000 * 2048 * 16388 // 16384  # 2,048,500 (125 blocks)
    per_layer = 4 * attn + 3 * ffn + 2 * 1000 * 2  # + two BF16 norms
    expected = 2 * per_layer + 2 * 512 * 1000 * 2 + 1000 * 2  # + BF16 embedding, output, final norm
    assert expected == 22_350_952
    assert weight_bytes(inventory(_odd_rows_card()), catalogs.quantization("FP8"), catalogs, 0).total == expected


def test_derive_all_equals_derive_per_card_and_restores_gc(catalogs):
    import gc

    from generator.calc import derive, derive_all

    cards = [_card("llama-3.1-8b"), _card("deepseek-v2-lite"), _odd_rows_card()]
    assert gc.isenabled()
    assert derive_all(cards, catalogs) == [derive(c, catalogs) for c in cards]
    assert gc.isenabled()
    gc.disable()
    try:
        derive_all(cards, catalogs)
        assert not gc.isenabled()  # a caller's own setting is kept
    finally:
        gc.enable()
