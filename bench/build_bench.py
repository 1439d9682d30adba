"""Build benchmark: `llmcards build` on N synthetic cards vs a plain mkdocs build of N pages.

    python bench/build_bench.py [--sizes 100 1000] [--big] [--repeat 3]

Prints, per size: median wall and CPU time (user + system) of the build, CPU time
per card, peak memory (max RSS of the building process), and the CPU-time ratio
against a plain mkdocs + material build of the same number of Markdown pages (same
theme, pages outside the navigation), measured in the same run with the two kinds
of build interleaved (A B A B ...). Each build runs in a fresh subprocess; the
times exclude the interpreter's start-up. On a shared machine quote the CPU ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_CARD = ROOT / "registry" / "meta" / "llama-3.1-8b.yaml"
HEADER = "# yaml-language-server: $schema=https://llmcards.github.io/llmcards/schema/model-card.schema.json\n"

# Runs one build in a child and reports its own wall time and peak RSS.
CHILD = textwrap.dedent("""
    import json, resource, sys, time, runpy
    kind, args = sys.argv[1], sys.argv[2:]
    u0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = u0.ru_utime + u0.ru_stime
    t0 = time.perf_counter()
    if kind == "llmcards":
        from generator.cli import main
        rc = main(args)
    else:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        build(load_config(args[0], site_dir=args[1]))
        rc = 0
    dt = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(json.dumps({"rc": rc, "seconds": dt, "cpu": cpu, "peak_mib": usage.ru_maxrss / 1024}))
""")


def make_registry(base: Path, n: int) -> Path:
    """N cards: the reference card with varied ids, sizes and organizations."""
    card = yaml.safe_load(TEMPLATE_CARD.read_text().split("\n", 1)[1].replace("2024-07-23", "'2024-07-23'")
                          .replace("2023-12", "'2023-12'"))
    reg = base / "registry"
    for i in range(n):
        org = f"org{i % max(1, n // 20):03d}"
        mid = f"model-{i:05d}"
        c = json.loads(json.dumps(card))
        c["id"], c["name"], c["organization"] = f"{org}/{mid}", f"Synthetic {i}", f"Org {org}"
        c["architecture"]["layers"] = 16 + i % 48
        c["parameters"]["total"] = None
        c["context_length"] = 4096 * (1 + i % 32)
        path = reg / org / f"{mid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + yaml.safe_dump(c, sort_keys=False))
    return reg


def make_plain_site(base: Path, n: int) -> Path:
    docs = base / "plain_docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Home\n")
    rows = "\n".join(f"| row {j} | {j * 3} | {j * 7} |" for j in range(20))
    for i in range(n):
        (docs / f"page-{i:05d}.md").write_text(
            f"# Page {i}\n\nSome text about model {i}.\n\n## Table\n\n| a | b | c |\n|---|---|---|\n{rows}\n")
    cfg = base / "plain.yml"
    cfg.write_text(f"site_name: plain\ndocs_dir: {docs}\ntheme:\n  name: material\n  font: false\n"
                   "plugins:\n  - search\nmarkdown_extensions:\n  - tables\nnav:\n  - Home: index.md\n"
                   "not_in_nav: |\n  /page-*\n")
    return cfg


def run_child(kind: str, args: list[str]) -> dict:
    env = dict(os.environ, SOURCE_DATE_EPOCH="0")
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or not last.startswith("{"):
        sys.exit(f"{kind} build failed:\n{proc.stderr[-3000:]}")
    result = json.loads(last)
    if result["rc"] != 0:
        sys.exit(f"{kind} build exited {result['rc']}:\n{proc.stderr[-3000:]}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--big", action="store_true", help="also build 10,000 cards")
    ap.add_argument("--repeat", type=int, default=3, help="builds per size (median reported)")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    sizes = args.sizes + ([10000] if args.big else [])
    print(f"{'cards':>6} {'wall s':>7} {'cpu s':>7} {'cpu ms/card':>11} {'peak MiB':>9} "
          f"{'plain wall':>10} {'plain cpu':>9} {'cpu ratio':>9}")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="llmcards-bench-") as tmp:
            base = Path(tmp)
            reg = make_registry(base, n)
            cfg = make_plain_site(base, n)
            runs, plain = [], []
            for _ in range(args.repeat):
                runs.append(run_child("llmcards", ["build", "--registry", str(reg), "--out", str(base / "out"),
                                                   "--quiet"]))
                if not args.no_baseline:
                    plain.append(run_child("mkdocs", [str(cfg), str(base / "plain_out")]))
            t = statistics.median(r["seconds"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            peak = max(r["peak_mib"] for r in runs)
            plain_t = statistics.median(r["seconds"] for r in plain) if plain else float("nan")
            plain_cpu = statistics.median(r["cpu"] for r in plain) if plain else float("nan")
            print(f"{n:>6} {t:>7.2f} {cpu:>7.2f} {1000 * cpu / n:>11.2f} {peak:>9.0f} "
                  f"{plain_t:>10.2f} {plain_cpu:>9.2f} {cpu / plain_cpu:>9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
