"""The best way to run a model on a setup with an engine: the rule the site shows everywhere.

Every figure comes from generator.calc.engines.plan (what ``llmcards plan`` prints); this
module only decides which options to ask it for. The rule, as the "What can I run?" page
states it:

llama.cpp
    The context is 8,192 tokens, or the model's maximum when that is smaller (``CONTEXT``).
    Quantizations are tried from the most bits per weight to the fewest (bits from
    schema/quantizations.yaml) among Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q3_K_M and Q2_K
    (``GGUF_QUANTS``); one that has no GGUF file for the model is skipped.
    1. The first that fits entirely on the GPU(s), every layer there (``-ngl`` all, no
       ``--n-cpu-moe``): fit "yes".
    2. Else, on a setup with separate system RAM (not unified memory), the first from
       Q4_K_M down (``OFFLOAD_QUANTS``) that fits with llama.cpp's automatic offload (routed
       experts, then whole layers, to system RAM; ``llmcards plan``'s default): fit
       "offload". Every byte left in system RAM is read per token at the RAM's bandwidth, so
       once the GPU cannot hold the model more bits cost speed twice over; Q4_K_M is the
       size people run offloaded models at, not Q8_0.
    3. Else the fewest-bits quantization's plan with automatic offload, which does not fit:
       fit "no".
    The chosen plan is the one ``llmcards plan --engine llama.cpp --quant Q --context C``
    prints for the setup (automatic offload is its default and changes nothing when
    everything fits on the GPU).

vLLM
    The same context. Checkpoints are tried in this order: the one the model is published in
    (the card's ``release.quantization``, e.g. MXFP4 for gpt-oss, FP8 for DeepSeek-V3; else
    BF16); for a 16-bit release, then FP8 (vLLM quantizes on load) and 4-bit AWQ; for an FP8
    release, then 4-bit AWQ; a release already in 4 bits only as published (``checkpoints``).
    For each checkpoint, tensor-parallel sizes from the smallest (1, 2, 4, ... up to the
    setup's GPUs; sizes the model's heads do not allow are skipped). The first that fits:
    fit "yes"; vLLM never offloads. Else the last plan made (fewest bits, most GPUs): fit
    "no". On Apple silicon vLLM does not run: "unsupported".

CPU only (a machine without a GPU: ``llmcards plan --cpu-only --ram-gb N --ram-class C``)
    llama.cpp: the same context; quantizations from Q4_K_M down (``OFFLOAD_QUANTS``; the
    fewest-bits one the model has when none of them has a file): the first whose CPU-only plan
    fits in the system RAM: fit "yes"; else the fewest-bits plan: fit "no" (no RAM given: the
    first's plan, fit None). Every byte is read from RAM for each token, so more bits cost speed,
    as with offload. vLLM: "unsupported", its reason ``NEEDS_GPU``.

Without hardware (the "none" setup) each engine's default plan is kept (what the model
needs); its fit is None. The longest context that fits is the plan's own
``max_context_that_fits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from generator.calc import engines, max_context_of
from generator.calc.engines import Hardware, PlanError

CONTEXT = 8192
GGUF_QUANTS = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K")
OFFLOAD_QUANTS = ("Q4_K_M", "Q3_K_M", "Q2_K")   # tried when the model must be split with system RAM
ALL_ON_GPU = {"n_gpu_layers": 999, "cpu_moe_layers": 0}   # -ngl 999 is capped at the model's layers

# Engines that do not run without a GPU, and what the site says instead of a plan ("CPU only").
NEEDS_GPU = {"vllm": "vLLM needs a GPU (these plans follow its CUDA build; vLLM's separate CPU build "
                     "is not modelled)"}

# fit values
YES, OFFLOAD, NO = "yes", "offload", "no"

Planner = Callable[[Mapping[str, Any], Any, str, Mapping[str, Any], Hardware], dict[str, Any]]


@dataclass(frozen=True)
class Best:
    """The chosen plan and why: ``options`` reproduce it with engines.plan (and ``llmcards plan``)."""

    plan: dict[str, Any]
    options: dict[str, Any]
    fit: str | None            # YES, OFFLOAD, NO; None without hardware
    why: str

    def choice(self) -> dict[str, Any]:
        """The plans file's "choice" object."""
        settings = self.plan.get("settings") or {}
        offload = self.plan.get("offload")
        moved = isinstance(offload, Mapping) and not str(offload.get("moved", "nothing")).startswith("nothing")
        return {"quant": settings.get("quant", self.options.get("quant")),
                "context": settings.get("context", self.options.get("context")),
                "tensor_parallel": settings.get("tensor_parallel"),
                "offload": bool(moved), "fit": self.fit, "options": dict(self.options), "why": self.why}


