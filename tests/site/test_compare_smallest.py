"""Compare's "smallest GPU" rows (review P13: "smallest GPU that fits per quantization"): for each model
the smallest common GPU that holds it, as its page's answer box says, at 8K context.

Hand check for Llama 3.1 8B at 8,192 tokens (the review measured BF16 18.0, Q8_0 10.5 and Q4_K_M
6.84 GB on its page; each includes the 0.5 GB per-device overhead), against schema/gpus.yaml's
memory sizes (no card under 8 GB; the first 8 GB card in the catalog is the RTX 3060 Ti, the first
12 GB one the RTX 3060 12GB, and the only size between 16 and 24 GB the RX 7900 XT's 20 GB):
Q4_K_M 6.84 <= 8 -> RTX 3060 Ti; Q8_0 10.5 > 10 (RTX 3080 10GB) -> RTX 3060 12GB;
BF16 18.0 > 16 -> RX 7900 XT.
"""

from __future__ import annotations

import json
import re

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages, render
from helpers import REGISTRY, TEST_REGISTRY


def _row(path):
    card = load_file(path).data
    return pages.index_row(card, derive(card, load_catalogs()))


def test_smallest_gpu_per_quantization_by_hand():
    cells = _row(TEST_REGISTRY / "meta" / "llama-3.1-8b.yaml")["smallest"]
    assert cells == {"native": "BF16: 1 × AMD Radeon RX 7900 XT (18.0 GB)",
                     "Q8_0": "1 × NVIDIA GeForce RTX 3060 12GB (10.5 GB)",
                     "Q4_K_M": "1 × NVIDIA GeForce RTX 3060 Ti (6.84 GB)"}


def test_short_context_native_and_unpublished():
    # Llama 2 7B's context is 4,096 tokens: its figures are at 4K, and the cell says so
    assert _row(TEST_REGISTRY / "meta" / "llama-2-7b.yaml")["smallest"]["Q4_K_M"].endswith(" @ 4K)")
    # gpt-oss-120b ships in MXFP4: the first row names it
    assert _row(REGISTRY / "openai" / "gpt-oss-120b.yaml")["smallest"]["native"].startswith("MXFP4: 1 × ")
    # weights not published: not applicable, said why (not "unknown", not a device count)
    assert set(_row(REGISTRY / "meta" / "llama-4-behemoth.yaml")["smallest"].values()) == {
        "n/a (weights not published)"}


def test_compare_page_embeds_the_rows():
    rows = [_row(TEST_REGISTRY / "meta" / "llama-3.1-8b.yaml")]
    text = render.render("compare.html", base="../", options=rows, options_html="", params_basis=pages.PARAMS_BASIS,
                         smallest_json=pages.compare_smallest(rows))
    m = re.search(r'<script type="application/json" id="compare-smallest">(.*?)</script>', text, re.S)
    assert m
    data = json.loads(m.group(1))
    assert data["rows"] == [["native", "Smallest GPU, as shipped @ 8K"], ["Q8_0", "Smallest GPU, Q8_0 @ 8K"],
                            ["Q4_K_M", "Smallest GPU, Q4_K_M @ 8K"]]
    assert data["cells"]["meta/llama-3.1-8b"]["Q4_K_M"] == "1 × NVIDIA GeForce RTX 3060 Ti (6.84 GB)"
