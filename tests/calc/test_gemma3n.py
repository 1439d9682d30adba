"""Gemma 3n: exact counts from the two released configs, the importer, KV sharing and where
each engine keeps the per-layer embedding table.

The configs are tests/calc/gemma3n_configs/gemma-3n-{e2b,e4b}-it.json (count-relevant keys of the Hub
config.json files, each with its sources). Expected numbers are written out by hand below from
transformers' modeling_gemma3n.py layout, or are published figures named next to them; none is
taken from the code under test.
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
from generator.calc.engines.llamacpp_layers import kv_layers, layer_weights
from generator.calc.memory import kv_groups
from generator.calc.modules import part_rules
from generator.calc.params import count_parameters
from generator.calc.tensors import inventory
from generator.importers.hf import ImportErrorHF, architecture_from_config, card_draft
from generator.load import load_file

ROOT = Path(__file__).resolve().parents[2]
REFDATA = Path(__file__).parent / "gemma3n_configs"
NO_HW = Hardware(None, 1, None, None)


def _ref(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFDATA / f"gemma-3n-{name}-it.json").read_text(encoding="utf-8"))
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
    # llama.cpp's text-only GGUF (which pads the per-layer table to the 262,400-token vocabulary,
    # convert_hf_to_gguf.py Gemma3NModel.modify_tensors) is listed at 4.46B (Ollama gemma3n:e2b)
    # and 6.87B (gemma3n:e4b).
    for lang, layers, listed in ((lang2, 30, 4.46e9), (lang4, 35, 6.87e9)):
        gguf = lang + (262_400 - 262_144) * layers * 256
        assert round(gguf / 1e7) == round(listed / 1e7)
    # The Hub's safetensors counts of two copies of E4B IT differ by exactly the tied head that
    # unsloth stores a second time (262,400 x 2,048): the vocabulary and width are right.
    ref = _ref("e4b")
    assert ref["parameters_raw_untied_copy"] - ref["parameters_raw"] == e4b.breakdown["embedding"]
    # What the layout leaves for the MobileNet-V5 vision tower and its embedder ("300M" class:
    # timm mobilenetv5_300m_enc) is the card's parameters.extra.
    vision = ref["parameters_raw"] - e4b.total
    assert vision == 298_587_456
    assert _card("e4b")["parameters"]["extra"] == vision


@pytest.mark.parametrize("name", ["e2b", "e4b"])
def test_cards_match_the_configs(name: str) -> None:
    card, draft = _card(name), _draft(name)
    assert draft["architecture"]["attention"].pop("fused_qkv") is False  # the cards leave the default out
    assert card["architecture"] == draft["architecture"]
    pc = count_parameters(card)
    assert pc is not None
    assert pc.total == (7_849_978_192 if name == "e4b" else 5_439_438_272)


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
