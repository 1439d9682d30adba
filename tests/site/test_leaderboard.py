"""Leaderboard ranking, checked against hand computations written out below."""

import pytest

from generator.site import leaderboard
from generator.site.leaderboard import method_steps, percentiles, rank_models
from generator.site.render import render

CATALOG = [
    {"id": "q1", "name": "Q1", "category": "knowledge", "higher_is_better": True, "scale": {"min": 0, "max": 100}},
    {"id": "q2", "name": "Q2", "category": "knowledge", "higher_is_better": True, "scale": {"min": 0, "max": 100}},
    {"id": "c1", "name": "C1", "category": "coding", "higher_is_better": True, "scale": {"min": 0, "max": 100}},
    {"id": "e1", "name": "E1", "category": "coding", "higher_is_better": False, "scale": {"min": 0, "max": 100}},
    {"id": "r1", "name": "R1", "category": "reasoning", "higher_is_better": True, "scale": {"min": 0, "max": 100}},
]


def card(cid, scores, open_weights=True, date="2024"):
    return {"id": cid, "name": cid.split("/")[1].upper(), "organization": "o", "open_weights": open_weights,
            "evaluations": [{"benchmark": b, "score": s, "date": date, "source": "https://x"}
                            for b, s in scores.items()]}


# Six open models and one closed one. e1 is lower-is-better; r1 has only 3 open reporters.
SCORES = {
    "o/a": {"q1": 90, "q2": 70, "c1": 50, "e1": 10, "r1": 80},
    "o/b": {"q1": 80, "q2": 70, "c1": 60, "e1": 30, "r1": 70},
    "o/c": {"q1": 70, "q2": 50, "c1": 60, "e1": 20},
    "o/d": {"q1": 60, "q2": 40, "c1": 20, "e1": 40, "r1": 60},
    "o/e": {"q1": 50, "c1": 30, "e1": 50},
    "o/f": {"q1": 40, "q2": 90},
}
CLOSED = card("o/x", {"q1": 99, "c1": 99, "e1": 0, "r1": 99}, open_weights=False)

# Hand computation, p = (w + (t - 1) / 2) / (n - 1):
# q1, n = 6: A 90 -> 5/5 = 1, B 0.8, C 0.6, D 0.4, E 0.2, F 0.
# q2, n = 5 (E missing): F 90 -> 4/4 = 1; A, B tie at 70: w = 2 (C, D), t = 2 -> 2.5/4 = 0.625 each;
#     C 50 -> 1/4 = 0.25; D 40 -> 0.
# c1, n = 5 (F missing): B, C tie at 60: w = 3, t = 2 -> 3.5/4 = 0.875 each; A 50 -> 2/4 = 0.5;
#     E 30 -> 1/4 = 0.25; D 20 -> 0.
# e1, lower is better, n = 5: A 10 -> 4 worse -> 1; C 20 -> 0.75; B 30 -> 0.5; D 40 -> 0.25; E 50 -> 0.
# r1: 3 open reporters (the closed model does not count) < K = 5 -> not counted.
# Category and overall means:
#   A: knowledge (1 + 0.625)/2 = 0.8125; coding (0.5 + 1)/2 = 0.75;    overall 0.78125
#   B: knowledge (0.8 + 0.625)/2 = 0.7125; coding (0.875 + 0.5)/2 = 0.6875; overall 0.7
#   C: knowledge (0.6 + 0.25)/2 = 0.425; coding (0.875 + 0.75)/2 = 0.8125; overall 0.61875
#   D: knowledge (0.4 + 0)/2 = 0.2;      coding (0 + 0.25)/2 = 0.125;    overall 0.1625
#   E: knowledge 0.2 (q1 only);          coding (0.25 + 0)/2 = 0.125;    overall 0.1625 (3 benchmarks, 2 categories)
#   F: knowledge (0 + 1)/2 = 0.5; 2 counted benchmarks in 1 category -> no overall rank.
EXPECTED_OVERALL = [("o/a", 1, 0.78125), ("o/b", 2, 0.7), ("o/c", 3, 0.61875), ("o/d", 4, 0.1625),
                    ("o/e", 4, 0.1625)]
