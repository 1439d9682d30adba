"""The vLLM (V1 engine) memory plan: what `vllm serve` allocates per GPU (pure, no I/O).

Every rule names the vLLM source it follows (file, function); site/engine-vllm.md gives
the same list with the assumptions. The start-up sequence modelled:

1. Weights (``gpu_model_runner.py`` ``GPUModelRunner.load_model``, logged as "Model loading
   took X GiB"): the checkpoint as shipped, sharded over the tensor-parallel group.
2. The memory budget (``v1/worker/gpu_worker.py`` ``Worker.determine_available_memory`` with
   ``utils/mem_utils.py`` ``memory_profiling``): ``requested = total_gpu_memory x
   gpu_memory_utilization``; the KV cache gets ``requested - (weights + torch peak increase of
   the profile run + non-torch increase)``. CUDA graphs are captured after the KV cache is
   allocated (``Worker.compile_or_warm_up_model``), inside the ``1 - gpu_memory_utilization``
   slack, so they do not shrink the KV cache.
3. The KV cache (``v1/core/kv_cache_utils.py`` ``get_kv_cache_configs``,
   ``get_kv_cache_config_from_groups``, ``_report_kv_cache_config``): blocks of ``block_size``
   tokens, layers grouped by their KV spec (``v1/kv_cache_interface.py``), printed as "GPU KV
   cache size: N tokens" and "Maximum concurrency for N tokens per request: X.XXx"; vLLM
   refuses to start when one ``max_model_len`` request does not fit
   (``_check_enough_kv_cache_memory``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, NamedTuple

from generator.calc import gemma3n, memory, native, state
from generator.calc.engines import (
    Hardware,
    Option,
    device_memory,
    PlanError,
    largest_that_fits,
    parse_choice,
    smallest_that_fits,
    parse_flag,
    parse_float,
    parse_int,
)
from generator.calc.modules import part_rules
from generator.calc.params import count_parameters, head_dim_of
from generator.calc.tensors import Inventory, Matrix, inventory
from generator.calc.weights import LayerLayout, Tensor, compile_quant

NAME = "vllm"
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

GiB = 1 << 30
MiB = 1 << 20

# --- constants from vLLM's source --------------------------------------------------------------
BLOCK_SIZE = 16  # config/cache.py CacheConfig.block_size default on CUDA
# v0.34.0 raised the default to 64 tokens (config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE); FlashAttention
# takes any multiple of 16, so it stays 64 (platforms/interface.py update_block_size_for_backend).
BLOCK_SIZES = {"0.11": BLOCK_SIZE, "0.17": BLOCK_SIZE, "0.21": BLOCK_SIZE, "0.34": 64}
# MLA models on Hopper use FlashMLA, which needs 64-token blocks (platforms/cuda.py
# CudaPlatform.check_and_update_config sets block_size 64 when FlashMLA is chosen).
MLA_BLOCK_SIZE = 64
# model_executor/layers/vocab_parallel_embedding.py DEFAULT_VOCAB_PADDING_SIZE: the embedding
# and LM head rows are padded to a multiple of 64, then split evenly over the TP ranks.
VOCAB_PADDING = 64
# engine/arg_utils.py EngineArgs.get_batch_defaults, usage context OPENAI_API_SERVER
# (`vllm serve`): GPUs with >= 70 GiB that are not A100 get 8192 / 1024, others 2048 / 256.
LARGE_GPU_BYTES = 70 * GiB
# From v0.28.0 GPUs with >= 160 GiB (B200, B300, MI300X) get 16384 / 1024 (the 0.34 line; the 0.21 line
# keeps the v0.21-v0.27 tiers).
HUGE_GPU_BYTES, BATCHED_TOKENS_HUGE = 160 * GiB, 16384
BATCHED_TOKENS_LARGE, MAX_SEQS_LARGE = 8192, 1024
BATCHED_TOKENS_SMALL, MAX_SEQS_SMALL = 2048, 256

# --- quantities vLLM measures at run time (stated constants, see assumptions) -------------------
# Non-torch memory that appears during the profile run on one GPU (cuBLAS/cuBLASLt workspaces,
# allocator slack outside PyTorch). Public single-GPU logs print 0.10-0.20 GiB (llm-d's v0.11
# H100 runs 0.13-0.14 GiB, vllm PR #12126 0.16 GiB); 0.15 GiB is taken.
NON_TORCH_BYTES = 150 * MiB
# Under tensor parallelism each GPU also holds NCCL communicator and custom all-reduce buffers
# (distributed/device_communicators/custom_all_reduce.py, pynccl.py). In v0.11 the communicators are
# created before the worker's first memory snapshot (gpu_worker.py Worker.init_device, PR #25359; see
# NCCL_INIT_BEFORE_SNAPSHOT_SINCE), so that part is outside the budget; what the profile run's
# all-reduces add afterwards shows in non_torch and shrinks the KV budget. llm-d's v0.11 runs on H100
# print 0.54-0.55 GiB at TP=2 against 0.13-0.14 GiB at TP=1 for two models (Llama 3.3 70B FP8, Qwen3
# 32B): +0.41 GiB per GPU, taken here. (V0 counted far more, 1.79 GiB at TP=2 in vllm PR #10511;
# v0.19.0 prints 1.8-2.0 GiB above TP=1 at TP 2 and 4, engine-vllm.md.)
# From v0.17 on (release line "0.17") the figure is far larger: llm-d-planner's nine v0.19.0 runs on
# H100 at TP 2 and 4 (five models, cases vllm-*-tp[24]-c8192-gmu095-v0.19.0) print 2.06-2.21 GiB of
# non-torch memory per GPU, median 2.10 GiB, against 0.24-0.25 GiB at TP=1. vLLM's own all-reduce
# buffers are tens of MiB (all_reduce_utils.py); the rest is NCCL's or torch symmetric memory's
# (VLLM_ALLREDUCE_USE_SYMM_MEM), which vLLM's source does not size, so the figure is measured:
# 2.10 GiB less NON_TORCH_BYTES. Those nine runs are its source, not independent checks of it.
NCCL_TP_BYTES = {"0.11": 420 * MiB,   # 0.41 GiB
                 "0.17": 2000 * MiB,  # 2.10 GiB - 0.15 GiB
                 "0.21": 2000 * MiB,  # the 0.17 line's figure
                 "0.34": 2000 * MiB}  # the same: no public log of the newer releases measures it
# CUDA graphs ("Graph capturing finished in N secs, took X GiB"): vLLM measures the free-memory
# drop while capturing (gpu_model_runner.py GPUModelRunner.capture_model); it cannot be derived
# from the model. Published v0.10-v0.11 values run from -0.88 to +1.88 GiB (a difference of free
# memory, so it can be negative); 0.6 GiB, the median of the positive ones, is taken. Graphs are
# captured after the KV cache is allocated, so this only shows in the device total.
CUDA_GRAPH_BYTES = 600 * MiB
# The CUDA context and driver state, present before vLLM's first memory snapshot: it is not
# part of any printed figure, but it occupies the device (about 0.5 GiB on recent drivers).
CUDA_CONTEXT_BYTES = 512 * MiB

# Activation peak of the profile run (gpu_model_runner.py GPUModelRunner.profile_run): a
# forward pass over max_num_batched_tokens dummy tokens, then a dummy sampler run over
# min(max_num_seqs, max_num_batched_tokens) rows (_dummy_sampler_run).
ACT_BYTES = 2  # activations in the model dtype (BF16/FP16)
# Per logit of the sampler's dummy run (v0.11 gpu_model_runner.py _dummy_sampler_run asks for
# top_p 0.9 and top_k vocab - 1, so v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p sorts
# the logits): the model-dtype logits (2 bytes), their float32 copy (v1/sample/sampler.py
# Sampler.forward, 4), the sorted float32 values and int64 indices that torch.sort returns
# (4 + 8), and the sort's own scratch: the int64 index sequence it sorts along and the radix
# sort's second key/value buffers (8 + 4 + 8). 38 bytes; llm-d's six v0.11 H100 runs
# (vocabularies 128K-201K, 1024 rows) print 38.3-38.6 bytes per logit once the forward's hidden
# states are taken off.
SAMPLER_BYTES_PER_LOGIT = 2 + 4 + (4 + 8) + (8 + 4 + 8)
# Release line "0.17": v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p sends a batch of 8 rows
# or more to topk_topp_triton.py apply_top_k_top_p_triton, which masks the float32 logits in place
# (no sort). TopKTopPSampler.forward_native then takes their float32 softmax (4 bytes) and
# random_sample an exponential noise tensor of the same shape (4). With the model-dtype logits (2)
# and their float32 copy (4): 14 bytes per logit. Below 8 rows the sort path (38) still runs.
TRITON_SAMPLER_BYTES_PER_LOGIT = 2 + 4 + 4 + 4
TRITON_SAMPLER_MIN_ROWS = 8
# apply_top_k_top_p_triton keeps one float32 scratch row of the vocabulary per Triton program:
# min(next_power_of_2(min(SMs, rows)), SMs) rows, cached on the device. The catalog holds no SM
# counts; 132 (H100 SXM and H200, the GPUs of the measured cases) is taken for every GPU: a GPU
# with fewer SMs keeps less (at most ~80 MB less for a 152K vocabulary).
TRITON_SAMPLER_SMS = 132

# FP8 checkpoints that keep some layers in BF16. Meta's Llama-3.1-405B-Instruct-FP8 is an
# fbgemm_fp8 checkpoint whose quantization_config.modules_to_not_convert lists every self_attn
# projection and the MLPs of the first and last layers; vLLM loads those unquantized
# (model_executor/layers/quantization/fbgemm_fp8.py FBGEMMFp8Config.get_quant_method:
# is_layer_skipped -> UnquantizedLinearMethod).
_FP8_BF16_MODULES: dict[str, tuple[bool, int]] = {
    # card id: (attention kept in BF16, number of MLPs kept in BF16: the first and the last layer)
    "meta/llama-3.1-405b": (True, 2),
}
_ATTENTION_ROLES = ("attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_other")
_MLP_ROLES = ("ffn_gate", "ffn_up", "ffn_down")

KV_DTYPES = ("auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")

# DeepSeek sparse attention (DeepSeek-V3.2), vLLM v0.11.0:
# - model_executor/models/config.py DeepseekV32ForCausalLM.verify_and_update_config (PR #25988,
#   2025-09-30; PR #27121 of v0.11.1 leaves auto at BF16, see outside_basis) turns
#   --kv-cache-dtype auto and fp8* into "fp8_ds_mla" and bfloat16 into auto (the
#   model dtype); v1/kv_cache_interface.py MLAAttentionSpec.page_size_bytes then takes 656 bytes a
#   token for fp8_ds_mla (FlashMLA's sparse layout, v1/attention/backends/mla/flashmla_sparse.py:
#   512 FP8 latent values, 4 FP32 scales, 64 BF16 rope values) instead of 576 x dtype bytes.
# - model_executor/models/deepseek_v2.py Indexer: every MLA layer's indexer keeps its key in a
#   DeepseekV32IndexerCache, an MLAAttentionSpec of one head of head_dim + head_dim //
#   quant_block_size x 4 uint8 values (FP8 values and one FP32 scale per 128, quant_block_size =
#   128): 132 bytes a token, whatever --kv-cache-dtype says.
# - Both specs share the 64-token blocks (platforms/cuda.py: FlashMLA sparse needs 64), so
#   kv_cache_utils.py get_kv_cache_groups puts all of them in one UniformTypeKVCacheSpecs group
#   whose page is the sum of every layer's page: blocks = available // (sum of pages), each token
#   of each layer taking 656 + 132 bytes (the same arithmetic as one layer type of 788 bytes).
# - DeepseekV2Model.__init__ allocates topk_indices_buffer, max_num_batched_tokens x index_topk
#   int32, during model loading ("Model loading took" includes it).
DSA_FP8_LATENT_BYTES = 656
DSA_QUANT_BLOCK = 128
DSA_SCALE_BYTES = 4


def dsa_kv_bytes(kv_dtype: str, release: str) -> int:
    """The latent's width key for a DeepSeek-V3.2 plan: 1 (fp8_ds_mla) for fp8*, 2 for bfloat16
    (verify_and_update_config: bfloat16 -> auto, the BF16 model dtype). auto is fp8_ds_mla in
    v0.11.0 (release line "0.11") and the BF16 model dtype from v0.11.1 on (PR #27121; lines "0.17" and "0.21")."""
    if kv_dtype == "auto":
        return 1 if release == "0.11" else 2
    return 2 if kv_dtype == "bfloat16" else 1


def indexer_key_bytes(head_dim: int) -> int:
    """One token's indexer key in one layer (deepseek_v2.py Indexer: head_dim FP8 values and a
    4-byte scale per 128 of them)."""
    return head_dim + head_dim // DSA_QUANT_BLOCK * DSA_SCALE_BYTES


def topk_buffer_bytes(card: Mapping[str, Any], batched_tokens: int) -> int:
    """deepseek_v2.py DeepseekV2Model.__init__: the int32 top-k indices of every batched token
    (0 without a sparse indexer)."""
    idx = card["architecture"]["attention"].get("sparse_indexer")
    return batched_tokens * int(idx["top_k"]) * 4 if idx else 0


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
    version = _version_tuple(engine_version or "") if not (engine_version or "").lower().startswith("before ") else None
    if version is None or not MRV2_MODELLED[0] <= version < MRV2_MODELLED[1]:
        return "v1"
    return "v2" if runs_model_runner_v2(version, card, runner) else "v1"


def _version_tuple(text: str) -> tuple[int, int, int] | None:
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
# Model Runner V2's sampler tables per request slot, GPU tensors of v1/worker/gpu/sample/ (v0.27.0-v0.34.0):
# logit_bias.py LogitBiasState: allowed token ids, logit-bias token ids (int32) and biases (FP32), 1024 each,
# and 128 int32 stop token ids; bad_words.py BadWordsState: VLLM_MAX_BAD_WORDS_TOTAL_TOKENS (1024) token
# ids and VLLM_MAX_NUM_BAD_WORDS + 1 (129) offsets, int32; logprob.py LogprobTokenIdsState: 128 int32 ids.
MRV2_SLOT_TABLE_BYTES = (3 * 1024 + 128) * 4 + (1024 + 129) * 4 + 128 * 4  # 17,924
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
    return _version_tuple(text[len("before "):]) if text.lower().startswith("before ") else None


def release_line(engine_version: str | None) -> str:
    """The release line (RELEASE_LINES) whose rules a run of this vLLM version follows: a version as
    printed, or what a log proves ("before 0.17.0": its date precedes that release; "V0"/"V1").
    Unknown: DEFAULT_RELEASE. Versions before v0.11.0 take the oldest line (outside_basis says
    which of their numbers it does not cover)."""
    text = (engine_version or "").strip()
    if text.upper() == "V0":
        return "0.11"
    version = _before(text) if text.lower().startswith("before ") else (_version_tuple(text) if text else None)
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
    version = _version_tuple(text)
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


# --- option parsers ------------------------------------------------------------------------------

def _optional_int(lo: int, hi: int) -> Callable[[str, Any], int | None]:
    whole = parse_int(lo, hi)

    def parse(option: str, raw: Any) -> int | None:
        return None if raw is None else whole(option, raw)
    return parse


def _parse_release(option: str, raw: Any) -> str:
    """--vllm-version: a release line (RELEASE_LINES), or a vLLM version, which picks its line."""
    text = str(raw).strip()
    if text in RELEASE_LINES:
        return text
    allowed = f"allowed: {', '.join(RELEASE_LINES)}, or a vLLM version from 0.11.0 on"
    version = None if isinstance(raw, bool) else _version_tuple(text)
    if version is None or version < (0, 11, 0):
        raise PlanError(option, f"{raw!r}: {allowed}")
    return release_line(text)


def _parse_kv_dtype(option: str, raw: Any) -> str:
    text = str(raw).strip().lower()
    aliases = {"bf16": "bfloat16", "f16": "auto", "fp16": "auto", "float16": "auto", "fp8_e4m3fn": "fp8_e4m3"}
    text = aliases.get(text, text)
    if text not in KV_DTYPES:
        raise PlanError(option, f"{raw!r}: allowed: {', '.join(KV_DTYPES)}")
    return text


def _parse_quant(option: str, raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        raise PlanError(option, "needs a value")
    return text


MXFP4_BACKENDS = ("auto", "marlin")


OPTIONS: dict[str, Option] = {
    "quant": Option(None, _parse_quant,
                    "checkpoint quantization (default: as shipped: BF16, or the model's native quantization)"),
    "context": Option(None, _optional_int(1, 1 << 27), "--max-model-len (default: the model's maximum)"),
    "kv_dtype": Option("auto", _parse_kv_dtype, "--kv-cache-dtype: auto (the model dtype) or fp8"),
    "parallel": Option(1, parse_int(1, 1 << 16),
                       "max_model_len requests that must fit in the KV cache at once (vLLM itself needs 1)"),
    "tensor_parallel": Option(None, _optional_int(1, 64),
                              "--tensor-parallel-size (default: the largest size the heads allow up to the GPUs given, else 1)"),
    "gpu_memory_utilization": Option(None, parse_float(0, 1, lo_open=True),
                                     "--gpu-memory-utilization (default: vLLM's, DEFAULT_UTILIZATION: 0.92 from "
                                     "v0.20.0, 0.9 before)"),
    "max_num_batched_tokens": Option(None, _optional_int(1, 1 << 24),
                                     "--max-num-batched-tokens (default: 8192 on >= 70 GiB GPUs but A100, else 2048)"),
    "max_num_seqs": Option(None, _optional_int(1, 1 << 16),
                           "--max-num-seqs (default: 1024 on >= 70 GiB GPUs but A100, else 256)"),
    "enforce_eager": Option(False, parse_flag, "--enforce-eager (no CUDA graphs)"),
    "vllm_version": Option(DEFAULT_RELEASE, _parse_release,
                           "the vLLM release line the rules follow: 0.21 (v0.21.0-v0.33.x, default), 0.34 "
                           "(v0.34.0 and later: Model Runner V2 only, 64-token blocks, no public log to check it "
                           "against yet), 0.17 (v0.17.0-v0.20.x: no CUDA graph estimate in the KV budget) or 0.11 "
                           "(v0.11.0-v0.16.x: also the sampler's profiled sort, smaller NCCL memory); a version "
                           "such as 0.27.1 picks its line"),
    "cudagraph_estimate": Option("off", parse_choice("off", "on"),
                                 "release line 0.21: off (the plan's command sets "
                                 f"{CUDAGRAPH_ESTIMATE_OFF}, so the KV cache is sized as planned) or on "
                                 "(vLLM's default: the KV cache is smaller by an estimate vLLM measures at "
                                 "start-up; KV figures become upper bounds)"),
    "model_runner": Option(None, parse_choice("v1", "v2"),
                           "release line 0.21: v1 (Model Runner V1, the default, kept by the command's "
                           f"{MODEL_RUNNER_V1}) or v2 (Model Runner V2 as v0.27.0-v0.32.x run it, the "
                           "default for every model from v0.29.0; assumes a warm torch.compile cache); "
                           "release line 0.34: v2 only"),
    "mxfp4_backend": Option("auto", parse_choice(*MXFP4_BACKENDS),
                            "MXFP4 MoE kernel: auto (what vLLM picks with triton_kernels installed) or marlin "
                            "(VLLM_MXFP4_USE_MARLIN=1, or an install without triton_kernels / torch < 2.8)"),
}


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


# --- hybrid models: state pages beside the attention pages ---------------------------------------
# A layer_pattern with state-space (Mamba-1/2) or linear-attention letters. Both release lines plan
# the hybrid cache by v0.11.0's rules (not re-checked against v0.17-v0.20). vLLM 0.11.0 runs these
# through its hybrid KV cache: every such layer is a MambaBase module whose state is one
# MambaSpec page per request (v1/kv_cache_interface.py MambaSpec: block_size = max_model_len,
# max_memory_usage_bytes = one page), next to the attention layers' FullAttentionSpec pages.
# Model classes (model_executor/models/registry.py, v0.11.0): JambaForCausalLM,
# NemotronHForCausalLM, GraniteMoeHybridForCausalLM, FalconH1ForCausalLM (Mamba-1/2),
# Qwen3NextForCausalLM (gated DeltaNet), MiniMaxText01ForCausalLM / MiniMaxM1ForCausalLM
# (lightning attention). Kimi Linear (KimiLinearForCausalLM) is not in v0.11.0's registry; it
# arrived in v0.11.1.
VLLM_LINEAR_KINDS = ("gated_deltanet", "lightning")
# MiniMax's lightning-attention models left vLLM after v0.23.x (v0.34.0 registry.py
# _PREVIOUSLY_SUPPORTED_MODELS: "MiniMaxM1ForCausalLM": "0.23.0"): the 0.34 line refuses them and the
# 0.21 line says which of its releases run them.
LIGHTNING_REMOVED_LINES = ("0.34",)
LIGHTNING_LAST_RELEASE = "v0.23.x"


def hybrid_unsupported(card: Mapping[str, Any], release: str = DEFAULT_RELEASE) -> str | None:
    """Why this plan cannot follow vLLM (release line ``release``) for the card's hybrid layers, else
    None (None for a plain transformer too)."""
    arch = card.get("architecture") or {}
    if not arch.get("layer_pattern"):
        return None
    lin = arch.get("linear_attention") or {}
    if lin.get("kind") == "lightning" and release in LIGHTNING_REMOVED_LINES:
        return ("vLLM 0.34 cannot run MiniMax lightning attention: MiniMaxText01ForCausalLM and MiniMaxM1ForCausalLM "
                "were last supported in v0.23.x (model_executor/models/registry.py _PREVIOUSLY_SUPPORTED_MODELS); "
                "plan v0.21.0-v0.23.x with --vllm-version 0.21")
    if lin.get("kind") == "kda":
        return ("llmcards does not plan vLLM for Kimi delta attention: the hybrid cache rules here are v0.11.0's, "
                "whose model registry cannot run Kimi delta attention (KimiLinearForCausalLM came in v0.11.1), and "
                "the later releases' state layout for it has not been checked against their source")
    if lin.get("kind") == "gated_deltanet" and arch.get("vision_encoder") and release == "0.11":
        # Gated DeltaNet with a vision tower is Qwen3.5 / Qwen3.6 (Qwen3_5MoeForConditionalGeneration,
        # Qwen3_5ForConditionalGeneration, added to transformers in February 2026): not in v0.11.0's
        # registry, which has only the text-only Qwen3NextForCausalLM (vLLM 0.15.0 still refused it).
        return ("the vLLM 0.11 release line cannot run Qwen3.5 / Qwen3.6: v0.11.0 has no "
                "Qwen3_5MoeForConditionalGeneration, v0.15.0 still refused it, and vLLM's Qwen3.6 recipe asks for "
                "vLLM >= 0.17.0; plan it with --vllm-version 0.21 (the default) or 0.17")
    if lin and lin.get("kind") not in VLLM_LINEAR_KINDS:
        return f"llmcards does not plan vLLM for {lin.get('kind')} linear attention"
    att = arch.get("attention") or {}
    if att.get("structure") == "MLA" or att.get("sliding_window"):
        return ("llmcards does not plan vLLM for a hybrid model whose attention is MLA or sliding-window "
                "(HybridAttentionMambaModelConfig sizes pages for full attention)")
    return None


def _state_layer_counts(arch: Mapping[str, Any]) -> tuple[int, int]:
    """(attention layers, layers with a state): a Falcon-H1 ``P`` layer is both."""
    kinds = state.layer_kinds(arch)
    return (state.count_of(kinds, state.ATTENTION_LETTERS),
            state.count_of(kinds, state.SSM_LETTERS) + state.count_of(kinds, state.LINEAR_LETTERS))


def _divide(n: int, tp: int) -> int | None:
    """vllm.distributed.divide: n / tp, which vLLM asserts is whole (None here when it is not)."""
    return n // tp if n % tp == 0 else None


def state_page_elements(arch: Mapping[str, Any], tp: int) -> tuple[int, int] | None:
    """(conv state, recurrent state) values of one request in one state layer on one of ``tp``
    GPUs (v0.11.0 model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator), or None
    when vLLM cannot split the layer over ``tp`` ranks (its ``divide`` asserts).

    mamba1_state_shape: conv (conv_kernel - 1) x d_inner/tp, temporal d_inner/tp x N.
    mamba2_state_shape: n_groups grows to a multiple of tp when it does not divide
    (extra_groups_for_head_shards: + tp - n_groups); conv (conv_kernel - 1) x (d_inner + 2 G N)/tp,
    temporal heads/tp x head_dim x N.
    gated_delta_net_state_shape: conv (conv_kernel - 1) x (2 Hk dk + Hv dv)/tp, temporal
    Hv/tp x dk x dv. linear_attention_state_shape (lightning): heads/tp x head_dim x head_dim.
    """
    kinds = state.layer_kinds(arch)
    if state.count_of(kinds, state.SSM_LETTERS):
        ssm = arch["ssm"]
        kernel, n_state, inner = int(ssm["conv_kernel"]), int(ssm["state_size"]), state.ssm_inner(ssm)
        if ssm["kind"] == "mamba2":
            heads, groups = int(ssm["heads"]), int(ssm["n_groups"])
            groups += 0 if groups % tp == 0 else tp - groups
            conv = _divide(inner + 2 * groups * n_state, tp)
            rank_heads = _divide(heads, tp)
            if conv is None or rank_heads is None:
                return None
            return (kernel - 1) * conv, rank_heads * int(ssm["head_dim"]) * n_state
        rank_inner = _divide(inner, tp)
        return None if rank_inner is None else ((kernel - 1) * rank_inner, rank_inner * n_state)
    lin = arch["linear_attention"]
    k_heads, k_dim, v_heads, v_dim = state._lin_widths(lin)
    rank_v = _divide(v_heads, tp)
    if rank_v is None:
        return None
    if lin["kind"] == "lightning":
        return 0, rank_v * k_dim * v_dim
    conv = _divide(state.linear_conv_channels(lin), tp)
    if conv is None:
        return None
    return (int(lin["conv_kernel"]) - 1) * conv, rank_v * k_dim * v_dim


def allowed_tp(card: Mapping[str, Any]) -> list[int]:
    """Tensor-parallel sizes vLLM accepts for the card: the attention heads' rule, and for a hybrid
    model also the state layers' (state_page_elements)."""
    arch = card["architecture"]
    att = arch["attention"]
    heads = int(att["heads"])
    allowed = _allowed_tp(heads, 1 if att["structure"] == "MLA" else int(att.get("kv_heads") or heads))
    if arch.get("layer_pattern") and _state_layer_counts(arch)[1]:
        allowed = [d for d in allowed if state_page_elements(arch, d) is not None]
    return allowed


class StatePages(NamedTuple):
    """The hybrid cache of one GPU (v0.11.0 model_executor/models/config.py
    HybridAttentionMambaModelConfig.verify_and_update_config)."""

    block_size: int  # attention tokens per block, raised so an attention page holds a state page
    page_bytes: int  # the one page size of every layer (state pages padded up to it)
    state_bytes: int  # one request's state in one layer before padding (MambaSpec page)


STATE_DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
# Nemotron-H (NemotronHForCausalLM): model_executor/models/config.py NemotronHForCausalLMConfig turns
# --mamba-ssm-cache-dtype auto into config.json's mamba_ssm_cache_dtype, else a default that is float16 up to
# v0.19.x and float32 from v0.20.0 (DEFAULT_MAMBA_SSM_CACHE_DTYPE, read in the v0.17.0-v0.34.0 wheels). The
# lines from 0.21 on keep the SSM state in float32; the 0.17 line follows v0.17-v0.19 (2 bytes).
NEMOTRON_H_FAMILIES = ("Nemotron-H",)
NEMOTRON_H_FP32_LINES = ("0.21", "0.34")

# Prefix caching and the Mamba cache mode. Since v0.26.0 vLLM turns prefix caching on by default for hybrid
# models (config/model.py is_prefix_caching_supported), and with it on a state layer runs in "align" mode
# (model_executor/models/config.py MambaModelConfig.verify_and_update_config): a request then holds
# 2 + num_prefill_checkpoint_blocks state blocks (v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes)
# instead of one. The 0.21 line's command turns prefix caching off for these models, which keeps every release
# of the line (v0.21.0-v0.33.x) in mode "none", one block per request; the 0.34 line plans vLLM's default.
PREFIX_CACHING_OFF = "--no-enable-prefix-caching"
PREFIX_CACHING_OFF_LINES = ("0.21",)
ALIGN_MODE_LINES = ("0.34",)


def nemotron_h(card: Mapping[str, Any]) -> bool:
    """Whether vLLM loads the card as NemotronHForCausalLM (its family)."""
    return str(card.get("family") or "") in NEMOTRON_H_FAMILIES


def temporal_state_bytes(card: Mapping[str, Any], state_bytes: int, release: str = DEFAULT_RELEASE) -> int:
    """Bytes per value of the recurrent state: the card's linear_attention.state_dtype (config.json
    mamba_ssm_dtype) where given; float32 for Nemotron-H on the lines that follow v0.20.0 or later;
    else the model dtype's ``state_bytes``."""
    dtype = (card["architecture"].get("linear_attention") or {}).get("state_dtype")
    if dtype:
        return STATE_DTYPE_BYTES[dtype]
    return 4 if nemotron_h(card) and release in NEMOTRON_H_FP32_LINES else state_bytes


def state_blocks(card: Mapping[str, Any], release: str, gpu: Mapping[str, Any] | None = None) -> int:
    """Blocks one request holds in each state group (MambaSpec.max_memory_usage_bytes / page).

    Mode "none" (the lines before 0.34; the 0.21 line's command turns prefix caching off): one.
    Mode "align" (v0.34.0's default): two, plus a prefill checkpoint block where the layer declares one:
    Mamba-2 mixers always (model_executor/layers/mamba/mamba_mixer2.py MambaMixer2.get_kv_cache_spec, v0.32.0
    on), gated DeltaNet where FlashInfer's GDN prefill runs (layers/mamba/gdn/qwen_gdn_linear_attn.py
    _resolve_gdn_prefill_backend on "auto": Hopper; Blackwell with key heads of 128 and a CUDA 13 runtime,
    assumed here; v0.33.0 on); Mamba-1 (Jamba) never. Without a GPU, Hopper is assumed.
    """
    if release not in ALIGN_MODE_LINES:
        return 1
    arch = card["architecture"]
    kinds = state.layer_kinds(arch)
    if state.count_of(kinds, state.SSM_LETTERS):
        return 3 if arch["ssm"]["kind"] == "mamba2" else 2
    key_dim = state._lin_widths(arch["linear_attention"])[1]
    generation = gdn_generation(gpu)
    flashinfer = generation == "hopper" or (generation == "blackwell" and key_dim == 128)
    return 3 if flashinfer else 2


def gdn_generation(gpu: Mapping[str, Any] | None) -> str:
    """The GPU generation vLLM's gated DeltaNet prefill choice reads (device capability 9.x, 10.x/12.x):
    "hopper", "blackwell" (B100/B200/B300 and the RTX 50 / RTX PRO Blackwell cards) or "other"; no GPU
    counts as Hopper."""
    family = _gpu_family(gpu)  # Hopper and the data-centre Blackwells as the MXFP4 rule names them
    if family in ("hopper", "blackwell"):
        return family
    gid = str((gpu or {}).get("id", "")).lower()
    # the consumer and workstation Blackwells, which take the Marlin MXFP4 path
    nvidia = str((gpu or {}).get("vendor", "")).upper() == "NVIDIA"
    return "blackwell" if nvidia and gid.startswith(("rtx-50", "rtx-pro-6000-blackwell")) else "other"


def state_pages(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int,
                release: str = DEFAULT_RELEASE) -> StatePages:
    """``block = B x cdiv(state page, B x attention bytes per token)``, B the line's default block
    (16; 64 on the 0.34 line: platforms/interface.py _align_hybrid_block_size aligns to the larger of the
    kernel's smallest block and the cache's block size); the attention page is block x bytes per token and
    the state page is padded to it (mamba_page_size_padded).

    attention bytes per token: FullAttentionSpec(block_size=1) = 2 (K, V) x kv heads per rank x
    head size x cache dtype. The state is kept in the model dtype (``state_bytes``): mamba_utils.py
    MambaStateDtypeCalculator with --mamba-cache-dtype / --mamba-ssm-cache-dtype at their default
    "auto". The recurrent (temporal) part follows a linear-attention ``state_dtype`` where the card
    gives one: Qwen3.5's config.json asks for float32 (mamba_ssm_dtype), and vLLM's
    Qwen3_5ForConditionalGenerationConfig (model_executor/models/config.py) turns --mamba-ssm-cache-dtype
    auto into it; gated_delta_net_state_dtype keeps the conv state in the model dtype. Nemotron-H's
    recurrent part is float32 on the lines from 0.21 on (temporal_state_bytes). A model without
    attention layers keeps its state page as it is.
    """
    arch = card["architecture"]
    elements = state_page_elements(arch, tp)
    assert elements is not None, "allowed_tp() excludes this tensor-parallel size"
    conv, temporal = elements
    page = conv * state_bytes + temporal * temporal_state_bytes(card, state_bytes, release)
    base = BLOCK_SIZES[release]
    if not _state_layer_counts(arch)[0]:
        return StatePages(base, page, page)
    att = arch["attention"]
    per_token = 2 * max(1, int(att["kv_heads"]) // tp) * head_dim_of(arch) * kv_bytes
    block = base * -(-page // (base * per_token))
    return StatePages(block, block * per_token, page)


# --- weights -------------------------------------------------------------------------------------

def native_quant_id(card: Mapping[str, Any]) -> str | None:
    """The quantization the model is published in (the card's ``release.quantization``: gpt-oss
    MXFP4, DeepSeek-V3 FP8), None when the card says nothing or the release is BF16."""
    release = card.get("release")
    qid = release.get("quantization") if isinstance(release, Mapping) else None
    return str(qid) if qid and qid != "BF16" else None


def _gpu_family(gpu: Mapping[str, Any] | None) -> str:
    """The kernel family vLLM picks on this GPU (for MXFP4 padding): hopper, blackwell, ampere, rocm."""
    if gpu is None:
        return "hopper"
    gid = str(gpu.get("id", "")).lower()
    if str(gpu.get("vendor", "")).upper() == "AMD" or gid.startswith("mi"):
        return "rocm"
    if gid.startswith(("h100", "h200", "gh200", "h20")):
        return "hopper"
    if gid.startswith(("b200", "b100", "gb200", "b300")):
        return "blackwell"
    return "ampere"  # RTX 30/40/50, A100, L40: the Marlin MXFP4 path


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m


def mxfp4_padding(gpu: Mapping[str, Any] | None, backend: str = "auto") -> tuple[int, int]:
    """(intermediate multiple, hidden multiple) of vLLM's MXFP4 MoE weights on this GPU.

    model_executor/layers/quantization/mxfp4.py Mxfp4MoEMethod.create_weights pads the expert
    intermediate size per partition and the hidden size for the kernel get_mxfp4_backend picks:
    Marlin 128 / 256 (CUDA GPUs below SM90, and any GPU without triton_kernels); FlashInfer on
    Blackwell 256 / 256; ROCm 256 / 256. On Hopper (SM90), get_mxfp4_backend takes the Triton
    backend ("mxfp4.py: Using Triton backend") only when the triton_kernels package is
    importable (has_triton_kernels), torch is 2.8 or newer and VLLM_MXFP4_USE_MARLIN is not
    set; otherwise Marlin ("Using Marlin backend"; marlin_utils_fp4.py warns "Weight-only FP4
    compression will be used leveraging the Marlin kernel"). The Triton backend pads the
    intermediate size to 64 in create_weights, and process_weights_after_loading
    (_swizzle_mxfp4, triton_kernels' Hopper MX layouts) stores the experts with the hidden size
    padded to 256: "Model loading took" 64.38 GiB for gpt-oss-120b and 13.47 GiB for gpt-oss-20b
    on H100 (llm-d's vllm/vllm-openai image runs, v0.14.1) are what (64, 256) gives, to 0.3% and
    0.1%; Marlin's (128, 256) gives 65.91 GiB, and v0.10.1 on torch 2.7 printed 65.97 GiB.
    ``backend`` "marlin" is that fallback (the plan option mxfp4_backend); "auto" is what
    get_mxfp4_backend picks with triton_kernels installed.
    """
    family = _gpu_family(gpu)
    if backend == "marlin" and family in ("hopper", "ampere"):
        return (128, 256)
    if family == "hopper":
        return (64, 256)
    return {"blackwell": (256, 256), "rocm": (256, 256)}.get(family, (128, 256))


class Sharding(NamedTuple):
    tp: int
    heads: int
    kv_heads: int
    hidden: int
    mla_q_out: int  # MLA: heads x (nope + rope), the width of q_b_proj / q_proj
    mla: bool
    moe_pad: tuple[int, int] | None  # MXFP4 (intermediate, hidden) multiples, None: no padding


def _matrix_shape(m: Matrix, s: Sharding) -> tuple[int, int]:
    """(ne0, elements in one layer) of ``m`` on one GPU: vLLM's tensor-parallel layers.

    ColumnParallelLinear splits the outputs, RowParallelLinear the inputs
    (model_executor/layers/linear.py); QKVParallelLinear gives each rank heads/tp query heads
    and max(1, kv_heads/tp) key/value heads (replicated when tp > kv_heads); norms, biases of
    row-parallel layers and the MoE router (ReplicatedLinear) are whole on every rank;
    FusedMoE splits every expert's intermediate size (model_executor/layers/fused_moe/layer.py).
    """
    tp = s.tp
    ne0, out, copies = m.ne0, m.out, m.copies
    role = m.role
    if role in ("one_d", "router"):
        return ne0, ne0 * out * copies
    if role in ("token_embd", "output"):
        rows = _round_up(out, VOCAB_PADDING) // tp
        return ne0, ne0 * rows * copies
    kv_per_rank = max(1, s.kv_heads // tp) if s.kv_heads else 0
    if role in ("attn_k", "attn_v"):
        hd = out // max(s.kv_heads, 1)
        return ne0, ne0 * hd * kv_per_rank * copies
    if role == "attn_qkv":
        hd = out // (s.heads + 2 * s.kv_heads)
        return ne0, ne0 * hd * (s.heads // tp + 2 * kv_per_rank) * copies
    if role == "attn_q":
        return ne0, ne0 * out // tp * copies
    if role == "attn_output":
        return ne0 // tp, ne0 // tp * out * copies
    if role == "attn_other":
        # MLA (DeepSeek V2/V3): q_a_proj and kv_a_proj_with_mqa read the hidden state and are
        # replicated; q_b_proj / q_proj and kv_b_proj are column-parallel.
        if ne0 == s.hidden and out != s.mla_q_out:
            return ne0, ne0 * out * copies
        return ne0, ne0 * out // tp * copies
    if role in ("ffn_gate", "ffn_up", "ffn_down"):
        inner = out if role != "ffn_down" else ne0
        hidden = ne0 if role != "ffn_down" else out
        inner_rank = inner // tp
        if m.routed and s.moe_pad is not None:
            inner_rank = _round_up(inner_rank, s.moe_pad[0])
            hidden = _round_up(hidden, s.moe_pad[1])
        if role == "ffn_down":
            return inner_rank, inner_rank * hidden * copies
        return hidden, hidden * inner_rank * copies
    return ne0, ne0 * out * copies // tp


def extra_loaded(card: Mapping[str, Any]) -> bool:
    """Whether vLLM loads the parameters outside the text architecture (``parameters.extra``).

    Vision towers of multimodal models are loaded (e.g. model_executor/models/gemma3_mm.py
    Gemma3ForConditionalGeneration builds the SigLIP tower unless the image limit is 0). MTP
    modules are skipped unless speculative decoding is on (deepseek_v2.py
    DeepseekV2ForCausalLM.load_weights skips the layers get_spec_layer_idx_from_weight_name
    finds; glm4_moe.py likewise), and a stored copy of a tied LM head is skipped
    (qwen3.py / falcon.py load_weights skip "lm_head.weight" when tie_word_embeddings).
    """
    inputs = (card.get("modalities") or {}).get("input") or []
    return any(m != "text" for m in inputs)


def loaded_outside_parameters(card: Mapping[str, Any]) -> int:
    """Parameters outside the text tensors that vLLM loads: the parts generator.calc.modules
    says vLLM loads (the vision and audio encoders; never the MTP modules, which
    load_weights skips without a speculative config), plus parameters.extra when
    extra_loaded()."""
    loaded = int((card.get("parameters") or {}).get("extra") or 0) if extra_loaded(card) else 0
    return loaded + sum(r.parameters for r in part_rules(card, "vllm") if r.loaded and r.part != "per_layer_embeddings")


class Weights(NamedTuple):
    per_gpu: int  # bytes on each GPU ("Model loading took")
    routed_per_gpu: int  # of which routed experts
    extra_per_gpu: int  # of which the vision tower
    rope_cache: int


def rope_cache_bytes(card: Mapping[str, Any]) -> int:
    """The rotary cos/sin cache (model_executor/layers/rotary_embedding.py RotaryEmbedding
    _compute_cos_sin_cache: max_position_embeddings x rotary_dim values in the model dtype)."""
    arch = card["architecture"]
    if arch.get("position_embedding") != "rope":
        return 0
    att = arch["attention"]
    rot = int(att["mla"]["qk_rope_head_dim"]) if att["structure"] == "MLA" else head_dim_of(arch)
    pos = int(arch.get("max_position_embeddings") or card.get("context_length") or 0)
    return pos * rot * 2


def weights_per_gpu(card: Mapping[str, Any], quant: Mapping[str, Any], catalogs: Any, tp: int,
                    gpu: Mapping[str, Any] | None, mxfp4_backend: str = "auto") -> Weights:
    """Bytes of the weights on each of ``tp`` GPUs, tensor by tensor, as vLLM loads them."""
    inv: Inventory = inventory(card)
    cq = compile_quant(quant, catalogs.tensor_types, catalogs.shape_fallback)
    layout = LayerLayout.of(inv)
    arch = card["architecture"]
    att = arch["attention"]
    mla = att["structure"] == "MLA"
    heads = int(att["heads"])
    q_out = 0
    if mla:
        q_out = heads * (int(att["mla"]["qk_nope_head_dim"]) + int(att["mla"]["qk_rope_head_dim"]))
    mxfp4 = cq.routed_experts.id == "MXFP4"
    s = Sharding(tp, heads, int(att.get("kv_heads") or heads), int(arch["hidden_size"]), q_out, mla,
                 mxfp4_padding(gpu, mxfp4_backend) if mxfp4 else None)
    keep_attn, keep_mlps = (False, 0)
    if cq.id == "FP8":
        keep_attn, keep_mlps = _FP8_BF16_MODULES.get(str(card.get("id")), (False, 0))
    bf16 = compile_quant(catalogs.quantization("BF16"), catalogs.tensor_types, catalogs.shape_fallback).default
    total = routed = 0
    for m in inv.matrices:
        kind = Tensor.of(m, inv).kind
        ne0, elements = _matrix_shape(m, s)
        types = list(cq.layer_types(kind.role, kind.routed, layout, kind.layers))
        if keep_attn and m.role in _ATTENTION_ROLES:
            types = [(bf16, sum(n for _, n in types))]
        elif keep_mlps and m.role in _MLP_ROLES and not m.routed and kind.layers != "global":
            (first, n_first), *rest = types
            types = [(bf16, keep_mlps), (first, n_first - keep_mlps), *rest]
        for storage, n_layers in types:
            b = storage.tensor_bytes(ne0, elements) * n_layers
            total += b
            if m.routed:
                routed += b
    extra = loaded_outside_parameters(card) * 2 // tp  # BF16, sharded
    rope = rope_cache_bytes(card)
    return Weights(total + extra + rope, routed, extra, rope)


# --- activation peak -----------------------------------------------------------------------------

def cudagraph_estimate(settings: Mapping[str, Any], release: str, eager: bool) -> str:
    """--cudagraph-estimate as planned: "on" only on the 0.21 line (older releases have no estimate)
    and with CUDA graphs (gpu_worker.py profiles no estimate under --enforce-eager)."""
    value = str(settings.get("cudagraph_estimate") or "off")
    if value == "on" and release not in ESTIMATE_LINES:
        raise PlanError("--cudagraph-estimate", f"on: vLLM's CUDA graph estimate came with v0.21.0; release line "
                        f"{release} has none; allowed: off, or --vllm-version 0.21")
    return "off" if eager else value


def model_runner(settings: Mapping[str, Any], release: str) -> str:
    """--model-runner as planned: "v2" only on the 0.21 line (older releases default to Model Runner V1
    and the rules of their V2 are not modelled)."""
    value = str(settings.get("model_runner") or ("v2" if release in MRV2_ONLY_LINES else "v1"))
    if value == "v2" and release not in ESTIMATE_LINES:
        raise PlanError("--model-runner", f"v2: Model Runner V2 is modelled as v0.27.0 to v0.32.x and v0.34.0 run "
                        f"it; release line {release} is older; allowed: v1, or --vllm-version 0.21 or 0.34")
    if value == "v1" and release in MRV2_ONLY_LINES:
        raise PlanError("--model-runner", "v1: vLLM 0.34.0 removed Model Runner V1; allowed: v2, or "
                        "--vllm-version 0.21 (v0.21.0-v0.33.x)")
    return value


def _runner_note(release: str, runner: str) -> str:
    """The plan's words on the model runner its command picks (release line 0.21 only)."""
    if release not in ESTIMATE_LINES:
        return ""
    warm = ("The plan assumes a warm torch.compile cache (from an earlier start of the same model and settings): a "
            "first start profiles about 0.5-1 GiB more for the compile, so its KV cache is that much smaller.")
    if release in MRV2_ONLY_LINES:
        return (f" Model Runner V2, the only one. The command sets {EXTENSIBLE_KV_OFF}: without it vLLM 0.34 "
                "reserves the whole device (gpu_memory_utilization 1.0) and sizes the KV cache after warm-up and "
                "CUDA graph capture from the memory then free, less a margin of max(1 GiB, 0.75 x the transient "
                "peak), which usually gives more KV cache than this plan but is not predicted here. " + warm
                + " No public vLLM 0.34 start-up log was found to check this line against.")
    if runner == "v2":
        return (f" The command sets {MODEL_RUNNER_V2}: Model Runner V2 as v{MRV2_RELEASES} run it (vLLM's default "
                "for every model from v0.29.0, for some from v0.22.0). " + warm + " v0.33.x added an FP32 sampler "
                "pass to the profile run (planned by --vllm-version 0.34, whose blocks differ); not modelled.")
    return (f" The command also sets {MODEL_RUNNER_V1}: from v0.22.0 vLLM runs more and more models on Model Runner "
            f"V2 by default (every model from v0.29.0; --model-runner v2 plans it as v{MRV2_RELEASES} run it). "
            "v0.34.0 removed Model Runner V1 and refuses this setting at start-up, so this plan holds for v0.21.0 "
            "to v0.33.x; plan v0.34.0 and later with --vllm-version 0.34.")


def sampler_sorts(rows: int, release: str) -> bool:
    """Whether the dummy sampler's top-k/top-p sorts the logits (every row on the 0.11 line; from
    v0.17, batches under TRITON_SAMPLER_MIN_ROWS rows) rather than running the Triton pivot search."""
    return release == "0.11" or rows < TRITON_SAMPLER_MIN_ROWS


def sampler_bytes(vocab: int, rows: int, release: str) -> int:
    """What the profile run's dummy sampler holds at its peak for ``rows`` rows of ``vocab`` logits
    (gpu_model_runner.py _dummy_sampler_run: top_k and top_p on for every row)."""
    if sampler_sorts(rows, release):
        return rows * vocab * SAMPLER_BYTES_PER_LOGIT
    programs = min(TRITON_SAMPLER_SMS, rows)
    scratch_rows = min(1 << (programs - 1).bit_length(), TRITON_SAMPLER_SMS)  # next power of two, capped
    return rows * vocab * TRITON_SAMPLER_BYTES_PER_LOGIT + scratch_rows * vocab * 4


def activation_peak(card: Mapping[str, Any], tp: int, batched_tokens: int, num_seqs: int,
                    release: str = DEFAULT_RELEASE, runner: str = "v1") -> int:
    """Torch peak increase of the profile run (gpu_model_runner.py GPUModelRunner.profile_run).

    The forward pass over ``batched_tokens`` tokens peaks inside one MLP: the residual and
    the normalised input (2 x hidden), the fused gate/up output (2 x intermediate/tp) and the
    activation output (intermediate/tp) per token; for MoE layers FusedMoE's workspaces
    (fused_moe.py fused_experts_impl: intermediate_cache1/2/3 = top_k x (2I + I)/tp + top_k x
    hidden per token). The dummy sampler run then holds ``min(max_num_seqs, batched_tokens)``
    rows of logits over the vocabulary (all-gathered over TP: full width on each rank), as
    sampler_bytes says for the release line, while the forward's hidden states are still alive.

    Model Runner V2 (``runner`` "v2", v0.27.0-v0.32.x: v1/worker/gpu/model_runner.py profile_run)
    runs the same forward with the attention kernels skipped (the projections still run) and the
    same rows of dummy logits, but its sampler leaves them in the model dtype: the dummy requests'
    default parameters need no processing (v1/worker/gpu/sample/sampler.py apply_sampling_params
    returns the logits as they are), and Gumbel sampling keeps only a row of block maxima.

    From v0.33.0 (the 0.34 line) _dummy_sampler_run runs the sampler a second time with
    SamplingParams.for_sampler_warmup (every feature on), while the model-dtype logits stay alive:
    WARMUP_PASS_BYTES_PER_LOGIT more per logit.
    """
    arch = card["architecture"]
    h = int(arch["hidden_size"])
    widths = [0]
    if arch.get("intermediate_size"):
        widths.append(3 * int(arch["intermediate_size"]) // tp)
    exp = arch.get("experts") if arch.get("type") == "moe" else None
    if exp:
        k, inner = int(exp["active"]), int(exp["intermediate_size"])
        widths.append(k * (3 * inner // tp + h))
        if exp.get("shared"):
            widths.append(3 * int(exp["shared"]) * int(exp["shared_intermediate_size"] or 0) // tp)
    att = arch["attention"]
    if att["structure"] != "MLA":
        hd = head_dim_of(arch)
        kv_rank = max(1, int(att["kv_heads"]) // tp)
        widths.append((2 * int(att["heads"]) // tp + 2 * kv_rank) * hd)  # q, k, v and the output
    forward = batched_tokens * ACT_BYTES * (2 * h + max(widths))
    rows = min(num_seqs, batched_tokens)
    # LogitsProcessor._get_logits drops the vocabulary padding before sampling.
    vocab = int(arch["vocab_size"])
    logits = rows * vocab * ACT_BYTES if runner == "v2" else sampler_bytes(vocab, rows, release)
    if runner == "v2" and release in MRV2_ONLY_LINES:
        logits += rows * vocab * WARMUP_PASS_BYTES_PER_LOGIT
    sampler = batched_tokens * h * ACT_BYTES + logits
    return max(forward, sampler)


def mrv2_sampler_buffers(vocab: int, num_seqs: int) -> int:
    """What Model Runner V2 allocates per request slot for the whole run, before the profile run
    (the same shapes in every wheel from v0.27.0 to v0.34.0):

    - v1/worker/gpu/sample/penalties.py PenaltiesState: an int32 count of every vocabulary entry
      (output_bin_counts) and a bit mask of the prompt's tokens (prompt_bin_mask, 32 entries per int32);
    - the sampler's other per-request tables (MRV2_SLOT_TABLE_BYTES);
    - v1/worker/gpu/structured_outputs.py StructuredOutputsWorker: a grammar bit mask of the vocabulary
      and a logits index (int32) per slot.

    vLLM counts them with the weights and the non-torch memory ("consumed memory"), before the KV cache."""
    bitmask = -(-vocab // 32) * 4
    return num_seqs * (vocab * 4 + bitmask + MRV2_SLOT_TABLE_BYTES + bitmask + 4)


# --- KV cache ------------------------------------------------------------------------------------

class KVLayout(NamedTuple):
    """The KV cache groups of one GPU (kv_cache_utils.py get_kv_cache_groups)."""

    page_bytes: int  # one block of one layer
    block_size: int
    group_size: int  # layers per group (the "num_layers" of get_num_blocks)
    groups: tuple[int | None, ...]  # per group: its sliding window (None: full attention)
    per_token_bytes: int  # all layers' KV of one token on this GPU (full-attention layers)
    layers: tuple[tuple[int | None, int], ...]  # (window, number of layers) per attention type
    # Hybrid models (state-space / linear-attention layers): groups of state layers and how many
    # layers keep a state; each takes one page per request, whatever its length.
    state_groups: int = 0
    state_layers: int = 0
    state_bytes: int = 0  # one request's state on this GPU, all layers, before padding
    state_blocks: int = 1  # blocks one request holds in each state group (state_blocks())
    # DeepSeek sparse attention: the indexer keys' share of per_token_bytes (all layers), and the
    # tokens each query's sparse attention reads from the latent cache (index_topk); 0 otherwise.
    indexer_token_bytes: int = 0
    top_k: int = 0


def kv_layout(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int = ACT_BYTES,
              release: str = DEFAULT_RELEASE, gpu: Mapping[str, Any] | None = None) -> KVLayout:
    """Per-layer KV specs (kv_cache_interface.py) and the hybrid allocator's grouping.

    FullAttentionSpec / SlidingWindowSpec page = block_size x kv_heads_per_rank x head_size x 2
    (K and V) x dtype bytes; MLAAttentionSpec page = block_size x (kv_lora_rank +
    qk_rope_head_dim) x dtype bytes, the same on every TP rank (the latent is not split).
    Chunked local attention (Llama 4): vLLM turns the hybrid manager off for it by default
    (config/vllm.py, VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE unset), so every layer
    is full attention. Hybrid models (sliding + full) are split into groups of equal layer
    counts (_get_kv_cache_groups_uniform_page_size): group size = the smaller type's layer
    count, or the larger one when it is under 1.5x the smaller; the last group of a type is
    padded.

    State-space and linear-attention layers (``state_bytes``: the model dtype's width) are
    grouped the same way beside the attention layers, on one page size (state_pages); a request
    holds state_blocks() of each state group (the line's Mamba cache mode; ``gpu`` for gated DeltaNet).
    ``release``: the line, for its block size (BLOCK_SIZES) and its hybrid rules.

    DeepSeek sparse attention (``kv_bytes`` from dsa_kv_bytes): each layer's token is the latent
    (656 bytes fp8_ds_mla, or 576 x 2 BF16) plus the indexer's key (indexer_key_bytes), in one
    group (the DSA_* note above).
    """
    arch = card["architecture"]
    att = arch["attention"]
    L = int(arch["layers"])
    if arch.get("layer_pattern") and _state_layer_counts(arch)[1]:
        return _hybrid_layout(card, tp, kv_bytes, state_bytes, release, gpu)
    block_size = BLOCK_SIZES[release]
    indexer = att.get("sparse_indexer")
    idx_token = 0
    if att["structure"] == "MLA":
        mla = att["mla"]
        block = MLA_BLOCK_SIZE
        per_layer_token = (int(mla["kv_lora_rank"]) + int(mla["qk_rope_head_dim"])) * kv_bytes
        if indexer:
            if kv_bytes == 1:
                per_layer_token = DSA_FP8_LATENT_BYTES
            idx_token = indexer_key_bytes(int(indexer["head_dim"]))
            per_layer_token += idx_token
    else:
        block = block_size
        kv_rank = max(1, int(att["kv_heads"]) // tp)
        per_layer_token = 2 * kv_rank * head_dim_of(arch) * kv_bytes
    page = block * per_layer_token
    sw = att.get("sliding_window")
    counts: dict[int | None, int] = {}
    if sw and sw.get("kind", "sliding") == "sliding":
        for g in memory.kv_groups(card):
            counts[g.window] = counts.get(g.window, 0) + g.layers
    else:
        counts[None] = gemma3n.cache_layers(arch)
    # Gemma 3n: a layer with a kv_sharing_target_layer_name (model_executor/models/gemma3n.py
    # Gemma3nAttention, v0.10-0.11) gets no KV cache spec (v1/worker/gpu_model_runner.py
    # get_kv_cache_spec records it in shared_kv_cache_layers and skips it), so only the layers
    # that own a cache count; memory.kv_groups leaves the shared ones out.
    L = sum(counts.values())
    layers = tuple(counts.items())
    if len(counts) == 1:
        (window,) = counts
        return KVLayout(page, block, L, (window,), per_layer_token * L, layers,
                        indexer_token_bytes=idx_token * L, top_k=int(indexer["top_k"]) if indexer else 0)
    lo, hi = min(counts.values()), max(counts.values())
    group_size = hi if hi < lo * 1.5 else lo
    groups: list[int | None] = []
    for window, n in counts.items():
        groups += [window] * (-(-n // group_size))
    return KVLayout(page, block, group_size, tuple(groups), per_layer_token * L, layers)


def _hybrid_layout(card: Mapping[str, Any], tp: int, kv_bytes: int, state_bytes: int, release: str,
                   gpu: Mapping[str, Any] | None) -> KVLayout:
    """kv_layout of a model with state layers: full-attention layers and state layers, two types
    of one page size (state_pages), grouped by the same rule as sliding + full attention."""
    arch = card["architecture"]
    n_attn, n_state = _state_layer_counts(arch)
    sp = state_pages(card, tp, kv_bytes, state_bytes, release)
    per_layer_token = sp.page_bytes // sp.block_size if n_attn else 0
    sizes = [n for n in (n_attn, n_state) if n]
    lo, hi = min(sizes), max(sizes)
    size = hi if hi < lo * 1.5 else lo
    return KVLayout(sp.page_bytes, sp.block_size, size, (None,) * -(-n_attn // size), per_layer_token * n_attn,
                    ((None, n_attn),) if n_attn else (), -(-n_state // size), n_state, sp.state_bytes * n_state,
                    state_blocks=state_blocks(card, release, gpu))


def layer_blocks(window: int | None, block_size: int, max_model_len: int, batched_tokens: int) -> int:
    """Blocks one layer keeps for one max_model_len request (spec.max_memory_usage_bytes / page).

    FullAttentionSpec: cdiv(max_model_len, block_size). SlidingWindowSpec: cdiv(min(window - 1 +
    max_num_batched_tokens, max_model_len), block_size) + 1 (the window may start mid-block).
    """
    if window is None:
        return -(-max_model_len // block_size)
    return -(-min(window - 1 + batched_tokens, max_model_len) // block_size) + 1


def blocks_per_request(layout: KVLayout, max_model_len: int, batched_tokens: int) -> int:
    """Blocks (of all group_size layers) one request takes: the sum over the groups
    (kv_cache_utils.py get_max_concurrency_for_kv_cache_config); a state group takes state_blocks."""
    return (sum(layer_blocks(w, layout.block_size, max_model_len, batched_tokens) for w in layout.groups)
            + layout.state_groups * layout.state_blocks)


class KVRules(NamedTuple):
    """How a release line's vLLM checks one request against the KV budget and prints its capacity."""

    # v0.19.0 on: the start check is per group, padding layers included: page x group size x the blocks
    # one request takes in every group (kv_cache_utils.py _max_memory_usage_bytes_from_groups). v0.11.0
    # summed every layer's own need (check_enough_kv_cache_memory); v0.17.0-v0.18.x counted only the
    # first group's blocks (the 0.17 line follows v0.19-v0.20, which is stricter).
    grouped_check: bool
    # v0.21.0 on: "GPU KV cache size" = int(max_concurrency x max_model_len) (_report_kv_cache_config,
    # v0.34 kv_cache_utils.py get_kv_cache_capacity); before: blocks // groups x the smallest block size.
    tokens_from_concurrency: bool
    # v0.29.0 on: the start check (and the largest max_model_len) leave out one block, the null block
    # BlockPool holds back (v1/core/kv_cache_planning.py get_kv_cache_configs); the 0.34 line only.
    null_block_held: bool


KV_RULES = {"0.11": KVRules(False, False, False), "0.17": KVRules(True, False, False),
            "0.21": KVRules(True, True, False), "0.34": KVRules(True, True, True)}


def request_bytes(layout: KVLayout, max_model_len: int, batched_tokens: int, release: str) -> int:
    """KV bytes the start check says one max_model_len request needs (KVRules.grouped_check): per
    group on the lines from 0.17 on; layer by layer on the 0.11 line (a MambaSpec layer: one page)."""
    if KV_RULES[release].grouped_check:
        return layout.page_bytes * layout.group_size * blocks_per_request(layout, max_model_len, batched_tokens)
    return (sum(n * layer_blocks(w, layout.block_size, max_model_len, batched_tokens) * layout.page_bytes
                for w, n in layout.layers)
            + layout.state_layers * layout.page_bytes)


def checked_memory(layout: KVLayout, available: int, release: str) -> int:
    """The KV budget the start check compares one request with (KVRules.null_block_held)."""
    return available - layout.page_bytes * layout.group_size if KV_RULES[release].null_block_held else available


class KVResult(NamedTuple):
    num_blocks: int
    tokens: int  # "GPU KV cache size: N tokens"
    max_concurrency: float  # "Maximum concurrency for N tokens per request: X"
    allocated: int  # bytes of KV tensors on each GPU
    needed_one_request: int  # bytes one max_model_len request needs (the start check)
    start_ok: bool  # whether vLLM starts: the budget is positive and holds one request


def kv_capacity(layout: KVLayout, available: int, max_model_len: int, batched_tokens: int,
                release: str) -> KVResult:
    """kv_cache_utils.py get_kv_cache_config_from_groups / get_num_blocks (blocks = available //
    (page x group size)), get_max_concurrency_for_kv_cache_config (blocks / blocks one request takes)
    and the printed tokens (KVRules.tokens_from_concurrency).

    Before v0.21 the printed tokens divide by every group, state groups included, and take the
    smallest block size of the groups: a MambaSpec's block size is max_model_len."""
    per_block = layout.page_bytes * layout.group_size
    num_blocks = max(available, 0) // per_block
    need_blocks = blocks_per_request(layout, max_model_len, batched_tokens)
    concurrency = num_blocks / need_blocks
    if KV_RULES[release].tokens_from_concurrency:
        tokens = int(concurrency * max_model_len)
    else:
        smallest = layout.block_size
        if layout.state_groups:
            smallest = min(layout.block_size, max_model_len) if layout.groups else max_model_len
        tokens = num_blocks // (len(layout.groups) + layout.state_groups) * smallest
    needed = request_bytes(layout, max_model_len, batched_tokens, release)
    start_ok = available > 0 and needed <= checked_memory(layout, available, release)
    return KVResult(num_blocks, tokens, concurrency, num_blocks * per_block, needed, start_ok)


def max_model_len_that_fits(layout: KVLayout, available: int, most: int, batched_tokens: int, release: str) -> int:
    """kv_cache_utils.py estimate_max_model_len / _estimate_max_model_len_from_groups: the largest
    max_model_len (binary search up to ``most``) whose one request passes the start check; 0 when not
    even one token does."""
    budget = checked_memory(layout, available, release)

    def fits(n: int) -> bool:
        return request_bytes(layout, n, batched_tokens, release) <= budget

    return largest_that_fits(1, most, fits) or 0


# --- the plan ------------------------------------------------------------------------------------

def _allowed_tp(heads: int, kv_heads: int) -> list[int]:
    return [d for d in range(1, 65) if heads % d == 0 and (kv_heads % d == 0 or d % kv_heads == 0)]


def _loadable(card: Mapping[str, Any], entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The catalog quantization ``entry`` as a safetensors checkpoint of ``card`` stores it, else None
    (a GGUF file type; a layout no checkpoint of the card has; MXFP4 on a model not shipped in it)."""
    if entry.get("format") != "safetensors":
        return None
    if entry["id"] == "MXFP4" and native_quant_id(card) != "MXFP4":
        return None  # vLLM loads MXFP4 only for checkpoints shipped in it (gpt-oss)
    return native.as_stored(card, entry)


def _resolve_quant(card: Mapping[str, Any], catalogs: Any, raw: str | None) -> Mapping[str, Any]:
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


def checkpoint_of(card: Mapping[str, Any], quant_id: str) -> str:
    """"published" (the checkpoint the command names), "online" (the published BF16 weights converted
    at load: ONLINE_QUANT_FLAGS) or "other" (a checkpoint of that quantization, published apart)."""
    native_id = native_quant_id(card)
    if quant_id == (native_id or "BF16"):
        return "published"
    return "online" if native_id is None and quant_id in ONLINE_QUANT_FLAGS else "other"


def hf_repo(card: Mapping[str, Any]) -> str:
    """The Hugging Face repository of the card's sources (owner/name), else the card id."""
    for s in card.get("sources") or []:
        url = str(s.get("url", ""))
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


def _active_param_count(card: Mapping[str, Any]) -> int | None:
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
    quant: Mapping[str, Any]   # the quantization as stored (_resolve_quant)
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
                      if _state_layer_counts(arch)[1] and arch.get("layer_pattern") else "")
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
    quant = _resolve_quant(card, catalogs, settings.get("quant"))
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
    active_params = _active_param_count(card)
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
            + estimate + _runner_note(s.release, s.runner))


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
    if s.mxfp4_backend == "marlin" and gpu is not None and _gpu_family(gpu) in ("blackwell", "rocm"):
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
