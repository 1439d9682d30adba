"""The vLLM engine model against hand computations and numbers vLLM printed in public logs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.calc.catalogs import load_catalogs
from generator.calc.engines import Hardware, PlanError, device_memory
from generator.calc.engines import vllm as V

ROOT = Path(__file__).resolve().parents[3]
GiB = 2**30
MiB = 2**20


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalogs()


def card(cid: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "registry" / f"{cid}.yaml").read_text(encoding="utf-8"))
    return data


def gpu(cat: Any, gid: str) -> dict[str, Any]:
    return next(g for g in cat.gpus if g["id"] == gid)


def run(cat: Any, cid: str | dict[str, Any], gid: str | None = None, n: int = 1, mem_gib: float | None = None,
        **opts: Any) -> dict[str, Any]:
    settings = {k: o.default for k, o in V.OPTIONS.items()}
    settings.update(opts)
    hw = Hardware(gpu(cat, gid) if gid else None, n, None, None, int(mem_gib * GiB) if mem_gib else None)
    c = card(cid) if isinstance(cid, str) else cid
    return V.plan(c, cat, settings, hw)


# --- KV layout ------------------------------------------------------------------------------------

def test_llama_31_8b_kv_per_token_is_128_kib() -> None:
    # 32 layers x 8 KV heads x 128 head_dim x 2 (K and V) x 2 bytes (BF16) = 131,072 bytes.
    layout = V.kv_layout(card("meta/llama-3.1-8b"), tp=1, kv_bytes=2)
    assert layout.per_token_bytes == 32 * 8 * 128 * 2 * 2 == 128 * 1024
    assert layout.page_bytes == 16 * 8 * 128 * 2 * 2  # one 16-token block of one layer
    assert layout.groups == (None,) and layout.group_size == 32
    # fp8 halves it; TP=2 gives each rank 4 of the 8 KV heads; TP=16 replicates one head per rank.
    assert V.kv_layout(card("meta/llama-3.1-8b"), 1, 1).per_token_bytes == 64 * 1024
    assert V.kv_layout(card("meta/llama-3.1-8b"), 2, 2).per_token_bytes == 64 * 1024
    assert V.kv_layout(card("meta/llama-3.1-8b"), 16, 2).per_token_bytes == 32 * 1 * 128 * 2 * 2


def test_gemma_3_27b_sliding_window_groups_and_tokens() -> None:
    # 62 layers, pattern LLLLLG: 10 x 6 + 2 -> 50 + 2 = 52 sliding (window 1024) and 10 full.
    # Group size = min(52, 10) = 10 (52 >= 1.5 x 10): sliding -> cdiv(52, 10) = 6 groups
    # (8 padding layers), full -> 1 group.
    layout = V.kv_layout(card("google/gemma-3-27b"), 1, 2)
    assert layout.group_size == 10
    assert sorted(layout.groups, key=lambda w: w or 0) == [None] + [1024] * 6
    # One request at max_model_len 8192, max_num_batched_tokens 2048:
    # sliding: min(1024 - 1 + 2048, 8192) = 3071 tokens -> cdiv(3071, 16) + 1 = 193 blocks per group;
    # full: 8192 / 16 = 512. Total 6 x 193 + 512 = 1670 blocks.
    assert V.blocks_per_request(layout, 8192, 2048) == 6 * 193 + 512
    # Capacity: 10 GiB / (page x group size) blocks; tokens = blocks // 7 groups x 16.
    page = 16 * 16 * 128 * 2 * 2
    blocks = 10 * GiB // (page * 10)
    res = V.kv_capacity(layout, 10 * GiB, 8192, 2048, "0.11")
    assert res.tokens == blocks // 7 * 16
    assert res.max_concurrency == pytest.approx(blocks / 1670)


def test_gemma_3_27b_tokens_and_start_check_from_v0_21() -> None:
    # vLLM v0.21.0 on prints "GPU KV cache size" = int(max_concurrency x max_model_len)
    # (kv_cache_utils.py _report_kv_cache_config), and its start check counts whole groups, padding
    # layers included: page x group size x the blocks of every group (_max_memory_usage_bytes_from_groups).
    # 10 GiB = 8,192 blocks of 10 layers x 131,072 bytes; one request takes 6 x 193 + 512 = 1,670 blocks.
    layout = V.kv_layout(card("google/gemma-3-27b"), 1, 2)
    res = V.kv_capacity(layout, 10 * GiB, 8192, 2048, "0.21")
    assert res.num_blocks == 8192
    # 8,192 / 1,670 x 8,192 = 67,108,864 / 1,670 = 40,184.95 (the 0.11 rule: 8,192 // 7 x 16 = 18,720)
    assert res.tokens == int(8192 / 1670 * 8192) == 40_184
    assert res.needed_one_request == 131_072 * 10 * 1670  # layer by layer: (52 x 193 + 10 x 512) x 131,072
    assert V.request_bytes(layout, 8192, 2048, "0.11") == (52 * 193 + 10 * 512) * 131_072
    # v0.29.0 on (the 0.34 line), the check leaves out the null block: one block of 10 layers
    need = 131_072 * 10 * 1670
    assert V.kv_capacity(layout, need, 8192, 2048, "0.21").start_ok
    assert not V.kv_capacity(layout, need, 8192, 2048, "0.34").start_ok
    assert V.kv_capacity(layout, need + 131_072 * 10, 8192, 2048, "0.34").start_ok


def test_gpt_oss_20b_groups() -> None:
    # 24 layers alternating sliding (128) and full: 12 + 12 -> group size 12, two groups.
    layout = V.kv_layout(card("openai/gpt-oss-20b"), 1, 2)
    assert layout.group_size == 12 and sorted(layout.groups, key=lambda w: w or 0) == [None, 128]
    # 8 KV heads x 64 x 2 x 2 bytes x 16 tokens per block of one layer.
    assert layout.page_bytes == 16 * 8 * 64 * 2 * 2
    # sliding at max_model_len 131072, 8192 batched tokens: min(127 + 8192, 131072) = 8319 ->
    # cdiv(8319, 16) + 1 = 521; full: 8192 blocks.
    assert V.blocks_per_request(layout, 131072, 8192) == 521 + 8192


def test_mla_latent_is_not_split_by_tp() -> None:
    # DeepSeek-V3: (kv_lora_rank 512 + rope 64) x 2 bytes per layer and token, on every rank.
    for tp in (1, 8):
        layout = V.kv_layout(card("deepseek/deepseek-v3"), tp, 2)
        assert layout.per_token_bytes == 61 * 576 * 2
        assert layout.block_size == 64


def test_deepseek_v32_latent_and_indexer_pages() -> None:
    # DeepSeek-V3.2 in vLLM v0.11 (config.json: 61 layers, kv_lora_rank 512, qk_rope_head_dim 64,
    # index_head_dim 128; registry/deepseek/deepseek-v3.2.yaml). --kv-cache-dtype auto (and fp8)
    # become fp8_ds_mla: 512 FP8 latent bytes + 4 FP32 scales (16) + 64 BF16 rope values (128)
    # = 656 bytes; the indexer's DeepseekV32IndexerCache holds 128 FP8 values and one 4-byte
    # scale per 128 = 132 bytes. 61 x (656 + 132) = 61 x 788 = 48,068 bytes a token per GPU
    # (the latent is not split over TP ranks).
    assert 512 + 4 * 4 + 64 * 2 == 656 and 128 + 128 // 128 * 4 == 132
    v32 = card("deepseek/deepseek-v3.2")
    for tp in (1, 8):
        layout = V.kv_layout(v32, tp, V.dsa_kv_bytes("auto", "0.11"))
        assert layout.per_token_bytes == 61 * 788 == 48_068
        assert layout.indexer_token_bytes == 61 * 132
        assert (layout.block_size, layout.top_k) == (64, 2048)
        # one group of all 61 layers: a block of every layer is 64 x 48,068 bytes
        assert layout.page_bytes * layout.group_size == 64 * 48_068
    for line in V.RELEASE_LINES:
        assert V.dsa_kv_bytes("fp8", line) == V.dsa_kv_bytes("fp8_e4m3", line) == 1
        assert V.dsa_kv_bytes("bfloat16", line) == 2
    # auto: fp8_ds_mla in v0.11.0, the BF16 model dtype from v0.11.1 (PR #27121), so on the 0.17 line
    assert V.dsa_kv_bytes("auto", "0.11") == 1 and V.dsa_kv_bytes("auto", "0.17") == 2
    # bfloat16: the BF16 latent, 576 x 2 = 1,152 bytes, and the same 132-byte key:
    # 61 x 1,284 = 78,324
    assert V.kv_layout(v32, 8, V.dsa_kv_bytes("bfloat16", "0.17")).per_token_bytes == 61 * 1284 == 78_324
    # DeepSeek-V3 is unchanged: no indexer, no sparse read
    v3 = V.kv_layout(card("deepseek/deepseek-v3"), 8, 1)
    assert (v3.per_token_bytes, v3.indexer_token_bytes, v3.top_k) == (61 * 576, 0, 0)
    assert V.unsupported(v32) is None and V.unsupported(card("deepseek/deepseek-v3.2-exp")) is None


def test_deepseek_v32_default_plan_starts_from_the_fp8_checkpoint(cat: Any) -> None:
    # DeepSeek ships V3.2 and V3.2-Exp, like V3, as FP8 safetensors (config.json
    # quantization_config: fmt e4m3, 128 x 128 weight blocks). Without --quant the plan loads that
    # checkpoint: the same weights as an explicit --quant FP8, not a BF16 copy of twice the size.
    for cid in ("deepseek/deepseek-v3.2", "deepseek/deepseek-v3.2-exp"):
        default = run(cat, cid, "h200-141gb", 8, tensor_parallel=8)
        fp8 = run(cat, cid, "h200-141gb", 8, quant="FP8", tensor_parallel=8)
        assert default["settings"]["quant"] == "FP8"
        assert default["components"]["weights"] == fp8["components"]["weights"]


def test_deepseek_v32_plan_by_hand(cat: Any) -> None:
    # 8 x H200, the FP8 checkpoint, defaults (max_num_batched_tokens 8,192 on a >= 70 GiB GPU), v0.11.0's
    # fp8_ds_mla cache at --kv-cache-dtype auto (release line 0.11; the 0.17 line's auto is BF16, below).
    p = run(cat, "deepseek/deepseek-v3.2", "h200-141gb", 8, quant="FP8", tensor_parallel=8, vllm_version="0.11")
    # model loading adds the top-k buffer: 8,192 tokens x 2,048 indices x 4 bytes = 64 MiB
    assert 8192 * 2048 * 4 == 64 * 2**20
    v32 = card("deepseek/deepseek-v3.2")
    stored = V.resolve_quant(v32, cat, "FP8")
    w = V.weights_per_gpu(v32, stored, cat, 8, gpu(cat, "h200-141gb"))
    assert p["devices"][0]["weights_bytes"] == w.per_gpu + 64 * 2**20
    assert p["components"]["weights"] == w.per_gpu + 64 * 2**20
    assert p["kv_cache_bytes_per_token"] == 8 * 48_068  # every rank's share, as vLLM's per-token figure
    available = p["components"]["kv_cache_memory"]
    # blocks = available // (64 tokens x 48,068 bytes); tokens = blocks x 64;
    # concurrency = blocks / (131,072 / 64 blocks a request)
    blocks = available // (64 * 48_068)
    assert p["kv_cache_capacity_tokens"] == blocks * 64
    assert p["max_concurrency"] == round(blocks / 2048, 2)
    # decode: the indexer reads 131,072 keys, the attention only the 2,048 selected latents:
    # 61 x (132 x 131,072 + 656 x 2,048) bytes per GPU, far below 61 x 788 x 131,072
    kv_read = 61 * (132 * 131_072 + 656 * 2048)
    active = p["speed"]["decode_tokens_per_s_upper_bound"]
    bw = gpu(cat, "h200-141gb")["bandwidth_bytes_per_s"]
    weights_read = bw / active - kv_read
    dense = run(cat, "deepseek/deepseek-v3.2", "h200-141gb", 8, quant="FP8", tensor_parallel=8, kv_dtype="bfloat16",
                vllm_version="0.11")
    # the bfloat16 latent: 1,152 bytes of each of the 2,048 selected tokens instead of 656
    assert bw / dense["speed"]["decode_tokens_per_s_upper_bound"] - weights_read == \
        pytest.approx(61 * (132 * 131_072 + 1152 * 2048), rel=1e-9)
    assert dense["kv_cache_bytes_per_token"] == 8 * 78_324
    # the 0.17 line (v0.17-v0.20, after PR #27121): auto is the BF16 latent, as bfloat16 is
    auto17 = run(cat, "deepseek/deepseek-v3.2", "h200-141gb", 8, quant="FP8", tensor_parallel=8, vllm_version="0.17")
    assert auto17["settings"]["vllm_version"] == "0.17" and auto17["kv_cache_bytes_per_token"] == 8 * 78_324
    assert any("PR #27121" in a for a in auto17["assumptions"])


def test_max_concurrency_arithmetic() -> None:
    # Llama 3.1 8B: a block of all 32 layers = 32 x 65,536 = 2 MiB, so 10 GiB hold 5,120 blocks =
    # 81,920 tokens; a 8,192-token request takes 512 blocks -> 10.00x.
    layout = V.kv_layout(card("meta/llama-3.1-8b"), 1, 2)
    res = V.kv_capacity(layout, 10 * GiB, 8192, 2048, "0.11")
    assert (res.num_blocks, res.tokens, res.max_concurrency) == (5120, 81920, 10.0)
    assert res.allocated == 10 * GiB


# --- weights --------------------------------------------------------------------------------------

def test_llama_31_8b_weights_match_vllm_log(cat: Any) -> None:
    # 8,030,261,248 BF16 parameters x 2 bytes + the rotary cache 131,072 positions x 128 x 2 bytes
    # = 16,060,522,496 + 33,554,432 = 16,094,076,928 bytes = 14.9889 GiB.
    # vLLM printed "Model loading took 14.9889 GiB" (https://github.com/vllm-project/vllm/pull/17122).
    p = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb")
    assert p["components"]["weights"] == 16_094_076_928
    assert p["components"]["weights"] / GiB == pytest.approx(14.9889, abs=5e-4)


def test_tp2_sharding_llama_3_8b(cat: Any) -> None:
    # vLLM printed "model weights take 7.48GiB" per GPU at -tp 2 (https://github.com/vllm-project/vllm/pull/10511).
    # Hand: everything but the norms and the rotary cache splits in two:
    # 8,030,261,248 params - norms (32 x 2 + 1) x 4096 = 266,240 -> halves 4,014,997,504;
    # + norms 266,240 whole -> 4,015,263,744 x 2 bytes = 8,030,527,488; + rope 8,192 x 128 x 2 = 2,097,152.
    p = run(cat, "meta/llama-3-8b", "h100-sxm-80gb", n=2, tensor_parallel=2)
    assert p["components"]["weights"] == 8_030_527_488 + 2_097_152
    assert p["components"]["weights"] / GiB == pytest.approx(7.48, abs=0.005)
    assert len(p["devices"]) == 2 and [d["name"] for d in p["devices"]] == ["GPU 0", "GPU 1"]


def test_gpt_oss_20b_mxfp4_weights_with_marlin_padding(cat: Any) -> None:
    # Experts: 24 layers x 32 experts x (gate+up 2 x 2944 x 3072 + down 3072 x 2944) MXFP4 (17 bytes per 32),
    # the intermediate 2880 padded to 2944 (x128) and hidden 2880 to 3072 (x256) by Mxfp4MoEMethod.
    experts = 24 * 32 * 3 * 2944 * 3072 * 17 // 32
    p = run(cat, "openai/gpt-oss-20b", "a100-80gb")
    assert p["settings"]["quant"] == "MXFP4"
    w = p["components"]["weights"]
    assert w > experts
    # vLLM 0.19.0 printed "Model loading took 13.72 GiB" on an A100
    # (https://myoceane.fr/index.php/ai-vllm-a100-gemma-4/).
    assert w / GiB == pytest.approx(13.72, rel=0.01)


def test_gpt_oss_mxfp4_on_hopper_takes_the_triton_layout(cat: Any) -> None:
    # Hopper: intermediate per partition padded to 64 (2880 stays 2880), hidden held at a multiple
    # of 256 (2880 -> 3072). Expert bytes of gpt-oss-20b: 24 layers x 32 experts x
    # (gate+up 2 x 2880 x 3072 + down 3072 x 2880) x 17/32, against Marlin's 2944 x 3072 shapes.
    assert V.mxfp4_padding({"id": "h100-sxm-80gb", "vendor": "NVIDIA"}) == (64, 256)
    assert V.mxfp4_padding({"id": "a100-80gb", "vendor": "NVIDIA"}) == (128, 256)
    triton_experts = 24 * 32 * 3 * 2880 * 3072 * 17 // 32
    marlin_experts = 24 * 32 * 3 * 2944 * 3072 * 17 // 32
    h100 = run(cat, "openai/gpt-oss-20b", "h100-sxm-80gb")["components"]["weights"]
    a100 = run(cat, "openai/gpt-oss-20b", "a100-80gb")["components"]["weights"]
    assert a100 - h100 == marlin_experts - triton_experts
    # Printed on H100: gpt-oss-20b 13.47 GiB (llm-d, v0.11), gpt-oss-120b 64.38 GiB (vLLM issue
    # #33155, v0.14.1 "Using Triton backend").
    assert h100 / GiB == pytest.approx(13.47, rel=0.005)
    big = run(cat, "openai/gpt-oss-120b", "h100-sxm-80gb", context=5120)["components"]["weights"]
    assert big / GiB == pytest.approx(64.38, rel=0.005)


def test_gpt_oss_mxfp4_marlin_fallback_on_hopper(cat: Any) -> None:
    # mxfp4.py get_mxfp4_backend falls back to Marlin on Hopper without triton_kernels / torch 2.8
    # or with VLLM_MXFP4_USE_MARLIN=1: Marlin's (128, 256) padding, the same expert shapes as on
    # Ampere. Blackwell picks FlashInfer before it reads the variable: its padding stays.
    assert V.mxfp4_padding({"id": "h100-sxm-80gb", "vendor": "NVIDIA"}, "marlin") == (128, 256)
    assert V.mxfp4_padding({"id": "b200", "vendor": "NVIDIA"}, "marlin") == (256, 256)
    triton_experts = 24 * 32 * 3 * 2880 * 3072 * 17 // 32
    marlin_experts = 24 * 32 * 3 * 2944 * 3072 * 17 // 32
    auto = run(cat, "openai/gpt-oss-20b", "h100-sxm-80gb")
    marlin = run(cat, "openai/gpt-oss-20b", "h100-sxm-80gb", mxfp4_backend="marlin")
    assert marlin["components"]["weights"] - auto["components"]["weights"] == marlin_experts - triton_experts
    assert "VLLM_MXFP4_USE_MARLIN=1 vllm serve " in marlin["command"]
    assert "VLLM_MXFP4_USE_MARLIN" not in auto["command"]
    assert marlin["settings"]["mxfp4_backend"] == "marlin"
    # vLLM 0.10.1 on an H100 with torch 2.7.1 (Marlin, per its marlin_utils_fp4.py warning) printed
    # "Model loading took 65.9651 GiB" for gpt-oss-120b (vLLM issue #23278).
    big = run(cat, "openai/gpt-oss-120b", "h100-sxm-80gb", mxfp4_backend="marlin")["components"]["weights"]
    assert big / GiB == pytest.approx(65.9651, rel=0.005)
    with pytest.raises(PlanError, match="allowed: auto, marlin"):
        V.OPTIONS["mxfp4_backend"].parse("--mxfp4-backend", "cutlass")


def test_vision_tower_loaded_mtp_not(cat: Any) -> None:
    gemma = card("google/gemma-3-27b")
    text_only = copy.deepcopy(gemma)
    text_only["modalities"]["input"] = ["text"]
    text_only["architecture"]["vision_encoder"] = None
    with_tower = run(cat, gemma)["components"]["weights"]
    without = run(cat, text_only)["components"]["weights"]
    # SigLIP tower 416,866,032 (published: Gemma 3 4B's safetensors total 4,300,079,472 minus its
    # text model) + projector 1152 x 5376 + 1152, in BF16.
    assert with_tower - without == (416_866_032 + 1152 * 5376 + 1152) * 2
    # DeepSeek-V3's 13.46B MTP parameters are not loaded: no difference when the module is dropped.
    ds = card("deepseek/deepseek-v3")
    no_mtp = copy.deepcopy(ds)
    no_mtp["architecture"]["mtp"] = None
    assert run(cat, ds, tensor_parallel=8)["components"]["weights"] == \
        run(cat, no_mtp, tensor_parallel=8)["components"]["weights"]


LLMD = ("https://github.com/llm-d/llm-d-benchmark/blob/4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5/"
        "config_explorer/empirical-vllm-memory-results.md")


@pytest.mark.parametrize(("cid", "tp", "quant", "printed"), [
    # llm-d's vLLM 0.11 runs on H100 (79.18 GiB printed), gpu_memory_utilization 0.9, max_model_len 16000:
    # "Available KV cache memory" per GPU (LLMD above).
    ("meta/llama-3.1-8b", 1, None, 51.38),
    ("qwen/qwen3-0.6b", 1, None, 64.45),
    ("qwen/qwen3-32b", 2, None, 34.49),
    ("meta/llama-3.3-70b", 2, "FP8", 32.0),
])
def test_kv_budget_matches_vllm_011_logs(cat: Any, cid: str, tp: int, quant: str | None, printed: float) -> None:
    p = run(cat, cid, "h100-sxm-80gb", n=tp, mem_gib=79.18, tensor_parallel=tp, context=16000, quant=quant,
            vllm_version="0.11")
    assert p["components"]["kv_cache_memory"] / GiB == pytest.approx(printed, rel=0.02)
    # "Non-torch memory": 0.13-0.14 GiB at TP=1, 0.54-0.55 GiB at TP=2 (NCCL and custom all-reduce).
    assert p["components"]["non_torch"] / GiB == pytest.approx(0.545 if tp > 1 else 0.135, abs=0.03)


# --- the start check, options, command -----------------------------------------------------------

def test_refuses_to_start_when_one_request_does_not_fit(cat: Any) -> None:
    # Llama 3.1 8B at its full 131,072 tokens needs 131,072 x 128 KiB = 16 GiB of KV: not on a 24 GB card.
    p = run(cat, "meta/llama-3.1-8b", "rtx-3090")
    assert p["fits"] is False
    assert p["max_context_that_fits"] is not None and p["max_context_that_fits"] < 131072
    assert any("refuse to start" in a for a in p["assumptions"])
    smaller = run(cat, "meta/llama-3.1-8b", "rtx-3090", context=p["max_context_that_fits"])
    assert smaller["fits"] is True and smaller["max_concurrency"] >= 1.0


def test_tensor_parallel_must_divide_heads(cat: Any) -> None:
    with pytest.raises(PlanError) as err:
        run(cat, "meta/llama-3.1-8b", tensor_parallel=3)
    assert err.value.option == "--tensor-parallel"
    assert "allowed: 1, 2, 4, 8, 16, 32" in err.value.message


def test_bad_options_name_the_option() -> None:
    with pytest.raises(PlanError, match="--gpu-memory-utilization"):
        V.OPTIONS["gpu_memory_utilization"].parse("--gpu-memory-utilization", "1.5")
    with pytest.raises(PlanError, match="auto, bfloat16, fp8"):
        V.OPTIONS["kv_dtype"].parse("--kv-dtype", "q4_0")


def test_defaults_follow_vllm_serve(cat: Any) -> None:
    small = run(cat, "meta/llama-3.1-8b", "rtx-4090", context=8192)["settings"]
    large = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb")["settings"]
    a100 = run(cat, "meta/llama-3.1-8b", "a100-80gb")["settings"]
    assert (small["max_num_batched_tokens"], small["max_num_seqs"]) == (2048, 256)
    assert (large["max_num_batched_tokens"], large["max_num_seqs"]) == (8192, 1024)
    assert (a100["max_num_batched_tokens"], a100["max_num_seqs"]) == (2048, 256)
    assert large["context"] == 131072
    # vLLM's own default (config/cache.py CacheConfig.gpu_memory_utilization, read in the wheels): 0.9 up to
    # v0.19.1, 0.92 from v0.20.0; line 0.21 (v0.21.0-v0.33.x) plans with 0.92, the older lines with 0.9
    assert large["gpu_memory_utilization"] == 0.92
    for line in ("0.11", "0.17"):
        older = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", vllm_version=line)
        assert older["settings"]["gpu_memory_utilization"] == 0.9
    assert any("v0.20.x defaults to 0.92" in a for a in older["assumptions"])


def test_kv_budget_is_utilization_minus_non_kv(cat: Any) -> None:
    p = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", mem_gib=79.19)
    c = p["components"]
    total = int(79.19 * GiB)
    assert c["kv_cache_memory"] == int(total * 0.92) - c["weights"] - c["activation_peak"] - c["non_torch"]
    eager = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", mem_gib=79.19, enforce_eager=True)
    assert eager["components"]["cuda_graph"] == 0
    assert eager["components"]["kv_cache_memory"] == c["kv_cache_memory"]  # graphs sit outside the budget


def test_command_and_host(cat: Any) -> None:
    p = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", n=2, tensor_parallel=2, context=8192, kv_dtype="fp8")
    # release line 0.21 (the default) turns vLLM's CUDA graph estimate off, so the KV cache is the planned one
    assert p["command"] == ("VLLM_USE_V2_MODEL_RUNNER=0 VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 vllm serve meta-llama/Llama-3.1-8B "
                            "--max-model-len 8192 --tensor-parallel-size 2 --gpu-memory-utilization 0.92 "
                            "--kv-cache-dtype fp8")
    v17 = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", n=2, tensor_parallel=2, context=8192, kv_dtype="fp8",
              vllm_version="0.17", gpu_memory_utilization=0.92)
    assert v17["command"] == p["command"].removeprefix("VLLM_USE_V2_MODEL_RUNNER=0 VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 ")
    assert p["host"] == {"weights_bytes": 0, "kv_cache_bytes": 0, "compute_buffer_bytes": 0, "total_bytes": 0}
    assert "perfect scaling" in p["speed"]["basis"]


def test_unsupported() -> None:
    assert V.unsupported(card("openai/gpt-2")) is None
    assert "not published" in (V.unsupported(card("meta/llama-4-behemoth")) or "")


def test_meta_405b_fp8_keeps_attention_and_two_mlps_in_bf16(cat: Any) -> None:
    # Meta's FP8 release leaves every self_attn projection and the MLPs of layers 0 and 125 in BF16.
    # Hand, per GPU at TP=8: attention per layer q 16384x16384 + k, v 16384x1024 + o 16384x16384
    # = 570,425,344 weights x 126 layers; they cost 2 bytes instead of 1 (+ the FP8_B128 block scale
    # overhead they no longer pay): about +71.87e9 / 8 bytes; two MLPs of 3 x 16384 x 53248 weights
    # likewise +5.23e9 / 8. vLLM printed "Loading model weights took 57.7520 GB" per GPU
    # (https://github.com/vllm-project/vllm/issues/6746); a plain FP8 estimate is ~17% low.
    c = card("meta/llama-3.1-405b")
    w = run(cat, c, "h100-sxm-80gb", n=8, tensor_parallel=8, quant="FP8")["components"]["weights"]
    other = copy.deepcopy(c)
    other["id"] = "someone/llama-3.1-405b-fp8-everywhere"
    plain = run(cat, other, "h100-sxm-80gb", n=8, tensor_parallel=8, quant="FP8")["components"]["weights"]
    attn, mlp = 570_425_344 * 126, 2 * 3 * 16384 * 53248
    assert w - plain == pytest.approx((attn + mlp) / 8 * (2 - 16388 / 16384), rel=1e-3)
    assert w / GiB == pytest.approx(57.752, rel=0.02)


@pytest.mark.parametrize(("cid", "tp", "printed"), [
    # llm-d's vLLM 0.11 runs on H100 (default 8192 batched tokens, 1024 sequences), "Peak activation
    # memory" per GPU: https://github.com/llm-d/llm-d-benchmark/blob/4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5/config_explorer/empirical-vllm-memory-results.md
    ("meta/llama-3.1-8b", 1, 4.76),
    ("qwen/qwen3-0.6b", 1, 5.56),
    ("qwen/qwen3-32b", 2, 5.64),
    ("openai/gpt-oss-20b", 1, 7.38),
])
def test_activation_peak_is_the_sampler_dummy_run(cat: Any, cid: str, tp: int, printed: float) -> None:
    # Hand (Llama 3.1 8B): 1024 rows x 128,256 logits x 38 bytes = 4,990,648,320
    # + the forward's hidden states 8192 x 4096 x 2 = 67,108,864 -> 5,057,757,184 bytes = 4.71 GiB.
    if cid == "meta/llama-3.1-8b":
        assert V.activation_peak(card(cid), 1, 8192, 1024, "0.11") == 1024 * 128256 * 38 + 8192 * 4096 * 2
    assert V.activation_peak(card(cid), tp, 8192, 1024, "0.11") / GiB == pytest.approx(printed, rel=0.02)


@pytest.mark.parametrize(("cid", "tp", "printed"), [
    # llm-d-planner's sweeps on one H100 (default 8192 batched tokens, 1024 sequences), "torch peak memory
    # increase" per GPU: v0.17.0 Qwen3-14B 2.23 GiB; v0.19.0 Llama 3.1 8B 1.89 GiB, Qwen2.5-7B 2.21 GiB,
    # Llama 3.3 70B FP8 at TP 2 1.96 GiB (logs under
    # https://github.com/llm-d-incubation/llm-d-planner/tree/d3121e059da88662db39a926a3ead964be97359b/accuracy/results)
    ("qwen/qwen3-14b", 1, 2.23),
    ("meta/llama-3.1-8b", 1, 1.89),
    ("qwen/qwen2.5-7b", 1, 2.21),
    ("meta/llama-3.3-70b", 2, 1.96),
])
def test_activation_peak_without_the_sort_from_v0_17(cat: Any, cid: str, tp: int, printed: float) -> None:
    # Hand (Llama 3.1 8B, release line 0.17): 1024 rows x 128,256 logits x 14 bytes (BF16 logits, their FP32
    # copy, the FP32 softmax, the FP32 exponential noise) = 1,838,678,016; the Triton kernel's scratch of
    # 132 rows (one per H100 SM) x 128,256 x 4 bytes = 67,719,168; the forward's hidden states 8192 x 4096
    # x 2 = 67,108,864 -> 1,973,506,048 bytes = 1.84 GiB (the log: 1.89).
    if cid == "meta/llama-3.1-8b":
        assert V.activation_peak(card(cid), 1, 8192, 1024, "0.17") == 1_838_678_016 + 67_719_168 + 67_108_864
    assert V.activation_peak(card(cid), tp, 8192, 1024, "0.17") / GiB == pytest.approx(printed, rel=0.04)


def test_sampler_below_eight_rows_still_sorts() -> None:
    # topk_topp_sampler.py apply_top_k_top_p sends fewer than 8 rows to the sort-based PyTorch path:
    # 4 rows x 1,000 logits x 38 bytes on either line; 8 rows take the Triton path: 8 x 1,000 x 14 plus
    # the scratch's 8 rows (the next power of two of min(132 SMs, 8)) x 1,000 x 4.
    assert V.sampler_bytes(1000, 4, "0.17") == V.sampler_bytes(1000, 4, "0.11") == 4 * 1000 * 38
    assert V.sampler_bytes(1000, 8, "0.17") == 8 * 1000 * 14 + 8 * 1000 * 4
    assert V.sampler_bytes(1000, 100, "0.17") == 100 * 1000 * 14 + 128 * 1000 * 4
    assert V.sampler_bytes(1000, 1024, "0.17") == 1024 * 1000 * 14 + 132 * 1000 * 4


def test_release_line_sets_the_basis_and_the_tp_memory(cat: Any) -> None:
    new = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", n=2, tensor_parallel=2, context=8192, vllm_version="0.17")
    old = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", n=2, tensor_parallel=2, context=8192, vllm_version="0.11")
    assert new["settings"]["vllm_version"] == "0.17" and old["settings"]["vllm_version"] == "0.11"
    # v0.19.0 prints 2.06-2.21 GiB of non-torch memory per GPU at TP 2-4 (llm-d-planner, nine runs);
    # llm-d's v0.11 runs 0.54-0.55 GiB at TP 2
    assert new["components"]["non_torch"] / GiB == pytest.approx(2.10, abs=0.06)
    assert old["components"]["non_torch"] / GiB == pytest.approx(0.545, abs=0.03)
    # the smaller profiled sampler leaves more KV cache: about (38 - 14) x 1024 x 128,256 bytes less peak
    assert new["components"]["activation_peak"] < old["components"]["activation_peak"] - 2.8 * GiB
    assert any("0.17" in a for a in new["assumptions"])


@pytest.mark.parametrize(("version", "line"), [
    ("0.11.0", "0.11"), ("0.16.0", "0.11"), ("0.10.1", "0.11"), ("V0", "0.11"), ("before 0.17.0", "0.11"),
    ("before 0.11.0", "0.11"), ("0.17.0", "0.17"), ("0.19.0", "0.17"), ("0.20.2rc1.dev9+g01d4d1ad3", "0.17"),
    ("before 0.21.0", "0.17"), ("0.21.0", "0.21"), ("0.27.1", "0.21"), ("before 0.22.0", "0.21"),
    (None, "0.21"), ("V1", "0.21"),   # unknown: the newest line
])
def test_release_line_of_a_version(version: str | None, line: str) -> None:
    assert V.release_line(version) == line


def test_tensor_parallel_defaults_to_the_gpus_given(cat: Any) -> None:
    p = run(cat, "meta/llama-3.1-8b", "rtx-4090", n=2, context=8192)
    assert p["settings"]["tensor_parallel"] == 2 and len(p["devices"]) == 2
    # 32 heads, 8 KV heads: 3 GPUs cannot split them; the plan uses 2 of them and says so.
    three = run(cat, "meta/llama-3.1-8b", "rtx-4090", n=3, context=8192)
    assert three["settings"]["tensor_parallel"] == 2 and len(three["devices"]) == 2
    assert any("vLLM uses 2 of them" in a for a in three["assumptions"])
    with pytest.raises(PlanError, match="--gpus"):
        run(cat, "meta/llama-3.1-8b", "rtx-4090", n=1, tensor_parallel=2)


def test_start_check_counts_layers_not_padded_groups() -> None:
    # v0.11 check_enough_kv_cache_memory sums every layer's max_memory_usage_bytes: Gemma 3 27B at
    # max_model_len 8192 and 2048 batched tokens needs 52 x 193 + 10 x 512 blocks of one layer
    # (16 tokens x 16 KV heads x 128 x 2 x 2 bytes = 131,072 bytes each at TP=1, BF16):
    # (10,036 + 5,120) x 131,072 = 1,986,527,232 bytes; with one byte less the length drops below 8192.
    layout = V.kv_layout(card("google/gemma-3-27b"), 1, 2)
    assert V.request_bytes(layout, 8192, 2048, "0.11") == (52 * 193 + 10 * 512) * 16 * 16 * 128 * 2 * 2
    need = (52 * 193 + 10 * 512) * 131072
    assert need == 1_986_527_232
    assert V.max_model_len_that_fits(layout, need, 131072, 2048, "0.11") == 8192
    assert V.max_model_len_that_fits(layout, need - 1, 131072, 2048, "0.11") < 8192


def test_llama4_chunked_attention_is_served_as_full_attention() -> None:
    # vLLM 0.11 turns the hybrid KV manager off for chunked local attention (config/vllm.py,
    # VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE unset): one group of all 48 layers, each
    # caching the whole context (8 KV heads x 128 x 2 x 2 bytes per token and layer).
    layout = V.kv_layout(card("meta/llama-4-scout-17b-16e"), 1, 2)
    assert layout.groups == (None,) and layout.group_size == 48
    assert layout.per_token_bytes == 48 * 8 * 128 * 2 * 2


def test_default_context_is_the_config_length(cat: Any) -> None:
    # vLLM derives max_model_len from config.json: Qwen3's max_position_embeddings is 40,960 though
    # the card's context (with YaRN) is 131,072 (https://github.com/vllm-project/vllm/issues/21348
    # ran Qwen3-235B at vLLM's default, 40,960). DeepSeek-V3's config says 163,840: capped at the
    # card's 131,072.
    assert run(cat, "qwen/qwen3-32b")["settings"]["context"] == 40960
    assert run(cat, "deepseek/deepseek-v3", tensor_parallel=8)["settings"]["context"] == 131072
    # past config.json's length vLLM refuses the max_model_len unless the model's YaRN is turned on
    # (docs.vllm.ai features/context_extension: --hf-overrides with rope_parameters)
    longer = run(cat, "qwen/qwen3-32b", context=131072)
    note = next(a for a in longer["assumptions"] if "above config.json's 40,960" in a)
    assert '"rope_type": "yarn", "factor": 4, "original_max_position_embeddings": 32768' in note


def test_gpt_oss_120b_tp4_capacity_and_concurrency_match_vllm_log() -> None:
    # vLLM 0.10.1.1, gpt-oss-120b, TP=4, max_model_len 16384, max_num_batched_tokens 2048
    # (https://github.com/dennislee22/vLLM-benchmarking/blob/0787d88e1a6fc0e37a4eaf3d3e691b36eda25352/log/vllm-120B-4gpuA10080GB-0.8GRAM-diff-nodes.log):
    # "num_gpu_blocks is: 330018", "GPU KV cache size: 2,640,144 tokens",
    # "Maximum concurrency for 16,384 tokens per request: 284.25x".
    # Hand: 36 layers = 18 sliding (128) + 18 full -> two groups of 18; a block of one layer on one
    # rank holds 16 tokens x 2 KV heads (8 / TP 4) x 64 x 2 x 2 bytes = 8,192 bytes.
    # tokens = 330,018 // 2 groups x 16 = 2,640,144; one request: full 16384 / 16 = 1024 blocks,
    # sliding cdiv(min(127 + 2048, 16384), 16) + 1 = 137 -> 330,018 / 1,161 = 284.25.
    layout = V.kv_layout(card("openai/gpt-oss-120b"), 4, 2)
    assert layout.page_bytes == 8192 and layout.group_size == 18 and len(layout.groups) == 2
    res = V.kv_capacity(layout, 330_018 * 8192 * 18, 16384, 2048, "0.11")
    assert res.num_blocks == 330_018
    assert res.tokens == 2_640_144
    assert round(res.max_concurrency, 2) == 284.25


@pytest.mark.parametrize(("cid", "kv_gib", "mml", "tokens", "concurrency", "url"), [
    ("qwen/qwen3-0.6b", 69.66, 4096, 652_144, 159.21, "https://github.com/vllm-project/vllm/pull/24577"),
    ("qwen/qwen3-14b", 6.51, 32768, 42_656, 1.30, "https://github.com/LMCache/LMCache/issues/1739"),
])
def test_tokens_and_concurrency_from_printed_kv_memory(cid: str, kv_gib: float, mml: int, tokens: int,
                                                       concurrency: float, url: str) -> None:
    # From vLLM's own "Available KV cache memory" line (2 decimals, so a few blocks of rounding):
    # Qwen3 has 8 KV heads x 128: a block of all layers is 16 x 8 x 128 x 2 x 2 x layers bytes.
    layout = V.kv_layout(card(cid), 1, 2)
    res = V.kv_capacity(layout, int(kv_gib * GiB), mml, 2048, "0.11")
    assert res.tokens == pytest.approx(tokens, rel=2e-4), url
    assert res.max_concurrency == pytest.approx(concurrency, abs=0.02), url  # +-0.005 GiB of rounding


@pytest.mark.parametrize(("cid", "quant"), [
    ("meta/llama-3.1-8b", "BF16"), ("qwen/qwen3-30b-a3b", "BF16"), ("deepseek/deepseek-v2-lite", "BF16"),
    ("google/gemma-3-27b", "BF16"), ("mistralai/mixtral-8x7b", "AWQ-4bit"), ("deepseek/deepseek-v3", "FP8"),
    ("openai/gpt-2", "BF16"),  # vocabulary 50,257 -> 50,304 rows
])
def test_tp1_weights_are_the_shared_inventory_plus_vllm_extras(cat: Any, cid: str, quant: str) -> None:
    # At TP=1 (and without MXFP4 padding) vLLM's weights are the calculator's tensor-by-tensor
    # bytes (generator.calc.memory.weight_bytes) plus what vLLM adds: the rows padding the
    # vocabulary to a multiple of 64 (embedding and untied head) and the rotary cache; the
    # extra parameters only when they are a vision tower.
    from generator.calc.memory import weight_bytes
    from generator.calc.tensors import inventory
    c = card(cid)
    q = cat.quantization(quant)
    extra = V.loaded_outside_parameters(c)  # the vision tower; never the MTP module
    shared = weight_bytes(inventory(c), q, cat, extra).total
    arch = c["architecture"]
    vocab, h = int(arch["vocab_size"]), int(arch["hidden_size"])
    pad_rows = -(-vocab // 64) * 64 - vocab
    matrices = 1 if arch["tied_embeddings"] else 2
    emb_type = cat.tensor_types[q["types"]["embedding"]]
    padding = matrices * pad_rows * h * emb_type[1] // emb_type[0]
    w = V.weights_per_gpu(c, q, cat, 1, None)
    assert w.per_gpu == shared + padding + V.rope_cache_bytes(c)


# --- the versions the rules follow (outside_basis) ----------------------------------------------

@pytest.mark.parametrize("version,backend,inside", [
    (None, "CUDA", True),          # unknown version: held to the bounds
    ("0.11.0", "CUDA", True),
    ("0.10.1.1", "CUDA", True),
    ("v0.8.3rc2.dev224+g49c0d11ec", "CUDA", True),  # 0.8.0 is the first release with V1 by default
    ("0.20.2rc1.dev9+g01d4d1ad3", "CUDA", True),
    ("0.10.2.dev2+gf5635d62e.d20250805", "CUDA", True),  # a dev build's local label is a git hash
    ("V1", "CUDA", True),
    ("0.10.1+gptoss", "CUDA", False),  # the gpt-oss preview build (no Marlin MXFP4 backend)
    ("0.7.3", "CUDA", False),      # V0 was the default before v0.8.0
    ("0.5.0.post1", "CUDA", False),
    ("V0", "CUDA", False),         # what a log proves when it prints no version
    ("0.21.0", "CUDA", False),     # CUDA graph memory estimated into the budget by default (a run's default: on)
    ("0.27.1", "CUDA", True),   # Model Runner V2 as modelled (--model-runner v2)
    ("0.26.0", "CUDA", False),  # Model Runner V2 before the modelled releases
    ("0.11.0", "ROCm", False),
    (None, "ROCm", False),
])
def test_outside_basis(version: str | None, backend: str, inside: bool) -> None:
    reason = V.outside_basis(version, backend)
    assert (reason is None) == inside, reason


def test_outside_basis_reasons_name_the_cause() -> None:
    assert "V0" in str(V.outside_basis("V0", "CUDA"))
    assert "v0.21.0" in str(V.outside_basis("0.23.1", "CUDA", runner="v1"))
    assert "may have run this model on Model Runner V2" in str(V.outside_basis("0.23.1", "CUDA"))
    assert "extensible KV cache" in str(V.outside_basis("0.34.0", "CUDA"))
    assert "ROCm" in str(V.outside_basis(None, "ROCm"))
    assert "preview build" in str(V.outside_basis("0.10.1+gptoss", "CUDA"))


def test_outside_basis_nccl_memory_before_v0_11() -> None:
    # before v0.11.0 (PR #25359) the NCCL communicators were created after the first memory snapshot, so
    # under tensor parallelism their memory was non-torch memory inside the budget; one GPU has no NCCL
    tp4, tp1 = {"tensor_parallel": 4}, {"tensor_parallel": 1}
    assert "PR #25359" in str(V.outside_basis("0.10.1.1", "CUDA", "kv_cache_memory", settings=tp4))
    assert "PR #25359" in str(V.outside_basis("0.9.2", "CUDA", "non_torch", settings=tp4))
    assert V.outside_basis("0.11.0", "CUDA", "kv_cache_memory", settings=tp4) is None
    assert V.outside_basis("0.10.1.1", "CUDA", "kv_cache_memory", settings=tp1) is None
    assert V.outside_basis("0.10.1.1", "CUDA", "weights", settings=tp4) is None
    assert V.outside_basis("0.10.1.1", "CUDA", "activation_peak", settings=tp4) is None
    # what a log's date proves: "before 0.11.0" (an issue of 2025-07); its other numbers stay inside
    assert "PR #25359" in str(V.outside_basis("before 0.11.0", "CUDA", "kv_cache_tokens", settings=tp4))
    assert V.outside_basis("before 0.11.0", "CUDA", "kv_cache_tokens", settings=tp1) is None
    assert V.outside_basis("before 0.11.0", "CUDA", "weights", settings=tp4) is None
    assert V.outside_basis("before 0.11.0", "CUDA", None, settings=tp4) is None
    assert V.outside_basis("before 0.12.0", "CUDA", "kv_cache_tokens", settings=tp4) is None  # may be v0.11.x


def test_outside_basis_deepseek_v32_auto_cache() -> None:
    # v0.11.0 turns --kv-cache-dtype auto into fp8_ds_mla for DeepSeek-V3.2; PR #27121 (v0.11.1 on)
    # keeps auto at BF16, so a later release's tokens and concurrency at auto are outside the rules
    v32, v3 = card("deepseek/deepseek-v3.2"), card("deepseek/deepseek-v3")
    auto, fp8 = {"kv_dtype": "auto"}, {"kv_dtype": "fp8"}
    assert V.outside_basis("0.11.0", "CUDA", "kv_cache_tokens", card=v32, settings=auto) is None
    assert "PR #27121" in str(V.outside_basis("0.11.1", "CUDA", "kv_cache_tokens", card=v32, settings=auto))
    assert "PR #27121" in str(V.outside_basis("0.12.0", "CUDA", None, card=v32, settings=auto))
    assert V.outside_basis("0.12.0", "CUDA", "kv_cache_tokens", card=v32, settings=fp8) is None
    assert V.outside_basis("0.12.0", "CUDA", "weights", card=v32, settings=auto) is None
    assert V.outside_basis("0.12.0", "CUDA", "kv_cache_tokens", card=v3, settings=auto) is None
    # from v0.17.0 the 0.17 release line plans auto as BF16 itself: inside again
    assert V.outside_basis("0.17.0", "CUDA", "kv_cache_tokens", card=v32, settings=auto) is None


# --- native releases from the card's release block ----------------------------------------------

def test_native_quantization_comes_from_the_card_release() -> None:
    assert V.native_quant_id(card("openai/gpt-oss-120b")) == "MXFP4"
    assert V.native_quant_id(card("deepseek/deepseek-v3")) == "FP8"
    assert V.native_quant_id(card("meta/llama-3.1-405b")) is None  # released in BF16
    assert V.native_quant_id(card("meta/llama-3.1-8b")) is None     # no release block
    # The rule reads the card, not a table of ids: a copy without the block is BF16 ...
    bare = copy.deepcopy(card("openai/gpt-oss-20b"))
    del bare["release"]
    assert V.native_quant_id(bare) is None
    # ... and a dense card that says FP8 is FP8.
    fp8 = copy.deepcopy(card("meta/llama-3.1-8b"))
    fp8["release"] = {"quantization": "FP8", "source": "https://example.org"}
    assert V.native_quant_id(fp8) == "FP8"


# --- the driver-reported memory -----------------------------------------------------------------

def test_catalog_gpu_uses_the_driver_reported_memory(cat: Any) -> None:
    from generator.calc.engines import hardware

    hw = hardware(cat, "h100-sxm-80gb", 1)
    # llm-d's H100 logs: "Free memory on device 77.64/79.18 GiB on startup".
    assert hw.memory_bytes == round(79.18 * GiB)
    # Llama 3.1 8B at 8K on that H100, util 0.92 (the default): the KV budget is 0.92 x 79.18 GiB less the non-KV
    # part; the plan's kv_cache_memory must be computed from 79.18 GiB, not 80e9 bytes (74.5 GiB).
    settings = {k: o.default for k, o in V.OPTIONS.items()}
    settings.update(context=8192)
    p = V.plan(card("meta/llama-3.1-8b"), cat, settings, hw)
    comp = p["components"]
    non_kv = comp["weights"] + comp["activation_peak"] + comp["non_torch"]
    assert comp["kv_cache_memory"] == int(round(79.18 * GiB) * 0.92) - non_kv
    assert p["devices"][0]["capacity_bytes"] == round(79.18 * GiB)
    # A GPU without a reported figure keeps the catalog's.
    assert hardware(cat, "b200", 1).memory_bytes is None


def test_plan_reads_the_catalog_reported_memory_when_hardware_gives_none(cat: Any) -> None:
    # A caller that builds Hardware itself (no memory_bytes) still gets the driver's 79.18 GiB
    # for an H100, and the vendor's 80e9 bytes for a GPU without a reported figure (B200: 180e9).
    h100 = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", context=8192)
    assert h100["devices"][0]["capacity_bytes"] == round(79.18 * GiB)
    b200 = run(cat, "meta/llama-3.1-8b", "b200", context=8192)
    assert b200["devices"][0]["capacity_bytes"] == 180_000_000_000
    # A printed total overrides both.
    given = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", mem_gib=79.22, context=8192)
    assert given["devices"][0]["capacity_bytes"] == int(79.22 * GiB)


# --- release line 0.21: vLLM's CUDA graph estimate ----------------------------------------------

def test_estimate_off_run_of_v0_21_is_inside_and_on_is_outside_for_the_budget_only() -> None:
    off, on = {"cudagraph_estimate": "off"}, {"cudagraph_estimate": "on"}
    # (a v0.22.0 run whose log shows Model Runner V1)
    for component in ("kv_cache_memory", "kv_cache_tokens", "max_concurrency", "total"):
        assert V.outside_basis("0.22.0", "CUDA", component, settings=off, runner="v1") is None
        assert "estimate" in str(V.outside_basis("0.22.0", "CUDA", component, settings=on, runner="v1"))
    # the budget before the estimate, the weights and the profiled peak are vLLM 0.20's either way
    for component in ("kv_budget", "weights", "activation_peak", "non_torch"):
        assert V.outside_basis("0.22.0", "CUDA", component, settings=on, runner="v1") is None
    # before v0.21.0 there is no estimate whatever the setting says
    assert V.outside_basis("0.20.1", "CUDA", "kv_cache_memory", settings=on) is None


def test_release_line_0_21_plans_the_budget_before_the_estimate(cat: Any) -> None:
    kw = dict(context=8192, gpu_memory_utilization=0.95)
    v21 = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", **kw)
    v17 = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", vllm_version="0.17", **kw)
    on = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", cudagraph_estimate="on", **kw)
    assert v21["settings"]["vllm_version"] == "0.21" and v21["settings"]["cudagraph_estimate"] == "off"
    # with the estimate off (the command's environment setting) v0.21+ sizes the KV cache as v0.20 did
    # and keeps Model Runner V1, whose profile run the rules follow (V2: dense models from v0.25.0)
    assert v21["command"].startswith("VLLM_USE_V2_MODEL_RUNNER=0 VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 vllm serve ")
    assert v21["components"] == v17["components"]
    assert v21["kv_cache_capacity_tokens"] == v17["kv_cache_capacity_tokens"] and v21["fits"] is True
    # kv_budget is gpu_worker.py's requested memory less the non-KV memory: 0.95 x the H100's total
    total = device_memory(Hardware(gpu=gpu(cat, "h100-sxm-80gb"), count=1, ram_bytes=None, ram_bandwidth_bytes_per_s=None))
    c = v21["components"]
    assert c["kv_budget"] == int(total * 0.95) - (c["weights"] + c["activation_peak"] + c["non_torch"])
    # with it on (vLLM's default) nothing the card gives fixes the KV cache: upper bounds, fit left open
    assert on["fits"] is None and "upper bounds" in " ".join(on["assumptions"])
    assert on["command"].startswith("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve ")
    assert on["components"]["kv_budget"] == c["kv_budget"]
    # a setup the whole budget cannot hold stays refused with the estimate on
    big = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", context=131072, parallel=64, cudagraph_estimate="on")
    assert big["fits"] is False
    # --enforce-eager captures no graphs, so there is nothing to estimate or to turn off
    eager = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", enforce_eager=True, cudagraph_estimate="on", **kw)
    assert eager["settings"]["cudagraph_estimate"] == "off" and eager["fits"] is True
    assert "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS" not in eager["command"]


def test_cudagraph_estimate_on_needs_the_0_21_line(cat: Any) -> None:
    with pytest.raises(PlanError) as err:
        run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", cudagraph_estimate="on", vllm_version="0.17")
    assert err.value.option == "--cudagraph-estimate" and "v0.21.0" in str(err.value)


def test_model_runner_v2_runs_are_outside_but_their_weights_are_not() -> None:
    # vLLM's default runner per release, as config/vllm.py VllmConfig.use_v2_model_runner of each wheel
    # decides it: none before v0.22.0; a list of architectures in v0.22.0-v0.24.x (Qwen3ForCausalLM from
    # v0.22.0, Llama/Mistral from v0.23.0, DeepseekV2/Qwen2Moe/GraniteMoe from v0.24.0; never MoE before
    # v0.24.0); every model without experts or state layers, and the listed MoE ones, in v0.25.0-v0.28.x;
    # every model from v0.29.0; v0.34.0 removed Model Runner V1.
    dense, moe, hybrid = card("qwen/qwen3-8b"), card("qwen/qwen3-30b-a3b"), card("ai21labs/jamba-1.5-mini")
    listed_moe = card("deepseek/deepseek-coder-v2-lite-instruct")  # DeepseekV2ForCausalLM
    off = {"cudagraph_estimate": "off"}

    def out(version: str, c: Any, component: str, runner: str | None = None) -> str | None:
        return V.outside_basis(version, "CUDA", component, card=c, settings=off, runner=runner)

    for component in ("activation_peak", "kv_budget", "kv_cache_tokens"):
        assert out("0.21.0", dense, component) is None
        # v0.22-v0.24: a dense model's default depends on its architecture class, which a card does not name
        assert "may have run" in str(out("0.22.0", dense, component))
        assert out("0.22.0", dense, component, runner="v1") is None  # unless its log shows the runner
        assert "as its log shows" in str(out("0.22.0", dense, component, runner="v2"))
        assert out("0.23.0", moe, component) is None and out("0.23.0", listed_moe, component) is None
        assert "Model Runner V2" in str(out("0.24.0", listed_moe, component))
        assert out("0.24.0", moe, component) is None
        assert "Model Runner V2" in str(out("0.25.0", dense, component))
        # MoE models off the list and hybrid models kept Model Runner V1 until v0.29.0
        assert out("0.26.0", moe, component) is None and out("0.26.0", hybrid, component) is None
        assert "Model Runner V2" in str(out("0.26.0", listed_moe, component))
        for c in (moe, hybrid, dense):
            # v0.27.0-v0.32.x: Model Runner V2 as modelled (--model-runner v2), inside; v0.33 (the FP32
            # sampler pass on 16-token blocks) not; v0.34 by default sizes the KV cache after warm-up
            assert out("0.29.0", c, component) is None and out("0.32.0", c, component) is None
            assert "v0.33 added the FP32 sampler pass" in str(out("0.33.0", c, component))
            assert "extensible KV cache" in str(out("0.34.0", c, component))
    assert out("0.27.1", dense, "weights") is None and out("0.34.0", moe, "weights") is None


def test_vllm_version_takes_a_line_or_a_version_and_refuses_what_no_line_follows(cat: Any) -> None:
    # a version picks its line: 0.11 (v0.11.0-v0.16.x), 0.17 (v0.17.0-v0.20.x), 0.21 (v0.21.0-v0.33.x),
    # 0.34 (v0.34.0 on: Model Runner V1 removed)
    for given, line in (("0.27.1", "0.21"), ("v0.33.0", "0.21"), ("0.21.0", "0.21"), ("0.20.2", "0.17"),
                        ("0.17", "0.17"), ("0.16.1", "0.11"), ("0.11.0", "0.11"), ("0.34.0", "0.34"),
                        ("0.34", "0.34"), ("0.35.1", "0.34")):
        assert V.OPTIONS["vllm_version"].parse("--vllm-version", given) == line, given
    for given in ("0.10.2", "latest", ""):
        with pytest.raises(PlanError) as err:
            V.OPTIONS["vllm_version"].parse("--vllm-version", given)
        assert "allowed: 0.11, 0.17, 0.21, 0.34" in str(err.value)
    p = run(cat, "meta/llama-3.1-8b", "h100-sxm-80gb", context=8192)
    assert V.basis(p["settings"]).startswith("vLLM 0.21.0-0.33.x on Model Runner V1")
    assert any("holds for v0.21.0 to v0.33.x" in a for a in p["assumptions"])




# --- Model Runner V2 (--model-runner v2: as v0.27.0 to v0.32.x run it) ---------------------------

def test_model_runner_v2_profile_peak_by_hand() -> None:
    """Qwen3-1.7B (hidden 2048, intermediate 6144, 16 heads and 8 KV heads of 128, vocabulary 151,936)
    at max_num_batched_tokens 2048 and max_num_seqs 256.

    The forward's MLP: 2048 tokens x 2 bytes x (2 x 2048 residual and input + 3 x 6144 gate/up and
    activation) = 92,274,688 bytes. Model Runner V2's dummy sampler: the hidden states (2048 x 2048 x 2
    = 8,388,608) and 256 rows of BF16 logits (256 x 151,936 x 2 = 77,791,232) = 86,179,840, below the
    forward, so the peak is 92,274,688 (88.0 MiB). vLLM 0.27.1 printed 0.09 GiB for this model and
    these settings with a warm compile cache (case vllm-qwen3-1.7b-bf16-c2048-warm-compile-v0.27.1).
    Model Runner V1 adds the Triton top-k/top-p sampler's 14 bytes per logit and more."""
    c = card("qwen/qwen3-1.7b")
    peak = V.activation_peak(c, 1, 2048, 256, "0.21", "v2")
    assert peak == 2048 * 2 * (2 * 2048 + 3 * 6144) == 92_274_688
    assert abs(peak / GiB - 0.09) / 0.09 < 0.05
    assert V.activation_peak(c, 1, 2048, 256, "0.21", "v1") > 256 * 151_936 * 14
    # with few tokens the logits decide: 256 rows at 256 tokens
    assert V.activation_peak(c, 1, 256, 256, "0.21", "v2") == 256 * 2048 * 2 + 256 * 151_936 * 2


