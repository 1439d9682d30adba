"""Benchmark: `llmcards validate` vs `check-jsonschema` on N synthetic cards.

    python bench/validate_bench.py [--cards 1000] [--runs 5]

Writes N valid cards (variations of tests/cards/valid/meta/llama-3.1-8b.yaml:
different ids, layer counts, widths and head counts, with the parameter total
recomputed so every card is valid) into a temporary registry, then times, each
`--runs` times:

* core: ``validate_paths`` in this process, one process (``jobs=1``);
* cli: ``python -m generator validate DIR`` as a subprocess (start-up included),
  as a user runs it (one process per CPU for large registries), and with ``-j 1``;
* check-jsonschema: ``check-jsonschema --schemafile schema/model-card.schema.json FILES``.

The CLI keeps the compiled schema in a cache directory; the benchmark points
it at a fresh temporary one, so the first CLI run is cold (it compiles and
writes the cache) and is printed on its own; the medians are warm runs.
Prints the medians and the ratio check-jsonschema / cli.

    python bench/validate_bench.py --memory [--cards 10000]

measures peak memory instead: ``llmcards validate`` (as the CLI runs it, cards
not kept) in a fresh child process, once with ``-j 1`` and once with ``-j 2``;
the child reports its own peak RSS and its workers' largest
(``resource.getrusage``, Linux: KiB). The target is under 150 MiB at 10,000 cards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.calc.params import count_parameters  # noqa: E402
from generator.load import load_file  # noqa: E402

BASE = ROOT / "tests" / "cards" / "valid" / "meta" / "llama-3.1-8b.yaml"
SCHEMA = ROOT / "schema" / "model-card.schema.json"


def _variant(text: str, data: dict, i: int) -> str:
    layers = 16 + i % 48
    heads = (16, 32, 64)[i % 3]
    kv = (2, 4, 8)[(i // 3) % 3]
    hidden = heads * 128
    arch = data["architecture"]
    card = {**data, "architecture": {**arch, "layers": layers, "hidden_size": hidden,
                                     "attention": {**arch["attention"], "heads": heads, "kv_heads": kv}}}
    total = count_parameters(card).total
    out = text.replace("id: meta/llama-3.1-8b", f"id: org{i % 50}/model-{i}")
    out = out.replace("  layers: 32\n", f"  layers: {layers}\n")
    out = out.replace("  hidden_size: 4096\n", f"  hidden_size: {hidden}\n")
    out = out.replace("    heads: 32\n", f"    heads: {heads}\n")
    out = out.replace("    kv_heads: 8\n", f"    kv_heads: {kv}\n")
    return out.replace("  total: 8030261248\n", f"  total: {total}\n")


def make_cards(root: Path, n: int) -> list[Path]:
    text = BASE.read_text()
    data = load_file(BASE).data
    paths = []
    for i in range(n):
        p = root / f"org{i % 50}" / f"model-{i}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(_variant(text, data, i))
        paths.append(p)
    return paths


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# Workers are started with "spawn" here (the CLI uses a forkserver, whose
# workers are not this process's children): same work, and getrusage sees them.
_MEMORY_CHILD = """
import multiprocessing, resource, sys
import generator.validate
generator.validate._process_context = lambda: multiprocessing.get_context("spawn")
from generator.cli import main
code = main(["validate", "-j", sys.argv[2], sys.argv[1]])
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{code} {me} {workers}")
"""


def memory(n: int, registry: Path | None = None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        reg = registry or Path(tmp) / "registry"
        if registry is None:
            make_cards(reg, n)
        env = dict(os.environ, LLMCARDS_CACHE_DIR=str(Path(tmp) / "cache"), PYTHONPATH=str(ROOT))
        print(f"cards: {n}; peak RSS of `llmcards validate` (cards not kept), MiB")
        for jobs in ("1", "2"):
            proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(reg), jobs], cwd=ROOT,
                                  capture_output=True, text=True, env=env)
            code, me, workers = proc.stdout.split()[-3:]
            assert code == "0", proc.stdout[-2000:] + proc.stderr[-2000:]
            line = f"  -j {jobs}: main process {int(me) / 1024:7.1f}"
            if jobs != "1":
                line += f", largest worker {int(workers) / 1024:7.1f}"
            print(line)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", action="store_true", help="measure peak memory instead of time")
    args = parser.parse_args()
    if args.memory:
        return memory(args.cards)
    cjs = shutil.which("check-jsonschema")
    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registry"
        files = make_cards(reg, args.cards)
        from generator.validate import validate_paths

        first = validate_paths([reg])
        assert not first.errors and len(first.cards) == args.cards, first.errors[:3]
        env = dict(os.environ, LLMCARDS_CACHE_DIR=str(Path(tmp) / "cache"))

        def cli(*extra: str) -> None:
            proc = subprocess.run([sys.executable, "-m", "generator", "validate", *extra, str(reg)], cwd=ROOT,
                                  capture_output=True, text=True, env=env)
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
            assert f"{args.cards} cards checked, no errors" in proc.stderr, proc.stderr

        def baseline() -> None:
            proc = subprocess.run([cjs, "--schemafile", str(SCHEMA), *map(str, files)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout[-2000:]

        cold = _time(cli)  # compiles the schema and fills the (empty) cache
        core_t, cli_t, cli1_t, cjs_t = [], [], [], []
        for _ in range(args.runs):
            core_t.append(_time(lambda: validate_paths([reg], jobs=1)))
            cli_t.append(_time(cli))
            cli1_t.append(_time(lambda: cli("-j", "1")))
            if cjs:
                cjs_t.append(_time(baseline))
    core, cli_m, cli1 = (statistics.median(t) for t in (core_t, cli_t, cli1_t))
    print(f"cards: {args.cards}, runs: {args.runs} (medians), CPUs: {os.cpu_count()}")
    print(f"llmcards core (in-process validate_paths, 1 process): {core:.3f} s  ({core / args.cards * 1e3:.3f} ms/card)")
    print(f"llmcards validate (CLI subprocess, default jobs):      {cli_m:.3f} s")
    print(f"llmcards validate -j 1 (CLI subprocess, 1 process):   {cli1:.3f} s")
    print(f"llmcards validate, first run with an empty cache:      {cold:.3f} s")
    if cjs_t:
        base = statistics.median(cjs_t)
        print(f"check-jsonschema (same files, same schema):            {base:.3f} s")
        print(f"ratio check-jsonschema / llmcards CLI:                 {base / cli_m:.1f}x")
        print(f"ratio check-jsonschema / llmcards CLI -j 1:            {base / cli1:.1f}x")
        print(f"ratio check-jsonschema / llmcards CLI, cold cache:     {base / cold:.1f}x")
        print(f"ratio check-jsonschema / llmcards core:                {base / core:.1f}x")
    else:
        print("check-jsonschema not installed: no baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
