"""The compare page shows the parameter counts the model pages show: declared where the
card gives them, else derived (pages.effective_params), never a second rule in JavaScript."""

from __future__ import annotations

import json
import re
from pathlib import Path

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import fmt, pages, render

ROOT = Path(__file__).resolve().parents[2]
COMMAND_R = ROOT / "registry" / "cohere" / "c4ai-command-r-v01.yaml"
DSV2_LITE = ROOT / "registry" / "deepseek" / "deepseek-v2-lite.yaml"


def compare_params(paths: list[Path]) -> tuple[dict[str, list[int | None]], dict[str, dict]]:
    catalogs = load_catalogs()
    rows, derived = [], {}
    for path in paths:
        card = load_file(path).data
        assert card is not None
        d = derive(card, catalogs)
        derived[card["id"]] = d
        rows.append(pages.index_row(card, d))
    text = render.render("compare.html", base="../", options=rows, options_html="", params_basis=pages.PARAMS_BASIS)
    m = re.search(r'<script type="application/json" id="compare-params">(.*?)</script>', text, re.S)
    assert m, "compare page without its parameter data"
    data: dict[str, list[int | None]] = json.loads(m.group(1))
    return data, derived


def test_compare_prefers_declared_counts_like_the_model_pages():
    data, derived = compare_params([COMMAND_R, DSV2_LITE])
    # Command R (dense): the card declares a total of 35,000,000,000 and no active count;
    # the architecture gives 34,980,831,232 for both (numbers from the card and the code
    # review). The declared total wins, and a dense model's active count is its total.
    assert derived["cohere/c4ai-command-r-v01"]["parameters"]["total"] == 34_980_831_232
    assert data["cohere/c4ai-command-r-v01"][:2] == [35_000_000_000, 35_000_000_000]
    # DeepSeek-V2-Lite (MoE): declared active 2.4B against 2,661,150,208 derived, which the
    # compare page used to show as "2.66B" while the model page said "2.40B".
    assert derived["deepseek/deepseek-v2-lite"]["parameters"]["active"] == 2_661_150_208
    assert data["deepseek/deepseek-v2-lite"][:2] == [15_706_484_224, 2_400_000_000]
    assert fmt.params(data["deepseek/deepseek-v2-lite"][1]) == "2.40B"


def test_compare_data_equals_the_model_page_header():
    catalogs = load_catalogs()
    data, _ = compare_params([COMMAND_R, DSV2_LITE])
    for path in (COMMAND_R, DSV2_LITE):
        card = load_file(path).data
        assert card is not None
        facts = dict(pages.header_facts(card, derive(card, catalogs)))
        total, active = data[card["id"]][:2]
        assert (facts["Total parameters"], facts["Active parameters"]) == (fmt.params(total), fmt.params(active))
