"""Real-browser fixtures: the test registry built once, served on 127.0.0.1, Debian's chromium.

Without /usr/bin/chromium the tests are skipped, unless LLMCARDS_REQUIRE_BROWSER
is set (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.site.conftest import INCOMPLETE_CARD, TEST_REGISTRY, build

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


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def _serve(root: Path):
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _built_and_served(registry: Path, out: Path):
    """Build ``registry`` into ``out``, serve it on 127.0.0.1, yield its URL, stop the server."""
    assert build(registry, out) == 0
    server = _serve(out)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory, browser):
    yield from _built_and_served(TEST_REGISTRY, tmp_path_factory.mktemp("browser-site") / "public")


@pytest.fixture(scope="session")
def empty_board_site(tmp_path_factory, browser):
    """The same registry with every evaluation removed."""
    reg = tmp_path_factory.mktemp("noeval") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    for path in reg.rglob("*.yaml"):
        text = path.read_text()
        head, _, tail = text.partition("\nevaluations:")
        path.write_text(head + "\nevaluations: []\nnotes:" + tail.split("\nnotes:", 1)[1])
    yield from _built_and_served(reg, reg.parent / "public")


@pytest.fixture(scope="session")
def incomplete_site(tmp_path_factory, browser):
    """The test registry plus a card whose architecture is incomplete (declared counts only)."""
    reg = tmp_path_factory.mktemp("incomplete") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    shutil.copyfile(INCOMPLETE_CARD, reg / "example" / INCOMPLETE_CARD.name)
    yield from _built_and_served(reg, reg.parent / "public")


@pytest.fixture()
def page(browser):
    """A page that records console errors, page errors and every request URL."""
    context = browser.new_context()
    pg = context.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    assert pg.errors == [], pg.errors
    offsite = [u for u in pg.requests if not u.startswith("http://127.0.0.1:") and not u.startswith("data:")]
    assert offsite == [], offsite
    context.close()