def test_model_runner_v2_penalty_buffers_by_hand() -> None:
    # v1/worker/gpu/sample/penalties.py: output_bin_counts int32 [max_num_seqs, vocab] and prompt_bin_mask
    # int32 [max_num_seqs, ceil(vocab / 32)]: 256 x 151,936 x 4 + 256 x 4,748 x 4 bytes; logit_bias.py:
    # (3 x 1024 + 128) x 4 = 12,800 bytes per slot of int32/FP32 tables; bad_words.py: (1024 + 129) x 4
    # = 4,612; logprob.py: 128 x 4 = 512; structured_outputs.py: a 4,748-int32 grammar mask and one int32
    # index per slot (256 x 18,996)
    assert V.mrv2_sampler_buffers(151_936, 256) == (155_582_464 + 4_861_952 + 256 * 12_800 + 256 * 4_612
                                                    + 256 * 512 + 256 * (4_748 * 4 + 4)) == 169_895_936


def test_model_runner_v2_plan(cat: Any) -> None:
    kw = dict(context=8192, gpu_memory_utilization=0.92)
    v1 = run(cat, "qwen/qwen3-8b", "rtx-4090", **kw)
    v2 = run(cat, "qwen/qwen3-8b", "rtx-4090", model_runner="v2", **kw)
    assert v2["settings"]["model_runner"] == "v2" and v1["settings"]["model_runner"] == "v1"
    assert v2["command"].startswith("VLLM_USE_V2_MODEL_RUNNER=1 VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 vllm serve ")
    assert V.basis(v2["settings"]).startswith("vLLM 0.27.0-0.32.x on Model Runner V2")
    c1, c2 = v1["components"], v2["components"]
    assert c2["weights"] == c1["weights"]
    # the per-slot sampler state joins the non-torch memory (test_model_runner_v2_penalty_buffers_by_hand)
    assert c2["non_torch"] - c1["non_torch"] == 169_895_936
    # the budget is the same; V2's smaller peak leaves more for the KV cache
    assert c2["kv_budget"] + c2["weights"] + c2["activation_peak"] + c2["non_torch"] == \
        c1["kv_budget"] + c1["weights"] + c1["activation_peak"] + c1["non_torch"]
    assert c2["activation_peak"] < c1["activation_peak"] and c2["kv_budget"] > c1["kv_budget"]
    assert any("warm torch.compile cache" in a for a in v2["assumptions"])
    with pytest.raises(PlanError) as err:
        run(cat, "qwen/qwen3-8b", "rtx-4090", model_runner="v2", vllm_version="0.17", **kw)
    assert err.value.option == "--model-runner"


