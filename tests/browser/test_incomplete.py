"""A card with an incomplete architecture in a real browser: weights-only figures from the
declared parameter count, labelled as such, with no live calculator or speed ceiling.

Hand computation (tests/site/test_incomplete.py has the catalog loop): declared total
400,000,000,000 parameters; Q4_K_M is listed at 4.5 bits per weight in
schema/quantizations.yaml -> 400e9 x 4.5 / 8 = 225,000,000,000 bytes; plus the 0.5 GB
runtime overhead (site/methodology.md) -> at least 225,500,000,000 bytes.
"""

from __future__ import annotations


def test_incomplete_architecture_page(page, incomplete_site):
    page.goto(incomplete_site + "models/example/unreleased-moe/")
    basis = page.locator("#declared-basis")
    assert basis.is_visible()
    assert "figures from the declared parameter count" in basis.inner_text()
    q4 = page.locator('#weights-table tr[data-quantization="Q4_K_M"]')
    assert q4.locator("td").nth(1).get_attribute("data-bytes") == "225000000000"
    assert q4.locator("td").nth(1).inner_text() == "225 GB"
    assert q4.locator("td").last.get_attribute("data-bytes") == "225500000000"
    assert page.locator("#weights-table caption").inner_text() == \
        "Weights only, from the declared parameter count (KV cache unknown)"
    # the overhead is a footnote (review P14): 0.5 GB, written once
    assert "0.50 GB of runtime overhead" in page.locator("#weights-footnote").inner_text()
    assert "Overhead" not in page.locator("#weights-table thead").inner_text()
    # the example card's weights are not published (like Llama 4 Behemoth): no calculator, and no
    # device counts or speed ceiling for a model nothing can run, but a plain statement
    assert page.locator("#llmc-calc").count() == 0 and page.locator("#ecalc").count() == 0
    assert "weights are not published" in page.locator("#calc-unavailable").inner_text()
    assert page.locator("#hardware-table").count() == 0 and page.locator("#decode-table").count() == 0
    assert "cannot be downloaded or run on any hardware" in page.locator("#hardware-unpublished").inner_text()
    assert "No memory estimate" not in page.content()


def test_complete_card_has_no_gpu_wording_for_macs(page, site):
    page.goto(site + "models/meta/llama-3.1-8b/")
    mac = page.locator("#hardware-table tbody tr", has_text="M4 Pro, 64 GB").inner_text()   # one of three M4 Pro sizes
    assert "GPU" not in mac.split("\t", 1)[1] and "device" in mac
    assert page.locator("#calc-total").get_attribute("data-bytes") not in (None, "")


def test_compare_weights_only_lower_bound(page, incomplete_site):
    # No VRAM table for the incomplete card: compare shows the weights as a lower bound, as its
    # page does (site-review P12), not a dash. BF16: 400e9 x 2 bytes = 800 GB; Q4_K_M: 225 GB (above).
    page.goto(incomplete_site + "compare/")
    page.select_option("#compare-0", "example/unreleased-moe")
    page.select_option("#compare-1", "meta/llama-2-7b")
    page.wait_for_selector("#compare-table:not([hidden])")
    rows = {r[0]: r[1:] for r in page.eval_on_selector_all(
        "#compare-table tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")}
    assert rows["VRAM BF16 @ 8K"][0] == "≥ 800 GB (weights only)"
    assert rows["VRAM Q4_K_M @ 8K"][0] == "≥ 225 GB (weights only)"
    assert rows["VRAM Q4_K_M @ 32K"][0] == "≥ 225 GB (weights only)"
    assert not rows["VRAM Q4_K_M @ 8K"][1].startswith("≥")   # the complete card keeps its full estimate
