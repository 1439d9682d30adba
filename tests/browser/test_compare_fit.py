"""Compare in chromium: rows for the reader's hardware (fit, memory, context, speed bound) and the
leaderboard rank from api/fit/<setup>.json, rows whose values differ marked, a search field that
adds a model by name, and unknown ids in the address reported."""

from __future__ import annotations

import json

from generator.site import fmt

PAIR = "compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b"


def _choose(page, site: str, setup: str, engine: str = "llama.cpp") -> None:
    page.goto(site)
    page.evaluate("c => localStorage.setItem('llmcards.hardware', JSON.stringify(c))", {"setup": setup, "engine": engine})


def _row(page, row_id: str) -> list[str]:
    page.wait_for_selector(f"#{row_id}")
    return page.eval_on_selector(f"#{row_id}", "tr => Array.from(tr.cells).map(c => c.textContent)")


def test_hardware_rows_follow_the_chosen_setup(page, site):
    _choose(page, site, "rtx-4060-ti-16gb-x1")
    page.goto(site + PAIR)
    fit_row = _row(page, "compare-fit-row")
    assert fit_row[0].startswith("Runs on 1 × NVIDIA GeForce RTX 4060 Ti 16GB + 32 GiB RAM (llama.cpp)")
    data = json.loads(page.evaluate("fetch('../api/fit/rtx-4060-ti-16gb-x1.json').then(r => r.text())"))
    by_id = {m["id"]: m for m in data["models"]}
    llama = by_id["meta/llama-3.1-8b"]["engines"]["llama.cpp"]
    texts = {"yes": "Fits on the GPU", "offload": "Fits with offload to RAM", "no": "Does not fit"}
    assert fit_row[1] == f"{texts[llama['fit']]} · {llama['quant']}"
    speed = _row(page, "compare-speed-row")
    assert speed[1] == fmt.rate(llama["tps"])
    rank = _row(page, "compare-rank-row")
    assert rank[0].startswith("Leaderboard rank")
    # a value that differs between the two models is marked for sight and for screen readers
    differs = page.eval_on_selector_all("#compare-table tbody tr.llmc-differs th",
                                        "ths => ths.map(t => [t.textContent, t.getAttribute('aria-describedby')])")
    assert ["Total parameters", "compare-differs-note"] in differs
    assert page.is_visible("#compare-differs-note")
    same = page.eval_on_selector_all("#compare-table tbody tr:not(.llmc-differs)",
                                     "trs => trs.map(tr => Array.from(tr.cells).slice(1).map(c => c.textContent))")
    assert all(len(set(cells)) == 1 for cells in same)
    # changing the hardware here redraws the rows and is remembered
    page.select_option("#compare-setup", "rtx-3090-x2")
    page.wait_for_selector("#compare-fit-row th:has-text('RTX 3090')")
    assert page.evaluate("JSON.parse(localStorage.getItem('llmcards.hardware'))")["setup"] == "rtx-3090-x2"


def test_search_adds_a_model_by_name(page, site):
    page.goto(site + "compare/#meta/llama-3.1-8b")
    page.wait_for_selector("#compare-find:not([hidden])")
    page.fill("#compare-search", "mixtral")
    page.press("#compare-search", "Enter")
    page.wait_for_selector("#compare-table:not([hidden])")
    assert page.input_value("#compare-1") == "mistralai/mixtral-8x7b"
    assert page.inner_text("#compare-find-note") == "Added."
    page.fill("#compare-search", "mixtral")
    page.press("#compare-search", "Enter")
    assert page.inner_text("#compare-find-note") == "Already compared."
    page.fill("#compare-search", "llama")          # Llama 2 7B and Llama 3.1 8B (one is in): two match
    page.press("#compare-search", "Enter")
    assert "match" in page.inner_text("#compare-find-note")
    page.select_option("#compare-2", "meta/llama-3.1-8b")      # the same model twice: said, not silent
    assert page.inner_text("#compare-find-note") == "A model picked twice is compared once."
    assert page.get_attribute("#compare-search", "list") == "compare-models"
    assert page.locator("label[for=compare-search]").count() == 1


def test_an_unknown_id_in_the_address_is_reported(page, site):
    page.goto(site + "compare/#meta/nope,meta/llama-3.1-8b")
    page.wait_for_selector("#compare-hint:not([hidden])")
    assert "meta/nope" in page.inner_text("#compare-hint")
