"""Fixtures for the site tests: the small test registry (tests/site/registry) built once per session.

Paths and the ``build`` helper are in tests/helpers.py (``from helpers import ...``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import TEST_REGISTRY, build


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
