"""The auto-offload search (bisection) chooses what a step-by-step search over every value chooses.

llama.cpp plans pick the smallest --n-cpu-moe, else the largest -ngl, that fits; the engine module
bisects over that choice, relying on "moving more to the CPU never takes VRAM". This checks that
reliance on every registry card and a few GPUs: the plans must be identical to those of the plain
linear search (the reference below, written out step by step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

from generator.calc import engines as E
from generator.calc.catalogs import load_catalogs
from generator.calc.engines.llamacpp import planner as llamacpp_planner
from generator.load import load_file

ROOT = Path(__file__).resolve().parents[3]
CARDS = sorted((ROOT / "registry").glob("*/*.yaml"))
CATALOGS = load_catalogs()
# small, middle and large cards: each card moves experts or layers on some of them
GPUS = (("rtx-3090", 1), ("rtx-5090", 1), ("a100-80gb", 1), ("apple-64gb", 1), ("rtx-4090", 2))


def _linear_smallest(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    return next((n for n in range(lo, hi + 1) if fits(n)), None)


def _linear_largest(lo: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    return next((n for n in range(hi, lo - 1, -1) if fits(n)), None)


def _card(path: Path) -> Mapping[str, Any]:
    loaded = load_file(path, str(path))
    assert loaded.ok and isinstance(loaded.data, dict)
    return loaded.data


def _plans(card: Mapping[str, Any], options: Mapping[str, Any]) -> list[Any]:
    out = []
    for gpu, count in GPUS:
        # 64 GB of system RAM; a unified-memory machine's RAM is its own (engines.hardware refuses --ram-gb)
        hw = E.hardware(CATALOGS, gpu, count, None if gpu.startswith("apple") else 64)
        try:
            out.append(E.plan(card, CATALOGS, "llama.cpp", dict(options), hw))
        except E.PlanError as exc:  # e.g. a context above the card's maximum: the same either way
            out.append(str(exc))
    return out


def test_search_helpers_on_a_known_boundary():
    # fits from 7 on (smallest) / up to 7 (largest), over every range edge
    assert E.smallest_that_fits(1, 48, lambda n: n >= 7) == 7
    assert E.smallest_that_fits(1, 48, lambda n: n >= 1) == 1
    assert E.smallest_that_fits(1, 48, lambda n: n >= 48) == 48
    assert E.smallest_that_fits(1, 48, lambda n: False) is None
    assert E.largest_that_fits(0, 80, lambda n: n <= 7) == 7
    assert E.largest_that_fits(0, 80, lambda n: n <= 80) == 80
    assert E.largest_that_fits(0, 80, lambda n: n <= 0) == 0
    assert E.largest_that_fits(0, 80, lambda n: False) is None


@pytest.mark.parametrize("path", CARDS, ids=[f"{p.parent.name}/{p.stem}" for p in CARDS])
def test_bisection_equals_linear_search(path, monkeypatch):
    card = _card(path)
    options = {"context": 32768} if int(card.get("context_length") or 0) >= 32768 else {}
    bisected = _plans(card, options)
    # the plan's searches, as planner.py calls them
    monkeypatch.setattr(llamacpp_planner, "smallest_that_fits", _linear_smallest)
    monkeypatch.setattr(llamacpp_planner, "largest_that_fits", _linear_largest)
    assert bisected == _plans(card, options)
