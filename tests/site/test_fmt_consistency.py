"""One value per quantity across pages: the model page's fact tiles, the models index and the
compare page show the same parameter counts and architecture label for a card.

The review (site-review.md P9) saw DeepSeek-V3 active 37.0B on its page and 37.6B on compare,
gpt-oss-120b 5.10B against 5.71B: the card declares 37,000,000,000 (5,100,000,000) while the
calculator derives 37,552,297,472 (5,711,982,912) from the architecture, and compare printed the
derived figure. Every page now shows pages.effective_params (declared where the card gives it,
else derived; a dense model's active count is its total) and says so (pages.PARAMS_BASIS).
The expected strings are written out by hand from the cards' declared figures.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages, render

ROOT = Path(__file__).resolve().parents[2]
FORMAT_JS = ROOT / "site" / "assets" / "js" / "format.js"

# card -> (total, active, architecture) as every page must print them.
EXPECTED = {
    # declared total 684,489,845,504 and active 37,000,000,000 (derived active 37,552,297,472 = "37.6B")
    "deepseek/deepseek-v3": ("684B", "37.0B", "Mixture of experts"),
    # declared total 116,829,156,672 and active 5,100,000,000 (derived active 5,711,982,912 = "5.71B")
    "openai/gpt-oss-120b": ("117B", "5.10B", "Mixture of experts"),
    # dense, declared total 751,632,384; active = total (not the derived 596,049,920 without embeddings)
    "qwen/qwen3-0.6b": ("752M", "752M", "Dense"),
    # dense, declared total 12,187,325,040 (derived active without the vision tower: 11,766,034,176)
    "google/gemma-3-12b": ("12.2B", "12.2B", "Dense"),
    # declared 2,000,000,000,000 total and 288,000,000,000 active; the architecture is incomplete
    "meta/llama-4-behemoth": ("2.00T", "288B", "Mixture of experts"),
}


@pytest.fixture(scope="module")
def cards():
    catalogs = load_catalogs()
    out = {}
    for cid in EXPECTED:
        card = load_file(ROOT / "registry" / f"{cid}.yaml").data
        assert card is not None, cid
        out[cid] = (card, derive(card, catalogs))
    return out


def js_params(node: str, values: list[int | None]) -> list[str]:
    """What compare.js prints for these counts: LLMCardsFormat.params in node."""
    script = (f"const f = require({json.dumps(str(FORMAT_JS))});"
              "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(v.map(x => f.params(x))));")
    out = subprocess.run([node, "-e", script], input=json.dumps(values), capture_output=True, text=True, check=True)
    result: list[str] = json.loads(out.stdout)
    return result


def test_the_review_case_is_declared_against_derived(cards):
    card, derived = cards["deepseek/deepseek-v3"]
    assert card["parameters"]["active"] == 37_000_000_000
    assert derived["parameters"]["active"] == 37_552_297_472


def test_model_page_index_and_compare_agree(cards, node_exe):
    rows = []
    for cid, (total, active, arch) in EXPECTED.items():
        card, derived = cards[cid]
        facts = dict(pages.header_facts(card, derived))
        assert (facts["Total parameters"], facts["Active parameters"], facts["Architecture"]) == (total, active, arch)
        row = pages.index_row(card, derived)
        assert (row["total_text"], row["active_text"], row["arch_text"]) == (total, active, arch), cid
        index_html = str(render.macro("rows.html", "index_row")(row, "../"))
        assert f"<td>{arch}</td><td>{total}</td><td>{active}</td>" in index_html, cid
        rows.append(row)
    text = render.render("compare.html", base="../", options=rows, options_html="", params_basis=pages.PARAMS_BASIS)
    m = re.search(r'<script type="application/json" id="compare-params">(.*?)</script>', text, re.S)
    assert m
    data = json.loads(m.group(1))
    ids = list(EXPECTED)
    shown = js_params(node_exe, [data[c][0] for c in ids] + [data[c][1] for c in ids])
    assert shown == [EXPECTED[c][0] for c in ids] + [EXPECTED[c][1] for c in ids]
    assert [data[c][2] for c in ids] == [EXPECTED[c][2] for c in ids]
    # The rule is stated where the counts are listed.
    assert "declares them where it does, else derived from the architecture" in text


def test_architecture_label_is_one_wording():
    assert [pages.arch_label(t) for t in ("moe", "dense", None, "")] == [
        "Mixture of experts", "Dense", "unknown", "unknown"]
