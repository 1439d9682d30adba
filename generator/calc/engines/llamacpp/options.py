"""llama.cpp's own `llmcards plan` options (OPTIONS), their parsers, and the context one slot gets."""

from __future__ import annotations

from typing import Any, Mapping

from generator.calc.engines import (
    Option,
    PlanError,
    parse_choice,
    parse_flag,
    parse_text,
)
from generator.calc.engines.llamacpp.constants import CACHE_TYPES


# --- options ---------------------------------------------------------------------------------

def _whole(raw: Any) -> int | None:
    """An int given as an int or as decimal text ("512"); None for anything else (bools, "1.5", "x")."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _positive_int(option: str, raw: Any) -> int:
    value = _whole(raw)
    if value is None or value < 1:
        raise PlanError(option, f"{raw!r}: allowed: a whole number from 1")
    return value


def _int_or_auto(allow_zero: bool) -> Any:
    least = 0 if allow_zero else 1

    def parse(option: str, raw: Any) -> int | str:
        if isinstance(raw, str) and raw.strip().lower() == "auto":
            return "auto"
        value = _whole(raw)
        if value is None or value < least:
            raise PlanError(option, f"{raw!r}: allowed: auto or a whole number from {least}")
        return value
    return parse


def parse_cache_type(option: str, raw: Any) -> str | None:
    if raw is None:
        return None
    value = str(raw).strip().upper()
    if value not in CACHE_TYPES:
        raise PlanError(option, f"{raw!r}: allowed: {', '.join(t.lower() for t in CACHE_TYPES)}")
    return value


def parse_tensor_split(option: str, raw: Any) -> tuple[float, ...] | None:
    """--tensor-split "3,1": one non-negative share per GPU (common/arg.cpp), not all zero."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "auto")):
        return None
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace("/", ",").split(",")
    try:
        shares = tuple(float(x) for x in items)
    except (TypeError, ValueError):
        shares = ()
    if not shares or any(x < 0 for x in shares) or not any(shares):
        raise PlanError(option, f"{raw!r}: allowed: auto, or one share per GPU, comma-separated, not negative and "
                                "not all zero (e.g. 3,1)")
    return shares


def _context(option: str, raw: Any) -> int | None:
    return None if raw is None else _positive_int(option, raw)


OPTIONS: dict[str, Option] = {
    "quant": Option("Q4_K_M", parse_text, "GGUF quantization of the file (schema/quantizations.yaml id)"),
    "context": Option(None, _context, "-c: context size; default: the model's training context "
                                      "(common_params.n_ctx = 0)"),
    "kv_dtype": Option("F16", parse_cache_type, "cache type of K and V (-ctk/-ctv) unless set apart"),
    "kv_type_k": Option(None, parse_cache_type, "-ctk: K cache type (default: --kv-dtype)"),
    "kv_type_v": Option(None, parse_cache_type, "-ctv: V cache type (default: --kv-dtype)"),
    "parallel": Option("auto", _int_or_auto(False), "-np: slots; auto = 4 slots sharing one unified KV cache"),
    "ubatch": Option(512, _positive_int, "-ub: physical batch (tokens per graph evaluation)"),
    "batch": Option(2048, _positive_int, "-b: logical batch (caps --ubatch)"),
    "flash_attn": Option("auto", parse_choice("on", "off", "auto"), "-fa on|off|auto (auto: on where the GPU supports it)"),
    "swa_full": Option(False, parse_flag, "--swa-full: full-size cache for sliding-window layers"),
    "cpu_only": Option(False, parse_flag, "--cpu-only: no GPU (a CPU build of llama.cpp): weights, KV cache "
                                          "and compute buffers all in system RAM"),
    "tensor_split": Option(None, parse_tensor_split, "-ts: each GPU's share of the layers; auto: equal (identical GPUs: "
                                         "llama.cpp's default, proportional to free memory), or where that does not "
                                         "fit with every layer on the GPUs, the GPUs filled in order"),
    "n_gpu_layers": Option("auto", _int_or_auto(True), "-ngl: layers on the GPU(s), the last N; auto: all that fit"),
    "cpu_moe_layers": Option("auto", _int_or_auto(True), "--n-cpu-moe: expert tensors of the first N layers in "
                                                        "system RAM; auto: the fewest that fit"),
}



def sequence_context(settings: Mapping[str, Any]) -> int | None:
    """The context one sequence gets from these settings (what must not exceed the model's maximum).

    llama-server's -c is the cache of all slots: with an explicit -np N the slots split it
    (n_ctx_seq = n_ctx / N); with -np auto the 4 slots share one unified cache and each may
    use all of it (tools/server/server.cpp, llama-context.cpp llama_context ctor).
    """
    context = settings.get("context")
    par = settings.get("parallel", "auto")
    if context is None or par in (None, "auto"):
        return context
    return int(context) // int(par)
