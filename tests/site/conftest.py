"""Shared fixtures: the small test registry (tests/site/registry) built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_REGISTRY = Path(__file__).resolve().parent / "registry"


def build(registry: Path, out: Path, quiet: bool = True) -> int:
    from generator.commands.build import build_site

    return build_site(ROOT / "mkdocs.yml", registry, out, quiet=quiet)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    assert build(TEST_REGISTRY, out) == 0
    return out


@pytest.fixture()
def registry_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "registry"
    shutil.copytree(TEST_REGISTRY, dst)
    return dst


# A card whose architecture is incomplete (only the declared total and active counts), kept
# outside the default test registry so the other tests' counts and orderings stay as they are.
INCOMPLETE_CARD = Path(__file__).resolve().parent / "extra" / "example" / "unreleased-moe.yaml"