def test_model_runner_v2_runs_are_planned_with_it_where_modelled() -> None:
    dense, moe = card("qwen/qwen3-8b"), card("qwen/qwen3-30b-a3b")
    vl = card("qwen/qwen2.5-vl-3b-instruct")
    off, on = {"cudagraph_estimate": "off"}, {"cudagraph_estimate": "on"}
    assert V.planned_runner("0.27.1", dense) == "v2" and V.planned_runner("0.27.1", moe) == "v1"
    assert V.planned_runner("0.30.0", moe) == "v2" and V.planned_runner("0.21.0", dense) == "v1"
    assert V.planned_runner("0.26.0", dense) == "v1" and V.planned_runner("0.33.0", dense) == "v1"
    assert V.planned_runner("0.31.0", dense) == "v2" and V.planned_runner("0.32.0", moe) == "v2"
    assert V.planned_runner("0.23.0", dense, runner="v2") == "v1"  # before the modelled releases
    assert V.planned_runner("0.28.0", dense, runner="v1") == "v1"  # the log wins
    for component in ("activation_peak", "kv_cache_memory", "kv_cache_tokens"):
        # modelled: v0.27.0-v0.30.x
        assert V.outside_basis("0.27.1", "CUDA", component, card=dense, settings=off) is None
        assert V.outside_basis("0.30.0", "CUDA", component, card=moe, settings=off) is None
        # not modelled: v0.26 (FP32 dummy logits, older accounting) and v0.33
        assert "modelled as v0.27.0 to v0.32.x" in str(V.outside_basis("0.26.0", "CUDA", component, card=dense,
                                                                          settings=off))
        assert "modelled as v0.27.0 to v0.32.x" in str(V.outside_basis("0.33.0", "CUDA", component, card=dense,
                                                                          settings=off))
        # a start that compiled the model, and a multimodal model's encoder profiling
        assert "compiled the model" in str(V.outside_basis("0.27.1", "CUDA", component, card=dense, settings=off,
                                                           compile_cache="cold"))
        assert V.outside_basis("0.27.1", "CUDA", component, card=dense, settings=off, compile_cache="warm") is None
        assert "encoder" in str(V.outside_basis("0.27.1", "CUDA", component, card=vl, settings=off))
    # Model Runner V2 took no CUDA graph estimate before v0.29.0: with vLLM's default (on) the KV memory
    # is the budget itself; from v0.29.0 it takes one, as Model Runner V1 did from v0.21.0
    assert V.outside_basis("0.28.0", "CUDA", "kv_cache_memory", card=dense, settings=on) is None
    assert "estimate" in str(V.outside_basis("0.29.0", "CUDA", "kv_cache_memory", card=dense, settings=on))
    assert V.outside_basis("0.29.0", "CUDA", "kv_budget", card=dense, settings=on) is None


