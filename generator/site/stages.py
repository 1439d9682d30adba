"""The site build in four stages, each a plain function with one job.

* ``gather``: load and validate the cards and the catalogs (``Registry``);
* ``derive``: the calculator's figures for one card;
* ``render_card`` / ``render_rest`` / ``site_pages``: page HTML and page data;
* ``write_exports``: the api/ and schema/ files.

The plugin (plugin.py) calls them from mkdocs' events. Every per-card result is
memoised in a ``Memo`` by the card file's content, so a rebuild under
``mkdocs serve`` (the plugin instance lives as long as the server) redoes only
the cards whose file changed; ``Memo.counts`` says how much work each stage did
in the last build.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from markupsafe import Markup

from generator import calc
from generator.benchmarks import load_catalog
from generator.calc.catalogs import CatalogError, Catalogs, load_catalogs
from generator.errors import CardError
from generator.schema_files import BENCHMARKS
from generator.site import calc_inputs, exports, fit, leaderboard, pages, plans, render
from generator.site.history import page_view
from generator.validate import CardValidator, gather as gather_files, validate_paths

# Model pages are rendered in two parts: the head (name, facts, description) is the
# page content that the search plugin indexes; the large rest (tables, chart,
# calculator) replaces this marker in on_post_page, after indexing.
REST_MARKER = Markup("<!--llmcards:rest-->")
INDEX_URL = "models/"        # the models index


# -- gather ---------------------------------------------------------------------

@dataclass(frozen=True)
class CardFile:
    """One card file as last read: its content digest, the card if valid, else its errors."""

    display: str                        # the path as messages print it
    digest: str                         # sha256 of the file's bytes
    card: dict[str, Any] | None
    errors: tuple[str, ...]
    key: str = ""                       # sha256 of the card's data (what its outputs depend on)
    checked_with: str = ""              # digest of the catalogs it was validated against


@dataclass
class Registry:
    """Everything the site needs from the registry and the catalogs."""

    root: Path
    files: list[CardFile]                             # every card file, in path order
    catalogs: Catalogs | None
    benchmarks: list[dict[str, Any]]
    catalog_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Every located problem: the catalogs' first, then the cards' in file order."""
        return self.catalog_errors + [e for f in self.files for e in f.errors]

    def valid_cards(self) -> list[CardFile]:
        """The valid cards, in id order."""
        return sorted((f for f in self.files if f.card is not None), key=_card_id)


@dataclass
class Memo:
    """Per-card results from earlier builds, keyed by file content; lives in the plugin instance."""

    files: dict[str, CardFile] = field(default_factory=dict)           # display path -> last read
    last_good: dict[str, CardFile] = field(default_factory=dict)      # display path -> last valid version
    cards: dict[tuple[str, str], "CardPage"] = field(default_factory=dict)   # (catalogs key, digest)
    rests: dict[tuple[str, str, str], bytes] = field(default_factory=dict)   # (+ site context) -> html
    catalogs: tuple[str, Catalogs | None, list[dict[str, Any]], list[str]] | None = None
    validator: tuple[str, CardValidator] | None = None
    counts: Counter[str] = field(default_factory=Counter)              # work done in the current build
    used_cards: set[tuple[str, str]] = field(default_factory=set)      # keys the current build used
    used_rests: set[tuple[str, str, str]] = field(default_factory=set)

    def start(self) -> None:
        """A new build begins: reset the counters and the record of what is used."""
        self.counts.clear()
        self.used_cards.clear()
        self.used_rests.clear()

    def prune(self) -> None:
        """Forget the results the current build did not use (old versions of edited cards)."""
        self.cards = {k: v for k, v in self.cards.items() if k in self.used_cards}
        self.rests = {k: v for k, v in self.rests.items() if k in self.used_rests}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dir_digest(directory: Path) -> str:
    """Digest of the catalog files (names and bytes) in ``directory``."""
    h = hashlib.sha256()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.is_file():
                h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _catalogs(schema_dir: Path, memo: Memo) -> tuple[str, Catalogs | None, list[dict[str, Any]], list[str]]:
    """The calculator's catalogs and the benchmark catalog, reloaded only when a file in schema/ changed."""
    key = _dir_digest(schema_dir)
    if memo.catalogs is not None and memo.catalogs[0] == key:
        return memo.catalogs
    errors: list[str] = []
    try:
        catalogs: Catalogs | None = load_catalogs(schema_dir)
    except CatalogError as exc:
        catalogs = None
        errors.append(str(exc))
    bench = load_catalog(schema_dir / BENCHMARKS)
    errors += [e.format() for e in bench.errors]
    memo.catalogs = (key, catalogs, [dict(b) for b in bench.benchmarks.values()], errors)
    memo.validator = (key, CardValidator(catalog=bench))
    memo.counts["catalogs"] += 1
    return memo.catalogs


