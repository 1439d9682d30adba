"""Engine plans on the site: the per-model plans file (api/plans/<org>/<model>.json) and the
"Will it run?" panel's view of one plan.

``model_plans`` asks generator.calc.engines.plan for every engine on every common setup
(generator/site/setups.py). A plan that raises does not stop the build: its entry is
"unavailable" with the reason, and the reason is returned for the build log. While plan()
is not implemented (NotImplementedError everywhere), the card gets no plans file at all.

``plan_view`` turns one entry into display text with the shared format rules (fmt.py);
site/assets/js/plan.js builds the same markup from the same entry in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from generator.calc import engines
from generator.site import exports, fit, fmt, setups

# The device tables' columns (plan.js has the same list).
DEVICE_COLUMNS = (("weights_bytes", "Weights"), ("kv_cache_bytes", "KV cache"),
                  ("compute_buffer_bytes", "Compute"), ("overhead_bytes", "Overhead"),
                  ("total_bytes", "Total"), ("capacity_bytes", "Capacity"))


@dataclass(frozen=True)
class ModelPlans:
    """One card's plans: the plans-file record (None: plan() not implemented) and the build-log notes."""

    record: dict[str, Any] | None
    problems: tuple[str, ...]       # "<engine> on <setup>: <reason>" for every unavailable entry
    not_implemented: bool = False


def _entry(card: Mapping[str, Any], catalogs: Any, engine: str, setup: setups.Setup,
           hardware: engines.Hardware, needs: dict[str, fit.Need | None] | None = None,
           weights: dict[str, int | None] | None = None, cpu_only: bool = False) -> dict[str, Any]:
    """One engine on one setup: {"status": "ok" | "unsupported" | "unavailable", "reason", "plan", "choice"}.

    "plan" is the best way to run the card there (fit.py's rule) and "choice" says which
    options make it (quant, context, tensor_parallel, offload, fit, options, why); "choice" is
    None when there is no plan. ``cpu_only``: a machine without a GPU (``hardware`` from
    engines.hardware(..., cpu_only=True)): llama.cpp's CPU-only rule; an engine that needs a GPU
    is "unsupported" with fit.NEEDS_GPU's reason.
    """
    if cpu_only and engine in fit.NEEDS_GPU:
        return {"status": "unsupported", "reason": fit.NEEDS_GPU[engine], "plan": None, "choice": None}
    try:
        if cpu_only and engine == "llama.cpp":
            best = fit.best_llamacpp_cpu(card, catalogs, hardware, needs)
        elif engine == "llama.cpp":
            best = fit.best_llamacpp(card, catalogs, hardware, setups.unified(setup), needs)
        elif engine == "vllm":
            best = fit.best_vllm(card, catalogs, hardware, setups.tensor_parallel_sizes(setup.count), weights)
        else:   # an engine without a rule here: its defaults
            best = fit.Best(engines.plan(card, catalogs, engine, {}, hardware), {}, None, "the engine's defaults")
    except engines.PlanError as exc:
        if exc.option == "--gpu":   # the engine does not run on this hardware at all (vLLM on Apple)
            return {"status": "unsupported", "reason": exc.message, "plan": None, "choice": None}
        return {"status": "unavailable", "reason": str(exc), "plan": None, "choice": None}
    if not best.plan.get("supported", True):
        return {"status": "unsupported", "reason": best.plan.get("unsupported_reason"), "plan": best.plan,
                "choice": None}
    return {"status": "ok", "reason": None, "plan": best.plan, "choice": best.choice()}


