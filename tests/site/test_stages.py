"""The gather stage: a card is validated again only when its file or the catalogs changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from generator.load import load_file
from generator.site import stages
from helpers import ROOT


def test_gather_validates_only_what_changed(tmp_path: Path, registry_copy: Path):
    schema = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schema)
    memo = stages.Memo()
    reg = stages.gather(registry_copy, schema, memo)
    assert memo.counts["validated"] == len(reg.files) == 4 and reg.errors == []

    memo.start()
    stages.gather(registry_copy, schema, memo)
    assert memo.counts["validated"] == 0                 # nothing changed: nothing validated

    card = registry_copy / "meta" / "llama-2-7b.yaml"
    card.write_text(card.read_text().replace("\nname: Llama 2 7B\n", "\nname: Llama 2 7B (edited)\n"))
    memo.start()
    reg = stages.gather(registry_copy, schema, memo)
    assert memo.counts["validated"] == 1
    assert {f.card["name"] for f in reg.files if f.card} >= {"Llama 2 7B (edited)"}

    # Take a benchmark out of the catalog (Llama 2 7B and the hostile card report it): every
    # card is checked again, and those two now have an error that names the benchmark.
    catalog = load_file(schema / "benchmarks.yaml").data
    catalog["benchmarks"] = [b for b in catalog["benchmarks"] if b["id"] != "mmlu"]
    (schema / "benchmarks.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    memo.start()
    reg = stages.gather(registry_copy, schema, memo)
    assert memo.counts["validated"] == 4
    bad = [f for f in reg.files if f.errors]
    assert [Path(f.display).name for f in bad] == ["hostile-model.yaml", "llama-2-7b.yaml"]
    assert all(any("mmlu" in e for e in f.errors) for f in bad), [f.errors for f in bad]
