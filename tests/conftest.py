"""Suite-wide rules: tests write nothing outside temporary folders, leave the environment as
they found it, and say so when a tool they need is missing.

* The compiled-schema cache (LLMCARDS_CACHE_DIR, else ~/.cache/llmcards) points at a
  temporary folder for the whole run, set before collection because some test modules
  validate cards at import time.
* Every test must leave os.environ as it found it (use ``monkeypatch.setenv``); a leak is
  undone and reported as an error of that test.
* Every test under tests/browser gets the ``browser`` marker: ``pytest -m "not browser"``
  is the fast inner loop.
* ``node_exe``: the path of node; skips when node is missing, fails instead when
  LLMCARDS_REQUIRE_NODE is set (CI).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent / "browser"

_cache_dir: str | None = None
_saved_cache_env: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _cache_dir, _saved_cache_env
    _saved_cache_env = os.environ.get("LLMCARDS_CACHE_DIR")
    _cache_dir = tempfile.mkdtemp(prefix="llmcards-test-cache-")
    os.environ["LLMCARDS_CACHE_DIR"] = _cache_dir


def pytest_unconfigure(config: pytest.Config) -> None:
    if _saved_cache_env is None:
        os.environ.pop("LLMCARDS_CACHE_DIR", None)
    else:
        os.environ["LLMCARDS_CACHE_DIR"] = _saved_cache_env
    if _cache_dir is not None:
        shutil.rmtree(_cache_dir, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


# pytest sets the first itself, with a new value in each phase of each test; mkdocs-material
# sets the second, once, when its templates module is first imported (material/templates/__init__.py).
_PYTEST_OWN = {"PYTEST_CURRENT_TEST", "NO_MKDOCS_2_WARNING"}


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _PYTEST_OWN}


@pytest.fixture(autouse=True)
def _no_environment_leaks() -> Iterator[None]:
    # Autouse and function-scoped: set up after the session/module fixtures and torn down
    # after the test's other function fixtures (monkeypatch has undone its changes by then).
    before = _environment()
    yield
    after = _environment()
    if after != before:
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        os.environ.clear()
        os.environ.update(before)
        pytest.fail(f"the test changed os.environ and left it changed: {', '.join(changed)} "
                    "(use monkeypatch.setenv/delenv)", pytrace=False)


@pytest.fixture(scope="session")
def node_exe() -> str:
    """The node executable (for the JavaScript-against-Python tests)."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("LLMCARDS_REQUIRE_NODE"):
            pytest.fail("node not found (apt-get install nodejs); LLMCARDS_REQUIRE_NODE is set", pytrace=False)
        pytest.skip("node not found (apt-get install nodejs)")
    return node
