"""mkdocs plugin: registry cards -> pages and exports, in memory.

Generated pages are mkdocs ``File`` objects with in-memory content; nothing is
written into ``site/``. Model and organization pages stay out of the navigation
(see ``not_in_nav`` in mkdocs.yml) so the theme's per-page navigation stays
small and the build stays linear in the number of cards. Their HTML comes from
our own Jinja templates (generator/templates, autoescaped) in
``on_page_content``; the Markdown step gets an empty string, so no card text is
ever parsed by the site's Markdown extensions.

The work itself is done by the stage functions in stages.py; the events here
call them in order (gather in ``on_files``, then derive, render and export).
mkdocs keeps one instance of this plugin for the whole process (it has
``on_startup``), so under ``mkdocs serve`` the per-card results of earlier
builds are reused and an edit redoes only the cards it touched.

The theme (mkdocs-material) has no autoescape and prints a page's
``meta["title"]`` as HTML, in ``<title>`` and the page header: titles made from
card text are therefore escaped here, once.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from generator.schema_files import card_schema
from generator.site import leaderboard, overview, reference, render, stages
from generator.site.gitdates import last_changes
from generator.site.stages import REST_MARKER, Generated, base_of

CONTRIBUTING_MARKER = "<!-- llmcards:contributing -->"

log = logging.getLogger("mkdocs.plugins.llmcards")


class InvalidCards(MkDocsException):
    """The registry has errors; ``errors`` holds the located messages. Stops ``mkdocs build``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid cards:\n" + "\n".join(errors))
        self.errors = errors


class LLMCardsConfig(Config):
    registry = c.Type(str, default="registry")
    schema_dir = c.Type(str, default="schema")
    branch = c.Type(str, default="main")
    contributing = c.Type(str, default="CONTRIBUTING.md")
    progress = c.Type(bool, default=False)   # print progress lines to stderr (`llmcards build` sets it)


