"""The card schema and benchmark catalog ship as package data, identical to schema/."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

from generator import schema_files
from generator.benchmarks import load_catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", schema_files.SHIPPED)
def test_packaged_copy_is_identical(name):
    # A failure means schema/ changed: copy the file to generator/data/ again.
    assert filecmp.cmp(ROOT / "schema" / name, ROOT / "generator" / "data" / name, shallow=False), name


def test_checkout_reads_the_repository_schema():
    assert schema_files.schema_dir() == ROOT / "schema"


def test_installed_package_reads_its_copies(monkeypatch, tmp_path):
    monkeypatch.setattr(schema_files, "REPO_SCHEMA", tmp_path / "no-such-checkout")
    assert schema_files.schema_dir() == ROOT / "generator" / "data"
    catalog = load_catalog()
    assert not catalog.errors
    # mmlu is in the catalog (schema/benchmarks.yaml): the copy is really read.
    assert "mmlu" in catalog.benchmarks


def test_working_directory_is_not_searched(monkeypatch, tmp_path):
    # A stray schema/ in the current directory must not replace the real one.
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / schema_files.CARD_SCHEMA).write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert schema_files.schema_dir() == ROOT / "schema"
    monkeypatch.setattr(schema_files, "REPO_SCHEMA", tmp_path / "no-such-checkout")
    assert schema_files.schema_dir() == ROOT / "generator" / "data"
    assert os.getcwd() == str(tmp_path)
