"""The sizes behind llama.cpp's buffers: KV cells per layer kind (full, sliding window, per slot),
bytes per cell for the cache types, and the compute graph's widths and masks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from generator.calc.params import head_dim_of
from generator.calc.engines.llamacpp.constants import F32, PAD
from generator.calc.engines.llamacpp.layers import KVLayer


# --- the plan's pieces ---------------------------------------------------------------------

def pad(n: int, to: int = PAD) -> int:
    """ggml's GGML_PAD: ``n`` rounded up to a multiple of ``to``."""
    return -(-n // to) * to


@dataclass(frozen=True)
class Cells:
    """KV cells as llama.cpp sizes them (llama-context.cpp ctor, llama-kv-cache-iswa.cpp ctor)."""

    n_ctx: int  # context after padding: every slot's cells together
    n_ctx_seq: int  # cells of one stream (unified: n_ctx; else the slot's share)
    n_stream: int  # 1 when unified, else one stream per slot
    swa: int  # cells per stream of a sliding-window layer
    n_ubatch: int

    def of(self, layer: KVLayer) -> int:
        """Cells of one layer in all streams."""
        return (self.swa if layer.swa else self.n_ctx_seq) * self.n_stream


def cells(context: int, parallel: int, unified: bool, ubatch: int, batch: int, n_swa: int | None,
          swa_full: bool) -> Cells:
    """llama_context::llama_context and llama_kv_cache_iswa::llama_kv_cache_iswa.

    n_ctx = GGML_PAD(n_ctx, 256); unified: n_ctx_seq = n_ctx, else n_ctx_seq =
    GGML_PAD(n_ctx / n_seq_max, 256) per slot (n_ctx then = n_ctx_seq * n_seq_max);
    n_batch = min(n_ctx, n_batch), n_ubatch = min(n_batch, n_ubatch). A sliding-window
    layer keeps GGML_PAD(min(n_ctx_seq, n_swa * (unified ? n_seq_max : 1) + n_ubatch), 256)
    cells per stream, all n_ctx_seq with --swa-full.
    """
    n_ctx = pad(context)
    n_batch = min(n_ctx, batch)
    n_ubatch = min(n_batch, ubatch)
    if unified:
        n_ctx_seq, n_stream = n_ctx, 1
    else:
        n_ctx_seq, n_stream = pad(n_ctx // parallel), parallel
        n_ctx = n_ctx_seq * parallel
    if n_swa is None or swa_full:
        swa = n_ctx_seq
    else:
        swa = pad(min(n_ctx_seq, n_swa * (parallel if unified else 1) + n_ubatch))
    return Cells(n_ctx, n_ctx_seq, n_stream, swa, n_ubatch)


def row_bytes(values: int, type_: tuple[int, int]) -> int:
    """ggml_row_size: bytes of ``values`` values of a (block_weights, block_bytes) type."""
    bw, bb = type_
    return values * bb // bw


def kv_cell_bytes(layer: KVLayer, type_k: tuple[int, int], type_v: tuple[int, int]) -> int:
    """One cell of one layer's K and V tensors ([n_embd_k_gqa, kv_size, n_stream] at -ctk, V likewise
    at -ctv): a layer's cache is this times its cells. DeepSeek-V3.2's indexer cache is a K tensor
    of its own ([indexer_head_size, kv_size, n_stream]), also at -ctk (llama_kv_cache_dsa ctor
    passes type_k to both caches)."""
    return row_bytes(layer.k, type_k) + row_bytes(layer.v, type_v) + row_bytes(layer.idx, type_k)


class Shape:
    """The widths the compute graph's activations take (src/llama-graph.cpp build_attn / build_ffn / build_moe_ffn)."""

    def __init__(self, card: Mapping[str, Any]) -> None:
        arch = card["architecture"]
        att = arch["attention"]
        self.hidden = int(arch["hidden_size"])
        self.vocab = int(arch["vocab_size"])
        self.heads = int(att["heads"])
        mla = att.get("mla") if att["structure"] == "MLA" else None
        if mla:
            # llama.cpp's MLA graph absorbs the key up-projection: per head, Q is
            # kv_lora_rank + rope wide, attention runs over the latent, the result is
            # kv_lora_rank wide before the value up-projection (build_attn_mha with v_mla).
            self.q = self.heads * (int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"]))
            self.kv = int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"])
            self.attn_out = self.heads * int(mla["kv_lora_rank"])
        else:
            hd = head_dim_of(arch)
            self.q = self.heads * hd
            self.kv = 2 * int(att["kv_heads"]) * hd
            self.attn_out = self.heads * hd
        # DeepSeek sparse attention: the lightning indexer's heads (src/models/deepseek32.cpp).
        idx = att.get("sparse_indexer")
        self.idx_heads = int(idx["heads"]) if idx else 0
        self.idx_dim = int(idx["head_dim"]) if idx else 0
        self.ffn = int(arch.get("intermediate_size") or 0)
        exp = arch.get("experts") if arch.get("type") == "moe" else None
        self.moe_ffn = 0
        self.n_expert = 0
        if exp:
            self.n_expert = int(exp["total"])
            self.moe_ffn = int(exp["active"]) * int(exp["intermediate_size"])
            self.moe_ffn += int(exp.get("shared") or 0) * int(exp.get("shared_intermediate_size") or 0)

    def attention(self, tokens: int, n_kv: int, flash_attn: bool) -> int:
        """Live activations at the attention's peak, one layer.

        The residual stream and the normed input stay live; Q, K, V and the roped Q, K
        (new tensors: ggml_rope of a reshape view is not done in place); then with flash
        attention off the F32 scores KQ [n_kv, n_tokens, n_head] (softmax runs in place,
        ggml-alloc.c ggml_op_can_inplace), and the attention output.
        """
        # K, V and the roped K: one and a half times K and V together.
        width = 2 * self.hidden + 2 * self.q + 3 * self.kv // 2 + self.attn_out
        scores = 0 if flash_attn else n_kv * self.heads
        return max(F32 * tokens * (width + scores), self.indexer(tokens, n_kv))

    def indexer(self, tokens: int, n_kv: int) -> int:
        """DeepSeek-V3.2's lightning indexer before the attention (src/models/deepseek32.cpp
        llm_build_deepseek32, b9411 on; 0 without one), with flash attention on or off: besides
        the residual and the normed input, its queries (heads x head_dim), then the F32 scores
        of every head against every cached key, [n_kv, n_tokens, heads] from ggml_mul_mat, and
        their ggml_cont copy in [heads, n_tokens, n_kv] order that ReLU needs, both live at
        once (relu and the weighting run in place; sum_rows then leaves n_kv per token)."""
        if not self.idx_heads:
            return 0
        return F32 * tokens * (2 * self.hidden + self.idx_heads * self.idx_dim + 2 * n_kv * self.idx_heads)

    def ffn_peak(self, tokens: int) -> int:
        """Residual, normed input, gate and up (activation and product in place), and the router
        scores of a MoE layer (logits, probabilities, selection weights: n_expert wide each)."""
        inner = max(self.ffn, self.moe_ffn)
        return F32 * tokens * (2 * self.hidden + 2 * inner + 3 * self.n_expert)

    def output(self, tokens: int) -> int:
        """The final normed hidden state and the logits of every token of the ubatch
        (graph_reserve reserves n_outputs = n_tokens): n_vocab x n_ubatch F32."""
        return F32 * tokens * (self.vocab + self.hidden)


def mask_bytes(n_kv_cells: int, tokens: int, flash_attn: bool) -> int:
    """The KQ mask of one cache (llama-graph.cpp build_attn_inp_kv): F32 [n_kv, n_tokens],
    plus its F16 cast when flash attention is on (the FA kernels take an F16 mask)."""
    return n_kv_cells * tokens * (F32 + (2 if flash_attn else 0))
