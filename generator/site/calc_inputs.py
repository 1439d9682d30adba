"""The live calculator's engine data: what site/assets/js/engine-llamacpp.js needs to plan a model (pure).

The model page's calculator runs llama.cpp's plan (generator.calc.engines.llamacpp.plan) in the
browser. As with vram.js, Python computes every hardware-independent number once and exports it;
the JavaScript repeats only the assembly arithmetic of the engine module (cells, placement over
the devices, compute buffers, fits, the offload search, the longest context), under the same
function names. tests/calc/test_engine_js.py runs it under node against engines.plan over every
registry card and a grid of settings and setups and requires equal numbers.

What is exported, per model (``engine_inputs``):
- per GGUF quantization that exists for the card (llamacpp.file_type), the per-layer weight
  bytes as llama.cpp places them (llamacpp/layers.py layer_weights: dense part, routed experts,
  the largest dense tensor, the experts one token reads) and the global tensors;
- per layer, the K and V values of one KV cell and whether the layer slides (kv_layers);
- the activation widths of the compute graph (llamacpp.Shape);
- the training and maximum contexts, the sliding window;
- llama.cpp's constants (padding, batch sizes, slots, op offload, pipeline copies) and the
  per-device overhead, read from the Python modules;
- the cache types (block weights, block bytes) llama.cpp takes;
- per catalog GPU, the capacity one device offers llama.cpp (llamacpp.device_capacity) and its backend name.

Per-layer lists are run-length encoded ([[value, count], ...]): most layers are alike.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from generator.calc import max_context_of
from generator.calc.catalogs import Catalogs
from generator.calc.engines import MAX_GPUS, PlanError, hardware, unified_memory
from generator.calc.engines import llamacpp as L
from generator.calc.engines.llamacpp.layers import kv_layers, layer_weights
from generator.calc.memory import OVERHEAD_BYTES

ENGINE_DATA_VERSION = 1
# The engines the live calculator runs, both (llama.cpp here, vLLM below).
LIVE_ENGINES = ("llama.cpp", "vllm")


def rle(values: Sequence[Any]) -> list[list[Any]]:
    """[a, a, a, b] -> [[a, 3], [b, 1]]: engine-llamacpp.js unrle() expands it."""
    out: list[list[Any]] = []
    for v in values:
        if out and out[-1][0] == v:
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


def speed_fields(g: Mapping[str, Any]) -> dict[str, Any]:
    """What the engines' speed bounds read of a catalog GPU (llamacpp._speed, vllm.plan): its memory
    bandwidth ("bw", bytes/s) and dense FP16 throughput ("tflops"; null when the catalog has none). Short
    keys: every model page carries the table."""
    return {"bw": int(g["bandwidth_bytes_per_s"]), "tflops": g.get("fp16_tflops")}


def gpu_table(catalogs: Catalogs) -> list[dict[str, Any]]:
    """Every catalog GPU: id, name, what one device offers llama.cpp (bytes), its backend's device name,
    and for the speed bound its bandwidths (the system memory's as llamacpp.host_bandwidth finds it,
    with the words the basis uses)."""
    rows = []
    for g in catalogs.gpus:
        hw = hardware(catalogs, str(g["id"]), 1)
        host_bw, host_what = L.host_bandwidth(catalogs, hw)
        row = {"id": g["id"], "name": g["name"], "vendor": g.get("vendor"),
               "capacity_bytes": L.device_capacity(hw), "backend": L.backend_name(hw.gpu), **speed_fields(g),
               "host_bw": host_bw, "host_what": host_what}
        if unified_memory(g):  # the machine's memory, which the GPU shares (absent on other GPUs)
            row["unified_ram_bytes"] = int(g["memory_bytes"])
        rows.append(row)
    return rows


def default_quant(card: Mapping[str, Any], quants: Sequence[str]) -> str | None:
    """The calculator's first quantization: the card's native checkpoint where a GGUF of it exists
    (gpt-oss's MXFP4), else llama.cpp's default (Q4_K_M), else the first that exists."""
    shipped = (card.get("release") or {}).get("quantization")
    if shipped in quants:
        return str(shipped)
    default = str(L.OPTIONS["quant"].default)
    if default in quants:
        return default
    return quants[0] if quants else None


def _quant_inputs(card: Mapping[str, Any], catalogs: Catalogs, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    stored = L.file_type(card, catalogs, entry)
    if stored is None:
        return None
    lw = layer_weights(card, stored, catalogs)
    return {"name": stored.get("name", entry["id"]),
            "token_embd": lw.token_embd, "output": lw.output, "output_matrix": lw.output_matrix,
            "tied": lw.tied, "dense": rle(lw.dense), "experts": rle(lw.experts),
            "largest_dense": rle(lw.largest_dense), "experts_read": rle(lw.experts_read),
            "active_params": lw.active_params}


def engine_inputs(card: Mapping[str, Any], catalogs: Catalogs) -> dict[str, Any]:
    """The calculator data of ``card`` for llama.cpp (see the module docstring); ``unsupported``
    says why llama.cpp cannot plan it (then nothing else model-specific is exported)."""
    head: dict[str, Any] = {"version": ENGINE_DATA_VERSION, "engine": L.NAME, "basis": L.BASIS,
                            "model": card.get("id")}
    reason = L.unsupported(card)
    train_ctx = 0
    if reason is None:
        try:
            train_ctx = L.train_context(card)  # n_ctx_train, as the plan reads it
        except PlanError:
            reason = "the card states no context length"
    if reason is not None:
        return {**head, "unsupported": reason}
    quants: dict[str, Any] = {}
    for entry in catalogs.quantizations:
        if L.is_gguf(entry):
            q = _quant_inputs(card, catalogs, entry)
            if q is not None:
                quants[str(entry["id"])] = q
    kv = kv_layers(card)
    shape = L.Shape(card)
    return {
        **head,
        "unsupported": None,
        "train_context": train_ctx,
        "max_context": max_context_of(card),
        "yarn": L.yarn_extension(card),   # [native context, factor, original context] for the command's YaRN options, or null
        "n_swa": L.n_swa_of(card),
        "kv_k": rle([x.k for x in kv]), "kv_v": rle([x.v for x in kv]), "kv_swa": rle([x.swa for x in kv]),
        "kv_idx": rle([x.idx for x in kv]),   # DeepSeek-V3.2: the indexer's key values per cell ([0] runs if none)
        "rs_seq": rle(list(L.state_per_sequence(card))),   # recurrent state per sequence and layer ([] if none)
        "shape": {"hidden": shape.hidden, "vocab": shape.vocab, "heads": shape.heads, "q": shape.q,
                  "kv": shape.kv, "attn_out": shape.attn_out, "ffn": shape.ffn, "moe_ffn": shape.moe_ffn,
                  "n_expert": shape.n_expert, "idx_heads": shape.idx_heads, "idx_dim": shape.idx_dim},
        "quants": quants,
        "default_quant": default_quant(card, list(quants)),
        "cache_types": {t: list(catalogs.tensor_types[t]) for t in L.CACHE_TYPES if t in catalogs.tensor_types},
        "constants": constants(),
    }


def constants() -> dict[str, Any]:
    """llama.cpp's constants and option defaults as the Python rules use them."""
    o = L.OPTIONS
    return {"PAD": L.PAD, "F32": L.F32, "AUTO_PARALLEL": L.AUTO_PARALLEL,
            "OP_OFFLOAD_MIN_BATCH": L.OP_OFFLOAD_MIN_BATCH, "PIPELINE_COPIES": L.PIPELINE_COPIES,
            "OVERHEAD_BYTES": OVERHEAD_BYTES, "MAX_GPUS": MAX_GPUS,
            "ubatch": o["ubatch"].default, "batch": o["batch"].default, "kv_dtype": o["kv_dtype"].default}



DEFAULT_CONTEXT = 8192  # the calculator's first context (the model's maximum when smaller)


def page_data(card: Mapping[str, Any], catalogs: Catalogs | None,
              derived: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """What the calculator block of a model page needs: the engine data and the GPU table as one
    JSON for a script element, and the first context; None when no engine can plan the card in the
    browser (``unsupported``: why, for the page)."""
    if catalogs is None or derived is None:
        return None
    from generator.site.pages import json_for_script  # the one escaping for JSON in a script element

    data = engine_inputs(card, catalogs)
    vdata = vllm_inputs(card, catalogs)
    why = {L.NAME: data["unsupported"] or (None if data["quants"] else "no GGUF file of it can exist"),
           "vllm": vdata["unsupported"] or (None if vdata["quants"] else "no checkpoint vLLM loads")}
    if all(why.values()):
        return {"unsupported": f"{L.NAME} cannot run this model ({why[L.NAME]}), nor vLLM ({why['vllm']}).",
                "json": None}
    tops = [d["max_context"] or d.get("train_context") or d.get("most") for d in (data, vdata) if not d["unsupported"]]
    top = int(next(t for t in tops if t))
    vfields = vllm_gpu_fields(catalogs)
    # the speed fields once per GPU (engine-calculator.js hands them to the vLLM plan too)
    gpus = [{**g, "vllm": {k: v for k, v in vfields[str(g["id"])].items() if k not in ("bw", "tflops")}}
            for g in gpu_table(catalogs)]
    payload = {"engines": {L.NAME: data, "vllm": vdata}, "unsupported": why, "gpus": gpus, "max_gpus": MAX_GPUS,
               **cpu_only_data(catalogs)}
    return {"unsupported": None, "json": json_for_script(payload),
            "default_context": min(DEFAULT_CONTEXT, top), "max_context": top, "why": why,
            # the utilization field's first value: vLLM's own default on the line the browser follows
            "utilization": vllm_default_utilization(), "vllm_lines": vllm_line_choices()}


def cpu_only_data(catalogs: Catalogs) -> dict[str, Any]:
    """The calculator's "CPU only (no GPU)" choice: the system-memory classes with a bandwidth of their
    own (--ram-class; as api/calc/gpus.json's host_memory) and what an engine that needs a GPU says
    instead of a plan (fit.NEEDS_GPU)."""
    from generator.site.fit import NEEDS_GPU

    classes = {str(c["id"]): {"name": c.get("name"), "bandwidth_bytes_per_s": c["bandwidth_bytes_per_s"]}
               for c in getattr(catalogs, "host_memory", ()) if c.get("bandwidth_bytes_per_s")}
    return {"host_memory": classes, "needs_gpu": dict(NEEDS_GPU)}


# --- vLLM ----------------------------------------------------------------------------------------
# The same discipline for generator/calc/engines/vllm/: Python exports, per tensor-parallel size
# the heads allow, the weights on one GPU (per quantization, and per MXFP4 kernel family where the
# MXFP4 padding differs), the activation peak at vLLM's two batch defaults and the KV-cache layout
# per cache width; site/assets/js/engine-vllm.js repeats plan()'s assembly (the KV budget, blocks,
# capacity, fits, the longest max_model_len, the command).

def _vllm_families(catalogs: Catalogs) -> dict[str, Mapping[str, Any] | None]:
    """One GPU per MXFP4 kernel family vLLM picks (vllm.gpu_family); None plans as Hopper."""
    from generator.calc.engines import vllm as V

    out: dict[str, Mapping[str, Any] | None] = {}
    for g in catalogs.gpus:
        out.setdefault(V.gpu_family(g), g)
    return out


def _gdn_generations(catalogs: Catalogs) -> dict[str, Mapping[str, Any] | None]:
    """One catalog GPU per generation of vLLM's gated DeltaNet prefill choice (vllm.gdn_generation);
    "hopper" is there even without one, as the plan without a GPU assumes it (None)."""
    from generator.calc.engines import vllm as V

    out: dict[str, Mapping[str, Any] | None] = {"hopper": None}
    for g in catalogs.gpus:
        generation = V.gdn_generation(g)
        if out.get(generation) is None:
            out[generation] = g
    return out


def vllm_line_choices() -> list[tuple[str, str]]:
    """The vLLM release lines the live calculator offers, the default first, with their labels."""
    from generator.calc.engines import vllm as V

    current = V.RELEASE_LINES[-1]
    return [(V.DEFAULT_RELEASE, "v0.21 to v0.33 (checked against public logs)"),
            (current, "v0.34 and later (from vLLM's source; no public log to check yet)")]


def vllm_default_utilization() -> float:
    """vLLM's own --gpu-memory-utilization default on the release line the browser follows."""
    from generator.calc.engines import vllm as V

    return V.DEFAULT_UTILIZATION[V.DEFAULT_RELEASE]


def vllm_gpu_fields(catalogs: Catalogs) -> dict[str, dict[str, Any]]:
    """Per catalog GPU what vLLM's plan reads of it: the driver-reported memory (engines.device_memory),
    whether vLLM's larger batch defaults apply (vllm.plan: >= LARGE_GPU_BYTES and not an A100), its
    MXFP4 kernel family, and whether it is Apple silicon (which vLLM's GPU engine does not run on)."""
    from generator.calc.engines import device_memory
    from generator.calc.engines import vllm as V

    out = {}
    for g in catalogs.gpus:
        mem = device_memory(hardware(catalogs, str(g["id"]), 1))
        assert mem is not None
        out[str(g["id"])] = {"memory_bytes": mem,
                             "large": mem >= V.LARGE_GPU_BYTES and "a100" not in str(g["id"]).lower(),
                             "huge": mem >= V.HUGE_GPU_BYTES,  # the >= 160 GiB tier (release line 0.34)
                             "family": V.gpu_family(g), "apple": str(g.get("vendor", "")).lower() == "apple",
                             "gdn_generation": V.gdn_generation(g),  # gated DeltaNet's prefill kernel (line 0.34)
                             **speed_fields(g)}
    return out


def vllm_inputs(card: Mapping[str, Any], catalogs: Catalogs) -> dict[str, Any]:
    """The calculator data of ``card`` for vLLM (see the note above)."""
    from generator.calc.engines import vllm as V

    head: dict[str, Any] = {"version": ENGINE_DATA_VERSION, "engine": V.NAME, "basis": V.BASIS, "model": card.get("id")}
    reason = V.unsupported(card)
    if reason:
        return {**head, "unsupported": reason}
    arch = card["architecture"]
    att = arch["attention"]
    heads = int(att["heads"])
    kv_heads = int(att.get("kv_heads") or heads)
    allowed = V.allowed_tp(card)
    families = _vllm_families(catalogs)
    quants: dict[str, Any] = {}
    for entry in catalogs.quantizations:
        if entry.get("format") != "safetensors":
            continue
        try:
            stored = V.resolve_quant(card, catalogs, str(entry["id"]))
        except PlanError:
            continue
        per_tp: dict[str, Any] = {}
        active_tp: dict[str, Any] = {}   # the weight bytes one GPU reads per decoded token (the speed bound)
        for tp in allowed:
            ws = {f: V.weights_per_gpu(card, stored, catalogs, tp, g) for f, g in families.items()}
            by_family = {f: w.per_gpu for f, w in ws.items()}
            active = {f: V.active_weights_per_gpu(card, w) for f, w in ws.items()}
            if stored["types"].get("routed_experts") != "MXFP4":
                one = "hopper" if "hopper" in by_family else next(iter(by_family))
                by_family, active = {"any": by_family[one]}, {"any": active[one]}
            per_tp[str(tp)] = by_family
            active_tp[str(tp)] = active
        quants[str(entry["id"])] = {"fp32": stored["id"] == "FP32", "weights": per_tp, "active_weights": active_tp}
    most = card.get("context_length") or arch.get("max_position_embeddings")
    layouts = {}
    for tp in allowed:
        by_bytes = {}
        # keys: the KV cache width, and "<width>/fp32" for a hybrid model's FP32 checkpoint, whose
        # recurrent state is 4 bytes wide (vllm.plan: the model dtype)
        widths = [(str(b), b, 2) for b in (1, 2, 4)]
        if arch.get("layer_pattern"):
            widths += [(f"{b}/fp32", b, 4) for b in (1, 2, 4)]
        for key, kv_bytes, state_bytes in widths:
            lay = V.kv_layout(card, tp, kv_bytes, state_bytes)
            by_bytes[key] = {"page_bytes": lay.page_bytes, "block_size": lay.block_size,
                             "group_size": lay.group_size, "groups": list(lay.groups),
                             "per_token_bytes": lay.per_token_bytes,
                             "layers": [list(x) for x in lay.layers],
                             "state_groups": lay.state_groups, "state_layers": lay.state_layers,
                             "state_blocks": lay.state_blocks,
                             "state_bytes": lay.state_bytes,
                             "indexer_token_bytes": lay.indexer_token_bytes, "top_k": lay.top_k}
        layouts[str(tp)] = by_bytes
    # keyed by release line, then TP size, at the batch defaults (small, large, and on the lines of
    # Model Runner V2 alone the >= 160 GiB tier); the default line and the current releases' line (the
    # site offers those two; the CLI plans the older ones, which would grow each model's data)
    line = V.DEFAULT_RELEASE
    tiers = [(V.BATCHED_TOKENS_SMALL, V.MAX_SEQS_SMALL), (V.BATCHED_TOKENS_LARGE, V.MAX_SEQS_LARGE)]
    act = {line: {str(tp): [V.activation_peak(card, tp, b, n, line) for b, n in tiers] for tp in allowed}}
    # the current line (Model Runner V2 only): its peaks, the sampler's per-slot state at each tier's
    # max_num_seqs (vllm.mrv2_sampler_buffers, in the non-torch memory), and its 64-token attention
    # pages; a model it does not plan says why instead
    current = V.RELEASE_LINES[-1]
    current_reason = V.unsupported(card, {"vllm_version": current})
    by_line: dict[str, Any] = {}
    if not current_reason:
        v2_tiers = tiers + [(V.BATCHED_TOKENS_HUGE, V.MAX_SEQS_LARGE)]
        act[current] = {str(tp): [V.activation_peak(card, tp, b, n, current, "v2") for b, n in v2_tiers]
                        for tp in allowed}
        vocab = int(arch["vocab_size"])
        def block_and_page(tp: int, kv_bytes: int, state_bytes: int) -> list[int]:
            lay = V.kv_layout(card, tp, kv_bytes, state_bytes, current)
            return [lay.block_size, lay.page_bytes]

        # a 4-byte cache only for an FP32 checkpoint (vllm.plan: "auto" is the model dtype); keyed as
        # kv_layouts, "<width>/fp32" for a hybrid model's FP32 checkpoint
        cache_widths = (1, 2, 4) if any(q["fp32"] for q in quants.values()) else (1, 2)
        keys = [(str(b), b, 2) for b in cache_widths]
        if arch.get("layer_pattern"):
            keys += [(f"{b}/fp32", b, 4) for b in cache_widths]
        blocks = {str(tp): {key: block_and_page(tp, b, sb) for key, b, sb in keys} for tp in allowed}
        by_line[current] = {"runner_buffers": [V.mrv2_sampler_buffers(vocab, n) for _, n in v2_tiers],
                            "kv_blocks": blocks}
        if arch.get("layer_pattern"):
            # blocks a request holds per state group, by the GPU generation (vllm.state_blocks: gated
            # DeltaNet's prefill checkpoint where FlashInfer's kernel runs); "hopper" stands for no GPU
            by_line[current]["state_blocks"] = {k: V.state_blocks(card, current, g)
                                                for k, g in _gdn_generations(catalogs).items()}
    return {
        **head, "unsupported": None, "max_context": max_context_of(card),
        "heads": heads, "kv_heads": kv_heads, "allowed_tp": allowed,
        "most": most, "config_len": arch.get("max_position_embeddings"),
        "quants": quants, "native": V.native_quant_id(card), "hf_repo": V.hf_repo(card),
        "active_params": V.active_param_count(card),   # the prefill bound's FLOPs per token / 2
        "kv_layouts": layouts, "activation_peak": act,
        "lines": by_line, "unsupported_lines": {current: current_reason} if current_reason else {},
        # DeepSeek sparse attention: the latent's width follows dsa_kv_bytes, and model loading adds
        # the top-k index buffer (topk_buffer_bytes: this many bytes per batched token; 0 if none)
        "dsa": bool(att.get("sparse_indexer")), "topk_buffer_per_token": V.topk_buffer_bytes(card, 1),
        "constants": {"NON_TORCH_BYTES": V.NON_TORCH_BYTES, "NCCL_TP_BYTES": V.NCCL_TP_BYTES,
                      "DEFAULT_RELEASE": V.DEFAULT_RELEASE,
                      # the lines whose vLLM takes a CUDA graph estimate from the KV budget unless told not to
                      "CUDAGRAPH_ESTIMATE_OFF": V.CUDAGRAPH_ESTIMATE_OFF, "ESTIMATE_LINES": list(V.ESTIMATE_LINES),
                      "MODEL_RUNNER_V1": V.MODEL_RUNNER_V1, "ONLINE_QUANT_FLAGS": V.ONLINE_QUANT_FLAGS,
                      "MRV2_ONLY_LINES": list(V.MRV2_ONLY_LINES), "EXTENSIBLE_KV_OFF": V.EXTENSIBLE_KV_OFF,
                      "BATCHED_TOKENS_HUGE": V.BATCHED_TOKENS_HUGE,
                      "CUDA_GRAPH_BYTES": V.CUDA_GRAPH_BYTES, "CUDA_CONTEXT_BYTES": V.CUDA_CONTEXT_BYTES,
                      "BATCHED_TOKENS_SMALL": V.BATCHED_TOKENS_SMALL, "MAX_SEQS_SMALL": V.MAX_SEQS_SMALL,
                      "BATCHED_TOKENS_LARGE": V.BATCHED_TOKENS_LARGE, "MAX_SEQS_LARGE": V.MAX_SEQS_LARGE,
                      "KV_DTYPES": list(V.KV_DTYPES), "utilization": vllm_default_utilization(),
                      # per line: the start check by groups, the printed tokens from the concurrency,
                      # the null block held back from the check (vllm.KV_RULES)
                      "KV_RULES": {ln: V.KV_RULES[ln]._asdict() for ln in (line, current)},
                      "PREFIX_CACHING_OFF": V.PREFIX_CACHING_OFF,
                      "PREFIX_CACHING_OFF_LINES": list(V.PREFIX_CACHING_OFF_LINES),
                      # vLLM's own default per line the site offers (vllm.DEFAULT_UTILIZATION)
                      "UTILIZATIONS": {ln: V.DEFAULT_UTILIZATION[ln] for ln in (line, current)}},
    }