# --- release line 0.34 (v0.34.0 on: Model Runner V2 only) ---------------------------------------

def test_release_line_0_34_command_runner_and_refusals(cat: Any) -> None:
    p = run(cat, "qwen/qwen3-8b", "h100-sxm-80gb", context=8192, vllm_version="0.34")
    # no VLLM_USE_V2_MODEL_RUNNER (v0.34 refuses 0 and calls 1 redundant); the extensible KV cache, v0.34's
    # default on CUDA, is turned off so that vLLM sizes the cache from its profile run
    assert p["command"] == ("VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 vllm serve Qwen/Qwen3-8B --max-model-len 8192 "
                            "--gpu-memory-utilization 0.92 --no-enable-extensible-kv-cache")
    assert p["settings"]["model_runner"] == "v2"
    assert V.basis(p["settings"]).startswith("vLLM 0.34.0 and later on Model Runner V2")
    assert any("No public vLLM 0.34 start-up log" in a for a in p["assumptions"])
    with pytest.raises(PlanError) as err:
        run(cat, "qwen/qwen3-8b", "h100-sxm-80gb", vllm_version="0.34", model_runner="v1")
    assert err.value.option == "--model-runner" and "removed Model Runner V1" in str(err.value)
    # hybrid models are planned (test_vllm_hybrid.py), except those the release cannot run
    assert V.unsupported(card("qwen/qwen3.5-35b-a3b"), {"vllm_version": "0.34"}) is None


