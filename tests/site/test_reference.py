"""The "Card format" page: every schema property documented, catalogs listed, page built and in the nav.

The schema is walked here on its own (not through generator.site.reference), so
a property the page generator skips, or documents under the wrong path, fails.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from generator.site import reference

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schema/model-card.schema.json").read_text(encoding="utf-8"))


# -- an independent walk of the schema -------------------------------------------
def _deref(node: dict, schema: dict = SCHEMA) -> dict:
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        return {**_deref(schema["$defs"][name], schema), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _branches(node: dict) -> list[dict]:
    node = _deref(node)
    return [_deref(b) for b in node.get("anyOf", node.get("oneOf", []))] or [node]


def walk(props: dict, required: list[str], prefix: str = "") -> Iterator[tuple[str, dict, bool]]:
    """(dotted path, property node as written, required in its parent) for every property."""
    for name, node in props.items():
        path = prefix + name
        yield path, node, name in required
        for b in _branches(node):
            if "properties" in b:
                yield from walk(b["properties"], b.get("required", []), path + ".")
            items = _deref(b["items"]) if isinstance(b.get("items"), dict) else {}
            if "properties" in items:
                yield from walk(items["properties"], items.get("required", []), path + "[].")


PROPERTIES = list(walk(SCHEMA["properties"], SCHEMA["required"]))


def _nullable(node: dict) -> bool:
    for b in _branches(node):
        t = b.get("type")
        if t == "null" or (isinstance(t, list) and "null" in t) or None in b.get("enum", []):
            return True
    return False


def _enum(node: dict) -> list[Any]:
    values = []
    for b in _branches(node):
        values += b.get("enum", [])
        if isinstance(b.get("items"), dict):
            values += _deref(b["items"]).get("enum", [])
    return [v for v in values if v is not None]


def _plain(text: str) -> str:
    """A description as it reads on the page: inline-code backticks gone, spaces collapsed."""
    return " ".join(text.replace("`", "").split())


# -- reading the built page -------------------------------------------------------
class _Texts(HTMLParser):
    """Text of every element with an id, and of every table row grouped by its table's id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, list[str]] = {}
        self._open: list[list[Any]] = []      # [tag, id, depth, parts]
        self._table: list[str] = []
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for entry in self._open:
            if entry[0] == tag:
                entry[2] += 1
        if a.get("id"):
            self._open.append([tag, a["id"], 1, []])
        if tag == "table":
            self._table.append(a.get("id") or "")
        if tag == "tr":
            self._row = []
        if tag in ("td", "th", "br"):   # cell and line breaks separate words
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row is not None and self._table:
            self.rows.setdefault(self._table[-1], []).append(" ".join("".join(self._row).split()))
            self._row = None
        if tag == "table" and self._table:
            self._table.pop()
        for entry in list(self._open):
            if entry[0] == tag:
                entry[2] -= 1
                if entry[2] == 0:
                    self.by_id[entry[1]] = " ".join("".join(entry[3]).split())
                    self._open.remove(entry)

    def handle_data(self, data: str) -> None:
        for entry in self._open:
            entry[3].append(data)
        if self._row is not None:
            self._row.append(data)


@pytest.fixture(scope="module")
def page(site_dir: Path) -> _Texts:
    parser = _Texts()
    parser.feed((site_dir / "card-format/index.html").read_text(encoding="utf-8"))
    return parser


# -- the schema rule from issue 2 ------------------------------------------------------
def test_every_schema_property_has_title_and_description():
    assert len(PROPERTIES) > 60  # the walk reaches nested objects and list items
    missing = [p for p, node, _ in PROPERTIES
               if not str(node.get("title", "")).strip() or not str(node.get("description", "")).strip()]
    assert missing == []
    for name, node in SCHEMA["$defs"].items():
        assert node.get("title", "").strip() and node.get("description", "").strip(), name


# -- the built page ------------------------------------------------------------------------
def test_every_property_is_on_the_page_with_its_facts(page: _Texts):
    for path, node, required in PROPERTIES:
        text = page.by_id.get(f"field-{path}")
        assert text is not None, f"{path} is not on the page"
        assert _plain(node["description"]) in text, path
        assert ("required" if required else "optional") in text, path
        assert ("null allowed" if _nullable(node) else "not null") in text, path
        if "properties" not in _deref(node) and "items" not in node:
            assert node["title"] in text, path   # object titles head their section instead
    # nothing documented that the schema does not have
    documented = {k.removeprefix("field-") for k in page.by_id if k.startswith("field-")}
    assert documented == {p for p, _, _ in PROPERTIES}


def test_enum_properties_list_every_value(page: _Texts):
    enums = [(p, _enum(n)) for p, n, _ in PROPERTIES if _enum(n)]
    assert {p for p, _ in enums} >= {"status", "architecture.type", "architecture.attention.structure",
                                     "architecture.attention.qk_norm", "modalities.input",
                                     "architecture.attention.sliding_window.kind"}
    for path, values in enums:
        text = page.by_id[f"field-{path}"]
        for v in values:
            assert re.search(rf"(?<![\w-]){re.escape(str(v))}(?![\w-])", text), (path, v)


