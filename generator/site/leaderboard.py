"""Leaderboard ranking of open-weight models from card evaluations (pure).

Models report different benchmark sets (older base models report MMLU and
HellaSwag, recent reasoning models GPQA and AIME), so raw scores, or scores
rescaled to a benchmark's 0-100 range, reward whoever chose easy benchmarks.
Each score is therefore placed relative to the other open-weight models that
report the same benchmark (a within-benchmark percentile), and only then
averaged. The exact rules are METHOD below; the leaderboard page prints them
(method_steps), followed by the method's limitations (in the template).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from generator.site import fmt, pages

# K: a benchmark counts once this many open-weight models report it. With fewer, a
# percentile can only be 0, 1/3, 2/3 or 1, and a category made of that one benchmark
# would weigh as much as a category of five well-reported ones.
MIN_REPORTERS = 5
# An overall rank needs more than half of the counted benchmarks (min_coverage), spread over at
# least MIN_CATEGORIES categories. A mean of percentiles over a few benchmarks the model's makers
# chose is not comparable with a mean over many: a model that reports only the 4 benchmarks it
# leads scores 100, and two models with 4 benchmarks each out of 17 may share none. With more
# than half (k1 + k2 > N), any two ranked models share at least one benchmark.
MIN_CATEGORIES = 2


def min_coverage(available: int) -> int:
    """Counted benchmarks a model needs for an overall rank: more than half of ``available``."""
    return available // 2 + 1


METHOD = f"""\
1. Only open-weight models take part, and only scores on benchmarks listed in the benchmark catalog. \
When a card has several scores for one benchmark, the one with the latest date counts \
(the first one listed if the dates are equal).
2. A benchmark counts once at least K = {MIN_REPORTERS} open-weight models report it; \
scores on benchmarks reported by fewer models are shown in the cards but not used here.
3. Each score becomes a percentile among the n models that report that benchmark: \
p = (w + (t - 1) / 2) / (n - 1), where w is the number of those models with a worse score \
and t the number of models with exactly the same score (the model itself included). \
The best model gets 100, the worst 0, tied models share the average of the places they occupy, \
and when all n scores are equal each gets 50. Worse means lower, or higher for a benchmark \
where lower is better. The benchmark's own scale plays no part, so a benchmark every model aces \
gives no free credit.
4. Category score = the mean of the model's percentiles on the counted benchmarks of that category. \
Overall score = the mean of its category scores, so each category weighs the same whatever \
the number of benchmarks in it.
5. Missing scores are never filled in or counted as zero: every mean runs over the scores the model \
reports. Coverage, shown as counted / available, is the number of counted benchmarks the model \
reports out of the counted benchmarks (overall, or in that category).
6. A category rank needs at least one counted benchmark in that category. An overall rank needs \
more than half of the counted benchmarks (N counted benchmarks: at least N // 2 + 1 of them, \
so 9 of 17) in at least {MIN_CATEGORIES} categories. An average of percentiles over a few benchmarks \
is not comparable with one over many: a model that reports only the few benchmarks it leads \
scores 100, and two models that each report a few benchmarks may have none in common. With more than \
half, any two models ranked overall share at least one benchmark. Models below that are listed \
apart with their coverage, not ranked overall, and keep their category ranks.
7. Ranks are ordered by score, highest first (scores compared to 9 decimal places). Equal scores share \
a rank and the next rank skips (1, 2, 2, 4); tied models are listed by name. A rank is written \
"#k of n", n being the number of models ranked in that table."""

ROUND = 9  # decimal places for comparing scores (floating-point means of equal inputs can differ in the last bit)


@dataclass
class Ranking:
    categories: list[str]                                  # categories with at least one counted benchmark
    overall: list[dict[str, Any]]                          # ranked rows by rank, then unranked rows (rank None)
    by_category: dict[str, list[dict[str, Any]]]           # category -> rows by rank
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)  # card id -> {"overall": n, category: n}
    benchmarks: list[dict[str, Any]] = field(default_factory=list)  # per catalog benchmark: reporters, counted
    available: dict[str, int] = field(default_factory=dict)        # "overall" / category -> counted benchmarks
    ranked: dict[str, int] = field(default_factory=dict)           # "overall" / category -> models ranked there


def latest_scores(card: Mapping[str, Any], known: set[str]) -> dict[str, float]:
    """Benchmark id -> score, the latest-dated one per benchmark (first listed on equal dates)."""
    best: dict[str, tuple[str, float]] = {}
    for ev in card.get("evaluations") or []:
        bid = ev.get("benchmark")
        if bid not in known or ev.get("score") is None:
            continue
        date = str(ev.get("date") or "")
        if bid not in best or date > best[bid][0]:
            best[bid] = (date, float(ev["score"]))
    return {k: v for k, (_, v) in best.items()}


def percentiles(scores: Mapping[str, float], higher_is_better: bool = True) -> dict[str, float]:
    """Model id -> p = (w + (t - 1) / 2) / (n - 1) in 0..1 (METHOD step 3); needs n >= 2."""
    n = len(scores)
    ordered = sorted(scores.values())
    out = {}
    for mid, s in scores.items():
        below, upto = bisect.bisect_left(ordered, s), bisect.bisect_right(ordered, s)
        worse = below if higher_is_better else n - upto
        out[mid] = (worse + (upto - below - 1) / 2) / (n - 1)
    return out


def _competition_ranks(rows: list[dict[str, Any]]) -> None:
    rows.sort(key=lambda r: (-round(r["score"], ROUND), str(r["name"]).lower(), r["id"]))
    prev, rank = None, 0
    for i, row in enumerate(rows, start=1):
        key = round(row["score"], ROUND)
        if key != prev:
            rank, prev = i, key
        row["rank"] = rank


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def rank_models(cards: Sequence[Mapping[str, Any]], benchmarks: Sequence[Mapping[str, Any]]) -> Ranking:
    catalog = {b["id"]: b for b in benchmarks if "id" in b}
    open_cards = {c["id"]: c for c in cards if c.get("open_weights")}
    scores = {cid: latest_scores(c, set(catalog)) for cid, c in open_cards.items()}

    def category(bid: str) -> str:
        return str(catalog[bid].get("category") or "other")

    # Step 2 and 3: percentiles on the benchmarks with enough reporters.
    pct: dict[str, dict[str, float]] = {cid: {} for cid in scores}   # card id -> benchmark -> p
    bench_rows = []
    for bid, bench in catalog.items():
        reported = {cid: sc[bid] for cid, sc in scores.items() if bid in sc}
        counted = len(reported) >= MIN_REPORTERS
        if counted:
            for cid, p in percentiles(reported, bench.get("higher_is_better", True) is not False).items():
                pct[cid][bid] = p
        bench_rows.append({"id": bid, "name": bench.get("name") or bid, "category": category(bid),
                           "higher_is_better": bench.get("higher_is_better", True) is not False,
                           "reporters": len(reported), "counted": counted})

    available: dict[str, int] = {"overall": sum(1 for b in bench_rows if b["counted"])}
    for b in bench_rows:
        if b["counted"]:
            available[b["category"]] = available.get(b["category"], 0) + 1
    categories = sorted(k for k in available if k != "overall")

    # Step 4: category means, then the overall mean of categories.
    per_cat: dict[str, dict[str, float]] = {}
    per_cat_n: dict[str, dict[str, int]] = {}
    for cid, ps in pct.items():
        groups: dict[str, list[float]] = {}
        for bid, p in ps.items():
            groups.setdefault(category(bid), []).append(p)
        per_cat[cid] = {cat: _mean(v) for cat, v in groups.items()}
        per_cat_n[cid] = {cat: len(v) for cat, v in groups.items()}

    def row(cid: str, score: float | None, cat: str | None = None) -> dict[str, Any]:
        card = open_cards[cid]
        counted = per_cat_n[cid].get(cat, 0) if cat else len(pct[cid])
        return {"id": cid, "name": card.get("name", cid), "organization": card.get("organization", ""),
                "score": score, "rank": None, "counted": counted,
                "available": available[cat] if cat else available["overall"],
                "reported": len(scores[cid]), "categories": per_cat[cid],
                "percentiles": dict(sorted(pct[cid].items()))}

    # Step 6: coverage for an overall rank.
    ranked, unranked = [], []
    for cid, cats in per_cat.items():
        if not cats:
            continue
        if len(pct[cid]) >= min_coverage(available["overall"]) and len(cats) >= MIN_CATEGORIES:
            ranked.append(row(cid, _mean(list(cats.values()))))
        else:
            unranked.append(row(cid, None))
    _competition_ranks(ranked)
    # Below the coverage rule: most counted benchmarks first, then by name.
    unranked.sort(key=lambda r: (-r["counted"], str(r["name"]).lower(), r["id"]))

    by_category: dict[str, list[dict[str, Any]]] = {}
    for cat in categories:
        rows = [row(cid, cats[cat], cat) for cid, cats in per_cat.items() if cat in cats]
        _competition_ranks(rows)
        by_category[cat] = rows

    ranks: dict[str, dict[str, int]] = {}
    for r in ranked:
        ranks.setdefault(r["id"], {})["overall"] = r["rank"]
    for cat, rows in by_category.items():
        for r in rows:
            ranks.setdefault(r["id"], {})[cat] = r["rank"]
    bench_rows.sort(key=lambda b: (b["category"], str(b["name"]).lower()))
    n_ranked = {"overall": len(ranked), **{cat: len(rows) for cat, rows in by_category.items()}}
    for r in ranked:
        r["of"] = n_ranked["overall"]
    for cat, rows in by_category.items():
        for r in rows:
            r["of"] = n_ranked[cat]
    return Ranking(categories, ranked + unranked, by_category, ranks, bench_rows, available, n_ranked)


def method_steps() -> list[str]:
    """The numbered steps of METHOD as plain sentences, for the leaderboard page."""
    return [re.sub(r"^\d+\.\s+", "", line) for line in METHOD.splitlines() if line.strip()]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def standing(card: Mapping[str, Any], ranking: Ranking, benchmarks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What a model page says about the card's place on the leaderboard.

    ``ranks``: [(label, rank, of)] overall first, then per category; ``reason``: why there is
    no overall rank (None when ranked, or when the card has no evaluations at all);
    ``scores``: the card's raw evaluations with the benchmark's reporter count and
    whether the leaderboard counts it.
    """
    catalog = {b["id"]: b for b in benchmarks if "id" in b}
    stats = {b["id"]: b for b in ranking.benchmarks}
    evals = [e for e in card.get("evaluations") or [] if isinstance(e, Mapping)]
    scores = []
    for e in evals:
        bid = e.get("benchmark")
        bench, st = catalog.get(bid) or {}, stats.get(bid) or {}
        scores.append({"benchmark": bench.get("name") or bid, "id": bid, "category": bench.get("category") or "",
                       "score": e.get("score"), "source": e.get("source") or "", "date": str(e.get("date") or ""),
                       "reporters": st.get("reporters"), "counted": bool(st.get("counted"))})
    ranks_of = ranking.ranks.get(str(card.get("id")), {})
    of = ranking.ranked
    ranks = [("Overall", ranks_of["overall"], of["overall"])] if "overall" in ranks_of else []
    ranks += [(cat, ranks_of[cat], of[cat]) for cat in ranking.categories if cat in ranks_of]
    reason = None
    if evals and "overall" not in ranks_of:
        on_catalog = [s for s in scores if s["id"] in catalog]
        counted = {s["id"] for s in scores if s["counted"]}
        cats = {str(catalog[b].get("category") or "other") for b in counted}
        n = _plural(len(evals), "score", "scores")
        if not card.get("open_weights"):
            reason = "Not ranked: the leaderboard ranks open-weight models only."
        elif not on_catalog:
            reason = f"Not ranked: none of its {n} is on a benchmark of the leaderboard's catalog."
        elif not counted:
            reason = (f"Not ranked: its {n} are on benchmarks too few open-weight models report "
                      f"(a benchmark counts once {MIN_REPORTERS} do).") if len(evals) > 1 else \
                     (f"Not ranked: its one score is on a benchmark too few open-weight models report "
                      f"(a benchmark counts once {MIN_REPORTERS} do).")
        else:
            n_all = ranking.available.get("overall", 0)
            reason = (f"Not ranked overall: it reports {len(counted)} of the {n_all} counted benchmarks, in "
                      f"{_plural(len(cats), 'category', 'categories')}; an overall rank needs at least "
                      f"{min_coverage(n_all)} of {n_all} (more than half) in at least {MIN_CATEGORIES} categories.")
    return {"ranks": ranks, "reason": reason, "scores": scores, "has_evaluations": bool(evals),
            "min_reporters": MIN_REPORTERS}


