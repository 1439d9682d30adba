"""The llama.cpp engine model against hand computations and llama.cpp's printed buffer sizes.

Hand computations are written out; printed numbers carry the URL of the public log.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.calc.catalogs import load_catalogs
from generator.calc import engines as E
from generator.calc.engines import Hardware, PlanError, hardware
from generator.calc.engines import llamacpp as L
from generator.calc.engines.llamacpp.layers import layer_weights
from generator.calc.engines.llamacpp.planner import gb_text
from generator.calc.memory import weight_bytes
from generator.calc.tensors import inventory
from generator.load import load_file

ROOT = Path(__file__).resolve().parents[3]
MIB = 1 << 20
NO_HW = Hardware(None, 1, None, None)


@pytest.fixture(scope="module")
def catalogs() -> Any:
    return load_catalogs()


def card(cid: str) -> dict[str, Any]:
    return load_file(ROOT / "registry" / f"{cid}.yaml", cid).data


def gpu(catalogs: Any, gid: str) -> Any:
    return next(g for g in catalogs.gpus if g["id"] == gid)


def plan(catalogs: Any, cid: str, hardware: Hardware = NO_HW, **settings: Any) -> dict[str, Any]:
    s = {k: o.default for k, o in L.OPTIONS.items()}
    s.update(settings)
    return L.plan(card(cid), catalogs, s, hardware)


def mib(b: float) -> float:
    return b / MIB


# --- KV cache -----------------------------------------------------------------------------------

def test_kv_llama_31_8b_8192_f16(catalogs):
    # 32 layers x 8 kv heads x 128 head_dim x 2 (K and V) x 2 bytes x 8192 cells = 1 GiB;
    # llama.cpp prints "KV buffer size = 1024.00 MiB" for this setup.
    expected = 32 * 8 * 128 * 2 * 2 * 8192
    assert expected == 1024 * MIB
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1)
    assert p["components"]["device_kv_cache"] == expected
    assert p["components"]["host_kv_cache"] == 0
    # the unified default (-np auto: 4 slots) shares the same 8192 cells
    assert plan(catalogs, "meta/llama-3.1-8b", context=8192)["components"]["device_kv_cache"] == expected


def test_kv_context_padded_to_256(catalogs):
    # llama_context: n_ctx = GGML_PAD(n_ctx, 256): -c 8000 allocates 8192 cells
    p = plan(catalogs, "meta/llama-3.1-8b", context=8000, parallel=1)
    assert p["settings"]["n_ctx"] == 8192
    assert p["components"]["device_kv_cache"] == 32 * 8 * 128 * 2 * 2 * 8192


def test_kv_split_slots_pad_each_slot(catalogs):
    # -np 3 (not unified): n_ctx_seq = GGML_PAD(8192 / 3, 256) = GGML_PAD(2730, 256) = 2816 cells
    # per slot, 3 streams: 8448 cells in all.
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=3)
    assert p["settings"]["n_ctx_seq"] == 2816
    assert p["components"]["device_kv_cache"] == 32 * 8 * 128 * 2 * 2 * 2816 * 3


def test_kv_q8_0_and_separate_k_v_types(catalogs):
    # q8_0: 34 bytes per block of 32 values. K and V: 32 layers x 1024 values x 8192 cells each.
    per_cache = 32 * 1024 * 8192
    q8 = per_cache * 34 // 32
    assert q8 == 272 * MIB
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, kv_dtype="Q8_0")
    assert p["components"]["device_kv_cache"] == 2 * q8
    # -ctk q8_0 -ctv f16: K at 272 MiB, V at 512 MiB
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, kv_type_k="q8_0")
    assert p["components"]["device_kv_cache"] == q8 + per_cache * 2
    assert "-ctk q8_0 -ctv f16" in p["command"]


def test_quantized_v_needs_flash_attention(catalogs):
    with pytest.raises(PlanError) as e:
        plan(catalogs, "meta/llama-3.1-8b", context=8192, kv_type_v="Q4_0", flash_attn="off")
    assert e.value.option == "--kv-type-v"


def test_kv_gemma_3_swa_cells(catalogs):
    # Gemma 3 27B: 62 layers, pattern LLLLLG -> 10 x 5 + 2 = 52 sliding (window 1024), 10 full;
    # 16 kv heads x 128 x 2 (K, V) x 2 bytes = 8192 bytes per cell per layer.
    per_cell = 16 * 128 * 2 * 2
    # -np 1: SWA cells = GGML_PAD(min(8192, 1024 x 1 + 512), 256) = 1536
    p = plan(catalogs, "google/gemma-3-27b", context=8192, parallel=1)
    assert p["settings"]["swa_cells"] == 1536
    assert p["components"]["device_kv_cache"] == (10 * 8192 + 52 * 1536) * per_cell
    # -np auto (4 slots, unified): GGML_PAD(min(8192, 1024 x 4 + 512), 256) = 4608
    p = plan(catalogs, "google/gemma-3-27b", context=8192)
    assert p["settings"]["swa_cells"] == 4608
    assert p["components"]["device_kv_cache"] == (10 * 8192 + 52 * 4608) * per_cell
    # --swa-full: every layer 8192 cells
    p = plan(catalogs, "google/gemma-3-27b", context=8192, parallel=1, swa_full=True)
    assert p["components"]["device_kv_cache"] == 62 * 8192 * per_cell
    assert p["command"].endswith("--swa-full")


def test_kv_gpt_oss_20b(catalogs):
    # gpt-oss-20b: 24 layers alternating sliding (window 128) and full; 8 kv heads x 64.
    # -np 1, -c 8192: SWA cells = GGML_PAD(128 + 512, 256) = 768.
    per_cell = 8 * 64 * 2 * 2
    p = plan(catalogs, "openai/gpt-oss-20b", context=8192, parallel=1)
    assert p["components"]["device_kv_cache"] == (12 * 8192 + 12 * 768) * per_cell == 210 * MIB


def test_kv_deepseek_v3_mla_caches_latent_only(catalogs):
    # MLA (llama-kv-cache.cpp: has_v = !is_mla): K holds kv_lora_rank 512 + rope 64 = 576 values
    # per layer and cell, no V. 61 layers x 576 x 2 bytes x 8192 cells = 549 MiB.
    expected = 61 * 576 * 2 * 8192
    assert expected == 549 * MIB
    p = plan(catalogs, "deepseek/deepseek-v3", context=8192, parallel=1)
    assert p["components"]["device_kv_cache"] == expected
    assert p["kv_cache_bytes_per_token"] == 61 * 576 * 2
    # the latent is the K cache: -ctk sets its type, -ctv has nothing to price
    p = plan(catalogs, "deepseek/deepseek-v3", context=8192, parallel=1, kv_type_k="Q8_0", kv_type_v="Q4_0")
    assert p["components"]["device_kv_cache"] == 61 * 576 * 34 // 32 * 8192


def test_kv_deepseek_v32_adds_the_indexer_key(catalogs):
    # DeepSeek-V3.2 (config.json: 61 layers, kv_lora_rank 512, qk_rope_head_dim 64, index_head_dim
    # 128; registry/deepseek/deepseek-v3.2.yaml): llama_kv_cache_dsa keeps two caches of the same
    # cells, the MLA latent (512 + 64 = 576 values) and the lightning indexer's single key head
    # (128 values), both K only and both at -ctk. Per token at F16:
    # 61 x (576 + 128) x 2 = 61 x 1,408 = 85,888 bytes (V3's 70,272 plus 61 x 256 = 15,616).
    assert 61 * (576 + 128) * 2 == 85_888 == 61 * 576 * 2 + 61 * 128 * 2
    p = plan(catalogs, "deepseek/deepseek-v3.2", context=8192, parallel=1)
    assert p["kv_cache_bytes_per_token"] == 85_888
    # 8,192 cells (a multiple of 256, so no padding): 85,888 x 8,192 = 671 MiB (549 + 122)
    assert p["components"]["device_kv_cache"] == 85_888 * 8192 == 671 * MIB
    # -ctk q8_0 prices both caches (34 bytes per 32 values), -ctv nothing:
    # 61 x (576 + 128) x 34 / 32 = 61 x 748 = 45,628 bytes per token
    p = plan(catalogs, "deepseek/deepseek-v3.2", context=8192, parallel=1, kv_type_k="Q8_0", kv_type_v="Q4_0")
    assert p["kv_cache_bytes_per_token"] == 61 * 748 == 45_628
    # -np 2 slots without a unified cache: two streams of 4,096 cells, the same total
    p = plan(catalogs, "deepseek/deepseek-v3.2", context=8192, parallel=2)
    assert p["components"]["device_kv_cache"] == 85_888 * 8192
    # the sparse-attention card is planned now (the refusal is gone), V3.2-Exp likewise
    assert L.unsupported(card("deepseek/deepseek-v3.2")) is None
    assert L.unsupported(card("deepseek/deepseek-v3.2-exp")) is None


def test_compute_buffer_deepseek_v32_indexer_scores(catalogs):
    # src/models/deepseek32.cpp: the indexer multiplies its 64 query heads by every cached key,
    # an F32 [n_kv, n_ubatch, 64] tensor, then copies it contiguous for ReLU: both live at once.
    # At 32,768 cells and ubatch 512: 2 x 32,768 x 512 x 64 x 4 bytes = 8 GiB, far above V3's
    # attention or FFN peak with flash attention on.
    scores = 2 * 32768 * 512 * 64 * 4
    assert scores == 8 * 1024 * MIB
    # plus the residual and normed input (2 x 7,168) and the indexer queries (64 x 128), per token
    peak = 4 * 512 * (2 * 7168 + 64 * 128) + scores
    sh = L.Shape(card("deepseek/deepseek-v3.2"))
    assert sh.indexer(512, 32768) == peak
    assert sh.attention(512, 32768, True) == peak
    # flash attention off: the MLA attention's own F32 scores, 128 heads x 32,768 x 512 x 4 = 8 GiB,
    # with its activations (Q 128 x 576 wide twice, ...) come out larger than the indexer's peak
    assert sh.attention(512, 32768, False) > peak
    assert L.Shape(card("deepseek/deepseek-v3")).indexer(512, 32768) == 0
    v3 = plan(catalogs, "deepseek/deepseek-v3", context=32768, parallel=1, flash_attn="on")
    v32 = plan(catalogs, "deepseek/deepseek-v3.2", context=32768, parallel=1, flash_attn="on")
    # the device buffer: the indexer peak plus the inputs: the hidden state (512 x 7,168 x 4), the
    # latent cache's F32 mask and its F16 cast (32,768 x 512 x 6) and the indexer cache's F32 mask
    inputs = 512 * 7168 * 4 + 32768 * 512 * 6 + 32768 * 512 * 4
    assert v32["components"]["device_compute_buffer"] == peak + inputs
    assert v3["components"]["device_compute_buffer"] < 2 * 1024 * MIB
    # host: both F32 masks (2 x 32,768 x 512 x 4), three int32 inputs and the embedding rows
    assert v32["components"]["host_compute_buffer"] == 4 * 512 * (3 + 2 * 32768) + 4 * 512 * 7168


# --- weights ------------------------------------------------------------------------------------

def test_layer_walk_adds_up_to_the_calculator(catalogs):
    # The per-layer walk prices the same tensors as generator.calc.weights (one formula):
    # its sum without the tied output copy equals weight_bytes() less the extra parameters.
    for cid in ("meta/llama-3.1-8b", "google/gemma-3-27b", "deepseek/deepseek-v3", "qwen/qwen3-30b-a3b"):
        c = card(cid)
        for qid in ("Q4_K_M", "Q8_0", "Q2_K"):
            q = catalogs.quantization(qid)
            lw = layer_weights(c, q, catalogs, tied_output_copy=False)
            wb = weight_bytes(inventory(c), q, catalogs, 0)
            assert lw.total == wb.total, (cid, qid)
            assert sum(lw.experts) == wb.routed_experts


def test_llama_31_8b_q4_k_m_placement(catalogs):
    # Token embedding in host memory: 128256 x 4096 at Q4_K (144 bytes per 256 values)
    # = 295,501,824 bytes = 281.81 MiB, the "CPU_Mapped model buffer size" llama.cpp prints.
    host = 128256 * 4096 * 144 // 256
    assert round(mib(host), 2) == 281.81
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1)
    assert p["components"]["host_weights"] == host
    lw = layer_weights(card("meta/llama-3.1-8b"), catalogs.quantization("Q4_K_M"), catalogs)
    assert p["components"]["device_weights"] == lw.total - host


def test_printed_weight_buffers(catalogs):
    # -ngl 20 of a 48-layer model (Qwen2.5-14B shapes: DeepSeek-R1-Distill-Qwen-14B Q4_K_M), an
    # early-2026 llama.cpp runtime (after PR #18148: the output layer first, then the last 19 layers):
    #   CUDA0 model buffer size = 3621.44 MiB, CPU_Mapped model buffer size = 4944.60 MiB
    # https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/1360
    p = plan(catalogs, "qwen/qwen2.5-14b", context=8192, parallel=1, n_gpu_layers=20)
    assert round(mib(p["components"]["device_weights"]), 2) == 3621.44
    assert round(mib(p["components"]["host_weights"]), 2) == 4944.60
    # All 33 units offloaded, build 5781 (Vulkan), Llama 3.1 8B Q4_0:
    #   Vulkan0 model buffer size = 4155.99 MiB, CPU_Mapped model buffer size = 281.81 MiB
    # https://github.com/ikawrakow/ik_llama.cpp/discussions/562
    p = plan(catalogs, "meta/llama-3.1-8b", quant="Q4_0", context=16384, ubatch=1024, parallel=1)
    assert round(mib(p["components"]["device_weights"]), 2) == 4155.99
    assert round(mib(p["components"]["host_weights"]), 2) == 281.81
    assert mib(p["components"]["device_kv_cache"]) == 2048.0


def test_tied_output_is_loaded_twice(catalogs):
    # Gemma 3 ties the output to token_embd; llama.cpp keeps the input table on the CPU and
    # loads the same tensor again as the output on the GPU (TENSOR_DUPLICATED).
    c = card("google/gemma-3-27b")
    q = catalogs.quantization("Q4_K_M")
    once = layer_weights(c, q, catalogs, tied_output_copy=False)
    twice = layer_weights(c, q, catalogs)
    assert twice.total - once.total == twice.token_embd > 0
    p = plan(catalogs, "google/gemma-3-27b", context=8192, parallel=1)
    assert p["components"]["host_weights"] == twice.token_embd
    assert p["components"]["device_weights"] == twice.total - twice.token_embd


def test_ngl_offloads_the_output_then_the_last_layers(catalogs):
    # PR #18148: the 33 units are layers 0..31 and the output layer (unit 32); -ngl 20 takes the
    # last 20 units: the output layer and layers 13..31 on the GPU, layers 0..12 (and their KV)
    # on the CPU.
    c = card("meta/llama-3.1-8b")
    lw = layer_weights(c, catalogs.quantization("Q4_K_M"), catalogs)
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, n_gpu_layers=20)
    assert p["components"]["device_weights"] == sum(lw.dense[13:]) + lw.output
    assert p["components"]["host_weights"] == sum(lw.dense[:13]) + lw.token_embd
    per_layer_kv = 8 * 128 * 2 * 2 * 8192
    assert p["components"]["device_kv_cache"] == 19 * per_layer_kv
    assert p["components"]["host_kv_cache"] == 13 * per_layer_kv
    # -ngl 1: the output layer alone; -ngl 33: everything but the input table
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, n_gpu_layers=1)
    assert p["components"]["device_weights"] == lw.output
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, n_gpu_layers=33)
    assert p["components"]["host_weights"] == lw.token_embd


def test_two_gpus_split_layers_evenly(catalogs):
    # 33 units (32 layers + output) over 2 equal GPUs: layer il goes to the first device
    # whose cumulative share (0.5, 1.0) exceeds il / 33: layers 0..16 on CUDA0, 17..31 and
    # the output on CUDA1.
    c = card("meta/llama-3.1-70b")
    lw = layer_weights(c, catalogs.quantization("Q4_K_M"), catalogs)
    hw = Hardware(gpu(catalogs, "a100-80gb"), 2, None, None)
    p = plan(catalogs, "meta/llama-3.1-70b", hw, context=8192, parallel=1)
    n = len(lw.dense)  # 80: units 0..80, share boundary at 81 / 2 = 40.5 -> 0..40 | 41..80
    assert [d["weights_bytes"] for d in p["devices"]] == [sum(lw.dense[:41]), sum(lw.dense[41:n]) + lw.output]


# --- compute buffers ----------------------------------------------------------------------------

def test_compute_buffer_fa_on_is_the_logits(catalogs):
    # Llama 3.1 8B, ubatch 512, flash attention on: the peak is the last step, the normed hidden
    # state and the logits of every token: 512 x (128256 + 4096) x 4 bytes = 258.5 MiB, the
    # "CUDA0 compute buffer size = 258.50 MiB" issue 10 quotes as measured.
    expected = 512 * (128256 + 4096) * 4
    assert mib(expected) == 258.5
    p = plan(catalogs, "meta/llama-3.1-8b", context=8192, parallel=1, flash_attn="on")
    assert p["components"]["device_compute_buffer"] == expected
    # host (CUDA_Host): the embedding rows 4096 x 512 x 4 = 8 MiB, the F32 mask 8192 x 512 x 4
    # = 16 MiB and three int32 inputs of 512: 24.01 MiB as llama.cpp prints it
    assert round(mib(p["components"]["host_compute_buffer"]), 2) == 24.01
    # output buffer: n_vocab x 4 bytes for one sequence = 0.49 MiB
    assert round(mib(p["components"]["output_buffer"]), 2) == 0.49


def test_compute_buffer_fa_off_long_context(catalogs):
    # Flash attention off at 32K: the F32 scores 32768 x 512 x 32 heads x 4 = 2048 MiB dominate.
    # Issue 10 quotes 2,144 MiB measured for an 8B model at 32K; the target is within 15%.
    p = plan(catalogs, "meta/llama-3.1-8b", context=32768, parallel=1, flash_attn="off")
    got = mib(p["components"]["device_compute_buffer"])
    assert got >= 2048
    assert abs(got - 2144) / 2144 < 0.15


def test_qwen25_3b_printed_buffers(catalogs):
    # Public log, llama.cpp build 4701 via LLamaSharp, Qwen2.5-3B Q8_0 (qwen2, 36 layers,
    # n_embd 2048, 2 kv heads x 128), n_ctx 4096, ubatch 512, flash attention off, one sequence:
    # https://github.com/SciSharp/LLamaSharp/issues/1099
    #   KV buffer size = 144.00 MiB; output buffer size = 0.58 MiB;
    #   CUDA0 compute buffer size = 300.75 MiB; CUDA_Host compute buffer size = 12.01 MiB
    p = plan(catalogs, "qwen/qwen2.5-3b", context=4096, parallel=1, flash_attn="off", quant="Q8_0")
    comp = p["components"]
    assert mib(comp["device_kv_cache"]) == 144.0
    assert round(mib(comp["output_buffer"]), 2) == 0.58
    assert round(mib(comp["device_compute_buffer"]), 2) == 300.75
    assert round(mib(comp["host_compute_buffer"]), 2) == 12.01


# --- offload and fit ----------------------------------------------------------------------------

def test_auto_offload_moves_experts_first(catalogs):
    # Qwen3-30B-A3B at Q8_0 (about 30 GB) on one 24 GB card: the plan keeps attention and dense
    # weights on the GPU and moves the experts of the first N layers to system RAM, N the smallest
    # that fits; N - 1 does not fit.
    hw = Hardware(gpu(catalogs, "rtx-4090"), 1, None, None)
    p = plan(catalogs, "qwen/qwen3-30b-a3b", hw, quant="Q8_0", context=8192)
    n = p["offload"]["cpu_moe_layers"]
    assert p["fits"] is True
    assert 0 < n < 48
    assert p["offload"]["n_gpu_layers"] == 49  # all 48 layers and the output
    assert f"--n-cpu-moe {n}" in p["command"]
    lw = layer_weights(card("qwen/qwen3-30b-a3b"), catalogs.quantization("Q8_0"), catalogs)
    assert p["components"]["host_weights"] == lw.token_embd + sum(lw.experts[:n])
    worse = plan(catalogs, "qwen/qwen3-30b-a3b", hw, quant="Q8_0", context=8192, cpu_moe_layers=n - 1,
                 n_gpu_layers=49)
    assert worse["fits"] is False


def test_auto_offload_dense_moves_layers(catalogs):
    # Llama 3.1 70B Q4_K_M (about 40 GiB) on one 24 GB card: no experts, so layers move (-ngl).
    hw = Hardware(gpu(catalogs, "rtx-4090"), 1, None, None)
    p = plan(catalogs, "meta/llama-3.1-70b", hw, context=8192)
    ngl = p["offload"]["n_gpu_layers"]
    assert p["fits"] is True and 0 < ngl < 81
    assert p["offload"]["cpu_moe_layers"] == 0
    assert plan(catalogs, "meta/llama-3.1-70b", hw, context=8192, n_gpu_layers=ngl + 1)["fits"] is False


def test_ram_short_does_not_fit(catalogs):
    hw = Hardware(gpu(catalogs, "rtx-4090"), 1, 16 * 10**9, None)
    p = plan(catalogs, "meta/llama-3.1-70b", hw, context=8192)
    assert p["host"]["total_bytes"] > 16 * 10**9
    assert p["fits"] is False


# --- speed --------------------------------------------------------------------------------------

def test_layer_split_adds_no_bandwidth(catalogs):
    # Same bytes read per token on one or two GPUs, read one GPU after the other: same bound.
    one = plan(catalogs, "meta/llama-3.1-8b", Hardware(gpu(catalogs, "a100-80gb"), 1, None, None),
               context=8192, parallel=1)["speed"]["decode_tokens_per_s_upper_bound"]
    two = plan(catalogs, "meta/llama-3.1-8b", Hardware(gpu(catalogs, "a100-80gb"), 2, None, None),
               context=8192, parallel=1)["speed"]["decode_tokens_per_s_upper_bound"]
    assert one == pytest.approx(two, rel=1e-9)
    # by hand: every weight but the embedding table, plus one sequence's 8192 cached tokens, at 2,039 GB/s
    lw = layer_weights(card("meta/llama-3.1-8b"), catalogs.quantization("Q4_K_M"), catalogs)
    read = lw.total - lw.token_embd + 32 * 8 * 128 * 2 * 2 * 8192
    assert one == pytest.approx(2_039_000_000_000 / read)


def test_host_bytes_slow_decode(catalogs):
    # Experts in system RAM are read at the system-memory bandwidth: a slower bound.
    hw = Hardware(gpu(catalogs, "rtx-4090"), 1, None, 80_000_000_000)
    gpu_only = plan(catalogs, "qwen/qwen3-30b-a3b", hw, context=8192, quant="Q4_K_M")
    moved = plan(catalogs, "qwen/qwen3-30b-a3b", hw, context=8192, quant="Q4_K_M", cpu_moe_layers=24)
    assert moved["speed"]["decode_tokens_per_s_upper_bound"] < gpu_only["speed"]["decode_tokens_per_s_upper_bound"]
    # the basis names the bytes from system RAM and the bandwidth readably (GB, three digits)
    basis = moved["speed"]["basis"]
    assert re.search(r"plus \d+(\.\d+)? GB per token from system RAM at 80 GB/s", basis), basis
    assert not re.search(r"\d{7,}", basis), basis


def test_gb_text():
    assert gb_text(1_431_406_080) == "1.43 GB"
    assert gb_text(89_600_000_000) == "89.6 GB"
    assert gb_text(80_000_000_000) == "80 GB"


# --- options and errors -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "flag", "raw", "allowed"), [
    ("ubatch", "--ubatch", "0", "allowed: a whole number from 1"),
    ("ubatch", "--ubatch", "x", "allowed: a whole number from 1"),
    ("flash_attn", "--flash-attn", "maybe", "on, off, auto"),
    ("n_gpu_layers", "--n-gpu-layers", "-1", "allowed: auto or a whole number from 0"),
    ("parallel", "--parallel", "0", "allowed: auto or a whole number from 1"),
    ("kv_dtype", "--kv-dtype", "fp8", "f16"),
    ("swa_full", "--swa-full", "perhaps", "true or false"),
])
def test_option_errors_name_the_option(name, flag, raw, allowed):
    with pytest.raises(PlanError) as e:
        L.OPTIONS[name].parse(flag, raw)
    assert e.value.option == flag
    assert allowed in e.value.message


def test_option_values():
    assert L.OPTIONS["n_gpu_layers"].parse("--n-gpu-layers", "auto") == "auto"
    assert L.OPTIONS["n_gpu_layers"].parse("--n-gpu-layers", "0") == 0
    assert L.OPTIONS["kv_type_k"].parse("--kv-type-k", "q8_0") == "Q8_0"
    assert L.OPTIONS["ubatch"].default == 512 and L.OPTIONS["batch"].default == 2048


def test_context_above_training_context(catalogs):
    # checked by engines.plan on one sequence's context (L.sequence_context)
    from generator.calc import engines as E
    with pytest.raises(PlanError) as e:
        E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {"context": 262144}, NO_HW)
    assert e.value.option == "--context" and "131,072" in e.value.message
    # -c 262144 -np 2: two slots of 131,072 tokens each (llama-server splits -c over explicit slots)
    p = E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {"context": 262144, "parallel": 2}, NO_HW)
    assert p["settings"]["n_ctx_seq"] == 131072
    with pytest.raises(PlanError):
        E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {"context": 262400, "parallel": 2}, NO_HW)
    assert L.sequence_context({"context": 262144, "parallel": "auto"}) == 262144  # unified: each slot may use all


def test_default_context_is_the_training_context(catalogs):
    p = plan(catalogs, "meta/llama-3.1-8b")
    assert p["settings"]["context"] == 131072
    assert p["settings"]["parallel"] == 4 and p["settings"]["kv_unified"] is True


def test_unsupported():
    assert L.unsupported(card("meta/llama-3.1-8b")) is None
    assert L.unsupported({**card("meta/llama-3.1-8b"), "open_weights": False})


# --- multi-GPU and op offload, against printed buffer sizes --------------------------------------

def test_pipeline_parallel_keeps_input_copies(catalogs):
    # Public log, build 4462, Qwen2.5-Coder-32B Q8_0 on 2 GPUs, -c 32768 -b 512 -ub 256 -fa,
    # q8_0 K and V, -ngl 99, "pipeline parallelism enabled (n_copies=4)":
    # https://github.com/ggml-org/llama.cpp/issues/11200
    #   KV self size = 4352.00 MiB; CUDA0/CUDA1 compute 233.00 + 237.51 MiB; CUDA_Host compute 133.01 MiB
    # Host by hand: 4 copies x (F32 mask 32768 x 256 x 4 = 32 MiB + 3 int32 inputs of 256)
    # + the embedding rows 5120 x 256 x 4 = 5 MiB: 133.01 MiB.
    hw = Hardware(gpu(catalogs, "rtx-3090"), 2, None, None)
    p = plan(catalogs, "qwen/qwen2.5-coder-32b", hw, quant="Q8_0", context=32768, batch=512, ubatch=256,
             flash_attn="on", kv_dtype="Q8_0", parallel=1, n_gpu_layers=99)
    comp = p["components"]
    assert mib(comp["device_kv_cache"]) == 4352.0
    assert round(mib(comp["host_compute_buffer"]), 2) == 133.01
    assert abs(mib(comp["device_compute_buffer"]) - 470.51) / 470.51 < 0.15
    # CUDA1 by hand: it receives CUDA0's F16 mask, 4 copies x 32768 x 256 x 2 = 64 MiB, and the
    # hidden state, 4 copies x 5120 x 256 x 4 = 20 MiB, which stay allocated in a pipelined
    # graph; its peak is then the logits 256 x (152064 + 5120) x 4 = 153.5 MiB: 237.5 MiB
    # (printed: 237.51).
    by_hand = 4 * 32768 * 256 * 2 + 4 * 5120 * 256 * 4 + 256 * (152064 + 5120) * 4
    assert mib(by_hand) == 237.5
    assert p["devices"][1]["compute_buffer_bytes"] == by_hand


def test_pipeline_parallel_gpt_oss_120b_three_gpus(catalogs):
    # Public case, build 6688, gpt-oss-120b MXFP4 on 3x MI50 (ROCm), -c 131072, -fa auto -> on,
    # one sequence, pipeline parallelism (n_copies=4); printed (decimal commas in the log):
    #   KV 4608.00 MiB (131072 cells, 18 layers) + 27.00 MiB (768 SWA cells = pad(128 + 512, 256))
    #   ROCm0/1/2 compute 1276.07 / 646.82 / 958.45 MiB; ROCm_Host compute 1035.71 MiB
    # collected in tests/calc/engine_cases/llamacpp.yaml (cases-llamacpp) from
    # https://github.com/ggml-org/llama.cpp/issues/16424
    # Host by hand: 4 copies x (131072 + 768) x 512 x 4 bytes (both masks) + the embedding rows
    # 2880 x 512 x 4: 1035.6 MiB.
    hw = Hardware(gpu(catalogs, "mi300x"), 3, None, None)
    p = plan(catalogs, "openai/gpt-oss-120b", hw, quant="MXFP4", context=131072, parallel=1, flash_attn="on")
    comp = p["components"]
    assert mib(comp["device_kv_cache"]) == 4608.0 + 27.0
    assert abs(mib(comp["host_compute_buffer"]) - 1035.71) / 1035.71 < 0.01
    for d, printed in zip(p["devices"], (1276.07, 646.82, 958.45), strict=True):
        assert abs(mib(d["compute_buffer_bytes"]) - printed) / printed < 0.15


def test_op_offload_copies_the_output_not_the_experts(catalogs):
    # The output layer on the CPU (-ngl 0 since PR #18148 offloads it first): its product still runs
    # on the GPU, with its Q8_0 matrix copied in. A public log shows the same products with the output
    # on the CPU (build 6182, Vulkan, gpt-oss-20b MXFP4_MOE, -c 4096, FA off, the older -ngl 24 that
    # left the output there): "Vulkan0 compute buffer size = 985.20 MiB"
    # https://github.com/ggml-org/llama.cpp/issues/16188
    # By hand:
    # 201088 x 2880 x 34 / 32 bytes = 586.8 MiB, the logits 512 x 201088 x 4 = 392.75 MiB and the
    # normed hidden state 512 x 2880 x 4 = 5.6 MiB: 985.2 MiB.
    by_hand = 201088 * 2880 * 34 // 32 + 512 * 201088 * 4 + 512 * 2880 * 4
    assert round(mib(by_hand), 1) == 985.2
    p = plan(catalogs, "openai/gpt-oss-20b", quant="MXFP4", context=4096, parallel=1, flash_attn="off",
             n_gpu_layers=0, cpu_moe_layers=14)
    assert p["components"]["device_compute_buffer"] == by_hand
    # Public log, build 6699 (CUDA), same file, -c 131072 -fa on --n-cpu-moe 99 (every expert on the
    # CPU): "CUDA0 compute buffer size = 456.98 MiB". A whole expert tensor is
    # 32 x 2880 x 2880 x 17 / 32 bytes = 141 MiB; since PR #15346 the scheduler copies only the
    # experts a batch uses, outside the reserved buffer, so the buffer holds the masks (F32
    # 131072 x 512 x 4 = 256 MiB and its F16 cast 128 MiB) and one layer's activations.
    # https://github.com/ikawrakow/ik_llama.cpp/issues/822
    p = plan(catalogs, "openai/gpt-oss-20b", quant="MXFP4", context=131072, parallel=1, flash_attn="on",
             n_gpu_layers=99, cpu_moe_layers=24)
    got = mib(p["components"]["device_compute_buffer"])
    assert abs(got - 456.98) / 456.98 < 0.05
    # host by hand: both F32 masks (131072 + 768) x 512 x 4 = 257.5 MiB and the embedding rows
    # 2880 x 512 x 4 = 5.625 MiB: 263.125 MiB plus three int32 inputs (printed 263.15)
    assert abs(mib(p["components"]["host_compute_buffer"]) - 263.15) < 0.05


def test_tensor_split_shares(catalogs):
    # -ts 10,6 over 65 units (64 layers + output): cumulative shares 0.625 and 1.0; unit il goes to
    # CUDA0 while il / 65 < 0.625, i.e. il <= 40: 41 layers there, 23 and the output on CUDA1.
    # q8_0 KV at 32768 cells: 1024 values x 2 x 34/32 x 32768 = 68 MiB a layer: 41 x 68 = 2788 MiB
    # and 23 x 68 = 1564 MiB, the per-GPU "KV buffer size" lines of
    # https://github.com/ggml-org/llama.cpp/issues/11200
    hw = Hardware(gpu(catalogs, "rtx-3090"), 2, None, None)
    p = plan(catalogs, "qwen/qwen2.5-coder-32b", hw, quant="Q8_0", context=32768, batch=512, ubatch=256,
             flash_attn="on", kv_dtype="Q8_0", parallel=1, n_gpu_layers=99, tensor_split="10,6")
    assert [mib(d["kv_cache_bytes"]) for d in p["devices"]] == [2788.0, 1564.0]
    assert "-ts 10,6" in p["command"]
    with pytest.raises(PlanError) as e:
        plan(catalogs, "qwen/qwen2.5-coder-32b", hw, tensor_split="1,1,1")
    assert e.value.option == "--tensor-split"


def test_mxfp4_moe_file_type(catalogs):
    # Public log, build 6182 (Vulkan), ggml-org's gpt-oss-20b-mxfp4.gguf ("file type = MXFP4 MoE",
    # "file size = 11.27 GiB"), the older -ngl 24 (all 24 layers, the output on the CPU) --n-cpu-moe 14:
    # "Vulkan0 model buffer size = 4699.90 MiB"  https://github.com/ggml-org/llama.cpp/issues/16188
    # MXFP4_MOE keeps the experts in MXFP4 and writes the other matrices in Q8_0; the output matrix,
    # 201088 x 2880 at Q8_0 = 201088 x 2880 x 34 / 32 bytes = 586.8 MiB. Today's -ngl 25 puts the same
    # 24 layers and the output layer on the GPU: the printed buffer plus the output layer.
    c = card("openai/gpt-oss-20b")
    entry = L.file_type(c, catalogs, catalogs.quantization("MXFP4"))
    lw = layer_weights(c, entry, catalogs)
    p = plan(catalogs, "openai/gpt-oss-20b", quant="MXFP4", context=4096, parallel=1, flash_attn="off",
             n_gpu_layers=25, cpu_moe_layers=14)
    assert round(mib(p["components"]["device_weights"] - lw.output), 2) == 4699.90
    assert round(mib(lw.output), 1) == round(mib(201088 * 2880 * 34 // 32), 1) == 586.8
    assert round(lw.total / 2**30, 2) == 11.27
    with pytest.raises(PlanError) as e:
        plan(catalogs, "meta/llama-3.1-8b", quant="MXFP4")
    assert e.value.option == "--quant"


def test_unlisted_gpus_count_and_per_gpu_components(catalogs):
    # --gpus 2 with no catalog GPU (an unlisted device): two GPUs of unknown capacity, not one.
    # Llama 3.1 8B at 8192 cells, F16: per layer 8 x 128 x 2 x 2 x 8192 = 32 MiB. -ngl 33 units (32
    # layers and the output layer) split 1:1: unit il goes to GPU0 while il / 33 < 0.5, so layers 0-16
    # (17 x 32 = 544 MiB) on GPU0, layers 17-31 (15 x 32 = 480 MiB) and the output on GPU1.
    hw = Hardware(None, 2, None, None)
    p = plan(catalogs, "meta/llama-3.1-8b", hw, context=8192, parallel=1, tensor_split="1,1")
    comp = p["components"]
    assert [mib(x) for x in comp["device_kv_cache_per_gpu"]] == [544.0, 480.0]
    assert len(p["devices"]) == 2 and [d["name"] for d in p["devices"]] == ["GPU0", "GPU1"]
    assert all(d["capacity_bytes"] is None for d in p["devices"]) and p["fits"] is None
    # the lists add up to the sums, device by device
    for name in ("device_weights", "device_kv_cache", "device_compute_buffer"):
        assert sum(comp[f"{name}_per_gpu"]) == comp[name]
    assert comp["device_weights_per_gpu"] == [d["weights_bytes"] for d in p["devices"]]
    # the output matrix (128256 x 4096 at Q6_K in a Q4_K_M file) is on the second GPU only
    assert comp["device_weights_per_gpu"][1] > comp["device_weights_per_gpu"][0]


def test_outside_basis():
    assert L.outside_basis("b6699", "CUDA") is None
    assert L.outside_basis("version: 7100 (abc1234)", "ROCm") is None
    assert L.outside_basis(None, "CUDA") is None  # unknown build: counts
    assert L.outside_basis(None, "Metal") is None
    assert "b6250" in (L.outside_basis("b5274", "CUDA") or "")
    assert L.outside_basis("b6249", "CUDA") is not None
    assert L.outside_basis("b6250", "CUDA") is None
    assert "Vulkan" in (L.outside_basis("b6699", "Vulkan") or "")
    assert "Ollama" in (L.outside_basis("ollama 0.5.4", "CUDA") or "")
    assert "Ollama" in (L.outside_basis("ollama", None) or "")
    assert L.outside_basis("before b6250", "CUDA") is not None


def _card_of(structure: str = "GQA", window: int | None = None) -> dict:
    att: dict = {"structure": structure}
    if window:
        att["sliding_window"] = {"size": window}
    return {"architecture": {"attention": att}}


def test_outside_basis_per_component_weights_hold_for_every_build():
    # GGUF tensors and their placement: the same in every build, Vulkan and Ollama included
    for version in ("b4462", "b6250", None, "ollama 0.5.4", "before b6250"):
        for backend in ("CUDA", "Vulkan", "CPU"):
            assert L.outside_basis(version, backend, "device_weights") is None
            assert L.outside_basis(version, backend, "host_weights") is None
    # ...but a per-GPU split without --tensor-split follows each device's free memory
    assert "free memory" in (L.outside_basis("b6699", "CUDA", "device_weights_per_gpu", settings={}) or "")
    assert L.outside_basis("b6699", "CUDA", "device_weights_per_gpu", settings={"tensor_split": "10,6"}) is None


def test_outside_basis_compute_from_b6250_on_modelled_backends():
    assert "PR #15346" in (L.outside_basis("b6249", "CUDA", "device_compute_buffer") or "")
    assert L.outside_basis("b6250", "CUDA", "host_compute_buffer") is None
    assert "Vulkan" in (L.outside_basis("b7000", "Vulkan", "device_compute_buffer") or "")
    assert L.outside_basis("b7000", "Vulkan", "device_kv_cache", card=_card_of()) is None
    assert "Ollama" in (L.outside_basis("ollama 0.5.4", "CUDA", "device_compute_buffer") or "")


def test_outside_basis_compute_before_b6250_only_with_host_experts():
    # PR #15346 changed which routed experts the scheduler copies to the GPU when they sit in host
    # memory; runs without such experts keep the same compute buffers in older builds.
    dense = {"architecture": {"type": "dense", "layers": 32, "attention": {"structure": "GQA"}}}
    moe = {"architecture": {"type": "moe", "layers": 48, "attention": {"structure": "GQA"}}}
    full = {"n_gpu_layers": 99}
    for version in ("b5274", "before b6250"):
        # a dense model, offloaded or not, and a MoE model with every layer (and expert) on the GPU
        assert L.outside_basis(version, "CUDA", "device_compute_buffer", card=dense, settings=full) is None
        assert L.outside_basis(version, "CUDA", "device_compute_buffer", card=dense, settings={"n_gpu_layers": 20}) is None
        assert L.outside_basis(version, "CUDA", "device_compute_buffer", card=moe, settings=full) is None
        # a CPU-only run copies nothing to a GPU
        assert L.outside_basis(version, "CPU", "host_compute_buffer", card=moe, settings={"cpu_moe_layers": 48}) is None
        # experts in host memory beside a GPU: by --n-cpu-moe / -ot, or by layers -ngl leaves on the CPU
        for settings in ({"n_gpu_layers": 99, "cpu_moe_layers": 48}, {"n_gpu_layers": 30}, {}):
            assert "PR #15346" in (L.outside_basis(version, "CUDA", "device_compute_buffer", card=moe,
                                                   settings=settings) or "")
    # ...and where the rest of the graph changed: MLA models, and KV cells the KV rule does not model
    mla = {"architecture": {"type": "dense", "layers": 61, "attention": {"structure": "MLA"}}}
    assert "PR #12801" in (L.outside_basis("b5274", "CUDA", "device_compute_buffer", card=mla, settings=full) or "")
    swa = {"architecture": {"type": "dense", "layers": 48,
                            "attention": {"structure": "GQA", "sliding_window": {"size": 1024}}}}
    fa_on = {**full, "flash_attn": "on", "context": 8192}
    assert "PR #13833" in (L.outside_basis("b5500", "CUDA", "device_compute_buffer", card=swa, settings=fa_on) or "")
    assert L.outside_basis("b6182", "CUDA", "device_compute_buffer", card=swa, settings=fa_on) is None
    # builds from before PR #6122's output buffer (first dated after it: b2694) are not modelled at all
    assert "PR #6122" in (L.outside_basis("b1550", "CUDA", "device_compute_buffer", card=dense, settings=full) or "")
    assert L.outside_basis("b2694", "CUDA", "device_compute_buffer", card=dense, settings=full) is None
    # from b6250 on, every run is modelled
    assert L.outside_basis("b6250", "CUDA", "device_compute_buffer", card=moe, settings={"cpu_moe_layers": 48}) is None


def test_outside_basis_kv_by_model_class():
    gqa, swa, mla = _card_of(), _card_of(window=128), _card_of("MLA")
    fa_on = {"context": 8192, "flash_attn": "on"}
    # full attention: every build when the context is a multiple of 256 (older 32-cell padding agrees)
    assert L.outside_basis("b4462", "CUDA", "device_kv_cache", card=gqa, settings={"context": 4096, "flash_attn": "off"}) is None
    assert L.outside_basis("ollama 0.5.4", "CUDA", "device_kv_cache", card=gqa, settings=fa_on) is None
    # ...not when it is not, without flash attention, before PR #17046's build
    odd = {"context": 5000, "flash_attn": "off"}
    assert "PR #17046" in (L.outside_basis("b6699", "CUDA", "device_kv_cache", card=gqa, settings=odd) or "")
    assert L.outside_basis("b7571", "CUDA", "device_kv_cache", card=gqa, settings=odd) is None
    # explicit -np 4 slots: each slot's share must be a multiple of 256 for the rules to agree
    assert L.outside_basis("b6000", "CUDA", "device_kv_cache", card=gqa,
                           settings={"context": 1536, "parallel": 4, "flash_attn": "off"}) is not None
    # sliding window: n_swa + n_ubatch from PR #13833; 32-cell padding without FA before PR #17046
    assert "PR #13833" in (L.outside_basis("b5500", "CUDA", "device_kv_cache", card=swa, settings=fa_on) or "")
    assert L.outside_basis("b6182", "CUDA", "device_kv_cache", card=swa, settings=fa_on) is None
    assert "PR #17046" in (L.outside_basis("b6182", "CUDA", "device_kv_cache", card=swa,
                                           settings={"context": 4096, "flash_attn": "off"}) or "")
    # MLA: K only since PR #19067
    assert "PR #19067" in (L.outside_basis("b6699", "CUDA", "device_kv_cache", card=mla, settings=fa_on) or "")
    assert L.outside_basis("b8651", "CUDA", "device_kv_cache", card=mla, settings=fa_on) is None
    assert L.outside_basis(None, "CUDA", "device_kv_cache", card=mla, settings=fa_on) is None  # unknown counts
    # DeepSeek sparse attention: the indexer's cache exists from b9411 (PR #23346) on
    dsa = card("deepseek/deepseek-v3.2")
    assert "PR #23346" in (L.outside_basis("b8651", "CUDA", "device_kv_cache", card=dsa, settings=fa_on) or "")
    assert L.outside_basis("b9411", "CUDA", "device_kv_cache", card=dsa, settings=fa_on) is None


def test_mxfp4_moe_is_the_q8_0_row_as_stored(catalogs):
    # gpt-oss: the card keeps its routed experts MXFP4 in every GGUF (native.as_stored), so the
    # file type MXFP4_MOE is exactly the Q8_0 file: same bytes, layer by layer.
    c = card("openai/gpt-oss-20b")
    mx = layer_weights(c, L.file_type(c, catalogs, catalogs.quantization("MXFP4")), catalogs)
    q8 = layer_weights(c, L.file_type(c, catalogs, catalogs.quantization("Q8_0")), catalogs)
    assert mx == q8


def test_mapped_host_buffer_spans_every_layer_when_all_experts_are_on_the_cpu(catalogs):
    # Public log, build 6699, gpt-oss-20b MXFP4 (ggml-org's file), -ngl 99 --n-cpu-moe 24 (every
    # layer's experts on the CPU), mmap on: "CPU_Mapped model buffer size = 10949.33 MiB" and
    # "CUDA0 model buffer size = 1242.03 MiB" (https://github.com/ikawrakow/ik_llama.cpp/issues/822,
    # a mainline llama.cpp log). get_mapping_range spans from the first to the last CPU tensor,
    # here token_embd and every layer whole (their GPU-resident attention included); the output
    # layer, on the GPU at one end of the file, is outside the range:
    # file - output = token_embd + all layers.
    p = plan(catalogs, "openai/gpt-oss-20b", quant="MXFP4", context=131072, parallel=1, flash_attn="on",
             n_gpu_layers=99, cpu_moe_layers=24)
    c = card("openai/gpt-oss-20b")
    lw = layer_weights(c, L.file_type(c, catalogs, catalogs.quantization("MXFP4")), catalogs)
    assert p["components"]["host_weights"] == lw.total - lw.output
    assert round(mib(p["components"]["host_weights"]), 2) == pytest.approx(10949.33, abs=0.05)
    # what RAM must keep resident is the CPU tensors alone: token_embd and the experts
    assert p["host"]["weights_bytes"] == lw.token_embd + sum(lw.experts)
    # a partial --n-cpu-moe leaves layers without CPU tensors: the range then depends on the
    # file's order, and the plan reports the CPU tensors alone (the smallest possible range)
    q = plan(catalogs, "openai/gpt-oss-20b", quant="MXFP4", context=4096, parallel=1, n_gpu_layers=99,
             cpu_moe_layers=10)
    assert q["components"]["host_weights"] == q["host"]["weights_bytes"] == lw.token_embd + sum(lw.experts[:10])


def test_unified_memory_counts_the_gpu_and_the_host_in_one_ram(catalogs):
    # Llama 3.1 70B at Q4_K_M on a 32 GB M2 Max: the automatic offload keeps what Metal's working set
    # allows on the GPU and moves the other layers to the CPU. Each part fits its own limit (the GPU
    # its 66% of 32e9 bytes, the host the 32e9 bytes), but both come out of the same 32e9 bytes, and
    # together they are more: the plan must not fit. A 8B model fits with room to spare.
    hw = hardware(catalogs, "apple-m2-max-32gb")
    assert hw.ram_bytes is None  # the machine's RAM is its unified memory, not a --ram-gb
    p = E.plan(card("meta/llama-3.1-70b"), catalogs, "llama.cpp", {"quant": "Q4_K_M", "context": 8192}, hw)
    (dev,) = p["devices"]
    host = p["host"]["total_bytes"]
    assert dev["total_bytes"] <= dev["capacity_bytes"] == 32 * 10**9 * 66 // 100
    assert 0 < host < 32 * 10**9
    assert dev["total_bytes"] + host > 32 * 10**9
    assert p["fits"] is False and p["max_context_that_fits"] is None
    small = E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {"quant": "Q4_K_M", "context": 8192}, hw)
    assert small["fits"] is True
    # one machine, one GPU, its own RAM: the options that would say otherwise are refused
    for kwargs, option in (({"gpus": 2}, "--gpus"), ({"ram_gb": 64}, "--ram-gb"), ({"ram_class": "ddr5-dual"}, "--ram-class")):
        with pytest.raises(PlanError) as err:
            hardware(catalogs, "apple-m2-max-32gb", **kwargs)
        assert err.value.option == option


def test_moved_names_the_layers_on_the_cpu(catalogs):
    # -ngl N keeps the output layer and the last N - 1 of Llama 3.1 8B's 32 layers on the GPU (PR #18148):
    # -ngl 32 leaves layer 0 on the CPU, -ngl 1 all 32 layers, -ngl 0 the output layer as well
    hw = hardware(catalogs, "rtx-4090")
    llama = card("meta/llama-3.1-8b")

    def moved(ngl: int) -> str:
        return E.plan(llama, catalogs, "llama.cpp", {"context": 8192, "n_gpu_layers": ngl}, hw)["offload"]["moved"]

    assert moved(32).startswith("layers 0-0 (1 of 32) to the CPU, the output layer kept on the GPU")
    assert moved(1).startswith("layers 0-31 (32 of 32) to the CPU, the output layer kept on the GPU")
    assert moved(0).startswith("all 32 layers and the output layer to the CPU")
    assert moved(33) == "nothing: every layer on the GPU"
    with pytest.raises(PlanError) as err:
        E.plan(llama, catalogs, "llama.cpp", {"context": 8192, "cpu_moe_layers": 5}, hw)
    assert err.value.option == "--cpu-moe-layers"


def test_max_context_counts_every_slot(catalogs):
    # llama-server -c 262144 -np 2: each slot gets 131,072 tokens, Llama 3.1 8B's training context, so
    # the longest -c is twice that; a plan that fits must never report a shorter longest context.
    p = E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {"context": 262144, "parallel": 2},
               hardware(catalogs, "rtx-4090"))
    assert p["settings"]["n_ctx_seq"] == 131072
    assert p["fits"] is True and p["max_context_that_fits"] == 2 * 131072


def test_command_and_device_names_follow_the_settings(catalogs):
    # -b only where --batch differs from llama-server's 2048; an Intel GPU's buffers are SYCL0 (ggml-sycl)
    llama = card("meta/llama-3.1-8b")
    arc = hardware(catalogs, "arc-b580")
    given = E.plan(llama, catalogs, "llama.cpp", {"context": 8192, "batch": 4096}, arc)
    assert " -b 4096" in given["command"] and given["devices"][0]["name"] == "SYCL0"
    assert " -b " not in E.plan(llama, catalogs, "llama.cpp", {"context": 8192}, arc)["command"]


def test_yarn_options_where_a_slot_passes_the_native_context(catalogs):
    # Qwen3-32B: config.json's max_position_embeddings 40,960 (the GGUF's context_length); Qwen documents
    # YaRN x4 over 32,768 tokens for 131,072 (the card's rope_scaling, not in config.json). Past 40,960
    # tokens a slot needs llama-server's --rope-scaling yarn --rope-scale 4 --yarn-orig-ctx 32768, and
    # with them the longest context is the card's 131,072, not the GGUF's 40,960.
    qwen = card("qwen/qwen3-32b")
    h100 = hardware(catalogs, "h100-sxm-80gb")
    long = E.plan(qwen, catalogs, "llama.cpp", {"context": 131072}, h100)
    assert long["command"].endswith("--rope-scaling yarn --rope-scale 4 --yarn-orig-ctx 32768")
    assert "--rope-scaling" not in E.plan(qwen, catalogs, "llama.cpp", {"context": 40960}, h100)["command"]
    # -np 4 slots of 32,768 tokens each stay within the native context
    assert "--rope-scaling" not in E.plan(qwen, catalogs, "llama.cpp", {"context": 131072, "parallel": 4}, h100)["command"]
    assert E.plan(qwen, catalogs, "llama.cpp", {"context": 8192}, h100)["max_context_that_fits"] == 131072
    # Llama 3.1's rope scaling is in its config.json: nothing to add
    assert "--rope-scaling" not in E.plan(card("meta/llama-3.1-8b"), catalogs, "llama.cpp", {}, h100)["command"]


def test_moe_offload_on_two_gpus_fills_them_in_order(catalogs):
    """gpt-oss-120b (36 layers) at Q4_K_M on 2 x RTX 3090 with 64 GB of RAM, 8K context.

    --n-cpu-moe N empties layers 0..N-1 of their experts, and llama.cpp's even split puts those
    layers on CUDA0, so the even split leaves CUDA0 nearly idle while the experts of up to half the
    model sit in system RAM (llama.cpp issue #15263: balance with --tensor-split). Checked here by
    brute force, independent of the plan's own search: at the chosen N no even split fits; one
    fewer N fits with no split of the 37 units at all; and the chosen split fits.
    """
    hw = Hardware(gpu(catalogs, "rtx-3090"), 2, 64 * 10**9, None)
    p = plan(catalogs, "openai/gpt-oss-120b", hw, quant="Q4_K_M", context=8192)
    s = p["settings"]
    units, moe, split = s["n_gpu_layers"], s["cpu_moe_layers"], s["tensor_split"]
    assert (units, p["fits"]) == (37, True) and split is not None and sum(split) == units
    assert p["command"].endswith(f"--n-cpu-moe {moe} -ts {split[0]},{split[1]}")

    def fits(m: int, shares: Any) -> bool:
        return plan(catalogs, "openai/gpt-oss-120b", hw, quant="Q4_K_M", context=8192,
                    n_gpu_layers=units, cpu_moe_layers=m, tensor_split=shares)["fits"] is True

    assert not fits(moe, None)                                                   # the even split
    assert not any(fits(moe - 1, f"{c},{units - c}") for c in range(units + 1))  # no split at N - 1
    assert fits(moe, f"{split[0]},{split[1]}")
    even = plan(catalogs, "openai/gpt-oss-120b", hw, quant="Q4_K_M", context=8192, tensor_split="1,1")
    assert even["settings"]["cpu_moe_layers"] > moe
    assert p["host"]["weights_bytes"] < even["host"]["weights_bytes"]            # fewer bytes read from RAM
