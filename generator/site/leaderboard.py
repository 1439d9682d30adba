"""Leaderboard ranking of open-weight models from card evaluations (pure).

Method (also written on the leaderboard page, see METHOD):
1. Each score is normalised to 0..1 on the benchmark's own scale from the
   catalog (schema/benchmarks.yaml): (score - min) / (max - min), flipped when
   lower is better. Without a declared scale, min and max are the lowest and
   highest score among the ranked models.
2. A model with several scores on one benchmark uses the most recent (by date).
3. Category score = mean of the model's normalised scores in that category.
   Overall score = mean of its category scores (so each category weighs the same).
4. Missing scores are never filled in: means run over present scores only.
5. Coverage: a category rank needs at least one score in that category; an
   overall rank needs scores in at least half (rounded up) of the categories
   that any open-weight model has scores in.
6. Equal scores share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

METHOD = __doc__.split("Method (also written on the leaderboard page, see METHOD):", 1)[1].strip()


@dataclass
class Ranking:
    categories: list[str]
    overall: list[dict[str, Any]]                         # rows sorted by rank
    by_category: dict[str, list[dict[str, Any]]]
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)  # card id -> {"overall": n, cat: n}
    min_categories: int = 0


def parse_scale(scale: Any) -> tuple[float, float] | None:
    """Catalog scale -> (min, max): {min, max}, [min, max], '0-100', 'percent', 'fraction'."""
    if isinstance(scale, Mapping) and "min" in scale and "max" in scale:
        return float(scale["min"]), float(scale["max"])
    if isinstance(scale, (list, tuple)) and len(scale) == 2:
        return float(scale[0]), float(scale[1])
    if isinstance(scale, str):
        s = scale.strip().lower()
        if s in ("percent", "percentage", "%"):
            return 0.0, 100.0
        if s in ("fraction", "ratio", "0-1"):
            return 0.0, 1.0
        m = re.fullmatch(r"(-?[\d.]+)\s*(?:-|\.\.|to)\s*(-?[\d.]+)", s)
        if m:
            return float(m.group(1)), float(m.group(2))
    return None


def _latest_scores(card: Mapping[str, Any], known: set[str]) -> dict[str, float]:
    best: dict[str, tuple[str, float]] = {}
    for ev in card.get("evaluations") or []:
        bid = ev.get("benchmark")
        if bid not in known or ev.get("score") is None:
            continue
        date = str(ev.get("date") or "")
        if bid not in best or date > best[bid][0]:
            best[bid] = (date, float(ev["score"]))
    return {k: v for k, (_, v) in best.items()}


def _competition_ranks(rows: list[dict[str, Any]], key: str) -> None:
    rows.sort(key=lambda r: (-r[key], r["id"]))
    prev, rank = None, 0
    for i, row in enumerate(rows, start=1):
        if prev is None or not math.isclose(row[key], prev, rel_tol=0, abs_tol=1e-12):
            rank, prev = i, row[key]
        row["rank"] = rank


def rank_models(cards: list[Mapping[str, Any]], benchmarks: list[Mapping[str, Any]]) -> Ranking:
    catalog = {b["id"]: b for b in benchmarks if "id" in b}
    open_cards = [c for c in cards if c.get("open_weights")]
    scores = {c["id"]: _latest_scores(c, set(catalog)) for c in open_cards}

    bounds: dict[str, tuple[float, float]] = {}
    for bid, bench in catalog.items():
        declared = parse_scale(bench.get("scale"))
        seen = [s[bid] for s in scores.values() if bid in s]
        if declared:
            bounds[bid] = declared
        elif seen:
            bounds[bid] = (min(seen), max(seen))

    def norm(bid: str, value: float) -> float:
        lo, hi = bounds[bid]
        x = 0.5 if hi == lo else (value - lo) / (hi - lo)
        return x if catalog[bid].get("higher_is_better", True) else 1.0 - x

    per_cat: dict[str, dict[str, float]] = {}   # card id -> category -> mean
    for cid, sc in scores.items():
        groups: dict[str, list[float]] = {}
        for bid, value in sc.items():
            groups.setdefault(str(catalog[bid].get("category") or "other"), []).append(norm(bid, value))
        per_cat[cid] = {cat: sum(v) / len(v) for cat, v in groups.items()}

    categories = sorted({cat for m in per_cat.values() for cat in m})
    min_cats = math.ceil(len(categories) / 2) if categories else 0
    names = {c["id"]: c for c in open_cards}

    def row(cid: str, score: float) -> dict[str, Any]:
        card = names[cid]
        return {"id": cid, "name": card.get("name", cid), "organization": card.get("organization", ""),
                "score": score, "benchmarks": len(scores[cid]), "categories": per_cat[cid]}

    overall = [row(cid, sum(m.values()) / len(m)) for cid, m in per_cat.items()
               if m and len(m) >= max(min_cats, 1)]
    _competition_ranks(overall, "score")
    by_category: dict[str, list[dict[str, Any]]] = {}
    for cat in categories:
        rows = [row(cid, m[cat]) for cid, m in per_cat.items() if cat in m]
        _competition_ranks(rows, "score")
        by_category[cat] = rows

    ranks: dict[str, dict[str, int]] = {}
    for r in overall:
        ranks.setdefault(r["id"], {})["overall"] = r["rank"]
    for cat, rows in by_category.items():
        for r in rows:
            ranks.setdefault(r["id"], {})[cat] = r["rank"]
    return Ranking(categories, overall, by_category, ranks, min_cats)


def method_steps() -> list[str]:
    """The numbered steps of METHOD as plain sentences, for the leaderboard page."""
    steps, current = [], ""
    for line in METHOD.splitlines():
        m = re.match(r"\s*\d+\.\s+(.*)", line)
        if m:
            if current:
                steps.append(current)
            current = m.group(1).strip()
        else:
            current += " " + line.strip()
    if current:
        steps.append(current)
    return steps
