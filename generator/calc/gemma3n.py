"""Gemma 3n's language-model extras and audio encoder, counted exactly (pure).

Layout from transformers' ``models/gemma3n/modeling_gemma3n.py`` (Gemma3nTextModel,
Gemma3nTextDecoderLayer, Gemma3nTextAltUp, Gemma3nTextLaurelBlock, Gemma3nAudioEncoder,
Gemma3nMultimodalEmbedder), the code the Hub checkpoints google/gemma-3n-E2B(-it) and
google/gemma-3n-E4B(-it) load with. What a plain transformer count (params.py) already covers
is left to it: the token embedding, q/k/v/o with per-head q/k norms (the v norm has no weight),
the four block norms, the gated FFN and the final norm. This module adds, each as its own
breakdown part:

* ``per_layer_projections`` (with ``architecture.per_layer_embeddings``): the model-level
  ``per_layer_model_projection`` (h x layers*w) and ``per_layer_projection_norm`` (w), and per
  layer ``per_layer_input_gate`` (h x w), ``per_layer_projection`` (w x h) and
  ``post_per_layer_input_norm`` (h). The table itself is params.per_layer_embedding_params.
* ``altup`` (``architecture.altup_inputs`` = n): the model-level ``altup_projections`` and
  ``altup_unembed_projections`` (n - 1 matrices of h x h each), and per layer
  ``correct_output_scale`` (h), ``correction_coefs`` (n x n), ``prediction_coefs`` (n x n^2),
  ``modality_router`` (h x n) and ``router_norm`` (h).
* ``laurel`` (``architecture.laurel_rank`` = r): per layer ``linear_left`` (h x r),
  ``linear_right`` (r x h) and ``post_laurel_norm`` (h).

KV sharing (``attention.kv_shared_layers``): the last layers reuse the keys and values of the
last earlier layer of the same kind (Gemma3nTextAttention.kv_shared_layer_index). Their k_proj
and v_proj are still in the checkpoint, so they count as parameters, but they own no cache:
``cache_layers`` is the number of layers that do.
"""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.state import MissingField

# The audio encoder's fixed sub-sampling front end, as every released Gemma 3n config sets it
# (audio_config of google/gemma-3n-E2B-it and -E4B-it: input_feat_size 128,
# sscp_conv_channel_size [128, 32], sscp_conv_kernel_size [[3, 3], [3, 3]], stride 2 x 2,
# conf_conv_kernel_size 5, vocab_size 128). The importer refuses a config that differs.
AUDIO_MEL_BINS = 128
AUDIO_SSCP_CHANNELS = (128, 32)
AUDIO_SSCP_KERNEL = 3
AUDIO_CONV_KERNEL = 5
AUDIO_VOCAB = 128


def _need(block: Mapping[str, Any] | None, key: str) -> Any:
    value = None if block is None else block.get(key)
    if value is None:
        raise MissingField(key)
    return value


def text_parts(arch: Mapping[str, Any]) -> dict[str, int]:
    """The Gemma 3n parts of the language model this card has (empty for other models)."""
    parts: dict[str, int] = {}
    if not any(arch.get(k) is not None for k in ("per_layer_embeddings", "altup_inputs", "laurel_rank")):
        return parts
    h, L = int(_need(arch, "hidden_size")), int(_need(arch, "layers"))
    ple = arch.get("per_layer_embeddings")
    if isinstance(ple, Mapping):
        w = int(_need(ple, "width"))
        parts["per_layer_projections"] = h * L * w + w + L * (2 * h * w + h)
    n = arch.get("altup_inputs")
    if n is not None:
        n = int(n)
        parts["altup"] = 2 * (n - 1) * h * h + L * (2 * h + n * n + n ** 3 + h * n)
    r = arch.get("laurel_rank")
    if r is not None:
        parts["laurel"] = L * (2 * h * int(r) + h)
    return parts