def test_release_line_0_34_blocks_of_64_tokens(cat: Any) -> None:
    """config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE is 64 in v0.34.0 (16 before). Qwen3-8B keeps
    8 KV heads x 128 x 2 (K, V) x 2 bytes = 4,096 bytes a token in each of its 36 layers, so a 64-token
    page of one layer is 262,144 bytes and a block of all 36 layers 9,437,184; the capacity is whole
    blocks of 64 tokens."""
    lay = V.kv_layout(card("qwen/qwen3-8b"), 1, 2, release="0.34")
    assert (lay.block_size, lay.page_bytes) == (64, 262_144)
    p = run(cat, "qwen/qwen3-8b", "rtx-4090", context=4096, vllm_version="0.34")
    kv = p["components"]["kv_cache_memory"]
    assert p["kv_cache_capacity_tokens"] == kv // 9_437_184 * 64
    assert V.layer_blocks(None, 64, 4096, 2048) == 4096 // 64


def test_release_line_0_34_sampler_warmup_pass_by_hand() -> None:
    """Qwen3-1.7B (hidden 2048, intermediate 6144, vocabulary 151,936) at 2048 batched tokens and 256
    sequences. From v0.33.0 the dummy sampler runs a second pass with every sampling feature on while the
    BF16 logits (256 x 151,936 x 2 = 77,791,232 bytes) stay alive: an FP32 copy and FlashInfer's masked
    logits and softmax, 3 x 256 x 151,936 x 4 = 466,747,392 bytes. With the hidden states (2048 x 2048 x 2
    = 8,388,608) the sampler peaks at 552,927,232 bytes, above the forward's 92,274,688."""
    c = card("qwen/qwen3-1.7b")
    assert V.activation_peak(c, 1, 2048, 256, "0.34", "v2") == 8_388_608 + 77_791_232 + 466_747_392 == 552_927_232
    assert V.activation_peak(c, 1, 2048, 256, "0.21", "v2") == 92_274_688


