"""Hostile cards (tests/site/hostile.py) in the built HTML: no payload is markup, every text is escaped once.

The page text is read back with Python's HTML parser, which undoes one level of
escaping, exactly as a browser does: a field escaped once reads as the card's
text; escaped twice it would read ``&lt;`` or ``&amp;``; not escaped, the parser
would see tags and event handlers instead of text.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import build
from hostile import COUNT, ORG, make_registry, text_payload, url_payload


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reg = make_registry(tmp_path_factory.mktemp("hostile") / "registry")
    out = reg.parent / "public"
    assert build(reg, out) == 0
    return out


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """Tags with their attributes, script bodies, and the text of each element (by id, else tag; later ones #2, #3...)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in VOID:
            return
        key = dict(attrs).get("id") or tag
        n = 2
        while key in self.text:       # the first element of a kind keeps the plain key: title, h1, ...
            key = f"{dict(attrs).get('id') or tag}#{n}"
            n += 1
        self._open.append(key)
        self.text[key] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and self._open and self._open[-1] == "script":
            self.scripts.append(data)
        for key in self._open:
            self.text[key] += data


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_no_payload_becomes_markup(hostile_site: Path):
    checked = 0
    for path in _pages(hostile_site):
        page = Page(path.read_text(encoding="utf-8"))
        for tag, attrs in page.tags:
            for name, value in attrs.items():
                assert not (name.startswith("on") and "__xss" in (value or "")), (path, tag, name, value)
            assert not (tag in ("img", "svg") and any("__xss" in (v or "") for v in attrs.values())), (path, tag)
        for body in page.scripts:
            assert "__xss" not in body, (path, body[:200])
        checked += 1
    assert checked > 2 * COUNT    # model pages, their organization, index, compare, leaderboard, home


def test_search_index_holds_only_escaped_text(hostile_site: Path):
    index = json.loads((hostile_site / "search/search_index.json").read_text(encoding="utf-8"))
    evil = [d for d in index["docs"] if f"models/{ORG}/" in d["location"]]
    assert evil
    for doc in evil:
        # the search UI shows titles and text as HTML: parsed, they must hold no payload tag
        for field in ("title", "text"):
            page = Page(doc[field])
            assert {t for t, _ in page.tags} <= {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}, doc[field][:300]
    name = text_payload("name", 1)
    assert name in [_plain(d["title"]) for d in evil]


def _plain(html: str) -> str:
    """The text a browser shows for an HTML fragment."""
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(html)
    parser.close()
    return "".join(parts)


def test_model_page_shows_every_text_exactly(hostile_site: Path):
    for n in range(1, COUNT + 1):
        html = (hostile_site / f"models/{ORG}/model-{n}/index.html").read_text(encoding="utf-8")
        page = Page(html)
        name = text_payload("name", n)
        assert page.text["title"] == f"{name} - llmcards"      # <title>, from the theme
        assert page.text["model-name"] == name                  # the page's <h1>
        assert text_payload("organization", n) in page.text["body"]
        assert text_payload("family", n) in page.text["body"]
        assert text_payload("license.name", n) in page.text["body"]
        assert text_payload("sources.title", n) in page.text["body"]
        hrefs = {a.get("href") for t, a in page.tags if t == "a"}
        for field in ("license.url", "sources.url", "evaluations.source"):
            assert url_payload(field, n) in hrefs, field
        # description and notes are Markdown: their HTML is sanitised, the plain text stays
        desc = page.text["body"]
        assert "Tom & Jerry <3 'q' \"dq\"" in desc
        assert "&amp;" not in desc and "&lt;3" not in desc    # never shown escaped twice


def test_site_wide_pages_show_names_exactly(hostile_site: Path):
    names = [text_payload("name", n) for n in range(1, COUNT + 1)]
    orgs = [text_payload("organization", n) for n in range(1, COUNT + 1)]
    org_page = Page((hostile_site / f"models/{ORG}/index.html").read_text(encoding="utf-8"))
    assert org_page.text["title"] == f"{orgs[0]} - llmcards"
    assert org_page.text["organization"] == orgs[0]
    for rel in ("index.html", "models/index.html", "compare/index.html", "leaderboard/index.html"):
        body = Page((hostile_site / rel).read_text(encoding="utf-8")).text["body"]
        for name in names:
            assert name in body, (rel, name)
    index = Page((hostile_site / "models/index.html").read_text(encoding="utf-8"))
    rows = [a for t, a in index.tags if t == "tr" and (a.get("data-id") or "").startswith(f"{ORG}/")]
    assert sorted(r["data-name"] for r in rows) == sorted(names)
    assert sorted(r["data-organization"] for r in rows) == sorted(orgs)
