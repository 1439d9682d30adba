"""Weight bytes against a plain reference: every layer, every tensor, one at a time.

This is the specification of generator/calc/weights.py. The calculator prices a tensor
once for all the layers that hold it and memoises which type llama.cpp's per-layer rules
give each layer. This reference does neither: it walks layer i = 0..n-1, decides each
tensor's type by testing the rule conditions on i directly (as llama.cpp's quantizer,
llama_tensor_get_type, does), applies the GGUF shape fallback per tensor and floors each
tensor's bytes on its own. It reads the catalog's quantization entries as written (not
the compiled form). The two must agree exactly on every card shape, including shapes
that are not whole blocks and MoE stacks with dense layers between.
"""

from __future__ import annotations

import random
from typing import Any, Mapping

import pytest

from calc_refmodels import reference_models
from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.calc.memory import weight_bytes
from generator.calc.native import as_stored
from generator.calc.params import count_parameters, outside_text
from generator.calc.samples import odd_shape_card, synthetic_card
from generator.calc.tensors import inventory
from generator.importers.hf import card_draft

SIMPLE_ROLES = ("one_d", "router", "output", "embedding")


def _condition(cond: str, i: int, n: int, gqa_ge_4: bool, n_experts: int) -> bool:
    if cond == "always":
        return True
    if cond == "more_bits":  # llama.cpp use_more_bits(i_layer, n_layers), integer division
        return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2
    if cond == "first_eighth":
        return i < n // 8
    if cond == "first_sixteenth":
        return i < n // 16
    if cond == "first_two":
        return i < 2
    if cond == "gqa_ge_4":
        return gqa_ge_4
    if cond == "experts_eq_8":
        return n_experts == 8
    if cond == "experts_ge_4":
        return n_experts >= 4
    if cond == "layers_eq_80":
        return n == 80
    raise AssertionError(cond)


def _is_moe_layer(i: int, inv) -> bool:
    # MoE blocks: the first one after first_dense dense blocks, then every step-th, n_moe in all
    if not inv.n_moe:
        return False
    k, r = divmod(i - (inv.first_dense + inv.step - 1), inv.step)
    return i >= inv.first_dense + inv.step - 1 and r == 0 and k < inv.n_moe


def reference_bytes(card: Mapping[str, Any], quant: Mapping[str, Any], catalogs) -> tuple[int, int, int, int]:
    """(total, routed experts, untied input embedding, extra) bytes, tensor by tensor."""
    types, fallback = catalogs.tensor_types, catalogs.shape_fallback
    gguf = quant["format"] == "gguf"
    t = quant["types"]
    rules = quant.get("rules") or {}
    inv = inventory(card)
    n = inv.n_layers

    def tensor_bytes(tid: str, ne0: int, elements: int) -> int:
        bw, _ = types[tid]
        if gguf and ne0 % bw and tid in fallback:
            tid = fallback[tid]
        bw, bb = types[tid]
        return elements * bb // bw

    def type_of(role: str, routed: bool, layer: int | None) -> str:
        if role in SIMPLE_ROLES:
            return t[role]
        # llama-quant.cpp leaves Gemma 3n's altup*, laurel* and per_layer_model_proj tensors as
        # convert_hf_to_gguf.py wrote them (F16); other formats store them like any matrix
        if any(k in role for k in ("altup", "laurel", "per_layer_model_proj")):
            return "F16" if gguf else t["default"]
        base = t.get("routed_experts", t["default"]) if routed else t["default"]
        if layer is None:  # tensors outside the blocks take no per-layer rule
            return base
        if routed and quant.get("routed_experts_fixed"):  # experts kept as shipped: no rule applies
            return base
        for rule in rules.get(role) or []:
            when = rule["when"] if isinstance(rule["when"], list) else [rule["when"]]
            if any(_condition(c, layer, n, inv.gqa_ge_4, inv.n_experts) for c in when):
                return rule["type"]
        return base

    total = routed_b = embd = 0
    for m in inv.matrices:
        role = m.role
        if role == "token_embd":
            role = "output" if inv.tied else "embedding"
        if m.layers == "global":
            layers = [None]
        else:
            layers = [i for i in range(n) if m.layers == "all"
                      or (m.layers == "moe") == _is_moe_layer(i, inv)]
        for layer in layers:
            b = tensor_bytes(type_of(role, m.routed, layer), m.ne0, m.ne0 * m.out * m.copies)
            total += b
            if m.routed:
                routed_b += b
            if role == "embedding":
                embd += b
    extra = int((card.get("parameters") or {}).get("extra") or 0)
    extra += card.get("_outside_parameters", 0)  # a described vision tower (the refdata's count)
    extra_b = extra * (4 if t["default"] == "F32" else 2)
    return total + extra_b, routed_b, embd, extra_b


def _odd_cards(count: int) -> list[dict]:
    """Shapes that are not whole blocks, biases, learned positions, odd depths (samples.odd_shape_card)."""
    rng = random.Random(7)
    return [odd_shape_card(rng, i) for i in range(count)]


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def _natively_mxfp4(cards: list[dict]) -> list[dict]:
    """Copies of the MoE cards released like gpt-oss: GGUF rows keep the routed experts in MXFP4."""
    out = []
    for c in cards:
        if c["architecture"]["type"] == "moe":
            out.append({**c, "id": c["id"] + "-mxfp4",
                        "release": {"quantization": "MXFP4", "gguf_routed_experts": "MXFP4",
                                    "source": "https://example.org"}})
    return out


