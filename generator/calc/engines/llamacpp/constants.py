"""Numbers read in llama.cpp's source that several steps share."""

from __future__ import annotations




PAD = 256  # llama-context.cpp llama_context ctor: GGML_PAD(n_ctx, 256); llama-kv-cache-iswa.cpp: SWA cells
F32 = 4  # bytes of an activation (ggml graphs compute in F32)
AUTO_PARALLEL = 4  # tools/server/server.cpp main: n_parallel < 0 (auto) -> 4 slots, kv_unified = true
OP_OFFLOAD_MIN_BATCH = 32  # ggml-cuda.cu ggml_backend_cuda_device_offload_op: batch >= 32
# llama-context.cpp llama_context ctor: with pipeline parallelism the scheduler keeps
# GGML_SCHED_MAX_COPIES (4) copies of the graph inputs, one per micro-batch in flight.
PIPELINE_COPIES = 4
# llama.cpp's cache types (common/arg.cpp kv_cache_types) by catalog tensor-type id.
CACHE_TYPES = ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "IQ4_NL", "Q5_0", "Q5_1")
