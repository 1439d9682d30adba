"""Parameter counts: exact against published counts and hand computations.

Expected values come from the reference data (published safetensors element
counts, copied from ../shared/refdata) or are written out term by term here.
"""

from __future__ import annotations

import copy

import pytest

from calc_refmodels import reference_models
from generator.calc.params import count_parameters
from generator.importers.hf import architecture_from_config

MODELS = reference_models()
IDS = [m["_file"] for m in MODELS]


def _card(model: dict, extra: int | None = 0) -> dict:
    return {
        "architecture": architecture_from_config(model["config"]),
        "parameters": {"total": None, "active": None, "extra": extra},
    }


def test_all_22_reference_models_present():
    assert len(MODELS) == 22


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_total_matches_published_exactly(model):
    # The importer describes the vision tower too (architecture.vision_encoder): the total is the
    # checkpoint's, and without the tower it is the text model's.
    pc = count_parameters(_card(model))
    assert pc is not None
    assert pc.total == model["parameters_true"]
    assert pc.total - pc.breakdown.get("vision_encoder", 0) == (model.get("parameters_text_only") or model["parameters_true"])
    assert sum(pc.breakdown.values()) == pc.total


@pytest.mark.parametrize(
    "model", [m for m in MODELS if "parameters_text_only" in m], ids=lambda m: m["_file"]
)
def test_multimodal_total_with_extra_is_checkpoint_total(model):
    # A card may still declare the tower in parameters.extra instead of describing it:
    # extra = vision tower + projector, with architecture.vision_encoder left out.
    extra = model["parameters_true"] - model["parameters_text_only"]
    described = _card(model)
    declared = _card(model, extra=extra)
    declared["architecture"]["vision_encoder"] = None
    pc = count_parameters(declared)
    assert pc.total == model["parameters_true"] == count_parameters(described).total
    # The vision tower is not run for a text token: active ignores it, either way.
    text_only = _card(model, extra=0)
    text_only["architecture"]["vision_encoder"] = None
    assert pc.active == count_parameters(text_only).active == count_parameters(described).active
    if "active_parameters_computed" in model:  # Llama 4 Scout: 17.17B, not 18.0B
        assert pc.active == model["active_parameters_computed"]["including_input_embedding"]


@pytest.mark.parametrize(
    "model", [m for m in MODELS if "active_parameters_computed" in m], ids=lambda m: m["_file"]
)
def test_moe_active_matches_reference(model):
    pc = count_parameters(_card(model))
    ref = model["active_parameters_computed"]
    assert pc.active == ref["including_input_embedding"]
    assert pc.active_excluding_input_embedding == ref["excluding_input_embedding"]


@pytest.mark.parametrize(
    "model", [m for m in MODELS if "active_parameters_computed" not in m], ids=lambda m: m["_file"]
)
def test_dense_active_equals_total(model):
    pc = count_parameters(_card(model))
    assert pc.active == pc.total - pc.breakdown.get("vision_encoder", 0)  # a tower is not active per text token


GPT2_CARD_ARCH = {
    "type": "dense",
    "layers": 12,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "vocab_size": 50257,
    "tied_embeddings": True,
    "activation": "gelu_new",
    "mlp": "plain",
    "mlp_bias": True,
    "normalization": "layernorm",
    "norm_bias": True,
    "norms_per_layer": 2,
    "position_embedding": "learned",
    "max_position_embeddings": 1024,
    "attention": {
        "structure": "MHA",
        "heads": 12,
        "kv_heads": 12,
        "head_dim": None,
        "qkv_bias": True,
        "output_bias": True,
        "qk_norm": "none",
        "sinks": False,
        "mla": None,
        "sliding_window": None,
    },
    "experts": None,
}


def test_gpt2_by_hand():
    wte = 50257 * 768  # 38,597,376 (tied: also the output head)
    wpe = 1024 * 768  # 786,432
    ln_1 = 2 * 768  # weight + bias
    c_attn = 768 * 2304 + 2304  # fused q,k,v with bias: 1,771,776
    attn_proj = 768 * 768 + 768  # 590,592
    ln_2 = 2 * 768
    c_fc = 768 * 3072 + 3072  # 2,362,368
    mlp_proj = 3072 * 768 + 768  # 2,360,064
    per_layer = ln_1 + c_attn + attn_proj + ln_2 + c_fc + mlp_proj
    assert per_layer == 7_087_872
    ln_f = 2 * 768
    total = wte + wpe + 12 * per_layer + ln_f
    assert total == 124_439_808  # the published GPT-2 (124M) count
    pc = count_parameters({"architecture": GPT2_CARD_ARCH, "parameters": {"extra": 0}})
    assert pc.total == total
    assert pc.active == total
    # input side excluded: only the learned position table (wte is tied, still read by the head)
    assert pc.active_excluding_input_embedding == total - wpe


MIXTRAL_ARCH = {
    **copy.deepcopy(GPT2_CARD_ARCH),
    "type": "moe",
    "layers": 32,
    "hidden_size": 4096,
    "intermediate_size": None,
    "vocab_size": 32000,
    "tied_embeddings": False,
    "activation": "silu",
    "mlp": "gated",
    "mlp_bias": False,
    "normalization": "rmsnorm",
    "norm_bias": False,
    "position_embedding": "rope",
    "max_position_embeddings": 32768,
    "attention": {
        "structure": "GQA",
        "heads": 32,
        "kv_heads": 8,
        "head_dim": None,
        "qkv_bias": False,
        "output_bias": False,
        "qk_norm": "none",
        "sinks": False,
        "mla": None,
        "sliding_window": None,
    },
    "experts": {
        "total": 8,
        "active": 2,
        "shared": 0,
        "intermediate_size": 14336,
        "shared_intermediate_size": None,
        "first_dense_layers": 0,
        "interleave_step": 1,
        "router_bias": False,
        "shared_expert_gate": False,
    },
}


def test_mixtral_by_hand():
    embed = 32000 * 4096  # 131,072,000, untied: counted twice
    attn = 4096 * 4096 + 2 * 4096 * 1024 + 4096 * 4096  # q, k, v, o = 41,943,040
    expert = 3 * 4096 * 14336  # gate, up, down = 176,160,768
    router = 4096 * 8
    norms = 2 * 4096
    per_layer = attn + 8 * expert + router + norms
    total = 2 * embed + 32 * per_layer + 4096
    assert total == 46_702_792_704  # published Mixtral-8x7B-v0.1 count
    active = total - 32 * 6 * expert
    assert active == 12_879_925_248
    pc = count_parameters({"architecture": MIXTRAL_ARCH, "parameters": {"extra": 0}})
    assert (pc.total, pc.active) == (total, active)
    assert pc.active_excluding_input_embedding == active - embed


def test_incomplete_architecture_returns_none():
    arch = copy.deepcopy(MIXTRAL_ARCH)
    arch["experts"]["intermediate_size"] = None
    assert count_parameters({"architecture": arch, "parameters": {}}) is None
    arch = copy.deepcopy(GPT2_CARD_ARCH)
    arch["layers"] = None
    assert count_parameters({"architecture": arch, "parameters": {}}) is None
    assert count_parameters({"architecture": None}) is None


def test_extra_is_added_and_null_extra_counts_zero():
    base = count_parameters({"architecture": GPT2_CARD_ARCH, "parameters": {"extra": None}})
    more = count_parameters({"architecture": GPT2_CARD_ARCH, "parameters": {"extra": 1000}})
    assert more.total - base.total == 1000
    assert more.active == base.active  # extra (vision, MTP) is not active per token
    assert base.total == 124_439_808
