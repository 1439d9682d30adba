"""mkdocs plugin: registry cards -> pages and exports, in memory.

Generated pages are mkdocs ``File`` objects with in-memory content; nothing is
written into ``site/``. Model and organization pages stay out of the navigation
(see ``not_in_nav`` in mkdocs.yml) so the theme's per-page navigation stays
small and the build stays linear in the number of cards. Their HTML comes from
our own Jinja templates (generator/templates) in ``on_page_content``; the
Markdown step gets an empty string, so no card text is ever parsed by the
site's Markdown extensions.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from generator.schema_files import card_schema
from generator.site import exports, leaderboard, overview, pages, reference, render
from generator.site.gitdates import last_changes
from generator.site.sources import Registry, derive, load_all

CONTRIBUTING_MARKER = "<!-- llmcards:contributing -->"
# Model pages are rendered in two parts: the head (name, facts, description) is the
# page content that the search plugin indexes; the large rest (tables, chart,
# calculator) replaces this marker in on_post_page, after indexing.
REST_MARKER = "<!--llmcards:rest-->"


class LLMCardsConfig(Config):
    registry = c.Type(str, default="registry")
    schema_dir = c.Type(str, default="schema")
    branch = c.Type(str, default="main")
    contributing = c.Type(str, default="CONTRIBUTING.md")


def _base(url: str) -> str:
    """Relative URL from a page to the site root."""
    depth = url.count("/")
    return "../" * depth if depth else "./"


class LLMCardsPlugin(BasePlugin[LLMCardsConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.preloaded: Registry | None = None   # set by `llmcards build` to skip a second load
        self.progress: bool = False
        self._reg: Registry | None = None
        self._pages: dict[str, tuple[str, Any]] = {}
        self._root = Path(".")
        self._t0 = 0.0
        self._tmp: Path | None = None
        self._overview: dict[str, Any] | None = None

    # -- configuration -------------------------------------------------
    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else (self._root / p)

    def on_config(self, config: Any) -> Any:
        self._root = Path(config.config_file_path or ".").resolve().parent
        return config

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        server.watch(str(self._path(self.config.registry)))
        server.watch(str(self._path(self.config.schema_dir)))
        return server

    # -- pages -----------------------------------------------------------
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

    def on_files(self, files: Files, config: Any) -> Files:
        self._t0 = time.perf_counter()
        reg = self.preloaded or load_all(self._path(self.config.registry), self._path(self.config.schema_dir))
        if reg.errors:
            from mkdocs.exceptions import PluginError
            raise PluginError("invalid cards:\n" + "\n".join(reg.errors))
        self._reg = reg
        self._cleanup()
        self._tmp = Path(tempfile.mkdtemp(prefix="llmcards-exports-"))
        writer = exports.ExportWriter(self._tmp, len(reg.cards))
        ranking = leaderboard.rank_models(reg.cards, reg.benchmarks)
        coding = next((cat for cat in ranking.categories if "cod" in cat.lower()), None)
        dates = last_changes(reg.root)
        by_org: dict[str, list[dict[str, Any]]] = {}
        org_names: dict[str, str] = {}
        rows = []
        self._pages = {}

        def add(src: str, title: str, kind: str, data: Any) -> File:
            existing = files.get_file_from_path(src)
            if existing is not None:
                files.remove(existing)
            f = File.generated(config, src, content="")
            files.append(f)
            self._pages[src] = (kind, dict(data, title=title))
            return f

        # One pass over the cards: derive once, write the card's exports, render
        # its page (head kept as text, the large rest kept compressed), drop the
        # derived figures. Memory stays flat in the number of cards.
        for n, card in enumerate(reg.cards, start=1):
            cid = card["id"]
            derived = derive(card, reg.catalogs)
            row = pages.index_row(card, derived)
            rows.append(row)
            by_org.setdefault(row["org_slug"], []).append(row)
            org_names.setdefault(row["org_slug"], row["organization"])
            writer.add(card, derived, row)
            src = f"models/{cid}.md"
            base = _base(pages.model_url(cid))
            head = render.render("model.html", m=pages.model_summary(card, derived), base=base,
                                 rest_marker=REST_MARKER)
            details = pages.model_details(card, derived, ranks=ranking.ranks.get(cid), coding_category=coding,
                                          last_change=dates.get(f"{cid}.yaml"),
                                          edit_url=self._edit_url(config, cid),
                                          standing=leaderboard.standing(card, ranking, reg.benchmarks))
            rest = zlib.compress(render.render("model_rest.html", m=details, base=base).encode(), 1)
            add(src, card["name"], "model", {"head": head, "rest": rest, "edit_url": details["edit_url"]})
            if self.progress and n % 250 == 0:
                print(f"  {n}/{len(reg.cards)} cards rendered ({time.perf_counter() - self._t0:.1f} s)",
                      file=sys.stderr, flush=True)
        for org, org_rows in sorted(by_org.items()):
            add(f"models/{org}/index.md", org_names[org], "org", {"organization": org_names[org], "rows": org_rows})
        add("models/index.md", "Models", "index", {"rows": rows})
        self._overview = overview.overview(rows)
        add("compare.md", "Compare", "compare", {"rows": rows})
        add("leaderboard.md", "Local LLM leaderboard", "leaderboard",
            {"ranking": ranking, "benchmarks": reg.benchmarks})
        ex = reference.EXAMPLE_ID
        add("card-format.md", "Card format", "card_format", reference.page_context(
            card_schema(), reg.benchmarks, reg.catalogs,
            example=reference.example(ex, self._edit_url(config, ex), ex in reg.paths)))
        # Exports are files of the site too: mkdocs copies them, `serve` serves
        # them, and links to them from hand-written pages validate.
        for rel in writer.close(self._path(self.config.schema_dir)):
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

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None:
            if CONTRIBUTING_MARKER in markdown:
                path = self._path(self.config.contributing)
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                markdown = markdown.replace(CONTRIBUTING_MARKER, text)
            return markdown
        kind, data = entry
        page.meta["title"] = data["title"]
        # Wide tables: no right-hand table of contents (it would be empty) and a
        # wider grid (site/overrides/main.html reads llmc_wide).
        page.meta["hide"] = ["toc"]
        page.meta["llmc_wide"] = True
        page.edit_url = data["edit_url"] if kind == "model" else None
        return ""  # body comes from our templates in on_page_content

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None:
            # Hand-written pages (the home page) may ask for the registry overview;
            # the marker is an HTML comment, which Markdown passes through as is.
            if overview.OVERVIEW_MARKER in html and self._overview is not None:
                block = render.render("home_overview.html", o=self._overview, base=_base(page.url))
                html = html.replace(overview.OVERVIEW_MARKER, block, 1)
            return html
        kind, data = entry
        base = _base(page.url)
        if kind == "model":
            return data["head"]
        if kind == "org":
            return render.render("org.html", base=base, **data)
        if kind == "index":
            return render.render("models_index.html", base=base, title="Models", rows=data["rows"],
                                 filters=index_filters(data["rows"]))
        if kind == "compare":
            options = sorted(data["rows"], key=lambda r: (r["name"].lower(), r["id"]))
            return render.render("compare.html", base=base, options=options)
        if kind == "leaderboard":
            r = data["ranking"]
            benches = [dict(b, scale_text=_scale_text(b.get("scale"))) for b in data["benchmarks"]]
            return render.render("leaderboard.html", base=base, overall=r.overall, by_category=r.by_category,
                                 categories=r.categories, method=leaderboard.method_steps(),
                                 benchmarks=benches, benchmark_stats=r.benchmarks)
        if kind == "card_format":
            return render.render("card_format.html", base=base, **data)
        return html

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        entry = self._pages.get(page.file.src_uri)
        if entry is None or entry[0] != "model":
            return output
        rest = zlib.decompress(entry[1]["rest"]).decode()
        return output.replace(REST_MARKER, rest, 1)

def _scale_text(scale: Any) -> str:
    bounds = leaderboard.parse_scale(scale)
    return f"{bounds[0]:g} to {bounds[1]:g}" if bounds else (str(scale) if scale is not None else "—")


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
