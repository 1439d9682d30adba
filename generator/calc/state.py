"""Layers that are not (only) softmax attention: state-space (Mamba-1/2), linear attention
(gated DeltaNet, lightning attention, Kimi delta attention) and DeepSeek-V3.2's sparse-attention
indexer. Their weights, and the fixed-size state each sequence keeps.

Pure arithmetic over a card's ``architecture`` block. The layer layout is
``architecture.layer_pattern``: one letter per layer (schema/model-card.schema.json):

    A  attention + FFN          a  attention only (no FFN)
    M  state-space + FFN        m  state-space only
    P  attention and state-space side by side (Falcon-H1) + FFN
    R  linear attention + FFN   F  FFN only (Nemotron-H "-" blocks)

A null or absent pattern means every layer is ``A`` (a plain transformer).
Weight layouts follow the Hugging Face modules named in each function; site/architectures.md
gives the formulas and the checkpoints they were checked against.
"""

from __future__ import annotations

from typing import Any, Mapping

ATTENTION_LETTERS = frozenset("AaP")
SSM_LETTERS = frozenset("MmP")
LINEAR_LETTERS = frozenset("R")
FFN_LETTERS = frozenset("AMPRF")
PATTERN_LETTERS = "AaMmPRF"

# The recurrent state as the engines keep it by default: llama.cpp's recurrent memory stores
# both the conv (r) and the ssm (s) states in F32 (src/llama-model.cpp create_memory:
# llama_memory_recurrent(..., GGML_TYPE_F32, GGML_TYPE_F32, ...)).
STATE_BYTES = 4


class MissingField(Exception):
    """A field needed for a count is null or absent (params._Missing catches it as its own)."""


def _need(block: Mapping[str, Any] | None, key: str) -> Any:
    if not isinstance(block, Mapping) or block.get(key) is None:
        raise MissingField(key)
    return block[key]


def layer_kinds(arch: Mapping[str, Any]) -> str:
    """One letter per layer: the pattern, or ``A`` for every layer when there is none."""
    pattern = arch.get("layer_pattern")
    layers = int(_need(arch, "layers"))
    if pattern is None:
        return "A" * layers
    pattern = str(pattern)
    if len(pattern) != layers or set(pattern) - set(PATTERN_LETTERS):
        # A pattern that contradicts the layer count (the validator says where) gives no count.
        raise MissingField("layer_pattern")
    return pattern


def moe_layers(kinds: str, first_dense: int, step: int) -> list[int]:
    """Indices of the MoE blocks: FFN-carrying layers i with i >= first_dense and
    (i - first_dense) % step == step - 1 (params.moe_layer_count when every layer has an FFN)."""
    return [i for i, c in enumerate(kinds) if c in FFN_LETTERS and i >= first_dense
            and (i - first_dense) % step == step - 1]


def count_of(kinds: str, letters: frozenset[str]) -> int:
    return sum(1 for c in kinds if c in letters)


# ---------------------------------------------------------------- state-space layers

def ssm_inner(ssm: Mapping[str, Any]) -> int:
    """d_inner: the width the SSM works in (Mamba-2: heads x head_dim; Mamba-1: expand x hidden)."""
    return int(_need(ssm, "inner_size"))


def ssm_conv_channels(ssm: Mapping[str, Any]) -> int:
    """Channels of the causal conv: Mamba-2 convolves x, B and C together; Mamba-1 only x."""
    inner = ssm_inner(ssm)
    if _need(ssm, "kind") == "mamba2":
        return inner + 2 * int(_need(ssm, "n_groups")) * int(_need(ssm, "state_size"))
    return inner


