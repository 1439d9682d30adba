"""`llmcards build`: exports, generated pages, safety, determinism, failed builds."""

from __future__ import annotations

import csv
import filecmp
import json
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from helpers import TEST_REGISTRY, build


def _card(path: Path) -> dict:
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(path.read_text(), Loader=Loader)


IDS = ["example/hostile-model", "meta/llama-2-7b", "meta/llama-3.1-8b", "mistralai/mixtral-8x7b"]


def _records(site_dir: Path) -> dict[str, dict]:
    return {cid: json.loads((site_dir / f"api/models/{cid}.json").read_text()) for cid in IDS}


def test_models_json_is_the_light_index(site_dir: Path):
    data = json.loads((site_dir / "api/models.json").read_text())
    # version 4: api/models.json is an index, the full records are in the per-model files
    # (site/api.md, "Versions"); api/index.json follows the same version
    assert data["version"] == 4 and data["count"] == 4 and set(data) == {"count", "models", "version"}
    assert json.loads((site_dir / "api/index.json").read_text())["version"] == 4
    assert [m["id"] for m in data["models"]] == IDS
    llama = next(m for m in data["models"] if m["id"] == "meta/llama-3.1-8b")
    # Hand-written from tests/site/registry/meta/llama-3.1-8b.yaml and from these figures:
    # 8,030,261,248 parameters (the published safetensors count); BF16 weights 2 bytes each =
    # 16,060,522,496 (also model.safetensors.index.json's total_size); KV cache at the reference
    # context 8192, F16: 32 layers x 2 (K and V) x 8 KV heads x 128 x 2 bytes x 8192 = 1,073,741,824;
    # RTX 4090 (24 GB) and H100 (80 GB) each hold the BF16 model (about 17.1 GB + 0.5 GB overhead);
    # decode bound = bandwidth / (weights read per token + KV cache), the untied input embedding
    # (128,256 x 4096 = 525,336,576 parameters) not read whole: 2 x (8,030,261,248 - 525,336,576)
    # = 15,009,849,344 bytes read + 1,073,741,824.
    read = 15_009_849_344 + 1_073_741_824
    q4 = llama["memory"]["Q4_K_M"]
    assert llama == {
        "id": "meta/llama-3.1-8b", "name": "Llama 3.1 8B", "organization": "Meta", "family": "Llama 3.1",
        "status": "released", "release_date": "2024-07-23",
        "license": {"name": "Llama 3.1 Community License", "spdx": None}, "open_weights": True,
        "modalities": {"input": ["text"], "output": ["text"]}, "context_length": 131072, "architecture": "dense",
        "parameters": {"declared_total": 8_030_261_248, "declared_active": None, "total": 8_030_261_248,
                       "active": 8_030_261_248, "basis": "architecture"},
        "architecture_complete": True, "native_quantization": "BF16", "reference_context": 8192,
        "memory": {"BF16": {"weights_bytes": 16_060_522_496, "total_bytes": llama["memory"]["BF16"]["total_bytes"]},
                   "Q4_K_M": q4},
        "fit": [{"gpu": "rtx-4090", "devices": {"BF16": 1, "Q4_K_M": 1},
                 "decode_tokens_per_s_upper_bound": {"BF16": pytest.approx(1_008e9 / read),
                                                     "Q4_K_M": llama["fit"][0]["decode_tokens_per_s_upper_bound"]["Q4_K_M"]}},
                {"gpu": "h100-sxm-80gb", "devices": {"BF16": 1, "Q4_K_M": 1},
                 "decode_tokens_per_s_upper_bound": {"BF16": pytest.approx(3_350e9 / read),
                                                     "Q4_K_M": llama["fit"][1]["decode_tokens_per_s_upper_bound"]["Q4_K_M"]}}],
        "url": "models/meta/llama-3.1-8b/", "record_url": "api/models/meta/llama-3.1-8b.json",
        "plans_url": "api/plans/meta/llama-3.1-8b.json",
    }
    # total = weights + KV cache + activations + the 500 MB overhead, so the same excess at every quantization
    bf16 = llama["memory"]["BF16"]
    assert bf16["total_bytes"] > 16_060_522_496 + 1_073_741_824 + 500_000_000
    assert q4["total_bytes"] - q4["weights_bytes"] == bf16["total_bytes"] - bf16["weights_bytes"]
    # Ollama's llama3.1:8b (a Q4_K_M GGUF) is 4,920,734,016 bytes: these tensors plus a few MB of
    # metadata and tokenizer
    assert 4.85e9 < q4["weights_bytes"] < 4_920_734_016
    mixtral = next(m for m in data["models"] if m["id"] == "mistralai/mixtral-8x7b")
    # 46,702,792,704 parameters (published) x 2 bytes = 93,405,585,408 BF16 bytes, plus 1,073,741,824 of
    # KV cache (32 layers x 2 x 8 x 128 x 2 x 8192): 94.5 GB > 4 x (24 - 0.5) GB, <= 5 x 23.5, and
    # > 1 x (80 - 0.5) GB, <= 2 x 79.5 (each device holds its share plus the 500 MB overhead)
    assert mixtral["memory"]["BF16"]["weights_bytes"] == 93_405_585_408
    assert [(f["gpu"], f["devices"]["BF16"]) for f in mixtral["fit"]] == [("rtx-4090", 5), ("h100-sxm-80gb", 2)]
    assert mixtral["parameters"]["total"] == 46_702_792_704 and mixtral["architecture"] == "moe"


