"""`llmcards build`: exports, generated pages, safety, determinism, failed builds."""

from __future__ import annotations

import csv
import filecmp
import json
from pathlib import Path

import yaml

from generator.cli import main
from helpers import TEST_REGISTRY, build


def _card(path: Path) -> dict:
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(path.read_text(), Loader=Loader)


def test_models_json_shape(site_dir: Path):
    data = json.loads((site_dir / "api/models.json").read_text())
    ids = [m["id"] for m in data["models"]]
    # version 3 since rows without a file are left out and the decode ceiling is one device's
    # (2: derived `hardware` became per-GPU maps); the wrapper follows the calculator's
    # api_version (site/api.md, "Versions")
    assert data["version"] == 3 and data["count"] == 4
    assert {m["derived"]["api_version"] for m in data["models"]} == {data["version"]}
    assert json.loads((site_dir / "api/index.json").read_text())["version"] == data["version"]
    assert ids == sorted(ids) == ["example/hostile-model", "meta/llama-2-7b", "meta/llama-3.1-8b",
                                  "mistralai/mixtral-8x7b"]
    llama = next(m for m in data["models"] if m["id"] == "meta/llama-3.1-8b")
    assert llama["url"] == "models/meta/llama-3.1-8b/"
    assert llama["card"] == _card(TEST_REGISTRY / "meta/llama-3.1-8b.yaml")
    # published safetensors counts: Llama 3.1 8B 8,030,261,248; Mixtral 8x7B 46,702,792,704
    assert llama["derived"]["parameters"]["total"] == 8_030_261_248
    mixtral = next(m for m in data["models"] if m["id"] == "mistralai/mixtral-8x7b")
    assert mixtral["derived"]["parameters"]["total"] == 46_702_792_704
    for key in ("vram", "hardware", "training", "calculator"):
        assert key in llama["derived"]


def test_per_model_files_match_combined(site_dir: Path):
    combined = {m["id"]: m for m in json.loads((site_dir / "api/models.json").read_text())["models"]}
    for cid, rec in combined.items():
        assert json.loads((site_dir / f"api/models/{cid}.json").read_text()) == rec


def test_vram_csv(site_dir: Path):
    with open(site_dir / "api/vram.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    combined = json.loads((site_dir / "api/models.json").read_text())["models"]
    assert len(rows) == sum(len(m["derived"]["vram"]) for m in combined)
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


def test_no_evaluations_sentence(site_dir: Path):
    html = (site_dir / "models/meta/llama-3.1-8b/index.html").read_text()
    assert "No evaluation benchmarks for Llama 3.1 8B available." in html
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
