"""The real registry validates, and the benchmark catalog matches its schema."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from generator.benchmarks import load_catalog
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parent.parent


def test_registry_passes():
    cards, errors = load_registry(ROOT / "registry")
    assert [e.format() for e in errors] == []
    assert len(cards) == len(list((ROOT / "registry").rglob("*.yaml")))
    assert "meta/llama-4-behemoth" in {c.id for c in cards}


def test_benchmark_catalog_matches_its_schema():
    schema = json.loads((ROOT / "schema" / "benchmarks.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    data = yaml.safe_load((ROOT / "schema" / "benchmarks.yaml").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert errors == []
    ids = [b["id"] for b in data["benchmarks"]]
    assert len(ids) == len(set(ids))
    wanted = {"mmlu", "mmlu-pro", "gpqa-diamond", "humaneval", "mbpp", "livecodebench", "swe-bench-verified",
              "math", "gsm8k", "aime-2024", "aime-2025", "arc-challenge", "hellaswag", "ifeval", "bbh"}
    assert wanted <= set(ids)


def test_catalog_loader_reports_a_broken_catalog(tmp_path):
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text("benchmarks:\n  - id: x\n    name: X\n    category: cooking\n    higher_is_better: true\n"
                   "    scale: {min: 0, max: 100}\n    url: https://example.org/x\n")
    catalog = load_catalog(bad)
    assert catalog.benchmarks == {}
    assert len(catalog.errors) == 1
    error = catalog.errors[0]
    assert (error.line, error.field) == (4, "benchmarks[0].category") and "'cooking'" in error.message


def test_card_schema_is_valid_2020_12():
    Draft202012Validator.check_schema(json.loads((ROOT / "schema" / "model-card.schema.json").read_text()))
