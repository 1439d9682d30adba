"""vLLM's release lines (--vllm-version) and which runs the rules follow: the basis each plan names,
the releases a version belongs to, Model Runner V2, and outside_basis (why a logged run is outside
the rules, used by the accuracy report). Pure."""

from __future__ import annotations

import re
from typing import Any, Mapping



_SOURCES = ("v1/worker/gpu_worker.py, v1/worker/gpu_model_runner.py, v1/core/kv_cache_utils.py, "
            "v1/kv_cache_interface.py, engine/arg_utils.py, utils/mem_utils.py")
# The release lines the rules follow (--vllm-version): where a printed number moves between vLLM
# releases, the rule that moves is kept per line; everything else is shared.
#   "0.11": v0.11.0 to v0.16.x. The profiled sampler sorts every logit; NCCL_TP_BYTES["0.11"].
#   "0.17": v0.17.0 to v0.20.x. Top-k/top-p by a Triton pivot search (no sort); the non-torch
#           memory under tensor parallelism that v0.19.0 prints.
#   "0.21": v0.21.0 to v0.33.x. The 0.17 line's numbers; vLLM also takes a run-time estimate of CUDA
#           graph memory from the KV budget (CUDAGRAPH_IN_BUDGET_SINCE), which a model card cannot
#           predict, so the plan's command turns it off (CUDAGRAPH_ESTIMATE_OFF) and the plan
#           gives the budget before it (the "kv_budget" component); see cudagraph_estimate. The
#           command also keeps Model Runner V1 (MODEL_RUNNER_V1), which v0.34.0 removed
#           (MRV1_REMOVED_IN).
#   "0.34": v0.34.0 and later, the current releases: Model Runner V2 only (MRV2_RULES), 64-token
#           blocks, the >= 160 GiB tier of batch defaults, and the dummy sampler's second, FP32 pass
#           (SAMPLER_WARMUP_PASS_SINCE). Its default "extensible" KV cache is sized after warm-up
#           from the memory then free, which a card cannot predict, so the command turns it off
#           (EXTENSIBLE_KV_OFF) and vLLM sizes the cache from the profile run as v0.33 did.
RELEASE_LINES = ("0.11", "0.17", "0.21", "0.34")
DEFAULT_RELEASE = "0.21"  # the newest line with measured cases
# The releases each line covers, as the plan's basis, the CLI help and the docs name them.
LINE_RELEASES = {"0.11": "0.11.0-0.16.x", "0.17": "0.17.0-0.20.x", "0.21": "0.21.0-0.33.x",
                 "0.34": "0.34.0 and later"}
