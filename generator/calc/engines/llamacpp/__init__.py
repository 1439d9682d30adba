"""llama.cpp (llama-server) memory plan: what each device and the host allocate (pure).

Every rule cites the llama.cpp file and function it follows; site/engine-llamacpp.md
explains them with the assumptions. Buffers are those llama.cpp prints at start-up:
``<dev> model buffer size`` (weights), ``KV buffer size``, ``<dev> compute buffer size``,
``CUDA_Host compute buffer size`` and ``output buffer size``.

One module per job, each importing only the ones listed before it:

- ``constants``: numbers read in llama.cpp's source that several steps share;
- ``builds``: the builds the rules follow (``BASIS``) and ``outside_basis`` (which logged runs they cover);
- ``layers``: the GGUF weights and the KV cache layer by layer, as llama.cpp places them;
- ``options``: the engine's own options (``OPTIONS``) and the context one slot gets;
- ``buffers``: KV cells, bytes per cell and the compute graph's widths;
- ``placement``: layers and experts over the GPUs and the host, and the bytes per device;
- ``planner``: the plan (offload, fits, longest context, speed bound, command, assumptions).

This package's face hands on what the engine interface (``generator.calc.engines``), the site
and the tests use.
"""

from generator.calc.engines.llamacpp.constants import (
    AUTO_PARALLEL,
    CACHE_TYPES,
    F32,
    OP_OFFLOAD_MIN_BATCH,
    PAD,
    PIPELINE_COPIES,
)
from generator.calc.engines.llamacpp.builds import (
    BASIS,
    outside_basis,
)
from generator.calc.engines.llamacpp.options import (
    OPTIONS,
    sequence_context,
)
from generator.calc.engines.llamacpp.buffers import (
    Shape,
)
from generator.calc.engines.llamacpp.placement import (
    state_per_sequence,
)
from generator.calc.engines.llamacpp.planner import (
    NAME,
    backend_name,
    device_capacity,
    file_type,
    host_bandwidth,
    is_gguf,
    n_swa_of,
    plan,
    train_context,
    unsupported,
    yarn_extension,
)

__all__ = [
    "AUTO_PARALLEL",
    "backend_name",
    "BASIS",
    "CACHE_TYPES",
    "device_capacity",
    "F32",
    "file_type",
    "host_bandwidth",
    "is_gguf",
    "n_swa_of",
    "NAME",
    "OP_OFFLOAD_MIN_BATCH",
    "OPTIONS",
    "outside_basis",
    "PAD",
    "PIPELINE_COPIES",
    "plan",
    "sequence_context",
    "Shape",
    "state_per_sequence",
    "train_context",
    "unsupported",
    "yarn_extension",
]
