"""The common setups the site exports engine plans for (api/plans/<org>/<model>.json), in one place.

A small set on purpose: each setup costs one plan per engine per card at build time and
one entry in every model's plans file. The model page's "Will it run?" panel offers them
in this order; ``DEFAULT_SETUP`` is the one rendered into the page (what a reader without
JavaScript sees, and the picker's first choice).

Each engine runs at its defaults (``ENGINE_OPTIONS``): llama.cpp at its default
quantization with automatic offload (layers on the GPU when they fit, else experts, then
layers, to system RAM); vLLM at its default checkpoint with the smallest tensor-parallel
size (a power of two up to the setup's GPUs, or all of them) that fits and that the model's
heads allow; when none fits, the largest size tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from generator.calc.engines import Hardware
from generator.site import fmt

ENGINES = ("llama.cpp", "vllm")
GIB = 2**30


@dataclass(frozen=True)
class Setup:
    id: str                     # stable: the plans file's key, the picker's value, localStorage
    gpu: str | None             # schema/gpus.yaml id; None: no hardware (what the model needs)
    count: int = 1
    ram_gib: int | None = None  # system RAM of such a machine (None: unknown, or Apple unified memory)
    host_memory: str | None = None   # system-memory class id (schema/gpus.yaml host_memory); None: the GPU's


SETUPS: tuple[Setup, ...] = (
    Setup("none", None),
    Setup("rtx-4060-x1", "rtx-4060", 1, 32, "ddr5-dual"),
    Setup("rtx-4060-ti-16gb-x1", "rtx-4060-ti-16gb", 1, 32, "ddr5-dual"),
    Setup("rtx-4090-x1", "rtx-4090", 1, 64, "ddr5-dual"),
    Setup("rtx-3090-x2", "rtx-3090", 2, 64, "ddr4-dual"),
    Setup("apple-m3-pro-36gb-x1", "apple-m3-pro-36gb", 1, None, "apple-unified"),
    Setup("apple-128gb-x1", "apple-128gb", 1, None, "apple-unified"),
    Setup("a100-80gb-x1", "a100-80gb", 1, 256, "server-8ch-ddr4"),
    Setup("h100-sxm-80gb-x1", "h100-sxm-80gb", 1, 512, "server-8ch-ddr5"),
    Setup("h100-sxm-80gb-x8", "h100-sxm-80gb", 8, 2048, "server-8ch-ddr5"),
)
DEFAULT_SETUP = "rtx-4090-x1"

# Engine options for every setup (option names as generator.calc.engines.plan takes them).
ENGINE_OPTIONS: Mapping[str, Mapping[str, Any]] = {
    "llama.cpp": {"n_gpu_layers": "auto", "cpu_moe_layers": "auto"},
    "vllm": {},
}
NO_HARDWARE_OPTIONS: Mapping[str, Mapping[str, Any]] = {"llama.cpp": {}, "vllm": {}}


def gpu_entry(catalogs: Any, gpu_id: str) -> Mapping[str, Any] | None:
    return next((g for g in catalogs.gpus if g.get("id") == gpu_id), None)


def _ram_bandwidth(catalogs: Any, gpu: Mapping[str, Any], setup: Setup) -> int | None:
    """Bandwidth of the setup's system memory from the catalog's classes; None when unknown."""
    class_id = setup.host_memory or gpu.get("host_memory")
    if class_id == "apple-unified":
        return gpu.get("bandwidth_bytes_per_s")       # the GPU's own memory
    lookup = getattr(catalogs, "host_memory_class", None)
    if class_id is None or lookup is None:
        return None
    entry = lookup(class_id)
    return entry.get("bandwidth_bytes_per_s") if entry else None


def hardware(setup: Setup, catalogs: Any) -> Hardware | None:
    """The setup as plan() takes it; None when its GPU is not in the catalog."""
    if setup.gpu is None:
        return Hardware(None, 1, None, None)
    gpu = gpu_entry(catalogs, setup.gpu)
    if gpu is None:
        return None
    ram = setup.ram_gib * GIB if setup.ram_gib is not None else None
    return Hardware(gpu, setup.count, ram, _ram_bandwidth(catalogs, gpu, setup))


def label(setup: Setup, catalogs: Any) -> str:
    """What the picker shows: '1 × NVIDIA GeForce RTX 4090 (24 GB) + 64 GiB RAM'."""
    if setup.gpu is None:
        return "No hardware: what the model needs"
    gpu = gpu_entry(catalogs, setup.gpu) or {"name": setup.gpu}
    text = f"{setup.count} × {gpu['name']}"
    if gpu.get("memory_bytes") is not None and "GB" not in str(gpu["name"]):   # names such as "H100 SXM 80GB" say it
        text += f" ({fmt.gb_exact(gpu['memory_bytes'])})"
    if setup.ram_gib is not None:
        text += f" + {setup.ram_gib:,} GiB RAM"
    return text


def tensor_parallel_sizes(count: int) -> list[int]:
    """vLLM tensor-parallel sizes to try on ``count`` GPUs, smallest first: the powers of two
    up to ``count``, and ``count`` itself: 8 -> [1, 2, 4, 8]; 6 -> [1, 2, 4, 6]."""
    sizes = []
    size = 1
    while size < count:
        sizes.append(size)
        size *= 2
    return sizes + [count]