EXPECTED_CODING = [("o/c", 1, 0.8125), ("o/a", 2, 0.75), ("o/b", 3, 0.6875), ("o/d", 4, 0.125), ("o/e", 4, 0.125)]
EXPECTED_KNOWLEDGE = [("o/a", 1, 0.8125), ("o/b", 2, 0.7125), ("o/f", 3, 0.5), ("o/c", 4, 0.425),
                      ("o/d", 5, 0.2), ("o/e", 5, 0.2)]


def ranking(scores=SCORES, extra=(CLOSED,)):
    return rank_models([card(cid, s) for cid, s in scores.items()] + list(extra), CATALOG)


def triples(rows):
    return [(r["id"], r["rank"], r["score"]) for r in rows]


def test_constants_used_by_the_hand_computations():
    assert (leaderboard.MIN_REPORTERS, leaderboard.MIN_CATEGORIES) == (5, 2)
    # More than half of the counted benchmarks: 4 -> 3, 6 -> 4, 17 -> 9.
    assert [leaderboard.min_coverage(n) for n in (1, 4, 6, 17)] == [1, 3, 4, 9]


def test_percentiles_by_hand():
    p = percentiles({"a": 70, "b": 70, "c": 50, "d": 40, "f": 90})
    assert p == pytest.approx({"a": 0.625, "b": 0.625, "c": 0.25, "d": 0.0, "f": 1.0})
    lower = percentiles({"a": 10, "b": 30, "c": 20, "d": 40, "e": 50}, higher_is_better=False)
    assert lower == pytest.approx({"a": 1.0, "c": 0.75, "b": 0.5, "d": 0.25, "e": 0.0})
    assert percentiles({"a": 5, "b": 5, "c": 5}) == {"a": 0.5, "b": 0.5, "c": 0.5}  # all tied


def test_overall_and_category_scores_by_hand():
    r = ranking()
    ranked = [row for row in r.overall if row["rank"] is not None]
    assert [(i, k) for i, k, _ in triples(ranked)] == [(i, k) for i, k, _ in EXPECTED_OVERALL]
    assert [s for *_, s in triples(ranked)] == pytest.approx([s for *_, s in EXPECTED_OVERALL])
    for cat, expected in (("coding", EXPECTED_CODING), ("knowledge", EXPECTED_KNOWLEDGE)):
        got = triples(r.by_category[cat])
        assert [(i, k) for i, k, _ in got] == [(i, k) for i, k, _ in expected], cat
        assert [s for *_, s in got] == pytest.approx([s for *_, s in expected]), cat
    assert r.categories == ["coding", "knowledge"]  # reasoning (r1) has too few reporters


def test_ties_share_a_rank_and_are_listed_by_name():
    r = ranking()
    ranked = [row for row in r.overall if row["rank"] is not None]
    assert [(row["name"], row["rank"]) for row in ranked[-2:]] == [("D", 4), ("E", 4)]
    # B and C tie on c1 (0.875 each) but differ on e1, so the coding category separates them.
    assert r.by_category["coding"][0]["percentiles"]["c1"] == pytest.approx(0.875)


def test_lower_is_better_benchmark_rewards_low_scores():
    r = ranking()
    a = next(row for row in r.overall if row["id"] == "o/a")
    e = next(row for row in r.overall if row["id"] == "o/e")
    assert a["percentiles"]["e1"] == 1.0 and e["percentiles"]["e1"] == 0.0


