"""Seeded synthetic cards for the calculator's tests and benchmarks (not used by the calculator).

tests/calc/ checks the calculator on them and bench/calc_bench.py times it on them; both
import them from here, so neither imports the other. The same ``random.Random`` seed gives
the same cards on every run.
"""

from __future__ import annotations

import random
from typing import Any


def synthetic_card(rng: random.Random, i: int) -> dict[str, Any]:
    """A complete card of a common shape: widths of whole blocks, GQA or MLA, windows, MoE layouts."""
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


def odd_shape_card(rng: random.Random, i: int) -> dict[str, Any]:
    """synthetic_card() bent out of shape: rows that are not whole blocks, biases, learned
    positions, plain MLPs, fused QKV, odd depths (1 to 170 layers), extra parameters."""
    c = synthetic_card(rng, i)
    a = c["architecture"]
    a["hidden_size"] = rng.choice([1000, 2880, 1600, 4000, 96, 1088, 4096])
    a["intermediate_size"] = rng.choice([a["hidden_size"] * 3, 5000, 11008, 2880, 1000])
    a["attention"]["head_dim"] = rng.choice([None, 64, 80, 96, 100, 256])
    a["position_embedding"] = rng.choice(["rope", "learned"])
    a["norm_bias"] = rng.random() < 0.3
    a["mlp_bias"] = rng.random() < 0.3
    a["mlp"] = rng.choice(["gated", "plain"])
    a["layers"] = rng.choice([1, 2, 3, 7, 8, 16, 61, 80, 95, rng.randint(1, 170)])
    if a["attention"]["structure"] != "MLA":
        a["attention"]["fused_qkv"] = rng.random() < 0.3  # one attn_qkv tensor (Phi-3, GPT-2)
    if a["experts"]:
        a["experts"]["total"] = rng.choice([4, 8, 16, 128])
        a["experts"]["intermediate_size"] = rng.choice([1000, 2880, 1408, 768])
        a["experts"]["router_bias"] = rng.random() < 0.5
        a["experts"]["shared_expert_gate"] = rng.random() < 0.5
    c["parameters"]["extra"] = rng.choice([0, 0, 123456789])
    return c
