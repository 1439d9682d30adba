"""The specification table lists only rows that apply (review P15: dense models showed four expert rows)."""

from __future__ import annotations

from generator.site import pages

EXPERT_ROWS = {"Total expert parameters", "Experts", "Active experts", "Shared experts"}


def _labels(card: dict) -> set[str]:
    return {label for label, _ in pages.spec_rows(card, None)}


def test_dense_model_has_no_expert_rows():
    assert not EXPERT_ROWS & _labels({"architecture": {"type": "dense", "layers": 32}})


def test_moe_and_unknown_type_keep_them():
    card = {"architecture": {"type": "moe", "experts": {"total": 8, "active": 2, "shared": None}}}
    rows = dict(pages.spec_rows(card, None))
    assert rows["Experts"] == "8" and rows["Active experts"] == "2" and rows["Shared experts"] == "unknown"
    assert EXPERT_ROWS <= _labels({"architecture": {}})     # type not known: the rows say "unknown"


def test_sliding_window_in_words():
    # review P11: "GQA, sliding window 1,024 (LLLLLG)"; the schema: L local, G global, repeated from layer 0
    def structure(sw: dict) -> str:
        return dict(pages.spec_rows({"architecture": {"type": "dense", "attention": {"structure": "GQA",
                                                                                      "sliding_window": sw}}},
                                    None))["Attention structure"]
    assert structure({"kind": "sliding", "size": 1024, "pattern": "LLLLLG"}) == (
        "GQA; sliding window of 1,024 tokens on 5 of every 6 layers; the others see the whole context")   # Gemma 3
    assert structure({"kind": "sliding", "size": 128, "pattern": "LG"}) == (
        "GQA; sliding window of 128 tokens on every other layer; the others see the whole context")       # gpt-oss
    assert structure({"kind": "sliding", "size": 4096, "pattern": "L"}) == (
        "GQA; sliding window of 4,096 tokens on every layer")                                             # Mistral 7B v0.1
    assert structure({"kind": "chunked", "size": 8192, "pattern": "LLLG"}) == (
        "GQA; attention within chunks of 8,192 tokens on 3 of every 4 layers; the others see the whole context")  # Llama 4
