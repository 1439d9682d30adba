"""`llmcards build`: validate the registry, then build the whole site.

Side effects live here: the site is built into a temporary folder beside the
target and swapped in only when the build succeeded, so a failed build leaves
the previous output untouched.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

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
    for candidate in (Path("mkdocs.yml"), Path(__file__).resolve().parents[2] / "mkdocs.yml"):
        if candidate.is_file():
            return candidate
    return None


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


def build_site(config_file: Path, registry: Path, out: Path, quiet: bool = False) -> int:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from generator.calc.catalogs import CatalogError
    from generator.site.sources import Registry, load_all

    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    # The output folder is checked first: a refused --out is a usage error (exit 2), and nothing is built.
    kept = _kept_folders(config_file, registry)
    problem = outdir.refusal(out, kept)
    if problem:
        print(f"llmcards build: --out {out}: {problem}", file=sys.stderr)
        return 2
    root = config_file.resolve().parent
    try:
        reg = load_all(registry, root / "schema")
    except CatalogError as exc:  # catalogs beside this mkdocs.yml; validation checks the package's schema folder
        reg = Registry(root=registry, cards=[], paths={}, errors=[e.format() for e in exc.errors])
    if reg.errors:
        for msg in reg.errors:
            print(msg, file=sys.stderr)
        print(f"llmcards build: invalid cards or catalogs; {out}/ left unchanged", file=sys.stderr)
        return 1
    say(f"Validated {len(reg.cards)} cards in {time.perf_counter() - t0:.1f} s")

    saved_epoch = os.environ.get("SOURCE_DATE_EPOCH")  # put back afterwards: a build must not change its caller's env
    os.environ["SOURCE_DATE_EPOCH"] = _source_date_epoch(root)
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
        cfg = load_config(str(config_file), site_dir=str(tmp))
        plugin = cfg.plugins.get("llmcards")
        if plugin is None:
            print(f"llmcards build: {config_file} does not enable the llmcards plugin", file=sys.stderr)
            return 1
        plugin.preloaded = reg
        plugin.progress = not quiet
        plugin.config.registry = str(registry.resolve())
        say(f"Building {len(reg.cards)} model pages ...")
        mkdocs_build(cfg)
        outdir.write_marker(tmp)
        problem = outdir.refusal(out, kept)  # again: the folder may have changed during the build
        if problem:
            print(f"llmcards build: --out {given}: {problem}", file=sys.stderr)
            return 2
        outdir.swap_in(tmp, out)
    except (MkDocsException, OSError) as exc:
        print(f"llmcards build: {exc}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(handler)
        shutil.rmtree(tmp, ignore_errors=True)
        if saved_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved_epoch
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
