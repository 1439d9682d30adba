"""Engine memory plans: what llama.cpp and vLLM really allocate for a model (pure, no I/O).

``plan(card, catalogs, request) -> dict`` is what ``llmcards plan --format json`` prints,
what the site exports per model for a few common setups, and what
tests/calc/test_engine_accuracy.py compares with engines' printed numbers.

One module per engine (``llamacpp``, ``vllm``). Each exposes:

    NAME: str                       # "llama.cpp" | "vllm" (the --engine value)
    BASIS: str                      # the engine version the rules follow, e.g. "llama.cpp b6700 (2025-10-08)"
    OPTIONS: dict[str, Option]      # the engine's own options (CLI name without "--", "-" -> "_")
    def unsupported(card) -> str | None     # why this engine version cannot run the card, else None
    def plan(card, catalogs, settings, hardware) -> dict   # the fields of the shape below from "settings" on

``settings`` holds every option: the common ones (``COMMON_OPTIONS``) and the engine's
own, as given, else the Option's default; a default of None means "the engine resolves it
from the card" (e.g. the context), and the engine's returned "settings" holds every
value resolved. ``hardware`` is a ``Hardware``. Engines raise ``PlanError`` for a setting
that cannot apply to this card (a tensor-parallel size that does not divide the
heads, a context above the model's maximum, ...).

Shape (stable API, ``API_VERSION``)::

    {
      "api_version": 1,
      "engine": "llama.cpp" | "vllm",
      "engine_basis": str,                 # BASIS of the engine module
      "model": str,                        # card id
      "supported": bool,                   # false: "unsupported_reason" says why; no numbers then
      "unsupported_reason": str | null,
      "settings": {option: value},         # every option, resolved, defaults included
      "devices": [{"name": str,            # "CUDA0", "GPU 0", ... ("GPU" when no hardware given)
                   "gpu": str | null,      # catalog id; null: no hardware given
                   "weights_bytes": int, "kv_cache_bytes": int, "compute_buffer_bytes": int,
                   "overhead_bytes": int, "total_bytes": int,
                   "capacity_bytes": int | null}],   # what the engine may use on this device
      "host": {"weights_bytes": int, "kv_cache_bytes": int, "compute_buffer_bytes": int, "total_bytes": int},
      "kv_cache_bytes_per_token": int,     # all layers, all devices, one sequence (full-attention layers)
      "fits": bool | null,                 # null: no hardware given
      "max_context_that_fits": int | null,
      "kv_cache_capacity_tokens": int | null,   # vllm; null for llama.cpp
      "max_concurrency": float | null,          # vllm; null for llama.cpp
      "offload": {...} | null,             # llama.cpp: what moved to system RAM and the flags that do it
      "components": {str: int | float},    # every quantity the engine prints at start-up, by the names
                                           # of tests/calc/engine_cases/*.yaml "measured" (bytes, tokens,
                                           # or a ratio for max_concurrency): what the accuracy test compares
      "command": str,                      # llama-server / vllm serve command line for this plan
      "speed": {"decode_tokens_per_s_upper_bound": float | null,
                "prefill_tokens_per_s_upper_bound": float | null, "basis": str},
      "assumptions": [str]
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple

API_VERSION = 1

# Options every engine takes (each engine's OPTIONS defines them too, with its own default):
# --quant, --context, --kv-dtype, --parallel.
COMMON_OPTIONS = ("quant", "context", "kv_dtype", "parallel")


class PlanError(ValueError):
    """A usage error in a plan request: names the option and the allowed values (exit 2)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option  # as the user wrote it: "--tensor-parallel"
        self.message = message


@dataclass(frozen=True)
class Option:
    """One engine option: its default and how a raw value is read (raise PlanError on a bad one)."""

    default: Any
    parse: Callable[[str, Any], Any]  # (option name, raw value) -> value
    help: str


class Hardware(NamedTuple):
    """The hardware a plan is for; ``gpu`` None: no hardware given (report needs only)."""

    gpu: Mapping[str, Any] | None  # the schema/gpus.yaml entry
    count: int  # how many of that GPU
    ram_bytes: int | None  # system RAM, --ram-gb
    ram_bandwidth_bytes_per_s: int | None  # system memory class (for bytes read from RAM)
    # Device memory as the driver reports it (vLLM's total_gpu_memory); None: the catalog's
    # memory_bytes. The accuracy cases set it from the log.
    memory_bytes: int | None = None


def plan(card: Mapping[str, Any], catalogs: Any, engine: str, options: Mapping[str, Any],
         hardware: Hardware) -> dict[str, Any]:
    """The plan of ``engine`` ("llama.cpp" | "vllm") for ``card`` on ``hardware`` (the shape above).

    ``options``: option name (underscores, e.g. "tensor_parallel") -> value already parsed, for
    the options the user gave; absent means default. Raises PlanError for an unknown option,
    an option of the other engine, or a value the engine cannot take.
    (Stub until the plancli work fills it in: resolve settings, dispatch to the engine module.)
    """
    raise NotImplementedError
