"""Cards known only by their declared counts (unreleased models): what can and cannot be computed."""

from __future__ import annotations

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs

# Llama 4 Behemoth as Meta announced it: ~2T total, 288B active, architecture unpublished.
CARD = {
    "id": "example/declared-only",
    "context_length": None,
    "parameters": {"total": 2_000_000_000_000, "active": 288_000_000_000, "extra": None},
    "architecture": {"type": "moe", "layers": None, "hidden_size": None, "attention": None, "experts": None},
}


@pytest.fixture(scope="module")
def derived():
    return derive(CARD, load_catalogs())


def _weights(derived, quant):
    return next(w for w in derived["weights"] if w["quantization"] == quant)["weights_bytes"]


def test_basis_is_declared(derived):
    assert derived["parameters"]["basis"] == "declared"
    assert derived["architecture_complete"] is False


def test_uniform_formats_scale_the_declared_total(derived):
    # BF16: 2 bytes per parameter -> 4.0e12 bytes.
    assert _weights(derived, "BF16") == 4_000_000_000_000
    # Q4_0: blocks of 32 weights in 18 bytes -> 2e12 * 18 / 32 = 1.125e12 bytes.
    assert _weights(derived, "Q4_0") == 1_125_000_000_000


def test_mxfp4_is_unknown_without_the_expert_split(derived):
    # MXFP4 stores only the routed experts in FP4 (the rest in BF16): no such file exists for a
    # model not released that way (no row); for one released so, a bare total does not say how
    # many parameters are experts, so no figure is better than 4 TB.
    assert "MXFP4" not in [w["quantization"] for w in derived["weights"]]
    released = {**CARD, "release": {"quantization": "MXFP4", "source": "https://example.org"}}
    assert _weights(derive(released, load_catalogs()), "MXFP4") is None


def test_no_speed_ceiling_without_the_kv_cache(derived):
    for gpu in derived["hardware"]:
        assert all(v is None for v in gpu["decode_tokens_per_s_upper_bound"].values()), gpu["gpu"]
    # Device counts are still given (a lower bound: weights and overhead only).
    h100 = next(g for g in derived["hardware"] if g["gpu"] == "h100-sxm-80gb")
    assert h100["devices"]["Q4_0"] is not None


def test_partial_attention_without_hidden_size_gives_unknown_kv_not_a_crash():
    # head_dim null needs hidden_size / heads; with hidden_size null too, the KV cache is unknown.
    card = {
        "id": "example/partial", "context_length": 8192,
        "parameters": {"total": 7_000_000_000, "active": None, "extra": None},
        "architecture": {"type": "dense", "layers": 32, "hidden_size": None, "vocab_size": None, "experts": None,
                         "attention": {"structure": "GQA", "heads": 32, "kv_heads": 8, "head_dim": None,
                                       "sliding_window": None}},
    }
    d = derive(card, load_catalogs())
    assert d["architecture_complete"] is False
    assert d["calculator"]["kv_known"] is False
    assert all(r["kv_cache_bytes"] is None and r["total_bytes"] is None for r in d["vram"])
    # BF16 weights still come from the declared total: 2 bytes per parameter.
    assert _weights(d, "BF16") == 14_000_000_000
