"""The vLLM plan in stages (resolve, weights, activation, kv_cache, command, notes): what `vllm serve`
allocates per GPU for a card, settings and hardware, and whether it starts."""

from __future__ import annotations

import shlex
from pathlib import PurePath
from typing import Any, Mapping, NamedTuple
from urllib.parse import unquote, urlparse

from generator.calc import native
from generator.calc.engines import (
    Hardware,
    device_memory,
    PlanError,
    smallest_that_fits,
)
from generator.calc.params import count_parameters
from generator.calc.engines.vllm.activation import (
    activation_peak, cudagraph_estimate, model_runner, mrv2_sampler_buffers, runner_note, sampler_sorts,
)
from generator.calc.engines.vllm.constants import (
    BATCHED_TOKENS_HUGE, BATCHED_TOKENS_LARGE, BATCHED_TOKENS_SMALL, CUDA_CONTEXT_BYTES, CUDA_GRAPH_BYTES,
    GiB, HUGE_GPU_BYTES, LARGE_GPU_BYTES, MAX_SEQS_LARGE, MAX_SEQS_SMALL, MiB, NCCL_TP_BYTES,
    NON_TORCH_BYTES, dsa_kv_bytes, topk_buffer_bytes,
)
from generator.calc.engines.vllm.hybrid import (
    ALIGN_MODE_LINES, LIGHTNING_LAST_RELEASE, PREFIX_CACHING_OFF, PREFIX_CACHING_OFF_LINES, allowed_tp,
    hybrid_unsupported, nemotron_h, state_layer_counts, temporal_state_bytes,
)
from generator.calc.engines.vllm.kv import (
    KVLayout, blocks_per_request, checked_memory, kv_capacity, kv_layout, max_model_len_that_fits,
    request_bytes,
)
from generator.calc.engines.vllm.releases import (
    CUDAGRAPH_ESTIMATE_OFF, DEFAULT_UTILIZATION, ESTIMATE_LINES, EXTENSIBLE_KV_OFF, MODEL_RUNNER_V1,
    MODEL_RUNNER_V2, MRV2_ONLY_LINES, basis_for, release_of,
)
from generator.calc.engines.vllm.weights import Weights, gpu_family, native_quant_id, weights_per_gpu


NAME = "vllm"


# --- what vLLM can run ---------------------------------------------------------------------------

