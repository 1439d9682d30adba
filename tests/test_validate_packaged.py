"""An installed package carries schema/ as generator/data/, copied at build time (setup.py).

The package is built here the way a wheel is (setuptools' build_py, offline) from a copy
of the sources under tmp_path, and then run from that build, outside the repository:
the copy must hold every file of schema/ byte for byte, and `validate` and `calc` must work
from it alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import schema_files

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("setup.py", "pyproject.toml", "README.md", "generator", "schema")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built package (what a wheel installs into site-packages)."""
    top = tmp_path_factory.mktemp("packaged")
    src, lib = top / "src", top / "lib"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
        else:
            shutil.copy(ROOT / name, src / name)
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)],
                          cwd=src, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return lib


def _run(lib: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(lib)}  # the build only, not this checkout
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_built_package_carries_every_schema_file(built: Path):
    data = built / "generator" / "data"
    shipped = sorted(p.name for p in data.iterdir())
    assert shipped == sorted(p.name for p in (ROOT / "schema").iterdir())
    for name in shipped:
        assert (data / name).read_bytes() == (ROOT / "schema" / name).read_bytes(), name


def test_checkout_has_no_second_copy():
    assert not (ROOT / "generator" / "data").exists()
    assert schema_files.schema_dir() == ROOT / "schema"


def test_installed_package_reads_its_copy(built: Path, tmp_path: Path):
    proc = _run(built, tmp_path, "-c", "from generator import schema_files; print(schema_files.schema_dir())")
    assert proc.stdout.strip() == str(built / "generator" / "data"), proc.stderr


def test_installed_package_validates_and_calculates_outside_the_repository(built: Path, tmp_path: Path):
    card = tmp_path / "meta" / "llama-3.1-8b.yaml"  # a card file outside any registry checkout
    card.parent.mkdir()
    shutil.copy(ROOT / "registry" / "meta" / "llama-3.1-8b.yaml", card)
    proc = _run(built, tmp_path, "-m", "generator", "validate", "meta/llama-3.1-8b.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the schema is really read: a misspelt status is named with the schema's allowed values
    card.write_text(card.read_text().replace("status: released", "status: relased"))
    proc = _run(built, tmp_path, "-m", "generator", "validate", "meta/llama-3.1-8b.yaml")
    assert proc.returncode == 1
    assert "llama-3.1-8b.yaml:" in proc.stdout + proc.stderr and "did you mean 'released'" in proc.stdout + proc.stderr
    # the catalogs are read too: Llama 3.1 8B is 8,030,261,248 parameters (its safetensors count)
    proc = _run(built, tmp_path, "-m", "generator", "calc", "meta/llama-3.1-8b", "--registry", str(ROOT / "registry"),
                "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"total": 8030261248' in proc.stdout


def test_working_directory_is_not_searched(monkeypatch, tmp_path, built: Path):
    # A stray schema/ in the current directory must not replace the real one, in a checkout
    # or in an installed package.
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / schema_files.CARD_SCHEMA).write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert schema_files.schema_dir() == ROOT / "schema"
    proc = _run(built, tmp_path, "-c", "from generator import schema_files; print(schema_files.schema_dir())")
    assert proc.stdout.strip() == str(built / "generator" / "data"), proc.stderr


def test_installed_package_builds_the_site_outside_the_repository(built: Path, tmp_path: Path):
    # README's main set-up command, `python -m pip install . && llmcards build`, run in a copy of
    # the checkout: nothing the build reads may be looked up beside the installed package (the
    # glossary once read <site-packages>/../schema/quantizations.yaml and failed here).
    for name in ("mkdocs.yml", "site", "schema"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copy(src, tmp_path / name)
    (tmp_path / "registry" / "meta").mkdir(parents=True)
    shutil.copy(ROOT / "registry" / "meta" / "llama-3.1-8b.yaml", tmp_path / "registry" / "meta")
    proc = _run(built, tmp_path, "-m", "generator", "build", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (tmp_path / "public" / "models" / "meta" / "llama-3.1-8b" / "index.html").read_text(encoding="utf-8")
    assert "Q4_K_M" in page and "<abbr" in page       # the quantization meanings came from the packaged catalog
