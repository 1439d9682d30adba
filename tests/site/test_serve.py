"""`mkdocs serve` rebuilds when a card changes (the registry is watched by the plugin).

Runs the real development server on a copy of the site sources and the test registry
(helpers.MkdocsServer: it picks a port, retries when the port was taken meanwhile, and
waits on the server's log rather than on the clock); takes a few seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import ROOT, TEST_REGISTRY, MkdocsServer, get

PAGE = "llmcards/models/meta/llama-3.1-8b/"   # site_url in mkdocs.yml ends in /llmcards/
# A rebuild the edit did not cause (a second file event, the first build settling) is allowed
# for; a server that rebuilds this often without showing the edit is broken.
MAX_REBUILDS = 5


def _project(tmp_path: Path) -> Path:
    for name in ("mkdocs.yml", "CONTRIBUTING.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("site", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(TEST_REGISTRY / "meta", tmp_path / "registry" / "meta")
    return tmp_path


def test_serve_picks_up_card_edit(tmp_path: Path):
    project = _project(tmp_path)
    card = project / "registry" / "meta" / "llama-3.1-8b.yaml"
    with MkdocsServer(project) as server:
        # The server binds its port only after the first build, so the page is there at once.
        assert '<h1 id="model-name">Llama 3.1 8B</h1>' in (get(server.url(PAGE)) or ""), server.text()

        text = card.read_text(encoding="utf-8")
        assert "\nname: Llama 3.1 8B\n" in text
        card.write_text(text.replace("\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Edited\n"), encoding="utf-8")
        edited = '<h1 id="model-name">Llama 3.1 8B Edited</h1>'
        for _ in range(MAX_REBUILDS):
            assert server.wait_for_log("Reloading browsers"), "server exited:\n" + server.text()
            if edited in (get(server.url(PAGE)) or ""):
                break
        else:
            raise AssertionError(f"card edit not shown after {MAX_REBUILDS} rebuilds:\n" + server.text())
        assert "Llama 3.1 8B Edited" in (get(server.url("llmcards/models/")) or "")


def _rebuilt_until(server: MkdocsServer, path: str, needle: str, present: bool = True) -> str:
    """The page at ``path`` after the rebuild that makes ``needle`` appear (or go, ``present=False``)."""
    for _ in range(MAX_REBUILDS):
        assert server.wait_for_log("Reloading browsers"), "server exited:\n" + server.text()
        text = get(server.url(path)) or ""
        if (needle in text) == present:
            return text
    raise AssertionError(f"{needle!r} {'not shown' if present else 'still shown'} after {MAX_REBUILDS} rebuilds:\n"
                         + server.text())


def test_invalid_card_keeps_serving_shows_the_errors_and_recovers(tmp_path: Path):
    # Before: an invalid card aborted the build and every request hung until the card was fixed.
    project = _project(tmp_path)
    card = project / "registry" / "meta" / "llama-3.1-8b.yaml"
    good = card.read_text(encoding="utf-8")
    home = "llmcards/"
    with MkdocsServer(project) as server:
        card.write_text(good.replace("layers: 32", "layers: many"), encoding="utf-8")
        # the server answers, and the home page says what is wrong, and where
        text = _rebuilt_until(server, home, 'id="llmc-errors"')
        assert "registry/meta/llama-3.1-8b.yaml:" in text and "architecture.layers" in text
        # the card's page still shows its last valid version, with the banner
        page = get(server.url(PAGE)) or ""
        assert 'id="llmc-errors"' in page and '<h1 id="model-name">Llama 3.1 8B</h1>' in page
        # the console got the located error too
        assert any("llama-3.1-8b.yaml:" in line and "architecture.layers" in line for line in server.log), server.text()

        card.write_text(good.replace("\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Fixed\n"), encoding="utf-8")
        _rebuilt_until(server, PAGE, '<h1 id="model-name">Llama 3.1 8B Fixed</h1>')
        assert 'id="llmc-errors"' not in (get(server.url(home)) or "")
