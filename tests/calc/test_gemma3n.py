"""Gemma 3n: exact counts from the two released configs, the importer, KV sharing and where
each engine keeps the per-layer embedding table.

The configs are the records tests/registry/configs/google/gemma-3n-{e2b,e4b}-it.json (the keys of
the Hub config.json files, each record with its sources; test_config_agreement.py checks the cards
against them too). Expected numbers are written out by hand below from transformers'
modeling_gemma3n.py layout, or are published figures named next to them; none is taken from the
code under test.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.calc.catalogs import load_catalogs
from generator.calc.engines import Hardware
from generator.calc.engines import llamacpp as L
from generator.calc.engines import vllm as V
from generator.calc.engines.llamacpp.layers import kv_layers, layer_weights
from generator.calc.memory import kv_groups, weight_bytes
from generator.calc.modules import part_rules
from generator.calc.params import count_parameters
from generator.calc.tensors import inventory
from generator.importers.hf import ImportErrorHF, architecture_from_config, card_draft
from generator.load import load_file

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "tests" / "registry" / "configs" / "google"
NO_HW = Hardware(None, 1, None, None)

# Exact parameter counts of the two Hub checkpoints (the Hugging Face API's safetensors total):
# ggml-org/LlamaBarn's model catalogue (its Swift catalog source as indexed in September 2025, field
# ModelSize.parameterCount, "Total model parameters (from HF API)"; later versions dropped the
# field) lists Gemma 3n E4B at 7,849,978,192 and E2B at 5,439,438,272, next to Gemma 3 27B at
# 27,432,406,640, the Hub count of google/gemma-3-27b-it; the E4B figure is also the Hub count of lmstudio-community/gemma-3n-E4B-it-MLX-bf16
# (AlexsJones/llmfit llmfit-core/data/hf_models.json @ 5bdc9df9d8e28168fdc4650741be71b715a11fc6),
# where unsloth/gemma-3n-E4B-it, which stores the tied head a second time, counts 8,387,373,392.
HUB_PARAMETERS = {"e2b": 5_439_438_272, "e4b": 7_849_978_192}
UNSLOTH_E4B_UNTIED = 8_387_373_392


def _ref(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFIGS / f"gemma-3n-{name}-it.json").read_text(encoding="utf-8"))
    return data


def _draft(name: str) -> dict[str, Any]:
    return card_draft(_ref(name)["config"], f"google/gemma-3n-{name}-it")


def _card(name: str) -> dict[str, Any]:
    return load_file(ROOT / "registry" / "google" / f"gemma-3n-{name}-it.yaml", f"google/gemma-3n-{name}-it").data


# ---------------------------------------------------------------- the language model by hand

def _language_model_by_hand(layers: int, ffn: int) -> int:
    """Gemma3nTextModel + the tied head, h = 2048, written out tensor by tensor."""
    h, heads, kv, hd = 2048, 8, 2, 256
    vocab, ple_vocab, w, n, r = 262_400, 262_144, 256, 4, 64
    per_layer = (
        h * heads * hd + 2 * h * kv * hd + heads * hd * h  # q, k, v, o (no biases)
        + 2 * hd                                            # q_norm, k_norm (v_norm has no weight)
        + 3 * h * ffn                                       # gate, up, down
        + 4 * h                                             # input / post-attention / pre- / post-FFN norms
        + h + n * n + n * n * n + h * n + h                 # AltUp: output scale, correction, prediction, router, router norm
        + h * r + r * h + h                                 # LAuReL: left, right, post norm
        + h * w + w * h + h                                 # per-layer input gate, projection, post norm
    )
    model = (
        vocab * h                        # embed_tokens (tied to the head)
        + h                              # final norm
        + ple_vocab * layers * w         # embed_tokens_per_layer
        + h * layers * w + w             # per_layer_model_projection, per_layer_projection_norm
        + 2 * (n - 1) * h * h            # altup_projections, altup_unembed_projections
    )
    return layers * per_layer + model


# Gemma3nAudioEncoder + embed_audio (h = 1536, 8 heads of 192, 12 conformer blocks), by hand:
#   sub-sampling: conv 1->128 (3x3) 1,152 + norm 128 + conv 128->32 (3x3) 36,864 + norm 32
#                 + input projection (32 channels x 32 frequencies = 1,024) x 1,536 = 1,572,864
#                 = 1,611,040
#   one block: two FFN halves 2 x (2 x 1,536 x 6,144 + 2 x 1,536) = 37,754,880
#              attention: q, k, v, relative-position and post projections 5 x 1,536^2 = 11,796,480,
#              per-dim scale 192, two norms 3,072 = 11,799,744
#              light conv: norm 1,536, 1,536 x 3,072 = 4,718,592, depthwise 5 x 1,536 = 7,680,
#              norm 1,536, 1,536^2 = 2,359,296 = 7,088,640
#              final norm 1,536  -> 56,644,800; x 12 = 679,737,600
#   embedder: 128 x 1,536 = 196,608 + two norms 3,072 + 1,536 x 2,048 = 3,145,728 = 3,345,408
AUDIO_BY_HAND = 1_611_040 + 679_737_600 + 3_345_408


def test_audio_encoder_by_hand() -> None:
    assert AUDIO_BY_HAND == 684_694_048
    for name in ("e2b", "e4b"):
        pc = count_parameters(_draft(name))
        assert pc is not None
        assert pc.breakdown["audio_encoder"] == AUDIO_BY_HAND


@pytest.mark.parametrize("name, layers, ffn", [("e2b", 30, 8192), ("e4b", 35, 16384)])
def test_language_model_is_exact(name: str, layers: int, ffn: int) -> None:
    pc = count_parameters(_draft(name))
    assert pc is not None
    language = pc.total - pc.breakdown["audio_encoder"] - pc.breakdown["extra"]
    assert language == _language_model_by_hand(layers, ffn)
    # Parts of the breakdown (the table, and what gemma3n.py adds), by hand:
    assert pc.breakdown["per_layer_embeddings"] == 262_144 * layers * 256
    assert pc.breakdown["altup"] == 6 * 2048 * 2048 + layers * (2 * 2048 + 16 + 64 + 4 * 2048)
    assert pc.breakdown["laurel"] == layers * (2 * 2048 * 64 + 2048)


def test_published_figures() -> None:
    e2b, e4b = count_parameters(_draft("e2b")), count_parameters(_draft("e4b"))
    assert e2b is not None and e4b is not None
    lang2 = e2b.total - e2b.breakdown["audio_encoder"]
    lang4 = e4b.total - e4b.breakdown["audio_encoder"]
    assert (lang2, lang4) == (4_456_156_768, 6_866_696_688)
    # Google's "effective" parameters (google/gemma3n-slicing-configs: 1.91B for the official
    # E2B config, 3.98B for the main model) are the language model without the two lookup tables.
    for pc, lang, effective in ((e2b, lang2, 1.91e9), (e4b, lang4, 3.98e9)):
        eff = lang - pc.breakdown["embedding"] - pc.breakdown["per_layer_embeddings"]
        assert round(eff / 1e7) == round(effective / 1e7)
    # The Hub's safetensors counts of two copies of E4B IT differ by exactly the tied head that
    # unsloth stores a second time (262,400 x 2,048): the vocabulary and width are right.
    assert UNSLOTH_E4B_UNTIED - HUB_PARAMETERS["e4b"] == e4b.breakdown["embedding"]
    # What the layout leaves of each checkpoint's exact count is the MobileNet-V5 vision tower with
    # its embedder, and it is the same number for both: E2B is a slice of E4B's language model only
    # and keeps its vision_config (mobilenetv5_300m_enc). The embedder (Gemma3nMultimodalEmbedder,
    # vision: 128 hard tokens x 2,048, two norms of 2,048, a 2,048 x 2,048 projection) is 4,460,544;
    # the tower 294,126,912 (keras-team/keras-hub keras_hub/src/models/mobilenetv5/mobilenetv5_presets.py:
    # mobilenetv5_300m_enc_gemma3n, "params": 294,284,096; its Keras layers count 157,184 more, so
    # that is a check on the size, not on the digits).
    for name, pc in (("e2b", e2b), ("e4b", e4b)):
        assert HUB_PARAMETERS[name] - pc.total == 298_587_456
        assert _card(name)["parameters"]["extra"] == 298_587_456
    embedder = 128 * 2048 + 2 * 2048 + 2048 * 2048
    assert embedder == 4_460_544
    assert abs((298_587_456 - embedder) - 294_284_096) / 294_284_096 < 0.001


# ---------------------------------------------------------------- real GGUF files

# ggml-org's Q8_0 files, exact sizes in bytes: gemma-3n-E2B-it-Q8_0.gguf
# (https://huggingface.co/ggml-org/gemma-3n-E2B-it-GGUF, revision 989cffaba23976934324f5e3abfabe31b30eb73b,
# sha256 038a47c4...c337b) is 4,788,112,064 in ModelJars/modeljars catalog/models.json
# @ f84976d3ca6bbe19e8d5f23846a5c5bd20da298b and in ggml-org/LlamaBarn LlamaBarn/Catalog/Catalog.swift
# @ eefe245145976b5adccfd4cef5776d95463cef53, which also gives gemma-3n-E4B-it-Q8_0.gguf
# (https://huggingface.co/ggml-org/gemma-3n-E4B-it-GGUF) as 7,353,292,256. Both hold the language
# model only: convert_hf_to_gguf.py (Gemma3NModel.modify_tensors) skips every tensor outside
# "language_model."; the vision and audio towers go to a separate mmproj file.
GGUF_Q8_0 = {"e2b": 4_788_112_064, "e4b": 7_353_292_256}
# ModelJars reads the E2B file's parameter count from its tensors: 4,455,632,480.
GGUF_E2B_PARAMETERS = 4_455_632_480


def _q8_0_by_hand(layers: int, ffn: int) -> int:
    """Tensor bytes of a Gemma 3n language model in a llama.cpp Q8_0 file, written out.

    Q8_0 stores 32 weights in 34 bytes. llama-quantize (src/llama-quant.cpp) leaves tensors named
    altup*, laurel* and per_layer_model_proj as the converted F16 file has them (2 bytes); the
    converter keeps 1-D tensors and the AltUp coefficient matrices in F32 (4 bytes).
    """
    h, q, kv, vocab, ple_vocab, w, n, r = 2048, 2048, 512, 262_400, 262_144, 256, 4, 64
    q8 = (vocab * h + ple_vocab * layers * w                      # token_embd, per_layer_token_embd
          + layers * (2 * h * q + 2 * h * kv + 3 * h * ffn + 2 * h * w))  # q, o, k, v, FFN, inp_gate, proj
    f16 = 6 * h * h + h * layers * w + layers * (h * n + 2 * h * r)  # altup_proj/unembd, per_layer_model_proj, router, laurel
    f32 = (h + w                                                  # output_norm, per_layer_proj_norm
           + layers * (4 * h + 2 * 256 + 2 * h + n * n + n ** 3 + h + h))  # norms, q/k norms, AltUp, LAuReL and per-layer norms
    return q8 * 34 // 32 + f16 * 2 + f32 * 4


@pytest.mark.parametrize("name, layers, ffn", [("e2b", 30, 8192), ("e4b", 35, 16384)])
def test_q8_0_weight_bytes_match_ggml_org_files(name: str, layers: int, ffn: int) -> None:
    catalogs = load_catalogs()
    q8 = catalogs.quantization("Q8_0")
    assert q8 is not None
    predicted = weight_bytes(inventory(_card(name)), q8, catalogs, 0).total
    assert predicted == _q8_0_by_hand(layers, ffn)
    real = GGUF_Q8_0[name]
    assert abs(predicted - real) / real < 0.01
    # What is left is the file's metadata, the same for both sizes (a 262,144-token tokenizer,
    # about 6 MB, as for other Gemma 3 files), and the 256 token_embd rows the converter drops
    # (Gemma3Model.modify_tensors keeps as many rows as the tokenizer has tokens, 262,144; see
    # test_gguf_parameter_count). Quantizing altup, laurel and per_layer_model_proj to Q8_0 too
    # would leave 52 and 56 MB instead.
    assert 5_000_000 < real - predicted < 8_000_000


def test_gguf_residuals_agree() -> None:
    catalogs = load_catalogs()
    q8 = catalogs.quantization("Q8_0")
    assert q8 is not None
    residual = {name: GGUF_Q8_0[name] - weight_bytes(inventory(_card(name)), q8, catalogs, 0).total
                for name in ("e2b", "e4b")}
    # one tokenizer, one metadata layout: the two files' residuals differ by a few KB (the per-layer
    # arrays of 5 more layers), where a wrong rule for the 35- and 30-layer tensors would differ by MB
    assert abs(residual["e2b"] - residual["e4b"]) < 16_384


def test_gguf_parameter_count() -> None:
    # The June 2025 conversion trims token_embd to the tokenizer's 262,144 tokens (the 256 rows for
    # audio and image soft tokens are dropped) and keeps the per-layer table at 262,144 rows.
    assert GGUF_E2B_PARAMETERS == _language_model_by_hand(30, 8192) - 256 * 2048


@pytest.mark.parametrize("name", ["e2b", "e4b"])
def test_cards_match_the_configs(name: str) -> None:
    card, draft = _card(name), _draft(name)
    assert draft["architecture"]["attention"].pop("fused_qkv") is False  # the cards leave the default out
    assert card["architecture"] == draft["architecture"]
    pc = count_parameters(card)
    assert pc is not None
    assert pc.total == HUB_PARAMETERS[name] == card["parameters"]["total"]


# ---------------------------------------------------------------- MatFormer: E2B inside E4B

def test_e2b_is_a_slice_of_e4b() -> None:
    # Google's slicing config for the official E2B: skip E4B's layers 20-24 and halve every FFN
    # (2048 x 8 -> 2048 x 4). Slicing E4B's config that way gives E2B's text config, except
    # num_kv_shared_layers: 15 of 35 shared layers become 10 of 30 (the skipped layers are shared).
    e4b, e2b = _ref("e4b")["config"]["text_config"], _ref("e2b")["config"]["text_config"]
    kept = [i for i in range(35) if i not in range(20, 25)]
    assert [e4b["layer_types"][i] for i in kept] == e2b["layer_types"]
    assert [e4b["intermediate_size"][i] // 2 for i in kept] == e2b["intermediate_size"]
    shared_kept = [i for i in kept if i >= 35 - e4b["num_kv_shared_layers"]]
    assert len(shared_kept) == e2b["num_kv_shared_layers"]


def test_mix_and_match_slice_by_hand() -> None:
    # google/gemma3n-slicing-configs also lists slices between the two released sizes ("Mix-n-Match",
    # not released as checkpoints): "Config for E1.96B (layer-level)" is the official E2B slice with
    # layer 4 (its first global layer) kept at E4B's full FFN width, 2,048 x 8. Effective parameters
    # (the language model without the token and per-layer tables), by hand:
    def effective(layers: int, ffn: int) -> int:
        return _language_model_by_hand(layers, ffn) - 262_400 * 2048 - 262_144 * layers * 256

    e2b = effective(30, 8192)
    one_wide_layer = 3 * 2048 * (16384 - 8192)  # gate, up and down of one layer at twice the width
    assert round((e2b + one_wide_layer) / 1e7) == 196


# ---------------------------------------------------------------- importer

def test_import_reads_gemma3n() -> None:
    arch = architecture_from_config(_ref("e4b")["config"])
    assert arch["attention"]["kv_shared_layers"] == 15
    assert arch["attention"]["sliding_window"] == {"kind": "sliding", "size": 512, "pattern": "LLLLG"}
    assert arch["per_layer_embeddings"] == {"vocab_size": 262_144, "width": 256}
    assert (arch["altup_inputs"], arch["laurel_rank"], arch["intermediate_size"]) == (4, 64, 16384)
    assert arch["audio_encoder"]["kind"] == "gemma3n_audio" and "vision_encoder" not in arch
    draft = _draft("e2b")
    # the MobileNet-V5 tower is not counted by layout: its parameters stay unknown in the draft
    assert draft["parameters"]["extra"] is None


def _with_text(**changes: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(_ref("e2b")["config"])
    cfg["text_config"].update(changes)
    return cfg


@pytest.mark.parametrize("config, message", [
    (_with_text(intermediate_size=[8192] * 29 + [16384]),
     "text_config.intermediate_size: per-layer FFN widths differ (a MatFormer mix-and-match slice)"),
    (_with_text(num_kv_shared_layers=30), "text_config.num_kv_shared_layers: 30 of 30 layers leaves none"),
    (_with_text(laurel_rank="64"), "text_config.laurel_rank: must be a whole number"),
    ({**_ref("e2b")["config"], "audio_config": {**_ref("e2b")["config"]["audio_config"], "conf_conv_kernel_size": 7}},
     "audio_config.conf_conv_kernel_size: 7, but the gemma3n_audio layout is counted for 5"),
    ({"model_type": "gemma3n_vision"}, "model_type: unsupported model_type \"gemma3n_vision\""),
])
def test_import_errors(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ImportErrorHF) as e:
        architecture_from_config(config)
    assert message in str(e.value)


# ---------------------------------------------------------------- KV cache and engines

def test_kv_shared_layers_own_no_cache() -> None:
    card = _card("e4b")
    # 35 - 15 = 20 layers own a cache: layers 0-19, every fifth global (4), the rest sliding (16);
    # each caches K and V of 2 heads x 256 = 1,024 values per token.
    groups = sorted((g.window or 0, g.layers, g.elements_per_token) for g in kv_groups(card))
    assert groups == [(0, 4, 1024), (512, 16, 1024)]
    per_layer = kv_layers(card)
    assert [i for i, x in enumerate(per_layer) if x.k] == list(range(20))
    assert sum(x.swa for x in per_layer if x.k) == 16


@pytest.mark.parametrize("engine", ["llama.cpp", "vllm"])
@pytest.mark.parametrize("name", ["e2b", "e4b"])
def test_engine_kv_bytes_per_token(engine: str, name: str) -> None:
    # F16 / BF16 cache: 20 layers x (K + V) x 2 heads x 256 x 2 bytes = 40,960 bytes per token,
    # for both models (llama.cpp's n_layer_kv_from_start is 20 for both; vLLM skips the layers
    # with a kv_sharing_target_layer_name). Without sharing E4B would need 71,680.
    from generator.calc import engines
    catalogs = load_catalogs()
    p = engines.plan(_card(name), catalogs, engine, {"context": 4096}, engines.hardware(catalogs))
    assert p["kv_cache_bytes_per_token"] == 20 * 2 * 2 * 256 * 2


def test_vllm_kv_layout_counts_owning_layers() -> None:
    lay = V.kv_layout(_card("e4b"), 1, 2)
    assert sorted(lay.layers, key=lambda x: x[0] or 0) == [(None, 4), (512, 16)]
    assert lay.per_token_bytes == 20 * 2 * 2 * 256 * 2


def test_per_layer_table_placement() -> None:
    rules = {engine: {r.part: r for r in part_rules(_card("e4b"), engine)} for engine in ("llama.cpp", "vllm")}
    assert rules["llama.cpp"]["per_layer_embeddings"].where == "host memory"
    assert rules["vllm"]["per_layer_embeddings"].where == "device"
    assert rules["llama.cpp"]["per_layer_embeddings"].parameters == 262_144 * 35 * 256


def test_llamacpp_keeps_the_per_layer_table_in_host_memory() -> None:
    catalogs = load_catalogs()
    card = _card("e4b")
    fp16 = catalogs.quantization("FP16")
    assert fp16 is not None
    lw = layer_weights(card, fp16, catalogs)
    # GGUF F16: the token embedding (262,400 x 2,048) and the per-layer table (262,144 x 35 x 256),
    # 2 bytes each, are input tensors in host memory; the tied head is loaded again on the device.
    assert lw.token_embd == (262_400 * 2048 + 262_144 * 35 * 256) * 2
    # With the output layer: the duplicated head, the F32 final norm, the AltUp projections
    # (3 + 3 matrices of 2,048^2) and the per-layer model projection (2,048 x 35 x 256) with its
    # F32 norm of 256. (llama.cpp puts per_layer_model_proj on layer 0's device: the same device
    # unless -ngl splits layer 0 from the output layer.)
    assert lw.output == (262_400 * 2048 * 2 + 2048 * 4 + 6 * 2048 * 2048 * 2
                         + 2048 * 35 * 256 * 2 + 256 * 4)
    p = L.plan(card, catalogs, {"quant": "FP16", "context": 4096}, NO_HW)
    assert p["host"]["weights_bytes"] == lw.token_embd


def test_inventory_agrees_with_the_count() -> None:
    for name in ("e2b", "e4b"):
        card = _card(name)
        pc = count_parameters(card)
        assert pc is not None
        inv = inventory(card)
        text = sum(m.elements * inv.layer_count(m.layers) for m in inv.matrices)
        assert text == pc.total - pc.breakdown["audio_encoder"] - pc.breakdown["extra"]
