"""Training memory: full fine-tuning (BF16 mixed precision + AdamW), LoRA and QLoRA.

Per trainable parameter, mixed precision with AdamW keeps a BF16 weight (2 bytes),
a BF16 gradient (2), an FP32 master weight (4) and two FP32 Adam moments (4 + 4):
16 bytes (Rajbhandari et al., ZeRO, arXiv 1910.02054, sec. 3.1). Activations
assume full activation checkpointing (one stored BF16 hidden state per layer) plus
one layer recomputed (34 s h bytes per sequence, Korthikanti et al.,
arXiv 2205.05198, with flash attention so no s^2 term) and FP32 logits with
their gradient (8 s V bytes).
"""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.tensors import Inventory

BYTES_PER_TRAINABLE = 16
LORA_RANK = 16
TRAIN_SEQ = 4096
TRAIN_MICRO_BATCH = 1
_LINEAR_ROLES = {"attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_other", "ffn_gate", "ffn_up", "ffn_down",
                 "ssm_in", "ssm_out", "ssm_x", "ssm_dt", "attn_gate"}

_BF16: dict[str, Any] = {"format": "safetensors", "types": {"default": "BF16", "one_d": "BF16", "embedding": "BF16", "output": "BF16", "router": "BF16"}}
_NF4: dict[str, Any] = {"format": "safetensors", "types": {"default": "NF4_DQ", "one_d": "BF16", "embedding": "BF16", "output": "BF16", "router": "BF16"}}

# Storage used for training weights: BF16 (full and LoRA), NF4 with double quantization (QLoRA).
TRAINING_QUANTS = (_BF16, _NF4)


def lora_parameters(inv: Inventory, rank: int = LORA_RANK) -> int:
    """A (rank x in) and B (out x rank) for every linear matrix in the blocks (experts included)."""
    total = 0
    for m in inv.matrices:
        if m.role in _LINEAR_ROLES:
            total += (m.ne0 + m.out) * m.copies * inv.layer_count(m.layers)
    return rank * total


def activation_bytes(card: Mapping[str, Any], seq: int, batch: int) -> int:
    arch = card["architecture"]
    h, L, V = int(arch["hidden_size"]), int(arch["layers"]), int(arch["vocab_size"])
    tokens = seq * batch
    return 2 * tokens * h * L + 34 * tokens * h + 8 * tokens * V


def training_memory(card: Mapping[str, Any], inv: Inventory, total_params: int, bf16: int, nf4: int, seq: int) -> dict[str, Any]:
    """bf16 / nf4: weight bytes at TRAINING_QUANTS (extra parameters included)."""
    act = activation_bytes(card, seq, TRAIN_MICRO_BATCH)
    lora = lora_parameters(inv)
    adapters = BYTES_PER_TRAINABLE * lora

    def entry(method: str, weights: int, trainable: int, states: int) -> dict[str, Any]:
        return {
            "method": method,
            "trainable_parameters": trainable,
            "weights_bytes": weights,
            "gradients_and_optimizer_bytes": states,
            "activations_bytes": act,
            "total_bytes": weights + states + act,
        }

    full_states = (BYTES_PER_TRAINABLE - 2) * total_params  # grads + master + moments
    return {
        "sequence_length": seq,
        "micro_batch": TRAIN_MICRO_BATCH,
        "lora_rank": LORA_RANK,
        "methods": [
            entry("full_bf16_adamw", bf16, total_params, full_states),
            entry("lora", bf16, lora, adapters),
            entry("qlora", nf4, lora, adapters),
        ],
    }
