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