def model_plans(card: Mapping[str, Any], catalogs: Any) -> ModelPlans:
    """Every engine's plan for ``card`` on every common setup whose GPU the catalog has."""
    chosen: list[tuple[setups.Setup, engines.Hardware]] = []
    for s in setups.SETUPS:
        hw = setups.hardware(s, catalogs)
        if hw is not None:
            chosen.append((s, hw))
    table: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    answered = 0
    try:    # llama.cpp's memory per quantization, once per card (fit.best_llamacpp's pruning)
        needs: dict[str, fit.Need | None] | None = fit.llamacpp_needs(card, catalogs)
    except Exception:  # noqa: BLE001 - each entry below meets the same problem and reports it
        needs = None
    try:
        weights: dict[str, int | None] | None = fit.vllm_weights(card, catalogs)
    except Exception:  # noqa: BLE001
        weights = None
    for s, hw in chosen:
        row = table[s.id] = {}
        for engine in setups.ENGINES:
            try:
                entry = _entry(card, catalogs, engine, s, hw, needs, weights)
                answered += 1
            except NotImplementedError:
                entry = {"status": "unavailable", "reason": "not implemented", "plan": None, "choice": None}
            except Exception as exc:  # noqa: BLE001 - one card's failing plan must not stop the build
                entry = {"status": "unavailable", "reason": f"internal error: {type(exc).__name__}: {exc}",
                         "plan": None, "choice": None}
                answered += 1
            if entry["status"] == "unavailable":
                problems.append(f"{engine} on {s.id}: {entry['reason']}")
            row[engine] = entry
    if answered == 0:
        return ModelPlans(None, (), not_implemented=True)
    ids = {s.id for s, _ in chosen}
    record = {
        "api_version": engines.API_VERSION,
        "id": card["id"],
        "default_setup": setups.DEFAULT_SETUP if setups.DEFAULT_SETUP in ids else chosen[0][0].id,
        "engines": list(setups.ENGINES),
        "setups": [{"id": s.id, "label": setups.label(s, catalogs), "group": s.group, "gpu": s.gpu,
                    "gpus": s.count if s.gpu else 0, "ram_bytes": hw.ram_bytes} for s, hw in chosen],
        "plans": table,
    }
    return ModelPlans(record, tuple(problems))


# -- the panel's view ----------------------------------------------------------------

ENGINE_LABELS = {"llama.cpp": "llama.cpp", "vllm": "vLLM"}
# Beside the command of a plan that does not fit (plan.js NO_FIT_COMMAND): shown for its flags, without a copy button.
NO_FIT_COMMAND = "The command this plan would run. It does not fit this hardware, so the engine would stop at start-up."


def _cell(key: str, n_bytes: Any) -> str:
    """A device table cell: bytes in GB, the capacity in GB and GiB (fmt.capacity)."""
    return fmt.capacity(n_bytes) if key == "capacity_bytes" else fmt.gb(n_bytes)


def _bytes_row(name: str, d: Mapping[str, Any], columns: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"name": name, "cells": [_cell(k, d.get(k)) for k, _ in columns]}


def verdict(entry: Mapping[str, Any], has_hardware: bool) -> tuple[str, str]:
    """(state, sentence): state is one of fits, no-fit, needs, unknown, unsupported, unavailable."""
    if entry["status"] == "unsupported":
        return "unsupported", f"Not supported: {entry.get('reason') or 'this engine cannot run this model'}"
    if entry["status"] != "ok" or entry.get("plan") is None:
        return "unavailable", f"No plan: {entry.get('reason') or 'unknown reason'}"
    fits = entry["plan"].get("fits")
    if fits is True:
        return "fits", "Fits"
    if fits is False:
        return "no-fit", "Does not fit"
    return ("unknown", "Fit unknown") if has_hardware else ("needs", "Memory needed (no hardware chosen)")


def settings_text(settings: Any) -> str | None:
    """The settings a reader needs to read the numbers: 'Q4_K_M · 128K context · F16 KV cache · tensor parallel 2'."""
    if not isinstance(settings, Mapping):
        return None
    parts = []
    if settings.get("cpu_only") is True:   # llama.cpp --cpu-only: the numbers are all system RAM
        parts.append("CPU only (no GPU)")
    if settings.get("quant"):
        parts.append(str(settings["quant"]))
    if isinstance(settings.get("context"), int):
        parts.append(f"{fmt.tokens(settings['context'])} context")
    if settings.get("kv_dtype"):
        parts.append(f"{settings['kv_dtype']} KV cache")
    tp = settings.get("tensor_parallel")
    if isinstance(tp, int) and not isinstance(tp, bool) and tp > 1:
        parts.append(f"tensor parallel {tp}")
    return " · ".join(parts) or None


