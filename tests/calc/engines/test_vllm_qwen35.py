"""vLLM's hybrid cache for Qwen3.5 (release line 0.17), checked against a vLLM 0.18.1 start-up log.

Source: https://github.com/guardkit/agentic-dataset-factory/blob/142b5017ae371afa562301f6e5a07ffeb9c634e4/docs/reviews/longer-runs/docker-run-1.md
(case vllm-qwen3.5-35b-a3b-fp8-gb10-c262144-prefix in tests/calc/engine_cases/vllm_hybrid.yaml):
Qwen/Qwen3.5-35B-A3B-FP8, max_model_len 262,144, kv_cache_dtype auto (BF16). vLLM printed:
"Setting attention block size to 1056 tokens", "Padding mamba page size by 0.76%",
"Available KV cache memory: 56.64 GiB", "GPU KV cache size: 742,368 tokens". A second run of the same
setup (docs/reviews/longer-runs/2500-docker-run-1.md, same commit) printed 56.76 GiB and 743,424 tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.calc.engines import vllm as V
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[3]
GiB = 1 << 30


@pytest.fixture(scope="module")
def qwen35() -> dict[str, Any]:
    cards = {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}
    return cards["qwen/qwen3.5-35b-a3b"]


def test_recurrent_state_in_float32_sets_the_block_size(qwen35: dict[str, Any]) -> None:
    # Hand: one gated-DeltaNet layer on one GPU keeps a conv state of (4 - 1) x (2 x 16 x 128 + 32 x 128)
    # = 3 x 8,192 values in BF16 (49,152 bytes) and a recurrent state of 32 x 128 x 128 values in float32,
    # config.json's mamba_ssm_dtype (2,097,152 bytes): 2,146,304 bytes. An attention token holds
    # 2 (K, V) x 2 KV heads x 256 x 2 bytes = 2,048 bytes, so the block is 16 x cdiv(2,146,304, 16 x 2,048)
    # = 16 x 66 = 1,056 tokens (the log: 1056) and the page 1,056 x 2,048 = 2,162,688 bytes, the state
    # padded by 16,384 / 2,146,304 = 0.76% (the log: 0.76%).
    assert 3 * 8192 * 2 + 32 * 128 * 128 * 4 == 2_146_304
    sp = V.state_pages(qwen35, 1, 2, 2)
    assert (sp.block_size, sp.page_bytes, sp.state_bytes) == (1056, 2_162_688, 2_146_304)
    assert round(100 * (sp.page_bytes - sp.state_bytes) / sp.state_bytes, 2) == 0.76
    # with the state in the model dtype (no mamba_ssm_dtype) the block would be 544 tokens
    bf16 = {**qwen35["architecture"], "linear_attention": {**qwen35["architecture"]["linear_attention"],
                                                         "state_dtype": None}}
    assert V.state_pages({**qwen35, "architecture": bf16}, 1, 2, 2).block_size == 544


@pytest.mark.parametrize(("budget_gib", "printed_tokens"), [(56.64, 742_368), (56.76, 743_424)])
def test_tokens_from_the_printed_budget(qwen35: dict[str, Any], budget_gib: float, printed_tokens: int) -> None:
    # 10 attention and 30 state layers: groups of 10 (one attention group, three state groups), each block
    # 10 x 2,162,688 bytes; 56.64 GiB holds 2,812 blocks, 703 per group, 703 x 1,056 = 742,368 tokens.
    layout = V.kv_layout(qwen35, 1, 2, 2)
    assert (layout.group_size, len(layout.groups), layout.state_groups) == (10, 1, 3)
    res = V.kv_capacity(layout, int(budget_gib * GiB), 262_144, 8192, "0.17")  # v0.18.1 printed it
    assert res.tokens == printed_tokens


def test_release_lines_and_the_plan(qwen35: dict[str, Any]) -> None:
    # v0.11.0 has no Qwen3_5MoeForConditionalGeneration; the 0.17 line (vLLM's recipe: >= 0.17.0) plans it
    assert "cannot run Qwen3.5" in (V.unsupported(qwen35, {"vllm_version": "0.11"}) or "")
    assert V.unsupported(qwen35, {"vllm_version": "0.17"}) is None and V.unsupported(qwen35) is None