def ssm_params(ssm: Mapping[str, Any], hidden: int) -> dict[str, int]:
    """One state-space mixer's weights.

    Mamba-2 (transformers Mamba2Mixer, NemotronHMamba2Mixer, GraniteMoeHybridMambaLayer,
    FalconH1Mixer): in_proj h -> (z, xBC, dt) = 2 d_inner + 2 G N + H; depthwise conv1d over
    xBC; dt_bias, A_log, D per head; a gated RMSNorm of d_inner (when ``gated_norm``); out_proj.
    Mamba-1 (JambaMambaMixer): in_proj h -> 2 d_inner; conv1d over d_inner; x_proj d_inner ->
    dt_rank + 2 N; dt_proj dt_rank -> d_inner (with bias); A_log d_inner x N; D d_inner; Jamba
    adds RMSNorms over dt (dt_rank), B and C (N each) when ``inner_norms``.
    """
    kind = _need(ssm, "kind")
    inner = ssm_inner(ssm)
    n_state = int(_need(ssm, "state_size"))
    kernel = int(_need(ssm, "conv_kernel"))
    proj_bias = bool(_need(ssm, "proj_bias"))
    conv_bias = bool(_need(ssm, "conv_bias"))
    conv = ssm_conv_channels(ssm)
    parts: dict[str, int] = {}
    if kind == "mamba2":
        heads = int(_need(ssm, "heads"))
        in_out = 2 * inner + 2 * int(_need(ssm, "n_groups")) * n_state + heads
        parts["ssm_in_proj"] = hidden * in_out + (in_out if proj_bias else 0)
        parts["ssm_conv1d"] = conv * kernel + (conv if conv_bias else 0)
        parts["ssm_dt_a_d"] = 3 * heads
        parts["ssm_norm"] = inner if bool(_need(ssm, "gated_norm")) else 0
    else:
        dt_rank = int(_need(ssm, "dt_rank"))
        parts["ssm_in_proj"] = hidden * 2 * inner + (2 * inner if proj_bias else 0)
        parts["ssm_conv1d"] = conv * kernel + (conv if conv_bias else 0)
        parts["ssm_x_proj"] = inner * (dt_rank + 2 * n_state)
        parts["ssm_dt_proj"] = dt_rank * inner + inner
        parts["ssm_dt_a_d"] = inner * n_state + inner
        parts["ssm_norm"] = dt_rank + 2 * n_state if bool(_need(ssm, "inner_norms")) else 0
    parts["ssm_out_proj"] = inner * hidden + (hidden if proj_bias else 0)
    return parts


def ssm_state_elements(ssm: Mapping[str, Any]) -> tuple[int, int]:
    """(conv state, recurrent state) values one sequence keeps in one SSM layer.

    conv: the last conv_kernel - 1 inputs of every conv channel; recurrent: d_inner x N
    (Mamba-2: heads x head_dim x N, the same product). llama.cpp: hparams n_embd_r() and
    n_embd_s() (src/llama-hparams.cpp); vLLM: MambaStateShapeCalculator.mamba2_state_shape /
    mamba1_state_shape (vllm/model_executor/layers/mamba/mamba_utils.py).
    """
    kernel = int(_need(ssm, "conv_kernel"))
    return (kernel - 1) * ssm_conv_channels(ssm), ssm_inner(ssm) * int(_need(ssm, "state_size"))


# ---------------------------------------------------------------- linear attention layers

