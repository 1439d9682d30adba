"""Rebuilds under `mkdocs serve` redo only what an edit touched, and survive invalid cards.

Driven in-process, as `mkdocs serve` drives the plugin: ``on_startup(command="serve")``,
one full build, then the rebuilds. What was redone is read from the plugin's
counters (``memo.counts``) and from which output files were written, never from
the clock.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator.commands.build import _plugins_with
from generator.site import stages
from helpers import ROOT

EDITED = "meta/llama-3.1-8b"
OTHER = "meta/llama-2-7b"


@pytest.fixture()
def served(tmp_path: Path, registry_copy: Path) -> Iterator[tuple[Any, Path, Path]]:
    """A serve-mode config on a copy of the test registry, after its first full build."""
    site = tmp_path / "served"
    plugins = _plugins_with(ROOT / "mkdocs.yml", {"registry": str(registry_copy)})
    cfg = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site), plugins=plugins)
    cfg.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(cfg)
        yield cfg, registry_copy, site
    finally:
        cfg.plugins.on_shutdown()


def _edit(registry: Path, card_id: str, old: str, new: str) -> None:
    path = registry / f"{card_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _page(site: Path, card_id: str) -> Path:
    return site / "models" / card_id / "index.html"


def test_full_rebuild_redoes_only_the_edited_card(served):
    cfg, registry, site = served
    plugin = cfg.plugins["llmcards"]
    assert plugin.memo.counts["validated"] == 4 and plugin.memo.counts["derived"] == 4
    _edit(registry, EDITED, "\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Edited\n")
    # what the dev server does when other files changed too: a new config, a full build
    again = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site),
                        plugins=_plugins_with(ROOT / "mkdocs.yml", {"registry": str(registry)}))
    assert again.plugins["llmcards"] is plugin          # mkdocs keeps the instance for the process
    mkdocs_build(again)
    counts = plugin.memo.counts
    assert (counts["validated"], counts["derived"], counts["rendered"], counts["rendered_rest"]) == (1, 1, 1, 1)
    assert '<h1 id="model-name">Llama 3.1 8B Edited</h1>' in _page(site, EDITED).read_text()


def test_refresh_writes_only_the_pages_an_edit_touches(served):
    cfg, registry, site = served
    plugin = cfg.plugins["llmcards"]
    # Outputs that refresh() must not rewrite are removed first: if they come back, they were rebuilt.
    _page(site, OTHER).unlink()
    (site / "api/models" / f"{OTHER}.json").unlink()
    (site / "leaderboard/index.html").unlink()
    _edit(registry, EDITED, "\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Edited\n")
    assert plugin.refresh() is True
    counts = plugin.memo.counts
    assert (counts["validated"], counts["derived"], counts["rendered"], counts["rendered_rest"]) == (1, 1, 1, 1)
    # the edited card's page; the pages listing names: models index, compare, its organization, home,
    # what can I run (the 8B runs on its default setup)
    assert counts["pages"] == 6
    assert '<h1 id="model-name">Llama 3.1 8B Edited</h1>' in _page(site, EDITED).read_text()
    assert "Llama 3.1 8B Edited" in (site / "models/index.html").read_text()
    assert "Llama 3.1 8B Edited" in (site / "models/meta/index.html").read_text()
    assert '"name":"Llama 3.1 8B Edited"' in (site / "api/models" / f"{EDITED}.json").read_text()
    assert '"name":"Llama 3.1 8B Edited"' in (site / "api/models.json").read_text()
    assert "Llama 3.1 8B Edited" in (site / "what-can-i-run/index.html").read_text()
    assert '"name":"Llama 3.1 8B Edited"' in (site / "api/fit/rtx-4060-ti-16gb-x1.json").read_text()
    assert not _page(site, OTHER).exists()
    assert not (site / "api/models" / f"{OTHER}.json").exists()
    assert not (site / "leaderboard/index.html").exists()   # names only of ranked models; none here


def test_invalid_card_keeps_its_last_valid_page_and_shows_the_errors(served):
    cfg, registry, site = served
    plugin = cfg.plugins["llmcards"]
    _edit(registry, EDITED, "layers: 32", "layers: many")
    assert plugin.refresh() is True                         # no exception: the server keeps serving
    home = (site / "index.html").read_text()
    page = _page(site, EDITED).read_text()
    for html in (home, page, (site / "models/index.html").read_text()):
        assert 'id="llmc-errors"' in html
        assert "llama-3.1-8b.yaml:" in html and "architecture.layers" in html
    assert '<h1 id="model-name">Llama 3.1 8B</h1>' in page      # the last valid version
    assert 'id="llmc-errors"' not in _page(site, OTHER).read_text()

    _edit(registry, EDITED, "layers: many", "layers: 32")     # fixed: the banner goes
    assert plugin.refresh() is True
    for rel in ("index.html", "models/index.html", f"models/{EDITED}/index.html"):
        assert 'id="llmc-errors"' not in (site / rel).read_text(), rel


def test_invalid_card_in_a_full_serve_build_does_not_abort(served):
    cfg, registry, site = served
    _edit(registry, EDITED, "layers: 32", "layers: many")
    again = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site),
                        plugins=_plugins_with(ROOT / "mkdocs.yml", {"registry": str(registry)}))
    mkdocs_build(again)                                       # serve mode: no InvalidCards
    assert 'id="llmc-errors"' in (site / "index.html").read_text()
    assert _page(site, EDITED).is_file()


def test_adding_a_card_needs_a_full_build(served):
    cfg, registry, site = served
    shutil.copy(registry / f"{OTHER}.yaml", registry / "meta" / "copy.yaml")
    _edit(registry, "meta/copy", "id: meta/llama-2-7b", "id: meta/copy")
    assert cfg.plugins["llmcards"].refresh() is False        # the caller then runs a full build


def _full_build(registry: Path, site: Path) -> None:
    cfg = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site),
                      plugins=_plugins_with(ROOT / "mkdocs.yml", {"registry": str(registry)}))
    cfg.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(cfg)
    finally:
        cfg.plugins.on_shutdown()


def test_refreshed_exports_are_the_bytes_of_a_full_build(served, tmp_path, monkeypatch):
    cfg, registry, site = served
    plugin = cfg.plugins["llmcards"]

    def whole(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a refresh wrote the combined exports whole instead of replacing the edited parts")

    monkeypatch.setattr(stages, "write_exports", whole)
    # Two edits in a row, each changing the length of a card's part of the combined files
    # (so the second refresh works from the first one's layout), then one that shortens it.
    _edit(registry, EDITED, "\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B, much longer “édité”\n")
    assert plugin.refresh() is True
    _edit(registry, OTHER, "context_length: 4096", "context_length: 65536")   # more vram.csv rows
    # (a context past max_position_embeddings needs rope_scaling, so the positions grow with it)
    _edit(registry, OTHER, "max_position_embeddings: 4096", "max_position_embeddings: 65536")
    assert plugin.refresh() is True
    _edit(registry, EDITED, "\nname: Llama 3.1 8B, much longer “édité”\n", "\nname: L\n")
    assert plugin.refresh() is True
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    _full_build(registry, fresh)
    for rel in ("api/models.json", "api/vram.csv", "api/index.json",
                f"api/models/{EDITED}.json", f"api/models/{OTHER}.json"):
        assert (site / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    assert '"name":"L"' in (site / "api/models.json").read_text()


def test_refresh_rewrites_a_combined_export_that_is_not_as_it_was_written(served, tmp_path):
    cfg, registry, site = served
    with open(site / "api/vram.csv", "ab") as fh:     # not the size the plugin wrote
        fh.write(b"stray\n")
    _edit(registry, EDITED, "\nname: Llama 3.1 8B\n", "\nname: Llama 3.1 8B Edited\n")
    assert cfg.plugins["llmcards"].refresh() is True
    fresh = tmp_path / "fresh"
    _full_build(registry, fresh)
    for rel in ("api/models.json", "api/vram.csv"):
        assert (site / rel).read_bytes() == (fresh / rel).read_bytes(), rel
