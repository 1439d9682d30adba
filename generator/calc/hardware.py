"""Hardware fit (fewest devices) and decode-speed ceilings per GPU kind (pure)."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from generator.calc.memory import OVERHEAD_BYTES

MAX_DEVICES = 64


class GpuPlan(NamedTuple):
    """One catalog GPU as the ``hardware`` block reads it, computed once per catalogs value."""

    id: str
    name: str
    memory_bytes: int
    usable_bytes: int
    room: int  # usable bytes left for the model after the per-device overhead
    bandwidth: int
    entry: dict[str, Any]  # the GPU's fields of a ``hardware`` entry; _entry() copies it per card


def usable_bytes(gpu: Mapping[str, Any]) -> int:
    return int(gpu["memory_bytes"]) * int(gpu["usable_percent"]) // 100


def gpu_plan(gpu: Mapping[str, Any]) -> GpuPlan:
    """The GpuPlan of a catalog GPU entry (schema/gpus.yaml)."""
    memory, usable, bandwidth = int(gpu["memory_bytes"]), usable_bytes(gpu), int(gpu["bandwidth_bytes_per_s"])
    entry = {"gpu": gpu["id"], "name": gpu["name"], "memory_bytes": memory, "usable_bytes": usable,
             "bandwidth_bytes_per_s": bandwidth, "devices": None, "decode_tokens_per_s_upper_bound": None}
    return GpuPlan(gpu["id"], gpu["name"], memory, usable, usable - OVERHEAD_BYTES, bandwidth, entry)


def fewest_devices(model_bytes: Sequence[int | None], room: int) -> list[int | None]:
    """For each size M, the fewest n with n * room >= M, where room = usable - per-device overhead.

    That is M + n * overhead <= n * usable: the model split evenly, each device
    paying its own overhead. None when M is unknown, when the device cannot hold
    its own overhead, or when more than MAX_DEVICES would be needed.
    """
    if room <= 0:
        return [None] * len(model_bytes)
    most = MAX_DEVICES * room  # M > most  <=>  ceil(M / room) > MAX_DEVICES
    return [None if m is None or m > most else 1 if m <= room else -(-m // room) for m in model_bytes]


def decode_ceilings(bytes_per_token: Sequence[int], devices: Sequence[int | None], bandwidth: int) -> list[float | None]:
    """Upper bounds on tokens/s for one sequence: bandwidth / bytes read per token, whatever the device count.

    The model is split by layers (llama.cpp's default --split-mode layer, pipeline
    parallelism): for each token the n devices read their share one after the other, so
    a token still takes (bytes per token) / bandwidth and adding devices adds memory,
    not speed. (Tensor parallelism would read the shares at once; the engine plans label
    that case themselves.) None where the model does not fit in MAX_DEVICES devices.

    Not rounded (rounding happens at display). Python's int / int is the correctly
    rounded double of the exact quotient, so any consumer dividing the same
    integers in IEEE doubles gets the same number while they stay below 2**53.
    """
    return [None if n is None or b <= 0 else bandwidth / b for b, n in zip(bytes_per_token, devices, strict=True)]


def _entry(gpu: GpuPlan, devices: dict[str, int | None], speeds: dict[str, float | None]) -> dict[str, Any]:
    # A copy of the plan's per-GPU template (same keys, same order) with the two maps
    # set: cheaper than building the 7-key dict each time.
    e = gpu.entry.copy()
    e["devices"] = devices
    e["decode_tokens_per_s_upper_bound"] = speeds
    return e


def gpu_fit(gpu: GpuPlan, quant_ids: Sequence[str], model_bytes: Sequence[int | None],
            bytes_per_token: Sequence[int]) -> dict[str, Any]:
    """One GPU kind's entry of the ``hardware`` block: devices and speed ceiling by quantization."""
    devices = fewest_devices(model_bytes, gpu.room)
    speeds = decode_ceilings(bytes_per_token, devices, gpu.bandwidth)
    return _entry(gpu, dict(zip(quant_ids, devices, strict=True)), dict(zip(quant_ids, speeds, strict=True)))


def hardware_table(gpus: Sequence[GpuPlan], quant_ids: Sequence[str], model_bytes: Sequence[int | None],
                   bytes_per_token: Sequence[int]) -> list[dict[str, Any]]:
    """The ``hardware`` block: gpu_fit() for every GPU of the catalog, in catalog order.

    model_bytes: per quantization, the bytes to hold without the per-device
    overhead (None when unknown); bytes_per_token: bytes read per generated token
    (0 when unknown: no speed ceiling).
    """
    return [gpu_fit(g, quant_ids, model_bytes, bytes_per_token) for g in gpus]
