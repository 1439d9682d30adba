"""Hardware fit (fewest devices) and decode-speed ceilings per GPU kind."""

from __future__ import annotations

from itertools import repeat
from operator import mul, truediv
from typing import Any, Mapping, Sequence

MAX_DEVICES = 64


def usable_bytes(gpu: Mapping[str, Any]) -> int:
    return int(gpu["memory_bytes"]) * int(gpu["usable_percent"]) // 100


def devices_needed(model_bytes: int, overhead_bytes: int, gpu: Mapping[str, Any]) -> int | None:
    """Fewest n with model_bytes + n * overhead <= n * usable (even split assumed); None if > MAX_DEVICES."""
    room = usable_bytes(gpu) - overhead_bytes
    if room <= 0:
        return None
    n = max(1, -(-model_bytes // room))
    return n if n <= MAX_DEVICES else None


def decode_ceiling(bytes_per_token: int, devices: int, gpu: Mapping[str, Any]) -> float | None:
    """Upper bound on tokens/s for one sequence: aggregate bandwidth / bytes read per token."""
    if bytes_per_token <= 0:
        return None
    return round(devices * int(gpu["bandwidth_bytes_per_s"]) / bytes_per_token, 1)


# Below 2**53 an int converts to float exactly, and IEEE division is correctly
# rounded like Python's int / int, so the float path gives the same speeds faster.
_EXACT = 2**53


def _hardware_rows(gpus: Sequence[Any], per_quant: Sequence[tuple[str, int | None, int]], overhead_bytes: int) -> list[dict[str, Any]]:
    """hardware_table() one (GPU, quantization) at a time: unknown sizes, huge models, any value."""
    # (id, model bytes, total with one overhead, bytes per token as float, exact float path?)
    prepared = [
        (qid, model, None if model is None else model + overhead_bytes, float(pt) if pt > 0 else None, pt < _EXACT, pt)
        for qid, model, pt in per_quant
    ]
    out = []
    for gpu in gpus:
        room, bw = gpu.room, gpu.bandwidth
        fits = []
        append = fits.append
        bw_f = float(bw)
        exact_bw = MAX_DEVICES * bw < _EXACT
        for qid, model, total, pt_f, exact_pt, pt in prepared:
            if model is None:
                append({"quantization": qid, "total_bytes": None, "devices": None, "decode_tokens_per_s_upper_bound": None})
                continue
            if room <= 0:
                n = None
            elif model <= room:
                n = 1
            else:
                n = -(-model // room)
                if n > MAX_DEVICES:
                    n = None
            if n is None or pt_f is None:
                speed = None
            elif exact_pt and exact_bw:
                speed = round(n * bw_f / pt_f, 1)
            else:
                speed = round(n * bw / pt, 1)
            append({"quantization": qid, "total_bytes": total, "devices": n, "decode_tokens_per_s_upper_bound": speed})
        out.append({
            "gpu": gpu.id,
            "name": gpu.name,
            "memory_bytes": gpu.memory_bytes,
            "usable_bytes": gpu.usable_bytes,
            "bandwidth_bytes_per_s": bw,
            "fits": fits,
        })
    return out


def hardware_table(gpus: Sequence[Any], per_quant: Sequence[tuple[str, int | None, int]], overhead_bytes: int) -> list[dict[str, Any]]:
    """Fit and decode ceiling of every (GPU, quantization): devices_needed and decode_ceiling for each.

    gpus: generator.calc.plan.GpuPlan values; per_quant: (id, bytes to hold without the
    per-device overhead or None when unknown, bytes read per token). The common case
    (all sizes known, float-exact) runs column-wise through map(); anything else row by row.
    """
    models = [m for _, m, _ in per_quant]
    if None in models or any(pt <= 0 or pt >= _EXACT for _, _, pt in per_quant):
        return _hardware_rows(gpus, per_quant, overhead_bytes)
    qids = [q for q, _, _ in per_quant]
    totals = [m + overhead_bytes for m in models]
    pts = [float(pt) for _, _, pt in per_quant]
    nq = len(qids)
    largest = max(models, default=0)
    ones = [1] * nq
    out = []
    for gpu in gpus:
        room, bw = gpu.room, gpu.bandwidth
        if room <= 0 or largest > MAX_DEVICES * room or MAX_DEVICES * bw >= _EXACT:
            out.extend(_hardware_rows((gpu,), per_quant, overhead_bytes))
            continue
        if largest <= room:  # every quantization fits one device
            ns = ones
            speeds = map(round, map(truediv, repeat(float(bw), nq), pts), repeat(1, nq))
        else:
            ns = [1 if m <= room else -(-m // room) for m in models]
            speeds = map(round, map(truediv, map(mul, ns, repeat(float(bw), nq)), pts), repeat(1, nq))
        out.append({
            "gpu": gpu.id,
            "name": gpu.name,
            "memory_bytes": gpu.memory_bytes,
            "usable_bytes": gpu.usable_bytes,
            "bandwidth_bytes_per_s": bw,
            "fits": [
                {"quantization": q, "total_bytes": t, "devices": n, "decode_tokens_per_s_upper_bound": v}
                for q, t, n, v in zip(qids, totals, ns, speeds)
            ],
        })
    return out
