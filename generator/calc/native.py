"""What a file of a given quantization really holds for a given model (pure).

Stub: filled in by issue 10's native-quantization work. ``as_stored(card, quant)`` returns
the catalog quantization entry as a file of that name stores this card's tensors (for
example gpt-oss GGUF files keep the routed experts in MXFP4 at every GGUF type), or None
when no file of that name exists for the model (the row is then not shown).
"""

from __future__ import annotations

from typing import Any, Mapping


def as_stored(card: Mapping[str, Any], quant: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return quant
