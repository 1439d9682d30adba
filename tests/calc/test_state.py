"""State-space, linear-attention and sparse-indexer layers (generator/calc/state.py) against
published parameter counts, real checkpoint sizes and hand computations.

Expected values come from outside the code under test:
* Hugging Face safetensors element counts ("Safetensors: N params" on the model pages);
* a count of the instantiated Nemotron-H-8B modules published with a training harness;
* checkpoint sizes from a Hub file listing;
* hand computations written out below.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.calc.memory import kv_cache_bytes, kv_groups, state_per_sequence, weight_bytes
from generator.calc.params import count_parameters
from generator.calc.state import linear_attention_params, ssm_params, state_elements_per_sequence
from generator.calc.tensors import inventory
from generator.checks import check_card
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
F16 = (1, 2)


@pytest.fixture(scope="module")
def cards() -> dict[str, dict]:
    return {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def _main(card: dict) -> int:
    """Parameters of the main model the architecture block describes (without parameters.extra
    and without a multi-token-prediction module, which the cards describe in architecture.mtp)."""
    pc = count_parameters(card)
    assert pc is not None
    return pc.total - pc.breakdown["extra"] - pc.breakdown.get("mtp", 0)


# ------------------------------------------------------------------ exact published counts

def test_qwen3_next_main_model_is_the_qwen3_coder_next_count(cards):
    # Qwen/Qwen3-Coder-Next (same architecture as Qwen3-Next-80B-A3B, no MTP weights):
    # Hub safetensors count 79,674,391,296.
    assert _main(cards["qwen/qwen3-next-80b-a3b-instruct"]) == 79_674_391_296


def test_qwen3_next_with_mtp_is_the_hub_count(cards):
    # Qwen/Qwen3-Next-80B-A3B-Instruct: Hub safetensors count 81,324,862,720 (BF16).
    # The MTP module by hand: one full-attention decoder layer (q 2048 -> 2 x 16 x 256 with the
    # output gate, k and v 2048 -> 2 x 256, o 4096 -> 2048, q/k norms 2 x 256), one MoE block
    # (512 experts of 3 x 2048 x 512, shared expert 3 x 2048 x 512, its gate 2048, router
    # 2048 x 512), two layer norms, fc 4096 -> 2048 and three more norms of 2048.
    attn = 2048 * 8192 + 2 * 2048 * 512 + 4096 * 2048 + 2 * 256
    moe = 512 * 3 * 2048 * 512 + 3 * 2048 * 512 + 2048 + 2048 * 512
    mtp = attn + moe + 2 * 2048 + 4096 * 2048 + 3 * 2048
    assert mtp == 1_650_471_424
    card = cards["qwen/qwen3-next-80b-a3b-instruct"]
    assert _main(card) + mtp == 81_324_862_720
    assert count_parameters(card).total == 81_324_862_720
    # the module is the card's architecture.mtp, not parameters.extra
    assert count_parameters(card).breakdown["mtp"] == mtp and count_parameters(card).breakdown["extra"] == 0


@pytest.mark.parametrize("card_id, hub", [
    # Hub safetensors element counts (the Hub API's safetensors total, as copied into
    # debaditc/kvfit's registry, scripts/build_registry.py): two Mamba-2 hybrids besides
    # Nemotron-H-8B, one dense (squared-ReLU FFN blocks), one MoE (Mamba-2 + MoE in every layer).
    ("nvidia/nvidia-nemotron-nano-9b-v2", 8_888_227_328),
    ("ibm-granite/granite-4.0-h-small", 32_207_337_984),
])
def test_mamba2_hybrids_are_the_hub_count(cards, card_id, hub):
    assert count_parameters(cards[card_id]).total == hub


def test_nemotron_nano_9b_v2_by_hand(cards):
    # config.json: hidden 4,480; 27 Mamba-2 blocks (128 heads x 80 = 10,240 channels, 8 groups,
    # state 128, conv 4 with bias), 4 attention blocks (40 heads and 8 KV heads of 128, no bias),
    # 25 squared-ReLU FFN blocks of 15,680; one RMSNorm per block; vocab 131,072, untied.
    h, inner, g, n, heads = 4480, 10_240, 8, 128, 128
    conv = inner + 2 * g * n
    mamba = h * (inner + conv + heads) + conv * 4 + conv + 3 * heads + inner + inner * h
    attention = h * 40 * 128 + 2 * h * 8 * 128 + 40 * 128 * h
    ffn = 2 * h * 15_680
    total = 27 * mamba + 4 * attention + 25 * ffn + 56 * h + h + 2 * 131_072 * h
    assert total == 8_888_227_328 == count_parameters(cards["nvidia/nvidia-nemotron-nano-9b-v2"]).total


def test_minimax_m1_is_the_hub_count(cards):
    # MiniMaxAI/MiniMax-M1-80k: Hub safetensors count 456,089,655,296 (BF16; the card's Hugging Face source).
    assert count_parameters(cards["minimaxai/minimax-m1-80k"]).total == 456_089_655_296


def test_kimi_linear_is_the_hub_count(cards):
    # moonshotai/Kimi-Linear-48B-A3B-Instruct: Hub safetensors count 49,122,681,728 (BF16;
    # AlexsJones/llmfit llmfit-core/data/hf_models.json @ a3e0eb27, parameters_raw).
    card = cards["moonshotai/kimi-linear-48b-a3b-instruct"]
    assert card["parameters"]["total"] == 49_122_681_728 == count_parameters(card).total


def test_deepseek_v32_exp_is_the_hub_count_less_its_fp8_scales(cards):
    # deepseek-ai/DeepSeek-V3.2-Exp: Hub safetensors count 685,396,921,376, FP8 with one F32
    # scale per 128 x 128 block. DeepSeek-V3's scales: 41,540,496 (registry/deepseek/deepseek-v3.yaml).
    # Each of the 62 indexers (61 layers + the MTP layer) adds wq_b 1536 -> 8192 (12 x 64 blocks)
    # and wk 7168 -> 128 (56 x 1 blocks).
    scales = 41_540_496 + 62 * (12 * 64 + 56 * 1)
    assert count_parameters(cards["deepseek/deepseek-v3.2-exp"]).total == 685_396_921_376 - scales


def test_deepseek_v32_is_the_hub_count_less_its_fp8_scales(cards):
    # deepseek-ai/DeepSeek-V3.2: Hub safetensors count 685,396,921,376 (AlexsJones/llmfit
    # llmfit-core/data/hf_models.json @ a3e0eb27, parameters_raw), V3.2-Exp's: the same FP8
    # checkpoint layout with the same block scales as above.
    scales = 41_540_496 + 62 * (12 * 64 + 56 * 1)
    assert count_parameters(cards["deepseek/deepseek-v3.2"]).total == 685_396_921_376 - scales
    assert cards["deepseek/deepseek-v3.2"]["parameters"]["total"] == 685_396_921_376 - scales


def test_indexer_by_hand(cards):
    # wq_b 1536 x (64 x 128) + wk 7168 x 128 + LayerNorm(128) weight and bias + weights_proj 7168 x 64
    v3 = count_parameters(cards["deepseek/deepseek-v3"])
    v32 = count_parameters(cards["deepseek/deepseek-v3.2-exp"])
    per_layer = 1536 * 8192 + 7168 * 128 + 2 * 128 + 7168 * 64
    assert per_layer == 13_959_424
    assert v32.breakdown["sparse_indexer"] == 61 * per_layer
    assert _main(cards["deepseek/deepseek-v3.2-exp"]) - _main(cards["deepseek/deepseek-v3"]) == 61 * per_layer
    assert v32.total - v3.total == 62 * per_layer  # the MTP layer has its own indexer
    # V3's MTP module (13,463,426,304, registry/deepseek/deepseek-v3.yaml notes) plus one indexer
    for cid in ("deepseek/deepseek-v3.2-exp", "deepseek/deepseek-v3.2"):
        pc = count_parameters(cards[cid])
        assert pc.breakdown["mtp"] == 13_463_426_304 + per_layer and pc.breakdown["extra"] == 0, cid


def test_mtp_modules_are_left_out_by_both_engines(cards):
    from generator.calc.modules import part_rules

    for cid in ("qwen/qwen3-next-80b-a3b-instruct", "deepseek/deepseek-v3.2"):
        for engine in ("llama.cpp", "vllm"):
            (rule,) = [r for r in part_rules(cards[cid], engine) if r.part == "mtp"]
            assert not rule.loaded, (cid, engine)
    # llama.cpp's converter drops Qwen3-Next's mtp.* tensors (Qwen3NextModel), unlike GLM-4.5's NextN block
    (q,) = [r for r in part_rules(cards["qwen/qwen3-next-80b-a3b-instruct"], "llama.cpp") if r.part == "mtp"]
    assert q.where == "not in the file" and "Qwen3NextModel" in q.rule


def test_nemotron_h_8b_is_the_instantiated_module_count(cards):
    # nvidia/Nemotron-H-8B-Base-8K: 8,100,852,736 parameters, published twice independently:
    # a public architecture analysis that loaded the checkpoint and summed named_parameters()
    # (in_proj 18560 x 4096, A_log / D / dt_bias of 128 per Mamba layer, 53 norms), and a
    # training harness that counts the modules it builds from this config. The model card
    # rounds it to 8B.
    assert count_parameters(cards["nvidia/nemotron-h-8b-base-8k"]).total == 8_100_852_736


def test_mamba2_mixer_by_hand(cards):
    # Nemotron-H-8B: d_inner = 128 heads x 64 = 8192, 8 groups, state 128, conv 4.
    # in_proj: 4096 -> 2 x 8192 + 2 x 8 x 128 + 128 = 18,560 (the printed in_proj shape is
    # 18560 x 4096); conv over 8192 + 2 x 8 x 128 = 10,240 channels, with bias.
    ssm = cards["nvidia/nemotron-h-8b-base-8k"]["architecture"]["ssm"]
    p = ssm_params(ssm, 4096)
    assert p["ssm_in_proj"] == 4096 * 18_560
    assert p["ssm_conv1d"] == 10_240 * 4 + 10_240
    assert p["ssm_dt_a_d"] == 3 * 128
    assert p["ssm_norm"] == 8192
    assert p["ssm_out_proj"] == 8192 * 4096


def test_mamba1_jamba_against_the_published_sizes(cards):
    # AI21: Jamba 1.5 Large 398B total / 94B active, Jamba 1.5 Mini 52B / 12B (rounded).
    large = count_parameters(cards["ai21labs/jamba-1.5-large"])
    mini = count_parameters(cards["ai21labs/jamba-1.5-mini"])
    for derived, published in ((large.total, 398e9), (large.active, 94e9), (mini.total, 52e9), (mini.active, 12e9)):
        assert abs(derived - published) / published < 0.01
    # One Mamba-1 mixer of Jamba 1.5 Mini by hand: d_inner 8192, N 16, dt rank 256, conv 4.
    ssm = cards["ai21labs/jamba-1.5-mini"]["architecture"]["ssm"]
    by_hand = (4096 * 2 * 8192            # in_proj
               + 8192 * 4 + 8192           # conv1d and its bias
               + 8192 * (256 + 2 * 16)     # x_proj
               + 256 * 8192 + 8192         # dt_proj and its bias
               + 8192 * 16 + 8192          # A_log, D
               + 256 + 2 * 16              # dt, B and C RMSNorms
               + 8192 * 4096)              # out_proj
    assert sum(ssm_params(ssm, 4096).values()) == by_hand


def test_kda_by_hand(cards):
    # Kimi Linear KDA layer: q, k, v 2304 -> 4096; three convs of 4096 x 4; f_a 2304 -> 128,
    # f_b 128 -> 4096, g_a and g_b the same; b_proj 2304 -> 32; A_log 32; dt_bias 4096;
    # o_norm 128; o_proj 4096 -> 2304.
    lin = cards["moonshotai/kimi-linear-48b-a3b-instruct"]["architecture"]["linear_attention"]
    by_hand = (3 * 2304 * 4096 + 3 * 4096 * 4 + 2 * (2304 * 128 + 128 * 4096)
               + 2304 * 32 + 32 + 4096 + 128 + 4096 * 2304)
    assert sum(linear_attention_params(lin, 2304).values()) == by_hand


# ------------------------------------------------------------------ checkpoint sizes

@pytest.mark.parametrize("card_id, size", [
    # BF16 safetensors checkpoint sizes as public model lists record them from the Hub:
    ("qwen/qwen3-next-80b-a3b-instruct", 151.49 * 2**30),  # 151.49 GiB
    ("moonshotai/kimi-linear-48b-a3b-instruct", 91.5 * 2**30),  # 91.5 GiB
    ("nvidia/nemotron-h-8b-base-8k", 16.2e9),  # 16.2 GB
    # bartowski/ai21labs_AI21-Jamba-Mini-1.7-GGUF README: the BF16 GGUF is 103.16 GB
    ("ai21labs/jamba-mini-1.7", 103.16e9),
    ("ibm-granite/granite-4.0-h-small", 59.99 * 2**30),  # 59.99 GiB (same list as Qwen3-Next's)
])
def test_bf16_weight_bytes_match_the_checkpoint(cards, catalogs, card_id, size):
    card = cards[card_id]
    # the checkpoint holds the MTP module too (Qwen3-Next's mtp.*)
    extra = int(card["parameters"].get("extra") or 0) + count_parameters(card).breakdown.get("mtp", 0)
    predicted = weight_bytes(inventory(card), catalogs.quantization("BF16"), catalogs, extra).total
    assert abs(predicted - size) / size < 0.01


def test_tensor_inventory_totals_agree_with_the_count(cards):
    for cid in ("nvidia/nemotron-h-8b-base-8k", "ai21labs/jamba-1.5-mini", "ibm-granite/granite-4.0-h-small", "qwen/qwen3-next-80b-a3b-instruct",
                "minimaxai/minimax-m1-80k", "moonshotai/kimi-linear-48b-a3b-instruct",
                "deepseek/deepseek-v3.2-exp"):
        card = cards[cid]
        inv = inventory(card)
        assert sum(m.elements * inv.layer_count(m.layers) for m in inv.matrices) == _main(card), cid


# ------------------------------------------------------------------ memory

def test_state_qwen3_next_by_hand(cards):
    # 36 gated DeltaNet layers, each: conv state 3 x (2 x 16 x 128 + 32 x 128) = 24,576 values,
    # recurrent state 32 heads x 128 x 128 = 524,288 values; F32 as llama.cpp keeps them.
    arch = cards["qwen/qwen3-next-80b-a3b-instruct"]["architecture"]
    assert state_elements_per_sequence(arch) == 36 * (24_576 + 524_288)
    assert state_per_sequence(cards["qwen/qwen3-next-80b-a3b-instruct"]) == 36 * 548_864 * 4  # 75.375 MiB


def test_state_nemotron_h_by_hand(cards):
    # 24 Mamba-2 layers: conv 3 x 10,240 + ssm 128 heads x 64 x 128.
    assert state_elements_per_sequence(cards["nvidia/nemotron-h-8b-base-8k"]["architecture"]) == \
        24 * (3 * 10_240 + 128 * 64 * 128)


def test_state_does_not_grow_with_context_and_kv_counts_only_attention_layers(cards):
    card = cards["qwen/qwen3-next-80b-a3b-instruct"]
    groups = kv_groups(card)
    state = state_per_sequence(card)
    # 12 attention layers x 2 (K, V) x 2 KV heads x 256 x 2 bytes per token
    per_token = 12 * 2 * 2 * 256 * 2
    for ctx in (1024, 262_144):
        assert kv_cache_bytes(groups, ctx, 1, F16, state) == per_token * ctx + state
    assert kv_cache_bytes(groups, 4096, 3, F16, state) == 3 * (per_token * 4096 + state)


def test_lightning_attention_state_by_hand(cards):
    # MiniMax-M1: 70 lightning layers, one 128 x 128 state per head for 64 heads, no conv;
    # 10 softmax layers with 8 KV heads of 128.
    card = cards["minimaxai/minimax-m1-80k"]
    assert state_elements_per_sequence(card["architecture"]) == 70 * 64 * 128 * 128
    assert kv_groups(card)[0].layers == 10
    assert kv_groups(card)[0].elements_per_token == 2 * 8 * 128


def test_indexer_keys_are_cached_beside_the_latent(cards):
    # DeepSeek-V3.2: 512 + 64 latent values and the indexer's 128-value key per token and layer.
    g = kv_groups(cards["deepseek/deepseek-v3.2-exp"])
    assert g[0].layers == 61 and g[0].elements_per_token == 512 + 64 + 128


def test_calculator_block_carries_the_state(cards, catalogs):
    d = derive(cards["nvidia/nemotron-h-8b-base-8k"], catalogs)
    c = d["calculator"]
    assert c["state_bytes_per_sequence"] == 24 * (3 * 10_240 + 128 * 64 * 128) * 4
    assert c["kv_groups"] == [{"layers": 4, "elements_per_token": 2 * 8 * 128, "window": None}]
    plain = derive(cards["meta/llama-3.1-8b"], catalogs)["calculator"]
    assert plain["state_bytes_per_sequence"] == 0


# ------------------------------------------------------------------ cross-field checks

def _problems(card: dict) -> list[str]:
    return [f"{'.'.join(map(str, p.path))}: {p.message}" for p in check_card(card)]


def test_pattern_length_must_match_layers(cards):
    card = copy.deepcopy(cards["qwen/qwen3-next-80b-a3b-instruct"])
    card["architecture"]["layer_pattern"] += "R"
    assert any("architecture.layer_pattern: has 49 letters but the model has 48 layers" in p for p in _problems(card))


def test_ssm_block_needs_ssm_layers(cards):
    card = copy.deepcopy(cards["nvidia/nemotron-h-8b-base-8k"])
    card["architecture"]["layer_pattern"] = card["architecture"]["layer_pattern"].replace("m", "a")
    assert any(p.startswith("architecture.ssm: is filled in but layer_pattern") for p in _problems(card))


# ------------------------------------------------------------------ engine plans

def test_llamacpp_plan_counts_kv_only_for_attention_layers_and_the_recurrent_state(cards, catalogs):
    # llama.cpp, Qwen3-Next, one sequence of 32,768 tokens, F16 cache: 12 attention layers x
    # 32,768 cells x (2 x 2 x 256 values x 2 bytes) KV, plus one sequence's recurrent state:
    # 36 layers x (r: 3 x 8,192 + s: 128 x 4,096) F32 values (hparams n_embd_r / n_embd_s).
    from generator.calc.engines import Hardware, plan

    card = cards["qwen/qwen3-next-80b-a3b-instruct"]
    gpu = next(g for g in catalogs.gpus if g["id"] == "h200-141gb")
    hw = Hardware(gpu=gpu, count=1, ram_bytes=None, ram_bandwidth_bytes_per_s=None)
    p = plan(card, catalogs, "llama.cpp", {"context": 32768, "parallel": 1}, hw)
    kv = 12 * 32768 * 2 * 2 * 256 * 2
    rs = 36 * (3 * 8192 + 128 * 4096) * 4
    assert rs == 79_036_416  # 75.375 MiB, the size llama.cpp prints as "RS buffer size"
    assert p["devices"][0]["kv_cache_bytes"] == kv + rs
    p4 = plan(card, catalogs, "llama.cpp", {"context": 32768, "parallel": 4}, hw)
    # four slots: the KV cells are split among them, the state is kept once per slot
    assert p4["devices"][0]["kv_cache_bytes"] == kv + 4 * rs


def test_llamacpp_plan_says_what_it_does_not_model(cards):
    from generator.calc.engines import llamacpp

    # DeepSeek-V3.2 runs in llama.cpp (b9411) and its DSA cache is modelled
    # (tests/calc/engines/test_llamacpp.py test_kv_deepseek_v32_adds_the_indexer_key)
    assert llamacpp.unsupported(cards["deepseek/deepseek-v3.2-exp"]) is None
    # no MiniMax-Text-01 / M1 architecture in src/llama-arch.cpp
    assert "llama.cpp cannot run MiniMax's lightning attention" in (
        llamacpp.unsupported(cards["minimaxai/minimax-m1-80k"]) or "")
    assert llamacpp.unsupported(cards["moonshotai/kimi-linear-48b-a3b-instruct"]) is None


def test_llamacpp_plan_of_kimi_linear_by_hand(cards, catalogs):
    from generator.calc.engines import hardware, plan

    card = cards["moonshotai/kimi-linear-48b-a3b-instruct"]
    p = plan(card, catalogs, "llama.cpp", {"context": 32768, "parallel": 1}, hardware(catalogs, "rtx-4090", 1))
    # 7 MLA layers keep K only: kv_lora_rank 512 + rope 64 = 576 F16 values a token
    kv = 7 * 576 * 2 * 32768
    assert p["kv_cache_bytes_per_token"] == 7 * 576 * 2
    # 20 KDA layers, one sequence, F32 (src/llama-hparams.cpp): conv 3 x (4 - 1) x 32 x 128 and
    # state 128 x 128 x 32 values
    rs = 20 * (3 * 3 * 32 * 128 + 128 * 128 * 32) * 4
    assert rs == 44_892_160
    assert p["devices"][0]["kv_cache_bytes"] == kv + rs


def test_vllm_plan_says_what_it_does_not_model(cards):
    from generator.calc.engines import vllm

    # DeepSeek sparse attention is planned (the indexer's FP8 key cache beside the fp8_ds_mla latent)
    assert vllm.unsupported(cards["deepseek/deepseek-v3.2-exp"]) is None
    # vLLM 0.11.0's model registry has no KimiLinearForCausalLM (it came with v0.11.1)
    assert "cannot run Kimi delta attention" in (vllm.unsupported(cards["moonshotai/kimi-linear-48b-a3b-instruct"]) or "")
    # Qwen3.5 / Qwen3.6 (gated DeltaNet with a vision tower) came after v0.11.0: the 0.11 release line does
    # not plan them, the 0.17 line (the default) does; Qwen3-Next is planned on both
    old = {"vllm_version": "0.11"}
    assert "cannot run Qwen3.5" in (vllm.unsupported(cards["qwen/qwen3.5-35b-a3b"], old) or "")
    assert "cannot run Qwen3.5" in (vllm.unsupported(cards["qwen/qwen3.6-35b-a3b"], old) or "")
    assert vllm.unsupported(cards["qwen/qwen3.5-35b-a3b"]) is None
    assert vllm.unsupported(cards["qwen/qwen3-next-80b-a3b-instruct"], old) is None
    assert vllm.unsupported(cards["qwen/qwen3-next-80b-a3b-instruct"]) is None
    # MiniMax-M1's lightning attention is MiniMaxText01ForCausalLM in v0.11.0: planned
    assert vllm.unsupported(cards["minimaxai/minimax-m1-80k"]) is None


def test_model_page_rows_name_the_layer_kinds_and_the_state(cards, catalogs):
    from generator.site.pages import spec_rows

    card = cards["nvidia/nemotron-h-8b-base-8k"]
    rows = dict(spec_rows(card, derive(card, catalogs)))
    assert rows["Layer kinds"] == "24 Mamba-2 (no FFN) + 4 attention (no FFN) + 24 FFN only"
    # 24 x (3 x 10,240 + 128 x 64 x 128) values x 4 bytes = 103,612,416 bytes
    assert rows["Recurrent state per sequence"] == "0.10 GB"
    plain = cards["meta/llama-3.1-8b"]
    assert "Layer kinds" not in dict(spec_rows(plain, derive(plain, catalogs)))


def test_a_pattern_that_contradicts_the_layer_count_gives_no_count(cards, catalogs):
    card = copy.deepcopy(cards["qwen/qwen3-next-80b-a3b-instruct"])
    card["architecture"]["layer_pattern"] = "RRRA" * 11  # 44 letters for 48 layers
    assert count_parameters(card) is None
    d = derive(card, catalogs)  # no crash: the sizes are unknown
    assert d["architecture_complete"] is False and d["calculator"]["state_bytes_per_sequence"] == 0


def test_parallel_hybrid_layer_by_hand():
    # A P layer (Falcon-H1) holds attention and a Mamba-2 mixer side by side, then an FFN.
    # Shapes of tiiuae/Falcon-H1-Tiny-90M-Instruct's config.json: hidden 512, 24 layers, 8 heads
    # and 2 KV heads of 64, mamba_d_ssm 768 = 24 heads x 32, 1 group, state 64, conv 4 with
    # bias, no projection bias, mamba_rms_norm false, FFN 768, vocab 32,768, tied.
    attention = 512 * 512 + 2 * 512 * 128 + 512 * 512
    mamba = (512 * (768 + (768 + 2 * 64) + 24)   # in_proj: z, xBC, dt
             + (768 + 2 * 64) * 4 + (768 + 2 * 64)  # conv and its bias
             + 3 * 24                               # dt_bias, A_log, D
             + 768 * 512)                           # out_proj
    ffn = 3 * 512 * 768
    by_hand = 24 * (attention + mamba + ffn + 2 * 512) + 32768 * 512 + 512
    arch = {
        "type": "dense", "layers": 24, "hidden_size": 512, "intermediate_size": 768, "vocab_size": 32768,
        "tied_embeddings": True, "activation": "silu", "mlp": "gated", "mlp_bias": False,
        "normalization": "rmsnorm", "norm_bias": False, "norms_per_layer": 2, "position_embedding": "rope",
        "max_position_embeddings": 131072, "layer_pattern": "P" * 24,
        "attention": {"structure": "GQA", "heads": 8, "kv_heads": 2, "head_dim": 64, "qkv_bias": False,
                      "output_bias": False, "qk_norm": "none", "sinks": False, "mla": None, "sliding_window": None},
        "ssm": {"kind": "mamba2", "state_size": 64, "conv_kernel": 4, "inner_size": 768, "heads": 24, "head_dim": 32,
                "n_groups": 1, "dt_rank": None, "chunk_size": None, "proj_bias": False, "conv_bias": True,
                "gated_norm": False, "inner_norms": None},
        "experts": None,
    }
    card = {"architecture": arch, "parameters": {}}
    assert count_parameters(card).total == by_hand == 91_131_072
    # Every P layer caches keys and values and keeps a state.
    assert kv_groups(card)[0].layers == 24
    assert state_elements_per_sequence(arch) == 24 * (3 * (768 + 2 * 64) + 768 * 64)
    inv = inventory(card)
    assert sum(m.elements * inv.layer_count(m.layers) for m in inv.matrices) == by_hand


def test_mamba2_state_reproduces_vllms_attention_block_size():
    # vLLM sizes one Mamba state page per request and layer and raises the attention block size
    # until an attention page is at least as large (vllm/model_executor/models/config.py,
    # HybridAttentionMambaModelConfig.verify_and_update_config, v0.10):
    #   block = 16 * cdiv(mamba_page_bytes, 16 * attention_bytes_per_token)
    # vLLM issue #24280 (a vLLM contributor) gives the result for nvidia/NVIDIA-Nemotron-Nano-9B-v2:
    # "672 tokens". That config: 128 Mamba heads of 80, 8 groups, state 128, conv 4; attention with
    # 8 KV heads of 128; BF16 states and cache (the default dtype).
    ssm = {"kind": "mamba2", "state_size": 128, "conv_kernel": 4, "inner_size": 128 * 80, "heads": 128,
           "head_dim": 80, "n_groups": 8}
    from generator.calc.state import ssm_state_elements

    conv, recurrent = ssm_state_elements(ssm)
    assert (conv, recurrent) == (3 * (10_240 + 2 * 8 * 128), 128 * 80 * 128)
    mamba_page = (conv + recurrent) * 2
    attention_per_token = 2 * 8 * 128 * 2
    block = 16 * -(-mamba_page // (16 * attention_per_token))
    assert block == 672


def test_gated_deltanet_state_matches_vllm_ascends_page():
    # vllm-ascend issue #7393 prints, for Qwen3.5-35B-A3B at tensor parallel 8,
    # ssm_block_page_size=262144: one request's recurrent state on one rank, F32
    # (mamba_ssm_dtype float32). That model's gated DeltaNet layers: 16 key heads and 32 value
    # heads of 128 (linear_num_key_heads, linear_num_value_heads, linear_*_head_dim), conv 4.
    from generator.calc.state import linear_state_elements

    lin = {"kind": "gated_deltanet", "key_heads": 16, "key_head_dim": 128, "value_heads": 32,
           "value_head_dim": 128, "conv_kernel": 4}
    recurrent = linear_state_elements(lin)[1]
    assert recurrent * 4 // 8 == 262_144  # value heads split over 8 ranks