def tensor_shapes(arch: Mapping[str, Any]) -> list[tuple[str, int, int, str]]:
    """(role, inputs, outputs, layers) of each matrix ``text_parts`` counts, layers "global" or "all".

    Roles as generator/calc/tensors.Matrix names them; 1-D tensors are "one_d" (1 x width).
    The per-layer embedding table is "per_layer_embd": a lookup table that llama.cpp keeps in
    host memory like token_embd (src/llama-arch.cpp LLM_TENSOR_INFOS: PER_LAYER_TOKEN_EMBD is
    LLM_TENSOR_LAYER_INPUT with GGML_OP_GET_ROWS). The model-level projection is its own role,
    "per_layer_model_proj", because llama.cpp's quantizer treats it apart from the per-layer
    gate and projection: it leaves it, and every "altup" and "laurel" tensor, unquantized
    (weights.LLAMA_QUANTIZE_KEEPS).
    """
    h, L = int(_need(arch, "hidden_size")), int(_need(arch, "layers"))
    out: list[tuple[str, int, int, str]] = []
    ple = arch.get("per_layer_embeddings")
    if isinstance(ple, Mapping):
        w = int(_need(ple, "width"))
        out.append(("per_layer_embd", L * w, int(_need(ple, "vocab_size")), "global"))
        out.append(("per_layer_model_proj", h, L * w, "global"))
        out.append(("one_d", 1, w, "global"))
        out.append(("per_layer_proj", h, w, "all"))
        out.append(("per_layer_proj", w, h, "all"))
        out.append(("one_d", 1, h, "all"))
    n = arch.get("altup_inputs")
    if n is not None:
        n = int(n)
        out.append(("altup", h, 2 * (n - 1) * h, "global"))
        out.append(("altup", h, n, "all"))
        out.append(("one_d", 1, 2 * h + n * n + n ** 3, "all"))
    r = arch.get("laurel_rank")
    if r is not None:
        out.append(("laurel", h, 2 * int(r), "all"))
        out.append(("one_d", 1, h, "all"))
    return out


def kv_shared_layers(arch: Mapping[str, Any]) -> int:
    """attention.kv_shared_layers, 0 when absent."""
    return int((arch.get("attention") or {}).get("kv_shared_layers") or 0)


def cache_layers(arch: Mapping[str, Any]) -> int:
    """Layers that own a KV cache: all but the last ``kv_shared_layers``."""
    return int(_need(arch, "layers")) - kv_shared_layers(arch)


def audio_encoder_params(enc: Mapping[str, Any], text_hidden: int) -> int:
    """Gemma3nAudioEncoder (a USM conformer) and its Gemma3nMultimodalEmbedder, exactly.

    Sub-sampling: two bias-free 3 x 3 convolutions (1 -> 128 -> 32 channels, stride 2 each, so
    128 mel bins become 32), each with a cumulative group norm of its channels, and a linear
    32 x 32 -> h. Each conformer block (h wide, d = h / heads): two feed-forward halves (an
    RMSNorm, h x 4h, 4h x h, an RMSNorm: 8h^2 + 2h each); attention (RMSNorm, q, k, v, the
    relative-position projection and the output, 5h^2, a per-dim scale of d, RMSNorm); a light
    convolution (RMSNorm, h x 2h, a depthwise kernel of 5 per channel, RMSNorm, h x h); and a
    final RMSNorm: 24h^2 + 14h + d. Embedder: a 128-row table of h, two RMSNorms of h and an
    h x text_hidden projection (its post-projection norm has no weight).
    """
    L, h = int(_need(enc, "layers")), int(_need(enc, "hidden_size"))
    heads = int(_need(enc, "heads"))
    if int(_need(enc, "intermediate_size")) != 4 * h:
        raise MissingField("intermediate_size")  # the conformer's FFN is 4h wide in the code
    c0, c1 = AUDIO_SSCP_CHANNELS
    k2 = AUDIO_SSCP_KERNEL ** 2
    freq = AUDIO_MEL_BINS // 4  # two stride-2 convolutions with one column of padding each side
    sscp = k2 * c0 + c0 + k2 * c0 * c1 + c1 + freq * c1 * h
    block = 24 * h * h + (10 + AUDIO_CONV_KERNEL - 1) * h + h // heads
    embedder = AUDIO_VOCAB * h + 2 * h + h * text_hidden
    return sscp + L * block + embedder


def audio_encoder_vectors(enc: Mapping[str, Any]) -> int:
    """The 1-D elements of ``audio_encoder_params`` (norms, the per-dim scales) and the depthwise kernels."""
    L, h = int(_need(enc, "layers")), int(_need(enc, "hidden_size"))
    heads = int(_need(enc, "heads"))
    c0, c1 = AUDIO_SSCP_CHANNELS
    per_block = 9 * h + h // heads + AUDIO_CONV_KERNEL * h
    return c0 + c1 + L * per_block + 2 * h