def offload_text(offload: Any) -> str | None:
    """What moved to system RAM: the plan's own sentence ("moved") when it has one, else its
    scalar entries (bytes as GB, counts grouped)."""
    if not isinstance(offload, Mapping):
        return None
    if isinstance(offload.get("moved"), str):
        return f"Offload: {offload['moved']}"
    items = []
    for k, v in sorted(offload.items()):
        if isinstance(v, (dict, list)) or v is None:
            continue
        text = fmt.gb(v) if k.endswith("_bytes") and isinstance(v, (int, float)) else fmt.value(v)
        name = k[:-len("_bytes")] if k.endswith("_bytes") else k
        items.append(f"{name.replace('_', ' ')} {text}")
    return ("Offloaded to system RAM: " + " · ".join(items)) if items else None


def host_row(host: Mapping[str, Any], ram_bytes: int | None) -> dict[str, Any]:
    """The System RAM row: overhead does not apply there, and its capacity is the setup's RAM."""
    cells = {k: fmt.gb(host.get(k)) for k, _ in DEVICE_COLUMNS}
    cells["overhead_bytes"] = fmt.NOT_APPLICABLE
    cells["capacity_bytes"] = fmt.capacity(ram_bytes)
    return {"name": "System RAM", "cells": [cells[k] for k, _ in DEVICE_COLUMNS]}


def plan_view(engine: str, entry: Mapping[str, Any], has_hardware: bool = True,
              ram_bytes: int | None = None) -> dict[str, Any]:
    """Display text for one engine's entry of one setup (the panel; plan.js mirrors it)."""
    state, sentence = verdict(entry, has_hardware)
    view: dict[str, Any] = {"engine": engine, "label": ENGINE_LABELS.get(engine, engine), "state": state,
                            "verdict": sentence, "settings": None, "columns": [label for _, label in DEVICE_COLUMNS],
                            "devices": [], "host": None, "facts": [], "offload": None, "command": None,
                            "command_note": None, "assumptions": [], "basis": None, "speed_basis": None}
    plan = entry.get("plan")
    if not isinstance(plan, Mapping):
        return view
    view["basis"] = plan.get("engine_basis")
    if state == "unsupported":
        return view
    view["settings"] = settings_text(plan.get("settings"))
    view["devices"] = [_bytes_row(str(d.get("name", "")), d, DEVICE_COLUMNS) for d in plan.get("devices") or []]
    host = plan.get("host") or {}
    if host.get("total_bytes"):
        view["host"] = host_row(host, ram_bytes)
    speed = plan.get("speed") or {}
    facts = [("Max context that fits", fmt.fitting_context(plan.get("max_context_that_fits"), plan.get("fits")))]
    if plan.get("kv_cache_capacity_tokens") is not None:
        facts.append(("KV cache capacity", fmt.exact(plan.get("kv_cache_capacity_tokens")) + " tokens"))
    if plan.get("max_concurrency") is not None:
        facts.append(("Max concurrency", fmt.ratio(plan.get("max_concurrency"))))
    runs = state != "no-fit"    # a plan that does not fit has no speed, and its command would stop at start-up
    if runs:
        facts.append(("Decode speed, upper bound", fmt.rate(speed.get("decode_tokens_per_s_upper_bound"))))
        facts.append(("Prefill speed, upper bound", fmt.rate(speed.get("prefill_tokens_per_s_upper_bound"))))
        view["speed_basis"] = speed.get("basis")
    view["facts"] = facts
    view["offload"] = offload_text(plan.get("offload"))
    view["command"] = plan.get("command")
    view["command_note"] = None if runs or not plan.get("command") else NO_FIT_COMMAND
    view["assumptions"] = [str(a) for a in plan.get("assumptions") or []]
    return view


def panel(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The "Will it run?" panel of a model page: the setups for the picker and the default setup's views."""
    if record is None:
        return None
    default = record["default_setup"]
    setup = next(s for s in record["setups"] if s["id"] == default)
    row = record["plans"].get(default) or {}
    from generator.site import answer, pages   # answer reads this module: imported here, not at the top
    return {"setups": [(s["id"], s["label"]) for s in record["setups"]], "default": default,
            "answers_json": pages.json_for_script(answer.answers(record)),
            "default_label": setup["label"], "url": exports.plans_path(record["id"]),
            "views": [plan_view(e, row[e], setup["gpu"] is not None, setup.get("ram_bytes"))
                      for e in record["engines"] if e in row]}