def test_index_entries_agree_with_the_full_records(site_dir: Path):
    entries = {m["id"]: m for m in json.loads((site_dir / "api/models.json").read_text())["models"]}
    for cid, rec in _records(site_dir).items():
        entry, derived = entries[cid], rec["derived"]
        assert (site_dir / entry["record_url"]).is_file() and entry["url"] == rec["url"]
        assert entry["plans_url"] is None or (site_dir / entry["plans_url"]).is_file()
        ref = derived["reference_context"]
        rows = {r["quantization"]: r for r in derived["vram"]
                if (r["context"], r["batch"], r["kv_dtype"]) == (ref, 1, "F16")}
        for q, sizes in entry["memory"].items():
            assert sizes == {"weights_bytes": rows[q]["weights_bytes"], "total_bytes": rows[q]["total_bytes"]}
        gpus = {h["gpu"]: h for h in derived["hardware"]}
        for fit in entry["fit"]:
            assert fit["devices"] == {q: gpus[fit["gpu"]]["devices"][q] for q in entry["memory"]}


def test_per_model_files_hold_the_full_records(site_dir: Path):
    records = _records(site_dir)
    llama = records["meta/llama-3.1-8b"]
    assert set(llama) == {"id", "url", "card", "derived", "history"} and llama["url"] == "models/meta/llama-3.1-8b/"
    assert llama["card"] == _card(TEST_REGISTRY / "meta/llama-3.1-8b.yaml")
    # the calculator's own version (generator/calc): 3 since rows without a file are left out
    # and the decode ceiling is one device's
    assert {r["derived"]["api_version"] for r in records.values()} == {3}
    # published safetensors counts: Llama 3.1 8B 8,030,261,248; Mixtral 8x7B 46,702,792,704
    assert llama["derived"]["parameters"]["total"] == 8_030_261_248
    assert records["mistralai/mixtral-8x7b"]["derived"]["parameters"]["total"] == 46_702_792_704
    for key in ("vram", "hardware", "training", "calculator"):
        assert key in llama["derived"]


