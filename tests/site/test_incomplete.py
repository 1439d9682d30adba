"""Cards whose architecture is incomplete: memory from the declared parameter count, said in words.

Expected values are computed here by hand from the card's declared total
(400,000,000,000 parameters) and the bits per weight that schema/quantizations.yaml
lists for each quantization: bytes = total x bits / 8.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from generator.site import pages
from generator.site.render import render
from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from helpers import INCOMPLETE_CARD, ROOT

TOTAL = 400_000_000_000
OVERHEAD = 500_000_000  # site/methodology.md: runtime overhead 0.5 GB per device
# Quantizations whose main storage type has exactly the catalog's bits per weight (FP8 adds
# block scales; MXFP4 applies only to routed experts, unknown here, so the rest is BF16).
PLAIN = ("FP32", "BF16", "FP16", "INT8", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0",
         "AWQ-4bit", "GPTQ-4bit", "Q3_K_M", "Q2_K", "IQ2_XXS")


def _derived():
    card = load_file(INCOMPLETE_CARD).data
    return card, derive(card, load_catalogs(ROOT / "schema"))


def _catalog_bits() -> dict[str, float]:
    data = yaml.safe_load((ROOT / "schema" / "quantizations.yaml").read_text())
    return {q["id"]: float(q["bits_per_weight"]) for q in data["quantizations"]}


def test_weights_from_the_declared_total():
    card, derived = _derived()
    t = pages.weights_table(derived)
    assert t is not None and t["with_activations"] is False
    rows = {r["quantization"]: r for r in t["rows"]}
    bits = _catalog_bits()
    for q in PLAIN:
        assert rows[q]["weights_bytes"] == TOTAL * bits[q] / 8, q
        assert rows[q]["least_bytes"] == TOTAL * bits[q] / 8 + OVERHEAD, q
    # Written out: Q4_K_M 4.5 bits -> 400e9 x 4.5 / 8 = 225e9 bytes; Q8_0 8.5 bits -> 425e9; BF16 -> 800e9.
    assert rows["Q4_K_M"]["weights_bytes"] == 225_000_000_000 and rows["Q4_K_M"]["weights"] == "225 GB"
    assert rows["Q8_0"]["weights_bytes"] == 425_000_000_000
    assert rows["BF16"]["weights_bytes"] == 800_000_000_000 and rows["BF16"]["bits"] == "16"
    assert rows["Q4_K_M"]["least"] == "226 GB"   # 225.5e9 rounds half up
    assert t["total"] == "400B" and t["active"] == "17.0B"
    # no context-by-quantization grid and no live calculator without a KV cache
    assert pages.vram_table(derived)["rows"] == []


def test_hardware_fit_is_a_lower_bound_and_no_speed_ceiling():
    _, derived = _derived()
    hw = pages.hardware_tables(derived)
    assert hw["weights_only"] is True and hw["speed"] is None
    col = hw["quantizations"].index("Q4_K_M")
    by_name = {r["gpu"]: r["cells"] for r in hw["fit"]}
    # RTX 4090, 24e9 bytes, all usable: 225e9 + n x 0.5e9 <= n x 24e9 -> n >= 225 / 23.5 = 9.57 -> 10
    assert by_name["NVIDIA GeForce RTX 4090 (24.0 GB)"][col] == "≥ 10 devices"
    # Apple M4 Pro, 64e9 x 75% = 48e9 usable: n >= 225 / 47.5 = 4.74 -> 5 (a Mac, not a GPU)
    assert by_name["Apple M4 Pro, 64 GB unified memory (64.0 GB)"][col] == "≥ 5 devices"
    bf16 = hw["quantizations"].index("BF16")
    # BF16: 800e9 / 23.5e9 = 34.04 -> 35
    assert by_name["NVIDIA GeForce RTX 4090 (24.0 GB)"][bf16] == "≥ 35 devices"
    assert not any("GPU" in c for cells in by_name.values() for c in cells)


def test_page_says_figures_come_from_declared_counts():
    card, derived = _derived()
    details = pages.model_details(card, derived, ranks=None, coding_category=None, last_change=None,
                                  edit_url=None)
    assert details["calculator_json"] is None
    assert details["params"][0]["check"] == "architecture incomplete: declared figure used"
    html = render("model_rest.html", m=details, base="../../../")
    for text in ("figures from the declared parameter count", 'id="weights-table"', 'id="calc-unavailable"',
                 "400,000,000,000"):
        assert text in html, text
    for text in ("No memory estimate", 'id="llmc-calc"', 'id="decode-table"', 'id="vram-table"', " GPUs<"):
        assert text not in html, text
    # The same layout with open weights (weights published, architecture not): a lower-bound hardware fit.
    details = pages.model_details(dict(card, open_weights=True), derived, ranks=None, coding_category=None,
                                  last_change=None, edit_url=None)
    html = render("model_rest.html", m=details, base="../../../")
    for text in ("Weights only, from the declared parameter count; the KV cache cannot be computed because "
                 "the attention layout is not published", 'id="decode-unavailable"', 'id="hardware-basis"'):
        assert text in html, text
    assert 'id="weights-unpublished"' not in html and 'id="hardware-unpublished"' not in html


def test_unpublished_weights_get_a_plain_statement_not_device_counts():
    """Review P14: a model whose weights are not published (the example card, like Llama 4 Behemoth) cannot
    run anywhere: the page says so in words instead of device counts, and the constant runtime overhead is a
    footnote, not a column of identical cells."""
    card, derived = _derived()
    details = pages.model_details(card, derived, ranks=None, coding_category=None, last_change=None,
                                  edit_url=None)
    html = render("model_rest.html", m=details, base="../../../")
    statement = ("Example has not published the weights of Unreleased MoE (it has been announced, "
                 "not released): it cannot be downloaded or run on any hardware.")
    assert statement in html
    assert 'id="hardware-unpublished"' in html and 'id="weights-unpublished"' in html
    for text in ('id="hardware-table"', 'id="hardware-basis"', "devices<", "<th>Overhead</th>"):
        assert text not in html, text
    # 0.5e9 bytes of overhead (site/methodology.md), written once under the table
    assert "+ 0.50 GB of runtime overhead (one device)" in html
    assert html.count("0.50 GB") == 1


def test_complete_cards_keep_the_full_tables():
    card = load_file(Path(__file__).resolve().parent / "registry" / "meta" / "llama-3.1-8b.yaml").data
    derived = derive(card, load_catalogs(ROOT / "schema"))
    assert pages.weights_table(derived) is None
    hw = pages.hardware_tables(derived)
    assert hw["weights_only"] is False and hw["speed"]
