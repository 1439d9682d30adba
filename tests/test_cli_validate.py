"""`llmcards validate`: output formats, exit codes, every error in every file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
CARDS = Path(__file__).parent / "cards"
GOOD = CARDS / "valid" / "meta" / "llama-3.1-8b.yaml"


def _registry(tmp_path: Path, *cards: tuple[str, str]) -> Path:
    reg = tmp_path / "registry"
    for card_id, text in cards:
        p = reg / f"{card_id}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return reg


def _card(card_id: str) -> str:
    return GOOD.read_text().replace("id: meta/llama-3.1-8b", f"id: {card_id}")


def test_valid_registry_exits_0(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("meta/b", _card("meta/b")))
    assert main(["validate", str(reg)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "2 cards checked, no errors" in err


def test_errors_in_several_files_all_reported(tmp_path, capsys):
    reg = _registry(
        tmp_path,
        ("meta/a", _card("meta/a").replace("kv_heads: 8", "kv_heads: 12")),
        ("meta/b", _card("meta/b").replace("  layers: 32", "  layerz: 32")),
        ("meta/c", "a: 1\na: 2\n"),
    )
    assert main(["validate", str(reg)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    kv_line = 1 + _card("meta/a").splitlines().index("    kv_heads: 8")
    assert f"{reg}/meta/a.yaml:{kv_line}:15: architecture.attention.kv_heads: 12 does not divide 32 query heads" in lines
    assert any(l.startswith(f"{reg}/meta/b.yaml:") and "unknown key 'layerz' (did you mean 'layers'?)" in l for l in lines)
    assert any(l.startswith(f"{reg}/meta/b.yaml:") and "architecture.layers: required key is missing" in l for l in lines)
    assert f"{reg}/meta/c.yaml:2:1: a: duplicate key 'a' (first defined on line 1); YAML would silently keep only the last value" in lines
    assert "3 cards checked, 4 errors in 3 files" in err


def test_json_format(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("status: released", "status: relased")))
    assert main(["validate", "--format", "json", str(reg)]) == 1
    out, _ = capsys.readouterr()
    errors = json.loads(out)
    assert errors == [
        {
            "file": f"{reg}/meta/a.yaml",
            "line": 6,
            "column": 9,
            "path": "status",
            "json_path": "$.status",
            "message": "must be one of released, preview, unreleased, deprecated; got 'relased' (did you mean 'released'?)",
        }
    ]


def test_json_format_empty_list_when_valid(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")))
    assert main(["validate", "--format", "json", str(reg)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_github_annotations(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a").replace("kv_heads: 8", "kv_heads: 12")))
    assert main(["validate", "--format", "github", str(reg)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"::error file={reg}/meta/a.yaml,line=")
    assert out.endswith("::architecture.attention.kv_heads: 12 does not divide 32 query heads")


def test_single_file_checked_against_its_tail(tmp_path, capsys):
    reg = _registry(tmp_path, ("meta/a", _card("meta/other")))
    assert main(["validate", str(reg / "meta" / "a.yaml")]) == 1
    assert "id 'meta/other' does not match the file's location: expected 'meta/a'" in capsys.readouterr().out


def test_file_outside_org_folder(tmp_path, capsys):
    reg = _registry(tmp_path, ("loose", _card("meta/loose")))
    assert main(["validate", str(reg)]) == 1
    assert "<registry>/<org>/<model>.yaml" in capsys.readouterr().out


def test_missing_path_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml"])
    assert exc.value.code == 2


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_subprocess_default_registry_and_no_traceback(tmp_path):
    reg = _registry(tmp_path, ("meta/a", _card("meta/a")), ("meta/b", "- not\n- a mapping\n"))
    (tmp_path / "registry" / "meta" / "c.yaml").write_bytes(b"name: \xff\xfe\n")
    proc = _run("validate", cwd=tmp_path)  # default PATH is registry/ in the working directory
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "registry/meta/b.yaml:1:1: (top level): the top level of a card must be a mapping" in proc.stdout
    assert "registry/meta/c.yaml:1:7: (top level): the file is not valid UTF-8" in proc.stdout
    assert "3 cards checked, 2 errors in 2 files" in proc.stderr


def test_subprocess_missing_default_registry_exits_2(tmp_path):
    proc = _run("validate", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_copied_golden_card_passes_in_new_location(tmp_path):
    reg = tmp_path / "registry" / "meta"
    reg.mkdir(parents=True)
    shutil.copy(GOOD, reg / "llama-3.1-8b.yaml")
    assert main(["validate", str(tmp_path / "registry")]) == 0