# The environment setting that makes vLLM v0.21+ size the KV cache as v0.20 did (gpu_worker.py
# Worker.determine_available_memory subtracts the estimate only while it is set, the default).
CUDAGRAPH_ESTIMATE_OFF = "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0"
ESTIMATE_LINES = ("0.21", "0.34")  # the release lines whose vLLM has that estimate
# The environment setting that keeps vLLM on Model Runner V1, whose profile run the rules follow:
# from v0.22.0 vLLM picks Model Runner V2 by default for more and more models (runs_model_runner_v2),
# and config/vllm.py VllmConfig.use_v2_model_runner reads this variable before its own rule. It
# is a harmless default-valued switch in v0.12.0-v0.21.0 (envs.py) and unknown, so ignored, in v0.11.
MODEL_RUNNER_V1 = "VLLM_USE_V2_MODEL_RUNNER=0"
# v0.34.0 removed Model Runner V1 (v1/worker/gpu_model_runner.py is gone from its wheel) and stops
# at start-up when that variable is set to anything but 1 (platforms/interface.py
# Platform.validate_environ: "Model Runner V1 has been removed"). Its runs are outside every line.
MRV1_REMOVED_IN = (0, 34, 0)
# v0.34.0 sizes the KV cache, by default on CUDA, after warm-up and CUDA graph capture from the memory
# then free, with gpu_memory_utilization 1.0 (config/vllm.py _resolve_extensible_kv_cache,
# v1/worker/extensible_kv_cache.py measure_kv_cache_bytes, config/cache.py
# resolved_gpu_memory_utilization). This flag (engine/arg_utils.py, --enable-extensible-kv-cache as a
# boolean option) keeps the profile-run sizing of v0.33 and the 0.92 default.
EXTENSIBLE_KV_OFF = "--no-enable-extensible-kv-cache"
MRV2_ONLY_LINES = ("0.34",)  # the lines without Model Runner V1
# --model-runner v2 (release line 0.21): Model Runner V2 as v0.27.0 to v0.32.x run it (MRV2_MODELLED),
# the releases whose profile run, dummy sampler, penalty buffers and memory accounting are the ones
# mrv2_sampler_buffers and activation_peak follow (read in each wheel). v0.25/v0.26 copied every
# dummy logit to FP32 and counted memory the older way. v0.31.0 and v0.32.x profile a model without
# experts as v0.30 did (v0.31 routes a MoE model's dummy tokens through its experts, which v0.30 skipped as
# padding); v0.33.0 added the dummy sampler's second, FP32 pass that the 0.34 line models
# (SAMPLER_WARMUP_PASS_SINCE), on 16-token blocks: v0.33 runs are not modelled.
MRV2_MODELLED = ((0, 27, 0), (0, 33, 0))  # [first, end)
MRV2_RELEASES = "0.27.0-0.32.x"
MODEL_RUNNER_V2 = "VLLM_USE_V2_MODEL_RUNNER=1"
MRV2_ESTIMATE_SINCE = (0, 29, 0)  # Model Runner V2's profile_cudagraph_memory returned 0 before
BASES = {
    "0.11": f"vLLM {LINE_RELEASES['0.11']} (V1 engine): {_SOURCES}",
    "0.17": f"vLLM {LINE_RELEASES['0.17']} (V1 engine): {_SOURCES}, v1/sample/ops/topk_topp_triton.py",
    "0.21": (f"vLLM {LINE_RELEASES['0.21']} on Model Runner V1 (V1 engine, with {MODEL_RUNNER_V1} "
             f"{CUDAGRAPH_ESTIMATE_OFF}): "
             f"{_SOURCES}, v1/sample/ops/topk_topp_triton.py"),
    "0.34": (f"vLLM {LINE_RELEASES['0.34']} on Model Runner V2 (V1 engine, with {CUDAGRAPH_ESTIMATE_OFF} and "
             f"{EXTENSIBLE_KV_OFF}): v1/worker/gpu_worker.py, v1/worker/gpu/model_runner.py, "
             "v1/worker/gpu/sample/sampler.py, v1/worker/gpu/sample/penalties.py, v1/core/kv_cache_planning.py, "
             "v1/kv_cache_interface.py, config/cache.py, engine/arg_utils.py, utils/mem_utils.py"),
}
BASIS = BASES[DEFAULT_RELEASE]
# vLLM's default --gpu-memory-utilization per release line: config/cache.py CacheConfig.gpu_memory_utilization
# is 0.9 up to v0.19.x and 0.92 from v0.20.0 (read in each wheel). The 0.17 line keeps 0.9 and says so for v0.20.
DEFAULT_UTILIZATION = {"0.11": 0.9, "0.17": 0.9, "0.21": 0.92, "0.34": 0.92}
UTILIZATION_092_SINCE = (0, 20, 0)
BASIS_MRV2 = (f"vLLM {MRV2_RELEASES} on Model Runner V2 (V1 engine, with {MODEL_RUNNER_V2} {CUDAGRAPH_ESTIMATE_OFF}): "
              "v1/worker/gpu_worker.py, v1/worker/gpu/model_runner.py, v1/worker/gpu/sample/sampler.py, "
              "v1/worker/gpu/sample/penalties.py, v1/core/kv_cache_utils.py, v1/kv_cache_interface.py, "
              "utils/mem_utils.py")


