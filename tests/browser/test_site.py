"""The built site in a real browser (chromium via Playwright): pages render, scripts work,
nothing errors in the console, and no request leaves 127.0.0.1 (checked by the `page` fixture)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT, TEST_REGISTRY


def test_model_page_renders_tables_and_chart(page, site):
    page.goto(site + "models/meta/llama-3.1-8b/")
    assert page.locator("h1").first.inner_text() == "Llama 3.1 8B"
    assert page.locator("#spec-table tr").count() >= 12
    assert "Hidden size" in page.locator("#spec-table").inner_text()
    assert page.locator("#vram-table tbody tr").count() >= 4
    assert page.locator("#vram-table td[data-tier]").count() >= 8
    assert page.locator("#vram-chart svg polyline").count() >= 1
    assert page.locator("#vram-chart svg").bounding_box()["width"] > 200
    assert "Upper bound" in page.locator("#decode-speed + p").inner_text()
    assert page.locator("#edit-card").get_attribute("href").endswith("llama-3.1-8b.yaml")
    page.wait_for_load_state("networkidle")


def _calc_cli(quant: str, kv: str, context: int, batch: int) -> int:
    """`llmcards calc` for the same card and inputs, as a user would run it."""
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "calc", str(TEST_REGISTRY / "meta/llama-3.1-8b.yaml"),
         "--quant", quant, "--kv-dtype", kv, "--context", str(context), "--batch", str(batch), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    rows = [r for r in out["query"] if r["quantization"] == quant and r["context"] == context
            and r["batch"] == batch and r["kv_dtype"] == kv]
    assert len(rows) == 1
    return rows[0]["total_bytes"]


def _set_range(page, selector: str, value: int) -> None:
    page.eval_on_selector(selector, "(el, v) => { el.value = String(v); "
                          "el.dispatchEvent(new Event('input', {bubbles: true})); }", value)


def test_calculator_matches_cli(page, site):
    page.goto(site + "models/meta/llama-3.1-8b/")
    total = page.locator("#calc-total")
    assert page.locator("#calc-context").input_value() == "8192"  # default context: 8K, as hardware fit (review P10)
    assert total.get_attribute("aria-live") == "polite"          # the Total is announced (review P10)
    first = total.get_attribute("data-bytes")
    assert int(first) == _calc_cli(page.locator("#calc-quantization").input_value(), "F16", 8192, 1)

    page.select_option("#calc-quantization", "Q8_0")
    page.select_option("#calc-kv", "Q8_0")
    _set_range(page, "#calc-context", 3000)
    page.fill("#calc-batch", "2")
    page.dispatch_event("#calc-batch", "input")
    moved = total.get_attribute("data-bytes")
    assert moved != first
    assert int(moved) == _calc_cli("Q8_0", "Q8_0", 3000, 2)
    assert page.locator("#calc-context-value").inner_text() == "3,000"
    # the slider stops at the model's maximum context (131,072 for Llama 3.1 8B)
    assert page.locator("#calc-context").get_attribute("max") == "131072"


def test_index_sorts_and_filters(page, site):
    page.goto(site + "models/")
    rows = page.locator("#models-table tbody tr")
    assert rows.count() == 4

    def visible_ids():
        return page.eval_on_selector_all("#models-table tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.id)")

    page.click("#models-table th[data-key=total]")
    ids = visible_ids()
    # hand-ordered by published totals: Llama 2 7B 6.74B < Llama 3.1 8B 8.03B (hostile fixture = same
    # size as Llama 3.1 8B, ties broken by id) < Mixtral 8x7B 46.7B
    assert ids == ["meta/llama-2-7b", "example/hostile-model", "meta/llama-3.1-8b", "mistralai/mixtral-8x7b"]
    page.click("#models-table th[data-key=total]")
    assert visible_ids()[0] == "mistralai/mixtral-8x7b"

    page.select_option("#model-filters select[name=arch]", "moe")
    assert visible_ids() == ["mistralai/mixtral-8x7b"]
    page.select_option("#model-filters select[name=arch]", "")
    page.select_option("#model-filters select[name=organization]", "Meta")
    assert sorted(visible_ids()) == ["meta/llama-2-7b", "meta/llama-3.1-8b"]
    page.select_option("#model-filters select[name=context]", "131072")
    assert visible_ids() == ["meta/llama-3.1-8b"]   # Llama 2 7B has 4K context
    assert "1 of 4" in page.locator("#model-count").inner_text()
    assert page.locator("#models-empty").is_hidden()
    # no model left: the page says so and one button clears every filter (review P7)
    page.select_option("#model-filters select[name=arch]", "moe")
    assert visible_ids() == []
    assert page.get_by_text("No model matches these filters.").is_visible()
    page.get_by_role("button", name="Clear filters").click()
    assert len(visible_ids()) == 4
    assert page.locator("#models-empty").is_hidden()
    assert page.eval_on_selector_all("#model-filters select[name=organization], #model-filters select[name=arch], "
                                     "#model-filters select[name=context]", "ss => ss.map(s => s.value)") == ["", "", ""]
    assert "4 of 4" in page.locator("#model-count").inner_text()


def test_compare_two_models(page, site):
    page.goto(site + "compare/")
    assert page.locator("#compare-table").is_hidden()
    page.select_option("#compare-0", "meta/llama-3.1-8b")
    page.select_option("#compare-1", "mistralai/mixtral-8x7b")
    page.wait_for_selector("#compare-table:not([hidden])")
    head = page.locator("#compare-table thead").inner_text()
    assert "Llama 3.1 8B" in head and "Mixtral 8x7B" in head
    body = page.locator("#compare-table tbody").inner_text()
    assert "8.03B" in body and "46.7B" in body and "VRAM Q4_K_M" in body
    page.wait_for_load_state("networkidle")


def test_model_page_links_to_compare_with_the_model_chosen(page, site):
    page.goto(site + "models/meta/llama-3.1-8b/")
    page.click("#compare-link")
    page.wait_for_selector("#compare-form")
    assert page.locator("#compare-0").input_value() == "meta/llama-3.1-8b"
    page.select_option("#compare-1", "mistralai/mixtral-8x7b")
    page.wait_for_selector("#compare-table:not([hidden])")
    assert "Llama 3.1 8B" in page.locator("#compare-table thead").inner_text()
    page.wait_for_load_state("networkidle")


def test_search_works_offline(page, site):
    page.goto(site)
    page.set_viewport_size({"width": 1280, "height": 900})  # desktop layout: search box in the header
    page.click("input[data-md-component=search-query]")
    page.keyboard.type("Mixtral")  # the theme listens to key events, not programmatic fills
    page.wait_for_selector(".md-search-result__item")
    assert "Mixtral" in page.locator(".md-search-result").inner_text()


def test_home_and_api_pages(page, site):
    for path in ("", "api/", "contributing/", "models/meta/"):
        page.goto(site + path)
        assert page.locator("h1").count() >= 1
    page.wait_for_load_state("networkidle")


LINES_OF_LINK = "els => els.map(a => a.getClientRects().length)"
# lines taken by the text of each element (a text node's range has one rect per line)
LINES_OF_TEXT = ("els => els.map(el => { const r = document.createRange(); "
                 "r.selectNodeContents(el.firstChild); return r.getClientRects().length; })")


def test_wide_pages_keep_names_on_one_line(page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "models/")
    assert page.locator(".md-sidebar--secondary").get_attribute("hidden") is not None  # no empty TOC
    lines = page.eval_on_selector_all("#models-table tbody td:first-child a", LINES_OF_LINK)
    assert lines and set(lines) == {1}
    page.goto(site + "models/meta/llama-3.1-8b/")
    for table in ("#decode-table", "#hardware-table"):
        lines = page.eval_on_selector_all(f"{table} tbody th", LINES_OF_TEXT)
        assert lines and set(lines) == {1}, table


def test_calculator_sits_under_vram_chart_and_shows_fit(page, site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "models/meta/llama-3.1-8b/")
    order = page.evaluate("""() => {
        const ids = ['vram-chart', 'calculator', 'hardware-fit'];
        const els = ids.map(i => document.getElementById(i));
        return els.every(Boolean) && els[0].compareDocumentPosition(els[1]) === Node.DOCUMENT_POSITION_FOLLOWING
            && els[1].compareDocumentPosition(els[2]) === Node.DOCUMENT_POSITION_FOLLOWING; }""")
    assert order
    batch = page.locator("#calc-batch")
    assert batch.get_attribute("type") == "number" and batch.is_visible()
    assert batch.bounding_box()["width"] > 40
    assert page.eval_on_selector("#calc-batch", "el => getComputedStyle(el).borderTopWidth") != "0px"
    # Default Q4_K_M, 8,192 tokens: about 4.9 GB of weights (8.03e9 parameters at ~4.9 bits), a
    # 1.07 GB KV cache (8,192 x 131,072 bytes) and the rest (6.84 GB in all, the review's figure):
    # fits the smallest tier, 8 GB, and so every tier.
    fits = page.eval_on_selector_all("#calc-fit span", "els => els.map(e => [e.textContent, e.dataset.fits])")
    assert [f[1] for f in fits] == ["yes"] * 8
    assert [f[0].rsplit(" ", 1)[0] for f in fits] == ["8 GB", "12 GB", "16 GB", "24 GB", "32 GB", "48 GB",
                                                      "80 GB", "141 GB"]
    assert page.locator("#calc-parts tr").count() == 4     # weights, KV cache, activations, overhead
    # BF16, 128K tokens, batch 64: the KV cache alone is 64 x 131,072 tokens x 131,072 bytes
    # (2 x 32 layers x 8 KV heads x 128 dims x 2 bytes) = 1,099.5 GB, so no single GPU fits.
    page.select_option("#calc-quantization", "BF16")
    _set_range(page, "#calc-context", 131072)
    page.fill("#calc-batch", "64")
    page.dispatch_event("#calc-batch", "input")
    fits = page.eval_on_selector_all("#calc-fit span", "els => els.map(e => e.dataset.fits)")
    assert fits == ["no"] * 8
    assert "141 GB GPUs" in page.locator("#calc-fit").inner_text()


def test_home_page_overview(page, site):
    page.goto(site)
    # tests/site/registry holds 4 cards from 3 organizations (example, meta, mistralai)
    assert page.locator("#stat-models").inner_text() == "4"
    assert page.locator("#stat-orgs").inner_text() == "3"
    assert page.locator("#list-newest li").count() >= 1
    href = page.locator("#list-largest a").first.get_attribute("href")
    assert href.startswith("./models/") or href.startswith("models/")
    page.wait_for_load_state("networkidle")


def test_sortable_headers_show_that_they_sort_before_a_click(page, site):
    # review P15: models-index headers "show no sort affordance until clicked"
    page.goto(site + "models/")
    after = "el => getComputedStyle(el, '::after').content"
    assert page.eval_on_selector('#models-table th[data-key="name"]', after) == '" ↕"'
    page.click('#models-table th[data-key="name"]')
    assert page.eval_on_selector('#models-table th[data-key="name"]', after) == '" ▲"'
    assert page.eval_on_selector('#models-table th[data-key="total"]', after) == '" ↕"'


@pytest.mark.parametrize("width", [1366, 1024])
def test_home_lists_share_one_row(page, site, width):
    # review P15: 'The "Largest models" list sits alone in a row with the right half empty' (1366 px)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site)
    tops = page.eval_on_selector_all(".llmc-lists > *", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 3 and len(set(tops)) == 1, tops
