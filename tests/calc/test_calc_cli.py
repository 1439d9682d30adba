"""`llmcards import-hf` and `llmcards calc` end to end."""

from __future__ import annotations

import json

import pytest
import yaml

from calc_refmodels import reference_models
from generator.calc.params import count_parameters
from generator.cli import main

MODELS = reference_models()


@pytest.mark.parametrize("model", MODELS, ids=[m["_file"] for m in MODELS])
def test_import_then_calc_on_the_printed_draft(model, tmp_path, capsys):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(model["config"]))
    assert main(["import-hf", str(cfg), "--id", "ref/" + model["_file"]]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# yaml-language-server: $schema=")
    draft = yaml.safe_load(text)
    expected = model["parameters_true"]  # the draft describes a vision tower too (vision_encoder)
    assert count_parameters(draft).total == expected
    card = tmp_path / "draft.yaml"
    card.write_text(text)
    assert main(["calc", str(card), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parameters"]["total"] == expected
    assert out["parameters"]["basis"] == "architecture"
    assert all(r["total_bytes"] > 0 for r in out["vram"])


def test_qwen_sliding_window_ignored_when_disabled(capsys, tmp_path):
    m = next(x for x in MODELS if x["_file"] == "qwen2.5-7b")
    assert m["config"]["sliding_window"] == 131072 and m["config"]["use_sliding_window"] is False
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(m["config"]))
    main(["import-hf", str(cfg), "--id", "qwen/x"])
    assert yaml.safe_load(capsys.readouterr().out)["architecture"]["attention"]["sliding_window"] is None


def test_unknown_model_type_lists_supported(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"model_type": "bert"}')
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    err = capsys.readouterr().err
    assert 'model_type: unsupported model_type "bert"' in err and "qwen3_moe" in err and "Traceback" not in err


def test_bad_json_is_located(tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"model_type": "llama",\n  oops}')
    assert main(["import-hf", str(cfg), "--id", "a/b"]) == 1
    assert "c.json:2:3: invalid JSON" in capsys.readouterr().err


def test_calc_config_json_directly(tmp_path, capsys):
    m = next(x for x in MODELS if x["_file"] == "mixtral-8x7b-v0.1")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(m["config"]))
    assert main(["calc", str(cfg), "--quant", "Q4_K_M", "--context", "4096", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parameters"]["active"] == 12_879_925_248
    assert [r["context"] for r in out["query"]] == [4096]


def test_calc_table_says_gb_is_decimal(tmp_path, capsys):
    m = next(x for x in MODELS if x["_file"] == "gpt2")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(m["config"]))
    assert main(["calc", str(cfg), "--quant", "BF16"]) == 0
    out = capsys.readouterr().out
    assert "GB (10^9 bytes)" in out and "124,439,808" in out


def test_calc_errors_and_exit_codes(tmp_path, capsys):
    # README: 1 invalid input, 2 usage error (bad option, missing path).
    assert main(["calc", "nobody/nothing", "--registry", str(tmp_path)]) == 2
    assert "no such card" in capsys.readouterr().err
    assert main(["calc", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err
    assert main(["calc", str(tmp_path / "nope.json")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("architecture:\n  layers: many\n")
    assert main(["calc", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:2:11: architecture.layers: must be a whole number" in err and "Traceback" not in err
    m = next(x for x in MODELS if x["_file"] == "gpt2")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(m["config"]))
    assert main(["calc", str(cfg), "--kv-dtype", "F7"]) == 2
    assert main(["calc", str(cfg), "--quant", "Q4_K_S"]) == 2
    assert "did you mean 'Q4_K_M'" in capsys.readouterr().err
    for bad_option in (["--format", "xml"], ["--context", "0"], ["--batch", "-1"], ["--context", "abc"]):
        with pytest.raises(SystemExit) as exc:
            main(["calc", str(cfg), *bad_option])
        assert exc.value.code == 2, bad_option


def test_phi3_and_gpt2_drafts_mark_the_fused_qkv_matrix(capsys, tmp_path):
    # Phi-3 stores qkv_proj and GPT-2 c_attn as one matrix; Llama-style configs keep three.
    for name, fused in (("phi-3-mini-4k-instruct", True), ("gpt2", True), ("llama-3.1-8b", False)):
        m = next(x for x in MODELS if x["_file"] == name)
        cfg = tmp_path / f"{name}.json"
        cfg.write_text(json.dumps(m["config"]))
        assert main(["import-hf", str(cfg), "--id", "ref/x"]) == 0
        assert yaml.safe_load(capsys.readouterr().out)["architecture"]["attention"]["fused_qkv"] is fused, name


# -- calc: the options reach the hardware fit, and what validate rejects calc refuses ----------

REGISTRY = ROOT_REGISTRY = __import__("pathlib").Path(__file__).resolve().parents[2] / "registry"


def _calc_json(capsys, *argv):
    assert main(["calc", *argv, "--format", "json", "--registry", str(REGISTRY)]) == 0
    return json.loads(capsys.readouterr().out)


def test_fit_and_speed_honour_context_batch_and_kv_dtype(capsys):
    # Llama 3.1 70B: 80 layers, 8 KV heads of 128 values, hidden 8192, FFN 28672, vocab 128256.
    # F16 KV cache, 131,072 tokens x 8 sequences:
    #   2 (K,V) x 8 x 128 x 80 layers x 2 bytes = 327,680 bytes per token; x 1,048,576 tokens
    kv = 327_680 * 131_072 * 8
    assert kv == 343_597_383_680
    # Activations: (vocab + 4 x hidden + 2 x FFN) x min(512, tokens) x 4 bytes
    act = (128_256 + 4 * 8192 + 2 * 28_672) * 512 * 4
    assert act == 447_217_664
    # Weights: the published Q4_K_M GGUF of the same architecture (Llama-3.3-70B-Instruct) is
    # 42,520,398,816 bytes; the calculator may differ from a file by its metadata, so allow 1 GB.
    file_bytes = 42_520_398_816
    need_low, need_high = file_bytes - 10**9 + kv + act, file_bytes + 10**9 + kv + act
    # H100 80GB: 80e9 bytes, less 0.5e9 runtime overhead per device = 79.5e9 for the model.
    room = 80 * 10**9 - 500_000_000
    assert -(-need_low // room) == -(-need_high // room) == 5  # 386.6e9 / 79.5e9 = 4.86 -> 5 devices
    d = _calc_json(capsys, "meta/llama-3.1-70b", "--quant", "Q4_K_M", "--context", "131072", "--batch", "8")
    row = d["query"][0]
    assert (row["kv_cache_bytes"], row["activations_bytes"]) == (kv, act)
    assert abs(row["weights_bytes"] - file_bytes) < 10**9
    h100 = next(h for h in d["query_hardware"] if h["gpu"] == "h100-sxm-80gb")
    assert h100["devices"]["Q4_K_M"] == 5
    # Per sequence: 3.35e12 B/s over (active weights + the whole KV cache) per step, not 5 x that:
    # split by layers, the 5 devices read their shares one after the other. The active weights
    # are the file less the input embedding (at most ~1.2e9 bytes of it).
    speed = h100["decode_tokens_per_s_upper_bound"]["Q4_K_M"]
    assert 3.35e12 / (file_bytes + 10**9 + kv) < speed < 3.35e12 / (file_bytes - 2 * 10**9 + kv)
    assert d["query_inputs"] == {"context": 131072, "batch": 8, "kv_dtype": "F16"}
    # The stable block is still the reference configuration (8,192 tokens, batch 1): one H100.
    assert next(h for h in d["hardware"] if h["gpu"] == "h100-sxm-80gb")["devices"]["Q4_K_M"] == 1
    # The table says the same.
    assert main(["calc", "meta/llama-3.1-70b", "--quant", "Q4_K_M", "--context", "131072", "--batch", "8",
                 "--registry", str(REGISTRY)]) == 0
    out = capsys.readouterr().out
    assert "hardware at the asked context 131,072, batch 8, F16 KV cache" in out
    assert "NVIDIA H100 SXM 80GB                     Q4_K_M: 5x" in out


def test_kv_dtype_spellings(capsys):
    # llama.cpp --cache-type-k q8_0: blocks of 32 values in 34 bytes; Llama 3.1 8B at 1,024 tokens
    # holds 2 x 8 x 128 x 32 layers x 1,024 = 67,108,864 values -> 67,108,864 x 34 / 32 bytes.
    for spelling in ("q8_0", "Q8_0", " q8_0 "):
        d = _calc_json(capsys, "meta/llama-3.1-8b", "--quant", "BF16", "--context", "1024", "--kv-dtype", spelling)
        assert d["query"][0]["kv_cache_bytes"] == 67_108_864 * 34 // 32
    for spelling, canonical in (("f16", "F16"), ("bf16", "BF16"), ("fp8", "FP8"), ("f8", "FP8"), ("q4_0", "Q4_0")):
        d = _calc_json(capsys, "meta/llama-3.1-8b", "--quant", "BF16", "--context", "1024", "--kv-dtype", spelling)
        assert d["query"][0]["kv_dtype"] == canonical
    assert main(["calc", "meta/llama-3.1-8b", "--kv-dtype", "q5_0", "--registry", str(REGISTRY)]) == 2
    assert "choose from F16, BF16, FP8, Q8_0, Q4_0" in capsys.readouterr().err


def test_huge_options_stop_with_a_usage_error(capsys):
    for option in ("--context", "--batch"):
        with pytest.raises(SystemExit) as exc:
            main(["calc", "meta/llama-3.1-8b", option, "1" + "0" * 400, "--registry", str(REGISTRY)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "must be at most" in err and "Traceback" not in err


def test_columns_never_run_together(capsys):
    # 10M tokens x 10,000 sequences: the KV cache alone is 13,107,200 GB (131,072 bytes per token
    # for Llama 3.1 8B: 2 x 8 x 128 x 32 x 2), wider than the usual column.
    assert main(["calc", "meta/llama-3.1-8b", "--quant", "Q4_K_M", "--context", "10000000", "--batch", "10000",
                 "--registry", str(REGISTRY)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("quant"))
    cells = lines[head + 1].split()
    assert cells[:4] == ["Q4_K_M", "10,000,000", "10,000", "F16"]
    assert cells[5] == f"{131_072 * 10_000_000 * 10_000 / 10**9:,.2f}" == "13,107,200.00"
    assert len(cells) == 9 == len(lines[head].split()) - 1  # 9 columns; "kv cache" is two words
    assert "more than the model's context of 131,072 tokens" in captured.err


def test_unknown_id_suggests_and_says_where(capsys):
    assert main(["calc", "meta/llama-3.1-8B", "--registry", str(REGISTRY)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'meta/llama-3.1-8b'?" in err and "llama-3.1-8B.yaml" in err


def test_declared_basis_has_no_embedding_label_and_dense_skips_mxfp4(capsys):
    assert main(["calc", "meta/llama-4-behemoth", "--registry", str(REGISTRY)]) == 0
    out = capsys.readouterr().out
    assert "basis: declared" in out and "input embedding included" not in out
    assert main(["calc", "meta/llama-3.1-8b", "--registry", str(REGISTRY)]) == 0
    out = capsys.readouterr().out
    assert not any(line.startswith("MXFP4") for line in out.splitlines())
    assert "not shown: MXFP4 (no file of this model is stored that way" in out
    # A MoE model not released in MXFP4 has no such file either; gpt-oss (released so) has.
    assert main(["calc", "qwen/qwen3-30b-a3b", "--registry", str(REGISTRY)]) == 0
    assert "not shown: MXFP4" in capsys.readouterr().out
    assert main(["calc", "openai/gpt-oss-20b", "--registry", str(REGISTRY)]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("MXFP4") for line in out.splitlines()) and "not shown" not in out
    # Asking for it where no file exists is a usage error that lists what exists.
    assert main(["calc", "meta/llama-3.1-8b", "--quant", "mxfp4", "--registry", str(REGISTRY)]) == 2
    err = capsys.readouterr().err
    assert "--quant MXFP4: no file of this model is stored that way" in err and "choose from FP32, BF16" in err


def _card_with(tmp_path, edit):
    import yaml

    card = yaml.safe_load((REGISTRY / "meta" / "llama-3.1-8b.yaml").read_text())
    edit(card)
    path = tmp_path / "meta" / "llama-3.1-8b.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path


def test_calc_refuses_what_validate_rejects(tmp_path, capsys):
    # 3 KV heads for 32 query heads: 32 / 3 is not whole, so the heads cannot be grouped.
    path = _card_with(tmp_path, lambda c: c["architecture"]["attention"].update(kv_heads=3))
    assert main(["validate", str(path)]) == 1
    validate_err = capsys.readouterr()
    assert main(["calc", str(path)]) == 1
    err = capsys.readouterr().err
    located = [line for line in (validate_err.out + validate_err.err).splitlines() if "kv_heads" in line]
    assert located and located[0] in err  # the very line validate prints, file:line:col included
    # hidden 4097 with 32 heads and no head_dim: 4097 / 32 is not whole.
    path = _card_with(tmp_path, lambda c: (c["architecture"].update(hidden_size=4097),
                                           c["architecture"]["attention"].update(head_dim=None)))
    assert main(["calc", str(path)]) == 1
    assert "architecture" in capsys.readouterr().err


def test_calc_config_json_refuses_bad_shapes_with_the_config_key(tmp_path, capsys):
    m = next(x for x in MODELS if x["_file"] == "llama-3.1-8b")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({**m["config"], "num_key_value_heads": 3}))
    assert main(["calc", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"{cfg}: architecture.attention.kv_heads (config.json num_key_value_heads):" in err


def test_draft_fields_the_calculator_does_not_read_are_a_note(tmp_path, capsys):
    path = _card_with(tmp_path, lambda c: c.update(name=None, status="relased"))
    assert main(["calc", str(path), "--quant", "BF16"]) == 0
    err = capsys.readouterr().err
    assert "2 other problems in fields the calculator does not read" in err


def test_declared_difference_is_worded_like_validate(tmp_path, capsys):
    # Derived 8,030,261,248; declared 8,166,000,000: (8,166,000,000 - 8,030,261,248) / 8,030,261,248 = +1.69%
    path = _card_with(tmp_path, lambda c: c["parameters"].update(total=8_166_000_000))
    assert main(["validate", str(path)]) == 1
    assert "(+1.7%)" in capsys.readouterr().out
    assert main(["calc", str(path), "--quant", "BF16"]) == 0
    captured = capsys.readouterr()
    assert "declared total 8,166,000,000; the architecture gives 8,030,261,248 (+1.7%)" in captured.out
    assert "warning:" in captured.err and "(+1.7%)" in captured.err


def test_a_bad_release_block_stops_calc_with_the_validator_message(tmp_path, capsys):
    # release decides what every weights row holds, so calc refuses a card whose release is invalid.
    import yaml

    card = yaml.safe_load((REGISTRY / "openai" / "gpt-oss-20b.yaml").read_text())
    card["release"]["gguf_routed_experts"] = "MXFP9"
    path = tmp_path / "openai" / "gpt-oss-20b.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    assert main(["calc", str(path)]) == 1
    err = capsys.readouterr().err
    assert "release.gguf_routed_experts: must be one of MXFP4, null; got 'MXFP9'" in err