def test_coverage_rule_and_counts():
    r = ranking()
    unranked = [row for row in r.overall if row["rank"] is None]
    assert [row["id"] for row in unranked] == ["o/f"]   # 2 counted benchmarks, 1 category
    assert r.ranks["o/f"] == {"knowledge": 3}           # still ranked in its category
    a = next(row for row in r.overall if row["id"] == "o/a")
    assert (a["counted"], a["available"], a["reported"]) == (4, 4, 5)   # r1 reported, not counted
    e = next(row for row in r.overall if row["id"] == "o/e")
    assert (e["counted"], e["available"]) == (3, 4)
    f_knowledge = next(row for row in r.by_category["knowledge"] if row["id"] == "o/f")
    assert (f_knowledge["counted"], f_knowledge["available"]) == (2, 2)
    assert r.available == {"overall": 4, "knowledge": 2, "coding": 2}
    # G: 3 counted benchmarks, but all in one category (knowledge, with a third benchmark q3 that
    # A, B, C, D and G report): no overall rank, a knowledge rank only.
    catalog = CATALOG + [{"id": "q3", "category": "knowledge", "higher_is_better": True}]
    scores = {cid: dict(s, q3=50) if cid in ("o/a", "o/b", "o/c", "o/d") else s for cid, s in SCORES.items()}
    scores["o/g"] = {"q1": 1, "q2": 1, "q3": 1}
    r2 = rank_models([card(cid, s) for cid, s in scores.items()], catalog)
    assert set(r2.ranks["o/g"]) == {"knowledge"}
    # Listed apart by coverage, highest first: G 3 counted benchmarks, F 2.
    assert [row["id"] for row in r2.overall if row["rank"] is None] == ["o/g", "o/f"]


def test_benchmark_needs_k_reporters():
    r = ranking()
    stats = {b["id"]: (b["reporters"], b["counted"]) for b in r.benchmarks}
    assert stats == {"q1": (6, True), "q2": (5, True), "c1": (5, True), "e1": (5, True), "r1": (3, False)}
    # Drop E's c1 score: c1 falls to 4 reporters and stops counting; coding is then e1 alone.
    fewer = dict(SCORES, **{"o/e": {"q1": 50, "e1": 50}})
    r2 = ranking(fewer)
    assert {b["id"]: b["counted"] for b in r2.benchmarks}["c1"] is False
    # e1 unchanged (n = 5): C 0.75 -> coding rank 2 behind A (1.0)
    assert triples(r2.by_category["coding"])[:2] == [("o/a", 1, 1.0), ("o/c", 2, 0.75)]


def test_closed_models_are_not_ranked_and_do_not_shift_percentiles():
    r = ranking()
    assert "o/x" not in r.ranks
    assert r.by_category["knowledge"][0]["percentiles"]["q1"] == 1.0  # A, not the closed 99, is best


def test_latest_score_wins():
    cards = [card(f"o/m{i}", {"q1": 10 * i, "q2": 10 * i, "c1": 10 * i}) for i in range(1, 5)]
    first = card("o/m0", {"q1": 100, "q2": 100, "c1": 100}, date="2023-01")
    first["evaluations"] += [{"benchmark": b, "score": 0, "date": "2024-05", "source": "https://x"}
                             for b in ("q1", "q2", "c1")]
    r = rank_models(cards + [first], CATALOG)
    # The 2024-05 zeros replace the 2023 hundreds: m0 is last everywhere (percentile 0).
    assert r.overall[-1]["id"] == "o/m0" and r.overall[-1]["score"] == 0.0


def test_empty_states():
    r = rank_models([card("o/a", {})], CATALOG)
    assert r.overall == [] and r.by_category == {} and r.categories == [] and r.ranks == {}
    # Scores exist but no benchmark has K reporters: still nothing to rank.
    r = rank_models([card(f"o/m{i}", {"q1": i}) for i in range(4)], CATALOG)
    assert r.overall == [] and r.by_category == {}
    html = render("leaderboard.html", base="../", **leaderboard.page_data(r))
    assert 'id="board-empty"' in html and 'id="board-overall"' not in html


