"""The "What can I run?" page: every model that runs on one setup, with the best way to run it.

The page is rendered at build for ``setups.DEFAULT_SETUP`` and llama.cpp (what a reader
without JavaScript sees); site/assets/js/whatrun.js then loads api/fit/<setup>.json for the
reader's hardware (localStorage "llmcards.hardware") and lists, sorts and filters the same
rows in the browser. The rows' text uses the shared format rules (fmt.py / format.js), and
the rule that picks the quantization and context is generator/site/fit.py's, written out on
the page.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from generator.site import exports, fit, fmt, pages, setups

URL = "what-can-i-run/"
SRC = "what-can-i-run.md"
TITLE = "What can I run?"
DEFAULT_ENGINE = "llama.cpp"
ENGINE_LABELS = {"llama.cpp": "llama.cpp", "vllm": "vLLM"}
FIT_TEXT = {fit.YES: "Fits on the GPU", fit.OFFLOAD: "Fits with offload to RAM", fit.NO: "Does not fit",
            "unsupported": "Not supported", "unavailable": "No plan"}


def rank_text(rank: int | None, ranked: int | None) -> str:
    """'#3 of 12'; 'unranked' when the model has no overall rank."""
    if rank is None:
        return "unranked"
    return f"#{rank} of {ranked}" if ranked else f"#{rank}"


def row(model: Mapping[str, Any], engine: str, ranked: int | None) -> dict[str, Any]:
    """Display text of one api/fit model for ``engine`` (whatrun.js's rowView builds the same)."""
    s = (model.get("engines") or {}).get(engine) or {"fit": "unavailable"}
    ctx = s.get("max_context")
    return {
        "id": model["id"], "url": pages.model_url(model["id"]), "name": model["name"],
        "organization": model.get("organization") or "",
        "total": model.get("total"), "total_text": fmt.params(model.get("total")),
        "fit": s.get("fit"), "fit_text": FIT_TEXT.get(str(s.get("fit")), fmt.DASH),
        "quant": s.get("quant") or fmt.DASH,
        "tp_text": f"{s['tp']} GPUs" if isinstance(s.get("tp"), int) and s["tp"] > 1 else "",
        # no context fits where the model does not fit: "none", not "unknown"
        "context_text": fmt.fitting_context(ctx or None, False if s.get("fit") == "no" else None),
        "memory_text": fmt.gb(s.get("bytes")),
        "tps": s.get("tps"), "speed_text": fmt.rate(s.get("tps")),
        "rank": model.get("rank"), "rank_text": rank_text(model.get("rank"), ranked),
        "released": model.get("release_date") or "",
    }


def sort_key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """The page's first order: ranked models by rank, then the rest by size, largest first."""
    rank = r.get("rank")
    return (rank is None, rank or 0, -(r.get("total") or 0), r["name"].lower())


def page_data(models: list[tuple[Mapping[str, Any], Mapping[str, Any]]], ranks: Mapping[str, int],
              ranked: int | None, catalogs: Any, cards: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The page's data: the setups for the picker, the filters, and the default setup's rows.

    ``models``: (models-index row, fit.card_fit) per card; ``ranks``: card id -> overall rank;
    ``cards``: the cards, for the engine inputs of custom hardware (exports.write_calc)."""
    public = setups.public_setups(catalogs) if catalogs is not None else []
    ids = [s["id"] for s in public]
    default = setups.DEFAULT_SETUP if setups.DEFAULT_SETUP in ids else (ids[0] if ids else None)
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in public:
        groups.setdefault(s["group"], []).append(s)
    listed = [exports.fit_model(r, f.get(default) or {}, ranks.get(r["id"])) for r, f in models] if default else []
    rows = sorted((row(m, DEFAULT_ENGINE, ranked) for m in listed
                   if fit.runs((m["engines"] or {}).get(DEFAULT_ENGINE))), key=sort_key)
    label = next((s["label"] for s in public if s["id"] == default), "")
    return {
        "setups": public, "groups": list(groups.items()), "default": default, "default_label": label,
        "engine": DEFAULT_ENGINE, "engines": list(ENGINE_LABELS.items()), "rows": rows, "total_models": len(models),
        "context": fit.CONTEXT, "fit_dir": exports.FIT_DIR + "/", "ranked": ranked,
        "filters": {
            "organizations": sorted({r.get("organization") or "" for r, _ in models} - {""}, key=str.lower),
            "licenses": sorted({r.get("license") or "" for r, _ in models} - {""}, key=str.lower),
            "modalities": sorted({m for r, _ in models for m in r.get("modalities") or []}),
        },
        "quants": list(fit.GGUF_QUANTS),
        # for the api/fit export (exports.write_fit), written from the same data
        "fit_models": models, "ranks": dict(ranks),
        "cards": list(cards or []), "catalogs": catalogs if cards is not None else None,
        "calc_dir": exports.CALC_DIR + "/",
    }