def context_for(card: Mapping[str, Any]) -> int | None:
    """The context every choice is made at: 8,192 tokens, or the model's maximum when smaller."""
    most = max_context_of(card)
    return CONTEXT if most is None else min(CONTEXT, most)


def _bits(catalogs: Any, qid: str) -> float:
    entry = catalogs.quantization(qid)
    return float(entry.get("bits_per_weight") or 0) if entry else 0.0


def gguf_quants(catalogs: Any) -> list[str]:
    """GGUF_QUANTS that the catalog has, most bits first."""
    have = [q for q in GGUF_QUANTS if catalogs.quantization(q) is not None]
    return sorted(have, key=lambda q: -_bits(catalogs, q))


def checkpoints(card: Mapping[str, Any], catalogs: Any) -> list[str]:
    """vLLM checkpoints to try, best first (the module docstring's order)."""
    from generator.calc.engines.vllm import native_quant_id

    native = native_quant_id(card) or "BF16"
    bits = _bits(catalogs, native)
    if bits >= 16:
        more = ["FP8", "AWQ-4bit"]
    elif bits >= 8:
        more = ["AWQ-4bit"]
    else:
        more = []
    return [q for q in [native, *more] if catalogs.quantization(q) is not None]


def _with_context(card: Mapping[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    ctx = context_for(card)
    return {**options, "context": ctx} if ctx is not None else options


@dataclass(frozen=True)
class Need:
    """The least memory a quantization takes at the rule's context (weights plus KV cache, from
    llama.cpp's plan without hardware). ``on_gpus``: with every layer on the GPUs, what they hold
    (llama.cpp keeps the input embedding, and Gemma 3n's per-layer embeddings, in host memory
    whatever -ngl says); ``total``: the GPUs and the host together. Where the layers go never changes
    ``total``, so no placement fits in less memory."""

    on_gpus: int
    total: int


UNKNOWN_NEED = Need(0, 0)   # no plan could be made: never skipped


def llamacpp_needs(card: Mapping[str, Any], catalogs: Any, planner: Planner | None = None) -> dict[str, Need | None]:
    """Per GGUF quantization (GGUF_QUANTS, most bits first): its Need; None where the model has no
    such file; UNKNOWN_NEED where that plan cannot be made. A quantization whose need exceeds a
    setup's memory is skipped there without planning it."""
    planner = planner or engines.plan
    out: dict[str, Need | None] = {}
    for q in gguf_quants(catalogs):
        try:
            p = planner(card, catalogs, "llama.cpp", _with_context(card, {"quant": q}), Hardware(None, 1, None, None))
        except PlanError as exc:
            out[q] = None if exc.option == "--quant" else UNKNOWN_NEED
            continue
        on_gpus = sum(int(d.get("weights_bytes") or 0) + int(d.get("kv_cache_bytes") or 0) for d in p.get("devices") or [])
        host = p.get("host") or {}
        out[q] = Need(on_gpus, on_gpus + int(host.get("weights_bytes") or 0) + int(host.get("kv_cache_bytes") or 0))
    return out


def _need(needs: Mapping[str, Need | None], q: str) -> Need:
    return needs.get(q) or UNKNOWN_NEED


def best_llamacpp(card: Mapping[str, Any], catalogs: Any, hardware: Hardware, unified: bool,
                  needs: Mapping[str, Need | None] | None = None, planner: Planner | None = None) -> Best:
    """The llama.cpp rule (module docstring). ``needs``: llamacpp_needs(card) (computed once per
    card; made here when not given). PlanError when no quantization can be planned at all."""
    engine = "llama.cpp"
    planner = planner or engines.plan     # looked up at call time (tests put a stand-in there)
    if hardware.gpu is None:
        return Best(planner(card, catalogs, engine, {}, hardware), {}, None, "no hardware chosen: what the model needs")
    if needs is None:
        needs = llamacpp_needs(card, catalogs, planner)
    plannable = [q for q in gguf_quants(catalogs) if needs.get(q, UNKNOWN_NEED) is not None]
    if not plannable:
        raise PlanError("--quant", f"no GGUF file of {', '.join(GGUF_QUANTS)} exists for {card.get('id')}")
    per_gpu = engines.device_memory(hardware) or 0
    gpu_bytes = hardware.count * per_gpu * int(hardware.gpu.get("usable_percent") or 100) // 100
    for q in plannable:
        if _need(needs, q).on_gpus > gpu_bytes:
            continue                  # every layer cannot fit on the GPUs
        options = _with_context(card, {"quant": q})
        trial = planner(card, catalogs, engine, {**options, **ALL_ON_GPU}, hardware)
        if not trial.get("supported", True):
            return Best(trial, options, None, str(trial.get("unsupported_reason") or "not supported"))
        if trial.get("fits") is True:
            # Automatic offload (the default) keeps every layer on the GPU when they fit: this
            # plan is what ``options`` alone give.
            return Best(trial, options, YES,
                        f"{q}: the most bits per weight that fit entirely on the GPU at {options.get('context', 0):,} tokens")
    if unified or hardware.ram_bytes is None:
        # Unified memory (or unknown RAM): no offload; the fewest-bits plan with every layer on the GPU.
        options = _with_context(card, {"quant": plannable[-1], **ALL_ON_GPU})
        return Best(planner(card, catalogs, engine, options, hardware), options, NO,
                    f"does not fit even at {plannable[-1]} (the fewest bits tried)"
                    + ("; unified memory: no separate system RAM to offload to" if unified else ""))
    offloadable = [q for q in plannable if q in OFFLOAD_QUANTS] or plannable[-1:]
    for q in offloadable:
        if _need(needs, q).total > gpu_bytes + hardware.ram_bytes:
            continue                  # cannot fit in GPU memory and system RAM together
        options = _with_context(card, {"quant": q})
        plan = planner(card, catalogs, engine, options, hardware)
        if plan.get("fits") is True:
            return Best(plan, options, OFFLOAD,
                        f"{q}: no quantization fits on the GPU alone; the most bits from Q4_K_M down that fit "
                        "with part of the model in system RAM (slower)")
    options = _with_context(card, {"quant": plannable[-1]})
    plan = planner(card, catalogs, engine, options, hardware)
    return Best(plan, options, NO, _no_fit_with_offload(plan, plannable[-1], hardware.ram_bytes))


def _no_fit_with_offload(plan: Mapping[str, Any], quant: str, ram_bytes: int) -> str:
    """Why the fewest-bits plan with offload does not fit: the GPUs and the RAM together are too
    small, or the GPUs hold their part and only what stays in system RAM is more than the RAM given
    (with a tiny RAM: the input embedding llama.cpp keeps in host memory)."""
    gpus_hold = all(d.get("capacity_bytes") is None or d.get("total_bytes", 0) <= d["capacity_bytes"]
                    for d in plan.get("devices") or [])
    if gpus_hold and ((plan.get("host") or {}).get("total_bytes") or 0) > ram_bytes:
        return f"does not fit even at {quant}: what llama.cpp keeps in system RAM is more than the RAM given"
    return f"does not fit even at {quant} with offload to system RAM"


def best_llamacpp_cpu(card: Mapping[str, Any], catalogs: Any, hardware: Hardware,
                      needs: Mapping[str, Need | None] | None = None, planner: Planner | None = None) -> Best:
    """The llama.cpp rule on a machine without a GPU (module docstring, "CPU only"): ``hardware``
    as engines.hardware(..., cpu_only=True) builds it. PlanError when no quantization can be planned."""
    engine = "llama.cpp"
    planner = planner or engines.plan
    if needs is None:
        needs = llamacpp_needs(card, catalogs, planner)
    plannable = [q for q in gguf_quants(catalogs) if needs.get(q, UNKNOWN_NEED) is not None]
    if not plannable:
        raise PlanError("--quant", f"no GGUF file of {', '.join(GGUF_QUANTS)} exists for {card.get('id')}")
    ram = hardware.ram_bytes
    candidates = [q for q in plannable if q in OFFLOAD_QUANTS] or plannable[-1:]
    if ram is None:
        options = _with_context(card, {"quant": candidates[0], "cpu_only": True})
        return Best(planner(card, catalogs, engine, options, hardware), options, None,
                    f"{candidates[0]}: no system RAM size given, so the fit is not judged")
    for q in candidates:
        if _need(needs, q).total > ram:
            continue                  # weights and KV cache alone are more than the RAM
        options = _with_context(card, {"quant": q, "cpu_only": True})
        plan = planner(card, catalogs, engine, options, hardware)
        if not plan.get("supported", True):
            return Best(plan, options, None, str(plan.get("unsupported_reason") or "not supported"))
        if plan.get("fits") is True:
            return Best(plan, options, YES, f"{q}: the most bits from Q4_K_M down that fit in system RAM "
                                            "(no GPU: every byte is read from RAM for each token)")
    options = _with_context(card, {"quant": candidates[-1], "cpu_only": True})
    return Best(planner(card, catalogs, engine, options, hardware), options, NO,
                f"does not fit in system RAM even at {candidates[-1]}")


def vllm_weights(card: Mapping[str, Any], catalogs: Any, planner: Planner | None = None) -> dict[str, int | None]:
    """Per checkpoint of ``checkpoints(card)``: the weights vLLM loads on one GPU without hardware
    (tensor parallel 1); None where it cannot plan it."""
    planner = planner or engines.plan
    out: dict[str, int | None] = {}
    for q in checkpoints(card, catalogs):
        try:
            p = planner(card, catalogs, "vllm", _with_context(card, {"quant": q, "tensor_parallel": 1}),
                        Hardware(None, 1, None, None))
        except PlanError:
            out[q] = None
            continue
        devices = p.get("devices") or []
        out[q] = sum(int(d.get("weights_bytes") or 0) for d in devices) if p.get("supported", True) else None
    return out


# A size is skipped without planning it when its share of the weights is over this multiple of a
# device's memory: sharded weights are at least the whole over the size, and the margin covers the
# per-GPU layouts (MXFP4 padding) that differ from the plan without hardware.
PRUNE_MARGIN = 1.25


def best_vllm(card: Mapping[str, Any], catalogs: Any, hardware: Hardware, sizes: list[int],
              weights: Mapping[str, int | None] | None = None, planner: Planner | None = None) -> Best:
    """The vLLM rule (module docstring). ``weights``: vllm_weights(card), to skip sizes that cannot
    fit. PlanError (option "--gpu") when vLLM does not run on the hardware; PlanError when no
    checkpoint and size can be planned at all."""
    engine = "vllm"
    planner = planner or engines.plan
    if hardware.gpu is None:
        return Best(planner(card, catalogs, engine, {}, hardware), {}, None, "no hardware chosen: what the model needs")
    error: PlanError | None = None
    last: tuple[dict[str, Any], dict[str, Any]] | None = None
    memory = engines.device_memory(hardware) or 0
    quants = checkpoints(card, catalogs)
    for q in quants:
        w = (weights or {}).get(q)
        for tp in sizes:
            if w and memory and w > PRUNE_MARGIN * memory * tp:
                continue          # cannot fit
            options = _with_context(card, {"quant": q, "tensor_parallel": tp})
            try:
                plan = planner(card, catalogs, engine, options, hardware)
            except PlanError as exc:
                if exc.option == "--gpu":
                    raise
                error = error or exc
                if "tensor" in exc.option:
                    continue          # a size this model's heads do not allow
                break                 # no such checkpoint (or another refusal): the next one
            if not plan.get("supported", True):
                return Best(plan, options, None, str(plan.get("unsupported_reason") or "not supported"))
            last = (plan, options)
            if plan.get("fits") is True:
                gpus = "one GPU" if tp == 1 else f"tensor parallel over {tp} GPUs"
                return Best(plan, options, YES, f"{q}: the best checkpoint that fits, on {gpus}")
    # Nothing fits: the fewest-bits checkpoint on the largest size the heads allow.
    for tp in reversed(sizes):
        options = _with_context(card, {"quant": quants[-1], "tensor_parallel": tp})
        try:
            plan = planner(card, catalogs, engine, options, hardware)
        except PlanError as exc:
            if exc.option == "--gpu":
                raise
            error = error or exc
            continue
        return Best(plan, options, NO, f"does not fit even as {quants[-1]} on {tp} GPU(s)")
    if last is not None:
        plan, options = last
        return Best(plan, options, NO, f"does not fit even as {options['quant']} on {options['tensor_parallel']} GPU(s)")
    assert error is not None
    raise error


# -- the compact answer per setup (api/fit/<setup>.json, "What can I run?") -------------------

FIT_API_VERSION = 1


def summary(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One engine's entry of a plans file as api/fit lists it: {"fit", "quant", "context",
    "max_context", "tp", "bytes", "device_bytes", "host_bytes", "tps"}. "fit" is "yes",
    "offload", "no", "unsupported" or "unavailable"; the figures are null where unknown."""
    status = entry.get("status")
    plan = entry.get("plan") if isinstance(entry.get("plan"), Mapping) else None
    choice = entry.get("choice") if isinstance(entry.get("choice"), Mapping) else None
    if status != "ok" or plan is None or choice is None:
        return {"fit": "unsupported" if status == "unsupported" else "unavailable"}
    devices = [d for d in plan.get("devices") or [] if isinstance(d, Mapping)]
    totals = [int(d["total_bytes"]) for d in devices if isinstance(d.get("total_bytes"), int)]
    host = plan.get("host") or {}
    host_total = host.get("total_bytes") if isinstance(host, Mapping) else None
    speed = plan.get("speed") or {}
    return {
        "fit": choice.get("fit"),
        "quant": choice.get("quant"),
        "context": choice.get("context"),
        "max_context": plan.get("max_context_that_fits"),
        "tp": choice.get("tensor_parallel"),
        "bytes": sum(totals) if totals else None,                # all devices together
        "device_bytes": max(totals) if totals else None,         # the fullest device
        "host_bytes": host_total if choice.get("offload") else None,
        "tps": speed.get("decode_tokens_per_s_upper_bound") if isinstance(speed, Mapping) else None,
    }


def card_fit(record: Mapping[str, Any] | None) -> dict[str, dict[str, dict[str, Any]]]:
    """setup id -> engine -> summary, for every setup with hardware of a plans-file record."""
    if record is None:
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    hardware_ids = {s["id"] for s in record.get("setups") or [] if s.get("gpu")}
    for setup_id, row in (record.get("plans") or {}).items():
        if setup_id in hardware_ids:
            out[setup_id] = {engine: summary(entry) for engine, entry in row.items()}
    return out


def runs(s: Mapping[str, Any] | None) -> bool:
    """The engine summary says the model runs (on the GPU, or with offload)."""
    return s is not None and s.get("fit") in (YES, OFFLOAD)
