"""`llmcards import-hf`: --output, located messages for bad config values, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent / "calc"))
from calc_refmodels import reference_models  # noqa: E402

from generator.cli import main  # noqa: E402

MODELS = {m["_file"]: m for m in reference_models()}
LLAMA = MODELS["llama-3.1-8b"]["config"]


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.json"
    path.write_text(text)
    return path


def test_output_creates_folders_and_never_overwrites(tmp_path, capsys):
    cfg = _config(tmp_path, json.dumps(LLAMA))
    out = tmp_path / "registry" / "acme" / "my-model.yaml"  # neither folder exists yet
    assert main(["import-hf", str(cfg), "--id", "acme/my-model", "--output", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["architecture"]["layers"] == 32
    out.write_text("my edits\n")
    assert main(["import-hf", str(cfg), "--id", "acme/my-model", "--output", str(out)]) == 1
    assert "already exists; not overwritten" in capsys.readouterr().err
    assert out.read_text() == "my edits\n"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("hidden_size", 4096.7, "hidden_size: must be a whole number, not 4096.7"),
        ("hidden_size", -5, "hidden_size: must be at least 1, got -5"),
        ("num_attention_heads", 0, "num_attention_heads: must be at least 1, got 0"),
        ("hidden_size", "4096", 'hidden_size: must be a whole number, not "4096" (remove the quotes)'),
        ("num_hidden_layers", True, "num_hidden_layers: must be a whole number, not true"),
        ("num_hidden_layers", 10**12, "num_hidden_layers: must be at most 100,000"),
        ("tie_word_embeddings", "yes", 'tie_word_embeddings: must be true or false, not "yes"'),
    ],
)
def test_bad_values_name_the_key(tmp_path, capsys, key, value, message):
    cfg = _config(tmp_path, json.dumps({**LLAMA, key: value}))
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    err = capsys.readouterr().err
    assert f"llmcards import-hf: {cfg}: {message}" in err and "internal error" not in err


def test_wrapped_configs_name_the_text_config_key(tmp_path, capsys):
    m = MODELS["gemma-3-4b"]["config"]
    cfg = _config(tmp_path, json.dumps({**m, "text_config": {**m["text_config"], "hidden_size": 0}}))
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    assert "text_config.hidden_size: must be at least 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "bad value: JSON nested more than 100 levels deep"),
        ('{"model_type": "llama", "a":' + "{" * 50_000 + "}" * 50_001, "bad value: JSON nested more than"),
        (json.dumps(LLAMA)[:-1] + ', "x": 1e400}', "bad value: 1e400 is too large for a number"),
        (json.dumps(LLAMA)[:-1] + ', "x": Infinity}', "bad value: Infinity is not a JSON number"),
        (json.dumps(LLAMA)[:-1] + ', "x": NaN}', "bad value: NaN is not a JSON number"),
        (json.dumps(LLAMA)[:-1] + ', "x": ' + "9" * 5000 + "}", "bad value: a number with 5,000 digits"),
    ],
)
def test_absurd_json_is_a_bad_value(tmp_path, capsys, text, message):
    cfg = _config(tmp_path, text)
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    err = capsys.readouterr().err
    assert f"{cfg}: {message}" in err and "internal error" not in err and "Traceback" not in err
    # calc reads config.json the same way
    assert main(["calc", str(cfg)]) == 1
    assert message in capsys.readouterr().err


def test_missing_model_type_says_what_to_do(tmp_path, capsys):
    cfg = _config(tmp_path, json.dumps({k: v for k, v in LLAMA.items() if k != "model_type"}))
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    err = capsys.readouterr().err
    assert "model_type: missing" in err and "config.json next to the model's weights" in err and "llama" in err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["import-hf", str(tmp_path / "nope.json"), "--id", "a/b"]) == 2
    assert "nope.json: no such file" in capsys.readouterr().err
    cfg = _config(tmp_path, json.dumps(LLAMA))
    # The schema's id rule: lowercase org/model.
    for bad in ("Acme/Model", "acme", "acme/my model", "/x"):
        assert main(["import-hf", str(cfg), "--id", bad]) == 2, bad
    assert main(["import-hf", str(cfg), "--id", "acme/model-3.1"]) == 0


def test_moe_draft_carries_the_derived_active_counts(tmp_path, capsys):
    # Mixtral 8x7B: 12,879,925,248 parameters per token (2 of 8 experts; Mistral AI: "12.9B active");
    # the input embedding is 32,000 x 4,096 = 131,072,000 of them, so 12,748,853,248 without it.
    cfg = _config(tmp_path, json.dumps(MODELS["mixtral-8x7b-v0.1"]["config"]))
    assert main(["import-hf", str(cfg), "--id", "mistral/mixtral"]) == 0
    text = capsys.readouterr().out
    assert "12,879,925,248 per token with the input embedding, 12,748,853,248 without it" in text
    assert yaml.safe_load(text)["parameters"]["active"] is None  # the publisher's figure goes there
    # Dense drafts carry no such comment.
    cfg = _config(tmp_path, json.dumps(LLAMA))
    assert main(["import-hf", str(cfg), "--id", "meta/x"]) == 0
    assert "parameters.active:" not in capsys.readouterr().out


# ------------------------------------------------------------------ hybrid model types
# Real config.json values (trimmed to the keys the importer reads), each with its source.

# nvidia/Nemotron-H-8B-Base-8K, as copied into TensorRT-LLM's hybrid-Mamba model test
# (tests/unittest/_torch/modeling/test_modeling_mamba_hybrid.py, MAMBA_HYBRID_CONFIG); model_type
# as on the Hub.
NEMOTRON_H_8B = {
    "model_type": "nemotron_h", "hidden_size": 4096, "num_hidden_layers": 52, "intermediate_size": 21504,
    "hybrid_override_pattern": "M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-",
    "num_attention_heads": 32, "num_key_value_heads": 8, "attention_head_dim": 128, "mamba_num_heads": 128,
    "mamba_head_dim": 64, "n_groups": 8, "ssm_state_size": 128, "conv_kernel": 4, "chunk_size": 256,
    "use_bias": False, "use_conv_bias": True, "mlp_bias": False, "mlp_hidden_act": "relu2",
    "max_position_embeddings": 8192, "tie_word_embeddings": False, "vocab_size": 131072,
}
# Qwen/Qwen3-Next-80B-A3B-Instruct config.json (https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Instruct).
QWEN3_NEXT = {
    "model_type": "qwen3_next", "hidden_size": 2048, "num_hidden_layers": 48, "intermediate_size": 5120,
    "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "full_attention_interval": 4,
    "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_num_key_heads": 16,
    "linear_num_value_heads": 32, "linear_value_head_dim": 128, "decoder_sparse_step": 1, "mlp_only_layers": [],
    "num_experts": 512, "num_experts_per_tok": 10, "moe_intermediate_size": 512,
    "shared_expert_intermediate_size": 512, "max_position_embeddings": 262144, "vocab_size": 151936,
    "tie_word_embeddings": False, "hidden_act": "silu",
}
# MiniMaxAI/MiniMax-M1-80k config.json (the MiniMax-M1 repository's config.json).
MINIMAX_M1 = {
    "model_type": "minimax_m1", "hidden_size": 6144, "num_hidden_layers": 80, "intermediate_size": 9216,
    "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 128, "num_local_experts": 32,
    "num_experts_per_tok": 2, "shared_intermediate_size": 0, "attn_type_list": ([0] * 7 + [1]) * 10,
    "max_position_embeddings": 10240000, "vocab_size": 200064, "tie_word_embeddings": False, "hidden_act": "silu",
}
# moonshotai/Kimi-Linear-48B-A3B-Instruct config.json (its linear_attn_config, MLA and MoE keys).
KIMI_LINEAR = {
    "model_type": "kimi_linear", "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 27,
    "num_attention_heads": 32, "num_key_value_heads": 32, "head_dim": 72, "vocab_size": 163840,
    "tie_word_embeddings": False, "hidden_act": "silu", "model_max_length": 1048576,
    "kv_lora_rank": 512, "q_lora_rank": None, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
    "mla_use_nope": True,
    "linear_attn_config": {"head_dim": 128, "num_heads": 32, "short_conv_kernel_size": 4,
                           "kda_layers": [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19, 21, 22, 23, 25, 26],
                           "full_attn_layers": [4, 8, 12, 16, 20, 24, 27]},
    "num_experts": 256, "num_experts_per_token": 8, "num_shared_experts": 1, "moe_intermediate_size": 1024,
    "moe_router_activation_func": "sigmoid", "first_k_dense_replace": 1, "moe_layer_freq": 1,
}
# ai21labs/AI21-Jamba-1.5-Mini config.json (the Jamba-v0.1 shape; JambaConfig defaults for the rest).
JAMBA_MINI = {
    "model_type": "jamba", "hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 14336,
    "num_attention_heads": 32, "num_key_value_heads": 8, "attn_layer_offset": 4, "attn_layer_period": 8,
    "expert_layer_offset": 1, "expert_layer_period": 2, "mamba_d_conv": 4, "mamba_d_state": 16, "mamba_expand": 2,
    "num_experts": 16, "num_experts_per_tok": 2, "vocab_size": 65536, "max_position_embeddings": 262144,
}
# deepseek-ai/DeepSeek-V3.2-Exp config.json: DeepSeek-V3's keys plus the indexer's.
DEEPSEEK_V32 = {
    "model_type": "deepseek_v32", "hidden_size": 7168, "num_hidden_layers": 61, "intermediate_size": 18432,
    "num_attention_heads": 128, "num_key_value_heads": 128, "q_lora_rank": 1536, "kv_lora_rank": 512,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "n_routed_experts": 256,
    "n_shared_experts": 1, "num_experts_per_tok": 8, "moe_intermediate_size": 2048, "first_k_dense_replace": 3,
    "moe_layer_freq": 1, "topk_method": "noaux_tc", "vocab_size": 129280, "max_position_embeddings": 163840,
    "tie_word_embeddings": False, "index_n_heads": 64, "index_head_dim": 128, "index_topk": 2048,
    "num_nextn_predict_layers": 1,
}


# Falcon-H1 (model type falcon_h1). No full config.json was at hand; these are the keys the importer
# reads, each from a public copy: layers, width, attention and Mamba heads, head sizes and state
# size from the FalconH1 table of the transformers documentation (written by TII's contributors);
# the rest as noted. mamba_conv_bias, mamba_proj_bias and mamba_chunk_size are FalconH1Config
# defaults (True, False, 128 in the copies that list them).
# tiiuae/Falcon-H1-0.5B-Base: vocabulary, intermediate size (llmfit lists it as
# moe_intermediate_size) and max_position_embeddings (its context_length) as llmfit's catalogue
# (llmfit-core/data/hf_models.json @ a3e0eb27) read them from the Hub; mamba_rms_norm false and
# untied embeddings are what the Hub count (521,411,104) leaves room for: a gated norm would add
# 36 x 1,536, tied embeddings would remove 33,570,816.
FALCON_H1_05B = {
    "model_type": "falcon_h1", "vocab_size": 32784, "hidden_size": 1024, "num_hidden_layers": 36,
    "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 2048,
    "mamba_d_conv": 4, "mamba_d_ssm": 1536, "mamba_d_state": 128, "mamba_d_head": 64, "mamba_n_heads": 24,
    "mamba_n_groups": 1, "mamba_chunk_size": 128, "mamba_conv_bias": True, "mamba_proj_bias": False,
    "mamba_rms_norm": False, "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
    "hidden_act": "silu", "max_position_embeddings": 16384,
}
# tiiuae/Falcon-H1-1.5B-Instruct: vocabulary 65,537 and intermediate 4,608 as a serving
# calculator's test copies the Falcon-H1-1.5B config (and as public research code asserts on the
# loaded model: len(tokenizer) == 65537, ffn.intermediate_size == 4608, config.mamba_rms_norm true,
# config.mamba_chunk_size 128); 128K context from the transformers table.
FALCON_H1_15B = {
    "model_type": "falcon_h1", "vocab_size": 65537, "hidden_size": 2048, "num_hidden_layers": 24,
    "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 128, "intermediate_size": 4608,
    "mamba_d_conv": 4, "mamba_d_ssm": 3072, "mamba_d_state": 256, "mamba_d_head": 64, "mamba_n_heads": 48,
    "mamba_n_groups": 1, "mamba_chunk_size": 128, "mamba_conv_bias": True, "mamba_proj_bias": False,
    "mamba_rms_norm": True, "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
    "hidden_act": "silu", "max_position_embeddings": 131072,
}
# tiiuae/Falcon-H1-7B-Instruct: vocabulary 130,048, intermediate 12,288, untied embeddings and
# max_position_embeddings 262,144 as a serving calculator's test copies the Hugging Face config
# (FALCON_H1_7B_HF); mamba_d_ssm 3,072 and mamba_expand 2 also in mlx-community's
# Falcon-H1-7B-Instruct-4bit config.json as a public sizing test copies it. mamba_rms_norm true:
# a GGUF loader for Falcon-H1R-7B (same shapes) sets it as "the actual trained model" does, and
# the published count needs the 44 x 3,072 gated-norm weights.
FALCON_H1_7B = {
    "model_type": "falcon_h1", "vocab_size": 130048, "hidden_size": 3072, "num_hidden_layers": 44,
    "num_attention_heads": 12, "num_key_value_heads": 2, "head_dim": 128, "intermediate_size": 12288,
    "mamba_d_conv": 4, "mamba_d_ssm": 3072, "mamba_d_state": 256, "mamba_d_head": 128, "mamba_n_heads": 24,
    "mamba_n_groups": 1, "mamba_chunk_size": 128, "mamba_conv_bias": True, "mamba_proj_bias": False,
    "mamba_rms_norm": True, "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
    "hidden_act": "silu", "max_position_embeddings": 262144,
}


# Qwen/Qwen3.5-35B-A3B config.json, trimmed to the keys the count depends on (the same shapes as
# Qwen3.6-35B-A3B; see tests/registry/configs/qwen/qwen3.5-35b-a3b.json for the copy and where it
# was read). The language model sits under text_config (no intermediate_size: every layer is MoE).
QWEN3_5_MOE = {
    "model_type": "qwen3_5_moe", "tie_word_embeddings": False,
    "text_config": {
        "model_type": "qwen3_5_moe_text", "hidden_size": 2048, "num_hidden_layers": 40,
        "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "attn_output_gate": True,
        "layer_types": ["linear_attention"] * 3 + ["full_attention"],  # x 10 below
        "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_num_key_heads": 16,
        "linear_num_value_heads": 32, "linear_value_head_dim": 128, "num_experts": 256, "num_experts_per_tok": 8,
        "moe_intermediate_size": 512, "shared_expert_intermediate_size": 512, "mtp_num_hidden_layers": 1,
        "mtp_use_dedicated_embeddings": False, "max_position_embeddings": 262144, "vocab_size": 248320,
        "tie_word_embeddings": False, "hidden_act": "silu", "mamba_ssm_dtype": "float32",
    },
    "vision_config": {
        "deepstack_visual_indexes": [], "depth": 27, "hidden_size": 1152, "in_channels": 3, "intermediate_size": 4304,
        "num_heads": 16, "num_position_embeddings": 2304, "out_hidden_size": 2048, "patch_size": 16,
        "spatial_merge_size": 2, "temporal_patch_size": 2,
    },
}
QWEN3_5_MOE["text_config"]["layer_types"] *= 10


def test_qwen3_5_moe_imports_as_qwen3_next_with_mtp_and_vision():
    from generator.importers.hf import architecture_from_config

    arch = architecture_from_config(QWEN3_5_MOE)
    assert arch["layer_pattern"] == "RRRA" * 10
    assert arch["intermediate_size"] is None and arch["attention"]["output_gate"] is True
    assert arch["linear_attention"] == {"kind": "gated_deltanet", "key_heads": 16, "key_head_dim": 128,
                                        "value_heads": 32, "value_head_dim": 128, "conv_kernel": 4,
                                        "state_dtype": "float32"}
    assert (arch["experts"]["total"], arch["experts"]["active"], arch["experts"]["shared"]) == (256, 8, 1)
    assert arch["mtp"] == {"modules": 1, "block": "moe", "own_embedding": False, "own_head": False}
    assert arch["vision_encoder"]["kind"] == "qwen3_vl" and arch["vision_encoder"]["deepstack_mergers"] == 0


def test_qwen3_5_moe_reads_the_recurrent_state_dtype(tmp_path, capsys):
    from generator.importers.hf import architecture_from_config

    # config.json's text_config.mamba_ssm_dtype (Qwen3.5-35B-A3B: "float32") becomes linear_attention.state_dtype
    cfg = {**QWEN3_5_MOE, "text_config": {**QWEN3_5_MOE["text_config"], "mamba_ssm_dtype": "float32"}}
    assert architecture_from_config(cfg)["linear_attention"]["state_dtype"] == "float32"
    bad = {**QWEN3_5_MOE, "text_config": {**QWEN3_5_MOE["text_config"], "mamba_ssm_dtype": "fp4"}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["import-hf", str(path), "--id", "someone/qwen35"]) == 1
    err = capsys.readouterr().err
    assert 'text_config.mamba_ssm_dtype: "fp4" is not one of float32, bfloat16, float16' in err


def test_qwen3_5_moe_count_by_hand():
    """Qwen3.5-35B-A3B, written out from the config (the Hub's safetensors count is 35,951,822,704)."""
    from generator.calc.params import count_parameters
    from generator.importers.hf import card_draft

    h, v, layers = 2048, 248320, 40
    experts = 256 * 3 * h * 512 + 3 * h * 512 + h + 256 * h  # routed, shared, shared gate, router
    attention = h * 2 * 16 * 256 + 2 * h * 2 * 256 + 16 * 256 * h + 2 * 256  # q (+gate), k, v, o, q/k norms
    conv_dim = 2 * 16 * 128 + 32 * 128
    deltanet = (h * conv_dim + h * 32 * 128 + 2 * h * 32  # in_proj qkv, z, a and b
                + conv_dim * 4 + 2 * 32 + 128 + 32 * 128 * h)  # conv, A_log and dt_bias, gated norm, out_proj
    language = 2 * v * h + 10 * attention + 30 * deltanet + layers * (experts + 2 * h) + h
    assert language == 34_660_610_688  # the text model's count a public inventory of the checkpoint gives
    mtp = 2 * h * h + 3 * h + attention + experts + 2 * h  # fc, three norms, one decoder layer
    patch = 3 * 2 * 16 * 16 * 1152 + 1152
    # a ViT block: two LayerNorms (weight and bias), qkv and proj with biases, a GELU MLP with biases
    block = 4 * 1152 + 1152 * 3 * 1152 + 3 * 1152 + 1152 * 1152 + 1152 + 2 * 1152 * 4304 + 4304 + 1152
    # the final merger: a LayerNorm, then 2 x 2 patches (4 x 1152) -> 4 x 1152 -> 2,048, with biases
    merger = 1152 * 2 + (4 * 1152) ** 2 + 4 * 1152 + 4 * 1152 * 2048 + 2048
    vision = patch + 2304 * 1152 + 27 * block + merger
    assert language + mtp + vision == 35_951_822_704
    assert count_parameters(card_draft(QWEN3_5_MOE, "x/q")).total == 35_951_822_704


def test_qwen3_5_moe_dense_layers_need_their_width(tmp_path, capsys):
    text = {**QWEN3_5_MOE["text_config"], "mlp_only_layers": [0]}
    cfg = _config(tmp_path, json.dumps({**QWEN3_5_MOE, "text_config": text}))
    assert main(["import-hf", str(cfg), "--id", "acme/x"]) == 1
    assert "text_config.intermediate_size: missing" in capsys.readouterr().err


@pytest.mark.parametrize(("config", "card_id"), [
    (NEMOTRON_H_8B, "nvidia/nemotron-h-8b-base-8k"),
    (QWEN3_NEXT, "qwen/qwen3-next-80b-a3b-instruct"),
    (QWEN3_5_MOE, "qwen/qwen3.5-35b-a3b"),
    (MINIMAX_M1, "minimaxai/minimax-m1-80k"),
    (KIMI_LINEAR, "moonshotai/kimi-linear-48b-a3b-instruct"),
    (JAMBA_MINI, "ai21labs/jamba-1.5-mini"),
    (DEEPSEEK_V32, "deepseek/deepseek-v3.2-exp"),
    (FALCON_H1_05B, "tiiuae/falcon-h1-0.5b-base"),
    (FALCON_H1_15B, "tiiuae/falcon-h1-1.5b-instruct"),
    (FALCON_H1_7B, "tiiuae/falcon-h1-7b-instruct"),
])
def test_hybrid_configs_import_to_the_registry_architecture(config, card_id):
    """The importer and the hand-written card read the same config.json the same way."""
    from generator.importers.hf import architecture_from_config
    from generator.validate import load_registry

    card = next(c.data for c in load_registry(Path(__file__).resolve().parents[1] / "registry")[0] if c.data["id"] == card_id)
    imported = architecture_from_config(config)
    written = card["architecture"]
    for key in set(imported) | set(written):
        got, want = imported.get(key), written.get(key)
        if key == "mtp" and card_id.startswith("qwen/qwen3-next"):
            # Qwen3-Next's config.json does not describe its MTP module (the card reads it from
            # the checkpoint index), so the importer leaves it out
            assert got is None and want is not None
            continue
        if key == "attention":
            # fused_qkv is written out by the importer (false) and left out of the cards
            got = {k: v for k, v in got.items() if not (k == "fused_qkv" and v is False)}
        assert got == want, (card_id, key, got, want)


def test_hybrid_import_counts_match_published_figures():
    from generator.calc.params import count_parameters
    from generator.importers.hf import card_draft

    # Hub safetensors counts: MiniMax-M1 456,089,655,296; Qwen3-Coder-Next (the Qwen3-Next
    # architecture without MTP weights) 79,674,391,296. Nemotron-H-8B: 8,100,852,736 instantiated.
    assert count_parameters(card_draft(MINIMAX_M1, "x/m")).total == 456_089_655_296
    assert count_parameters(card_draft(QWEN3_NEXT, "x/q")).total == 79_674_391_296
    assert count_parameters(card_draft(NEMOTRON_H_8B, "x/n")).total == 8_100_852_736
    # Falcon-H1: the Hub's safetensors count of Falcon-H1-0.5B-Base (llmfit's catalogue, read from the
    # Hub API); the element count of Falcon-H1-1.5B-Instruct's BF16 model.safetensors (411 tensors,
    # 3,109,773,032 bytes) as public research logs that load it print it; Falcon-H1-7B's count as a
    # research paper gives it for Falcon-H1-7B-Base and llama.cpp's metadata for the Falcon-H1R-7B
    # GGUF (same shapes). The last two check the gated RMSNorm (mamba_rms_norm) the first lacks.
    assert count_parameters(card_draft(FALCON_H1_05B, "x/f")).total == 521_411_104
    assert count_parameters(card_draft(FALCON_H1_15B, "x/f")).total == 1_554_863_488
    assert count_parameters(card_draft(FALCON_H1_7B, "x/f")).total == 7_585_648_736


@pytest.mark.parametrize(("config", "message"), [
    ({**NEMOTRON_H_8B, "hybrid_override_pattern": "M-M*"},
     "hybrid_override_pattern: has 4 entries for 52 layers (num_hidden_layers)"),
    ({**NEMOTRON_H_8B, "hybrid_override_pattern": "E" + NEMOTRON_H_8B["hybrid_override_pattern"][1:]},
     "hybrid_override_pattern[0]: unknown layer type \"E\"; known: \"M\", \"*\", \"-\""),
    ({**MINIMAX_M1, "attn_type_list": [0, 2] * 40}, "attn_type_list[1]: unknown layer type 2; known: 0, 1"),
    ({**QWEN3_NEXT, "linear_num_value_heads": "32"}, "linear_num_value_heads: must be a whole number, not \"32\" (remove the quotes)"),
    ({**KIMI_LINEAR, "linear_attn_config": {**KIMI_LINEAR["linear_attn_config"], "full_attn_layers": [4, 28]}},
     "linear_attn_config.full_attn_layers: layer 28 of 27"),
])
def test_hybrid_bad_configs_name_the_key(tmp_path, capsys, config, message):
    cfg = _config(tmp_path, json.dumps(config))
    assert main(["import-hf", str(cfg), "--id", "acme/x"]) == 1
    assert message in capsys.readouterr().err


def test_unknown_model_type_keeps_the_clear_error(tmp_path, capsys):
    cfg = _config(tmp_path, json.dumps({**QWEN3_NEXT, "model_type": "rwkv7"}))
    assert main(["import-hf", str(cfg), "--id", "acme/x"]) == 1
    assert "model_type: unsupported model_type \"rwkv7\"; supported:" in capsys.readouterr().err


# tiiuae/Falcon-H1-Tiny-90M-Instruct config.json, trimmed (as copied in a public test of an MLX port
# whose values mirror the real checkpoint; intermediate_size from a GGUF converter's check of the same model).
# max_position_embeddings is not in that copy: a placeholder the count does not depend on.
FALCON_H1_TINY = {
    "model_type": "falcon_h1", "vocab_size": 32768, "hidden_size": 512, "num_hidden_layers": 24,
    "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 768,
    "mamba_d_conv": 4, "mamba_d_ssm": 768, "mamba_d_state": 64, "mamba_d_head": 32, "mamba_n_heads": 24,
    "mamba_n_groups": 1, "mamba_conv_bias": True, "mamba_proj_bias": False, "mamba_rms_norm": False,
    "tie_word_embeddings": True, "attention_bias": False, "max_position_embeddings": 131072,
}


def test_falcon_h1_imports_as_parallel_layers():
    from generator.calc.params import count_parameters
    from generator.importers.hf import architecture_from_config, card_draft

    arch = architecture_from_config(FALCON_H1_TINY)
    assert arch["layer_pattern"] == "P" * 24
    assert (arch["ssm"]["inner_size"], arch["ssm"]["heads"], arch["ssm"]["head_dim"]) == (768, 24, 32)
    assert arch["ssm"]["gated_norm"] is False
    # the same hand computation as tests/calc/test_state.py::test_parallel_hybrid_layer_by_hand
    assert count_parameters(card_draft(FALCON_H1_TINY, "x/f")).total == 91_131_072


# A small granitemoehybrid config as printed in a public model catalogue's examples (keys and layout
# of IBM's Granite 4.0-H configs; sizes of a test model): the structure, not a published count.
GRANITE_SMALL_EXAMPLE = {
    "model_type": "granitemoehybrid", "hidden_size": 512, "intermediate_size": 1024, "num_hidden_layers": 8,
    "layer_types": ["mamba", "mamba", "mamba", "attention", "mamba", "mamba", "mamba", "attention"],
    "mamba_chunk_size": 256, "mamba_conv_bias": True, "mamba_d_conv": 4, "mamba_d_head": 128, "mamba_d_state": 128,
    "mamba_expand": 2, "mamba_n_groups": 1, "mamba_n_heads": 8, "mamba_proj_bias": False,
    "max_position_embeddings": 4096, "num_attention_heads": 8, "num_key_value_heads": 8, "num_experts_per_tok": 2,
    "num_local_experts": 8, "position_embedding_type": "nope", "shared_intermediate_size": 512,
    "tie_word_embeddings": True, "vocab_size": 49152,
}


def test_granite_hybrid_layout():
    from generator.calc.params import count_parameters
    from generator.importers.hf import architecture_from_config, card_draft

    arch = architecture_from_config(GRANITE_SMALL_EXAMPLE)
    assert arch["layer_pattern"] == "MMMAMMMA"
    assert arch["position_embedding"] == "none"
    assert (arch["ssm"]["inner_size"], arch["ssm"]["heads"], arch["ssm"]["head_dim"]) == (1024, 8, 128)
    assert arch["experts"]["total"] == 8 and arch["experts"]["shared_intermediate_size"] == 512
    # By hand: per layer 2 norms + MoE (8 experts of 3 x 512 x 1024, shared 3 x 512 x 512, router 512 x 8);
    # 6 Mamba-2 mixers: in_proj 512 x (2 x 1024 + 2 x 128 + 8), conv (1024 + 256) x 4 + bias, 3 x 8,
    # gated norm 1024, out_proj 1024 x 512; 2 attention layers 4 x 512 x 512; tied embedding; final norm.
    moe = 8 * 3 * 512 * 1024 + 3 * 512 * 512 + 512 * 8
    mamba = 512 * (2048 + 256 + 8) + 1280 * 4 + 1280 + 24 + 1024 + 1024 * 512
    by_hand = 8 * (moe + 2 * 512) + 6 * mamba + 2 * 4 * 512 * 512 + 49152 * 512 + 512
    assert count_parameters(card_draft(GRANITE_SMALL_EXAMPLE, "x/g")).total == by_hand


# ------------------------------------------------------------------ ERNIE 4.5
# The config.json keys the importer reads, as recorded in tests/registry/configs/baidu/ (copies
# named there): ERNIE-4.5-21B-A3B-PT and ERNIE-4.5-300B-A47B-PT.
ERNIE_21B = {
    "model_type": "ernie4_5_moe", "hidden_size": 2560, "intermediate_size": 12288, "num_hidden_layers": 28,
    "num_attention_heads": 20, "num_key_value_heads": 4, "vocab_size": 103424, "max_position_embeddings": 131072,
    "use_bias": False, "tie_word_embeddings": True, "hidden_act": "silu", "moe_num_experts": 64,
    "moe_num_shared_experts": 2, "moe_intermediate_size": 1536, "moe_k": 6, "moe_layer_start_index": 1,
    "moe_layer_end_index": 27, "moe_layer_interval": 1,
}
ERNIE_300B = {
    **ERNIE_21B, "hidden_size": 8192, "intermediate_size": 28672, "num_hidden_layers": 54, "num_attention_heads": 64,
    "num_key_value_heads": 8, "tie_word_embeddings": False, "moe_num_shared_experts": 0,
    "moe_intermediate_size": 3584, "moe_k": 8, "moe_layer_start_index": 3, "moe_layer_end_index": 53,
    "num_nextn_predict_layers": 1,
}


def test_ernie45_moe_layout_from_config():
    from generator.importers.hf import architecture_from_config

    small, large = architecture_from_config(ERNIE_21B), architecture_from_config(ERNIE_300B)
    assert small["type"] == large["type"] == "moe"
    # moe_layer_start_index leading dense layers, each with the dense intermediate_size
    assert (small["experts"]["first_dense_layers"], small["intermediate_size"]) == (1, 12288)
    assert (large["experts"]["first_dense_layers"], large["intermediate_size"]) == (3, 28672)
    assert small["experts"] == {
        "total": 64, "active": 6, "shared": 2, "intermediate_size": 1536, "shared_intermediate_size": 1536,
        "first_dense_layers": 1, "interleave_step": 1, "router_bias": True, "shared_expert_gate": False}
    assert (large["experts"]["shared"], large["experts"]["shared_intermediate_size"]) == (0, None)
    assert small["tied_embeddings"] and not large["tied_embeddings"]
    assert "mtp" not in small
    # ERNIE's MTP module: two norms, mtp_linear_proj and a dense block, no copies (vLLM ernie_mtp.py)
    assert large["mtp"] == {"modules": 1, "block": "dense", "own_embedding": False, "own_head": False,
                            "final_norm": False}
    # use_bias switches every projection's bias
    biased = architecture_from_config({**ERNIE_21B, "use_bias": True})
    assert biased["mlp_bias"] and biased["attention"]["qkv_bias"] and biased["attention"]["output_bias"]


def test_ernie45_counts_by_hand():
    from generator.calc.params import count_parameters
    from generator.importers.hf import card_draft

    def total(config: dict) -> int:
        result = count_parameters(card_draft(config, "baidu/x"))
        assert result is not None
        return result.total

    # ERNIE-4.5-21B-A3B: h 2560, 28 layers, 20 q / 4 kv heads of 128, vocab 103,424, tied.
    h, vocab = 2560, 103424
    attention = 2 * h * h + 2 * h * 4 * 128                      # q, o + k, v = 15,728,640
    norms = 2 * h
    dense = 3 * h * 12288                                          # gate, up, down
    moe = 64 * 3 * h * 1536 + 2 * 3 * h * 1536 + h * 64 + 64      # routed, 2 shared, router, correction bias
    main = vocab * h + (attention + norms + dense) + 27 * (attention + norms + moe) + h
    assert main == 21_825_437_888                                  # the Hub shows 21.8B
    assert total(ERNIE_21B) == main
    # ERNIE-4.5-300B-A47B: h 8192, 54 layers, 64 q / 8 kv heads of 128, untied, 3 dense layers,
    # no shared experts, one MTP module.
    h = 8192
    attention = 2 * h * h + 2 * h * 8 * 128
    norms = 2 * h
    dense = 3 * h * 28672
    moe = 64 * 3 * h * 3584 + h * 64 + 64
    main = 2 * vocab * h + 3 * (attention + norms + dense) + 51 * (attention + norms + moe) + h
    mtp = 2 * h + 2 * h * h + (attention + norms + dense)          # emb/hidden norms, linear_proj, dense block
    assert main == 299_484_163_264                                 # Baidu's "300B"
    assert mtp == 989_888_512
    assert total(ERNIE_300B) == main + mtp


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"moe_num_experts": [64, 64]}, "moe_num_experts: a list (ERNIE-4.5-VL's separate text and vision experts)"),
        ({"moe_layer_end_index": 20}, "moe_layer_end_index: 20 ends the MoE layers before the last layer (27)"),
        ({"moe_layer_interval": 2}, "moe_layer_interval: 2 with moe_layer_start_index 1"),
        ({"moe_layer_start_index": 28}, "moe_layer_start_index: 28 leaves no MoE layer among 28 layers"),
        ({"moe_k": "6"}, 'moe_k: must be a whole number, not "6" (remove the quotes)'),
    ],
)
def test_ernie45_layouts_a_card_cannot_hold_are_named(tmp_path, capsys, change, message):
    cfg = _config(tmp_path, json.dumps({**ERNIE_21B, **change}))
    assert main(["import-hf", str(cfg), "--id", "baidu/x"]) == 1
    err = capsys.readouterr().err
    assert f"{cfg}: {message}" in err and "Traceback" not in err


def test_ernie45_interval_with_aligned_start_is_the_card_pattern():
    # start 2, interval 2: vLLM's rule (i + 1) % 2 == 0 and i >= 2 gives MoE layers 3, 5, 7, ...;
    # the card's (i - 2) % 2 == 1 from layer 2 on gives the same.
    from generator.calc.params import moe_layer_count
    from generator.importers.hf import architecture_from_config

    arch = architecture_from_config({**ERNIE_21B, "moe_layer_start_index": 2, "moe_layer_interval": 2})
    ex = arch["experts"]
    assert (ex["first_dense_layers"], ex["interleave_step"]) == (2, 2)
    vllm_moe = [i for i in range(28) if i >= 2 and (i + 1) % 2 == 0]
    assert moe_layer_count(28, 2, 2) == len(vllm_moe) == 13
