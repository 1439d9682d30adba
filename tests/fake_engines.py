"""Stand-in engine modules for the tests of `llmcards plan` and the accuracy harness.

They follow the contract of generator/calc/engines/__init__.py (NAME, BASIS, OPTIONS,
unsupported, plan) with arithmetic simple enough to check by hand; they model no engine.
``use_fakes(monkeypatch)`` registers them where the real engine module cannot be imported
(until issue 10's engine branches are merged), ``force_fakes`` always.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Mapping

from generator.calc import engines as E
from generator.calc.engines import Option, PlanError

MIB = 2**20
# Fake rules: 100 MiB of weights per layer, 1 KiB of KV per token per layer and sequence,
# 64 MiB of compute buffer per 512 tokens of ubatch, 300 MiB of overhead per device.
WEIGHTS_PER_LAYER = 100 * MIB
KV_PER_TOKEN_PER_LAYER = 1024
OVERHEAD = 300 * MIB


def _common(context_default: Any = None) -> dict[str, Option]:
    return {
        "quant": Option(None, E.parse_text, "quantization id"),
        "context": Option(context_default, E.parse_int(1, 10**9), "context tokens"),
        "kv_dtype": Option("F16", E.parse_text, "KV dtype"),
        "parallel": Option(1, E.parse_int(1, 4096), "sequences"),
    }


def _shape(card: Mapping[str, Any], settings: dict[str, Any], hardware: E.Hardware, compute: int,
           components: dict[str, Any], command: str, vllm: bool) -> dict[str, Any]:
    layers = int(card["architecture"]["layers"])
    context = settings["context"] or int(card.get("context_length") or 4096)
    settings = {**settings, "context": context, "quant": settings["quant"] or "Q4_K_M"}
    per_token = layers * KV_PER_TOKEN_PER_LAYER
    n = hardware.count
    weights, kv = layers * WEIGHTS_PER_LAYER // n, per_token * context * settings["parallel"] // n
    capacity = None
    if hardware.gpu is not None:
        capacity = hardware.memory_bytes or int(hardware.gpu["memory_bytes"])
    name = "GPU" if hardware.gpu is None else "CUDA{}"
    devices = [{"name": name.format(i), "gpu": hardware.gpu["id"] if hardware.gpu else None,
                "weights_bytes": weights, "kv_cache_bytes": kv, "compute_buffer_bytes": compute,
                "overhead_bytes": OVERHEAD, "total_bytes": weights + kv + compute + OVERHEAD,
                "capacity_bytes": capacity} for i in range(n)]
    fits = None if capacity is None else all(d["total_bytes"] <= capacity for d in devices)
    return {
        "settings": settings,
        "devices": devices,
        "host": {"weights_bytes": 50 * MIB, "kv_cache_bytes": 0, "compute_buffer_bytes": 8 * MIB,
                 "total_bytes": 58 * MIB},
        "kv_cache_bytes_per_token": per_token,
        "fits": fits,
        "max_context_that_fits": context if fits else None,
        "kv_cache_capacity_tokens": 4 * context if vllm else None,
        "max_concurrency": 4.0 if vllm else None,
        "offload": None if vllm else {"moved": "nothing", "flags": []},
        "components": components,
        "command": command,
        "speed": {"decode_tokens_per_s_upper_bound": 42.5, "prefill_tokens_per_s_upper_bound": None,
                  "basis": "fake"},
        "assumptions": ["fake engine for tests"],
    }


def _llamacpp_plan(card: Mapping[str, Any], catalogs: Any, settings: dict[str, Any],
                   hardware: E.Hardware) -> dict[str, Any]:
    layers = int(card["architecture"]["layers"])
    context = settings["context"] or int(card.get("context_length") or 4096)
    compute = 64 * MIB * settings["ubatch"] // 512
    components = {"device_weights": layers * WEIGHTS_PER_LAYER,
                  "device_kv_cache": layers * KV_PER_TOKEN_PER_LAYER * context * settings["parallel"],
                  "device_compute_buffer": compute, "host_weights": 50 * MIB}
    return _shape(card, settings, hardware, compute, components, f"llama-server -c {context}", vllm=False)


def _llamacpp_unsupported(card: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> str | None:
    return "fake: no rules for this architecture" if card["architecture"]["type"] == "unsupported-fake" else None


FAKE_LLAMACPP = SimpleNamespace(
    NAME="llama.cpp",
    BASIS="fake llama.cpp rules",
    OPTIONS={**_common(), "ubatch": Option(512, E.parse_int(1, 65536), "ubatch"),
             "flash_attn": Option("on", E.parse_choice("on", "off", "auto"), "flash attention"),
             "swa_full": Option(False, E.parse_flag, "full SWA cache"),
             "cpu_only": Option(False, E.parse_flag, "no GPU"),
             "tensor_split": Option(None, E.parse_text, "layer shares"),
             "n_gpu_layers": Option("auto", E.parse_int_or_auto(0, 10**4), "layers on GPU"),
             "cpu_moe_layers": Option("auto", E.parse_int_or_auto(0, 10**4), "expert layers on CPU")},
    unsupported=_llamacpp_unsupported,
    plan=_llamacpp_plan,
)


def _vllm_plan(card: Mapping[str, Any], catalogs: Any, settings: dict[str, Any],
               hardware: E.Hardware) -> dict[str, Any]:
    heads = int(card["architecture"]["attention"]["heads"])
    tp = settings["tensor_parallel"]
    if heads % tp:
        raise PlanError("--tensor-parallel", f"{tp} does not divide the {heads} attention heads; allowed: "
                        + ", ".join(str(d) for d in range(1, heads + 1) if heads % d == 0))
    if hardware.gpu is not None and hardware.count < tp:
        raise PlanError("--gpus", f"{hardware.count}: --tensor-parallel {tp} needs at least {tp} GPUs")
    layers = int(card["architecture"]["layers"])
    compute = 256 * MIB
    components = {"weights": layers * WEIGHTS_PER_LAYER // tp, "kv_cache_tokens": 4 * (settings["context"] or 4096)}
    return _shape(card, settings, hardware._replace(count=tp), compute, components, "vllm serve", vllm=True)


FAKE_VLLM = SimpleNamespace(
    NAME="vllm",
    BASIS="fake vllm rules",
    OPTIONS={**_common(), "tensor_parallel": Option(1, E.parse_int(1, 64), "TP size"),
             "gpu_memory_utilization": Option(0.9, E.parse_float(0, 1, lo_open=True), "budget"),
             "max_num_batched_tokens": Option(None, E.parse_int(1, 10**7), "tokens per step"),
             "max_num_seqs": Option(256, E.parse_int(1, 10**5), "sequences"),
             "enforce_eager": Option(False, E.parse_flag, "no CUDA graphs")},
    unsupported=lambda card, settings=None: None,
    plan=_vllm_plan,
    # The fake's one basis rule: it models no "V0" run (what a case's log may prove, engine_generation).
    outside_basis=lambda version, backend, component, card=None, settings=None: (
        "fake: V0 engine" if version == "V0" else
        "fake: activation rule starts at 0.1" if version == "0.0-fake" and component == "activation_peak" else None),
)

FAKES = {"llama.cpp": FAKE_LLAMACPP, "vllm": FAKE_VLLM}


def real_engine_available(name: str) -> bool:
    try:
        E.engine_module(name)
    except ImportError:
        return False
    return True


def use_fakes(monkeypatch: Any) -> dict[str, bool]:
    """Register a fake for every engine whose module is missing; returns name -> fake used."""
    used = {}
    for name, fake in FAKES.items():
        used[name] = not real_engine_available(name)
        if used[name]:
            monkeypatch.setitem(E.ENGINES, name, fake)
    return used


def force_fakes(monkeypatch: Any) -> None:
    for name, fake in FAKES.items():
        monkeypatch.setitem(E.ENGINES, name, fake)