def test_page_shows_scores_coverage_and_method():
    r = ranking()
    html = render("leaderboard.html", base="../", **leaderboard.page_data(r))
    assert "<td>78.1</td>" in html          # A overall 0.78125 -> 78.1
    assert ">4 of 4</td>" in html and ">3 of 4</td>" in html   # coverage of A and E
    # Ranks with their denominator: 5 models ranked overall (A..E), D and E tied at 4.
    assert '"><td>#1 of 5</td>' in html and html.count('"><td>#4 of 5</td>') >= 2
    assert "<caption>5 models ranked overall</caption>" in html
    # F is listed apart with its coverage (2 of the 4 counted benchmarks) and no overall score.
    unranked = html.split('id="board-unranked"')[1].split("</table>")[0]
    assert ">F</a></td><td>o</td>" in unranked and "<td>2 of 4</td><td>knowledge</td>" in unranked
    # The rule is written on the page, with today's numbers: more than half of 4 is 3.
    assert ("reports more than half of the 4 counted benchmarks (at least 3 of 4) in at least 2 categories"
            in html)
    # A category a ranked model has no score in reads "unknown" (E has no q2, but has knowledge via q1).
    assert "p = (w + (t - 1) / 2) / (n - 1)" in html
    assert "K = 5" in html and "more than half of the counted benchmarks" in html
    assert "base (pretrained)" in html  # the base/instruct limitation
    assert "<td>R1</td><td>reasoning</td><td>higher</td><td>3</td><td>no</td>" in html


def test_size_columns_from_the_index_rows():
    """Review P8: a local leaderboard shows each model's size (total parameters, memory at Q4_K_M at the
    reference context) from the same models-index rows as the rest of the site (one value per quantity)."""
    r = ranking()
    rows = {"o/a": {"total": 8_030_261_248, "total_text": "8.03B", "q4_bytes": 6_000_000_000,
                    "q4_text": "6.00 GB", "q4_context": 8192},
            "o/b": {"total": 70_000_000_000, "total_text": "70.0B", "q4_bytes": 43_000_000_000,
                    "q4_text": "43.0 GB", "q4_context": 8192},
            "o/c": {"total": 7_000_000_000, "total_text": "7.00B", "q4_bytes": 4_000_000_000,
                    "q4_text": "4.00 GB", "q4_context": 4096}}
    html = render("leaderboard.html", base="../", **leaderboard.page_data(r, rows))
    overall = html.split('id="board-overall"')[1].split("</table>")[0]
    assert "<th>Score</th>" in overall and ">Memory at Q4_K_M @ 8K</th>" in overall   # 8,192 is the common context
    a = overall.split('data-id="o/a"')[1].split("</tr>")[0]
    assert '<td data-value="8030261248">8.03B</td><td data-value="6000000000">6.00 GB</td>' in a
    c = overall.split('data-id="o/c"')[1].split("</tr>")[0]
    assert ">4.00 GB @ 4K</td>" in c                   # its own (shorter) reference context, said
    d = overall.split('data-id="o/d"')[1].split("</tr>")[0]
    assert '<td data-value="">unknown</td><td data-value="">unknown</td>' in d   # no row: unknown, not blank
    # the hardware filter's form (filled by leaderboard.js from api/fit) and its script
    assert 'id="board-fit" hidden' in html and "assets/js/leaderboard.js" in html


def test_method_is_written_out():
    steps = method_steps()
    assert len(steps) == 7
    assert any("missing" in s.lower() for s in steps)
    assert any("ties" in s.lower() or "tied" in s.lower() for s in steps)


def test_standing_explains_why_a_model_is_not_ranked():
    r = ranking()
    # F: q1 and q2 counted (n = 6 and 5), both knowledge -> 2 benchmarks in 1 category: no overall rank,
    # knowledge rank 3 (EXPECTED_KNOWLEDGE).
    st = leaderboard.standing(card("o/f", SCORES["o/f"]), r, CATALOG)
    assert st["ranks"] == [("knowledge", 3, 6)]     # 6 models have a knowledge score
    assert st["reason"] == ("Not ranked overall: it reports 2 of the 4 counted benchmarks, in 1 category; an "
                            "overall rank needs at least 3 of 4 (more than half) in at least 2 categories.")
    # A is ranked overall (1), coding 2, knowledge 1; categories in alphabetical order after overall.
    st = leaderboard.standing(card("o/a", SCORES["o/a"]), r, CATALOG)
    assert st["ranks"] == [("Overall", 1, 5), ("coding", 2, 5), ("knowledge", 1, 6)] and st["reason"] is None
    # The raw scores are all listed, with reporters: r1 has 3 open-weight reporters (A, B, D), not counted.
    r1 = next(s for s in st["scores"] if s["id"] == "r1")
    assert (r1["benchmark"], r1["score"], r1["reporters"], r1["counted"]) == ("R1", 80, 3, False)
    assert len(st["scores"]) == 5
    # The closed model has scores but takes no part.
    st = leaderboard.standing(CLOSED, r, CATALOG)
    assert st["ranks"] == [] and st["reason"] == "Not ranked: the leaderboard ranks open-weight models only."


