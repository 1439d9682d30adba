"""Numbers read in vLLM's source (block sizes, vocabulary padding, batch defaults, the sampler's
bytes per logit, DeepSeek sparse attention's cache) and the quantities vLLM measures at run time,
taken as stated constants (non-torch memory, NCCL buffers, CUDA graphs, the CUDA context)."""

from __future__ import annotations

from typing import Any, Mapping



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
