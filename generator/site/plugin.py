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

import functools
import logging
import re
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

from generator.schema_files import card_schema
from generator.site import answer, exports, fit, leaderboard, overview, pages, reference, render, stages, whatrun
from generator.site.gitdates import last_changes
from generator.site.history import card_histories
from generator.site.stages import REST_MARKER, Generated, base_of

CONTRIBUTING_MARKER = "<!-- llmcards:contributing -->"
# material's search plugin removes these attributes from every page it indexes
SEARCH_ATTRIBUTES = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")

log = logging.getLogger("mkdocs.plugins.llmcards")


class InvalidCards(MkDocsException):
    """The registry has errors; ``errors`` holds the located messages. Stops ``mkdocs build``."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid cards:\n" + "\n".join(errors))
        self.errors = errors


@dataclass
class SiteState:
    """What one pass over the registry generated (gather, derive, render)."""

    pages: dict[str, Generated]           # src path -> generated page
    card_pages: list[stages.CardPage]     # per card, in id order
    overview: dict[str, Any]              # the home page's registry overview
    errors: list[str]                     # located problems (shown in the pages while serving)
    error_ids: set[str]                   # cards whose file is invalid now (their last valid version is shown)


class LLMCardsConfig(Config):  # type: ignore[no-untyped-call]
    registry = c.Type(str, default="registry")
    schema_dir = c.Type(str, default="schema")
    branch = c.Type(str, default="main")
    contributing = c.Type(str, default="CONTRIBUTING.md")
    progress = c.Type(bool, default=False)   # print progress lines to stderr (`llmcards build` sets it)


class LLMCardsPlugin(BasePlugin[LLMCardsConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        super().__init__()
        self.memo = stages.Memo()
        self._serving = False
        self._state: SiteState | None = None         # the generated pages of the last build
        self._root = Path(".")
        self._tmp: Path | None = None
        # kept from the last full build while serving, for refresh():
        self._built: tuple[Any, Files] | None = None  # its config and files
        self._nav: Any = None
        self._env: Any = None
        self._inputs: tuple[tuple[str, int, int], ...] | None = None   # its non-card inputs
        self._layouts: dict[str, exports.Layout] = {}          # where each card's part lies in its combined exports
        self._hardware: list[dict[str, Any]] = []   # the header's "My hardware" setups (answer.hardware_setups)

    # -- configuration -------------------------------------------------
    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else (self._root / p)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # mkdocs keeps this instance for the whole process; each command starts with an empty memo
        self._serving = command == "serve"
        self.memo = stages.Memo()

    def on_config(self, config: Any) -> Any:
        self._root = Path(config.config_file_path or ".").resolve().parent
        return config

    def _edit_base(self, config: Any) -> str | None:
        """The repository URL of the registry folder (cards are ``<base>/<id>.yaml``), or None."""
        repo = (config.repo_url or "").rstrip("/")
        if not repo:
            return None
        registry = self._path(self.config.registry).resolve()
        try:
            rel = registry.relative_to(self._root).as_posix()
        except ValueError:
            rel = "registry"
        return f"{repo}/blob/{self.config.branch}/{rel}"

    def _say(self, text: str) -> None:
        if self.config.progress:
            print(text, file=sys.stderr, flush=True)

    # -- the build -------------------------------------------------------
    def _generate(self, config: Any) -> SiteState:
        """gather, derive and render: every generated page's data, from the memo where the cards are unchanged."""
        t0 = time.perf_counter()
        memo = self.memo
        schema_dir = self._path(self.config.schema_dir)
        reg = stages.gather(self._path(self.config.registry), schema_dir, memo)
        self._hardware = answer.hardware_setups(reg.catalogs)
        errors = reg.errors
        if errors and not self._serving:
            raise InvalidCards(errors)
        # While serving, an invalid card keeps its last valid version on the site and the
        # errors are shown in the pages (a failed build would make the server hang).
        shown = stages.published_cards(reg, memo) if self._serving else reg.valid_cards()
        cards = [f.card for f in shown if f.card is not None]
        error_ids = {str(memo.last_good[f.display].card["id"])  # type: ignore[index]
                     for f in reg.files if f.errors and f.display in memo.last_good}
        self._say(f"Validated {len(reg.files)} cards in {time.perf_counter() - t0:.1f} s")
        assert memo.catalogs is not None
        catalogs_key = memo.catalogs[0]

        generated: dict[str, Generated] = {}
        edit_base = self._edit_base(config)

        def edit_url(card_id: str) -> str | None:
            return f"{edit_base}/{card_id}.yaml" if edit_base else None

        ranking = leaderboard.rank_models(cards, reg.benchmarks)
        coding = next((cat for cat in ranking.categories if "cod" in cat.lower()), None)
        dates = last_changes(reg.root)
        repo = (config.repo_url or "").rstrip("/")
        histories = card_histories(reg.root, f"{repo}/commit" if repo else None)
        card_pages = []
        for n, f in enumerate(shown, start=1):
            card = f.card
            assert card is not None
            cid = card["id"]
            ctx = stages.RestContext(ranks=ranking.ranks.get(cid), coding_category=coding,
                                     last_change=dates.get(f"{cid}.yaml"), edit_url=edit_url(cid),
                                     standing=leaderboard.standing(card, ranking, reg.benchmarks))
            cp, rest = stages.card_outputs(card, f.key, ctx, catalogs_key, reg.catalogs, memo,
                                           histories.record(cid))
            card_pages.append(cp)
            generated[f"models/{cid}.md"] = Generated("model", card["name"],
                                                      {"head": cp.head, "rest": rest, "edit_url": ctx.edit_url})
            if n % 250 == 0:
                self._say(f"  {n}/{len(cards)} cards rendered ({time.perf_counter() - t0:.1f} s)")
        memo.prune()
        self._log_plans(card_pages)
        generated.update(stages.site_pages(card_pages, ranking, reg.benchmarks))
        overall = {cid: r["overall"] for cid, r in ranking.ranks.items() if "overall" in r}
        generated[whatrun.SRC] = Generated("whatrun", whatrun.TITLE, whatrun.page_data(
            [(cp.row, cp.fit) for cp in card_pages], overall, ranking.ranked.get("overall"), reg.catalogs, cards))
        ex = reference.EXAMPLE_ID
        generated["card-format.md"] = Generated("card_format", "Card format", reference.page_context(
            card_schema(), reg.benchmarks, reg.catalogs,
            example=reference.example(ex, edit_url(ex), ex in {c["id"] for c in cards})))
        return SiteState(generated, card_pages, overview.overview([cp.row for cp in card_pages]),
                         errors, error_ids)

    @staticmethod
    def _log_plans(card_pages: list[stages.CardPage]) -> None:
        """One line when the engines' plan() is still a stub; one line per card whose plans failed."""
        skipped = sum(cp.plans_not_implemented for cp in card_pages)
        if skipped:
            log.warning(f"llmcards: engine plans skipped for {skipped} cards: "
                        "generator.calc.engines.plan is not implemented yet")
        for cp in card_pages:
            if cp.plan_problems:
                log.warning(f"llmcards: {cp.id}: plans unavailable: " + "; ".join(cp.plan_problems))

    def on_files(self, files: Files, config: Any) -> Files:
        self.memo.start()
        state = self._generate(config)
        for msg in state.errors:
            log.error(msg)
        self._state = state
        for src in state.pages:
            existing = files.get_file_from_path(src)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, src, content=""))
        # Exports are files of the site too: mkdocs copies them, `serve` serves
        # them, and links to them from hand-written pages validate.
        self._cleanup()
        self._tmp = Path(tempfile.mkdtemp(prefix="llmcards-exports-"))
        written, self._layouts = stages.write_exports(self._tmp, state.card_pages, self._path(self.config.schema_dir))
        written += self._write_fit(self._tmp, state)
        for rel in written:
            existing = files.get_file_from_path(rel)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, rel, abs_src_path=str(self._tmp / rel)))
        self._built = (config, files)
        return files

    @staticmethod
    def _write_fit(out: Path, state: SiteState) -> list[str]:
        """api/fit/<setup>.json from the "What can I run?" page's data."""
        page = state.pages.get(whatrun.SRC)
        if page is None:
            return []
        d = page.data
        written = exports.write_fit(out, d["fit_models"], d["ranks"], d["ranked"], d["setups"], fit.CONTEXT,
                                    d["default"], d["engine"])
        if d.get("catalogs") is not None:   # the engine inputs for custom hardware (api/calc/)
            written += exports.write_calc(out, d["cards"], d["catalogs"])
        return written

    def on_nav(self, nav: Any, config: Any, files: Files) -> Any:
        self._nav = nav
        return nav

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        self._env = env
        # every page's header embeds the setups (site/overrides/partials/hardware.html)
        env.globals["llmc_hardware_json"] = pages.json_for_script(self._hardware)
        return env

    def on_post_build(self, config: Any) -> None:
        self._cleanup()
        if self._serving:
            self._inputs = self._input_signature(config)

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def on_build_error(self, error: Exception) -> None:
        self._cleanup()
        self._inputs = None

    def on_shutdown(self) -> None:
        self._cleanup()
        self._serving = False
        self._inputs = None
        self._built = None

    # -- mkdocs serve: rebuild only what a card edit touched ------------------
    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        server.watch(str(self._path(self.config.registry)))
        server.watch(str(self._path(self.config.schema_dir)))
        server.builder = functools.partial(self._serve_build, builder)
        return server

    def _input_signature(self, config: Any) -> tuple[tuple[str, int, int], ...]:
        """(path, mtime, size) of every input other than the cards: pages, theme overrides, config, catalogs."""
        registry = self._path(self.config.registry).resolve()
        roots = [Path(config.docs_dir), self._path(self.config.schema_dir), self._path(self.config.contributing)]
        roots += [Path(p) for p in config.watch]
        if config.config_file_path:
            roots.append(Path(config.config_file_path))
        out = []
        for root in roots:
            paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
            for path in paths:
                if path.is_file() and registry not in path.resolve().parents:
                    st = path.stat()
                    out.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def _serve_build(self, full_build: Any, config: Any = None) -> None:
        """The dev server's builder: when only cards changed, re-render just the pages they touch."""
        if config is None and self._built is not None and self._inputs is not None:
            built_config = self._built[0]
            if self._input_signature(built_config) == self._inputs:
                try:
                    if self.refresh():
                        return
                except Exception as exc:  # noqa: BLE001 - a full build reports it properly
                    log.warning(f"llmcards: partial rebuild failed ({exc}); rebuilding the whole site")
        full_build(config)

    def refresh(self) -> bool:
        """Re-read the cards and rebuild, in the last build's output, only the pages and exports
        that changed. False (nothing written) when a full build is needed: cards added or removed."""
        from mkdocs.commands.build import _populate_page, get_context
        from mkdocs.utils import write_file

        assert self._built is not None and self._state is not None
        config, files = self._built
        old = self._state
        self.memo.start()
        state = self._generate(config)
        if set(state.pages) != set(old.pages):
            return False
        for msg in state.errors:
            log.error(msg)
        changed = {src for src, page in state.pages.items() if page != old.pages[src]}
        if state.overview != old.overview:
            changed.add("index.md")
        if state.errors != old.errors:   # the error banner: home page, models index, the invalid cards
            changed |= {"index.md", "models/index.md"}
            changed |= {f"models/{cid}.md" for cid in state.error_ids | old.error_ids}
        self._state = state
        old_exports = {c.id: c.exports for c in old.card_pages}
        edited = {c.id for c in state.card_pages if old_exports.get(c.id) != c.exports}
        if edited:
            self._layouts = stages.refresh_exports(Path(config.site_dir), state.card_pages, edited, self._layouts)
            self._write_fit(Path(config.site_dir), state)
        doc_files = files.documentation_pages()
        for src in sorted(changed):
            file = files.get_file_from_path(src)
            if file is None or file.page is None:
                continue
            page = file.page
            # What mkdocs' _build_page does for one page, without the search plugin's indexing:
            # the search index is written only by a full build (its on_post_build), so under
            # serve it stays the one of the last full build.
            _populate_page(page, config, files)
            page.content = SEARCH_ATTRIBUTES.sub("", page.content or "")   # as the search plugin does
            page.active = True
            try:
                template = self._env.get_template(page.meta.get("template", "main.html"))
                output = template.render(get_context(self._nav, doc_files, config, page))
            finally:
                page.active = False
            output = self.on_post_page(output, page, config)
            write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)
        self.memo.counts["pages"] += len(changed)
        log.info(f"llmcards: rebuilt {len(changed)} pages and {len(edited)} cards' exports")
        return True

    # -- pages -----------------------------------------------------------
    def _entry(self, page: Any) -> Generated | None:
        return self._state.pages.get(page.file.src_uri) if self._state is not None else None

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        entry = self._entry(page)
        if entry is None:
            if CONTRIBUTING_MARKER in markdown:
                path = self._path(self.config.contributing)
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                markdown = markdown.replace(CONTRIBUTING_MARKER, text)
            return markdown
        # The theme prints meta["title"] as HTML: escape card text here, exactly once.
        page.meta["title"] = str(escape(entry.title))
        # Wide tables: a wider grid (site/overrides/main.html reads llmc_wide). Model pages get
        # a table of contents from their headings (_content); the others have none to show.
        if entry.kind != "model":
            page.meta["hide"] = ["toc"]
        page.meta["llmc_wide"] = True
        page.edit_url = entry.data["edit_url"] if entry.kind == "model" else None
        return ""  # body comes from our templates in on_page_content

    def _banner(self, page: Any) -> str:
        """The registry's errors, on the home page, the models index and the invalid cards' pages (serve only)."""
        state = self._state
        if state is None or not state.errors:
            return ""
        src = page.file.src_uri
        card_id = src[len("models/"):-len(".md")] if src.startswith("models/") else None
        if src not in ("index.md", "models/index.md") and card_id not in state.error_ids:
            return ""
        return render.render("errors_banner.html", errors=state.errors)

    def on_page_content(self, html: str, page: Any, config: Any, files: Any) -> str:
        return self._banner(page) + self._content(html, page)

    def _content(self, html: str, page: Any) -> str:
        entry = self._entry(page)
        if entry is None:
            # Hand-written pages (the home page) may ask for the registry overview;
            # the marker is an HTML comment, which Markdown passes through as is.
            if overview.OVERVIEW_MARKER in html and self._state is not None:
                block = render.render("home_overview.html", o=self._state.overview, base=base_of(page.url))
                html = html.replace(overview.OVERVIEW_MARKER, block, 1)
            return html
        data = entry.data
        base = base_of(page.url)
        if entry.kind == "model":
            head = str(data["head"])
            page.toc = get_toc(render.toc_tokens(head + zlib.decompress(data["rest"]).decode()))  # type: ignore[arg-type]
            return head
        if entry.kind == "org":
            return render.render("org.html", base=base, **data)
        if entry.kind == "index":
            return render.render("models_index.html", base=base, title="Models", rows=data["rows"],
                                 row_html=data["row_html"], filters=index_filters(data["rows"]),
                                 params_basis=pages.PARAMS_BASIS)
        if entry.kind == "compare":
            return render.render("compare.html", base=base, options_html=data["options_html"], options=data["options"],
                                 params_basis=pages.PARAMS_BASIS, smallest_json=pages.compare_smallest(data["options"]))
        if entry.kind == "leaderboard":
            r = data["ranking"]
            return render.render("leaderboard.html", base=base, **leaderboard.page_data(r, data.get("rows")))
        if entry.kind == "whatrun":
            return render.render("whatrun.html", base=base, **data)
        if entry.kind == "card_format":
            return render.render("card_format.html", base=base, **data)
        return html

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        entry = self._entry(page)
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
