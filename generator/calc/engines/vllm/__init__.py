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

One module per job, each importing only the ones listed before it:

- ``releases``: the release lines (--vllm-version), the basis a plan names, Model Runner V2, and
  ``outside_basis`` (which logged runs the rules follow);
- ``constants``: numbers read in vLLM's source, and the run-time quantities taken as constants;
- ``options``: the engine's own options (``OPTIONS``) and their parsers;
- ``weights``: step 1, the checkpoint as loaded per GPU;
- ``activation``: the profile run's peak (part of step 2);
- ``hybrid``: the state pages of state-space and linear-attention layers;
- ``kv``: step 3, layer groups, blocks, capacity and the longest context;
- ``planner``: the plan in stages (resolve, weights, activation, kv_cache, command, notes).

This package's face hands on what the engine interface (``generator.calc.engines``), the site
and the tests use.
"""

from generator.calc.engines.vllm.releases import (
    BASES,
    BASIS,
    BASIS_MRV2,
    CUDAGRAPH_ESTIMATE_OFF,
    DEFAULT_RELEASE,
    DEFAULT_UTILIZATION,
    ESTIMATE_LINES,
    EXTENSIBLE_KV_OFF,
    LINE_RELEASES,
    MODEL_RUNNER_V1,
    MRV2_ONLY_LINES,
    MRV2_RELEASES,
    RELEASE_LINES,
    basis,
    outside_basis,
    planned_runner,
    release_line,
    runs_model_runner_v2,
)
from generator.calc.engines.vllm.constants import (
    BATCHED_TOKENS_HUGE,
    BATCHED_TOKENS_LARGE,
    BATCHED_TOKENS_SMALL,
    BLOCK_SIZES,
    CUDA_CONTEXT_BYTES,
    CUDA_GRAPH_BYTES,
    HUGE_GPU_BYTES,
    KV_DTYPES,
    LARGE_GPU_BYTES,
    MAX_SEQS_LARGE,
    MAX_SEQS_SMALL,
    NCCL_TP_BYTES,
    NON_TORCH_BYTES,
    dsa_kv_bytes,
    topk_buffer_bytes,
)
from generator.calc.engines.vllm.options import (
    OPTIONS,
)
from generator.calc.engines.vllm.weights import (
    gpu_family,
    loaded_outside_parameters,
    mxfp4_padding,
    native_quant_id,
    rope_cache_bytes,
    weights_per_gpu,
)
from generator.calc.engines.vllm.activation import (
    activation_peak,
    mrv2_sampler_buffers,
    sampler_bytes,
)
from generator.calc.engines.vllm.kv import (
    KV_RULES,
    blocks_per_request,
    kv_capacity,
    kv_layout,
    layer_blocks,
    max_model_len_that_fits,
    request_bytes,
)
from generator.calc.engines.vllm.hybrid import (
    PREFIX_CACHING_OFF,
    PREFIX_CACHING_OFF_LINES,
    allowed_tp,
    gdn_generation,
    state_blocks,
    state_page_elements,
    state_pages,
)
from generator.calc.engines.vllm.planner import (
    NAME,
    ONLINE_QUANT_FLAGS,
    active_param_count,
    active_weights_per_gpu,
    hf_repo,
    plan,
    resolve,
    resolve_quant,
    smallest_gpu_memory,
    unsupported,
)

__all__ = [
    "activation_peak",
    "active_param_count",
    "active_weights_per_gpu",
    "allowed_tp",
    "BASES",
    "BASIS",
    "BASIS_MRV2",
    "basis",
    "BATCHED_TOKENS_HUGE",
    "BATCHED_TOKENS_LARGE",
    "BATCHED_TOKENS_SMALL",
    "BLOCK_SIZES",
    "blocks_per_request",
    "CUDA_CONTEXT_BYTES",
    "CUDA_GRAPH_BYTES",
    "CUDAGRAPH_ESTIMATE_OFF",
    "DEFAULT_RELEASE",
    "DEFAULT_UTILIZATION",
    "dsa_kv_bytes",
    "ESTIMATE_LINES",
    "EXTENSIBLE_KV_OFF",
    "gdn_generation",
    "gpu_family",
    "hf_repo",
    "HUGE_GPU_BYTES",
    "kv_capacity",
    "KV_DTYPES",
    "kv_layout",
    "KV_RULES",
    "LARGE_GPU_BYTES",
    "layer_blocks",
    "LINE_RELEASES",
    "loaded_outside_parameters",
    "max_model_len_that_fits",
    "MAX_SEQS_LARGE",
    "MAX_SEQS_SMALL",
    "MODEL_RUNNER_V1",
    "MRV2_ONLY_LINES",
    "MRV2_RELEASES",
    "mrv2_sampler_buffers",
    "mxfp4_padding",
    "NAME",
    "native_quant_id",
    "NCCL_TP_BYTES",
    "NON_TORCH_BYTES",
    "ONLINE_QUANT_FLAGS",
    "OPTIONS",
    "outside_basis",
    "plan",
    "planned_runner",
    "PREFIX_CACHING_OFF",
    "PREFIX_CACHING_OFF_LINES",
    "release_line",
    "RELEASE_LINES",
    "request_bytes",
    "resolve",
    "resolve_quant",
    "rope_cache_bytes",
    "runs_model_runner_v2",
    "sampler_bytes",
    "smallest_gpu_memory",
    "state_blocks",
    "state_page_elements",
    "state_pages",
    "topk_buffer_bytes",
    "unsupported",
    "weights_per_gpu",
]