def test_release_line_0_34_batch_defaults_have_the_160_gib_tier(cat: Any) -> None:
    # engine/arg_utils.py (v0.28.0 on): GPUs with >= 160 GiB get 16384 batched tokens and 1024 sequences
    # (a B200: 180 GB = 167.6 GiB); an H100 stays at 8192 / 1024, a 24 GB GPU at 2048 / 256
    b200 = run(cat, "qwen/qwen3-8b", "b200", vllm_version="0.34")["settings"]
    h100 = run(cat, "qwen/qwen3-8b", "h100-sxm-80gb", vllm_version="0.34")["settings"]
    small = run(cat, "qwen/qwen3-8b", "rtx-4090", vllm_version="0.34")["settings"]
    assert (b200["max_num_batched_tokens"], b200["max_num_seqs"]) == (16384, 1024)
    assert (h100["max_num_batched_tokens"], h100["max_num_seqs"]) == (8192, 1024)
    assert (small["max_num_batched_tokens"], small["max_num_seqs"]) == (2048, 256)
    assert run(cat, "qwen/qwen3-8b", "b200")["settings"]["max_num_batched_tokens"] == 8192  # the 0.21 line


def test_every_release_line_has_each_per_line_rule() -> None:
    # a rule kept per release line must name every line, or a plan on the missing one fails
    for table in (V.BASES, V.DEFAULT_UTILIZATION, V.BLOCK_SIZES, V.NCCL_TP_BYTES):
        assert set(table) == set(V.RELEASE_LINES), table


