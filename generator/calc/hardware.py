"""Hardware fit (fewest devices) and decode-speed ceilings per GPU kind."""

from __future__ import annotations

from typing import Any, Mapping

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
