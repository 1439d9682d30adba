"""The answer at the top of a model page: how to run it on the reader's hardware.

Two parts, both pure:

- ``hardware_setups(catalogs)``: the setups the header's "My hardware" control offers on every
  page (id, label, group), small enough to embed in each page (site/assets/js/hardware.js).
- ``answers(record)``: one compact, already formatted answer per setup and engine, read from the
  same plans record as api/plans/<org>/<model>.json (generator/site/plans.py), so the page
  says what ``llmcards plan`` says for that setup. The page embeds these (a few KB) instead of
  the full record (50+ KB); the "Engine plans" section further down still loads the record.
  They also carry what holds on any hardware: the engines that cannot run the model at all
  (closed weights...), with the reason, for custom hardware on a page without engine inputs.
- ``no_hardware(card, derived)``: without a chosen setup, the smallest common GPU that holds
  the model at Q4 / Q8 / its native format (the calculator's hardware table at its reference
  context).

Every number goes through fmt.py once here; the browser only places the text.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from generator.calc.engines.vllm.planner import checkpoint_kind
from generator.calc.hardware import MAX_DEVICES
from generator.site import fmt, glossary, pages, plans, setups

ENGINE_LABELS = plans.ENGINE_LABELS
DEFAULT_ENGINE = "llama.cpp"
# The no-hardware answer's columns: (label, quantization id); the native format is added first.
REFERENCE_QUANTS: tuple[tuple[str, str], ...] = (("8-bit", "Q8_0"), ("4-bit", "Q4_K_M"))


# -- the setups of the header control -------------------------------------------------

def _group(catalogs: Any, setup: setups.Setup) -> str:
    """The picker's <optgroup>: the hardware tables' groups (pages.GPU_GROUPS) by GPU name."""
    if setup.gpu is None:
        return "No hardware"
    gpu = setups.gpu_entry(catalogs, setup.gpu) or {"name": setup.gpu}
    return pages.gpu_group(str(gpu.get("name") or setup.gpu))


_VENDOR_PREFIXES = ("NVIDIA GeForce ", "NVIDIA ", "AMD Radeon ", "AMD ", "Intel ", "Apple ")


def short_label(name: str, count: int) -> str:
    """The header button's text: 'RTX 4060 Ti 16GB', '2× RTX 3090', 'M3 Pro 36GB'."""
    for prefix in _VENDOR_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name if count == 1 else f"{count}× {name}"


def hardware_setups(catalogs: Any) -> list[dict[str, Any]]:
    """[{id, label, group, short, gpu, gpus}] of every setup the plans files cover, in the picker's order.

    Uses ``setups.public_setups`` when that exists (grouped setups); else the SETUPS tuple,
    grouped by GPU line. The "none" setup is left out: choosing no hardware is clearing it.
    """
    if catalogs is None:
        return []
    public = getattr(setups, "public_setups", None)
    if callable(public):
        rows = [{"id": str(s["id"]), "label": str(s["label"]), "group": str(s.get("group") or "Other"),
                 "short": _short(catalogs, s.get("gpu"), int(s.get("gpus") or 1), str(s["label"])),
                 "gpu": s.get("gpu"), "gpus": int(s.get("gpus") or 1)}
                for s in public(catalogs)]
    else:
        rows = [{"id": s.id, "label": setups.label(s, catalogs), "group": _group(catalogs, s),
                 "short": _short(catalogs, s.gpu, s.count, s.id), "gpu": s.gpu, "gpus": s.count}
                for s in setups.SETUPS if setups.hardware(s, catalogs) is not None]
    return [r for r in rows if r["id"] != "none"]


def _short(catalogs: Any, gpu_id: str | None, count: int, fallback: str) -> str:
    gpu = setups.gpu_entry(catalogs, gpu_id) if gpu_id else None
    return short_label(str(gpu["name"]), count) if gpu and gpu.get("name") else fallback


# -- one answer per setup and engine ------------------------------------------------

def _device_lines(plan: Mapping[str, Any], ram_bytes: int | None) -> list[list[str]]:
    """[[device name, "used of capacity"]]: each GPU, then system RAM when the plan puts anything there (the
    capacity in GB and GiB, fmt.capacity)."""
    out = []
    for d in plan.get("devices") or []:
        used, cap = fmt.gb(d.get("total_bytes")), d.get("capacity_bytes")
        out.append([str(d.get("name", "")), used if cap is None else f"{used} of {fmt.capacity(cap)}"])
    host = plan.get("host") or {}
    if host.get("total_bytes"):
        used = fmt.gb(host["total_bytes"])
        out.append(["System RAM", used if ram_bytes is None else f"{used} of {fmt.capacity(ram_bytes)}"])
    return out


