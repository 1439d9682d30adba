"""Model-page calculator and compare page in chromium: the GPU tiers come from the
page (pages.GPU_TIERS), numbers are written by format.js exactly as fmt.py writes them,
and the compare page shows the model pages' parameter counts.

The site of this module is built with GPU_TIERS changed to 16 and 40 GB, so a tier
hard-coded anywhere in the JavaScript would show up as 24/48/80 GB here.
"""

from __future__ import annotations

import json
import shutil

import pytest

from generator.site import fmt, pages
from helpers import ROOT, TEST_REGISTRY, built_and_served

TIERS = (("16 GB", 16 * 10**9), ("40 GB", 40 * 10**9))
EXTRA = [ROOT / "registry" / "cohere" / "c4ai-command-r-v01.yaml",
         ROOT / "registry" / "deepseek" / "deepseek-v2-lite.yaml"]


@pytest.fixture(scope="module")
def frontend_site(tmp_path_factory, browser):
    reg = tmp_path_factory.mktemp("frontend") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    for path in EXTRA:
        (reg / path.parent.name).mkdir(exist_ok=True)
        shutil.copyfile(path, reg / path.parent.name / path.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pages, "GPU_TIERS", TIERS)
        yield from built_and_served(reg, reg.parent / "public")


def _set_range(page, selector: str, value: int) -> None:
    page.eval_on_selector(selector, "(el, v) => { el.value = String(v); "
                          "el.dispatchEvent(new Event('input', {bubbles: true})); }", value)


def _set_inputs(page, quant: str, kv: str, context: int, batch: int) -> int:
    page.select_option("#calc-quantization", quant)
    page.select_option("#calc-kv", kv)
    _set_range(page, "#calc-context", context)
    page.fill("#calc-batch", str(batch))
    page.dispatch_event("#calc-batch", "input")
    return int(page.locator("#calc-total").get_attribute("data-bytes"))


def _tier(total: int) -> str:
    return next((label for label, cap in TIERS if total <= cap), "more")


def test_calculator_takes_the_tiers_from_the_page(page, frontend_site):
    page.goto(frontend_site + "models/meta/llama-3.1-8b/")
    legend = page.eval_on_selector_all("#system-requirements + div p span.llmc-tier",
                                       "els => els.map(e => e.dataset.tier)")
    assert legend == ["16 GB", "40 GB", "more"]
    fits = page.eval_on_selector_all("#calc-fit span", "els => els.map(e => e.textContent.slice(0, 5))")
    assert fits == ["16 GB", "40 GB"]
    # BF16 weights of Llama 3.1 8B are 16.06 GB: above the 16 GB tier, within 40 GB.
    total = _set_inputs(page, "BF16", "F16", 1024, 1)
    assert 16 * 10**9 < total <= 40 * 10**9
    assert page.locator("#calc-total").get_attribute("data-tier") == "40 GB"
    assert page.eval_on_selector_all("#calc-fit span", "els => els.map(e => e.dataset.fits)") == ["no", "yes"]
    # 128K tokens, batch 64: over a terabyte; the sentence names the largest tier of the page.
    total = _set_inputs(page, "BF16", "F16", 131072, 64)
    assert page.locator("#calc-total").get_attribute("data-tier") == "more"
    need = -(-total // (40 * 10**9))
    assert f"more than 40 GB: at least {need} × 40 GB GPUs" in page.locator("#calc-fit").inner_text()


def test_calculator_writes_numbers_like_fmt(page, frontend_site):
    page.goto(frontend_site + "models/meta/llama-3.1-8b/")
    for quant, kv, context, batch in [("Q4_K_M", "F16", 1024, 1), ("Q8_0", "Q8_0", 3000, 2),
                                      ("BF16", "F16", 131072, 64), ("Q2_K", "Q4_0", 1, 1)]:
        total = _set_inputs(page, quant, kv, context, batch)
        assert page.locator("#calc-total").inner_text() == fmt.gb(total)
        assert page.locator("#calc-total").get_attribute("data-tier") == _tier(total)
        assert page.locator("#calc-context-value").inner_text() == fmt.exact(context)


def _compare_rows(page) -> dict[str, list[str]]:
    rows = page.eval_on_selector_all(
        "#compare-table tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")
    return {r[0]: r[1:] for r in rows}


def test_compare_shows_the_model_pages_counts_and_formats(page, frontend_site):
    ids = ["deepseek/deepseek-v2-lite", "cohere/c4ai-command-r-v01"]
    page.goto(frontend_site + "compare/")
    page.select_option("#compare-0", ids[0])
    page.select_option("#compare-1", ids[1])
    page.wait_for_selector("#compare-table:not([hidden])")
    rows = _compare_rows(page)
    # Declared counts, as on the model pages: DeepSeek-V2-Lite 15,706,484,224 total and
    # 2,400,000,000 active (derived active: 2,661,150,208 = "2.66B"); Command R 35,000,000,000
    # total (derived 34,980,831,232, which is "35.0B" too).
    assert rows["Total parameters"] == ["15.7B", "35.0B"]
    assert rows["Active parameters"] == ["2.40B", "35.0B"]
    assert rows["Context length"] == ["32K", "128K"]     # 32,768 and 131,072 tokens
    # One label per architecture on every page (the model page's), and "n/a" for a dense model's experts.
    assert rows["Architecture"] == ["Mixture of experts", "Dense"]
    assert rows["Experts (active)"][1] == "n/a"
    for model_id, column in zip(ids, range(2), strict=True):
        record = json.loads((page.request.get(frontend_site + f"api/models/{model_id}.json")).text())
        for label, cells in rows.items():
            if not label.startswith("VRAM "):
                continue
            quant, ctx = label[5:].split(" @ ")
            context = {"8K": 8192, "32K": 32768}[ctx]
            match = [r["total_bytes"] for r in record["derived"]["vram"] if r["quantization"] == quant
                     and r["context"] == context and r["batch"] == 1 and r["kv_dtype"] == "F16"]
            assert cells[column] == fmt.gb(match[0] if match else None), (model_id, label)
    page.goto(frontend_site + "models/deepseek/deepseek-v2-lite/")
    facts = dict(page.eval_on_selector_all(
        "#facts div", "ds => ds.map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])"))
    assert (facts["Total parameters"], facts["Active parameters"]) == ("15.7B", "2.40B")
    page.wait_for_load_state("networkidle")
