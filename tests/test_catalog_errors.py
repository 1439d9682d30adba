"""A broken catalog (schema/quantizations.yaml, schema/gpus.yaml) is a located user error, exit 1.

The catalogs are read with the card loader (duplicate keys, tags and aliases refused) and
checked against their schemas; `validate`, `calc` and `build` print the same
``file:line:col: field: message`` lines as for cards, never "internal error".
Each test breaks a copy of schema/ under tmp_path; expected lines and columns are
found in the broken text by hand (the line of the edit, the column of the bad value).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import schema_files
from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
CARD = "meta/llama-3.1-8b.yaml"


def _position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` in ``text``."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _break_gpus(schema: Path) -> str:
    path = schema / "gpus.yaml"
    text = path.read_text()
    entry = "memory_bytes: 24000000000, bandwidth_bytes_per_s: 936000000000"  # the RTX 3090 entry
    assert entry in text
    # its index in the list: the entries are the lines that start a flow mapping "  - {id: ..."
    index = [line.startswith("  - {id:") for line in text[: text.index(entry)].splitlines()].count(True) - 1
    text = text.replace(entry, entry.replace("24000000000", '"24 GB"'), 1)
    path.write_text(text)
    line, col = _position(text, '"24 GB"')
    return f"schema/gpus.yaml:{line}:{col}: gpus[{index}].memory_bytes: "


def _duplicate_key(schema: Path) -> str:
    path = schema / "quantizations.yaml"
    text = path.read_text() + "version: 1\n"
    path.write_text(text)
    last = text.count("\n")
    first, _ = _position(text, "\nversion: 1\n")
    return f"schema/quantizations.yaml:{last}:1: version: duplicate key 'version' (first defined on line {first + 1})"


def _unknown_tensor_type(schema: Path) -> str:
    path = schema / "quantizations.yaml"
    text = path.read_text()
    old = "- {id: F16, tensor_type: F16, note:"
    assert text.count(old) == 1  # the first kv_cache_dtypes entry
    text = text.replace(old, "- {id: F16, tensor_type: F17, note:")
    path.write_text(text)
    line, col = _position(text, "F17")
    return (f"schema/quantizations.yaml:{line}:{col}: kv_cache_dtypes[0].tensor_type: "
            "unknown tensor type 'F17'; define it in tensor_types")


BREAKS = {"gpu-schema-error": _break_gpus, "duplicate-key": _duplicate_key, "unknown-type": _unknown_tensor_type}


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path with a copy of schema/ and a one-card registry; the working directory."""
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    (tmp_path / "registry" / CARD).parent.mkdir(parents=True)
    shutil.copy(ROOT / "registry" / CARD, tmp_path / "registry" / CARD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(argv)
    captured = capsys.readouterr()
    return rc, captured.out + captured.err


@pytest.mark.parametrize("kind", BREAKS)
def test_validate_reports_a_broken_catalog(workdir: Path, kind: str, monkeypatch, capsys):
    expected = BREAKS[kind](workdir / "schema")
    monkeypatch.setattr(schema_files, "REPO_SCHEMA", workdir / "schema")  # as an installed package would read it
    rc, out = _run(["validate", "registry"], capsys)
    assert rc == 1
    assert any(line.startswith(expected) for line in out.splitlines()), out
    assert "internal error" not in out and "Traceback" not in out


@pytest.mark.parametrize("kind", BREAKS)
def test_calc_reports_a_broken_catalog(workdir: Path, kind: str, monkeypatch, capsys):
    expected = BREAKS[kind](workdir / "schema")
    monkeypatch.setattr(schema_files, "REPO_SCHEMA", workdir / "schema")
    rc, out = _run(["calc", "meta/llama-3.1-8b", "--registry", "registry"], capsys)
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].startswith(expected), out
    assert lines[-1] == "llmcards calc: invalid catalogs"
    assert "internal error" not in out


def test_build_reports_a_broken_catalog(workdir: Path, capsys):
    # The build reads the catalogs beside its mkdocs.yml (a project copy here); cards are
    # checked against the package's schema folder, which stays valid.
    shutil.copy(ROOT / "mkdocs.yml", workdir / "mkdocs.yml")
    shutil.copytree(ROOT / "site", workdir / "site")
    expected = _break_gpus(workdir / "schema")
    rc, out = _run(["build", "--config", "mkdocs.yml", "--out", "public", "--quiet"], capsys)
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].startswith(expected), out
    assert lines[-1] == "llmcards build: invalid cards or catalogs; public/ left unchanged"
    assert not (workdir / "public").exists()
