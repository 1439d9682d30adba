"""The llama.cpp builds the rules follow (BASIS) and outside_basis: why a logged run's buffer is
outside them (a build before a pull request that changed it, a backend not modelled). Pure."""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.engines.llamacpp.constants import PAD


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
