"""Hardware fit (fewest devices) and decode-speed ceilings per GPU kind (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from generator.calc.plan import GpuPlan

MAX_DEVICES = 64


def usable_bytes(gpu: Mapping[str, Any]) -> int:
    return int(gpu["memory_bytes"]) * int(gpu["usable_percent"]) // 100


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
    """Upper bounds on tokens/s for one sequence: n * bandwidth / bytes read per token.

    Not rounded (rounding happens at display). Python's int / int is the correctly
    rounded double of the exact quotient, so any consumer dividing the same
    integers in IEEE doubles gets the same number while they stay below 2**53.
    """
    return [None if n is None or b <= 0 else n * bandwidth / b for b, n in zip(bytes_per_token, devices)]


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
    return _entry(gpu, dict(zip(quant_ids, devices)), dict(zip(quant_ids, speeds)))


def hardware_table(gpus: Sequence[GpuPlan], quant_ids: Sequence[str], model_bytes: Sequence[int | None],
                   bytes_per_token: Sequence[int]) -> list[dict[str, Any]]:
    """The ``hardware`` block: gpu_fit() for every GPU of the catalog, in catalog order.

    model_bytes: per quantization, the bytes to hold without the per-device
    overhead (None when unknown); bytes_per_token: bytes read per generated token.
    """
    # Checked once per card: when every size is known and positive, and every
    # quantization reads some bytes per token, the per-value None checks of
    # fewest_devices() and decode_ceilings() can be skipped (same numbers).
    known = bool(model_bytes) and None not in model_bytes and min(model_bytes) > 0
    largest = max(model_bytes) if known else 0
    all_read = bool(bytes_per_token) and min(bytes_per_token) > 0
    # (quantization, value) pairs built once, and the two maps of each GPU filled into
    # copies of a dict that already holds every quantization key (in catalog order):
    # a copy is sized right at once, while a dict built key by key resizes twice on
    # the way to ~16 keys (measured ~15% cheaper per map; an all-ones map is a copy).
    size_pairs = tuple(zip(quant_ids, model_bytes))
    read_pairs = tuple(zip(quant_ids, bytes_per_token))
    keys = dict.fromkeys(quant_ids)
    ones = None
    out = []
    for g in gpus:
        room, bw = g.room, g.bandwidth
        if not (known and all_read and 0 < largest <= MAX_DEVICES * room):
            out.append(gpu_fit(g, quant_ids, model_bytes, bytes_per_token))
            continue
        speeds = keys.copy()
        if largest <= room:
            # One device at every quantization: n * bw / b with n = 1 is the float bw / b.
            if ones is None:
                ones = dict.fromkeys(quant_ids, 1)
            devices = ones.copy()
            for q, b in read_pairs:
                speeds[q] = bw / b
        else:
            devices = keys.copy()
            for q, m in size_pairs:
                devices[q] = 1 if m <= room else -(-m // room)
            for (q, b), n in zip(read_pairs, devices.values()):
                speeds[q] = n * bw / b
        out.append(_entry(g, devices, speeds))
    return out