def _offload(offload: Any) -> str | None:
    """What moved to system RAM, without the panel's "Offload: " lead (the answer labels it)."""
    text = plans.offload_text(offload)
    return text.removeprefix("Offload: ") if text else None


# "vllm serve <repository> ...": the repository a vLLM command names (vllm.command, vllm.hf_repo)
_SERVED = re.compile(r"\bvllm serve (\S+)")


def checkpoint_note(quant: Any, published: Any, command: Any) -> str | None:
    """The caveat shown beside a vLLM command whose checkpoint is published apart from the one the
    command names (vllm.checkpoint_kind "other": AWQ or GPTQ of a BF16 model, BF16 of an FP8 model,
    ...): as written, the command would load the published weights, not the ones planned.
    ``published``: the quantization of the checkpoint the command names (the model as published).
    None when the command loads what the plan planned (the published checkpoint, or the published
    BF16 one converted as it loads). answer.js's checkpointNote says the same."""
    if not quant or not published or not isinstance(command, str):
        return None
    if checkpoint_kind(str(published), str(quant)) != "other":
        return None
    served = _SERVED.search(command)
    where = f"in place of {served.group(1)}" if served else "in place of the one the command names"
    return f"Needs a checkpoint of this model in {quant}, published apart: put its repository {where}."


def entry_answer(entry: Mapping[str, Any], ram_bytes: int | None, published: str | None = None) -> dict[str, Any]:
    """One engine on one setup, as the answer box shows it (all text). ``published`` (vLLM): the
    quantization of the checkpoint its command names, for checkpoint_note.

    A plan that does not fit keeps its figures (what it would take) but gets no speed bound and no
    command: neither would run as planned there."""
    state, sentence = plans.verdict(entry, True)
    out: dict[str, Any] = {"state": state, "verdict": sentence}
    plan = entry.get("plan")
    if state in ("unsupported", "unavailable") or not isinstance(plan, Mapping):
        return out
    settings = plan.get("settings") or {}
    raw_choice = entry.get("choice")
    choice: Mapping[str, Any] = raw_choice if isinstance(raw_choice, Mapping) else {}
    speed = plan.get("speed") or {}
    tp = settings.get("tensor_parallel")
    if state == "fits" and choice.get("fit") == "offload":     # the best choice needs system RAM too
        out["verdict"] = "Fits with offload to system RAM"
    runs = state != "no-fit"
    out.update({
        "quant": str(choice.get("quant") or settings.get("quant") or fmt.UNKNOWN),
        "context": fmt.tokens(settings.get("context") if isinstance(settings.get("context"), int) else None),
        "max_context": fmt.fitting_context(plan.get("max_context_that_fits"), plan.get("fits")),
        "kv": str(settings.get("kv_dtype") or fmt.UNKNOWN),
        "tp": tp if isinstance(tp, int) and not isinstance(tp, bool) and tp > 1 else None,
        "offload": _offload(plan.get("offload")),
        "devices": _device_lines(plan, ram_bytes),
        "decode": fmt.rate(speed.get("decode_tokens_per_s_upper_bound")) if runs else None,
        "command": plan.get("command") if runs else None,
        "checkpoint": (checkpoint_note(settings.get("quant") or choice.get("quant"), published, plan.get("command"))
                       if runs else None),
        "why": choice.get("why"),
    })
    return out


def _no_hardware_entry(record: Mapping[str, Any] | None, engine: str) -> Mapping[str, Any]:
    """``engine``'s entry of the "none" setup (no hardware: the engine's defaults, the model as
    published); {} without one."""
    entry = ((((record or {}).get("plans") or {}).get("none")) or {}).get(engine)
    return entry if isinstance(entry, Mapping) else {}