def release_of(settings: Mapping[str, Any] | None) -> str:
    """The release line the settings choose (--vllm-version; DEFAULT_RELEASE when not given)."""
    return str((settings or {}).get("vllm_version") or DEFAULT_RELEASE)


def basis(settings: Mapping[str, Any]) -> str:
    """The engine version the plan follows for these settings (the plan's "engine_basis")."""
    return basis_for(release_of(settings), str(settings.get("model_runner") or "v1"))


def basis_for(release: str, runner: str) -> str:
    """The engine version a release line and model runner ("v1"/"v2") follow."""
    return BASIS_MRV2 if runner == "v2" and release not in MRV2_ONLY_LINES else BASES[release]

# --- the engine versions these rules follow ------------------------------------------------------
# V1 became vLLM's default engine in v0.8.0 (the v0.8.0 release notes; envs.py VLLM_USE_V1
# defaults to 1 from then on). Before it, V0's worker (worker/worker.py
# Worker.determine_num_available_blocks) profiled with its own rules: the sampler ran over
# max_num_seqs dummy sequences, the KV cache was counted in "# GPU blocks" of all layers, and
# CUDA graph memory and the NCCL buffers fell inside or outside the budget differently. From
# 0.8 to 0.10 V0 could still be chosen (VLLM_USE_V1=0, or V1's fallback for features it lacked);
# a case's log then proves which one ran ("Initializing a V0 LLM engine", worker.py
# "Memory profiling takes"/"model weights take", executor_base.py "# cuda blocks").
V1_DEFAULT_SINCE = (0, 8, 0)
# CUDA graph memory entered the KV budget: PR #30515 ("Account for CUDA graphs during memory
# profiling") added an estimate of the graph pool that v1/worker/gpu_worker.py
# determine_available_memory subtracts when VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS is on;
# opt-in at first, on by default since v0.21.0 (the start-up log of later releases: "CUDA graph
# memory profiling is enabled (default since v0.21.0)", then "Estimated CUDA graph memory: X GiB
# total"). The estimate is measured on the machine (gpu_model_runner.py captures the first two graphs
# of each mode and extrapolates), so the 0.21 line plans with it off (CUDAGRAPH_ESTIMATE_OFF in the
# command) and reports the budget before it ("kv_budget": what "Available KV cache memory" plus the
# printed estimate comes to when it is on).
CUDAGRAPH_IN_BUDGET_SINCE = (0, 21, 0)
# The gpt-oss preview build "0.10.1+gptoss" (the wheels of https://wheels.vllm.ai/gpt-oss/ and the
# vllm/vllm-openai:gptoss image that the launch recipe, vllm-project/recipes OpenAI/GPT-OSS.md,
# installs; the branch of PR #22259) is not a release: its mxfp4.py Mxfp4MoEMethod had no Marlin
# backend (get_mxfp4_backend came with the v0.10.1 release). Outside FlashInfer it ran every GPU on
# triton_kernels' matmul_ogs, padding only the intermediate size (to 64), and
# mxfp4_utils.py _swizzle_mxfp4 stored the experts in triton_kernels'
# make_default_matmul_mxfp4_w_layout, which is the unpadded StridedLayout below SM90: the experts
# load at the checkpoint's own shapes where releases pad them for Marlin. A PEP 440 local label
# "+gptoss" names that build.
PREVIEW_BUILD_LABELS = ("gptoss",)
# Model Runner V2 (v1/worker/gpu/model_runner.py). Its profile_run runs the dummy forward with attention
# skipped and a sampler without top-k/top-p, and its profile_cudagraph_memory returned 0 up to v0.28
# (no CUDA graph estimate): a different activation peak and KV budget that the release lines here,
# which follow Model Runner V1, do not model. Weights load the same way. Which models vLLM runs on it
# when VLLM_USE_V2_MODEL_RUNNER is unset (config/vllm.py VllmConfig.use_v2_model_runner and
# _is_default_v2_model_runner_model, read in each release's wheel):
#   v0.11.0-v0.21.x: none.
#   v0.22.0-v0.24.x: a list of architectures (PR #39337: Qwen3ForCausalLM, v0.22.0; PR #43458: Llama and
#                    Mistral, v0.23.0; PR #42667: DeepseekV2, Qwen2Moe and GraniteMoe, v0.24.0,
#                    MRV2_MOE_LISTED_SINCE); before v0.24.0 never a MoE, hybrid or pre-quantized model.
#                    A card does not name its architecture class, so whether a dense model of these
#                    releases ran Model Runner V2 is known only where its log shows it (a case's "runner").
#   v0.25.0-v0.28.x: every generate model that is neither MoE nor hybrid nor attention-free (PR #44443),
#                    and the listed MoE architectures (DeepseekV2ForCausalLM: MRV2_MOE_FAMILIES).
#   v0.29.0 on:      every model (PR #53183).
MRV2_LISTED_SINCE = (0, 22, 0)
MRV2_MOE_LISTED_SINCE = (0, 24, 0)
MRV2_DENSE_SINCE = (0, 25, 0)
MRV2_ALL_SINCE = (0, 29, 0)
# Card families whose architecture is on the v0.24-v0.28 list (DeepseekV2ForCausalLM); the registry
# holds no Qwen2Moe or GraniteMoe card.
MRV2_MOE_FAMILIES = ("DeepSeek-V2", "DeepSeek-Coder-V2")
MRV2_COMPONENTS = ("activation_peak", "non_torch", "cuda_graph", "kv_budget", "kv_cache_memory",
                   "kv_cache_tokens", "max_concurrency", "total")