def test_the_command_loads_the_checkpoint_the_plan_sizes(cat: Any) -> None:
    # vLLM converts published BF16 weights as they load with --quantization fp8 (dynamic FP8) or
    # --dtype float32 (docs: engine arguments); it refuses a --quantization that differs from a quantized
    # checkpoint's own method, so any other quantization is a checkpoint of its own, which the
    # command cannot name: the weights note says so instead of "as published".
    def plan(cid: str, quant: str) -> dict[str, Any]:
        return run(cat, cid, "h200-141gb", 8 if cid.startswith("deepseek") else 1, quant=quant, context=4096)

    def weights_note(p: dict[str, Any]) -> str:
        return next(a for a in p["assumptions"] if a.startswith("Weights: "))

    assert plan("meta/llama-3.1-8b", "FP8")["command"].endswith("--quantization fp8")
    assert plan("meta/llama-3.1-8b", "FP32")["command"].endswith("--dtype float32")
    assert "as published (BF16)" in weights_note(plan("meta/llama-3.1-8b", "BF16"))
    for cid, quant, published in (("openai/gpt-oss-120b", "FP8", "MXFP4"), ("deepseek/deepseek-v3", "BF16", "FP8"),
                                  ("meta/llama-3.1-8b", "INT8", "BF16"), ("meta/llama-3.1-8b", "AWQ-4bit", "BF16")):
        p = plan(cid, quant)
        assert "--quantization" not in p["command"] and "--dtype" not in p["command"], (cid, quant)
        assert f"a checkpoint of this model in {quant}, published apart from the {published} one" in weights_note(p)
    with pytest.raises(PlanError, match="FP16: a GGUF file type"):
        plan("meta/llama-3.1-8b", "FP16")
    with pytest.raises(PlanError) as err:  # the allowed values are those this model can be loaded at
        plan("qwen/qwen3-30b-a3b", "MXFP4")
    assert "MXFP4" not in str(err.value).split("allowed: ")[1]


