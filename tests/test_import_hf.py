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
