"""Mutation fuzzing of `llmcards validate` over the real registry cards (seeded, a fixed number of mutants).

The mutations and the promises checked are described in tests/fuzz_cards.py;
`python bench/fuzz.py --mutants N --seed S` runs the same fuzzer for longer.
"""

from __future__ import annotations

import fuzz_cards
import pytest


# Two validate runs of about 35 ms of CPU per mutant: 90 mutants keep this test to a few
# seconds. The first 2 x 41 mutants of a seed include every text mutation once (see below).
@pytest.mark.parametrize("seed,count", [(1, 90)])
def test_every_mutant_gets_located_errors_or_builds(tmp_path, seed, count):
    summary = fuzz_cards.run(seed, count, tmp_path)
    assert summary.mutants >= count - 5  # a few values PyYAML cannot write are skipped
    assert summary.failures == []
    # The mix reaches both outcomes and every format (so the checks above ran on each).
    assert summary.accepted > 0 and summary.rejected > 0
    assert set(summary.by_format) == {"text", "json", "github"}


def test_every_text_mutation_runs_in_the_first_mutants():
    names = [m.description for m in fuzz_cards.mutants(1, 2 * len(fuzz_cards.TEXT_MUTATIONS), fuzz_cards.real_cards())]
    assert {n.removeprefix("text ") for n in names if n.startswith("text ")} == set(fuzz_cards.TEXT_MUTATIONS)


def test_the_output_checks_catch_broken_promises():
    """The checker itself: each broken promise below must be reported."""
    path = "reg/meta/x.yaml"
    good = f"{path}:3:5: status: bad\n"
    assert fuzz_cards.check_output("text", path, 1, good, "1 card checked, 1 error in 1 file\n") == []
    assert fuzz_cards.check_output("text", path, 1, f"{path}: (top level): no line\n", "")
    assert fuzz_cards.check_output("text", path, 1, good + "status: split line\n", "")
    assert fuzz_cards.check_output("text", path, 0, good, "")
    assert fuzz_cards.check_output("text", path, 1, "", "llmcards validate: internal error (ZeroDivisionError)")
    assert fuzz_cards.check_output("text", path, 2, "", "")
    assert fuzz_cards.check_output("text", path, 1, f"{path}:1:1: x: \udcff\n", "")
    assert fuzz_cards.check_output("json", path, 1, '[{"file": "reg/meta/x.yaml", "line": 0}]', "")
    assert fuzz_cards.check_output("json", path, 1, '[{"file": "other.yaml", "line": 3}]', "")
    assert fuzz_cards.check_output("github", path, 1, f"::error file={path}::msg\n", "")
    assert fuzz_cards.check_output("github", path, 1, "::error file=reg/meta/x.yaml,line=2,col=1::msg\n", "") == []


# The reliability review's crash reproducers (#7-#10, #15), each one value in a real card.
# `n` digits are written out in full, as a contributor's editor would save them.
REVIEW_CASES = [
    ("kv-heads-zero", "meta/llama-3.1-8b", "    kv_heads: 8\n", "    kv_heads: 0\n"),
    ("total-401-digits", "meta/llama-3.1-8b", "  total: 8030261248\n", "  total: 1" + "0" * 400 + "\n"),
    ("hidden-4001-digits-head-dim-null", "meta/llama-3.1-8b", "  hidden_size: 4096\n",
     "  hidden_size: 1" + "0" * 4000 + "\n"),
    ("hidden-4401-digits", "meta/llama-3.1-8b", "  hidden_size: 4096\n", "  hidden_size: 1" + "0" * 4400 + "\n"),
    ("context-401-digits", "meta/llama-3.1-8b", "context_length: 131072\n", "context_length: 1" + "0" * 400 + "\n"),
    ("context-1e308", "meta/llama-3.1-8b", "context_length: 131072\n", "context_length: 1.0e+308\n"),
    ("experts-active-1e308", "mistralai/mixtral-8x7b", "    active: 2\n", "    active: 1.0e+308\n"),
]


@pytest.mark.parametrize("name,card_id,old,new", REVIEW_CASES, ids=[c[0] for c in REVIEW_CASES])
def test_review_crash_cases(tmp_path, name, card_id, old, new):
    text = (fuzz_cards.REGISTRY / f"{card_id}.yaml").read_text(encoding="utf-8")
    assert old in text
    if name == "hidden-4001-digits-head-dim-null":
        text = text.replace("    head_dim: 128\n", "    head_dim: null\n")
    mutant = fuzz_cards.Mutant(card_id, name, text.replace(old, new, 1).encode())
    summary = fuzz_cards.run_mutants([mutant], tmp_path)
    assert summary.failures == []