def test_without_a_gpu_the_plan_says_what_starts_it(cat: Any) -> None:
    # No GPU: the KV cache is one max_model_len request's, the least vLLM starts with (8,192 tokens x
    # 128 KiB for Llama 3.1 8B in BF16 = 1 GiB), and the note names the smallest GPU memory that starts
    # the plan: planned on a GPU of exactly that much it fits, on one 1 MiB smaller it does not.
    p = run(cat, "meta/llama-3.1-8b", context=8192)
    assert p["devices"][0]["kv_cache_bytes"] == 8192 * 128 * 1024 == GiB
    note = next(a for a in p["assumptions"] if a.startswith("No GPU given"))
    least_gib = float(note.split("the smallest GPU that starts this plan has ")[1].split(" GiB")[0])
    least = V.smallest_gpu_memory(V.resolve(card("meta/llama-3.1-8b"), cat, {**p["settings"]}, Hardware(None, 1, None, None), []),
                                  V.kv_layout(card("meta/llama-3.1-8b"), 1, 2), p["components"]["weights"],
                                  p["components"]["activation_peak"], p["components"]["non_torch"],
                                  p["devices"][0]["overhead_bytes"])
    assert least is not None and abs(least / GiB - least_gib) < 0.01
    on_gpu = {"gpu_memory_utilization": None, "context": 8192}
    assert run(cat, "meta/llama-3.1-8b", "rtx-4090", mem_gib=least / GiB, **on_gpu)["fits"] is True
    assert run(cat, "meta/llama-3.1-8b", "rtx-4090", mem_gib=(least - MiB) / GiB, **on_gpu)["fits"] is False


def test_no_max_model_len_starts_when_the_budget_fails(cat: Any) -> None:
    # --gpu-memory-utilization 1 leaves no room for the CUDA context, and the CUDA graphs are captured
    # after the KV cache takes the whole budget: no shorter max_model_len helps.
    p = run(cat, "meta/llama-3.1-8b", "rtx-4090", gpu_memory_utilization=1.0, context=32768)
    assert p["fits"] is False and p["max_context_that_fits"] is None