def unsupported(card: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> str | None:
    """Why vLLM cannot run this card, else None.

    Every architecture in the registry has a vLLM model class (model_executor/models/registry.py
    _TEXT_GENERATION_MODELS / _MULTIMODAL_MODELS: GPT2LMHeadModel, LlamaForCausalLM,
    Gemma3ForConditionalGeneration, GptOssForCausalLM, DeepseekV3ForCausalLM, ...); what vLLM
    cannot run is a model without published weights or one the card does not describe, and
    the hybrid layers hybrid_unsupported() names.
    """
    if card.get("open_weights") is False:
        return "vLLM loads published checkpoints; this model's weights are not published"
    arch = card.get("architecture") or {}
    att = arch.get("attention") or {}
    needed = (arch.get("layers"), arch.get("hidden_size"), arch.get("vocab_size"), att.get("heads"))
    if any(v is None for v in needed) or count_parameters(card) is None:
        return "the card does not describe the architecture fully enough to plan vLLM's memory"
    # DeepSeek sparse attention (DeepSeek-V3.2, v0.11.0 registry: DeepseekV32ForCausalLM) is
    # planned: kv_layout adds the indexer's key cache (DSA_* below).
    return hybrid_unsupported(card, release_of(settings))



# --- the plan ------------------------------------------------------------------------------------

def _loadable(card: Mapping[str, Any], entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The catalog quantization ``entry`` as a safetensors checkpoint of ``card`` stores it, else None
    (a GGUF file type; a layout no checkpoint of the card has; MXFP4 on a model not shipped in it)."""
    if entry.get("format") != "safetensors":
        return None
    if entry["id"] == "MXFP4" and native_quant_id(card) != "MXFP4":
        return None  # vLLM loads MXFP4 only for checkpoints shipped in it (gpt-oss)
    return native.as_stored(card, entry)


def resolve_quant(card: Mapping[str, Any], catalogs: Any, raw: str | None) -> Mapping[str, Any]:
    """--quant: the checkpoint vLLM loads (default: the model as published)."""
    qid = raw or native_quant_id(card) or "BF16"
    entry = catalogs.quantization(qid)
    stored = None if entry is None else _loadable(card, entry)
    if stored is None:
        names = ", ".join(str(q["id"]) for q in catalogs.quantizations if _loadable(card, q) is not None)
        why = ("a GGUF file type (llama.cpp); vLLM loads safetensors checkpoints" if entry is not None
               and entry.get("format") != "safetensors" else f"no such checkpoint of {card.get('id')}")
        raise PlanError("--quant", f"{qid}: {why}; allowed: {names}")
    return stored


# How vLLM gets weights at a quantization other than the published one from the published BF16 weights:
# it converts them at load (--quantization fp8: model_executor/layers/quantization/fp8.py, dynamic
# FP8 without a checkpoint scale; --dtype float32: the weights upcast as they load). Any other
# quantization, or any other than the published one of a model published quantized (vLLM refuses a
# --quantization that differs from the checkpoint's own method), is a checkpoint of its own.
ONLINE_QUANT_FLAGS = {"FP8": "--quantization fp8", "FP32": "--dtype float32"}


def checkpoint_kind(published: str, quant_id: str) -> str:
    """For a model published in ``published`` (BF16, or its native quantization): "published" (the
    checkpoint the command names), "online" (the published BF16 weights converted at load:
    ONLINE_QUANT_FLAGS) or "other" (a checkpoint of that quantization, published apart)."""
    if quant_id == published:
        return "published"
    return "online" if published == "BF16" and quant_id in ONLINE_QUANT_FLAGS else "other"


def checkpoint_of(card: Mapping[str, Any], quant_id: str) -> str:
    """checkpoint_kind for the card's published checkpoint."""
    return checkpoint_kind(native_quant_id(card) or "BF16", quant_id)


def hf_repo(card: Mapping[str, Any]) -> str:
    """What ``vllm serve`` loads: the Hugging Face repository of the card's sources (owner/name); for
    a model read from a local config.json (a file:// source, llmcards plan path/config.json) the
    folder that holds it, which vLLM serves as a local checkpoint; else the card id."""
    for s in card.get("sources") or []:
        url = str(s.get("url", ""))
        if url.startswith("file://"):
            return shlex.quote(str(PurePath(unquote(urlparse(url).path)).parent))
        if "huggingface.co/" in url:
            parts = url.split("huggingface.co/", 1)[1].split("/")
            if len(parts) >= 2 and parts[0] not in ("docs", "blog", "spaces", "datasets", "papers"):
                return f"{parts[0]}/{parts[1]}"
    return str(card.get("id"))


def active_weights_per_gpu(card: Mapping[str, Any], w: Weights) -> int:
    """The weight bytes one GPU reads per decoded token (the decode bound): its share of the weights
    (``weights_per_gpu``) less the parameters outside the architecture, the RoPE cache, and the routed
    experts a token does not choose."""
    arch = card["architecture"]
    exp = arch.get("experts") if arch.get("type") == "moe" else None
    active_w = w.per_gpu - w.extra_per_gpu - w.rope_cache
    if exp and w.routed_per_gpu:
        active_w -= w.routed_per_gpu - w.routed_per_gpu * int(exp["active"]) // int(exp["total"])
    return active_w


def active_param_count(card: Mapping[str, Any]) -> int | None:
    pc = count_parameters(card)
    # The input embedding is a lookup, not a matrix product (params.py active_excluding_input_embedding).
    return pc.active_excluding_input_embedding if pc is not None else None


def _hybrid_note(card: Mapping[str, Any], layout: KVLayout, release: str) -> str:
    """The plan's assumption about a hybrid model's state pages on this line."""
    arch = card["architecture"]
    lin = arch.get("linear_attention") or {}
    temporal = temporal_state_bytes(card, 0, release)
    dtype = (f"its recurrent part in {lin['state_dtype']}, config.json's mamba_ssm_dtype" if lin.get("state_dtype")
             else "its SSM state in float32, Nemotron-H's default from v0.20.0 when config.json names no "
                  "mamba_ssm_cache_dtype" if temporal == 4 else "")
    per_layer = layout.state_bytes // layout.state_layers / MiB
    text = (f"Hybrid cache: each of the {layout.state_layers} state-space or linear-attention layers keeps "
            f"{per_layer:.2f} MiB of state per request in the model dtype" + (f" ({dtype})" if dtype else "")
            + f", padded to a {layout.page_bytes / MiB:.2f} MiB page on each GPU whatever the request's length; the "
            f"attention block size is raised to {layout.block_size} tokens so that attention and state pages are "
            "equal (HybridAttentionMambaModelConfig). ")
    if release in ALIGN_MODE_LINES:
        text += (f"Prefix caching on (vLLM's default for hybrid models since v0.26.0): 'align' Mamba cache mode, a "
                 f"request holds {layout.state_blocks} pages of each state group (two, plus a prefill checkpoint for "
                 "Mamba-2 mixers and for gated DeltaNet on FlashInfer's prefill: Hopper, or Blackwell with CUDA 13).")
    elif release in PREFIX_CACHING_OFF_LINES:
        text += (f"The command turns prefix caching off ({PREFIX_CACHING_OFF}): from v0.26.0 vLLM turns it on for "
                 "hybrid models, and its 'align' Mamba cache mode then holds 2-3 state pages per request instead of "
                 "one (plan that with --vllm-version 0.34; a vLLM 0.18.1 Qwen3.5 log with prefix caching on prints "
                 "11.03x concurrency where one page gives 11.16x).")
    else:
        text += "Prefix caching is off for these models (vLLM's default before v0.26.0): one page per request."
    if lin.get("kind") == "lightning":
        text += (f" vLLM runs MiniMax lightning attention only up to {LIGHTNING_LAST_RELEASE} "
                 "(MiniMaxM1ForCausalLM left its registry in v0.24.0).")
    return text


class Setup(NamedTuple):
    """The options as vLLM resolves them for one card on one machine (every default filled in)."""

    tp: int                    # tensor-parallel size
    context: int               # max_model_len
    most: int | None           # the card's maximum context
    quant: Mapping[str, Any]   # the quantization as stored (resolve_quant)
    release: str               # the release line whose rules apply
    runner: str                # "v1" | "v2" (Model Runner)
    kv_dtype: str              # --kv-cache-dtype ("auto": the model dtype)
    kv_bytes: int              # bytes per cached value
    util: float                # gpu_memory_utilization
    eager: bool                # --enforce-eager
    estimate: str              # "off" | "on": vLLM's CUDA graph estimate taken from the KV budget
    parallel: int              # requests of max_model_len the cache must hold at once
    total_mem: int | None      # one GPU's memory as the driver reports it; None without a GPU
    batched: int               # max_num_batched_tokens
    seqs: int                  # max_num_seqs
    mxfp4_backend: str         # "auto" | "marlin"

    def resolved(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The plan's "settings": the given ones with every value vLLM resolves."""
        out = dict(settings)
        out.update(quant=self.quant["id"], context=self.context, kv_dtype=self.kv_dtype, parallel=self.parallel,
                   tensor_parallel=self.tp, gpu_memory_utilization=self.util, max_num_batched_tokens=self.batched,
                   max_num_seqs=self.seqs, enforce_eager=self.eager, mxfp4_backend=self.mxfp4_backend,
                   cudagraph_estimate=self.estimate, model_runner=self.runner)
        return out


def _tensor_parallel(card: Mapping[str, Any], settings: Mapping[str, Any], hardware: Hardware,
                     notes: list[str]) -> int:
    """-tp as given, else as many of the GPUs as the heads allow (what a careful user passes)."""
    arch = card["architecture"]
    heads = int(arch["attention"]["heads"])
    kv_heads = int(arch["attention"].get("kv_heads") or heads)
    gpu = hardware.gpu
    allowed = allowed_tp(card)
    given = settings.get("tensor_parallel")
    if given:
        tp = int(given)
        if tp not in allowed:
            states = (" (and split the state-space or linear-attention layers' heads and channels evenly)"
                      if state_layer_counts(arch)[1] and arch.get("layer_pattern") else "")
            raise PlanError("--tensor-parallel",
                            f"{tp}: vLLM's tensor-parallel size must divide the {heads} attention heads and divide, or "
                            f"be a multiple of, the {kv_heads} key/value heads{states}; allowed: "
                            f"{', '.join(map(str, allowed))}")
    else:
        count = hardware.count if gpu is not None else 1
        tp = max(d for d in allowed if d <= count)
    if gpu is not None:
        if str(gpu.get("vendor", "")).lower() == "apple":
            raise PlanError("--gpu", f"{gpu.get('id')}: vLLM's GPU engine runs on NVIDIA (CUDA) and AMD (ROCm) "
                            "GPUs, not Apple silicon; choose an NVIDIA or AMD --gpu")
        if hardware.count < tp:
            raise PlanError("--gpus", f"{hardware.count}: --tensor-parallel {tp} needs {tp} GPUs; "
                            f"allowed: --gpus {tp} or more")
        if hardware.count > tp:
            notes.append(f"{hardware.count} GPUs given, tensor-parallel size {tp}: vLLM uses {tp} of them.")
    return tp


def _max_model_len(card: Mapping[str, Any], settings: Mapping[str, Any], notes: list[str]) -> tuple[int, int | None]:
    """(max_model_len, the card's maximum context). vLLM's default max_model_len is derived from
    config.json (config/model.py _get_and_verify_max_len: the smallest of max_position_embeddings
    and the like); the plan takes the smaller of that and the card's context length."""
    arch = card["architecture"]
    most = card.get("context_length") or arch.get("max_position_embeddings")
    config_len = int(arch.get("max_position_embeddings") or most or 0) or None
    default_len = min(int(most), config_len) if most and config_len else (int(most) if most else None)
    context = settings.get("context") or default_len
    if context is None:
        raise PlanError("--context", "the card gives no maximum context; give --context N")
    if most and context > int(most):
        raise PlanError("--context", f"{context:,} is above the model's maximum; allowed: 1 to {int(most):,}")
    if config_len and context > config_len:
        rs = arch.get("rope_scaling") or {}
        how = (f"YaRN as the model documents it: --hf-overrides '{{\"rope_parameters\": {{\"rope_type\": \"yarn\", "
               f"\"factor\": {float(rs['factor']):g}, \"original_max_position_embeddings\": "
               f"{int(rs['original_max_position_embeddings'])}, \"rope_theta\": <config.json's rope_theta>}}}}' "
               "(vLLM's context-extension docs; releases on Transformers 4 name the key rope_scaling)"
               if rs.get("type") == "yarn" and rs.get("original_max_position_embeddings") else
               "the model's rope scaling (--hf-overrides)")
        notes.append(f"max_model_len {context:,} is above config.json's {config_len:,}: vLLM refuses it unless the "
                     f"command adds {how}; VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 starts it without the scaling, "
                     "past what the model was trained on.")
    return int(context), (int(most) if most else None)


def _batch_sizes(settings: Mapping[str, Any], release: str, total_mem: int | None,
                 gpu: Mapping[str, Any] | None) -> tuple[int, int]:
    """(max_num_batched_tokens, max_num_seqs): as given, else vLLM's defaults for the GPU's size
    (engine/arg_utils.py: the larger ones from 70 GiB, A100 excepted; the 0.34 line adds a tier from 160 GiB)."""
    large = (total_mem is not None and total_mem >= LARGE_GPU_BYTES
             and "a100" not in str(gpu.get("id", "") if gpu else "").lower())
    huge = release in MRV2_ONLY_LINES and total_mem is not None and total_mem >= HUGE_GPU_BYTES
    large = large or huge
    batched = int(settings.get("max_num_batched_tokens") or (
        BATCHED_TOKENS_HUGE if huge else BATCHED_TOKENS_LARGE if large else BATCHED_TOKENS_SMALL))
    seqs = int(settings.get("max_num_seqs") or (MAX_SEQS_LARGE if large else MAX_SEQS_SMALL))
    if batched < seqs:
        raise PlanError("--max-num-batched-tokens",
                        f"{batched:,} is below --max-num-seqs ({seqs:,}); vLLM requires max_num_batched_tokens "
                        f">= max_num_seqs; allowed: {seqs:,} or more")
    return batched, seqs


def resolve(card: Mapping[str, Any], catalogs: Any, settings: Mapping[str, Any], hardware: Hardware,
            notes: list[str]) -> Setup:
    """Every option as vLLM resolves it; PlanError for one it cannot take. Notes about them go to ``notes``."""
    tp = _tensor_parallel(card, settings, hardware, notes)
    context, most = _max_model_len(card, settings, notes)
    quant = resolve_quant(card, catalogs, settings.get("quant"))
    release = release_of(settings)
    kv_dtype = str(settings.get("kv_dtype") or "auto")
    # "auto" is the model dtype: BF16/FP16, or FP32 for a checkpoint loaded in FP32.
    kv_bytes = 1 if kv_dtype.startswith("fp8") else 4 if quant["id"] == "FP32" and kv_dtype == "auto" else 2
    if card["architecture"]["attention"].get("sparse_indexer"):
        kv_bytes = dsa_kv_bytes(kv_dtype, release)
    eager = bool(settings.get("enforce_eager"))
    gpu = hardware.gpu
    total_mem = device_memory(hardware) if gpu is not None else None  # vLLM's total_gpu_memory
    batched, seqs = _batch_sizes(settings, release, total_mem, gpu)
    return Setup(tp=tp, context=context, most=most, quant=quant, release=release,
                 runner=model_runner(settings, release), kv_dtype=kv_dtype, kv_bytes=kv_bytes,
                 util=float(settings.get("gpu_memory_utilization") or DEFAULT_UTILIZATION[release]),
                 eager=eager, estimate=cudagraph_estimate(settings, release, eager),
                 parallel=int(settings.get("parallel") or 1), total_mem=total_mem, batched=batched, seqs=seqs,
                 mxfp4_backend=str(settings.get("mxfp4_backend") or "auto"))


class Cache(NamedTuple):
    """What the KV budget gives on a known GPU (all None without one; kv_alloc then 0)."""

    budget: int | None           # gpu_memory_utilization x memory - everything else vLLM measured
    tokens: int | None           # "GPU KV cache size: N tokens"
    concurrency: float | None    # "Maximum concurrency for max_model_len tokens per request"
    kv_alloc: int                # bytes of the KV cache vLLM allocates
    fits: bool | None
    max_fit: int | None          # the longest max_model_len that starts


def kv_cache(s: Setup, layout: KVLayout, non_kv: int, notes: list[str]) -> Cache:
    """The KV budget (gpu_worker.py determine_available_memory), its blocks and tokens, and whether
    vLLM starts with ``s.parallel`` requests of max_model_len held at once."""
    if s.total_mem is None:
        # no GPU: the KV cache of the requests that must fit at once, the least vLLM starts with
        return Cache(None, None, None, s.parallel * request_bytes(layout, s.context, s.batched, s.release), None, None)
    budget = int(s.total_mem * s.util) - non_kv
    res = kv_capacity(layout, budget, s.context, s.batched, s.release)
    fits: bool | None = res.start_ok and res.num_blocks >= s.parallel * blocks_per_request(layout, s.context, s.batched)
    no_room_for_context = CUDA_CONTEXT_BYTES + (s.total_mem * s.util) > s.total_mem
    if no_room_for_context:
        fits = False
        notes.append(f"gpu_memory_utilization {s.util:g} leaves no room for the CUDA context "
                     "(vLLM: 'Free memory on device ... is less than desired GPU memory utilization').")
    max_fit = (max_model_len_that_fits(layout, budget, s.most or s.context, s.batched, s.release)
               if budget > 0 else 0)
    if budget <= 0:
        notes.append("vLLM would stop with 'No available memory for the cache blocks': weights, "
                     "activations and non-torch memory exceed gpu_memory_utilization x GPU memory.")
    elif not res.start_ok:
        notes.append(
            f"vLLM would refuse to start: one request of max_model_len {s.context:,} needs "
            f"{res.needed_one_request / GiB:.2f} GiB of KV cache, more than the "
            f"{checked_memory(layout, budget, s.release) / GiB:.2f} GiB "
            f"available; the largest max_model_len that fits is {max_fit:,}.")
    if budget <= 0 or no_room_for_context:
        max_fit = 0  # the budget, not the context, is what fails: no max_model_len starts
    if s.estimate == "on":
        # vLLM takes its run-time estimate from this budget: every KV figure is an upper bound, and
        # a fit that the whole budget allows may still fail (a fit it refuses stays refused)
        fits = None if fits else fits
        notes.append(
            "--cudagraph-estimate on (vLLM's default since v0.21.0): vLLM subtracts the 'Estimated CUDA graph "
            "memory' it measures at start-up from the KV budget, so the KV memory, tokens, concurrency and the "
            "largest max_model_len here are upper bounds, and whether one request fits is left open. vLLM's log "
            "names the --gpu-memory-utilization that keeps the planned KV cache; or start it with "
            f"{CUDAGRAPH_ESTIMATE_OFF}.")
    return Cache(budget, res.tokens, round(res.max_concurrency, 2), res.allocated, fits, max_fit or None)


def smallest_gpu_memory(s: Setup, layout: KVLayout, loaded: int, act: int, non_torch: int, overhead: int) -> int | None:
    """The least device memory (in MiB steps, up to 4 TiB) on which vLLM starts with the settings ``s``
    (CUDA graph estimate off): kv_cache's start check and the device total within the memory, as plan()
    judges a GPU. More memory only adds KV blocks and slack, so a bisection finds it."""
    settings = s._replace(estimate="off")

    def starts(mib: int) -> bool:
        memory = mib * MiB
        cache = kv_cache(settings._replace(total_mem=memory), layout, loaded + act + non_torch, [])
        return bool(cache.fits) and loaded + cache.kv_alloc + act + overhead <= memory

    least = smallest_that_fits(1, 1 << 22, starts)
    return None if least is None else least * MiB


def _speed(card: Mapping[str, Any], gpu: Mapping[str, Any] | None, s: Setup, w: Weights,
           layout: KVLayout) -> dict[str, Any]:
    """Upper bounds: decode reads each GPU's active weights and KV share per token at peak bandwidth;
    prefill does 2 FLOPs per active parameter at the dense FP16 peak."""
    speed: dict[str, Any] = {"decode_tokens_per_s_upper_bound": None, "prefill_tokens_per_s_upper_bound": None,
                             "basis": ""}
    if gpu is None:
        speed["basis"] = "no GPU given"
        return speed
    # one sequence at full context, this GPU's share (and its recurrent state, for a hybrid model)
    kv_read = layout.per_token_bytes * s.context + layout.state_bytes
    if layout.top_k:
        # DeepSeek sparse attention: the indexer reads every cached key, the attention only the
        # index_topk latents it selected (FlashMLA sparse decode)
        kv_read = (layout.indexer_token_bytes * s.context
                   + (layout.per_token_bytes - layout.indexer_token_bytes) * min(s.context, layout.top_k))
    bw = int(gpu["bandwidth_bytes_per_s"])
    speed["decode_tokens_per_s_upper_bound"] = bw / (active_weights_per_gpu(card, w) + kv_read)
    tflops = gpu.get("fp16_tflops")
    active_params = active_param_count(card)
    if tflops and active_params:
        speed["prefill_tokens_per_s_upper_bound"] = float(tflops) * 1e12 * s.tp / (2 * active_params)
    speed["basis"] = ("decode: one sequence at max_model_len reads each GPU's active weights and its KV share "
                      "per token, at the GPU's peak bandwidth" + (
                          "; tensor parallel: an upper bound that assumes perfect scaling over "
                          f"{s.tp} GPUs (all-reduce costs ignored)" if s.tp > 1 else "")
                      + "; prefill: 2 FLOPs per active parameter per token at the GPU's dense FP16 peak"
                      + ("" if speed["prefill_tokens_per_s_upper_bound"] else " (not in the catalog: no bound)"))
    return speed


def command(card: Mapping[str, Any], s: Setup, settings: Mapping[str, Any], layout: KVLayout) -> str:
    """The ``vllm serve`` command line of the plan: the environment the rules need, then the options
    that differ from vLLM's defaults (and max_model_len and the utilization, always)."""
    cmd = [f"vllm serve {hf_repo(card)}", f"--max-model-len {s.context}"]
    if s.mxfp4_backend == "marlin":
        cmd.insert(0, "VLLM_MXFP4_USE_MARLIN=1")
    if s.estimate == "off" and s.release in ESTIMATE_LINES and not s.eager:
        cmd.insert(0, CUDAGRAPH_ESTIMATE_OFF)
    if s.release in ESTIMATE_LINES and s.release not in MRV2_ONLY_LINES:
        cmd.insert(0, MODEL_RUNNER_V2 if s.runner == "v2" else MODEL_RUNNER_V1)
    if s.tp > 1:
        cmd.append(f"--tensor-parallel-size {s.tp}")
    cmd.append(f"--gpu-memory-utilization {s.util:g}")
    if checkpoint_of(card, s.quant["id"]) == "online":
        cmd.append(ONLINE_QUANT_FLAGS[s.quant["id"]])
    if s.kv_dtype != "auto":
        cmd.append(f"--kv-cache-dtype {s.kv_dtype}")
    if settings.get("max_num_batched_tokens"):
        cmd.append(f"--max-num-batched-tokens {s.batched}")
    if settings.get("max_num_seqs"):
        cmd.append(f"--max-num-seqs {s.seqs}")
    if s.eager:
        cmd.append("--enforce-eager")
    if s.release in MRV2_ONLY_LINES:
        cmd.append(EXTENSIBLE_KV_OFF)
    if layout.state_layers and s.release in PREFIX_CACHING_OFF_LINES:
        cmd.append(PREFIX_CACHING_OFF)
    return " ".join(cmd)


def _sampler_note(s: Setup, rows: int) -> str:
    """How the profile run's dummy sampler is counted on this line and runner."""
    if s.runner == "v2" and s.release in MRV2_ONLY_LINES:
        return (" (Model Runner V2: the logits in the model dtype, then a second pass with every sampling feature on: "
                "an FP32 copy plus FlashInfer's masked logits and softmax, 12 bytes a logit; without FlashInfer's "
                "sampler (ROCm, GPUs before Ampere, no flashinfer-cubin and no nvcc, or VLLM_USE_FLASHINFER_SAMPLER=0) "
                "Triton's top-k/top-p needs less, so the KV cache is larger than planned).")
    if s.runner == "v2":
        return " (Model Runner V2: the logits in the model dtype, no top-k/top-p or FP32 copy in the profile)."
    return " (top-k/top-p by sorting the logits)." if sampler_sorts(rows, s.release) else " (Triton top-k/top-p, no sort)."


def _line_note(s: Setup) -> str:
    """Which release line's rules apply, and what the command does about the CUDA graph estimate."""
    if s.release in ESTIMATE_LINES and s.estimate == "off" and not s.eager:
        estimate = (f"v0.21.0 and later take an estimate of CUDA graph memory, measured at start-up, from the KV budget "
                    f"(PR #30515); the command sets {CUDAGRAPH_ESTIMATE_OFF} so that vLLM sizes the KV cache as planned "
                    "(the graphs are then captured in the 1 - gpu_memory_utilization slack, as before v0.21).")
    elif s.release not in ESTIMATE_LINES:
        estimate = ("Releases from v0.21.0 also take their measured CUDA graph estimate from the KV budget unless "
                    f"{CUDAGRAPH_ESTIMATE_OFF} is set: plan them with --vllm-version 0.21.")
    elif s.eager:
        estimate = "Without CUDA graphs (--enforce-eager) vLLM v0.21+ profiles no graph estimate."
    else:
        estimate = ""
    return (f"Rules of vLLM release line {s.release} ({basis_for(s.release, s.runner).split(' (')[0]}). "
            + estimate + runner_note(s.release, s.runner))


def _notes(card: Mapping[str, Any], s: Setup, settings: Mapping[str, Any], layout: KVLayout,
           runner_buffers: int) -> list[str]:
    """The assumptions every vLLM plan states, then those of this card and these settings."""
    tp_nccl = (f" Plus {NCCL_TP_BYTES[s.release] / GiB:.2f} GiB of NCCL/all-reduce buffers per GPU under tensor "
               "parallelism (inside the budget; " + ("v0.11's runs)." if s.release == "0.11" else "v0.19.0's runs).")
               if s.tp > 1 else "")
    rows = min(s.seqs, s.batched)  # the dummy sampler's rows
    qid, published = str(s.quant["id"]), native_quant_id(card) or "BF16"
    weights = {"published": f"the checkpoint as published ({qid})",
               "online": f"the published {published} checkpoint, converted to {qid} as it loads "
                         f"({ONLINE_QUANT_FLAGS.get(qid)})",
               "other": f"a checkpoint of this model in {qid}, published apart from the {published} one the "
                        "command names: put its repository in the command"}[checkpoint_of(card, qid)]
    notes = [
        f"Weights: {weights}; split over the tensor-parallel GPUs; "
        "embedding and LM head padded to a multiple of 64 rows; plus the rotary cos/sin cache.",
        "Vision towers of multimodal models are loaded; MTP modules and stored copies of a tied head are not.",
        f"Non-torch memory: {NON_TORCH_BYTES / GiB:.2f} GiB per GPU (measured by vLLM at run time; typical "
        "value from public logs)." + tp_nccl,
        ("CUDA graphs: none (--enforce-eager)." if s.eager else
         f"CUDA graphs: {CUDA_GRAPH_BYTES / GiB:.2f} GiB per GPU (measured by vLLM at run time; typical value), "
         "captured after the KV cache inside the 1 - gpu_memory_utilization slack."),
        f"CUDA context: {CUDA_CONTEXT_BYTES / GiB:.2f} GiB per GPU outside vLLM's budget.",
        f"KV cache: {layout.block_size}-token blocks, {s.kv_dtype} cache; activation peak: profile run over "
        f"max_num_batched_tokens {s.batched:,}, sampler over {rows:,} rows" + _sampler_note(s, rows),
        _line_note(s),
    ]
    if s.release == "0.17" and not settings.get("gpu_memory_utilization"):
        notes.append(f"gpu_memory_utilization {s.util:g}: vLLM's default up to v0.19.x; v0.20.x defaults to "
                     f"{DEFAULT_UTILIZATION['0.21']:g} (config/cache.py), so plan a v0.20 run with "
                     f"--gpu-memory-utilization {DEFAULT_UTILIZATION['0.21']:g}.")
    if s.release == "0.17" and layout.state_layers and nemotron_h(card):
        notes.append("Nemotron-H's SSM state in the model dtype's width (float16, vLLM's default up to v0.19.x); "
                     "v0.20.x keeps it in float32 unless config.json names mamba_ssm_cache_dtype, twice the state "
                     "pages: plan a v0.20 run with --vllm-version 0.21.")
    if runner_buffers:
        notes.append(
            f"Model Runner V2 keeps {runner_buffers / GiB:.2f} GiB per GPU of per-request sampler state for the whole "
            "run: penalty counts (max_num_seqs x vocabulary int32, v1/worker/gpu/sample/penalties.py), the grammar "
            "bit mask and the logit-bias, bad-word and logprob tables; vLLM counts them with the weights as "
            "consumed memory, and the plan with the non-torch memory.")
    if layout.top_k:
        latent = "fp8_ds_mla, 656 bytes" if s.kv_bytes == 1 else "BF16, 1,152 bytes"
        notes.append(
            f"DeepSeek sparse attention: each layer caches the latent ({latent} a token; --kv-cache-dtype fp8 means "
            "fp8_ds_mla, bfloat16 the model dtype, auto "
            + ("fp8_ds_mla as in v0.11.0" if s.release == "0.11" else "the model dtype since v0.11.1, PR #27121")
            + ") and the indexer's FP8 key with its "
            f"scale ({layout.indexer_token_bytes // sum(n for _, n in layout.layers)} bytes a token) in one "
            "group of 64-token blocks; model loading adds the top-k index buffer "
            f"({topk_buffer_bytes(card, s.batched) / MiB:.0f} MiB); decode reads every indexer key but only "
            f"the {layout.top_k:,} selected latents; the indexer's logits in the profile run are not counted.")
    if layout.state_layers:
        notes.append(_hybrid_note(card, layout, s.release))
    if s.parallel > 1:
        notes.append(f"fits: the KV cache must hold {s.parallel} requests of max_model_len at once "
                     "(vLLM itself only needs one to start).")
    return notes


def plan(card: Mapping[str, Any], catalogs: Any, settings: Mapping[str, Any], hardware: Hardware) -> dict[str, Any]:
    """The plan fields from "settings" on (generator/calc/engines/__init__.py docstring), in vLLM's
    order: load the weights, profile the activation peak, measure the non-torch memory, give the
    rest of the budget to the KV cache, then capture the CUDA graphs in the slack."""
    notes: list[str] = []
    s = resolve(card, catalogs, settings, hardware, notes)
    gpu = hardware.gpu

    w = weights_per_gpu(card, s.quant, catalogs, s.tp, gpu, s.mxfp4_backend)
    if s.mxfp4_backend == "marlin" and gpu is not None and gpu_family(gpu) in ("blackwell", "rocm"):
        notes.append("mxfp4_backend marlin is not applied on this GPU: vLLM reads VLLM_MXFP4_USE_MARLIN only "
                     "after choosing FlashInfer on Blackwell (when installed), and not at all on ROCm; the "
                     "plan keeps that backend's MXFP4 layout.")
    loaded = w.per_gpu + topk_buffer_bytes(card, s.batched)  # and DeepSeek-V3.2's top-k index buffer
    act = activation_peak(card, s.tp, s.batched, s.seqs, s.release, s.runner)
    # Model Runner V2's penalty counts: vLLM counts them as consumed memory, the plan as non-torch memory
    runner_buffers = mrv2_sampler_buffers(int(card["architecture"]["vocab_size"]), s.seqs) if s.runner == "v2" else 0
    non_torch = NON_TORCH_BYTES + (NCCL_TP_BYTES[s.release] if s.tp > 1 else 0) + runner_buffers
    graphs = 0 if s.eager else CUDA_GRAPH_BYTES
    # Recurrent states are kept in the model dtype (mamba_utils.py MambaStateDtypeCalculator, "auto").
    layout = kv_layout(card, s.tp, s.kv_bytes, 4 if s.quant["id"] == "FP32" else 2, s.release, gpu)
    cache = kv_cache(s, layout, loaded + act + non_torch, notes)

    components: dict[str, Any] = {"weights": loaded, "activation_peak": act, "non_torch": non_torch,
                                  "cuda_graph": graphs}
    if cache.budget is not None:
        components.update(kv_budget=cache.budget, kv_cache_memory=cache.budget, kv_cache_tokens=cache.tokens,
                          max_concurrency=cache.concurrency)
    overhead = non_torch + graphs + CUDA_CONTEXT_BYTES
    device_total = loaded + cache.kv_alloc + act + overhead
    fits, max_fit = cache.fits, cache.max_fit
    if s.total_mem is not None and fits and device_total > s.total_mem:
        # vLLM sizes the KV cache before it captures the CUDA graphs (gpu_worker.py
        # compile_or_warm_up_model), so graphs that do not fit in the slack fail at capture,
        # whatever the max_model_len.
        fits, max_fit = False, None
        notes.append(
            f"The device total ({device_total / GiB:.2f} GiB) exceeds the GPU's memory: vLLM would "
            "size the KV cache, then run out of memory while capturing CUDA graphs; lower "
            "--gpu-memory-utilization or use --enforce-eager.")
    if s.total_mem is None:
        least = smallest_gpu_memory(s, layout, loaded, act, non_torch, overhead)
        notes.append("No GPU given: vLLM's defaults for GPUs under 70 GiB (max_num_batched_tokens 2048, "
                     "max_num_seqs 256) and the Marlin MXFP4 layout; no KV capacity in tokens without a GPU: the KV "
                     f"cache shown is what {s.parallel} request(s) of max_model_len need, the least vLLM starts with; "
                     + (f"the smallest GPU that starts this plan has {least / GiB:.2f} GiB (as its driver reports "
                        "it; with the settings above)." if least else "no GPU of up to 4 TiB starts this plan."))
    device = {"gpu": gpu.get("id") if gpu is not None else None, "weights_bytes": loaded,
              "kv_cache_bytes": cache.kv_alloc, "compute_buffer_bytes": act, "overhead_bytes": overhead,
              "total_bytes": device_total, "capacity_bytes": s.total_mem}
    return {
        "settings": s.resolved(settings),
        "devices": [{"name": f"GPU {i}", **device} for i in range(s.tp)],
        "host": {"weights_bytes": 0, "kv_cache_bytes": 0, "compute_buffer_bytes": 0, "total_bytes": 0},
        "kv_cache_bytes_per_token": layout.per_token_bytes * s.tp,  # every rank's share (MLA: each holds the latent)
        "fits": fits,
        "max_context_that_fits": max_fit,
        "kv_cache_capacity_tokens": cache.tokens,
        "max_concurrency": cache.concurrency,
        "offload": None,
        "components": components,
        "command": command(card, s, settings, layout),
        "speed": _speed(card, gpu, s, w, layout),
        "assumptions": notes + _notes(card, s, settings, layout, runner_buffers),
    }