def _cards() -> list[dict]:
    refs = []
    for m in reference_models():
        draft = card_draft(m["config"], "ref/" + m["_file"])
        if "parameters_text_only" in m:  # the draft describes the tower: price it from the refdata's count
            draft["_outside_parameters"] = m["parameters_true"] - m["parameters_text_only"]
        refs.append(draft)
    # Gemma 3n: per-layer embeddings, AltUp and LAuReL tensors (the registry cards as they are)
    from generator.load import load_file
    from helpers import ROOT
    gemma3n = [{**load_file(ROOT / "registry" / "google" / f"gemma-3n-{n}-it.yaml", f"google/gemma-3n-{n}-it").data,
                "_outside_parameters": 684_694_048}  # the audio encoder, counted by hand in test_gemma3n.py
               for n in ("e2b", "e4b")]
    rng = random.Random(3)
    cards = refs + gemma3n + _odd_cards(150) + [synthetic_card(rng, i) for i in range(50)]
    return cards + _natively_mxfp4(cards)


def _expected_rows(card: dict, catalogs) -> dict[str, int]:
    """Per catalog quantization that a file of this card exists in, the reference bytes of that file."""
    out = {}
    for q in catalogs.quantizations:
        stored = as_stored(card, q)
        if stored is not None:
            out[q["id"]] = reference_bytes(card, stored, catalogs)[0]
    return out


def test_derived_weight_bytes_equal_the_tensor_by_tensor_reference(catalogs):
    checked = 0
    for card in _cards():
        d = derive(card, catalogs)
        assert d["architecture_complete"], card["id"]
        got = {w["quantization"]: w["weights_bytes"] for w in d["weights"]}
        assert got == _expected_rows(card, catalogs), card["id"]
        checked += len(got)
    assert checked >= 200 * (len(catalogs.quantizations) - 1)
    # The natively quantized copies were priced with their experts kept (not every row the same).
    assert sum(1 for c in _cards() if c.get("release")) >= 20


def test_reference_by_hand_for_a_tiny_q4_k_m_model(catalogs):
    # The reference itself, checked by hand: 8 layers, hidden 256, 2 heads of 128, 1 KV head,
    # gated MLP 512, vocab 1000, untied. Q4_K_M: attn_v and ffn_down take Q6_K on
    # use_more_bits layers (n = 8: i < 1, i >= 7, (i - 1) % 3 == 2 -> layers 0, 3, 6, 7).
    card = synthetic_card(random.Random(0), 0)
    a = card["architecture"]
    a.update(type="dense", layers=8, hidden_size=256, intermediate_size=512, vocab_size=1000,
             tied_embeddings=False, norms_per_layer=2, position_embedding="rope", max_position_embeddings=4096)
    a["attention"].update(structure="GQA", heads=2, kv_heads=1, head_dim=128, qkv_bias=False, qk_norm="none",
                          sliding_window=None, mla=None)
    a["experts"] = None
    card["parameters"]["extra"] = 0
    q = next(x for x in catalogs.quantizations if x["id"] == "Q4_K_M")
    q4k, q6k = 144 / 256, 210 / 256  # bytes per weight
    # embedding 256 x 1000 at Q4_K (ne0 256: whole blocks); output at Q6_K
    expected = 256 * 1000 * q4k + 256 * 1000 * q6k
    expected += (8 * 2 * 256 + 256) * 4  # norms in F32
    per_layer_q4k = 256 * 256 + 256 * 128 + 256 * 256 + 2 * 256 * 512  # q, k, output, gate, up
    expected += 8 * per_layer_q4k * q4k
    v_and_down = 256 * 128 + 512 * 256
    expected += 4 * v_and_down * q6k + 4 * v_and_down * q4k
    assert expected == int(expected)
    assert reference_bytes(card, q, catalogs)[0] == int(expected)
    assert {w["quantization"]: w["weights_bytes"] for w in derive(card, catalogs)["weights"]}["Q4_K_M"] == int(expected)


def test_weight_bytes_parts_equal_the_reference(catalogs):
    # The routed-expert and input-embedding parts feed active weight bytes (decode ceiling).
    for card in _cards()[::3]:
        inv = inventory(card)
        extra = outside_text(card, count_parameters(card))  # parameters.extra + described towers, as derive()
        for quant in catalogs.quantizations:
            got = tuple(weight_bytes(inv, quant, catalogs, extra))
            assert got == reference_bytes(card, quant, catalogs), (card["id"], quant["id"])


def test_huge_and_deep_cards_equal_the_reference(catalogs):
    # Bytes past 2**64 (no fixed-width arithmetic may wrap) and deep stacks (200 layers).
    rng = random.Random(11)
    huge = synthetic_card(rng, 0)
    huge["architecture"].update(hidden_size=2**31, intermediate_size=2**32, vocab_size=2**31, layers=3)
    huge["architecture"]["attention"].update(heads=2**10, kv_heads=2**8, head_dim=None, sliding_window=None,
                                             structure="GQA", mla=None)
    deep = [synthetic_card(rng, i) for i in range(1, 7)]
    for c in deep:
        c["architecture"]["layers"] = 200
    for card in [huge] + deep:
        inv = inventory(card)
        extra = int(card["parameters"].get("extra") or 0)
        for quant in catalogs.quantizations:
            expected = reference_bytes(card, quant, catalogs)
            assert tuple(weight_bytes(inv, quant, catalogs, extra)) == expected, (card["id"], quant["id"])
        got = {w["quantization"]: w["weights_bytes"] for w in derive(card, catalogs)["weights"]}
        assert got == _expected_rows(card, catalogs)
    assert max(w["weights_bytes"] for w in derive(huge, catalogs)["weights"]) > 2**64