def _published(record: Mapping[str, Any], engine: str) -> str | None:
    """The quantization of the checkpoint ``engine``'s command names: that of the "none" setup's plan.
    Only vLLM's commands name the model's own repository; None for any other engine, or without that plan."""
    if engine != "vllm":
        return None
    plan = _no_hardware_entry(record, engine).get("plan")
    settings = plan.get("settings") if isinstance(plan, Mapping) else None
    quant = settings.get("quant") if isinstance(settings, Mapping) else None
    return str(quant) if quant else None


def unsupported_anywhere(record: Mapping[str, Any] | None) -> dict[str, str]:
    """{engine: reason} for the engines that cannot run the model on any hardware (its weights are
    not published, an architecture the engine's rules do not plan): the "none" setup's entries
    whose plan says the model is not supported (the engine inputs' "unsupported"; not a reason of
    the hardware, such as vLLM on Apple silicon, whose entry has no plan)."""
    out: dict[str, str] = {}
    for engine in (record or {}).get("engines") or []:
        entry = _no_hardware_entry(record, engine)
        if entry.get("status") != "unsupported":
            continue
        plan = entry.get("plan")
        if isinstance(plan, Mapping) and plan.get("supported") is False:
            out[engine] = str(entry.get("reason") or plan.get("unsupported_reason") or "")
    return out


def answers(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"setups": {setup id: {engine: answer}}, "meanings": {quantization: one line},
    "unsupported": {engine: reason}} for every setup with hardware in the plans record (the
    meanings of the quantizations named; unsupported_anywhere: what answer.js says for custom
    hardware on a page without the engines' inputs)."""
    record = record or {}
    engines = record.get("engines") or []
    published = {e: _published(record, e) for e in engines}
    out: dict[str, dict[str, Any]] = {}
    for s in record.get("setups") or []:
        if not s.get("gpu"):
            continue
        row = (record.get("plans") or {}).get(s["id"]) or {}
        out[s["id"]] = {e: entry_answer(row[e], s.get("ram_bytes"), published.get(e)) for e in engines if e in row}
    known = glossary.meanings()
    named = {a["quant"] for row in out.values() for a in row.values() if a.get("quant") in known}
    return {"setups": out, "meanings": {q: known[q] for q in sorted(named)},
            "unsupported": unsupported_anywhere(record)}


# -- no hardware chosen: the smallest common GPU per format ---------------------------------

def _smallest(gpus: list[Mapping[str, Any]], quant: str) -> str | None:
    """The smallest GPU of the catalog that holds the model alone ('1 × NVIDIA GeForce RTX 4060
    Ti 16GB'); when none does, the fewest devices of one kind, then the least memory in all
    ('2 × NVIDIA H100 SXM 80GB'). Apple machines are left out: the header's picker covers them."""
    best: tuple[int, int, str] | None = None
    for g in gpus:
        n = (g.get("devices") or {}).get(quant)
        mem = g.get("memory_bytes")
        if not isinstance(n, int) or not isinstance(mem, int) or str(g.get("gpu", "")).startswith("apple"):
            continue
        key = (n, n * mem, str(g.get("name") or g.get("gpu")))
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:
        return None
    return f"{best[0]} × {best[2]}"


def no_hardware(card: Mapping[str, Any], derived: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Rows [{label, quant, total, gpu}] for the format the weights ship in (BF16 when the card
    does not say), Q8 and Q4, at the calculator's reference context."""
    if not isinstance(derived, Mapping) or derived.get("architecture_complete") is False:
        return None
    gpus = [g for g in derived.get("hardware") or [] if isinstance(g, Mapping)]
    ref = derived.get("reference_context")
    rows_all = pages.vram_rows(derived)
    kv = pages.default_kv_dtype(rows_all)
    totals = {r["quantization"]: r.get("total_bytes") for r in rows_all
              if r.get("batch", 1) == 1 and r.get("context") == ref and r.get("kv_dtype") == kv}
    native = pages.native_quant(card)
    first = (f"As shipped ({native})", native) if native else ("Full size (BF16)", "BF16")
    wanted = [first] + [(label, q) for label, q in REFERENCE_QUANTS if q != first[1]]
    rows = []
    for label, q in wanted:
        if q not in totals:
            continue
        rows.append({"label": label, "quant": q, "total": fmt.gb(totals[q]),
                     "tier": pages.tier_of(totals[q]), "gpu": _smallest(gpus, q) or f"{fmt.more_than(MAX_DEVICES)} GPUs"})
    if not rows:
        return None
    return {"context": fmt.tokens(ref), "rows": rows}