def gather(root: Path, schema_dir: Path, memo: Memo) -> Registry:
    """Load and validate every card under ``root``; a file whose bytes (and the catalogs) are unchanged
    since the last call is not validated again."""
    key, catalogs, benchmarks, catalog_errors = _catalogs(schema_dir, memo)
    assert memo.validator is not None
    targets, missing = gather_files([root])
    current: dict[str, CardFile] = {}
    changed: dict[str, str] = {}
    for t in targets:
        try:
            digest = _digest(t.path.read_bytes())
        except OSError:
            digest = ""  # unreadable: validation reports it
        old = memo.files.get(t.display)
        if old is not None and old.digest == digest and old.checked_with == key:
            current[t.display] = old
        else:
            changed[t.display] = digest
    if changed:
        # Each card's id must match its file's location (a per-card check), so two files
        # can never share an id: checking only the changed files loses no registry-wide rule.
        report = validate_paths(list(changed), memo.validator[1])
        by_file: dict[str, list[CardError]] = {}
        for err in report.errors:
            by_file.setdefault(err.file, []).append(err)
        valid = {c.display_path: c for c in report.cards}
        for display, digest in changed.items():
            card = valid.get(display)
            data = dict(card.data) if card is not None else None
            current[display] = CardFile(display, digest, data, tuple(e.format() for e in by_file.get(display, [])),
                                        _digest(exports.dumps(data).encode()) if data is not None else "", key)
            memo.counts["validated"] += 1
    files = [current[t.display] for t in targets]
    memo.files = {f.display: f for f in files}
    memo.last_good = {d: f for d, f in memo.last_good.items() if d in memo.files}   # deleted files go
    for f in files:
        if f.card is not None:
            memo.last_good[f.display] = f
    catalog_errors = catalog_errors + [e.format() for e in missing]
    return Registry(root, files, catalogs, benchmarks, catalog_errors)


def _card_id(f: CardFile) -> str:
    assert f.card is not None
    return str(f.card["id"])


def published_cards(reg: Registry, memo: Memo) -> list[CardFile]:
    """The cards to publish while serving, in id order: the valid ones, and the last valid
    version of each invalid one (a card never valid is left out)."""
    out = []
    for f in reg.files:
        shown = f if f.card is not None else memo.last_good.get(f.display)
        if shown is not None:
            out.append(shown)
    return sorted(out, key=_card_id)


# -- derive ---------------------------------------------------------------------

def derive(card: Mapping[str, Any], catalogs: Catalogs | None) -> dict[str, Any] | None:
    """The calculator's figures for one card (None when the catalogs could not be loaded)."""
    return None if catalogs is None else calc.derive(card, catalogs)


def derive_plans(card: Mapping[str, Any], catalogs: Catalogs | None) -> plans.ModelPlans:
    """The engines' plans for one card on the common setups (generator/site/setups.py)."""
    if catalogs is None:
        return plans.ModelPlans(None, ())
    return plans.model_plans(card, catalogs)


# -- render ---------------------------------------------------------------------

@dataclass(frozen=True)
class CardPage:
    """What one card contributes to the site, from the card alone (no site-wide data)."""

    id: str
    name: str
    row: dict[str, Any]          # models-index row (pages.index_row)
    head: str                    # the searchable head of the model page (HTML)
    exports: bytes               # zlib of its api/models/<id>.json record (JSON, no newline) + "\0" + its
                                 # api/plans/<id>.json record (JSON, no newline; empty: no plans) + "\0" +
                                 # its api/models.json entry (JSON) + "\0" + its api/vram.csv rows: kept
                                 # compressed, they are most of a card's memory
    index_html: Markup           # its row in the models index, its organization page, the compare pickers
    org_html: Markup
    option_html: Markup
    plan_problems: tuple[str, ...] = ()   # plans that could not be made (for the build log)
    plans_not_implemented: bool = False   # generator.calc.engines.plan is still a stub
    fit: Mapping[str, Any] = field(default_factory=dict)   # setup id -> engine -> fit.summary (api/fit)


