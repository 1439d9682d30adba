"""Where each buffer lives: layers and experts over the GPUs and the host (-ngl, -ot / --n-cpu-moe,
--tensor-split), and the bytes per device that follow (layout)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from generator.calc.engines.llamacpp.buffers import Cells, Shape
from generator.calc.engines.llamacpp.constants import F32, OP_OFFLOAD_MIN_BATCH, PIPELINE_COPIES
from generator.calc.engines.llamacpp.layers import KVLayer, LayerWeights, recurrent_state_bytes


# --- placement -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    """Where each layer's weights go: layer device (index into the GPUs, None = CPU), experts on CPU or not."""

    n_gpu_layers: int  # -ngl as llama.cpp applies it (capped at n_layer + 1)
    cpu_moe_layers: int  # --n-cpu-moe N
    device_of: tuple[int | None, ...]  # per layer, then the output layer at index n_layer
    experts_on_cpu: tuple[bool, ...]  # per layer


def place(n_layer: int, n_gpus: int, ngl: int, cpu_moe: int,
          split: Sequence[float] | None = None) -> Placement:
    """llama-model.cpp llama_model::load_tensors (get_layer_buft_list), since PR #18148: the units
    are the layers, then the output layer at il = n_layer, and -ngl N puts the last N units on the
    GPUs: the output layer first, then the last N - 1 repeating layers (i_gpu_start =
    n_layer + 1 - N, clamped to 0).
    The GPUs share the units by --tensor-split, by default proportional to each device's free
    memory (here: equal, the GPUs being identical): unit il goes to the first device whose
    cumulative share exceeds (il - i_gpu_start) / act_gpu_layers. --n-cpu-moe N (common/arg.cpp)
    adds a buffer override ``blk\\.i\\.ffn_(up|down|gate)_exps`` -> CPU for every i < N."""
    ngl = max(0, min(ngl, n_layer + 1))
    start = n_layer + 1 - ngl
    shares = list(split) if split else [1.0] * n_gpus
    total = sum(shares)
    cumulative = []
    acc = 0.0
    for x in shares:
        acc += x
        cumulative.append(acc / total)
    devices: list[int | None] = []
    for il in range(n_layer + 1):
        if n_gpus == 0 or il < start or il - start >= ngl:
            devices.append(None)
        elif split is None:
            devices.append(min(n_gpus - 1, (il - start) * n_gpus // ngl))  # equal shares, exactly
        else:  # std::upper_bound: the first device whose cumulative share exceeds the fraction
            frac = (il - start) / ngl
            devices.append(min(n_gpus - 1, next((d for d, c in enumerate(cumulative) if c > frac), n_gpus - 1)))
    experts = tuple(il < cpu_moe or devices[il] is None for il in range(n_layer))
    return Placement(ngl, cpu_moe, tuple(devices), experts)


@dataclass
class Memory:
    weights: int = 0
    kv: int = 0
    compute: int = 0


@dataclass(frozen=True)
class Layout:
    """The memory of one plan: per GPU and on the host (bytes)."""

    gpus: tuple[Memory, ...]
    host: Memory
    output_buffer: int
    read_gpu: tuple[int, ...]  # bytes read per generated token from each GPU
    read_host: int
    host_mapped: int = 0  # the printed CPU_Mapped model buffer (mmap): see mapped_host_weights


def mapped_host_weights(lw: LayerWeights, pl: Placement, resident: int) -> int:
    """The ``CPU_Mapped model buffer size`` llama.cpp prints with mmap (its default).

    llama-model.cpp llama_model::load_tensors wraps the mapped file in one host buffer per
    file and buffer type: llama_model_loader::get_mapping_range takes the smallest offset and
    the largest offset + size over the tensors of that buffer type, and the buffer is that
    whole range. So every tensor lying between two CPU tensors in the file counts too,
    GPU-resident ones included. Where that range ends depends on the file's tensor order,
    which differs between converters (numeric or name-sorted layers, the output first or
    last) and is not in the card. One case does not depend on it: when every layer keeps a
    tensor on the CPU (all layers' experts there, or no layer on a GPU), the range spans all
    the layers and the token embedding, and leaves out only a GPU-resident output lying at
    either end of the file. Otherwise this returns ``resident`` (the CPU tensors alone),
    the smallest the printed range can be.
    """
    n_layer = len(lw.dense)
    if not all(pl.device_of[il] is None or pl.experts_on_cpu[il] for il in range(n_layer)):
        return resident
    # a tied output is token_embd itself: only the final norm is a tensor of its own
    output_in_file = lw.output - lw.output_matrix if lw.tied else lw.output
    span = lw.token_embd + sum(lw.dense) + sum(lw.experts)
    return span + (output_in_file if pl.device_of[n_layer] is None else 0)


def state_per_sequence(card: Mapping[str, Any]) -> tuple[int, ...]:
    """Per layer, one sequence's recurrent state in bytes (layout's ``rs_seq``); empty for a
    model without state-space or linear-attention layers (no layer_pattern)."""
    return recurrent_state_bytes(card) if card["architecture"].get("layer_pattern") else ()


def layout(lw: LayerWeights, kv: Sequence[KVLayer], kv_cell: Sequence[int], shape: Shape, pl: Placement,
           c: Cells, n_gpus: int, flash_attn: bool, parallel: int, context_per_seq: int,
           rs_seq: Sequence[int] = ()) -> Layout:
    """``kv_cell``: per layer, the bytes of one KV cell (kv_cell_bytes at the run's -ctk/-ctv).

    ``rs_seq``: per layer, one sequence's recurrent state (state-space / linear-attention layers;
    empty for a plain transformer). llama.cpp keeps it for n_seq_max = ``parallel`` sequences
    (llama_memory_hybrid ctor: rs_size = max(1, n_seq_max)) beside the layer's KV cache, on the
    layer's device; "RS buffer size" in the log. It is counted with the KV cache here."""
    n_layer = len(lw.dense)
    gpus = [Memory() for _ in range(n_gpus)]
    host = Memory()
    read_gpu = [0] * n_gpus
    read_host = 0
    host.weights += lw.token_embd  # llama-model.cpp: tok_embd on the CPU ("input layer"), always
    out_dev = pl.device_of[n_layer]
    if out_dev is None:
        host.weights += lw.output
        read_host += lw.output
    else:
        gpus[out_dev].weights += lw.output
        read_gpu[out_dev] += lw.output
    kinds_on: list[set[bool]] = [set() for _ in range(n_gpus)]
    host_kinds: set[bool] = set()
    host_tensor = 0  # the largest host-resident non-expert tensor of a layer (op offload copies it)
    # One sequence's cached tokens of a full-attention (False) and a sliding-window (True) layer.
    seq_tokens = {False: context_per_seq, True: min(context_per_seq, c.swa)}
    for il in range(n_layer):
        dev = pl.device_of[il]
        rs = rs_seq[il] if rs_seq else 0
        kv_b = c.of(kv[il]) * kv_cell[il] + rs * parallel
        # Bytes one generated token reads: the layer's weights (routed experts: the
        # active share) and one sequence's cached tokens of this layer (or its state).
        kv_read = seq_tokens[kv[il].swa] * kv_cell[il] + rs
        dense_read = lw.dense[il]
        exp_read = lw.experts_read[il]
        if pl.experts_on_cpu[il]:
            host.weights += lw.experts[il]
            read_host += exp_read
        if dev is None:
            host.weights += lw.dense[il]
            host.kv += kv_b
            read_host += dense_read + kv_read
            host_kinds.add(kv[il].swa)
            host_tensor = max(host_tensor, lw.largest_dense[il])
        else:
            gpus[dev].weights += lw.dense[il]
            if not pl.experts_on_cpu[il]:
                gpus[dev].weights += lw.experts[il]
                read_gpu[dev] += exp_read
            gpus[dev].kv += kv_b
            read_gpu[dev] += dense_read + kv_read
            kinds_on[dev].add(kv[il].swa)

    t = c.n_ubatch

    def n_kv(swa: bool) -> int:
        return c.swa if swa else c.n_ctx_seq

    # Pipeline parallelism (llama_context ctor): several GPUs, every layer and the output on
    # them, layer split, no tensor overrides; the graph inputs are then kept PIPELINE_COPIES times.
    pipeline = n_gpus > 1 and out_dev is not None and all(d is not None for d in pl.device_of) \
        and not any(pl.experts_on_cpu)
    copies = PIPELINE_COPIES if pipeline else 1
    # Op offload (llama_context_params.op_offload, default on): with a ubatch of >= 32 tokens
    # the scheduler runs the products of host-resident weights on the first GPU, copying the
    # weight tensor into that GPU's compute buffer while its FFN (or attention) runs. Routed
    # experts are not copied whole since ggml-backend.c copies only the experts a batch uses
    # (PR #15346): their copies are not part of the reserved buffer (b6699 prints 456.98 MiB
    # for gpt-oss-20b with every expert on the CPU, where a whole expert tensor is 141 MiB).
    offload_copy = host_tensor if (gpus and t >= OP_OFFLOAD_MIN_BATCH) else 0
    # An output layer left on the CPU is such a product too (b6182 prints 985.20 MiB on the GPU
    # for gpt-oss-20b at -ngl 24: its Q8_0 output matrix, the logits and the hidden state).
    offload_copy_output = bool(gpus) and t >= OP_OFFLOAD_MIN_BATCH and out_dev is None
    # The first GPU holding layers of a cache kind receives its F32 mask from the host and casts
    # it to F16 for flash attention (llama-graph.cpp build_attn_inp_kv); the GPUs after it
    # receive that F16 tensor (ggml-backend.c split inputs: a copy of what the previous
    # split produced).
    first_gpu = {s: min((d for d in range(n_gpus) if s in kinds_on[d]), default=None) for s in (False, True)}
    for d, mem in enumerate(gpus):
        has_layers = bool(kinds_on[d])
        if not has_layers and out_dev != d and not (d == 0 and (offload_copy or offload_copy_output)):
            continue
        inputs = copies * F32 * t * shape.hidden  # the hidden state coming in
        for s in kinds_on[d]:
            cells_t = n_kv(s) * c.n_stream * t
            if first_gpu[s] == d:
                inputs += copies * F32 * cells_t + (2 * cells_t if flash_attn else 0)
            else:
                inputs += copies * (2 if flash_attn else F32) * cells_t
            if shape.idx_heads:
                # DeepSeek-V3.2: the indexer cache's own F32 mask (build_attn_inp_k_dsa), added to
                # its F32 scores as it is, on every GPU holding layers
                inputs += copies * F32 * cells_t
        copy = offload_copy if d == 0 else 0
        layer = 0
        if has_layers or copy:
            attn = max((shape.attention(t, n_kv(s) * c.n_stream, flash_attn) for s in kinds_on[d]), default=0)
            layer = max(attn, shape.ffn_peak(t) + copy)
        output = shape.output(t) if out_dev == d else 0
        if d == 0 and out_dev is None and offload_copy_output:
            # the output product offloaded: the output matrix copied in, the logits computed here
            output = lw.output_matrix + shape.output(t)
        if pipeline:
            # the input copies of a pipelined graph stay allocated to its end
            mem.compute = inputs + max(layer, output)
        else:
            mem.compute = max(inputs + layer if (has_layers or copy) else 0, output)
    # Host compute buffer (CUDA_Host, or CPU without GPUs): the graph inputs live there
    # (ggml-backend.c: tensors flagged input go to the last backend, the CPU): each cache's F32
    # KQ mask, token ids, positions, output ids (copies of them under pipeline parallelism),
    # and the token-embedding rows (get_rows of the CPU-resident tok_embd); plus what runs on the CPU.
    all_kinds = {layer.swa for layer in kv}
    masks = (2 if shape.idx_heads else 1) * sum(n_kv(s) * c.n_stream for s in all_kinds)  # DSA: + the indexer's
    inputs_host = copies * F32 * t * (3 + masks) + F32 * t * shape.hidden
    cpu_peak = 0
    if host_kinds:
        cpu_peak = max(max(shape.attention(t, n_kv(s) * c.n_stream, flash_attn) for s in host_kinds),
                       shape.ffn_peak(t))
    if out_dev is None and not offload_copy_output:
        cpu_peak = max(cpu_peak, shape.output(t))
    host.compute = inputs_host + cpu_peak
    # llama_context::output_reserve(n_seq_max): n_vocab F32 logits per sequence, host memory.
    output_buffer = F32 * shape.vocab * parallel
    mapped = mapped_host_weights(lw, pl, host.weights) if gpus else host.weights
    return Layout(tuple(gpus), host, output_buffer, tuple(read_gpu), read_host, mapped)