def test_standing_scores_only_on_thin_benchmarks_and_no_scores():
    # G reports only r1 (3 open reporters + G = 4 < K = 5): no benchmark of G counts.
    g = card("o/g", {"r1": 50})
    r = ranking(extra=(CLOSED, g))
    st = leaderboard.standing(g, r, CATALOG)
    assert st["ranks"] == [] and st["has_evaluations"]
    assert st["reason"] == ("Not ranked: its one score is on a benchmark too few open-weight models report "
                            "(a benchmark counts once 5 do).")
    none = card("o/h", {})
    st = leaderboard.standing(none, ranking(extra=(none,)), CATALOG)
    assert st == {"ranks": [], "reason": None, "scores": [], "has_evaluations": False, "min_reporters": 5}


def test_more_than_half_coverage_rule_by_hand():
    """A model that reports only the few benchmarks it leads is not ranked overall (the review's case:
    4 of 17 benchmarks, 100 everywhere, first). Two more counted benchmarks, q3 (knowledge) and c2
    (coding), make N = 6 counted benchmarks (r1 still has 3 open reporters), so an overall rank needs
    more than half: 4 of 6.
      A: q1 q2 c1 e1 q3 c2 = 6   B: q1 q2 c1 e1 q3 c2 = 6   C: q1 q2 c1 e1 q3 c2 = 6
      D: q1 q2 c1 e1       = 4 (exactly the minimum: ranked)
      E: q1 c1 e1 q3 c2    = 5
      F: q1 q2 c2          = 3 in 2 categories (half, not more: not ranked)
      G: q1 c1 q3          = 3 in 2 categories, the best score on each: percentile 1 on all three,
         category means 1 and 1, an overall 1.0 (100) that the old "3 benchmarks in 2 categories"
         rule ranked first; now not ranked overall, but first in knowledge and coding.
    """
    catalog = CATALOG + [{"id": "q3", "category": "knowledge", "higher_is_better": True},
                         {"id": "c2", "category": "coding", "higher_is_better": True}]
    scores = {cid: dict(s) for cid, s in SCORES.items()}
    for cid, q3, c2 in (("o/a", 60, 60), ("o/b", 50, 50), ("o/c", 40, 40), ("o/e", 30, 30)):
        scores[cid].update(q3=q3, c2=c2)
    scores["o/f"]["c2"] = 20
    scores["o/g"] = {"q1": 100, "c1": 100, "q3": 100}
    r = rank_models([card(cid, s) for cid, s in scores.items()], catalog)
    assert r.available["overall"] == 6
    ranked = [row["id"] for row in r.overall if row["rank"] is not None]
    unranked = [(row["id"], row["counted"], row["available"]) for row in r.overall if row["rank"] is None]
    assert sorted(ranked) == ["o/a", "o/b", "o/c", "o/d", "o/e"]
    assert unranked == [("o/f", 3, 6), ("o/g", 3, 6)]          # equal coverage: by name
    assert r.ranked["overall"] == 5 and all(row["of"] == 5 for row in r.overall if row["rank"])
    # G: percentile 1 on q1 (n = 7), c1 (n = 6), q3 (n = 5: A B C E G): first in both categories.
    g = next(row for row in r.overall if row["id"] == "o/g")
    assert g["percentiles"] == {"c1": 1.0, "q1": 1.0, "q3": 1.0} and g["score"] is None
    assert r.ranks["o/g"] == {"coding": 1, "knowledge": 1}
    st = leaderboard.standing(card("o/g", scores["o/g"]), r, catalog)
    assert st["ranks"] == [("coding", 1, 7), ("knowledge", 1, 7)]   # A-E, F (c2), G in both
    assert "it reports 3 of the 6 counted benchmarks, in 2 categories" in st["reason"]
    assert "at least 4 of 6 (more than half)" in st["reason"]