@dataclass(frozen=True)
class RestContext:
    """The site-wide facts a model page's rest shows besides the card itself."""

    ranks: Mapping[str, int] | None
    coding_category: str | None
    last_change: str | None
    edit_url: str | None
    standing: Mapping[str, Any]


def base_of(url: str) -> str:
    """Relative URL from a page to the site root."""
    depth = url.count("/")
    return "../" * depth if depth else "./"


def render_card(card: Mapping[str, Any], derived: Mapping[str, Any] | None,
                model_plans: plans.ModelPlans | None = None,
                history: Mapping[str, Any] | None = None) -> CardPage:
    """Index row, page head (with the "Will it run?" panel) and export text of one card
    (``history``: its changes from git, for its API record)."""
    model_plans = model_plans or plans.ModelPlans(None, ())
    row = pages.index_row(card, derived)
    head = render.render("model.html", m=pages.model_summary(card, derived),
                         run=plans.panel(model_plans.record),
                         base=base_of(pages.model_url(card["id"])), rest_marker=REST_MARKER)
    record = exports.dumps(exports.model_record(card, derived, history))
    plan_text = exports.dumps(model_plans.record) if model_plans.record is not None else ""
    entry = exports.dumps(exports.index_entry(card, derived, has_plans=bool(plan_text)))
    texts = zlib.compress("\0".join((record, plan_text, entry, exports.vram_csv_rows(card["id"], derived))).encode(), 1)
    return CardPage(card["id"], card["name"], row, head, texts,
                    render.macro("rows.html", "index_row")(row, base_of(INDEX_URL)),
                    render.macro("rows.html", "org_row")(row, base_of(pages.org_url(row["org_slug"]))),
                    render.macro("rows.html", "compare_option")(row),
                    model_plans.problems, model_plans.not_implemented, fit.card_fit(model_plans.record))


def render_rest(card: Mapping[str, Any], derived: Mapping[str, Any] | None, ctx: RestContext,
                history: Mapping[str, Any] | None = None, catalogs: Catalogs | None = None) -> bytes:
    """The large rest of a model page (tables, chart, calculators, history), zlib-compressed."""
    details = pages.model_details(card, derived, ranks=ctx.ranks, coding_category=ctx.coding_category,
                                  last_change=ctx.last_change, edit_url=ctx.edit_url, standing=ctx.standing)
    html = render.render("model_rest.html", m=details, base=base_of(pages.model_url(card["id"])),
                         history=page_view(history), engine_calc=calc_inputs.page_data(card, catalogs, derived))
    return zlib.compress(html.encode(), 1)


def card_outputs(card: Mapping[str, Any], content: str, ctx: RestContext, catalogs_key: str,
                 catalogs: Catalogs | None, memo: Memo,
                 history: Mapping[str, Any] | None = None) -> tuple[CardPage, bytes]:
    """One card's page parts and exports (``content``: the digest of its data; ``history``: its
    changes from git): from the memo when the card (and ``ctx``, ``history``) are unchanged, else
    derived (once) and rendered."""
    if history is not None:
        content += ":" + hashlib.sha256(repr(history).encode()).hexdigest()[:16]
    card_key = (catalogs_key, content)
    rest_key = (catalogs_key, content, repr(ctx))
    memo.used_cards.add(card_key)
    memo.used_rests.add(rest_key)
    page, rest = memo.cards.get(card_key), memo.rests.get(rest_key)
    if page is not None and rest is not None:
        return page, rest
    derived = derive(card, catalogs)
    memo.counts["derived"] += 1
    if page is None:
        model_plans = derive_plans(card, catalogs)
        memo.counts["planned"] += 1
        page = memo.cards[card_key] = render_card(card, derived, model_plans, history)
        memo.counts["rendered"] += 1
    if rest is None:
        rest = memo.rests[rest_key] = render_rest(card, derived, ctx, history, catalogs)
        memo.counts["rendered_rest"] += 1
    return page, rest


@dataclass(frozen=True)
class Generated:
    """One generated page: its kind (which template), its title (plain text) and its data."""

    kind: str
    title: str
    data: dict[str, Any]


def natural_key(name: str) -> tuple[tuple[int, float, str], ...]:
    """Sort key that reads numbers as numbers: "Llama 2 7B" < "Llama 2 13B" < "Llama 2 70B"
    (string order would put 13B and 70B before 7B)."""
    parts = re.findall(r"\d+(?:\.\d+)?|\D+", name.lower())
    return tuple((0, float(p), "") if p[0].isdigit() else (1, 0.0, p) for p in parts)


