"""What a file of a given quantization really holds for a given model (pure).

A quantization row (schema/quantizations.yaml) names storage types per tensor role. For a
model published in BF16 every row is what a converter or an engine makes of that
checkpoint. For a model shipped natively quantized (the card's ``release`` block) some rows
would describe files nobody can download:

- llama.cpp's GGUF files of gpt-oss keep the routed experts in MXFP4 at every GGUF
  quantization: convert_hf_to_gguf.py (GptOssModel) copies the checkpoint's MXFP4 expert
  blocks as they are, and llama-quant.cpp (llama_model_quantize_impl) will not requantize an
  already quantized tensor without --allow-requantize; uploaders keep them (bartowski's
  gpt-oss README: "All quants keep the feed forward networks at mxfp4"). So a "Q4_K_M" file
  of gpt-oss-120b is Q4_K_M attention, embedding and output plus MXFP4 experts: 58.5 GiB, not
  the 87.8 GB of Q4_K_M experts (tests/calc/test_calc_native.py checks real files).
  The card says so with ``release.gguf_routed_experts``.
- a scheme that stores only the routed experts differently (the catalog's MXFP4: experts in
  MXFP4, the rest BF16) exists only as the publisher's own checkpoint: no converter or
  engine makes it from another release. Shown only for a model whose
  ``release.quantization`` is that scheme; on a dense model it would equal BF16.

Every other row is kept: GGUF conversions of FP8 releases (llama.cpp converts FP8 to BF16
before quantizing) and safetensors rows, which describe a real conversion of the released
weights (community BF16 upcasts of FP8 checkpoints exist) or what vLLM holds after
quantizing on load (``--quantization fp8`` stores every linear layer in FP8; its per-channel
scales differ from the catalog's 128 x 128 block scales by well under 0.1%).
"""

from __future__ import annotations

from typing import Any, Mapping


def as_stored(card: Mapping[str, Any], quant: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The catalog entry ``quant`` as a file of that name stores ``card``; None when no such file exists.

    Returns ``quant`` itself when nothing changes, else a new entry with the same id: its
    ``types`` give the routed experts the type they really keep, ``routed_experts_fixed``
    says no per-layer rule changes them, and ``name`` says so.
    """
    types = quant["types"]
    default = types["default"]
    routed = types.get("routed_experts", default)
    is_moe = (card.get("architecture") or {}).get("type") == "moe"
    release = card.get("release") or {}
    if routed != default:
        # Only the publisher's checkpoint stores experts alone differently.
        return quant if is_moe and release.get("quantization") == quant["id"] else None
    keep = release.get("gguf_routed_experts")
    if keep and is_moe and quant.get("format") == "gguf" and keep != routed:
        return {**quant,
                "name": f"{quant['name']} (routed experts stay {keep}, as in every GGUF of this model)",
                "types": {**types, "routed_experts": keep},
                "routed_experts_fixed": True}
    return quant