def test_types_and_constraints_as_written_in_the_schema(page: _Texts):
    # Expected text read off schema/model-card.schema.json by hand.
    kv = page.by_id["field-architecture.attention.kv_heads"]       # $ref head_count: integer|null, minimum 1, maximum 4096
    assert "integer" in kv and "1 to 4096" in kv and "null allowed" in kv and "required" in kv
    pattern = page.by_id["field-architecture.attention.sliding_window.pattern"]
    assert "string" in pattern and "^[LG]{1,64}$" in pattern and "not null" in pattern
    url = page.by_id["field-license.url"]                           # anyOf [https_url, null]
    assert "string" in url and "format: uri" in url and "^https://[^\\s]+$" in url and "null allowed" in url
    norms = page.by_id["field-architecture.norms_per_layer"]        # minimum 0, maximum 8
    assert "0 to 8" in norms
    sources = page.by_id["field-sources"]
    assert "array of object" in sources and "at least 1 item" in sources
    extra = page.by_id["field-parameters.extra"]
    assert "optional" in extra and "0 to 100000000000000" in extra   # minimum 0, maximum 10^14


def test_sections_follow_the_card_layout():
    keys = [s["key"] for s in reference.sections(SCHEMA)]
    assert keys == ["identity", "license", "modalities", "parameters", "release", "architecture", "attention", "mla",
                    "sliding_window", "sparse_indexer", "experts", "ssm", "linear_attention", "rope_scaling", "mtp",
                    "vision_encoder", "audio_encoder", "per_layer_embeddings", "sources", "evaluations"]


def test_catalogs_are_listed(page: _Texts):
    bench = yaml.safe_load((ROOT / "schema/benchmarks.yaml").read_text(encoding="utf-8"))["benchmarks"]
    rows = page.rows["catalog-benchmarks"][1:]   # first row is the header
    assert len(rows) == len(bench)
    for b, row in zip(bench, rows, strict=True):
        assert row.startswith(b["id"] + " " + b["name"] + " " + b["category"]), row
        assert ("higher is better" if b["higher_is_better"] else "lower is better") in row

    quant = yaml.safe_load((ROOT / "schema/quantizations.yaml").read_text(encoding="utf-8"))["quantizations"]
    rows = page.rows["catalog-quantizations"][1:]
    assert [r.split(" ")[0] for r in rows] == [q["id"] for q in quant]
    q4 = next(r for r in rows if r.startswith("Q4_K_M "))
    assert " 4.5 " in q4 and "llama.cpp" in q4                    # bits_per_weight: 4.5

    gpus = yaml.safe_load((ROOT / "schema/gpus.yaml").read_text(encoding="utf-8"))["gpus"]
    rows = page.rows["catalog-gpus"][1:]
    assert [r.split(" ")[0] for r in rows] == [g["id"] for g in gpus]
    rtx4090 = next(r for r in rows if r.startswith("rtx-4090 "))
    assert "24 GB" in rtx4090 and "1,008 GB/s" in rtx4090           # NVIDIA: 24 GB GDDR6X, 1008 GB/s
    h200 = next(r for r in rows if r.startswith("h200-141gb "))
    assert "141 GB" in h200 and "4,800 GB/s" in h200                 # NVIDIA: 141 GB, 4.8 TB/s


def test_page_links_and_navigation(site_dir: Path):
    html = (site_dir / "card-format/index.html").read_text(encoding="utf-8")
    for href in ("../schema/model-card.schema.json", "../schema/benchmarks.yaml", "../models/meta/llama-3.1-8b/",
                 "../api/models/meta/llama-3.1-8b.json"):
        assert f'href="{href}"' in html, href
        target = site_dir / "card-format" / href
        assert (target / "index.html" if href.endswith("/") else target).resolve().is_file(), href
    # the YAML of the example card in the repository (repo_url in mkdocs.yml)
    assert "https://github.com/llmcards/llmcards/blob/main/tests/site/registry/meta/llama-3.1-8b.yaml" in html
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="card-format/"' in home
    nav = [next(iter(e)) for e in yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]]
    assert nav.index("Card format") == nav.index("Contributing") + 1


# -- the pure parts ------------------------------------------------------------------------
def test_describe_resolves_refs_unions_and_items():
    schema = {
        "$defs": {"n": {"title": "N", "description": "d", "type": ["integer", "null"], "minimum": 1},
                  "u": {"type": "string", "format": "uri", "maxLength": 10}},
        "properties": {},
    }
    assert reference.describe({"$ref": "#/$defs/n"}, schema) == {
        "types": ["integer"], "nullable": True, "enum": [], "patterns": [], "constraints": ["≥ 1"], "ref": "n"}
    url = reference.describe({"anyOf": [{"$ref": "#/$defs/u"}, {"type": "null"}]}, schema)
    assert url["types"] == ["string"] and url["nullable"] and url["ref"] == "u"
    assert url["constraints"] == ["length ≤ 10", "format: uri"]
    e = reference.describe({"enum": ["a", "b", None]}, schema)
    assert e["types"] == ["string"] and e["nullable"] and e["enum"] == ["a", "b"]
    arr = reference.describe({"type": "array", "minItems": 2, "items": {"enum": ["x", "y"]}}, schema)
    assert arr["types"] == ["array of string"] and arr["enum"] == ["x", "y"] and not arr["nullable"]
    assert arr["constraints"] == ["at least 2 items"]


def test_inline_code_and_hostile_text_is_escaped():
    assert reference.inline_code("a `b` c") == [("a ", False), ("b", True), (" c", False)]
    from generator.site import render
    schema = {"title": "t", "description": "x", "properties": {
        "p": {"title": "<b>T</b>", "description": "`<script>alert(1)</script>` and <img src=x onerror=y>",
              "type": "string"}}}
    html = render.render("card_format.html", base="../", **reference.page_context(schema, [], None))
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
