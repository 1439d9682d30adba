"""Precomputed VRAM tables: quantization x context (batch 1) plus a batch variant."""

from __future__ import annotations

from typing import Any, Sequence

STANDARD_CONTEXTS = (1024, 4096, 8192, 16384, 32768, 131072)
BATCH_VARIANTS = (4, 16)
DEFAULT_KV_DTYPE = "F16"


def table_contexts(max_context: int | None) -> list[int]:
    """1K, 4K, 8K, 16K, 32K, 128K up to the model's maximum, plus the maximum itself."""
    if max_context is None:
        return list(STANDARD_CONTEXTS)
    out = [c for c in STANDARD_CONTEXTS if c <= max_context]
    if max_context not in out:
        out.append(max_context)
    return out


def reference_context(max_context: int | None) -> int:
    """Context used for hardware fit, batch variants and speed: 8K or the maximum if smaller."""
    return 8192 if max_context is None else min(8192, max_context)


def vram_row(
    quantization: str,
    context: int,
    batch: int,
    kv_dtype: str,
    weights: int | None,
    kv: int | None,
    activations: int | None,
    overhead: int,
) -> dict[str, Any]:
    # Plain None tests rather than any() over a generator: this runs for every table cell.
    total = None if weights is None or kv is None or activations is None else weights + kv + activations + overhead
    return {
        "quantization": quantization,
        "context": context,
        "batch": batch,
        "kv_dtype": kv_dtype,
        "weights_bytes": weights,
        "kv_cache_bytes": kv,
        "activations_bytes": activations,
        "overhead_bytes": overhead,
        "total_bytes": total,
    }


def vram_rows(
    quantizations: Sequence[tuple[str, int | None]],
    cells: Sequence[tuple[int, int, int | None, int | None]],
    kv_dtype: str,
    overhead: int,
) -> list[dict[str, Any]]:
    """Rows quantization-major: for each (id, weights) every (context, batch, kv, activations) cell.

    The same rows as vram_row() one at a time. Each cell's fields and partial sum are
    built once, as a template row, and every quantization's row is a copy of it with
    its own three fields set: copying a dict (one block copy) is much cheaper than
    building it key by key, and keeps the key order of vram_row().
    """
    templates = [
        (vram_row("", c, b, kv_dtype, None, kv, act, overhead), None if kv is None or act is None else kv + act + overhead)
        for c, b, kv, act in cells
    ]
    rows: list[dict[str, Any]] = []
    append = rows.append
    for qid, w in quantizations:
        for template, rest in templates:
            row = template.copy()
            row["quantization"] = qid
            row["weights_bytes"] = w
            if w is not None and rest is not None:
                row["total_bytes"] = w + rest
            append(row)
    return rows
