"""Natively quantized releases: every quantization row describes what a file of that name holds.

The expected sizes are real files' sizes from public listings (URLs below), not the
calculator's. A GGUF file is tensor data plus metadata (tokenizer, hyperparameters) that
does not depend on the quantization: gpt-oss's 201,088-token vocabulary makes that about 13 MB.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.calc.native import as_stored
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def _card(card_id: str) -> dict:
    return yaml.safe_load((ROOT / "registry" / f"{card_id}.yaml").read_text())


def _weights(card_id: str, catalogs) -> dict[str, int]:
    return {w["quantization"]: w["weights_bytes"] for w in derive(_card(card_id), catalogs)["weights"]}


# ggml-org's "MXFP4" GGUF files are llama-quantize's MXFP4_MOE type: in llama-quant.cpp
# (llama_tensor_get_type) tensors with more than one expert (ne[2] > 1) go to MXFP4 and every
# other quantized tensor, output and token embedding included, to Q8_0. That is exactly the
# catalog's Q8_0 row as a gpt-oss file stores it (experts kept in MXFP4).
# Exact sizes as recorded in public source files that pin these downloads:
#   https://huggingface.co/ggml-org/gpt-oss-120b-GGUF/blob/main/gpt-oss-120b-MXFP4.gguf: 63,387,346,208
#     (aflin/rampart-langtools rampart-models.js, revision 238abdd290bb874b90a5da1b4549881b7d05c091)
#   https://huggingface.co/ggml-org/gpt-oss-20b-GGUF/blob/main/gpt-oss-20b-MXFP4.gguf: 12,109,566,624
#     (recorded with its sha256 27cd6c432c7672cb812a92f611cf3ba7bbc35928262bb1e1253ff4ee6ae35901)
GGML_ORG_MXFP4_MOE = {"openai/gpt-oss-120b": 63_387_346_208, "openai/gpt-oss-20b": 12_109_566_624}

# llama-bench's "size" column is the tensor data alone (no metadata), in GiB to 2 decimals,
# measured on the files themselves (https://community.frame.work/t/will-the-ai-max-395-128gb-
# be-able-to-run-gpt-oss-120b/73280/26): ggml-org's MXFP4 file 59.02 GiB, unsloth's F16 file
# 60.87 GiB (experts MXFP4, everything else F16: 65 GB, not the 234 GB of an all-F16 model).
LLAMA_BENCH_GIB = {"Q8_0": 59.02, "FP16": 60.87}

# unsloth/gpt-oss-120b-GGUF file sizes per quantization, as listed on
# https://ailocalcheck.com/model/unsloth/gpt-oss-120b-GGUF ("Weights" column). The unit is GiB
# although the page writes "GB": its F16 file is 60.88, the same file llama-bench measures at
# 60.87 GiB of tensors (65.4 decimal GB). The figures (Q4_K_M 58.5, Q8_0 59.0, F16 60.9 GiB).
UNSLOTH_120B_GIB = {"Q2_K": 58.27, "Q3_K_M": 58.33, "Q4_0": 58.32, "Q4_K_M": 58.46, "Q5_K_M": 58.57,
                    "Q6_K": 58.94, "Q8_0": 59.03, "FP16": 60.88}
METADATA = 13_000_000  # about 13 MB (the residual of the exact files above)


def test_ggml_org_files_equal_the_stored_q8_0_row_up_to_the_same_metadata(catalogs):
    residuals = []
    for card_id, real in GGML_ORG_MXFP4_MOE.items():
        predicted = _weights(card_id, catalogs)["Q8_0"]
        residuals.append(real - predicted)
        assert 0 < real - predicted < 16_000_000, (card_id, predicted, real)
    # Same tokenizer and hyperparameter keys in both files: the same metadata, up to the
    # tensor-info entries of the 120b's 12 more layers.
    assert abs(residuals[0] - residuals[1]) < 65_536, residuals


def test_llama_bench_tensor_sizes(catalogs):
    w = _weights("openai/gpt-oss-120b", catalogs)
    for quant, gib in LLAMA_BENCH_GIB.items():
        assert round(w[quant] / GIB, 2) == gib, (quant, w[quant] / GIB)


def test_unsloth_gpt_oss_120b_files_from_q2_k_to_f16(catalogs):
    # Every GGUF quantization of gpt-oss-120b is 62-66 GB: the MXFP4 experts (about 57 GiB)
    # stay as shipped and only attention, embedding and output change.
    w = _weights("openai/gpt-oss-120b", catalogs)
    for quant, gib in UNSLOTH_120B_GIB.items():
        file_gib = (w[quant] + METADATA) / GIB
        assert abs(file_gib - gib) <= 0.015, (quant, file_gib, gib)  # 2-decimal rounding + 1 digit
    assert max(w[q] for q in UNSLOTH_120B_GIB) < 66e9 and min(w[q] for q in UNSLOTH_120B_GIB) > 62e9


def test_bartowski_gpt_oss_20b_q6_k(catalogs):
    # https://huggingface.co/bartowski/openai_gpt-oss-20b-GGUF (llama.cpp b6096): "Q6_K with all
    # FFN kept at MXFP4", 12.04 GB (decimal: its MXFP4 file, 12,109,566,624 bytes, is "12.1GB").
    w = _weights("openai/gpt-oss-20b", catalogs)
    assert round((w["Q6_K"] + METADATA) / 1e9, 2) == 12.04


def test_as_stored_rules(catalogs):
    q = {x["id"]: x for x in catalogs.quantizations}
    dense, moe, oss = _card("meta/llama-3.1-8b"), _card("qwen/qwen3-30b-a3b"), _card("openai/gpt-oss-120b")
    # The experts-only MXFP4 scheme: only the publisher's own checkpoint is stored that way.
    assert as_stored(dense, q["MXFP4"]) is None
    assert as_stored(moe, q["MXFP4"]) is None
    assert as_stored(oss, q["MXFP4"]) is q["MXFP4"]
    # Rows of a BF16 release, and safetensors rows of gpt-oss, are the catalog's own.
    for name in ("BF16", "Q4_K_M", "FP8", "AWQ-4bit"):
        assert as_stored(dense, q[name]) is q[name]
        assert as_stored(moe, q[name]) is q[name]
    assert as_stored(oss, q["BF16"]) is q["BF16"]
    # GGUF rows of gpt-oss keep the experts in MXFP4, on every layer, and say so.
    s = as_stored(oss, q["Q4_K_M"])
    assert s is not None and s is not q["Q4_K_M"]
    assert s["id"] == "Q4_K_M" and s["types"]["routed_experts"] == "MXFP4" and s["routed_experts_fixed"] is True
    assert "routed experts stay MXFP4" in s["name"]
    assert {k: v for k, v in s["types"].items() if k != "routed_experts"} == q["Q4_K_M"]["types"]
    # A natively FP8 model: every row is a real conversion or what vLLM quantizes on load.
    ds = _card("deepseek/deepseek-v3")
    assert all(as_stored(ds, x) is x for x in catalogs.quantizations if x["id"] != "MXFP4")


def test_derive_leaves_out_rows_without_a_file_everywhere(catalogs):
    d = derive(_card("meta/llama-3.1-8b"), catalogs)
    ids = [w["quantization"] for w in d["weights"]]
    assert "MXFP4" not in ids and len(ids) == len(catalogs.quantizations) - 1
    assert list(d["calculator"]["weights_bytes"]) == ids == list(d["calculator"]["active_weights_bytes"])
    assert {r["quantization"] for r in d["vram"]} == set(ids)
    for h in d["hardware"]:
        assert list(h["devices"]) == ids == list(h["decode_tokens_per_s_upper_bound"])


def test_registry_release_blocks_name_catalog_entries(catalogs):
    cards, errors = load_registry(ROOT / "registry")
    assert not errors
    ids = {q["id"] for q in catalogs.quantizations}
    released = {c.data["id"]: c.data["release"] for c in cards if c.data.get("release")}
    for card_id, r in released.items():
        assert r["quantization"] in ids, card_id
        assert r.get("gguf_routed_experts") in (None, *catalogs.tensor_types), card_id
    assert {"openai/gpt-oss-120b", "openai/gpt-oss-20b", "deepseek/deepseek-v3", "deepseek/deepseek-r1",
            "moonshotai/kimi-k2-instruct", "meta/llama-3.1-405b"} <= set(released)