def runs_model_runner_v2(version: tuple[int, int, int], card: Mapping[str, Any] | None,
                         runner: str | None = None) -> bool | None:
    """Whether vLLM ``version`` ran this card on Model Runner V2: ``runner`` ("v1"/"v2") when a log
    shows it, else vLLM's default for the release (the table above); None where that default
    depends on an architecture class the card does not name (v0.22-v0.24)."""
    if runner is not None:
        return runner == "v2"
    if version >= MRV2_ALL_SINCE:
        return True
    if version < MRV2_LISTED_SINCE:
        return False
    arch = (card or {}).get("architecture") or {}
    moe, hybrid = arch.get("type") == "moe", bool(arch.get("layer_pattern"))
    listed_moe = moe and version >= MRV2_MOE_LISTED_SINCE and str((card or {}).get("family") or "") in MRV2_MOE_FAMILIES
    if version < MRV2_DENSE_SINCE:
        # only listed architectures: the MoE ones are known by family, a dense one's class is not known
        return True if listed_moe else False if moe or hybrid else None
    return listed_moe or not (moe or hybrid)


def planned_runner(engine_version: str | None, card: Mapping[str, Any] | None, runner: str | None = None) -> str:
    """The --model-runner that plans a run of this vLLM version: "v2" where it ran Model Runner V2 within
    MRV2_MODELLED (runs_model_runner_v2; ``runner`` as its log shows it), else "v1"."""
    version = version_tuple(engine_version or "") if not (engine_version or "").lower().startswith("before ") else None
    if version is None or not MRV2_MODELLED[0] <= version < MRV2_MODELLED[1]:
        return "v1"
    return "v2" if runs_model_runner_v2(version, card, runner) else "v1"