def _lin_widths(lin: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """(key heads, key head dim, value heads, value head dim)."""
    v_heads = int(_need(lin, "value_heads"))
    k_heads = int(lin.get("key_heads") or v_heads)
    v_dim = int(_need(lin, "value_head_dim"))
    k_dim = int(lin.get("key_head_dim") or v_dim)
    return k_heads, k_dim, v_heads, v_dim


def linear_conv_channels(lin: Mapping[str, Any]) -> int:
    """Channels of the short causal conv over q, k and v (0 for lightning attention, which has none)."""
    if _need(lin, "kind") == "lightning":
        return 0
    k_heads, k_dim, v_heads, v_dim = _lin_widths(lin)
    return 2 * k_heads * k_dim + v_heads * v_dim


def linear_attention_params(lin: Mapping[str, Any], hidden: int) -> dict[str, int]:
    """One linear-attention mixer's weights.

    gated_deltanet (transformers Qwen3NextGatedDeltaNet): in_proj_qkvz h -> 2 Kd + 2 Vd,
    in_proj_ba h -> 2 Hv, conv1d (no bias) over q, k, v, dt_bias and A_log per value head,
    a gated RMSNorm of the value head dim, out_proj Vd -> h.
    lightning (MiniMax-Text-01 MiniMaxText01LightningAttention): qkv_proj h -> 3 H d,
    output_gate h -> H d, an RMSNorm of H d, out_proj H d -> h.
    kda (Kimi Linear KimiDeltaAttention): q, k, v projections, a short conv on each (no bias),
    the low-rank forget gate f_a (h -> d) and f_b (d -> H d), beta b_proj (h -> H), A_log (H) and
    dt_bias (H d), the low-rank output gate g_a (h -> d) and g_b (d -> H d), an RMSNorm of d and
    o_proj H d -> h.
    """
    kind = _need(lin, "kind")
    k_heads, k_dim, v_heads, v_dim = _lin_widths(lin)
    kd, vd = k_heads * k_dim, v_heads * v_dim
    parts: dict[str, int] = {}
    if kind == "gated_deltanet":
        kernel = int(_need(lin, "conv_kernel"))
        parts["linear_in_proj"] = hidden * (2 * kd + 2 * vd) + hidden * 2 * v_heads
        parts["linear_conv1d"] = linear_conv_channels(lin) * kernel
        parts["linear_dt_a"] = 2 * v_heads
        parts["linear_norm"] = v_dim
    elif kind == "lightning":
        parts["linear_in_proj"] = hidden * 3 * vd
        parts["linear_gate"] = hidden * vd
        parts["linear_norm"] = vd
    else:  # kda
        kernel = int(_need(lin, "conv_kernel"))
        parts["linear_in_proj"] = hidden * (2 * kd + vd) + hidden * v_heads
        parts["linear_conv1d"] = linear_conv_channels(lin) * kernel
        parts["linear_gate"] = 2 * (hidden * v_dim + v_dim * vd)
        parts["linear_dt_a"] = v_heads + vd
        parts["linear_norm"] = v_dim
    parts["linear_out_proj"] = vd * hidden
    return parts


def linear_state_elements(lin: Mapping[str, Any]) -> tuple[int, int]:
    """(conv state, recurrent state) values one sequence keeps in one linear-attention layer:
    the conv's last conv_kernel - 1 inputs, and one key-dim x value-dim matrix per value head."""
    k_heads, k_dim, v_heads, v_dim = _lin_widths(lin)
    conv = linear_conv_channels(lin)
    kernel = int(lin.get("conv_kernel") or 1)
    return (kernel - 1) * conv, v_heads * k_dim * v_dim


# ---------------------------------------------------------------- DeepSeek-V3.2 indexer

def indexer_params(idx: Mapping[str, Any], hidden: int, q_lora_rank: int) -> dict[str, int]:
    """The lightning indexer of DeepSeek-V3.2 (inference/model.py Indexer): wq_b from the query
    latent to heads x head_dim, wk h -> head_dim, a LayerNorm of head_dim (weight and bias), and
    weights_proj h -> heads."""
    heads, dim = int(_need(idx, "heads")), int(_need(idx, "head_dim"))
    return {
        "indexer_wq_b": q_lora_rank * heads * dim,
        "indexer_wk": hidden * dim,
        "indexer_k_norm": 2 * dim,
        "indexer_weights_proj": hidden * heads,
    }


# ---------------------------------------------------------------- per-sequence state

def state_elements_per_sequence(arch: Mapping[str, Any]) -> int:
    """Values of fixed-size state one sequence keeps over all layers (0 for a plain transformer).

    It does not grow with the context: a state-space or linear-attention layer folds every
    token into the same conv window and recurrent matrix.
    """
    kinds = layer_kinds(arch)
    total = 0
    n_ssm = count_of(kinds, SSM_LETTERS)
    if n_ssm:
        total += n_ssm * sum(ssm_state_elements(_need(arch, "ssm")))
    n_lin = count_of(kinds, LINEAR_LETTERS)
    if n_lin:
        total += n_lin * sum(linear_state_elements(_need(arch, "linear_attention")))
    return total


def state_bytes_per_sequence(arch: Mapping[str, Any]) -> int:
    """Bytes of that state at STATE_BYTES per value."""
    return state_elements_per_sequence(arch) * STATE_BYTES


_KIND_NAMES = {
    "ssm": {"mamba1": "Mamba-1", "mamba2": "Mamba-2"},
    "linear": {"gated_deltanet": "gated DeltaNet", "lightning": "lightning attention", "kda": "Kimi delta attention"},
}


def describe_layers(arch: Mapping[str, Any]) -> str | None:
    """'36 gated DeltaNet + 12 attention' for a patterned card (None without a layer_pattern)."""
    pattern = arch.get("layer_pattern")
    if not isinstance(pattern, str) or not pattern:
        return None
    parts = []
    ssm_kind = str((arch.get("ssm") or {}).get("kind"))
    lin_kind = str((arch.get("linear_attention") or {}).get("kind"))
    for letters, name in (
        ("M", _KIND_NAMES["ssm"].get(ssm_kind, "state-space")),
        ("m", _KIND_NAMES["ssm"].get(ssm_kind, "state-space") + " (no FFN)"),
        ("P", "attention and " + _KIND_NAMES["ssm"].get(ssm_kind, "state-space") + " side by side"),
        ("R", _KIND_NAMES["linear"].get(lin_kind, "linear attention")),
        ("A", "attention"),
        ("a", "attention (no FFN)"),
        ("F", "FFN only"),
    ):
        n = pattern.count(letters)
        if n:
            parts.append(f"{n} {name}")
    return " + ".join(parts)
