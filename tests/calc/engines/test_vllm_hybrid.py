"""vLLM's hybrid KV cache (state-space and linear-attention layers beside attention layers) against
hand computations that follow vLLM 0.11.0's rules, and a block size a vLLM contributor published.

The rules, written out once (vLLM 0.11.0 sources):
* a state layer keeps one page per request (v1/kv_cache_interface.py MambaSpec), of the state
  shapes in model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator, in the model
  dtype (BF16: 2 bytes);
* the attention block size becomes 16 x cdiv(state page, 16 x attention bytes per token), and the
  state page is padded to block x attention bytes per token
  (model_executor/models/config.py HybridAttentionMambaModelConfig.verify_and_update_config);
* layers are grouped in groups of equal size (v1/core/kv_cache_utils.py
  _get_kv_cache_groups_uniform_page_size); blocks = available // (page x group size); the log's
  "GPU KV cache size" = blocks // number of groups x block size; a request takes cdiv(len, block)
  blocks in each attention group and one in each state group (get_max_concurrency_for_kv_cache_config).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.calc.catalogs import load_catalogs
from generator.calc.engines import Hardware, PlanError
from generator.calc.engines import vllm as V

ROOT = Path(__file__).resolve().parents[3]
GiB = 2**30


def card(cid: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "registry" / f"{cid}.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def cat() -> Any:
    return load_catalogs()


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def test_nemotron_nano_9b_v2_block_size_is_the_published_672() -> None:
    # vLLM issue #24280 (a vLLM contributor): nvidia/NVIDIA-Nemotron-Nano-9B-v2 gets "672 tokens"
    # of attention block. Its config.json: 128 Mamba heads of 80, 8 groups, state 128, conv 4;
    # attention with 8 KV heads of 128; BF16.
    arch = {"layers": 4, "layer_pattern": "MMMA", "hidden_size": 4480,
            "attention": {"structure": "GQA", "heads": 40, "kv_heads": 8, "head_dim": 128},
            "ssm": {"kind": "mamba2", "state_size": 128, "conv_kernel": 4, "inner_size": 128 * 80, "heads": 128,
                    "head_dim": 80, "n_groups": 8}}
    sp = V.state_pages({"architecture": arch}, 1, 2, 2)  # no family: not Nemotron-H's float32 rule
    assert sp.block_size == 672
    assert sp.state_bytes == (3 * (10_240 + 2 * 8 * 128) + 128 * 80 * 128) * 2 == 2_695_168
    assert sp.page_bytes == 672 * (2 * 8 * 128 * 2)


def test_qwen3_next_layout_by_hand() -> None:
    c = card("qwen/qwen3-next-80b-a3b-instruct")
    # tp 1. Gated DeltaNet state: conv 3 x (2 x 16 x 128 + 32 x 128) = 24,576, recurrent
    # 32 x 128 x 128 = 524,288 values, BF16: 1,097,728 bytes. Attention: 2 (K, V) x 2 KV heads x
    # 256 x 2 = 2,048 bytes a token; block = 16 x cdiv(1,097,728, 32,768) = 16 x 34 = 544.
    lay = V.kv_layout(c, 1, 2)
    assert (lay.block_size, lay.page_bytes) == (544, 544 * 2048)
    # 12 attention layers, 36 gated DeltaNet layers: group size 12 (36 >= 1.5 x 12), so one
    # attention group and three state groups.
    assert (lay.group_size, lay.groups, lay.state_groups, lay.state_layers) == (12, (None,), 3, 36)
    assert lay.per_token_bytes == 12 * 2048 and lay.state_bytes == 36 * 1_097_728
    # tp 4: one KV head a rank (2 // 4 -> 1), the state split four ways: conv 24,576 / 4 = 6,144,
    # recurrent 8 x 128 x 128 = 131,072; 137,216 values x 2 = 274,432 bytes; 1,024 bytes a token;
    # block 16 x cdiv(274,432, 16,384) = 16 x 17 = 272.
    lay4 = V.kv_layout(c, 4, 2)
    assert (lay4.block_size, lay4.page_bytes) == (272, 272 * 1024)
    # fp8 KV cache: 512 bytes a token, the state stays BF16: block 16 x cdiv(274,432, 8,192) = 544.
    assert V.kv_layout(c, 4, 1).block_size == 544


def test_qwen3_next_capacity_and_concurrency_by_hand() -> None:
    lay = V.kv_layout(card("qwen/qwen3-next-80b-a3b-instruct"), 4, 2)
    page = 272 * 1024
    available = 40 * GiB
    res = V.kv_capacity(lay, available, 32_768, 8192, "0.11")
    blocks = 40 * GiB // (page * 12)  # 42,949,672,960 // 3,342,336 = 12,850
    assert res.num_blocks == blocks == 12_850
    # printed tokens: blocks // 4 groups x 272 = 3,212 x 272
    assert res.tokens == 3_212 * 272 == 873_664
    # one 32,768-token request: cdiv(32,768, 272) = 121 attention blocks + 3 state blocks
    assert res.max_concurrency == 12_850 / (121 + 3)
    # the start check, layer by layer: 12 layers x 121 pages + 36 state pages
    assert res.needed_one_request == (12 * 121 + 36) * page
    assert res.allocated == blocks * page * 12


def test_granite_4_h_small_groups_grow_to_the_tp_size() -> None:
    # mamba2_state_shape: one group at tp 4 becomes 4 (extra_groups_for_head_shards adds tp - 1).
    # conv: 3 x (8,192 + 2 x 4 x 128) / 4 = 3 x 2,304 = 6,912; recurrent: 128 / 4 x 64 x 128 =
    # 262,144; (6,912 + 262,144) x 2 = 538,112 bytes. Attention: 8 / 4 = 2 KV heads of 128:
    # 1,024 bytes a token; block 16 x cdiv(538,112, 16,384) = 16 x 33 = 528.
    c = card("ibm-granite/granite-4.0-h-small")
    assert V.state_page_elements(c["architecture"], 4) == (6_912, 262_144)
    lay = V.kv_layout(c, 4, 2)
    assert (lay.block_size, lay.state_bytes // lay.state_layers) == (528, 538_112)
    # 4 attention and 36 Mamba-2 layers: group size 4, one attention group and nine state groups
    assert (lay.group_size, len(lay.groups), lay.state_groups) == (4, 1, 9)


def test_jamba_mamba1_state_by_hand() -> None:
    # mamba1_state_shape at tp 2: d_inner 8,192 / 2 = 4,096; conv 3 x 4,096 = 12,288; temporal
    # 4,096 x 16 = 65,536; 77,824 values x 2 = 155,648 bytes. Attention: 8 / 2 = 4 KV heads of
    # 128 (4,096 / 32): 2,048 bytes a token; block 16 x cdiv(155,648, 32,768) = 80.
    lay = V.kv_layout(card("ai21labs/jamba-1.5-mini"), 2, 2)
    assert (lay.block_size, lay.page_bytes, lay.state_bytes) == (80, 80 * 2048, 28 * 155_648)
    assert (lay.group_size, len(lay.groups), lay.state_groups) == (4, 1, 7)


def test_minimax_m1_lightning_state_by_hand() -> None:
    # linear_attention_state_shape at tp 8: 64 / 8 heads x 128 x 128 = 131,072 values, no conv;
    # x 2 = 262,144 bytes. Attention: 8 / 8 = 1 KV head of 128: 512 bytes a token;
    # block 16 x cdiv(262,144, 8,192) = 512, and the state page needs no padding.
    lay = V.kv_layout(card("minimaxai/minimax-m1-80k"), 8, 2)
    assert (lay.block_size, lay.page_bytes, lay.state_bytes // lay.state_layers) == (512, 262_144, 262_144)
    # 10 attention and 70 lightning layers: group size 10, one attention group and seven state groups
    assert (lay.group_size, len(lay.groups), lay.state_groups) == (10, 1, 7)


def test_parallel_layers_form_two_equal_groups() -> None:
    # Falcon-H1: every layer holds attention and a Mamba-2 mixer. Shapes of Falcon-H1-Tiny:
    # 24 layers, 2 KV heads of 64, 24 Mamba heads of 32, 1 group, state 64, conv 4.
    arch = {"layers": 24, "layer_pattern": "P" * 24, "hidden_size": 512,
            "attention": {"structure": "GQA", "heads": 8, "kv_heads": 2, "head_dim": 64},
            "ssm": {"kind": "mamba2", "state_size": 64, "conv_kernel": 4, "inner_size": 768, "heads": 24,
                    "head_dim": 32, "n_groups": 1}}
    lay = V.kv_layout({"architecture": arch}, 1, 2)
    # state: (3 x (768 + 2 x 64) + 24 x 32 x 64) x 2 = 103,680 bytes; 2 x 2 x 64 x 2 = 512 a
    # token; block 16 x cdiv(103,680, 8,192) = 16 x 13 = 208
    assert (lay.block_size, lay.state_bytes) == (208, 24 * 103_680)
    # 24 attention and 24 state layers: one group of each
    assert (lay.group_size, len(lay.groups), lay.state_groups) == (24, 1, 1)
    res = V.kv_capacity(lay, 10 * GiB, 1000, 2048, "0.11")
    assert res.tokens == (10 * GiB // (208 * 512 * 24)) // 2 * 208


def test_tensor_parallel_sizes_the_state_layers_cannot_split_are_refused(cat: Any) -> None:
    c = card("nvidia/nemotron-h-8b-base-8k")
    assert V.allowed_tp(c) == [1, 2, 4, 8, 16, 32]  # 128 Mamba heads split as far as the 32 attention heads
    odd = copy.deepcopy(c)
    odd["architecture"]["ssm"].update(heads=80, inner_size=80 * 64)  # 80 heads: not over 32 ranks
    assert V.allowed_tp(odd) == [1, 2, 4, 8, 16]
    hw = Hardware(next(g for g in cat.gpus if g["id"] == "h100-sxm-80gb"), 32, None, None, None)
    settings = {k: o.default for k, o in V.OPTIONS.items()} | {"tensor_parallel": 32}
    with pytest.raises(PlanError, match="state-space or linear-attention"):
        V.plan(odd, cat, settings, hw)


def test_plan_reports_the_hybrid_capacity(cat: Any) -> None:
    c = card("nvidia/nemotron-h-8b-base-8k")
    hw = Hardware(next(g for g in cat.gpus if g["id"] == "h100-sxm-80gb"), 1, None, None, None)
    settings = {k: o.default for k, o in V.OPTIONS.items()} | {"context": 8192}
    # The 0.17 line (v0.17-v0.19: Nemotron-H's SSM state in float16 unless config.json says otherwise):
    # Mamba-2 state (3 x (8,192 + 2 x 8 x 128) + 128 x 64 x 128) x 2 = 2,158,592 bytes; 8 KV heads of 128:
    # 4,096 bytes a token; block 16 x cdiv(2,158,592, 65,536) = 16 x 33 = 528.
    p = V.plan(c, cat, settings | {"vllm_version": "0.17"}, hw)
    page = 528 * 4096
    # 4 attention and 24 Mamba-2 layers: group size 4; 1 attention group + 6 state groups; before v0.21
    # the printed tokens are blocks // 7 groups x 528
    blocks = p["components"]["kv_cache_memory"] // (page * 4)
    assert p["kv_cache_capacity_tokens"] == blocks // 7 * 528
    assert p["max_concurrency"] == round(blocks / (cdiv(8192, 528) + 6), 2)
    # the KV cache per token counts the 4 attention layers only
    assert p["kv_cache_bytes_per_token"] == 4 * 4096
    assert any("528 tokens" in a and "24 state-space" in a for a in p["assumptions"])
    assert any("v0.20.x keeps it in float32" in a for a in p["assumptions"])
    # an FP32 checkpoint keeps its state in FP32: twice the state, a larger block
    p32 = V.plan(c, cat, settings | {"quant": "FP32", "vllm_version": "0.17"}, hw)
    assert any(f"{16 * cdiv(2 * 2_158_592, 16 * 8192)} tokens" in a for a in p32["assumptions"])


def test_nemotron_h_state_in_float32_and_tokens_from_concurrency_on_the_0_21_line(cat: Any) -> None:
    # v0.20.0 on, NemotronHForCausalLMConfig keeps the SSM state in float32 when config.json names no
    # mamba_ssm_cache_dtype: conv 3 x 10,240 x 2 = 61,440 bytes + temporal 128 x 64 x 128 x 4 = 4,194,304
    # = 4,255,744 bytes a layer; block 16 x cdiv(4,255,744, 65,536) = 16 x 65 = 1,040 tokens.
    c = card("nvidia/nemotron-h-8b-base-8k")
    hw = Hardware(next(g for g in cat.gpus if g["id"] == "h100-sxm-80gb"), 1, None, None, None)
    settings = {k: o.default for k, o in V.OPTIONS.items()} | {"context": 8192}
    p = V.plan(c, cat, settings, hw)
    lay = V.kv_layout(c, 1, 2)
    assert (lay.block_size, lay.state_bytes // 24) == (1040, 4_255_744)
    blocks = p["components"]["kv_cache_memory"] // (1040 * 4096 * 4)
    # one request: cdiv(8,192, 1,040) = 8 attention blocks + 6 state groups x 1 page (prefix caching off)
    concurrency = blocks / (8 + 6)
    assert p["max_concurrency"] == round(concurrency, 2)
    # v0.21.0 on: GPU KV cache size = int(max_concurrency x max_model_len)
    assert p["kv_cache_capacity_tokens"] == int(concurrency * 8192)
    assert p["command"].endswith("--no-enable-prefix-caching")
    assert any("float32" in a and "Nemotron-H" in a for a in p["assumptions"])


def test_release_line_0_34_align_mode_state_pages(cat: Any) -> None:
    # v0.34.0: 64-token base blocks, block 64 x cdiv(4,255,744, 64 x 4,096) = 64 x 17 = 1,088 tokens;
    # prefix caching on ('align' mode): a Mamba-2 state group holds 2 + 1 checkpoint = 3 pages per request.
    c = card("nvidia/nemotron-h-8b-base-8k")
    hw = Hardware(next(g for g in cat.gpus if g["id"] == "h100-sxm-80gb"), 1, None, None, None)
    settings = {k: o.default for k, o in V.OPTIONS.items()} | {"context": 8192, "vllm_version": "0.34"}
    p = V.plan(c, cat, settings, hw)
    page = 1088 * 4096
    blocks = p["components"]["kv_cache_memory"] // (page * 4)
    per_request = cdiv(8192, 1088) + 6 * 3  # 8 + 18
    assert p["max_concurrency"] == round(blocks / per_request, 2)
    assert p["kv_cache_capacity_tokens"] == int(blocks / per_request * 8192)
    assert "--no-enable-prefix-caching" not in p["command"]
    # Jamba's Mamba-1 mixer has no prefill checkpoint: 2 pages; gated DeltaNet 3 where FlashInfer's GDN
    # prefill runs (Hopper), 2 elsewhere (an A100)
    assert V.state_blocks(card("ai21labs/jamba-1.5-mini"), "0.34") == 2
    qwen_next = card("qwen/qwen3-next-80b-a3b-instruct")
    a100 = next(g for g in cat.gpus if g["id"] == "a100-80gb")
    assert (V.state_blocks(qwen_next, "0.34"), V.state_blocks(qwen_next, "0.34", a100)) == (3, 2)
    assert V.state_blocks(qwen_next, "0.21") == 1
    # MiniMax's lightning attention left vLLM after v0.23.x
    assert "v0.23.x" in str(V.unsupported(card("minimaxai/minimax-m1-80k"), {"vllm_version": "0.34"}))


@pytest.mark.parametrize("cid", ["tiiuae/falcon-h1-7b-instruct", "tiiuae/falcon-h1-1.5b-instruct"])
def test_falcon_h1_block_size_and_padding_are_vllms_printed_ones(cid: str) -> None:
    # vLLM's log for Falcon-H1 (BF16), as a public write-up on serving hybrid models quotes it:
    # "Setting attention block size to 1568 tokens ..." and "Padding mamba page size by 0.71% ...".
    # Both cards: 2 KV heads of 128 (1,024 bytes a token and layer) and a mixer of 3,072 channels,
    # one group, state 256, conv 4: (3 x (3,072 + 2 x 256) + 3,072 x 256) x 2 = 1,594,368 bytes.
    lay = V.kv_layout(card(cid), 1, 2)
    per_layer = lay.state_bytes // lay.state_layers
    assert lay.block_size == 16 * cdiv(1_594_368, 16 * 1024) == 1568
    assert per_layer == (3 * (3072 + 2 * 256) + 3072 * 256) * 2 == 1_594_368
    assert round(100 * (lay.block_size * 1024 - per_layer) / per_layer, 2) == 0.71
