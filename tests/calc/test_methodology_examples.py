"""The methodology page's KV-cache comparison table must match what the calculator computes."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "site" / "methodology.md").read_text(encoding="utf-8")
CTX = 131072


def _naive_kv_bytes(arch: dict) -> int:
    """Every layer caches full K and V for every token; MLA expanded to all heads (F16: 2 bytes)."""
    att = arch["attention"]
    if att["structure"] == "MLA":
        heads, dim = att["heads"], att["mla"]["qk_nope_head_dim"] + att["mla"]["qk_rope_head_dim"]
    else:
        heads, dim = att["kv_heads"], att["head_dim"] or arch["hidden_size"] // att["heads"]
    return 2 * arch["layers"] * heads * dim * CTX * 2


@pytest.fixture(scope="module")
def cards():
    found, errors = load_registry(ROOT / "registry")
    assert not errors
    return {c.id: c.data for c in found}


@pytest.mark.parametrize("card_id, label", [
    ("meta/llama-3.1-70b", "Llama 3.1 70B"),
    ("google/gemma-3-27b", "Gemma 3 27B"),
    ("openai/gpt-oss-120b", "gpt-oss-120b"),
    ("deepseek/deepseek-v3", "DeepSeek-V3"),
])
def test_kv_comparison_row_matches_the_calculator(cards, card_id, label):
    card = cards[card_id]
    row = next(r for r in derive(card, load_catalogs())["vram"]
               if r["quantization"] == "BF16" and r["context"] == CTX and r["batch"] == 1 and r["kv_dtype"] == "F16")
    ours, naive = row["kv_cache_bytes"], _naive_kv_bytes(card["architecture"])
    line = next(ln for ln in PAGE.splitlines() if ln.startswith(f"| {label} "))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == f"{ours / 1e9:.2f} GB"
    assert cells[2] == f"{naive / 1e9:.2f} GB"
    assert cells[3] == f"{(naive / ours - 1) * 100:+,.0f}%"


def test_gemma3_27b_by_hand(cards):
    # 62 layers, pattern LLLLLG: 10 full cycles (50 L, 10 G) + 2 L -> 52 local, 10 global;
    # 16 KV heads x 128 dims x 2 (K, V) x 2 bytes = 8,192 bytes per token per layer.
    arch = cards["google/gemma-3-27b"]["architecture"]
    assert (arch["layers"], arch["attention"]["kv_heads"], arch["attention"]["head_dim"]) == (62, 16, 128)
    expected = 8192 * (52 * 1024 + 10 * CTX)
    row = next(r for r in derive(cards["google/gemma-3-27b"], load_catalogs())["vram"]
               if r["quantization"] == "BF16" and r["context"] == CTX and r["batch"] == 1)
    assert row["kv_cache_bytes"] == expected == 11_173_625_856
