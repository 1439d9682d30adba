"""Whole-process latency of `llmcards plan` against `python -c pass`, measured in one run.

    python bench/plan_bench.py [--runs 15] [--warmup 2]

Each round runs the baseline and every command once, in that order, so machine load hits
them alike. Reports the median and minimum wall time, the median CPU time of the child
(user + system, from getrusage) and the ratio to the baseline. Target (issue 10):
`llmcards plan` for one model under 0.3 s as a whole process. As in bench/cli_bench.py the
children get bytecode caching in a temporary PYTHONPYCACHEPREFIX, as an installed package
has its .pyc files. A command that fails stops the benchmark with its error output.
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
TARGET_S = 0.3
PLAN = [sys.executable, "-m", "generator", "plan"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "llmcards calc meta/llama-3.1-8b (for comparison)": [sys.executable, "-m", "generator", "calc", "meta/llama-3.1-8b"],
    "llmcards plan meta/llama-3.1-8b --engine llama.cpp": [*PLAN, "meta/llama-3.1-8b", "--engine", "llama.cpp"],
    "llmcards plan ... llama.cpp --gpu rtx-4090 --ram-gb 64 --quant Q4_K_M --format json": [
        *PLAN, "meta/llama-3.1-8b", "--engine", "llama.cpp", "--gpu", "rtx-4090", "--ram-gb", "64",
        "--quant", "Q4_K_M", "--format", "json"],
    "llmcards plan openai/gpt-oss-120b --engine llama.cpp --gpu rtx-4090 --ram-gb 128": [
        *PLAN, "openai/gpt-oss-120b", "--engine", "llama.cpp", "--gpu", "rtx-4090", "--ram-gb", "128"],
    "llmcards plan meta/llama-3.1-8b --engine vllm --gpu h100-sxm-80gb": [
        *PLAN, "meta/llama-3.1-8b", "--engine", "vllm", "--gpu", "h100-sxm-80gb"],
    "llmcards plan meta/llama-3.1-70b --engine vllm --gpu h100-sxm-80gb --gpus 4 -tp 4": [
        *PLAN, "meta/llama-3.1-70b", "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--gpus", "4",
        "--tensor-parallel", "4"],
}


def _run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[1:])}: exit {done.returncode}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="llmcards-pyc-")
    env.setdefault("LLMCARDS_CACHE_DIR", tempfile.mkdtemp(prefix="llmcards-cache-"))
    walls: dict[str, list[float]] = {k: [] for k in COMMANDS}
    cpus: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for i in range(args.warmup + args.runs):
        for name, argv in COMMANDS.items():
            wall, cpu = _run_once(argv, env)
            if i >= args.warmup:
                walls[name].append(wall)
                cpus[name].append(cpu)
    base_wall = statistics.median(walls["python -c pass"])
    base_cpu = statistics.median(cpus["python -c pass"])
    print(f"{args.runs} runs each, interleaved; {sys.executable} ({sys.version.split()[0]}); target {TARGET_S} s")
    print(f"{'command':<86}{'wall s (min)':>16}{'cpu s':>8}{'x pass wall':>13}{'x pass cpu':>12}")
    for name in COMMANDS:
        w, c = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:<86}{w:>9.3f} ({min(walls[name]):.3f}){c:>8.3f}{w / base_wall:>13.2f}{c / base_cpu:>12.2f}")


if __name__ == "__main__":
    main()
