"""Compare in chromium: the "smallest GPU" rows (review P13) show, for each model, what its own page's
answer box says for that quantization (one value per quantity across pages)."""

from __future__ import annotations

import re


def _answer_rows(page, site: str, card_id: str) -> dict[str, str]:
    """The model page's no-hardware answer: quantization -> 'GPU (size)' as it reads there."""
    page.goto(site + f"models/{card_id}/")
    out = {}
    for li in page.locator("#llmc-answer-none li").all_inner_texts():
        m = re.match(r"^.* (\S+): (.+?) · (.+)$", li)    # "4-bit Q4_K_M: 6.84 GB · 1 × NVIDIA ..."
        assert m, li
        out[m.group(1)] = f"{m.group(3)} ({m.group(2)})"
    return out


def test_smallest_gpu_rows_match_the_model_pages(page, site):
    ids = ["meta/llama-3.1-8b", "mistralai/mixtral-8x7b"]
    expected = {i: _answer_rows(page, site, i) for i in ids}
    page.goto(site + "compare/#" + ",".join(ids))
    page.wait_for_selector("#compare-table:not([hidden])")
    rows = {r[0]: r[1:] for r in page.eval_on_selector_all(
        "#compare-table tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")}
    for n, i in enumerate(ids):
        assert rows["Smallest GPU, Q4_K_M @ 8K"][n] == expected[i]["Q4_K_M"], i
        assert rows["Smallest GPU, Q8_0 @ 8K"][n] == expected[i]["Q8_0"], i
        assert rows["Smallest GPU, as shipped @ 8K"][n] == "BF16: " + expected[i]["BF16"], i
    # Hand check (tests/site/test_compare_smallest.py): Llama 3.1 8B at Q4_K_M, 6.84 GB, fits an 8 GB card
    assert rows["Smallest GPU, Q4_K_M @ 8K"][0] == "1 × NVIDIA GeForce RTX 3060 Ti (6.84 GB)"


def test_compare_corner_cell_is_not_an_empty_header(page, site):
    # review P13 / axe empty-table-header (minor): the top-left corner was an empty <th>
    page.goto(site + "compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b")
    page.wait_for_selector("#compare-table:not([hidden])")
    assert page.eval_on_selector("#compare-table thead tr > :first-child", "c => c.tagName") == "TD"
    assert page.eval_on_selector_all("#compare-table th", "ths => ths.filter(t => !t.textContent.trim()).length") == 0
