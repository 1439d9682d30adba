"""A stand-in for generator.calc.engines.plan in the site's tests (the engines are written elsewhere).

The numbers are made up, written here by hand: the tests check where the site puts them
and how it prints them, never the engines' figures. Card text travels into the command
line and the assumptions, as it may in real plans, so that escaping is tested too.
"""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.engines import API_VERSION, Hardware, PlanError

GB = 10**9


def fake_plan(card: Mapping[str, Any], catalogs: Any, engine: str, options: Mapping[str, Any],
              hardware: Hardware) -> dict[str, Any]:
    gpu = hardware.gpu
    if engine == "vllm" and gpu is not None and gpu.get("vendor") == "Apple":
        raise PlanError("--gpu", f"{gpu['id']}: vLLM has no Metal backend")   # as the vLLM engine refuses it
    tp = int(options.get("tensor_parallel", 1))
    big = card["id"] == "mistralai/mixtral-8x7b"      # 90 GB of weights; every other card 16 GB
    if big and tp == 2:
        raise PlanError("--tensor-parallel", "2 is refused by this fake")
    n = tp if engine == "vllm" else hardware.count
    weights = (90 if big else 16) * GB // n
    capacity = gpu["memory_bytes"] if gpu else None
    device_total = weights + 1 * GB + GB // 2 + GB // 4
    fits = None if capacity is None else device_total <= capacity
    return {
        "api_version": API_VERSION, "engine": engine, "engine_basis": f"{engine} fake b1",
        "model": card["id"], "supported": True, "unsupported_reason": None,
        "settings": {"quant": "Q4_K_M", "context": 131072, "kv_dtype": "F16", **options},
        "devices": [{"name": f"GPU {i}", "gpu": gpu["id"] if gpu else None, "weights_bytes": weights,
                     "kv_cache_bytes": GB, "compute_buffer_bytes": GB // 2, "overhead_bytes": GB // 4,
                     "total_bytes": device_total, "capacity_bytes": capacity} for i in range(n)],
        "host": {"weights_bytes": 2 * GB, "kv_cache_bytes": 0, "compute_buffer_bytes": 0, "total_bytes": 2 * GB},
        "kv_cache_bytes_per_token": 131072, "fits": fits, "max_context_that_fits": 32768 if fits else None,
        "kv_cache_capacity_tokens": 123456 if engine == "vllm" else None,
        "max_concurrency": 3.254 if engine == "vllm" else None,
        "offload": {"host_weights_bytes": 2 * GB, "n_gpu_layers": 30} if engine == "llama.cpp" else None,
        "components": {}, "command": f"serve {card['id']} --alias '{card['name']}' --ngl {n}",
        "speed": {"decode_tokens_per_s_upper_bound": 57.6 if gpu else None,
                  "prefill_tokens_per_s_upper_bound": 3.44 if gpu else None, "basis": "bandwidth / bytes per token"},
        "assumptions": [f"<b>{card['name']}</b> & co"],
    }