def test_vram_csv(site_dir: Path):
    with open(site_dir / "api/vram.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(r["derived"]["vram"]) for r in _records(site_dir).values())
    first = rows[0]
    assert set(first) == {"id", "quantization", "context", "batch", "kv_dtype", "weights_bytes",
                          "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes"}
    for r in rows[:50]:
        parts = [int(r[k]) for k in ("weights_bytes", "kv_cache_bytes", "activations_bytes", "overhead_bytes")]
        assert sum(parts) == int(r["total_bytes"])


def test_schema_published_unchanged(site_dir: Path):
    root = Path(__file__).resolve().parents[2]
    assert (site_dir / "schema/model-card.schema.json").read_bytes() == \
        (root / "schema/model-card.schema.json").read_bytes()


def test_pages_exist(site_dir: Path):
    for rel in ("index.html", "models/index.html", "models/meta/index.html", "models/meta/llama-3.1-8b/index.html",
                "compare/index.html", "leaderboard/index.html", "api/index.html", "contributing/index.html",
                "search/search_index.json"):
        assert (site_dir / rel).is_file(), rel


def test_model_page_content(site_dir: Path):
    html = (site_dir / "models/meta/llama-3.1-8b/index.html").read_text()
    for text in ("Technical specifications", "System requirements", 'id="vram-table"', "<svg",
                 'id="llmc-calc-data"', "Edit this card", "8,030,261,248", "Decode speed ceiling",
                 "Upper bound", "Fine-tuning memory", "Hardware fit"):
        assert text in html, text
    assert "https://github.com/llmcards/llmcards/blob/main/tests/site/registry/meta/llama-3.1-8b.yaml" in html \
        or "/blob/main/" in html


def test_no_evaluations_no_rankings_section(site_dir: Path):
    # a model page without evaluations leaves the Rankings section out (review P2: it was an
    # empty section above the specs); one with scores keeps it
    html = (site_dir / "models/meta/llama-3.1-8b/index.html").read_text()
    assert 'id="rankings"' not in html and "No evaluation benchmarks" not in html
    # Llama 2 7B has scores, but in this registry no benchmark has the K = 5 reporters the
    # leaderboard needs, so it has no rank; ranked model pages: tests/browser/test_leaderboard.py.
    unranked = (site_dir / "models/meta/llama-2-7b/index.html").read_text()
    assert "Overall rank: <strong>#" not in unranked
    assert "No evaluation benchmarks for Llama 2 7B" not in unranked
    assert "Not ranked: its 7 scores are on benchmarks too few open-weight models report" in unranked


def test_hostile_card_is_inert(site_dir: Path):
    html = (site_dir / "models/example/hostile-model/index.html").read_text()
    assert "alert(" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html and "onerror" not in html
    assert "{{ 7 * 7 }}" not in html and ">49<" not in html
    assert "<strong>Bold survives</strong>" in html


def test_no_external_resources(site_dir: Path):
    """Every script, stylesheet, image and font is local (links to sources are fine)."""
    import re
    pattern = re.compile(r'<(?:script|link|img|iframe)\b[^>]*(?:src|href)="(https?:)?//', re.I)
    for path in site_dir.rglob("*.html"):
        text = path.read_text()
        m = pattern.search(text)
        # <link rel="canonical"> is a URL of this site, not a resource
        assert m is None or 'rel="canonical"' in text[m.start():m.start() + 200] or \
            'rel="alternate"' in text[m.start():m.start() + 200], (path, text[m.start():m.start() + 200])
    css = "".join(p.read_text() for p in site_dir.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_two_builds_are_identical(site_dir: Path, tmp_path: Path):
    again = tmp_path / "again"
    assert build(TEST_REGISTRY, again) == 0
    cmp = filecmp.dircmp(site_dir, again)

    def differences(c: filecmp.dircmp) -> list[str]:
        out = c.left_only + c.right_only + c.diff_files
        for sub in c.subdirs.values():
            out += differences(sub)
        return out

    # dircmp compares shallowly by stat; compare bytes for every file
    assert differences(cmp) == []
    for path in site_dir.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (again / path.relative_to(site_dir)).read_bytes(), path


def test_invalid_card_keeps_previous_output(registry_copy: Path, tmp_path: Path, capsys):
    out = tmp_path / "public"
    assert build(registry_copy, out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = registry_copy / "meta/llama-3.1-8b.yaml"
    bad.write_text(bad.read_text().replace("layers: 32", "layers: many"))
    capsys.readouterr()
    rc = main(["build", "--registry", str(registry_copy), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "llama-3.1-8b.yaml" in err and "layers" in err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public-")]  # no temp folders left


def test_quiet_and_progress(registry_copy: Path, tmp_path: Path, capsys):
    assert main(["build", "--registry", str(registry_copy), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert main(["build", "--registry", str(registry_copy), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "Validated 4 cards" in err and "Built" in err


def test_leaderboard_empty_state(registry_copy: Path, tmp_path: Path):
    for path in registry_copy.rglob("*.yaml"):
        text = path.read_text()
        if "evaluations: []" not in text:
            head, _, tail = text.partition("\nevaluations:")
            rest = tail.split("\nnotes:", 1)[1]
            path.write_text(head + "\nevaluations: []\nnotes:" + rest)
    out = tmp_path / "public"
    assert build(registry_copy, out) == 0
    html = (out / "leaderboard/index.html").read_text()
    assert 'id="board-empty"' in html and "Method" in html


def test_usage_errors_exit_2_and_name_the_problem(tmp_path: Path, capsys):
    assert main(["build", "--config", str(tmp_path / "missing.yml"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.yml: no such file" in capsys.readouterr().err
    assert main(["build", "--registry", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert "registry folder not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