def coverage_rule(ranking: Ranking) -> str:
    """The overall-rank coverage rule with today's numbers, printed above the overall table."""
    n = ranking.available.get("overall", 0)
    return (f"A model is ranked overall when it reports more than half of the {n} counted benchmarks "
            f"(at least {min_coverage(n)} of {n}) in at least {MIN_CATEGORIES} categories: an average over "
            f"fewer benchmarks, chosen by the model's makers, is not comparable (step 6 of the method).")


SIZE_FIELDS = ("total", "total_text", "q4_bytes", "q4_text", "q4_context")


def size_rows(ranking: Ranking, rows: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The size fields of the models-index rows of the models on the board (the page's data: an edit to
    a card off the board, or to a field other than these, leaves the page as it is)."""
    on_board = ranking.ranks.keys() | {r["id"] for r in ranking.overall}
    return {cid: {k: rows[cid].get(k) for k in SIZE_FIELDS} for cid in sorted(on_board) if cid in rows}


def _common_context(rows: Mapping[str, Mapping[str, Any]] | None) -> int | None:
    """The reference context most of the models' memory figures are at (min(8192, max context))."""
    counts: dict[int, int] = {}
    for r in (rows or {}).values():
        if r.get("q4_context"):
            counts[r["q4_context"]] = counts.get(r["q4_context"], 0) + 1
    return max(counts, key=lambda c: (counts[c], c)) if counts else None


def _size(row: Mapping[str, Any] | None, context: int | None) -> dict[str, Any]:
    """A model's size columns from its models-index row (pages.index_row): total parameters and the
    memory at pages.SIZE_QUANT and the reference context, raw (for sorting) and as text; a model whose
    reference context is not the column's (a shorter maximum context) says its own."""
    row = row or {}
    mem = row.get("q4_bytes")
    text = row.get("q4_text") or fmt.UNKNOWN
    if mem is not None and row.get("q4_context") not in (None, context):
        text += f" @ {fmt.tokens(row['q4_context'])}"
    return {"total": row.get("total"), "total_text": row.get("total_text") or fmt.UNKNOWN,
            "mem": mem, "mem_text": text}


def page_data(ranking: Ranking, rows: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The leaderboard template's variables (besides ``base``). ``rows``: card id -> models-index row
    (pages.index_row), for the size columns (review P8: a local leaderboard needs the model's size)."""
    context = _common_context(rows)
    sizes = {cid: _size((rows or {}).get(cid), context)
             for cid in ranking.ranks.keys() | {r["id"] for r in ranking.overall}}
    return {"overall": ranking.overall, "by_category": ranking.by_category, "categories": ranking.categories,
            "method": method_steps(), "benchmark_stats": ranking.benchmarks,
            "coverage_rule": coverage_rule(ranking), "n_ranked": ranking.ranked.get("overall", 0),
            "sizes": sizes,
            "size_heading": f"Memory at {pages.SIZE_QUANT}" + (f" @ {fmt.tokens(context)}" if context else "")}
