"""vLLM's own `llmcards plan` options (OPTIONS) and their parsers."""

from __future__ import annotations

from typing import Any, Callable

from generator.calc.engines import (
    Option,
    PlanError,
    parse_choice,
    parse_flag,
    parse_float,
    parse_int,
)
from generator.calc.engines.vllm.constants import KV_DTYPES
from generator.calc.engines.vllm.releases import (
    CUDAGRAPH_ESTIMATE_OFF, DEFAULT_RELEASE, MODEL_RUNNER_V1, RELEASE_LINES, release_line, version_tuple,
)


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
    version = None if isinstance(raw, bool) else version_tuple(text)
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
