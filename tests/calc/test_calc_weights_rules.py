"""llama.cpp's per-layer rules as weights.py evaluates them, checked by hand."""

from __future__ import annotations

from generator.calc.catalogs import load_catalogs
from generator.calc.plan import plan_of
from generator.calc.weights import LayerLayout, use_more_bits


def test_use_more_bits_for_32_layers_by_hand():
    # llama.cpp use_more_bits(i, n): i < n/8 or i >= 7n/8 or (i - n/8) % 3 == 2.
    # n = 32: layers 0-3, 28-31, and 6, 9, ..., 27 ((i - 4) % 3 == 2).
    expected = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}
    assert {i for i in range(32) if use_more_bits(i, 32)} == expected


def test_q5_k_m_attn_v_layer_types_by_hand():
    # Q5_K_M attn_v: experts_eq_8 -> Q8_0, else more_bits -> Q6_K, else the default Q5_K.
    q5km = next(q for q in plan_of(load_catalogs()).weight_set.quants if q.id == "Q5_K_M")
    dense32 = LayerLayout(32, gqa_ge_4=False, n_experts=0, first_dense=32, step=1, n_moe=0)
    got = {t.id: n for t, n in q5km.layer_types("attn_v", False, dense32, "all")}
    assert got == {"Q6_K": 16, "Q5_K": 16}
    # 8 experts, MoE blocks on every second layer after one dense layer (layers 2, 4, ..., 30):
    # the first rule takes every layer, dense or MoE.
    moe = LayerLayout(32, gqa_ge_4=False, n_experts=8, first_dense=1, step=2, n_moe=15)
    assert [i for i in range(32) if moe.is_moe(i)] == list(range(2, 32, 2))
    assert {t.id: n for t, n in q5km.layer_types("attn_v", False, moe, "all")} == {"Q8_0": 32}
    # ffn_down of the dense layers only (17 of them: 0, 1, 3, 5, ..., 31), more_bits among those:
    # 0, 1, 3, 9, 15, 21, 27, 29, 31 -> Q6_K, the other 8 at Q5_K.
    dense_layers = [i for i in range(32) if not moe.is_moe(i)]
    assert len(dense_layers) == 17
    got = {t.id: n for t, n in q5km.layer_types("ffn_down", False, moe, "dense")}
    assert got == {"Q6_K": 9, "Q5_K": 8}
