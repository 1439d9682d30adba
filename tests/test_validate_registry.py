"""The real registry validates, and the real benchmark catalog loads through the loader the
validator uses (generator.benchmarks.load_catalog)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from generator.benchmarks import load_catalog
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parent.parent


def test_registry_passes():
    # The one test that the whole registry validates; tests/registry/* build on it.
    cards, errors = load_registry(ROOT / "registry")
    assert [e.format() for e in errors] == []
    assert len(cards) == len(list((ROOT / "registry").rglob("*.yaml")))
    assert "meta/llama-4-behemoth" in {c.id for c in cards}


def test_benchmark_catalog_loads():
    catalog = load_catalog(ROOT / "schema" / "benchmarks.yaml")
    assert [e.format() for e in catalog.errors] == []
    wanted = {"mmlu", "mmlu-pro", "gpqa-diamond", "humaneval", "mbpp", "livecodebench", "swe-bench-verified",
              "math", "gsm8k", "aime-2024", "aime-2025", "arc-challenge", "hellaswag", "ifeval", "bbh"}
    assert wanted <= set(catalog.ids())


ENTRY = "  - id: {id}\n    name: X\n    category: {category}\n    higher_is_better: true\n" \
        "    scale: {{min: 0, max: 100}}\n    url: https://example.org/x\n"


def test_catalog_loader_reports_a_broken_catalog(tmp_path):
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text("benchmarks:\n" + ENTRY.format(id="x", category="cooking"))
    catalog = load_catalog(bad)
    assert catalog.benchmarks == {}
    assert len(catalog.errors) == 1
    error = catalog.errors[0]
    assert (error.line, error.field) == (4, "benchmarks[0].category") and "'cooking'" in error.message


def test_catalog_loader_reports_a_duplicate_id(tmp_path):
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text("benchmarks:\n" + ENTRY.format(id="x", category="coding") + ENTRY.format(id="x", category="math"))
    catalog = load_catalog(bad)
    # line 1 "benchmarks:", lines 2-7 the first entry, line 8 "  - id: x" of the second
    assert [(e.line, e.field, e.message) for e in catalog.errors] == [(8, "benchmarks[1].id", "duplicate benchmark id 'x'")]


@pytest.mark.parametrize("name", ["model-card.schema.json", "benchmarks.schema.json"])
def test_schema_is_valid_2020_12(name):
    Draft202012Validator.check_schema(json.loads((ROOT / "schema" / name).read_text(encoding="utf-8")))
