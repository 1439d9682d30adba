"""Whole-process latency of `llmcards calc` against `python -c pass`, measured in one run.

    python bench/cli_bench.py [--runs 15] [--warmup 2]

Each round runs the baseline and every command once, in that order, so machine
load hits them alike. Reports the median and minimum wall time, the median CPU
time (user + system of the child, from getrusage) and the ratio to the baseline.
Target (issue 9): `llmcards calc meta/llama-3.1-8b` under 0.15 s, about 5.5x a bare
interpreter start on the machine the target was set on (0.027 s). The children get
bytecode caching (in a temporary PYTHONPYCACHEPREFIX) even where PYTHONDONTWRITEBYTECODE
is set, as an installed package has its .pyc files.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "llmcards --help": [sys.executable, "-m", "generator", "--help"],
    "llmcards calc meta/llama-3.1-8b": [sys.executable, "-m", "generator", "calc", "meta/llama-3.1-8b"],
    "llmcards calc ... --quant Q4_K_M --context 32768 --format json": [
        sys.executable, "-m", "generator", "calc", "meta/llama-3.1-8b", "--quant", "Q4_K_M",
        "--context", "32768", "--format", "json"],
}


def _run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[1:])}: exit {done.returncode}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def compare(commands: dict[str, list[str]], description: str, note: str = "") -> None:
    """Time ``commands`` (the first is the baseline) interleaved, and print medians and ratios to the baseline.

    Shared by bench/plan_bench.py. ``note`` is added to the first line (e.g. the target).
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # Bytecode as an installed package has it: compiled once (in the warm-up runs) into a
    # temporary folder, not into the repository. Without it every run compiles every module.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="llmcards-pyc-")
    env.setdefault("LLMCARDS_CACHE_DIR", tempfile.mkdtemp(prefix="llmcards-cache-"))
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(args.warmup + args.runs):
        for name, argv in commands.items():
            wall, cpu = _run_once(argv, env)
            if i >= args.warmup:
                walls[name].append(wall)
                cpus[name].append(cpu)
    baseline = next(iter(commands))
    base_wall = statistics.median(walls[baseline])
    base_cpu = statistics.median(cpus[baseline])
    width = max(len(name) for name in commands) + 2
    print(f"{args.runs} runs each, interleaved; {sys.executable} ({sys.version.split()[0]}){note}")
    print(f"{'command':<{width}}{'wall s (min)':>16}{'cpu s':>8}{'x pass wall':>13}{'x pass cpu':>12}")
    for name in commands:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:<{width}}{w:>9.3f} ({min(walls[name]):.3f}){c:>8.3f}{w / base_wall:>13.2f}{c / base_cpu:>12.2f}")


def main() -> None:
    compare(COMMANDS, __doc__ or "")


if __name__ == "__main__":
    main()