def site_pages(cards: list[CardPage], ranking: leaderboard.Ranking, benchmarks: list[dict[str, Any]]
               ) -> dict[str, Generated]:
    """The site-wide generated pages (organizations, index, compare, leaderboard) from per-card data."""
    rows = [c.row for c in cards]
    by_org: dict[str, list[CardPage]] = {}
    for c in cards:
        by_org.setdefault(c.row["org_slug"], []).append(c)
    out: dict[str, Generated] = {}
    for org, org_cards in sorted(by_org.items()):
        name = org_cards[0].row["organization"]     # the organization as its first card writes it
        org_cards = sorted(org_cards, key=lambda c: natural_key(c.row["name"]))
        out[f"models/{org}/index.md"] = Generated("org", name, {
            "organization": name, "count": len(org_cards), "row_html": [c.org_html for c in org_cards]})
    out["models/index.md"] = Generated("index", "Models", {"rows": rows, "row_html": [c.index_html for c in cards]})
    options = sorted(cards, key=lambda c: (c.row["name"].lower(), c.id))
    out["compare.md"] = Generated("compare", "Compare", {"options_html": Markup("").join(c.option_html for c in options),
                                                         "options": [c.row for c in options]})
    out["leaderboard.md"] = Generated("leaderboard", "Local LLM leaderboard",
                                      {"ranking": ranking, "benchmarks": benchmarks,
                                       "rows": leaderboard.size_rows(ranking, {c.id: c.row for c in cards})})
    return out


# -- export ---------------------------------------------------------------------

def _texts(card: CardPage) -> tuple[bytes, bytes, bytes, bytes]:
    """The card's api/models.json entry, its api/vram.csv lines, its api/models/<id>.json record
    (no newline) and its api/plans/<id>.json record (no newline; empty when it has no plans), UTF-8.
    The first two are its parts of the combined files, in the order of ``COMBINED``."""
    record, plan_text, entry, csv_rows = zlib.decompress(card.exports).split(b"\0", 3)   # JSON text has no NUL
    return entry, csv_rows, record, plan_text


COMBINED = (exports.MODELS_JSON, exports.VRAM_CSV)


def write_exports(out: Path, cards: list[CardPage], schema_dir: Path | None,
                  only: set[str] | None = None) -> tuple[list[str], dict[str, exports.Layout]]:
    """Write api/ (and a copy of schema/) into ``out``: the site-relative paths written, sorted,
    and where each card's part lies in the combined files (for ``refresh_exports``).

    With ``only``, the per-card files of the other cards are left as they are (a refresh
    of an earlier output); the combined files are always written whole.
    """
    with exports.ExportWriter(out, len(cards)) as writer:
        for c in cards:
            entry, csv_rows, record, plan_text = _texts(c)
            write_file = only is None or c.id in only
            writer.add(c.id, record, entry, csv_rows, c.row, write_file=write_file)
            writer.add_plans(c.id, plan_text, write_file=write_file)
        return writer.finish(schema_dir), writer.layouts


def refresh_exports(out: Path, cards: list[CardPage], edited: set[str],
                    layouts: dict[str, exports.Layout]) -> dict[str, exports.Layout]:
    """Update the exports in ``out`` (written by ``write_exports`` with ``layouts``, the same cards
    in the same order) for the ``edited`` cards: their api/models/<id>.json and api/plans/<id>.json,
    their parts of the combined files (their api/models.json entries and api/vram.csv lines; the
    other cards' parts are copied from the file, not decompressed again), and api/index.json. The new layouts; the same bytes as ``write_exports`` would write."""
    texts = {c.id: _texts(c) for c in cards if c.id in edited}
    new: dict[str, exports.Layout] = {}
    for n, rel in enumerate(COMBINED):
        old = layouts.get(rel)
        layout = exports.splice(out / rel, old, {cid: t[n] for cid, t in texts.items()}) if old else None
        if layout is None:          # not as write_exports left it: write everything again
            return write_exports(out, cards, None, only=edited)[1]
        new[rel] = layout
    for cid, (_, _, record, plan_text) in texts.items():
        exports.write_record(out, cid, record)
        exports.write_plans(out, cid, plan_text)
    exports.write_index(out, [exports.index_record(c.row) for c in cards])
    return new
