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
    expected = model.get("parameters_text_only") or model["parameters_true"]
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
    assert "unsupported model_type 'bert'" in err and "qwen3_moe" in err and "Traceback" not in err


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
    assert main(["calc", "nobody/nothing", "--registry", str(tmp_path)]) == 1
    assert "no card" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("architecture:\n  layers: many\n")
    assert main(["calc", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "architecture" in err and "Traceback" not in err
    m = next(x for x in MODELS if x["_file"] == "gpt2")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(m["config"]))
    assert main(["calc", str(cfg), "--kv-dtype", "F7"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["calc", str(cfg), "--format", "xml"])
    assert exc.value.code == 2


def test_phi3_and_gpt2_drafts_mark_the_fused_qkv_matrix(capsys, tmp_path):
    # Phi-3 stores qkv_proj and GPT-2 c_attn as one matrix; Llama-style configs keep three.
    for name, fused in (("phi-3-mini-4k-instruct", True), ("gpt2", True), ("llama-3.1-8b", False)):
        m = next(x for x in MODELS if x["_file"] == name)
        cfg = tmp_path / f"{name}.json"
        cfg.write_text(json.dumps(m["config"]))
        assert main(["import-hf", str(cfg), "--id", "ref/x"]) == 0
        assert yaml.safe_load(capsys.readouterr().out)["architecture"]["attention"]["fused_qkv"] is fused, name
