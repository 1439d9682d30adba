"""Real-browser fixtures: the test registry built once, served on 127.0.0.1, Debian's chromium.

Without /usr/bin/chromium the tests are skipped, unless LLMCARDS_REQUIRE_BROWSER
is set (CI), where a missing browser is a failure. Every test here carries the
``browser`` marker (tests/conftest.py), so ``pytest -m "not browser"`` leaves them out.

The fixtures are package-scoped: the browser, its driver thread and the HTTP servers stop
when the last test of this folder is done, so no thread of theirs is alive in later tests
(the parallel validator, for one, only forks in a process without other threads).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import INCOMPLETE_CARD, ROOT, TEST_REGISTRY, built_and_served

from generator.calc.catalogs import load_catalogs

CHROMIUM = os.environ.get("LLMCARDS_CHROMIUM", "/usr/bin/chromium")


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        msg = f"chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("LLMCARDS_REQUIRE_BROWSER"):
            pytest.fail(msg + "; LLMCARDS_REQUIRE_BROWSER is set")
        pytest.skip(msg)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("LLMCARDS_REQUIRE_BROWSER"):
            pytest.fail("playwright is not installed; LLMCARDS_REQUIRE_BROWSER is set")
        pytest.skip("playwright is not installed")


@pytest.fixture(scope="package")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    # Chromium keeps a profile, crash reports and a dconf cache under $HOME: give it a
    # temporary one so the run writes nothing into the real home directory.
    home = tmp_path_factory.mktemp("chromium-home")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"], env=env)
        yield b
        b.close()


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    yield from built_and_served(TEST_REGISTRY, tmp_path_factory.mktemp("browser-site") / "public")


@pytest.fixture(scope="package")
def empty_board_site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    """The same registry with every evaluation removed."""
    reg = tmp_path_factory.mktemp("noeval") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    removed = 0
    for path in sorted(reg.rglob("*.yaml")):
        card = yaml.safe_load(path.read_text(encoding="utf-8"))
        removed += len(card.get("evaluations") or [])
        card["evaluations"] = []
        path.write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert removed > 0, "the test registry has no evaluations to remove: this fixture would change nothing"
    yield from built_and_served(reg, reg.parent / "public")


@pytest.fixture(scope="package")
def incomplete_site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    """The test registry plus a card whose architecture is incomplete (declared counts only)."""
    reg = tmp_path_factory.mktemp("incomplete") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    shutil.copyfile(INCOMPLETE_CARD, reg / "example" / INCOMPLETE_CARD.name)
    yield from built_and_served(reg, reg.parent / "public")


@dataclass
class PageLog:
    """What a page did while a test drove it."""

    errors: list[str] = field(default_factory=list)     # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)   # every URL requested

    def problems(self) -> list[str]:
        offsite = [u for u in self.requests if not u.startswith(("http://127.0.0.1:", "data:"))]
        return ([f"console/page error: {e}" for e in self.errors]
                + [f"request left 127.0.0.1: {u}" for u in offsite])


PAGE_LOG = pytest.StashKey[PageLog]()


@pytest.fixture()
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that records console errors, page errors and every request URL; the test
    fails (in its own call phase, see pytest_runtest_call) when any of them is a problem."""
    log = PageLog()
    request.node.stash[PAGE_LOG] = log
    context = browser.new_context()
    pg = context.new_page()
    pg.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: log.errors.append(str(e)))
    pg.on("request", lambda r: log.requests.append(r.url))
    yield pg
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Runs for the tests in this folder only. After a test body that passed, what its page
    # logged is checked, so a console error fails that test rather than its teardown.
    result = yield
    log = item.stash.get(PAGE_LOG, None)
    if log is not None and log.problems():
        pytest.fail("\n".join(log.problems()), pytrace=False)
    return result



@pytest.fixture(scope="package")
def catalogs() -> Any:
    """The project's catalogs (schema/): the readers' tests compute their expected plans with them."""
    return load_catalogs(ROOT / "schema")
