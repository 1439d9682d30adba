"""The weight tensors an architecture implies, grouped by role.

Pure. Used for per-tensor quantization (GGUF mixes), LoRA adapter sizes and
active-weight bytes. Assumes ``count_parameters`` succeeded on the same card, so
every needed field is present. Totals agree with params.py (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple

from generator.calc import gemma3n, state
from generator.calc.params import head_dim_of


class Matrix(NamedTuple):
    """``copies`` matrices of ``ne0`` inputs x ``out`` outputs in each layer of ``layers``.

    layers: "global" (once per model), "all", "dense" or "moe" (which blocks hold it), or, in a
    model with a layer_pattern, "attn", "ssm" or "linear" (the layers with that mixer).
    role: llama.cpp tensor category (token_embd, output, attn_q, attn_k, attn_v, attn_qkv,
    attn_output, attn_other, ffn_gate, ffn_up, ffn_down, router) or "one_d" for
    vectors (norms, biases, sinks) that every format keeps at higher precision.
    """

    role: str
    ne0: int
    out: int
    copies: int
    layers: str
    routed: bool = False

    @property
    def elements(self) -> int:
        return self.ne0 * self.out * self.copies


@dataclass(frozen=True)
class Inventory:
    matrices: tuple[Matrix, ...]
    n_layers: int
    n_dense: int
    n_moe: int
    first_dense: int
    step: int
    n_experts: int
    n_active_experts: int
    gqa_ge_4: bool
    tied: bool
    # One letter per layer (state.layer_kinds); "" for a plain transformer (every layer A).
    kinds: str = ""

    def layer_count(self, which: str) -> int:
        if which == "global":
            return 1
        if which == "all":
            return self.n_layers
        if which in MIXER_LETTERS:
            return state.count_of(self.kinds or "A" * self.n_layers, MIXER_LETTERS[which])
        return self.n_dense if which == "dense" else self.n_moe


# Matrix.layers of the mixers, and the layer_pattern letters whose layers hold them.
MIXER_LETTERS = {"attn": state.ATTENTION_LETTERS, "ssm": state.SSM_LETTERS, "linear": state.LINEAR_LETTERS}


def _mlp(h: int, inner: int, gated: bool, bias: bool, copies: int, layers: str, routed: bool) -> list[Matrix]:
    out = []
    if gated:
        out.append(Matrix("ffn_gate", h, inner, copies, layers, routed))
    out.append(Matrix("ffn_up", h, inner, copies, layers, routed))
    out.append(Matrix("ffn_down", inner, h, copies, layers, routed))
    if bias:
        width = (2 * inner if gated else inner) + h
        out.append(Matrix("one_d", 1, width, copies, layers, routed))
    return out


def inventory(card: Mapping[str, Any]) -> Inventory:
    arch = card["architecture"]
    att = arch["attention"]
    kinds = state.layer_kinds(arch)
    plain = arch.get("layer_pattern") is None
    attn_at = "all" if plain else "attn"  # the layers that hold attention tensors
    h = int(arch["hidden_size"])
    L = int(arch["layers"])
    V = int(arch["vocab_size"])
    tied = bool(arch["tied_embeddings"])
    gated = arch["mlp"] == "gated"
    mlp_bias = bool(arch["mlp_bias"])
    heads = int(att["heads"])
    m: list[Matrix] = [Matrix("token_embd", h, V, 1, "global", False)]
    if not tied:
        m.append(Matrix("output", h, V, 1, "global", False))
    if arch["position_embedding"] == "learned":
        m.append(Matrix("one_d", h, int(arch["max_position_embeddings"]), 1, "global", False))
    norm_w = h * (2 if arch.get("norm_bias") else 1)
    m.append(Matrix("one_d", 1, norm_w * int(arch["norms_per_layer"]), 1, "all", False))
    m.append(Matrix("one_d", 1, norm_w, 1, "global", False))  # final norm
    qkv_bias = bool(att["qkv_bias"])
    out_bias = bool(att["output_bias"])
    if att["structure"] == "MLA":
        mla = att["mla"]
        kv_heads = int(att.get("kv_heads") or heads)
        nope, rope = int(mla["qk_nope_head_dim"]), int(mla["qk_rope_head_dim"])
        kvr, vd = int(mla["kv_lora_rank"]), int(mla["v_head_dim"])
        q_out = heads * (nope + rope)
        if mla.get("q_lora_rank") is None:
            m.append(Matrix("attn_other", h, q_out, 1, attn_at, False))
        else:
            qr = int(mla["q_lora_rank"])
            m.append(Matrix("attn_other", h, qr, 1, attn_at, False))
            m.append(Matrix("attn_other", qr, q_out, 1, attn_at, False))
            m.append(Matrix("one_d", 1, qr + (qr if qkv_bias else 0), 1, attn_at, False))
        m.append(Matrix("attn_other", h, kvr + rope, 1, attn_at, False))
        m.append(Matrix("one_d", 1, kvr + (kvr + rope if qkv_bias else 0), 1, attn_at, False))
        m.append(Matrix("attn_other", kvr, kv_heads * (nope + vd), 1, attn_at, False))
        m.append(Matrix("attn_output", heads * vd, h, 1, attn_at, False))
        if out_bias:
            m.append(Matrix("one_d", 1, h, 1, attn_at, False))
        kv_heads_eff = kv_heads
    else:
        kv_heads_eff = int(att["kv_heads"])
        hd = head_dim_of(arch)
        qw, kvw = heads * hd, kv_heads_eff * hd
        if att.get("fused_qkv"):
            # One matrix as the checkpoint stores it (llama.cpp attn_qkv): same weights, but
            # one tensor for the quantizer's rules and one module for LoRA.
            m.append(Matrix("attn_qkv", h, qw + 2 * kvw, 1, attn_at, False))
        else:
            q_out = qw * (2 if att.get("output_gate") else 1)  # Qwen3-Next: query + output gate
            m.append(Matrix("attn_q", h, q_out, 1, attn_at, False))
            m.append(Matrix("attn_k", h, kvw, 1, attn_at, False))
            m.append(Matrix("attn_v", h, kvw, 1, attn_at, False))
        m.append(Matrix("attn_output", qw, h, 1, attn_at, False))
        vec = ((qw * (2 if att.get("output_gate") else 1)) + 2 * kvw if qkv_bias else 0) + (h if out_bias else 0)
        if att["qk_norm"] == "head":
            vec += 2 * hd
        elif att["qk_norm"] == "full":
            vec += qw + kvw
        if vec:
            m.append(Matrix("one_d", 1, vec, 1, attn_at, False))
    m += _state_matrices(arch, h, plain)
    # Gemma 3n: the per-layer embedding table and projections, AltUp, LAuReL (gemma3n.py)
    m += [Matrix(role, ne0, out, 1, layers, False) for role, ne0, out, layers in gemma3n.tensor_shapes(arch)]
    if att.get("sinks"):
        m.append(Matrix("one_d", 1, heads, 1, attn_at, False))

    exp = arch.get("experts") if arch.get("type") == "moe" else None
    if exp:
        E, A = int(exp["total"]), int(exp["active"])
        fd, step = int(exp["first_dense_layers"]), int(exp["interleave_step"])
        n_moe = len(state.moe_layers(kinds, fd, step))
        m += _mlp(h, int(exp["intermediate_size"]), gated, mlp_bias, E, "moe", True)
        S = int(exp["shared"] or 0)
        if S:
            m += _mlp(h, int(exp["shared_intermediate_size"]), gated, mlp_bias, S, "moe", False)
            if exp.get("shared_expert_gate"):
                m.append(Matrix("router", h, 1, 1, "moe", False))
        m.append(Matrix("router", h, E, 1, "moe", False))
        if exp.get("router_bias"):
            m.append(Matrix("one_d", 1, E, 1, "moe", False))
    else:
        E = A = 0
        fd, step, n_moe = L, 1, 0
    n_dense = state.count_of(kinds, state.FFN_LETTERS) - n_moe
    if n_dense:
        m += _mlp(h, int(arch["intermediate_size"]), gated, mlp_bias, 1, "dense", False)
    return Inventory(
        matrices=tuple(m),
        n_layers=L,
        n_dense=n_dense,
        n_moe=n_moe,
        first_dense=fd,
        step=step,
        n_experts=E,
        n_active_experts=A,
        gqa_ge_4=heads // max(kv_heads_eff, 1) >= 4,
        tied=tied,
        kinds="" if plain else kinds,
    )


def _state_matrices(arch: Mapping[str, Any], h: int, plain: bool) -> list[Matrix]:
    """The state-space, linear-attention and sparse-indexer tensors (state.py counts the same ones).

    Roles as llama.cpp names the tensors; the conv kernels, A, D and dt vectors are "one_d"
    (llama.cpp's quantizer leaves ssm_conv1d and every 1-D tensor unquantized).
    """
    if plain and not (arch.get("attention") or {}).get("sparse_indexer"):
        return []
    m: list[Matrix] = []
    kinds = state.layer_kinds(arch)
    idx = (arch.get("attention") or {}).get("sparse_indexer")
    if idx:
        at = "all" if plain else "attn"
        heads, dim = int(idx["heads"]), int(idx["head_dim"])
        q_rank = int(arch["attention"]["mla"]["q_lora_rank"])
        m.append(Matrix("attn_other", q_rank, heads * dim, 1, at, False))
        m.append(Matrix("attn_other", h, dim, 1, at, False))
        m.append(Matrix("attn_other", h, heads, 1, at, False))
        m.append(Matrix("one_d", 1, 2 * dim, 1, at, False))
    if state.count_of(kinds, state.SSM_LETTERS):
        ssm = arch["ssm"]
        p = state.ssm_params(ssm, h)
        inner = state.ssm_inner(ssm)
        in_out = (p["ssm_in_proj"]) // h if not ssm.get("proj_bias") else None
        if in_out is None:  # with biases: weight rows are the in_proj outputs
            in_out = 2 * inner + (2 * int(ssm["n_groups"]) * int(ssm["state_size"]) + int(ssm["heads"])
                                  if ssm["kind"] == "mamba2" else 0)
            m.append(Matrix("one_d", 1, in_out + h, 1, "ssm", False))
        m.append(Matrix("ssm_in", h, in_out, 1, "ssm", False))
        m.append(Matrix("ssm_out", inner, h, 1, "ssm", False))
        if ssm["kind"] == "mamba1":
            m.append(Matrix("ssm_x", inner, p["ssm_x_proj"] // inner, 1, "ssm", False))
            m.append(Matrix("ssm_dt", int(ssm["dt_rank"]), inner, 1, "ssm", False))
        small = p["ssm_conv1d"] + p["ssm_dt_a_d"] + p["ssm_norm"]
        if ssm["kind"] == "mamba1":
            small += inner  # dt_proj bias (the weight is the matrix above)
        m.append(Matrix("one_d", 1, small, 1, "ssm", False))
    if state.count_of(kinds, state.LINEAR_LETTERS):
        lin = arch["linear_attention"]
        p = state.linear_attention_params(lin, h)
        m.append(Matrix("ssm_in", h, p["linear_in_proj"] // h, 1, "linear", False))
        if "linear_gate" in p:
            gate = p["linear_gate"]
            if lin["kind"] == "lightning":
                m.append(Matrix("attn_gate", h, gate // h, 1, "linear", False))
            else:  # kda: two low-rank pairs (forget gate, output gate)
                vd = int(lin["value_heads"]) * int(lin["value_head_dim"])
                d = int(lin["value_head_dim"])
                m.append(Matrix("attn_gate", h, d, 2, "linear", False))
                m.append(Matrix("attn_gate", d, vd, 2, "linear", False))
        m.append(Matrix("ssm_out", p["linear_out_proj"] // h, h, 1, "linear", False))
        small = p.get("linear_conv1d", 0) + p.get("linear_dt_a", 0) + p["linear_norm"]
        m.append(Matrix("one_d", 1, small, 1, "linear", False))
    return m
