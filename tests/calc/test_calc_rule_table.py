"""The catalog's precomputed per-layer rule masks (weights.RuleTable)."""

from __future__ import annotations

import copy

from calc_refmodels import reference_models
from generator.calc.catalogs import load_catalogs
from generator.calc.tensors import inventory
from generator.calc.weights import RULE_TABLE_LAYERS, QuantTable, group, weight_bytes_all
from generator.importers.hf import card_draft


def test_more_bits_mask_for_32_layers_by_hand():
    # llama.cpp use_more_bits(i, n): i < n/8 or i >= 7n/8 or (i - n/8) % 3 == 2.
    # n = 32: layers 0-3, 28-31, and 6, 9, ..., 27 ((i - 4) % 3 == 2).
    more_bits = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}
    plan = load_catalogs().plan
    q5km = plan.compiled[plan.ids.index("Q5_K_M")]
    rules = dict(q5km.rules)["attn_v"]  # experts_eq_8 -> Q8_0, more_bits -> Q6_K
    taken, rest = plan.weight_table.rule_table.masks((32, False, False, False))[id(rules)]
    assert [(ref[0], mask) for ref, mask in taken] == [("Q6_K", sum(1 << i for i in more_bits))]
    assert rest == sum(1 << i for i in range(32) if i not in more_bits)
    # 8 experts: the first rule takes every layer
    taken, rest = plan.weight_table.rule_table.masks((32, False, True, True))[id(rules)]
    assert [(ref[0], mask) for ref, mask in taken] == [("Q8_0", (1 << 32) - 1)] and rest == 0


def test_table_gives_the_same_bytes_as_evaluating_the_rules_per_card():
    catalogs = load_catalogs()
    plan = catalogs.plan
    untabled = QuantTable(plan.weight_quants, catalogs.shape_fallback, catalogs.tensor_types, rule_table=False)
    assert plan.weight_table.rule_table is not None and untabled.rule_table is None
    cards = [card_draft(m["config"], "ref/" + m["_file"]) for m in reference_models()]
    deep = copy.deepcopy(cards[0])
    deep["architecture"]["layers"] = RULE_TABLE_LAYERS + 7  # beyond the table: evaluated per card
    for card in cards + [deep]:
        ct = group(inventory(card))
        with_table = weight_bytes_all(ct, plan.weight_table, catalogs.tensor_types, 0)
        assert with_table == weight_bytes_all(ct, untabled, catalogs.tensor_types, 0), card["id"]