def version_tuple(text: str) -> tuple[int, int, int] | None:
    m = re.match(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


# The sampler's profiled peak splits the release lines: v0.11's _dummy_sampler_run sorts every logit
# (v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p -> torch.sort; SAMPLER_BYTES_PER_LOGIT).
# v0.17.0 is the first release whose profile run no longer shows that sort: llm-d-planner's version sweep
# (Qwen3-14B on one H100, same settings) prints a 5.64 GiB peak on v0.15.0 and v0.16.0 and 2.23 GiB on
# v0.17.0 and v0.18.0 (cases vllm-qwen3-14b-bf16-h100-c8192-gmu095-v0.1x.0). The source is
# v1/sample/ops/topk_topp_triton.py apply_top_k_top_p_triton (PR #33538, merged 2026-02: top-k/top-p by
# pivot search in Triton, no full-vocabulary sort), absent from the v0.15.0 API reference and present in
# v0.18.0's; release line "0.17" follows it (TRITON_SAMPLER_BYTES_PER_LOGIT).
SAMPLER_SORT_BEFORE = (0, 17, 0)
# v0.33.0 added a second pass of the profile run's dummy sampler (v1/worker/gpu/model_runner.py
# _dummy_sampler_run, SamplingParams.for_sampler_warmup: top-k, top-p, min-p, penalties, logit bias,
# logprobs). It copies the logits to FP32 (sampler.py apply_sampling_params) and, with vLLM's default
# FlashInfer sampler (VLLM_USE_FLASHINFER_SAMPLER on; from v0.34.0 when flashinfer-cubin or nvcc is
# installed), top_k_top_p_sampling_from_logits adds its masked logits and their softmax, FP32 each,
# while the copy is alive. Without FlashInfer, Triton's top-k/top-p masks the copy in place and keeps
# a scratch of up to TRITON_SAMPLER_SMS rows (sampler_bytes).
SAMPLER_WARMUP_PASS_SINCE = (0, 33, 0)
WARMUP_PASS_BYTES_PER_LOGIT = 4 + 4 + 4


def _before(text: str) -> tuple[int, int, int] | None:
    """The release of a generation a log's date proves ("before 0.17.0" -> (0, 17, 0)), else None."""
    return version_tuple(text[len("before "):]) if text.lower().startswith("before ") else None


def release_line(engine_version: str | None) -> str:
    """The release line (RELEASE_LINES) whose rules a run of this vLLM version follows: a version as
    printed, or what a log proves ("before 0.17.0": its date precedes that release; "V0"/"V1").
    Unknown: DEFAULT_RELEASE. Versions before v0.11.0 take the oldest line (outside_basis says
    which of their numbers it does not cover)."""
    text = (engine_version or "").strip()
    if text.upper() == "V0":
        return "0.11"
    version = _before(text) if text.lower().startswith("before ") else (version_tuple(text) if text else None)
    if version is None:
        return DEFAULT_RELEASE
    if text.lower().startswith("before "):
        # the log's date precedes that release: the newest line that starts before it
        return ("0.11" if version <= SAMPLER_SORT_BEFORE else "0.17" if version <= CUDAGRAPH_IN_BUDGET_SINCE
                else "0.21" if version <= MRV1_REMOVED_IN else "0.34")
    return ("0.11" if version < SAMPLER_SORT_BEFORE else "0.17" if version < CUDAGRAPH_IN_BUDGET_SINCE
            else "0.21" if version < MRV1_REMOVED_IN else "0.34")


# NCCL and the first memory snapshot: PR #25359 ("Fix OOM in vLLM replicas by ensuring consistent NCCL
# memory accounting", opened 2025-09-22) moved init_worker_distributed_environment ahead of the first
# MemorySnapshot in gpu_worker.py Worker.init_device. Before it the snapshot came first, so the memory NCCL
# takes when it creates the communicators counted as non-torch memory inside the KV budget: about 1 GiB per
# GPU on H100 at TP 2-4 (llm-d's v0.11.0 runs print 77.64 GiB free on startup at TP=2 against 78.57 GiB at
# TP=1; llm-d-planner's v0.19.0 runs 77.64-77.66 against 78.68 GiB). v0.11.0 is taken as the first release
# with it: the PR came after v0.10.2, and llm-d's runs of the v0.11.0 period (their document names v0.11.0)
# already show the memory gone before the snapshot. NCCL_TP_BYTES is what stays inside the budget. A run
# before v0.11.0 under tensor parallelism therefore has a larger non-torch figure and a smaller KV cache.
NCCL_INIT_BEFORE_SNAPSHOT_SINCE = (0, 11, 0)
NCCL_COMPONENTS = ("non_torch", "kv_cache_memory", "kv_cache_tokens", "max_concurrency")
# The numbers v0.21's KV-budget change moves (weights, the profiled peak and non-torch memory stay).
BUDGET_COMPONENTS = ("kv_cache_memory", "kv_cache_tokens", "max_concurrency", "total")
# DeepSeek-V3.2: PR #27121 ("Disable fp8 kv-cache by default for DeepSeek V3.2", merged 2025-10-17)
# leaves --kv-cache-dtype auto at BF16 (only fp8 becomes fp8_ds_mla); v0.11.1 is the first release
# after it. The 0.11 release line follows v0.11.0, where auto means fp8_ds_mla; the 0.17 line takes
# auto as BF16 (dsa_kv_bytes).
DSA_AUTO_BF16_SINCE = (0, 11, 1)
DSA_KV_COMPONENTS = ("kv_cache_tokens", "max_concurrency")


def outside_basis(engine_version: str | None, backend: str | None, component: str | None = None,
                  card: Mapping[str, Any] | None = None, settings: Mapping[str, Any] | None = None,
                  runner: str | None = None, compile_cache: str | None = None) -> str | None:
    """Why the rule for ``component`` (None: the run as a whole) does not follow this vLLM
    version/backend, else None.

    ``card`` and ``settings`` (the run's): a DeepSeek-V3.2 run at --kv-cache-dtype auto follows v0.11.0's
    fp8_ds_mla default only up to DSA_AUTO_BF16_SINCE.
    ``engine_version``: a version as vLLM prints it ("0.10.1.1", "v0.8.3rc2.dev224+g49c0d11ec")
    or an engine generation a log proves ("V0", "V1", or "before 0.11.0" when the log's date precedes a
    release); None (unknown) counts as modelled. ``runner``: the model runner ("v1"/"v2") the log's
    file names show, where it does (runs_model_runner_v2). ``compile_cache``: "cold" where the log shows
    torch.compile compiling at start-up (no cache from an earlier start), "warm" where it loads the
    cache; None (not shown) counts as warm, the plan's assumption.
    """
    if backend is not None and backend.strip().upper() != "CUDA":
        return (f"{backend} backend: the rules follow vLLM's CUDA platform (block sizes, attention and "
                "fused-MoE kernels, MXFP4 padding, CUDA graphs); ROCm and other platforms differ")
    if engine_version is None or not engine_version.strip():
        return None
    text = engine_version.strip()
    if text.upper() == "V1":
        return None
    tp = int((settings or {}).get("tensor_parallel") or 1)
    nccl = (f"vLLM {text}: before v0.11.0 (PR #25359) the worker took its first memory snapshot before "
            "creating the NCCL communicators, so their memory (about 1 GiB per GPU on H100) counted as "
            "non-torch memory inside the KV budget; both release lines follow v0.11.0 and later, where it is "
            "outside")
    if text.lower().startswith("before "):
        # a generation the log's date proves: only rules about releases older than that one apply
        upper = _before(text)
        if upper is not None and upper <= NCCL_INIT_BEFORE_SNAPSHOT_SINCE and tp > 1 and component in NCCL_COMPONENTS:
            return nccl
        return None
    label = text.partition("+")[2].lower()
    if label in PREVIEW_BUILD_LABELS:
        return (f"vLLM {text}: the gpt-oss preview build (PR #22259's branch, not a release); its "
                "MXFP4 MoE had no Marlin backend and below SM90 stored the experts unpadded "
                "(triton_kernels StridedLayout), where releases from v0.10.1 on pad them for Marlin")
    version = version_tuple(text)
    if text.upper() == "V0":
        return "vLLM V0 engine: profiles and sizes the KV cache differently (worker.py, not the V1 gpu_worker.py)"
    if version is None:
        return None
    if version < V1_DEFAULT_SINCE:
        return (f"vLLM {text}: before v0.8.0 the V0 engine was the default; it profiles and sizes the KV "
                "cache differently (worker.py, not the V1 gpu_worker.py)")
    if version < NCCL_INIT_BEFORE_SNAPSHOT_SINCE and tp > 1 and component in NCCL_COMPONENTS:
        return nccl
    dsa_auto = (bool(((card or {}).get("architecture") or {}).get("attention", {}).get("sparse_indexer"))
                and str((settings or {}).get("kv_dtype") or "auto") == "auto")
    if (dsa_auto and DSA_AUTO_BF16_SINCE <= version < SAMPLER_SORT_BEFORE
            and (component is None or component in DSA_KV_COMPONENTS)):
        return (f"vLLM {text}: since v0.11.1 DeepSeek-V3.2's --kv-cache-dtype auto is BF16 (PR #27121, "
                "2025-10-17); the 0.11 release line follows v0.11.0, where auto meant the fp8_ds_mla latent")
    mrv2 = runs_model_runner_v2(version, card, runner)
    mrv2_modelled = bool(mrv2) and MRV2_MODELLED[0] <= version < MRV2_MODELLED[1]
    if (mrv2 is not False and not mrv2_modelled or version >= MRV1_REMOVED_IN) and (
            component is None or component in MRV2_COMPONENTS):
        if version >= MRV1_REMOVED_IN:
            return (f"vLLM {text} sizes its KV cache, by default, after warm-up and CUDA graph capture from the "
                    "memory then free (the extensible KV cache); the 0.34 line plans the profile-run sizing that "
                    f"{EXTENSIBLE_KV_OFF} keeps, of which no public log has been found")
        elif mrv2 and runner:
            why = "ran this model on Model Runner V2, as its log shows"
        elif mrv2:
            why = ("ran this model on Model Runner V2 (vLLM's default for every model since v0.29.0, for models "
                   "without experts or state layers since v0.25.0)")
        else:
            why = ("may have run this model on Model Runner V2: from v0.22.0 to v0.24.x vLLM's default depends "
                   "on the model's architecture class, and the log does not show which runner ran")
        return (f"vLLM {text} {why}; that runner's profile run is modelled as v0.27.0 to v0.32.x run it "
                "(--model-runner v2) and as v0.34.0 runs it (--vllm-version 0.34): earlier releases copied every "
                "dummy logit to FP32 and counted memory the older way, v0.33 added the FP32 sampler pass on "
                "16-token blocks")
    if mrv2_modelled and (component is None or component in MRV2_COMPONENTS):
        if compile_cache == "cold":
            return (f"vLLM {text} compiled the model at start-up (no torch.compile cache from an earlier start): "
                    "the compile's workspace counts in the profiled peak and the consumed memory (0.5-1 GiB more "
                    "in the paired cold and warm runs); Model Runner V2 is modelled with a warm cache")
        if ((card or {}).get("architecture") or {}).get("vision_encoder"):
            return (f"vLLM {text}, Model Runner V2: profile_run first profiles the multimodal encoder and keeps its "
                    "dummy outputs in the encoder cache through the decoder's profile run (reset_encoder_cache "
                    "comes after it, v1/worker/gpu/model_runner.py); that encoder memory is not modelled")
    # a run's setting: vLLM's default is on (the plan's, off, is set in its command)
    estimate_on = str((settings or {}).get("cudagraph_estimate") or "on") == "on"
    # Model Runner V2 took no estimate before v0.29.0 (profile_cudagraph_memory returned 0)
    estimate_taken = estimate_on and not (mrv2_modelled and version < MRV2_ESTIMATE_SINCE)
    if version >= CUDAGRAPH_IN_BUDGET_SINCE and estimate_taken and (component is None or component in BUDGET_COMPONENTS):
        return (f"vLLM {text} ran with its CUDA graph estimate on (the default since v0.21.0, PR #30515): the "
                "KV cache is the budget less a figure measured on that machine; the plan turns the estimate off "
                f"({CUDAGRAPH_ESTIMATE_OFF}), and kv_budget (the printed KV memory plus the printed estimate) "
                "is compared instead")
    return None
