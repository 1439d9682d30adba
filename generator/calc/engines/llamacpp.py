"""llama.cpp (llama-server) memory plan: what each device and the host allocate (pure).

Every rule cites the llama.cpp file and function it follows; site/engine-llamacpp.md
explains them with the assumptions. Buffers are those llama.cpp prints at start-up:
``<dev> model buffer size`` (weights), ``KV buffer size``, ``<dev> compute buffer size``,
``CUDA_Host compute buffer size`` and ``output buffer size``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from generator.calc import native
from generator.calc.engines import (
    Hardware,
    unified_memory,
    Option,
    device_memory,
    PlanError,
    largest_that_fits,
    parse_choice,
    parse_flag,
    parse_text,
    smallest_that_fits,
)
from generator.calc.engines.llamacpp_layers import (
    KVLayer,
    LayerWeights,
    kv_layers,
    layer_weights,
    recurrent_state_bytes,
)
from generator.calc.memory import OVERHEAD_BYTES
from generator.calc.params import count_parameters, head_dim_of

NAME = "llama.cpp"
BASIS = ("llama.cpp builds from b8651 (2026): n_ctx padded to 256 (PR #17046), "
         "SWA cache padded to 256 (issue #17037), -ngl offloads the output layer first (PR #18148), "
         "llama-server -np auto = 4 slots with a unified KV cache, -fa auto, MLA caches K only (PR #19067), "
         "op offload copies only used experts (PR #15346)")

# The engine versions each rule models (outside_basis). llama.cpp release builds are numbered
# bNNNN. Where a pull request changed a printed buffer, the rule holds from "the first build we
# can date after the merge" (a build number printed in a dated public log or release note), so a
# build between the merge and that build counts as outside: conservative, never inside wrongly.
#
# Compute buffers: PR #15346 ("sched : copy only the used experts when offloading prompt
# processing", merged 2025-08-20): before it the first GPU's compute buffer held a whole copy of
# each host-resident expert tensor. Release b6250 (published 2025-08-23). The PR touches only the
# experts of a MoE model kept in host memory beside a GPU (its description: "with MoE weights on
# CPU, all the experts are copied to VRAM"), so other runs' compute buffers are not dated by it.
COMPUTE_BUILD = 6250
# The oldest builds whose compute buffers the rules hold to at all: PR #6122 ("llama : greatly reduce
# output buffer memory usage", merged 2024-03-26) moved the logits into the output buffer printed
# since; b2694 is printed in a log of ggml-org/llama.cpp PR #6745 (seed 1713530096, 2024-04-19).
COMPUTE_FLOOR_BUILD = 2694
BASIS_BUILD = COMPUTE_BUILD  # the build the plan as a whole follows from (kept for callers)
# KV cells: PR #17046 ("kv-cache : pad the cache size to 256 for performance", merged 2025-11-07)
# pads every cache, full and sliding-window, to 256 cells. Before it (since PR #7257, 2024-05-13)
# the padding was 256 with flash attention and 32 without, on n_ctx and on the SWA cache size.
# b7571 is packaged on 2025-12-29 (AOSC-Dev/aosc-os-abbs PR #14262).
KV_PAD256_BUILD = 7571
OLD_PAD_NO_FA = 32
# SWA cache of n_swa * n_seq + n_ubatch cells: PR #13833 (merged 2025-05-27; before it
# PR #13194 of 2025-05-20 kept n_swa * n_seq + n_batch + 1, and earlier builds a full-size cache
# for sliding-window layers). b5630 is printed in ggml-org/llama.cpp issue #14123 (2025-06-11).
SWA_UBATCH_BUILD = 5630
# Layer placement: PR #18148 ("offload output layer to GPU first", merged 2025-12-17): -ngl N puts
# the output layer and the last N - 1 repeating layers on the GPUs. Before it -ngl N took the last N
# repeating layers and the output layer only when N > n_layer. b7571 (2025-12-29, above) is the
# first build we can date after the merge.
OUTPUT_FIRST_BUILD = 7571
# MLA: PR #19067 ("kv-cache : support V-less cache", merged 2026-01-24): DeepSeek-style models
# cache K only (the latent + rope key). Before it the cache also held a V of kv_lora_rank values
# per token and layer (the b5331 accuracy case prints it). b8651 is released 2026-04-03
# (gominimal/pkgs PR #40). Builds before PR #12801's MLA support cached full per-head K/V.
MLA_K_ONLY_BUILD = 8651
# DeepSeek sparse attention: LLM_ARCH_DEEPSEEK32 with its llama_kv_cache_dsa (the indexer's key
# cache) and the indexer graph (src/models/deepseek32.cpp) arrive in b9411 (PR #23346); no build
# before it loads a DeepSeek-V3.2 GGUF.
DSA_BUILD = 9411
# Backends whose compute buffers the rules model: CUDA (and ROCm/HIP, built from the same ggml-cuda
# sources), Metal and the CPU. Vulkan's scheduler offload and flash-attention paths differ
# (its own supports_op / offload_op in ggml-vulkan.cpp). Weights and KV are the same tensors on
# every backend.
MODELLED_BACKENDS = ("CUDA", "ROCm", "HIP", "Metal", "CPU")

WEIGHTS = ("device_weights", "host_weights", "device_weights_per_gpu")
KV = ("device_kv_cache", "host_kv_cache", "device_kv_cache_per_gpu")
COMPUTE = ("device_compute_buffer", "host_compute_buffer", "device_compute_buffer_per_gpu")


def _build(engine_version: str | None) -> tuple[int | None, bool]:
    """The build number in a version as printed ("b6699", "6699", "version: 6699 (abc123)") or a
    generation the log proves ("before b6250": True), else None."""
    text = str(engine_version).strip().lower()
    digits = "".join(ch for ch in text.split("(")[0] if ch.isdigit())
    return (int(digits) if digits else None), text.startswith("before")


def _older(build: int | None, before: bool, threshold: int) -> bool:
    """Whether this build (or generation) predates ``threshold``; unknown builds do not."""
    if build is None:
        return False
    return build < threshold or (before and build <= threshold)


def _kv_outside(build: int | None, before: bool, card: Mapping[str, Any] | None,
                settings: Mapping[str, Any]) -> str | None:
    """The KV rule by model class: MLA (K only), sliding-window (n_swa + n_ubatch cells, 256
    padding) and full attention (n_ctx padded to 256)."""
    att = (card or {}).get("architecture", {}).get("attention", {})
    if att.get("sparse_indexer") and _older(build, before, DSA_BUILD):
        return (f"llama.cpp before b{DSA_BUILD} (PR #23346): no DeepSeek sparse attention, so no indexer "
                "key cache (and no DeepSeek-V3.2 GGUF loads)")
    if att.get("structure") == "MLA" and _older(build, before, MLA_K_ONLY_BUILD):
        return (f"llama.cpp before b{MLA_K_ONLY_BUILD} (PR #19067, 2026-01-24): the MLA cache also "
                "held a V of kv_lora_rank values")
    if not _older(build, before, KV_PAD256_BUILD):
        return None
    fa = str(settings.get("flash_attn", "auto")).lower() in ("on", "true", "1")
    if att.get("sliding_window"):
        if _older(build, before, SWA_UBATCH_BUILD):
            return (f"llama.cpp before b{SWA_UBATCH_BUILD} (PR #13833, 2025-05-27): the sliding-window "
                    "cache held n_swa + n_batch + 1 cells or the whole context")
        if not fa:
            return (f"llama.cpp before b{KV_PAD256_BUILD} (PR #17046, 2025-11-07) without flash attention: "
                    f"the sliding-window cache was padded to {OLD_PAD_NO_FA} cells, not 256")
        return None
    # Full attention: the older padding (32 without flash attention) gives the same cells
    # whenever each sequence's context is already a multiple of 256.
    context = settings.get("context")
    par = settings.get("parallel")
    slots = int(par) if isinstance(par, int) or (isinstance(par, str) and par.isdigit()) else 1
    if not fa and context is not None and int(context) % (PAD * slots):
        return (f"llama.cpp before b{KV_PAD256_BUILD} (PR #17046, 2025-11-07) without flash attention: "
                f"the cache was padded to {OLD_PAD_NO_FA} cells, not 256, and this context is no multiple of 256")
    return None


def _old_compute_outside(build: int | None, before: bool, backend: str | None, card: Mapping[str, Any] | None,
                         settings: Mapping[str, Any]) -> str | None:
    """Why a run on a build before b6250 has compute buffers the rules do not model, else None.

    The rules follow b6250 on. An older run (from b2694, after PR #6122's output buffer) is held to
    them only where nothing they depend on changed since: no routed experts in host memory beside a GPU (PR #15346, _host_experts), not an
    MLA model (its absorbed-latent graph arrived with PR #12801, and the V-less cache of PR #19067
    reshaped its KV views; dated from b6250 on here, conservatively), and KV cells the KV rule models
    for that build (the attention's size is the cells it reads)."""
    if _older(build, before, COMPUTE_FLOOR_BUILD):
        return (f"llama.cpp before b{COMPUTE_FLOOR_BUILD}: builds from before PR #6122 (2024-03-26) kept the "
                "logits and graph inputs in other buffers")
    if _host_experts(backend, card, settings):
        return (f"llama.cpp before b{COMPUTE_BUILD} (PR #15346, 2025-08-20): the compute buffer held "
                "whole copies of host-resident experts")
    att = (card or {}).get("architecture", {}).get("attention", {})
    if att.get("structure") == "MLA":
        return (f"llama.cpp before b{COMPUTE_BUILD}: the MLA attention graph (PR #12801, then the V-less "
                "cache of PR #19067) is modelled from b6250 on only")
    kv = _kv_outside(build, before, card, settings)
    if kv:
        return "compute buffers follow the KV cells: " + kv
    return None


def _host_experts(backend: str | None, card: Mapping[str, Any] | None, settings: Mapping[str, Any]) -> bool:
    """Whether PR #15346 changes this run's compute buffers: a MoE model with routed experts in host
    memory (--n-cpu-moe / -ot exps=CPU, or repeating layers left on the CPU by -ngl) and a GPU that
    runs their products during prompt processing. The PR changes only which experts the scheduler
    copies to that GPU (ggml-backend.c, the MUL_MAT_ID inputs of a split); a dense model, a MoE model
    with every expert on the GPUs, or a CPU-only run copies no experts. What the case does not say
    (no card, no -ngl for a MoE model) counts as affected."""
    if str(backend) == "CPU":
        return False
    if card is None:
        return True
    arch = card.get("architecture", {})
    if arch.get("type") != "moe":
        return False
    if settings.get("cpu_moe_layers") not in (None, 0):  # a count, or auto: experts may sit on the host
        return True
    ngl, layers = settings.get("n_gpu_layers"), arch.get("layers")
    if not isinstance(ngl, int) or not isinstance(layers, int):
        return True
    return ngl < layers


def _partial_offload(settings: Mapping[str, Any], card: Mapping[str, Any] | None) -> bool:
    """Whether the run's -ngl leaves some layers on the CPU (where the placement order matters)."""
    ngl = settings.get("n_gpu_layers")
    layers = (card or {}).get("architecture", {}).get("layers")
    return isinstance(ngl, int) and isinstance(layers, int) and ngl <= layers


def outside_basis(engine_version: str | None, backend: str | None, component: str | None = None,
                  card: Mapping[str, Any] | None = None, settings: Mapping[str, Any] | None = None) -> str | None:
    """None when the rule for ``component`` (a measured name; None: the case as a whole, i.e. every
    rule) models a run on this llama.cpp version and backend, else why not (shown on the accuracy
    page). ``card`` and ``settings`` (the run's model card and settings) select the rule of a model
    class (MLA, sliding window) or a setting (flash attention) where the history differs by them.

    ``engine_version`` is a build as printed ("b6699", "6699", "version: 6699 (abc123)"), an
    Ollama version ("ollama 0.5.4") or a generation the log proves ("ollama", "before b6250");
    unknown (None) counts as inside. Each rule has its own history:
    - weights (GGUF tensor types, llama_model_loader placement and the mmap'd host buffer): the
      same for every GGUF v3 build and in Ollama, which loads the same GGUF tensors; per GPU only
      with --tensor-split (else llama.cpp splits by each device's free memory at load, unprinted);
    - KV cache: by model class (see _kv_outside); Ollama as the oldest build (its vendored build is not printed);
    - compute buffers: CUDA/ROCm/Metal/CPU only; not Ollama's runner; from b6250 (PR #15346) where
      routed experts sit in host memory beside a GPU (_host_experts), every build otherwise;
    - output buffer (n_seq x n_vocab x 4 bytes, llama_context::output_reserve since PR #6122,
      2024-03-26, the change that introduced the printed line): every build; Ollama picks n_seq itself.
    """
    settings = settings or {}
    text = "" if engine_version is None else str(engine_version).strip().lower()
    ollama = text.startswith("ollama")
    build, before = (None, False) if engine_version is None or ollama else _build(engine_version)
    # the case as a whole: every summed rule (a per-GPU split is asked for by name)
    components = [component] if component is not None else [*WEIGHTS[:2], *KV[:2], *COMPUTE[:2], "output_buffer"]
    reasons = []
    for name in components:
        reason: str | None = None
        if name in ("device_weights_per_gpu", "device_kv_cache_per_gpu") and settings.get("tensor_split") is None:
            reason = ("per-GPU split without --tensor-split: llama.cpp shares the layers by each device's "
                          "free memory at load (llama_model::load_tensors), which the log does not print")
        if (reason is None and name in WEIGHTS and _partial_offload(settings, card)
                and _older(0 if ollama else build, before, OUTPUT_FIRST_BUILD)):
            reason = (f"llama.cpp before b{OUTPUT_FIRST_BUILD} (PR #18148, 2025-12-17): -ngl N took the last N "
                      "repeating layers and the output layer only past them")
        if reason is None and name in KV:
            # Ollama vendors llama.cpp at a build it does not print: only a rule that holds for
            # every build (full attention at a context that is a multiple of 256) applies.
            reason = _kv_outside(0 if ollama else build, before, card, settings)
            if reason and ollama:
                reason = "Ollama: a vendored llama.cpp of unstated build; " + reason
        if name in COMPUTE:
            if backend is not None and str(backend) not in MODELLED_BACKENDS:
                reason = f"{backend} backend: its compute buffers are not modelled (rules follow ggml-cuda, Metal, CPU)"
            elif ollama:
                reason = "Ollama: a vendored, patched llama.cpp of unstated build and its own runner"
            elif _older(build, before, COMPUTE_BUILD):
                reason = _old_compute_outside(build, before, backend, card, settings)
        if name == "output_buffer" and ollama:
            reason = "Ollama: its runner picks the number of sequences itself"
        if reason:
            reasons.append(reason)
    return "; ".join(dict.fromkeys(reasons)) or None


def sequence_context(settings: Mapping[str, Any]) -> int | None:
    """The context one sequence gets from these settings (what must not exceed the model's maximum).

    llama-server's -c is the cache of all slots: with an explicit -np N the slots split it
    (n_ctx_seq = n_ctx / N); with -np auto the 4 slots share one unified cache and each may
    use all of it (tools/server/server.cpp, llama-context.cpp llama_context ctor).
    """
    context = settings.get("context")
    par = settings.get("parallel", "auto")
    if context is None or par in (None, "auto"):
        return context
    return int(context) // int(par)


PAD = 256  # llama-context.cpp llama_context ctor: GGML_PAD(n_ctx, 256); llama-kv-cache-iswa.cpp: SWA cells
F32 = 4  # bytes of an activation (ggml graphs compute in F32)
AUTO_PARALLEL = 4  # tools/server/server.cpp main: n_parallel < 0 (auto) -> 4 slots, kv_unified = true
OP_OFFLOAD_MIN_BATCH = 32  # ggml-cuda.cu ggml_backend_cuda_device_offload_op: batch >= 32
# llama-context.cpp llama_context ctor: with pipeline parallelism the scheduler keeps
# GGML_SCHED_MAX_COPIES (4) copies of the graph inputs, one per micro-batch in flight.
PIPELINE_COPIES = 4
# llama.cpp's cache types (common/arg.cpp kv_cache_types) by catalog tensor-type id.
CACHE_TYPES = ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "IQ4_NL", "Q5_0", "Q5_1")


# --- options ---------------------------------------------------------------------------------

def _whole(raw: Any) -> int | None:
    """An int given as an int or as decimal text ("512"); None for anything else (bools, "1.5", "x")."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _positive_int(option: str, raw: Any) -> int:
    value = _whole(raw)
    if value is None or value < 1:
        raise PlanError(option, f"{raw!r}: allowed: a whole number from 1")
    return value


def _int_or_auto(allow_zero: bool) -> Any:
    least = 0 if allow_zero else 1

    def parse(option: str, raw: Any) -> int | str:
        if isinstance(raw, str) and raw.strip().lower() == "auto":
            return "auto"
        value = _whole(raw)
        if value is None or value < least:
            raise PlanError(option, f"{raw!r}: allowed: auto or a whole number from {least}")
        return value
    return parse


def _cache_type(option: str, raw: Any) -> str | None:
    if raw is None:
        return None
    value = str(raw).strip().upper()
    if value not in CACHE_TYPES:
        raise PlanError(option, f"{raw!r}: allowed: {', '.join(t.lower() for t in CACHE_TYPES)}")
    return value


def _split(option: str, raw: Any) -> tuple[float, ...] | None:
    """--tensor-split "3,1": one non-negative share per GPU (common/arg.cpp), not all zero."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "auto")):
        return None
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace("/", ",").split(",")
    try:
        shares = tuple(float(x) for x in items)
    except (TypeError, ValueError):
        shares = ()
    if not shares or any(x < 0 for x in shares) or not any(shares):
        raise PlanError(option, f"{raw!r}: allowed: auto, or one share per GPU, comma-separated, not negative and "
                                "not all zero (e.g. 3,1)")
    return shares


def _context(option: str, raw: Any) -> int | None:
    return None if raw is None else _positive_int(option, raw)


OPTIONS: dict[str, Option] = {
    "quant": Option("Q4_K_M", parse_text, "GGUF quantization of the file (schema/quantizations.yaml id)"),
    "context": Option(None, _context, "-c: context size; default: the model's training context "
                                      "(common_params.n_ctx = 0)"),
    "kv_dtype": Option("F16", _cache_type, "cache type of K and V (-ctk/-ctv) unless set apart"),
    "kv_type_k": Option(None, _cache_type, "-ctk: K cache type (default: --kv-dtype)"),
    "kv_type_v": Option(None, _cache_type, "-ctv: V cache type (default: --kv-dtype)"),
    "parallel": Option("auto", _int_or_auto(False), "-np: slots; auto = 4 slots sharing one unified KV cache"),
    "ubatch": Option(512, _positive_int, "-ub: physical batch (tokens per graph evaluation)"),
    "batch": Option(2048, _positive_int, "-b: logical batch (caps --ubatch)"),
    "flash_attn": Option("auto", parse_choice("on", "off", "auto"), "-fa on|off|auto (auto: on where the GPU supports it)"),
    "swa_full": Option(False, parse_flag, "--swa-full: full-size cache for sliding-window layers"),
    "cpu_only": Option(False, parse_flag, "--cpu-only: no GPU (a CPU build of llama.cpp): weights, KV cache "
                                          "and compute buffers all in system RAM"),
    "tensor_split": Option(None, _split, "-ts: each GPU's share of the layers; auto: equal (identical GPUs: "
                                         "llama.cpp's default, proportional to free memory)"),
    "n_gpu_layers": Option("auto", _int_or_auto(True), "-ngl: layers on the GPU(s), the last N; auto: all that fit"),
    "cpu_moe_layers": Option("auto", _int_or_auto(True), "--n-cpu-moe: expert tensors of the first N layers in "
                                                        "system RAM; auto: the fewest that fit"),
}


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


# --- the plan ----------------------------------------------------------------------------------

def _is_gguf(quant: Mapping[str, Any]) -> bool:
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


def _n_swa(card: Mapping[str, Any]) -> int | None:
    sw = card["architecture"]["attention"].get("sliding_window")
    return int(sw["size"]) if sw else None


def _train_context(card: Mapping[str, Any]) -> int:
    """n_ctx_train: the GGUF's context_length, which convert_hf_to_gguf.py takes from
    max_position_embeddings (the card's context_length when that is absent)."""
    arch = card["architecture"]
    ctx = arch.get("max_position_embeddings") or card.get("context_length")
    if ctx is None:
        raise PlanError("--context", "the card states no context length; give --context N")
    return int(ctx)


def _host_bandwidth(catalogs: Any, hardware: Hardware) -> tuple[int | None, str]:
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


def _capacity(hardware: Hardware) -> int | None:
    """What llama.cpp may fill on one device: its memory (engines.device_memory) times the usable
    share (100% on discrete GPUs; Metal's working-set share on Apple silicon)."""
    memory = device_memory(hardware)
    if memory is None or hardware.gpu is None:
        return None
    return memory * int(hardware.gpu["usable_percent"]) // 100


def _fits(lay: Layout, capacity: int | None, ram: int | None, shared: bool = False) -> bool:
    """Every GPU within its capacity (with the per-device overhead), and the host within the RAM; on
    unified memory (``shared``) the GPU's buffers come out of the same RAM as the host's."""
    devices = [g.weights + g.kv + g.compute + OVERHEAD_BYTES for g in lay.gpus]
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
    if entry is None or not _is_gguf(entry):
        allowed = ", ".join(q["id"] for q in catalogs.quantizations if _is_gguf(q))
        raise PlanError("--quant", f"{quant_id!r} is not a GGUF quantization; allowed: {allowed}")
    stored = file_type(card, catalogs, entry)
    if stored is None:
        raise PlanError("--quant", f"no {entry['id']} GGUF file exists for {card.get('id')}")

    train_ctx = _train_context(card)
    context = settings.get("context")
    if context is None:
        context = train_ctx
    context = int(context)  # within the training context per sequence: engines.plan checked (sequence_context)
    kv_dtype = _cache_type("--kv-dtype", settings.get("kv_dtype") or "F16")
    type_k_id = _cache_type("--kv-type-k", settings.get("kv_type_k")) or kv_dtype
    type_v_id = _cache_type("--kv-type-v", settings.get("kv_type_v")) or kv_dtype
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
    split = _split("--tensor-split", settings.get("tensor_split"))

    lw = layer_weights(card, stored, catalogs)
    kv = kv_layers(card)
    shape = Shape(card)
    n_layer = len(lw.dense)
    type_k = catalogs.tensor_types[type_k_id]
    type_v = catalogs.tensor_types[type_v_id]
    n_swa = _n_swa(card)
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
    capacity = _capacity(hardware)
    ram = hardware.ram_bytes
    shared = unified_memory(hardware.gpu)
    if shared:
        ram = int(hardware.gpu["memory_bytes"])  # type: ignore[index]  # the machine's memory, shared

    @functools.cache  # the context bisection (_max_context) asks for one placement at every step
    def placement(ngl: int, cpu_moe: int) -> Placement:
        return place(n_layer, gpus, ngl, cpu_moe, split)

    def evaluate(ctx: int, ngl: int, cpu_moe: int) -> tuple[Layout, Cells, Placement]:
        c = cells(ctx, parallel, unified, ubatch, batch, n_swa, swa_full)
        pl = placement(ngl, cpu_moe)
        per_seq = min(c.n_ctx_seq, ctx) if not unified else ctx
        return layout(lw, kv, kv_cell, shape, pl, c, gpus, flash_attn, parallel, per_seq, rs_seq), c, pl

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
        ngl, cpu_moe, moved = _auto_offload(evaluate, context, n_layer, is_moe, ngl_s, moe_s, capacity)
    lay, c, pl = evaluate(context, ngl, cpu_moe)
    # What decides: the GPU's capacity (and the RAM given); without a GPU, the RAM alone.
    judged = capacity is not None or (cpu_only and ram is not None)
    fits = _fits(lay, capacity, ram, shared) if judged else None

    max_ctx = None
    if judged:
        # -c is the cache of all slots: with -np N each slot gets 1/N of it, so up to N of a slot's longest:
        # the training context, or the model's YaRN-extended one (the command then adds rope_flags)
        per_slot = max(train_ctx, int(card.get("context_length") or 0)) if yarn_extension(card) else train_ctx
        longest = per_slot if unified else per_slot * parallel
        max_ctx = _max_context(lambda ctx: _fits(evaluate(ctx, ngl, cpu_moe)[0], capacity, ram, shared), longest)

    # kv bytes per token: all layers, one sequence (full-attention layers: one cell per token;
    # sliding-window layers counted too: the per-token rate before their cap).
    kv_per_token = sum(kv_cell)

    gpu_name = hardware.gpu["id"] if hardware.gpu is not None else None
    backend = _backend(hardware.gpu)
    devices = []
    for d, g in enumerate(lay.gpus):
        total = g.weights + g.kv + g.compute + OVERHEAD_BYTES
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


def _backend(gpu: Mapping[str, Any] | None) -> str:
    """The name llama.cpp gives the device's buffers."""
    vendor = (gpu or {}).get("vendor")
    # Intel GPUs: llama.cpp's SYCL backend (ggml-sycl, buffers named SYCL0...), Intel's own
    return {"Apple": "Metal", "AMD": "ROCm", "Intel": "SYCL"}.get(str(vendor), "CUDA")


def _auto_offload(evaluate: Any, context: int, n_layer: int, is_moe: bool, ngl_s: Any, moe_s: Any,
                  capacity: int | None) -> tuple[int, int, str]:
    """What a careful user picks: everything on the GPUs if it fits; else the routed experts of
    the first N layers to system RAM (--n-cpu-moe N, smallest N that fits; attention and dense
    weights stay on the GPU); else whole layers (-ngl, the largest that fits). A value the user
    gave is kept."""
    all_layers = n_layer + 1

    def gpu_only_ok(ngl: int, moe: int) -> bool:
        return _fits(evaluate(context, ngl, moe)[0], capacity, None)

    fixed_ngl = None if ngl_s in (None, "auto") else int(ngl_s)
    fixed_moe = None if moe_s in (None, "auto") else int(moe_s)
    ngl0 = all_layers if fixed_ngl is None else fixed_ngl
    moe0 = 0 if fixed_moe is None else fixed_moe
    if gpu_only_ok(ngl0, moe0) or (fixed_ngl is not None and fixed_moe is not None):
        return ngl0, moe0, _moved(ngl0, moe0, n_layer)
    if is_moe and fixed_moe is None:
        # the smallest --n-cpu-moe that fits (each step moves one more layer's experts off the GPU)
        moe = smallest_that_fits(1, n_layer, lambda m: gpu_only_ok(ngl0, m))
        if moe is not None:
            return ngl0, moe, _moved(ngl0, moe, n_layer)
        moe0 = n_layer
    if fixed_ngl is None:
        # the largest -ngl that fits (each step down moves one more layer to the CPU)
        ngl = largest_that_fits(0, all_layers - 1, lambda n: gpu_only_ok(n, moe0))
        if ngl is not None:
            return ngl, moe0, _moved(ngl, moe0, n_layer)
        return 0, moe0, _moved(0, moe0, n_layer) + "; does not fit even so"
    return ngl0, moe0, _moved(ngl0, moe0, n_layer) + "; does not fit"


# Moving more to the CPU never takes VRAM: with more --n-cpu-moe layers or fewer -ngl layers the
# GPUs hold less, so "fits" flips once along each of these choices and a bisection
# (engines.smallest_that_fits / largest_that_fits) finds the flip.

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


def _gb(n: float) -> str:
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
    host_bw, host_what = _host_bandwidth(catalogs, hardware)
    basis = ("decode: bytes read per token (active weights: routed experts not chosen are not read, "
             "plus each layer's cached tokens of one sequence) / memory bandwidth, summed over the GPUs "
             "in layer order (a layer split adds no bandwidth)")
    decode: float | None
    if lay.read_host:
        if host_bw is None:
            decode = None
            basis += f"; {_gb(lay.read_host)} per token come from system RAM and {host_what}: no bound"
        else:
            seconds += lay.read_host / host_bw
            basis += f"; plus {_gb(lay.read_host)} per token from system RAM at {_gb(host_bw)}/s ({host_what})"
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
            "basis": f"{basis} at {_gb(int(bw))}/s; prefill: no CPU throughput in the catalog"}


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
            "multi-GPU: layers split evenly over identical GPUs unless --tensor-split is given "
            "(llama.cpp's default split follows each device's free memory)",
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
