"""Whole-process latency of `llmcards plan` against `python -c pass`, measured in one run.

    python bench/plan_bench.py [--runs 15] [--warmup 2]

Each round runs the baseline and every command once, in that order, so machine load hits
them alike. Reports the median and minimum wall time, the median CPU time of the child
(user + system, from getrusage) and the ratio to the baseline. Target (issue 10):
`llmcards plan` for one model under 0.3 s as a whole process. The timing is bench/cli_bench.py's: the
children get bytecode caching in a temporary PYTHONPYCACHEPREFIX, as an installed package
has its .pyc files. A command that fails stops the benchmark with its error output.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from cli_bench import compare  # noqa: E402  (the timing loop, shared with the calc benchmark)

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
    # two GPUs and an MoE that must offload: the --n-cpu-moe search, each step with the split search
    "llmcards plan openai/gpt-oss-120b --engine llama.cpp --gpu rtx-3090 --gpus 2 --ram-gb 64": [
        *PLAN, "openai/gpt-oss-120b", "--engine", "llama.cpp", "--gpu", "rtx-3090", "--gpus", "2", "--ram-gb", "64"],
    "llmcards plan meta/llama-3.1-8b --engine vllm --gpu h100-sxm-80gb": [
        *PLAN, "meta/llama-3.1-8b", "--engine", "vllm", "--gpu", "h100-sxm-80gb"],
    "llmcards plan meta/llama-3.1-70b --engine vllm --gpu h100-sxm-80gb --gpus 4 -tp 4": [
        *PLAN, "meta/llama-3.1-70b", "--engine", "vllm", "--gpu", "h100-sxm-80gb", "--gpus", "4",
        "--tensor-parallel", "4"],
}


def main() -> None:
    compare(COMMANDS, __doc__ or "", note=f"; target {TARGET_S} s")


if __name__ == "__main__":
    main()
