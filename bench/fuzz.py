"""Mutation fuzzing of `llmcards validate`, longer than the test suite runs it.

    python bench/fuzz.py [--mutants 2000] [--seed 1] [--show 20]

Runs tests/fuzz_cards.py (the engine tests/test_fuzz.py uses) with N mutants of
the real registry cards and prints counts: runs, accepted and rejected
mutants, accepted mutants that went through the build's per-card steps, runs
per output format, and every broken promise, grouped by what broke. Exit 1
when any promise broke.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import fuzz_cards  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=20, help="failures to print in full")
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        summary = fuzz_cards.run(args.seed, args.mutants, Path(tmp))
    elapsed = time.perf_counter() - start
    print(f"seed {args.seed}: {summary.mutants} mutants, {summary.runs} validate runs in {elapsed:.1f} s "
          f"({', '.join(f'{k} {v}' for k, v in sorted(summary.by_format.items()))})")
    print(f"  accepted {summary.accepted} (build steps passed: {summary.built}), rejected {summary.rejected}")
    print(f"  broken promises: {len(summary.failures)}")
    kinds = Counter(re.sub(r"^seed \d+ mutant \d+ \([^,]+, ", "", f).split("): ", 1)[-1][:90] for f in summary.failures)
    for kind, n in kinds.most_common():
        print(f"  {n:6d}  {kind}")
    for failure in summary.failures[: args.show]:
        print("  -", failure[:400])
    return 1 if summary.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
