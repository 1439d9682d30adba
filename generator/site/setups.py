"""The common setups the site exports engine plans for (api/plans/<org>/<model>.json and
api/fit/<setup>.json), in one place.

The setups cover what readers own, grouped for the hardware picker (``GROUPS``): GeForce
cards from 8 to 32 GB, workstation and data-center cards, AMD and Intel GPUs, Apple
silicon by memory size, AMD Ryzen AI Max unified memory. Each costs a search over
quantizations per engine per card at build time (generator/site/fit.py) and one entry in
every model's plans file. The model page's "Will it run?" panel offers them in this order;
``DEFAULT_SETUP`` is the one rendered into pages (what a reader without JavaScript sees).
Ids are stable: the picker stores them in the reader's browser (localStorage
"llmcards.hardware").

Every engine entry is the best way to run the model on the setup (fit.py's rule, in its
docstring). There is no CPU-only setup: both engines' plans need a GPU to say whether a
model fits (with no GPU they report what the model needs, the "none" setup, group "No GPU").
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
    group: str = "No GPU"       # the picker's group (GROUPS)


# The picker's groups, in its order.
GROUPS = ("NVIDIA GeForce", "NVIDIA workstation", "NVIDIA data center", "AMD", "Intel", "Apple",
          "AMD Ryzen AI Max", "No GPU")
_GF, _WS, _DC = "NVIDIA GeForce", "NVIDIA workstation", "NVIDIA data center"

# RAM: what such a machine commonly has (32 GiB with an 8-12 GB card, 64 GiB with 16-32 GB,
# 128 GiB for two consumer cards or a workstation, 256 GiB+ per data-center GPU); None on
# unified memory (Apple, Ryzen AI Max), where the GPU's memory is the system's.
SETUPS: tuple[Setup, ...] = (
    Setup("none", None),
    Setup("rtx-3060-12gb-x1", "rtx-3060-12gb", 1, 32, "ddr4-dual", _GF),
    Setup("rtx-4060-x1", "rtx-4060", 1, 32, "ddr5-dual", _GF),
    Setup("rtx-4060-ti-16gb-x1", "rtx-4060-ti-16gb", 1, 32, "ddr5-dual", _GF),
    Setup("rtx-4070-ti-super-x1", "rtx-4070-ti-super", 1, 64, "ddr5-dual", _GF),
    Setup("rtx-5080-x1", "rtx-5080", 1, 64, "ddr5-dual", _GF),
    Setup("rtx-3090-x1", "rtx-3090", 1, 64, "ddr4-dual", _GF),
    Setup("rtx-3090-x2", "rtx-3090", 2, 64, "ddr4-dual", _GF),
    Setup("rtx-4090-x1", "rtx-4090", 1, 64, "ddr5-dual", _GF),
    Setup("rtx-4090-x2", "rtx-4090", 2, 128, "ddr5-dual", _GF),
    Setup("rtx-5090-x1", "rtx-5090", 1, 64, "ddr5-dual", _GF),
    Setup("rtx-a6000-x1", "rtx-a6000", 1, 128, "ddr4-dual", _WS),
    Setup("rtx-6000-ada-x1", "rtx-6000-ada", 1, 128, "ddr5-dual", _WS),
    Setup("rtx-pro-6000-blackwell-x1", "rtx-pro-6000-blackwell", 1, 192, "ddr5-dual", _WS),
    Setup("a100-80gb-x1", "a100-80gb", 1, 256, "server-8ch-ddr4", _DC),
    Setup("h100-sxm-80gb-x1", "h100-sxm-80gb", 1, 512, "server-8ch-ddr5", _DC),
    Setup("h100-sxm-80gb-x2", "h100-sxm-80gb", 2, 1024, "server-8ch-ddr5", _DC),
    Setup("h100-sxm-80gb-x4", "h100-sxm-80gb", 4, 1024, "server-8ch-ddr5", _DC),
    Setup("h100-sxm-80gb-x8", "h100-sxm-80gb", 8, 2048, "server-8ch-ddr5", _DC),
    Setup("h200-141gb-x1", "h200-141gb", 1, 1024, "server-8ch-ddr5", _DC),
    Setup("rx-7900-xtx-x1", "rx-7900-xtx", 1, 64, "ddr5-dual", "AMD"),
    Setup("mi300x-x1", "mi300x", 1, 1024, "server-12ch-ddr5", "AMD"),
    Setup("arc-a770-16gb-x1", "arc-a770-16gb", 1, 32, "ddr5-dual", "Intel"),
    Setup("apple-m4-16gb-x1", "apple-m4-16gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-m4-24gb-x1", "apple-m4-24gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-m3-pro-36gb-x1", "apple-m3-pro-36gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-m4-pro-48gb-x1", "apple-m4-pro-48gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-64gb-x1", "apple-64gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-128gb-x1", "apple-128gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-192gb-x1", "apple-192gb", 1, None, "apple-unified", "Apple"),
    Setup("apple-512gb-x1", "apple-512gb", 1, None, "apple-unified", "Apple"),
    Setup("ryzen-ai-max-128gb-x1", "ryzen-ai-max-plus-395-128gb", 1, None, "apple-unified", "AMD Ryzen AI Max"),
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


def unified(setup: Setup) -> bool:
    """True on unified memory (Apple silicon, Ryzen AI Max): no separate system RAM to offload to."""
    return setup.host_memory == "apple-unified"


def public_setups(catalogs: Any) -> list[dict[str, Any]]:
    """The setups a reader can pick (those with a GPU the catalog has), in picker order, as the
    pages embed them: id, label, group, gpu, gpus, ram_bytes (None: unified memory or unknown)
    and memory_bytes (one device's memory as its vendor states it)."""
    out = []
    for s in SETUPS:
        hw = hardware(s, catalogs)
        if s.gpu is None or hw is None or hw.gpu is None:
            continue
        out.append({"id": s.id, "label": label(s, catalogs), "group": s.group, "gpu": s.gpu, "gpus": s.count,
                    "ram_bytes": hw.ram_bytes, "memory_bytes": hw.gpu.get("memory_bytes")})
    return out


def by_id(setup_id: str) -> Setup | None:
    return next((s for s in SETUPS if s.id == setup_id), None)