class LLMCardsPlugin(BasePlugin[LLMCardsConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.memo = stages.Memo()
        self._serving = False
        self._pages: dict[str, Generated] = {}
        self._errors: list[str] = []                 # shown in the page while serving
        self._error_ids: set[str] = set()           # cards whose current file is invalid
        self._root = Path(".")
        self._tmp: Path | None = None
        self._overview: dict[str, Any] | None = None

    # -- configuration -------------------------------------------------
    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else (self._root / p)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serving = command == "serve"

    def on_config(self, config: Any) -> Any:
        self._root = Path(config.config_file_path or ".").resolve().parent
        return config

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        server.watch(str(self._path(self.config.registry)))
        server.watch(str(self._path(self.config.schema_dir)))
        return server

    def _edit_url(self, config: Any, card_id: str) -> str | None:
        repo = (config.repo_url or "").rstrip("/")
        if not repo:
            return None
        registry = self._path(self.config.registry).resolve()
        try:
            rel = registry.relative_to(self._root).as_posix()
        except ValueError:
            rel = "registry"
        return f"{repo}/blob/{self.config.branch}/{rel}/{card_id}.yaml"

    def _say(self, text: str) -> None:
        if self.config.progress:
            print(text, file=sys.stderr, flush=True)

    # -- the build -------------------------------------------------------
    def on_files(self, files: Files, config: Any) -> Files:
        t0 = time.perf_counter()
        memo = self.memo
        memo.counts.clear()
        schema_dir = self._path(self.config.schema_dir)
        reg = stages.gather(self._path(self.config.registry), schema_dir, memo)
        errors = reg.errors
        if errors and not self._serving:
            raise InvalidCards(errors)
        # While serving, an invalid card keeps its last valid version on the site and the
        # errors are shown in the pages (a failed build would make the server hang).
        cards = stages.published_cards(reg, memo) if self._serving else reg.valid_cards()
        self._errors = errors
        self._error_ids = {memo.last_good[f.display]["id"] for f in reg.files
                           if f.errors and f.display in memo.last_good}
        for msg in errors:
            log.error(msg)
        self._say(f"Validated {len(reg.files)} cards in {time.perf_counter() - t0:.1f} s")
        assert memo.catalogs is not None
        catalogs_key = memo.catalogs[0]

        self._pages = {}

        def add(src: str, page: Generated) -> None:
            existing = files.get_file_from_path(src)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, src, content=""))
            self._pages[src] = page

        ranking = leaderboard.rank_models(cards, reg.benchmarks)
        coding = next((cat for cat in ranking.categories if "cod" in cat.lower()), None)
        dates = last_changes(reg.root)
        card_pages = []
        used_cards: set[tuple[str, str]] = set()
        used_rests: set[tuple[str, str, str]] = set()
        for n, card in enumerate(cards, start=1):
            cid = card["id"]
            cp = stages.render_card(card, catalogs_key, reg.catalogs, memo)
            card_pages.append(cp)
            ctx = stages.RestContext(ranks=ranking.ranks.get(cid), coding_category=coding,
                                     last_change=dates.get(f"{cid}.yaml"), edit_url=self._edit_url(config, cid),
                                     standing=leaderboard.standing(card, ranking, reg.benchmarks))
            rest = stages.render_rest(card, ctx, catalogs_key, reg.catalogs, memo)
            used_cards.add(stages.card_memo_key(card, catalogs_key))
            used_rests.add(stages.rest_memo_key(card, ctx, catalogs_key))
            add(f"models/{cid}.md", Generated("model", card["name"],
                                              {"head": cp.head, "rest": rest, "edit_url": ctx.edit_url}))
            if n % 250 == 0:
                self._say(f"  {n}/{len(cards)} cards rendered ({time.perf_counter() - t0:.1f} s)")
        memo.prune(used_cards, used_rests)
        for src, page in stages.site_pages(card_pages, ranking, reg.benchmarks).items():
            add(src, page)
        self._overview = overview.overview([cp.row for cp in card_pages])
        ex = reference.EXAMPLE_ID
        add("card-format.md", Generated("card_format", "Card format", reference.page_context(
            card_schema(), reg.benchmarks, reg.catalogs,
            example=reference.example(ex, self._edit_url(config, ex), ex in {c["id"] for c in cards}))))
        # Exports are files of the site too: mkdocs copies them, `serve` serves
        # them, and links to them from hand-written pages validate.
        self._cleanup()
        self._tmp = Path(tempfile.mkdtemp(prefix="llmcards-exports-"))
        for rel in stages.write_exports(self._tmp, card_pages, schema_dir):
            existing = files.get_file_from_path(rel)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, rel, abs_src_path=str(self._tmp / rel)))
        return files

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def on_post_build(self, config: Any) -> None:
        self._cleanup()

    def on_build_error(self, error: Exception) -> None:
        self._cleanup()

    def on_shutdown(self) -> None:
        self._cleanup()

    # -- pages -----------------------------------------------------------
    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None:
            if CONTRIBUTING_MARKER in markdown:
                path = self._path(self.config.contributing)
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                markdown = markdown.replace(CONTRIBUTING_MARKER, text)
            return markdown
        # The theme prints meta["title"] as HTML: escape card text here, exactly once.
        page.meta["title"] = str(escape(entry.title))
        # Wide tables: no right-hand table of contents (it would be empty) and a
        # wider grid (site/overrides/main.html reads llmc_wide).
        page.meta["hide"] = ["toc"]
        page.meta["llmc_wide"] = True
        page.edit_url = entry.data["edit_url"] if entry.kind == "model" else None
        return ""  # body comes from our templates in on_page_content

    def _banner(self, page: Any) -> str:
        """The registry's errors, on the home page, the models index and the invalid cards' pages (serve only)."""
        if not self._errors:
            return ""
        src = page.file.src_uri
        card_id = src[len("models/"):-len(".md")] if src.startswith("models/") else None
        if src not in ("index.md", "models/index.md") and card_id not in self._error_ids:
            return ""
        return render.render("errors_banner.html", errors=self._errors)

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        return self._banner(page) + self._content(html, page)

    def _content(self, html: str, page: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None:
            # Hand-written pages (the home page) may ask for the registry overview;
            # the marker is an HTML comment, which Markdown passes through as is.
            if overview.OVERVIEW_MARKER in html and self._overview is not None:
                block = render.render("home_overview.html", o=self._overview, base=base_of(page.url))
                html = html.replace(overview.OVERVIEW_MARKER, block, 1)
            return html
        data = entry.data
        base = base_of(page.url)
        if entry.kind == "model":
            return str(data["head"])
        if entry.kind == "org":
            return render.render("org.html", base=base, **data)
        if entry.kind == "index":
            return render.render("models_index.html", base=base, title="Models", rows=data["rows"],
                                 filters=index_filters(data["rows"]))
        if entry.kind == "compare":
            options = sorted(data["rows"], key=lambda r: (r["name"].lower(), r["id"]))
            return render.render("compare.html", base=base, options=options)
        if entry.kind == "leaderboard":
            r = data["ranking"]
            return render.render("leaderboard.html", base=base, overall=r.overall, by_category=r.by_category,
                                 categories=r.categories, method=leaderboard.method_steps(),
                                 benchmark_stats=r.benchmarks)
        if entry.kind == "card_format":
            return render.render("card_format.html", base=base, **data)
        return html

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None or entry.kind != "model":
            return output
        rest = zlib.decompress(entry.data["rest"]).decode()
        return output.replace(REST_MARKER, rest, 1)


PARAM_RANGES = (("lt3", "< 3B", 0, 3e9), ("3-10", "3B–10B", 3e9, 10e9), ("10-40", "10B–40B", 10e9, 40e9),
                ("40-100", "40B–100B", 40e9, 100e9), ("100-500", "100B–500B", 100e9, 500e9),
                ("ge500", "≥ 500B", 500e9, float("inf")))
CONTEXT_STEPS = ((8192, "8K"), (32768, "32K"), (131072, "128K"), (262144, "256K"), (1048576, "1M"))


def index_filters(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "organizations": sorted({r["organization"] for r in rows}, key=str.lower),
        "licenses": sorted({r["license"] for r in rows if r["license"]}, key=str.lower),
        "modalities": sorted({m for r in rows for m in r["modalities"]}),
        # option value "lo:hi" in parameters, read by assets/js/models-index.js
        "param_ranges": [(f"{int(lo)}:{'' if hi == float('inf') else int(hi)}", label)
                         for _, label, lo, hi in PARAM_RANGES],
        "contexts": list(CONTEXT_STEPS),
    }
