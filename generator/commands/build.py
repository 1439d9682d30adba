"""`llmcards build`: validate the registry, then build the whole site.

Side effects live here: the site is built into a temporary folder beside the
target and swapped in only when the build succeeded, so a failed build leaves
the previous output untouched.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from generator import outdir

NAME = "build"
HELP = "Validate every card and build the static site (default output: public/)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registry", default=None, help="card folder (default: registry/ beside mkdocs.yml)")
    parser.add_argument("--out", default="public", help="output folder (default: public/)")
    parser.add_argument("--config", default=None, help="mkdocs config (default: ./mkdocs.yml)")
    parser.add_argument("--quiet", action="store_true", help="print errors only")


def _config_file(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    # Only the working directory: an editable install must not build its own checkout from elsewhere.
    candidate = Path("mkdocs.yml")
    return candidate if candidate.is_file() else None


def _source_date_epoch(root: Path) -> str:
    """A fixed build timestamp (sitemap dates, gzip headers): the last commit's time, else 0."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        proc = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, timeout=30, check=False)
        if proc.returncode == 0 and proc.stdout.strip().isdigit():
            return proc.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "0"


def _docs_dir(config_file: Path) -> Path:
    """mkdocs' docs_dir for ``config_file``, read with mkdocs' own YAML loader (default ``docs``)."""
    from mkdocs.utils.yaml import yaml_load

    try:
        with config_file.open(encoding="utf-8") as fh:
            data = yaml_load(fh)
    except Exception:  # any problem with the config is reported when mkdocs loads it below
        data = None
    docs = data.get("docs_dir", "docs") if isinstance(data, dict) else "docs"
    return config_file.resolve().parent / str(docs)


def _kept_folders(config_file: Path, registry: Path) -> list[outdir.Kept]:
    """The project's folders that no --out may replace (generator/outdir.py has the rules)."""
    from generator.schema_files import schema_dir

    root = config_file.resolve().parent
    return [
        outdir.Kept("the repository root (the folder with mkdocs.yml)", root, inside=False),
        outdir.Kept("the registry folder", registry),
        outdir.Kept("the docs folder (mkdocs docs_dir)", _docs_dir(config_file)),
        outdir.Kept("the schema folder", root / "schema"),
        outdir.Kept("the schema folder", schema_dir()),
    ]


def _plugins_with(config_file: Path, options: dict[str, Any]) -> list[Any] | None:
    """The config's ``plugins`` list with ``options`` added to llmcards' own (None: plugin not enabled).

    The build hands its settings to the plugin as plugin options, the way mkdocs.yml does.
    """
    from mkdocs.utils.yaml import yaml_load

    with open(config_file, "rb") as fh:
        raw = yaml_load(fh) or {}
    entries = raw.get("plugins") or []
    if isinstance(entries, dict):
        entries = [{name: opts} for name, opts in entries.items()]
    out: list[Any] = []
    found = False
    for entry in entries:
        if entry == "llmcards":
            entry = {"llmcards": {}}
        if isinstance(entry, dict) and "llmcards" in entry:
            entry = {"llmcards": {**(entry["llmcards"] or {}), **options}}
            found = True
        out.append(entry)
    return out if found else None


@contextlib.contextmanager
def _source_date(value: str) -> Iterator[None]:
    """SOURCE_DATE_EPOCH for the duration of one build (mkdocs reads the build date only from it)."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def build_site(config_file: Path, registry: Path, out: Path, quiet: bool = False) -> int:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from generator.site.plugin import InvalidCards

    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    # The output folder is checked first: a refused --out is a usage error (exit 2), and nothing is built.
    kept = _kept_folders(config_file, registry)
    problem = outdir.refusal(out, kept)
    if problem:
        print(f"llmcards build: --out {out}: {problem}", file=sys.stderr)
        return 2
    root = config_file.resolve().parent
    plugins = _plugins_with(config_file, {"registry": str(registry.resolve()), "progress": not quiet})
    if plugins is None:
        print(f"llmcards build: {config_file} does not enable the llmcards plugin", file=sys.stderr)
        return 1
    build_date = _source_date_epoch(root)
    given, out = out, out.resolve()
    try:
        tmp = outdir.new_build_folder(out)
    except OSError as exc:
        print(f"llmcards build: --out {given}: cannot create the output folder ({exc.strerror or exc})", file=sys.stderr)
        return 2

    log = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.ERROR if quiet else logging.WARNING)
    try:
        cfg = load_config(str(config_file), site_dir=str(tmp), plugins=plugins)
        # as `mkdocs build` does: plugins that live for the whole process learn the command
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            with _source_date(build_date):
                mkdocs_build(cfg)
        finally:
            cfg.plugins.on_shutdown()
        outdir.write_marker(tmp)
        problem = outdir.refusal(out, kept)  # again: the folder may have changed during the build
        if problem:
            print(f"llmcards build: --out {given}: {problem}", file=sys.stderr)
            return 2
        outdir.swap_in(tmp, out)
    except InvalidCards as exc:
        for msg in exc.errors:
            print(msg, file=sys.stderr)
        print(f"llmcards build: invalid cards or catalogs; {given}/ left unchanged", file=sys.stderr)
        return 1
    except (MkDocsException, OSError) as exc:
        print(f"llmcards build: {exc}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(handler)
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"Built {out} in {time.perf_counter() - t0:.1f} s")
    return 0


def run(args: argparse.Namespace) -> int:
    config_file = _config_file(args.config)
    if args.config and (config_file is None or not config_file.is_file()):
        print(f"llmcards build: --config {args.config}: no such file", file=sys.stderr)
        return 2
    if config_file is None:
        print("llmcards build: no mkdocs.yml found (run from the repository root or pass --config)",
              file=sys.stderr)
        return 2
    registry = Path(args.registry) if args.registry else config_file.resolve().parent / "registry"
    if not registry.is_dir():
        print(f"llmcards build: registry folder not found: {registry}", file=sys.stderr)
        return 2
    return build_site(config_file, registry, Path(args.out), quiet=args.quiet)
