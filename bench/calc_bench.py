"""Benchmark: precompute every VRAM table (derive()) for 10,000 synthetic cards.

Run: python bench/calc_bench.py [--cards N] [--runs R]
Prints the median wall time of R runs (R >= 5 by default) for derive() on all cards,
output dropped card by card, and for derive_all() keeping every output (the
"precompute all tables" step, target < 2 s), the same from a fresh catalog value
(its plan built inside the timed run, as in a fresh site build: this is the number
the target is checked against), microseconds per card, and, as a
baseline measured in the same run, the time of count_parameters() alone (ratios
are against that baseline).
Every run computes the full derive() output for every card; nothing is cached
across cards except the catalog-derived constants (Catalogs.plan), built once per
catalog value.
The plan includes weights.QuantTable: per tensor-slot kind, the bytes per element of
every quantization packed into one integer (generator/calc/packed.py), and for the
llama.cpp per-layer rules the layers each rule takes, per layer count (up to 160)
and the three card-level flags (gqa >= 4, experts == 8, experts >= 4), with the
per-quantization rate differences those layers add, computed on the first card with
that key and kept. All of it is a pure function of the catalog and small ints, not
of a card's tensors; every card still counts its own tensors, dense/MoE layers and
bytes.
Synthetic cards vary layers, widths, attention layouts (GQA, MLA, sliding windows)
and MoE layouts deterministically (seeded), so runs are comparable.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.calc import derive, derive_all  # noqa: E402
from generator.calc.catalogs import load_catalogs  # noqa: E402
from generator.calc.params import count_parameters  # noqa: E402


def synthetic_card(rng: random.Random, i: int) -> dict:
    h = rng.choice([1024, 2048, 2560, 3072, 4096, 5120, 6144, 8192])
    heads = rng.choice([16, 32, 64])
    kv = rng.choice([1, 4, 8, heads])
    layers = rng.choice([16, 24, 28, 32, 40, 48, 60, 80])
    moe = rng.random() < 0.3
    mla = rng.random() < 0.1
    window = None
    if not mla and rng.random() < 0.3:
        window = {"kind": rng.choice(["sliding", "chunked"]), "size": rng.choice([512, 1024, 4096, 8192]),
                  "pattern": rng.choice(["L", "LG", "LLLLLG", "LLLG"])}
    arch = {
        "type": "moe" if moe else "dense", "layers": layers, "hidden_size": h,
        "intermediate_size": h * rng.choice([3, 4]), "vocab_size": rng.choice([32000, 128256, 151936, 262144]),
        "tied_embeddings": rng.random() < 0.3, "activation": "silu", "mlp": "gated", "mlp_bias": False,
        "normalization": "rmsnorm", "norm_bias": False, "norms_per_layer": rng.choice([2, 4]),
        "position_embedding": "rope", "max_position_embeddings": rng.choice([8192, 32768, 131072]),
        "attention": {
            "structure": "MLA" if mla else "GQA", "heads": heads, "kv_heads": heads if mla else kv, "head_dim": None,
            "qkv_bias": rng.random() < 0.2, "output_bias": False, "qk_norm": rng.choice(["none", "head"]), "sinks": False,
            "mla": {"q_lora_rank": rng.choice([None, 1536]), "kv_lora_rank": 512, "qk_nope_head_dim": 128,
                    "qk_rope_head_dim": 64, "v_head_dim": 128} if mla else None,
            "sliding_window": window,
        },
        "experts": {"total": rng.choice([8, 16, 64, 128]), "active": rng.choice([1, 2, 8]), "shared": rng.choice([0, 1]),
                    "intermediate_size": h // 2, "shared_intermediate_size": h, "first_dense_layers": rng.choice([0, 1, 3]),
                    "interleave_step": rng.choice([1, 2]), "router_bias": False, "shared_expert_gate": False} if moe else None,
    }
    return {"id": f"synthetic/model-{i}", "context_length": None, "parameters": {"total": None, "active": None, "extra": 0},
            "architecture": arch}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    load_start = _load()
    catalogs = load_catalogs()
    rng = random.Random(1234)
    cards = [synthetic_card(rng, i) for i in range(args.cards)]
    base, full, kept, fresh = [], [], [], []
    cells = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for c in cards:
            count_parameters(c)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cells = 0
        for c in cards:
            cells += len(derive(c, catalogs)["vram"])
        full.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        results = derive_all(cards, catalogs)  # every card's output kept, as a site build does
        kept.append(time.perf_counter() - t0)
        assert len(results) == len(cards) and sum(len(r["vram"]) for r in results) == cells
        del results
        # The same from a new catalog value: its plan (and the per-layer-count rule tables
        # the cards need) is built inside the timed run, as in a fresh site build.
        new = dataclasses.replace(catalogs)
        t0 = time.perf_counter()
        results = derive_all(cards, new)
        fresh.append(time.perf_counter() - t0)
        del results, new
    b, f, k = statistics.median(base), statistics.median(full), statistics.median(kept)
    fr = statistics.median(fresh)
    n = args.cards
    print(f"N (cards): {n}  runs: {args.runs}  vram cells per run: {cells}")
    # Timings on a shared machine depend on its load: report it with them.
    print(f"load average (1, 5, 15 min) at start {load_start}, at end {_load()}")
    print(f"baseline (count_parameters only, same cards, same run): median {b:.3f} s")
    print(f"derive() per card, output dropped: median {f:.3f} s  ({f / n * 1e6:.0f} us/card, {f / b:.1f}x baseline)")
    print(f"derive_all(), every output kept:   median {k:.3f} s  ({k / n * 1e6:.0f} us/card, {k / b:.1f}x baseline)")
    print(f"derive_all(), outputs kept, fresh catalog (plan built in the run): median {fr:.3f} s")
    print(f"target < 2 s (derive_all from a fresh catalog): {'met' if fr < 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
