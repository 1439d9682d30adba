"""The llama.cpp plan: options resolved, automatic offload, fits, the longest context, the speed
bound, the llama-server command and the assumptions."""

from __future__ import annotations

import functools
from typing import Any, Mapping

from generator.calc import native
from generator.calc.engines import (
    Hardware,
    unified_memory,
    device_memory,
    PlanError,
    largest_that_fits,
    smallest_that_fits,
)
from generator.calc.memory import OVERHEAD_BYTES
from generator.calc.params import count_parameters
from generator.calc.engines.llamacpp.buffers import Cells, Shape, cells, kv_cell_bytes, pad
from generator.calc.engines.llamacpp.builds import MODELLED_BACKENDS
from generator.calc.engines.llamacpp.constants import AUTO_PARALLEL, PAD
from generator.calc.engines.llamacpp.layers import LayerWeights, kv_layers, layer_weights
from generator.calc.engines.llamacpp.options import (
    OPTIONS, parse_cache_type, parse_tensor_split, sequence_context,
)
from generator.calc.engines.llamacpp.placement import Layout, Memory, Placement, layout, place, state_per_sequence


NAME = "llama.cpp"


def unsupported(card: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> str | None:
    """Why llama.cpp cannot run this card (no GGUF can exist), else None."""
    if card.get("open_weights") is False:
        return "the weights are not published, so there is no GGUF file to load"
    if count_parameters(card) is None:
        return "the card lacks the architecture fields a GGUF conversion needs"
    arch = card.get("architecture") or {}
    lin = arch.get("linear_attention") or {}
    # Modelled here: attention KV cells (MLA: K only) and the recurrent state of Mamba-1/2, gated
    # DeltaNet and Kimi delta attention layers (Jamba, Nemotron-H, Granite 4.0-H, Falcon-H1,
    # Qwen3-Next, Kimi Linear; Falcon-H1 is LLM_ARCH_FALCON_H1 since PR #14534, merged 2025-07-09,
    # every layer both attention and recurrent; src/models/kimi-linear.cpp reads the MLA key/value lengths, and
    # src/llama-hparams.cpp n_embd_r / n_embd_s give KDA 3 x (d_conv - 1) x heads x head_dim conv
    # values and heads x head_dim^2 state values, state.py's sizes), and DeepSeek sparse attention
    # (DeepSeek-V3.2, LLM_ARCH_DEEPSEEK32 since b9411, PR #23346: the DSA cache keeps the lightning
    # indexer's keys beside the MLA latent, src/llama-kv-cache-dsa.cpp; kv_layers' ``idx``).
    if lin.get("kind") == "lightning":
        return ("llama.cpp cannot run MiniMax's lightning attention in the sources this plan follows: "
                "src/llama-arch.cpp LLM_ARCH_NAMES has minimax-m2 but no MiniMax-Text-01 / MiniMax-M1 "
                "architecture, so no GGUF of this model loads")
    return None



# --- the plan ----------------------------------------------------------------------------------

def is_gguf(quant: Mapping[str, Any]) -> bool:
    """A quantization a GGUF file can hold: llama.cpp's own types, or the catalog's MXFP4 (the
    row whose routed experts are MXFP4), which names the GGUF file type MXFP4_MOE here."""
    return quant.get("format") == "gguf" or quant.get("types", {}).get("routed_experts") == "MXFP4"


def file_type(card: Mapping[str, Any], catalogs: Any, entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What the GGUF file that ``--quant`` names holds for this card; None when no such file exists.

    One rule: a GGUF row is priced as generator.calc.native.as_stored says a file of that name
    stores the card (gpt-oss keeps its routed experts MXFP4 at every GGUF quantization).
    ``--quant MXFP4`` means llama.cpp's file type MXFP4_MOE (src/llama-quant.cpp
    llama_model_quantize_impl: routed experts MXFP4, every other matrix Q8_0; what
    convert_hf_to_gguf.py writes for gpt-oss, e.g. ggml-org's gpt-oss-20b-mxfp4.gguf:
    11.27 GiB with a 586.8 MiB Q8_0 output): the Q8_0 row as stored, its routed experts
    MXFP4. Only a MoE model has such a file."""
    if entry.get("format") == "gguf":
        return native.as_stored(card, entry)
    q8 = catalogs.quantization("Q8_0")
    if q8 is None or card["architecture"].get("type") != "moe":
        return None
    stored = native.as_stored(card, q8)
    if stored is None:
        return None
    return {**stored, "id": entry["id"], "name": "GGUF MXFP4_MOE (experts MXFP4, other matrices Q8_0)",
            "types": {**stored["types"], "routed_experts": "MXFP4"}, "routed_experts_fixed": True}


def n_swa_of(card: Mapping[str, Any]) -> int | None:
    sw = card["architecture"]["attention"].get("sliding_window")
    return int(sw["size"]) if sw else None


def train_context(card: Mapping[str, Any]) -> int:
    """n_ctx_train: the GGUF's context_length, which convert_hf_to_gguf.py takes from
    max_position_embeddings (the card's context_length when that is absent)."""
    arch = card["architecture"]
    ctx = arch.get("max_position_embeddings") or card.get("context_length")
    if ctx is None:
        raise PlanError("--context", "the card states no context length; give --context N")
    return int(ctx)


def host_bandwidth(catalogs: Any, hardware: Hardware) -> tuple[int | None, str]:
    """The bandwidth weights in system RAM are read at, and the words that say where it comes from:
    unified memory (the GPU's own), the class --ram-class gave, or the GPU's usual class."""
    gpu = hardware.gpu
    cls_id = gpu.get("host_memory") if gpu else None
    if unified_memory(gpu) and gpu:
        return int(gpu["bandwidth_bytes_per_s"]), "unified memory, the GPU's own bandwidth"
    finder = getattr(catalogs, "host_memory_class", None)
    usual = finder(cls_id) if cls_id and finder is not None else None
    usual_bw = int(usual["bandwidth_bytes_per_s"]) if usual and usual.get("bandwidth_bytes_per_s") else None
    given = hardware.ram_bandwidth_bytes_per_s
    if given and given != usual_bw:
        return int(given), "the system-memory class given"
    if usual_bw:
        return usual_bw, f"system memory class {cls_id}"
    return None, "no system-memory bandwidth known"


def device_capacity(hardware: Hardware) -> int | None:
    """What llama.cpp may fill on one device: its memory (engines.device_memory) times the usable
    share (100% on discrete GPUs; Metal's working-set share on Apple silicon)."""
    memory = device_memory(hardware)
    if memory is None or hardware.gpu is None:
        return None
    return memory * int(hardware.gpu["usable_percent"]) // 100


def _device_total(g: Memory) -> int:
    """One GPU's total: its weights, KV cache and compute buffer, and the per-device overhead."""
    return g.weights + g.kv + g.compute + OVERHEAD_BYTES


def _fits(lay: Layout, capacity: int | None, ram: int | None, shared: bool = False) -> bool:
    """Every GPU within its capacity (with the per-device overhead), and the host within the RAM; on
    unified memory (``shared``) the GPU's buffers come out of the same RAM as the host's."""
    devices = [_device_total(g) for g in lay.gpus]
    if capacity is not None and any(d > capacity for d in devices):
        return False
    if ram is not None and _host_total(lay) + (sum(devices) if shared else 0) > ram:
        return False
    return True


def _host_total(lay: Layout) -> int:
    return lay.host.weights + lay.host.kv + lay.host.compute + lay.output_buffer


def plan(card: Mapping[str, Any], catalogs: Any, settings: Mapping[str, Any], hardware: Hardware) -> dict[str, Any]:
    """The llama.cpp plan fields (engines.__init__ shape, from "settings" on)."""
    quant_id = str(settings.get("quant") or OPTIONS["quant"].default)
    entry = catalogs.quantization(quant_id)
    if entry is None or not is_gguf(entry):
        allowed = ", ".join(q["id"] for q in catalogs.quantizations if is_gguf(q))
        raise PlanError("--quant", f"{quant_id!r} is not a GGUF quantization; allowed: {allowed}")
    stored = file_type(card, catalogs, entry)
    if stored is None:
        raise PlanError("--quant", f"no {entry['id']} GGUF file exists for {card.get('id')}")

    train_ctx = train_context(card)
    context = settings.get("context")
    if context is None:
        context = train_ctx
    context = int(context)  # within the training context per sequence: engines.plan checked (sequence_context)
    kv_dtype = parse_cache_type("--kv-dtype", settings.get("kv_dtype") or "F16")
    type_k_id = parse_cache_type("--kv-type-k", settings.get("kv_type_k")) or kv_dtype
    type_v_id = parse_cache_type("--kv-type-v", settings.get("kv_type_v")) or kv_dtype
    assert kv_dtype and type_k_id and type_v_id
    for opt, tid in (("--kv-type-k", type_k_id), ("--kv-type-v", type_v_id)):
        if tid not in catalogs.tensor_types:
            raise PlanError(opt, f"{tid} is not in the catalog's tensor types")
    fa_setting = str(settings.get("flash_attn") or "auto")
    # llama_context ctor (LLAMA_FLASH_ATTN_TYPE_AUTO): enabled when the device that holds
    # the KV cache runs the FA op for this model; CUDA, ROCm and Metal do for the usual head
    # sizes, so auto resolves to on.
    flash_attn = fa_setting != "off"
    if not flash_attn and type_v_id not in ("F32", "F16", "BF16"):
        raise PlanError("--kv-type-v", f"a quantized V cache ({type_v_id.lower()}) needs flash attention; "
                                       "use --flash-attn on|auto or an f16/bf16/f32 V cache")
    par_setting = settings.get("parallel", "auto")
    unified = par_setting in (None, "auto")
    parallel = AUTO_PARALLEL if unified else int(par_setting)
    ubatch = int(settings.get("ubatch") or 512)
    batch = int(settings.get("batch") or 2048)
    swa_full = bool(settings.get("swa_full") or False)
    split = parse_tensor_split("--tensor-split", settings.get("tensor_split"))

    lw = layer_weights(card, stored, catalogs)
    kv = kv_layers(card)
    shape = Shape(card)
    n_layer = len(lw.dense)
    type_k = catalogs.tensor_types[type_k_id]
    type_v = catalogs.tensor_types[type_v_id]
    n_swa = n_swa_of(card)
    is_moe = any(lw.experts)
    kv_cell = tuple(kv_cell_bytes(x, type_k, type_v) for x in kv)  # the same for every context and placement
    rs_seq = state_per_sequence(card)

    # --cpu-only: no GPU at all, so no device buffers (a CPU build: the CPU backend runs the whole
    # graph, the logits included). --gpus N without a catalog GPU (an unlisted device): N GPUs of
    # unknown capacity.
    cpu_only = bool(settings.get("cpu_only"))
    if cpu_only and hardware.gpu is not None:
        raise PlanError("--cpu-only", f"plans a machine without a GPU; drop --gpu {hardware.gpu['id']} or --cpu-only")
    gpus = 0 if cpu_only else max(1, int(hardware.count))
    if split is not None and len(split) != gpus:
        raise PlanError("--tensor-split", f"{len(split)} shares for {gpus} GPU(s); give one share per GPU")
    capacity = device_capacity(hardware)
    ram = hardware.ram_bytes
    shared = unified_memory(hardware.gpu)
    if shared:
        ram = int(hardware.gpu["memory_bytes"])  # type: ignore[index]  # the machine's memory, shared

    @functools.cache  # the context bisection (_max_context) asks for one placement at every step
    def placement(ngl: int, cpu_moe: int, shares: tuple[float, ...] | None) -> Placement:
        return place(n_layer, gpus, ngl, cpu_moe, shares)

    def evaluate(ctx: int, ngl: int, cpu_moe: int,
                 shares: tuple[float, ...] | None = split) -> tuple[Layout, Cells, Placement]:
        c = cells(ctx, parallel, unified, ubatch, batch, n_swa, swa_full)
        pl = placement(ngl, cpu_moe, shares)
        per_seq = min(c.n_ctx_seq, ctx) if not unified else ctx
        return layout(lw, kv, kv_cell, shape, pl, c, gpus, flash_attn, parallel, per_seq, rs_seq), c, pl

    def fill(ngl: int, cpu_moe: int) -> tuple[int, ...] | None:
        """The units per GPU (-ts as counts) with which every GPU fits, filling them in order, each with
        as many units as it holds: --n-cpu-moe N empties the first N layers of their experts, which the
        even split puts on the first GPU (llama.cpp issue #15263: balance them with --tensor-split).
        None: no split fits."""
        units = max(0, min(ngl, n_layer + 1))
        counts: list[int] = []
        for d in range(gpus - 1):
            left = units - sum(counts)

            def holds(c: int, d: int = d, left: int = left) -> bool:
                rest = (left - c,) + (0,) * (gpus - d - 2)
                dev = evaluate(context, ngl, cpu_moe, (*counts, c, *rest))[0].gpus[d]
                return capacity is None or _device_total(dev) <= capacity
            c = largest_that_fits(0, left, holds)
            if c is None:
                return None
            counts.append(c)
        shares = (*counts, units - sum(counts))
        return shares if _fits(evaluate(context, ngl, cpu_moe, shares)[0], capacity, None) else None

    ngl_s, moe_s = settings.get("n_gpu_layers", "auto"), settings.get("cpu_moe_layers", "auto")
    if not is_moe and moe_s not in (None, "auto", 0):
        raise PlanError("--cpu-moe-layers", f"{moe_s}: {card.get('id')} has no routed experts for --n-cpu-moe to "
                                            "move; allowed: 0 or auto")
    all_layers = n_layer + 1
    moved = "nothing: every layer on the GPU"
    if cpu_only:
        for opt, given in (("--n-gpu-layers", ngl_s), ("--cpu-moe-layers", moe_s)):
            if given not in (None, "auto", 0):
                raise PlanError(opt, f"{given}: --cpu-only keeps every layer in system RAM; allowed: 0 or auto")
        ngl, cpu_moe, moved = 0, 0, "everything: no GPU, every layer in system RAM"
    elif hardware.gpu is None:
        ngl = all_layers if ngl_s in (None, "auto") else int(ngl_s)
        cpu_moe = 0 if moe_s in (None, "auto") else int(moe_s)
    else:
        # the split is the reader's (--tensor-split), else chosen with the offload on several GPUs
        ngl, cpu_moe, moved, chosen = _auto_offload(evaluate, context, n_layer, is_moe, ngl_s, moe_s, capacity,
                                                    fill if gpus > 1 and split is None else None)
        split = chosen if chosen is not None else split
    lay, c, pl = evaluate(context, ngl, cpu_moe, split)
    # What decides: the GPU's capacity (and the RAM given); without a GPU, the RAM alone.
    judged = capacity is not None or (cpu_only and ram is not None)
    fits = _fits(lay, capacity, ram, shared) if judged else None

    max_ctx = None
    if judged:
        # -c is the cache of all slots: with -np N each slot gets 1/N of it, so up to N of a slot's longest:
        # the training context, or the model's YaRN-extended one (the command then adds rope_flags)
        per_slot = max(train_ctx, int(card.get("context_length") or 0)) if yarn_extension(card) else train_ctx
        longest = per_slot if unified else per_slot * parallel
        max_ctx = _max_context(lambda ctx: _fits(evaluate(ctx, ngl, cpu_moe, split)[0], capacity, ram, shared), longest)

    # kv bytes per token: all layers, one sequence (full-attention layers: one cell per token;
    # sliding-window layers counted too: the per-token rate before their cap).
    kv_per_token = sum(kv_cell)

    gpu_name = hardware.gpu["id"] if hardware.gpu is not None else None
    backend = backend_name(hardware.gpu)
    devices = []
    for d, g in enumerate(lay.gpus):
        total = _device_total(g)
        name = f"{backend}{d}" if gpu_name else ("GPU" if len(lay.gpus) == 1 else f"GPU{d}")
        devices.append({"name": name, "gpu": gpu_name,
                        "weights_bytes": g.weights, "kv_cache_bytes": g.kv, "compute_buffer_bytes": g.compute,
                        "overhead_bytes": OVERHEAD_BYTES, "total_bytes": total, "capacity_bytes": capacity})
    host_compute = lay.host.compute + lay.output_buffer
    host = {"weights_bytes": lay.host.weights, "kv_cache_bytes": lay.host.kv, "compute_buffer_bytes": host_compute,
            "total_bytes": lay.host.weights + lay.host.kv + host_compute}

    flags = [f"-ngl {pl.n_gpu_layers}"]
    if cpu_moe:
        flags.append(f"--n-cpu-moe {cpu_moe}")
    if split is not None:
        flags.append("-ts " + ",".join(f"{x:g}" for x in split))
    offload = {"n_gpu_layers": pl.n_gpu_layers, "cpu_moe_layers": cpu_moe, "flags": flags, "moved": moved}

    resolved = {
        "quant": entry["id"], "context": context, "kv_dtype": kv_dtype, "kv_type_k": type_k_id,
        "kv_type_v": type_v_id, "parallel": parallel, "kv_unified": unified, "ubatch": c.n_ubatch,
        "batch": min(c.n_ctx, batch), "flash_attn": "on" if flash_attn else "off", "swa_full": swa_full, "cpu_only": cpu_only,
        "n_gpu_layers": pl.n_gpu_layers, "cpu_moe_layers": cpu_moe,
        "tensor_split": list(split) if split is not None else None,
        "n_ctx": c.n_ctx, "n_ctx_seq": c.n_ctx_seq, "swa_cells": c.swa if n_swa else None,
    }
    # Sums over the GPUs, and the same per GPU in device order (CUDA0, CUDA1, ...).
    components: dict[str, int | float | list[int]] = {
        "device_weights": sum(g.weights for g in lay.gpus),
        "device_weights_per_gpu": [g.weights for g in lay.gpus],
        "device_kv_cache_per_gpu": [g.kv for g in lay.gpus],
        "device_compute_buffer_per_gpu": [g.compute for g in lay.gpus],
        # what llama.cpp prints (the mapped range, see mapped_host_weights); host.weights_bytes
        # above counts the CPU tensors alone, what system RAM must keep resident
        "host_weights": lay.host_mapped,
        "device_kv_cache": sum(g.kv for g in lay.gpus),
        "host_kv_cache": lay.host.kv,
        "device_compute_buffer": sum(g.compute for g in lay.gpus),
        "host_compute_buffer": lay.host.compute,
        "output_buffer": lay.output_buffer,
    }
    return {
        "settings": resolved,
        "devices": devices,
        "host": host,
        "kv_cache_bytes_per_token": kv_per_token,
        "fits": fits,
        "max_context_that_fits": max_ctx,
        "kv_cache_capacity_tokens": None,
        "max_concurrency": None,
        "offload": offload,
        "components": components,
        "command": _command(card, entry["id"], resolved, par_setting, settings.get("batch")),
        "speed": _speed(lw, lay, hardware, catalogs, len(lay.gpus)) if not cpu_only else _cpu_speed(lay, hardware),
        "assumptions": _assumptions(hardware, backend, card, cpu_only),
    }


def backend_name(gpu: Mapping[str, Any] | None) -> str:
    """The name llama.cpp gives the device's buffers."""
    vendor = (gpu or {}).get("vendor")
    # Intel GPUs: llama.cpp's SYCL backend (ggml-sycl, buffers named SYCL0...), Intel's own
    return {"Apple": "Metal", "AMD": "ROCm", "Intel": "SYCL"}.get(str(vendor), "CUDA")


def _auto_offload(evaluate: Any, context: int, n_layer: int, is_moe: bool, ngl_s: Any, moe_s: Any,
                  capacity: int | None, fill: Any = None) -> tuple[int, int, str, tuple[int, ...] | None]:
    """What a careful user picks: everything on the GPUs if it fits; else the routed experts of
    the first N layers to system RAM (--n-cpu-moe N, smallest N that fits; attention and dense
    weights stay on the GPU); else whole layers (-ngl, the largest that fits). A value the user
    gave is kept. ``fill`` (several GPUs, no --tensor-split given): with every layer on the GPUs,
    the split (units per GPU) that fits where the even one does not (plan's fill), else None.
    Returns (-ngl, --n-cpu-moe, what moved, the split chosen or None: llama.cpp's even one)."""
    all_layers = n_layer + 1

    def gpu_only_ok(ngl: int, moe: int) -> bool:
        return _fits(evaluate(context, ngl, moe)[0], capacity, None)

    @functools.cache  # the --n-cpu-moe bisection and its answer ask for the same arrangement
    def arrangement(ngl: int, moe: int) -> tuple[bool, tuple[int, ...] | None]:
        """Whether every GPU fits, and with which split: None for llama.cpp's even one, else (every
        layer on the GPUs) the one ``fill`` finds."""
        if gpu_only_ok(ngl, moe):
            return True, None
        shares = fill(ngl, moe) if fill is not None and ngl == all_layers else None
        return shares is not None, shares

    fixed_ngl = None if ngl_s in (None, "auto") else int(ngl_s)
    fixed_moe = None if moe_s in (None, "auto") else int(moe_s)
    ngl0 = all_layers if fixed_ngl is None else fixed_ngl
    moe0 = 0 if fixed_moe is None else fixed_moe
    if fixed_ngl is not None and fixed_moe is not None:
        return ngl0, moe0, _moved(ngl0, moe0, n_layer), None
    fits, shares = arrangement(ngl0, moe0)
    if fits:
        return ngl0, moe0, _moved(ngl0, moe0, n_layer) + _split_words(shares), shares
    if is_moe and fixed_moe is None:
        # the smallest --n-cpu-moe that fits (each step moves one more layer's experts off the GPU),
        # with the even split or one that fills the GPUs in order
        moe = smallest_that_fits(1, n_layer, lambda m: arrangement(ngl0, m)[0])
        if moe is not None:
            shares = arrangement(ngl0, moe)[1]
            return ngl0, moe, _moved(ngl0, moe, n_layer) + _split_words(shares), shares
        moe0 = n_layer
    if fixed_ngl is None:
        # the largest -ngl that fits (each step down moves one more layer to the CPU)
        ngl = largest_that_fits(0, all_layers - 1, lambda n: gpu_only_ok(n, moe0))
        if ngl is not None:
            return ngl, moe0, _moved(ngl, moe0, n_layer), None
        return 0, moe0, _moved(0, moe0, n_layer) + "; does not fit even so", None
    return ngl0, moe0, _moved(ngl0, moe0, n_layer) + "; does not fit", None


# Moving more to the CPU never takes VRAM: with more --n-cpu-moe layers or fewer -ngl layers the
# GPUs hold less, so "fits" flips once along each of these choices and a bisection
# (engines.smallest_that_fits / largest_that_fits) finds the flip.

def _split_words(shares: tuple[int, ...] | None) -> str:
    """The split _auto_offload chose, in words ("" for llama.cpp's even one)."""
    if shares is None:
        return ""
    return f"; units (layers, then the output layer) per GPU in order: {', '.join(map(str, shares))} (-ts)"


def _moved(ngl: int, moe: int, n_layer: int) -> str:
    """What the offload moved, in words, as place() puts the units: -ngl N keeps the output layer and
    the last N - 1 layers on the GPU, so the first n_layer - N + 1 layers run on the CPU."""
    parts = []
    if moe:
        parts.append(f"routed experts of layers 0-{min(moe, n_layer) - 1} to system RAM (--n-cpu-moe {moe})")
    if ngl == 0:
        parts.append(f"all {n_layer} layers and the output layer to the CPU (-ngl 0)")
    elif ngl <= n_layer:
        on_cpu = n_layer - ngl + 1
        parts.append(f"layers 0-{on_cpu - 1} ({on_cpu} of {n_layer}) to the CPU, the output layer kept on the GPU "
                     f"(-ngl {ngl})")
    return "; ".join(parts) if parts else "nothing: every layer on the GPU"


def _max_context(fits_at: Any, train_ctx: int) -> int | None:
    """The largest context (a multiple of 256, at most ``train_ctx``: the training context of each slot's
    share) at which the plan fits."""
    lo, hi = 0, pad(train_ctx) // PAD
    if hi and fits_at(min(hi * PAD, train_ctx)):
        return train_ctx
    while lo < hi - 1:
        mid = (lo + hi) // 2
        if fits_at(mid * PAD):
            lo = mid
        else:
            hi = mid
    return lo * PAD if lo else None


def gb_text(n: float) -> str:
    """Bytes as decimal GB with three significant digits, for the speed basis text ("1.43 GB")."""
    return f"{n / 1e9:.3g} GB"


def _speed(lw: LayerWeights, lay: Layout, hardware: Hardware, catalogs: Any, n_gpus: int) -> dict[str, Any]:
    gpu = hardware.gpu
    if gpu is None:
        return {"decode_tokens_per_s_upper_bound": None, "prefill_tokens_per_s_upper_bound": None,
                "basis": "no hardware given"}
    bw = int(gpu["bandwidth_bytes_per_s"])
    # Layer split: the GPUs work one after another on each token, so their times add up.
    seconds = sum(b / bw for b in lay.read_gpu)
    host_bw, host_what = host_bandwidth(catalogs, hardware)
    basis = ("decode: bytes read per token (active weights: routed experts not chosen are not read, "
             "plus each layer's cached tokens of one sequence) / memory bandwidth, summed over the GPUs "
             "in layer order (a layer split adds no bandwidth)")
    decode: float | None
    if lay.read_host:
        if host_bw is None:
            decode = None
            basis += f"; {gb_text(lay.read_host)} per token come from system RAM and {host_what}: no bound"
        else:
            seconds += lay.read_host / host_bw
            basis += f"; plus {gb_text(lay.read_host)} per token from system RAM at {gb_text(host_bw)}/s ({host_what})"
            decode = 1 / seconds if seconds else None
    else:
        decode = 1 / seconds if seconds else None
    tflops = gpu.get("fp16_tflops")
    prefill = None
    if tflops:
        prefill = float(tflops) * 1e12 / (2 * lw.active_params)
        basis += "; prefill: 2 x active parameters FLOPs per token / one GPU's dense FP16 throughput"
    else:
        basis += "; prefill: no FP16 throughput in the GPU catalog"
    return {"decode_tokens_per_s_upper_bound": decode, "prefill_tokens_per_s_upper_bound": prefill, "basis": basis}


def _cpu_speed(lay: Layout, hardware: Hardware) -> dict[str, Any]:
    """--cpu-only: a token reads its active weights and one sequence's cache from system RAM."""
    bw = hardware.ram_bandwidth_bytes_per_s
    basis = ("decode: bytes read per token (active weights: routed experts not chosen are not read, plus each "
             "layer's cached tokens of one sequence) / system-memory bandwidth")
    if not bw:
        return {"decode_tokens_per_s_upper_bound": None, "prefill_tokens_per_s_upper_bound": None,
                "basis": basis + ": no bandwidth known (give --ram-class); prefill: no CPU throughput in the catalog"}
    decode = int(bw) / lay.read_host if lay.read_host else None
    return {"decode_tokens_per_s_upper_bound": decode, "prefill_tokens_per_s_upper_bound": None,
            "basis": f"{basis} at {gb_text(int(bw))}/s; prefill: no CPU throughput in the catalog"}


def yarn_extension(card: Mapping[str, Any]) -> tuple[int, float, int] | None:
    """(native context, factor, original context) of a model that reaches its context by YaRN set outside
    config.json (the card's rope_scaling with in_config false, as Qwen3 documents it), else None. A GGUF
    converted from that config.json keeps context_length = max_position_embeddings (the native context)."""
    arch = card["architecture"]
    rs = arch.get("rope_scaling") or {}
    native = arch.get("max_position_embeddings")
    if rs.get("type") != "yarn" or rs.get("in_config", True) or not native:
        return None
    return int(native), float(rs["factor"]), int(rs["original_max_position_embeddings"])


def rope_flags(card: Mapping[str, Any], per_slot: int) -> list[str]:
    """llama-server's YaRN options (common/arg.cpp --rope-scaling, --rope-scale, --yarn-orig-ctx) where a
    slot's context passes the GGUF's native context: without them llama-server keeps the cache it
    allocated for -c but serves each slot at most n_ctx_train tokens (tools/server server-context.cpp caps
    n_ctx_slot; from PR #28030, 2026-08-30, these options raise n_ctx_train with the scale, before it only
    --override-kv <arch>.context_length did). The memory is the same either way."""
    yarn = yarn_extension(card)
    if yarn is None or per_slot <= yarn[0]:
        return []
    return ["--rope-scaling", "yarn", "--rope-scale", f"{yarn[1]:g}", "--yarn-orig-ctx", str(yarn[2])]


def _command(card: Mapping[str, Any], quant: str, s: Mapping[str, Any], par_setting: Any,
             batch_setting: Any = None) -> str:
    """The llama-server command line: the options that differ from its defaults (and -c, -ngl, -fa)."""
    name = str(card.get("id", "model")).split("/")[-1]
    parts = ["llama-server", "-m", f"{name}-{quant}.gguf", "-c", str(s["context"]), "-ngl", str(s["n_gpu_layers"]),
             "-fa", str(s["flash_attn"])]
    if s["kv_type_k"] != "F16" or s["kv_type_v"] != "F16":
        parts += ["-ctk", str(s["kv_type_k"]).lower(), "-ctv", str(s["kv_type_v"]).lower()]
    if par_setting not in (None, "auto"):
        parts += ["-np", str(s["parallel"])]
    if s["cpu_moe_layers"]:
        parts += ["--n-cpu-moe", str(s["cpu_moe_layers"])]
    if batch_setting is not None and int(batch_setting) != OPTIONS["batch"].default:
        parts += ["-b", str(int(batch_setting))]
    if s["ubatch"] != 512:
        parts += ["-ub", str(s["ubatch"])]
    if s["swa_full"]:
        parts.append("--swa-full")
    if s.get("tensor_split"):
        parts += ["-ts", ",".join(f"{x:g}" for x in s["tensor_split"])]
    parts += rope_flags(card, sequence_context({"context": s["context"], "parallel": par_setting}) or 0)
    return " ".join(parts)


def _assumptions(hardware: Hardware, backend: str, card: Mapping[str, Any], cpu_only: bool = False) -> list[str]:
    compute = ("compute buffers: the peak of live F32 activations of one ubatch at graph reserve "
               "(inputs, one layer's attention or FFN, or the logits), not the allocator's exact layout")
    fit = "--fit is not modelled: the plan keeps the context given (or the training context)"
    if cpu_only:
        out = [
            "no GPU: a CPU build of llama.cpp keeps the weights, the KV cache, the compute buffer (the whole "
            "graph, logits included) and the output buffer in system RAM; the operating system's own use of "
            "RAM is not counted",
            compute,
            fit,
            "weights: with mmap (the default) the file is mapped and its pages read on first use",
        ]
    else:
        out = [
            f"per-device runtime overhead of {OVERHEAD_BYTES:,} bytes ({backend} context and driver "
            "reservations; llama.cpp does not print it, the calculator's stated figure)",
            "vision towers (mmproj) and MTP layers are not loaded by llama-server without their own file",
            compute,
            "multi-GPU: layers split evenly over identical GPUs (llama.cpp's default split follows each "
            "device's free memory) unless --tensor-split is given or the even split does not fit with every "
            "layer on the GPUs: then -ts fills the GPUs in order, each with as many layers as it holds "
            "(--n-cpu-moe empties the first layers of their experts, and the even split would leave them "
            "alone on the first GPU; llama.cpp issue #15263)",
            fit,
            "weights in system RAM: host.weights_bytes counts the tensors placed on the CPU; with mmap (the "
            "default) llama.cpp maps the file range from the first to the last CPU tensor and prints that "
            "(components.host_weights), GPU tensors in between included; their pages are read once at load",
            "experts in system RAM: the copies of the experts a prompt batch uses are made at run time "
            "outside the reserved buffers (PR #15346) and are not counted",
        ]
    if not cpu_only and backend not in MODELLED_BACKENDS:
        out.append(f"{backend} backend: the compute buffers follow the rules of ggml-cuda, Metal and the CPU "
                   "backend; this backend's own are not modelled (weights and KV cache are the same tensors)")
    if unified_memory(hardware.gpu):
        gpu = hardware.gpu or {}
        out.append(f"unified memory: the GPU may keep {int(gpu['usable_percent'])}% of the machine's "
                   f"{int(gpu['memory_bytes']) / 10**9:g} GB resident (its capacity here), and the GPU's and the "
                   "host's buffers together must fit in those GB; the operating system's own use is not counted")
    if (card["architecture"]["attention"]["structure"] == "MLA"):
        out.append("MLA: a GGUF converted with the MLA keys (key_length_mla), so the cache holds the latent only")
    if card["architecture"]["attention"].get("sparse_indexer"):
        out.append("DeepSeek sparse attention (b9411 on): the KV cache adds the lightning indexer's key "
                   "(head_dim values per token and layer, at -ctk) beside the MLA latent; the compute buffer "
                   "holds the indexer's F32 scores of every head against every cached key (no fused "
                   "indexer kernel on GPUs); the top-k selection's own buffers are not counted")
    return out
