""""What can I run?" and the models index's hardware column in chromium, for the three readers of
issue 11 (an RTX 4060 Ti 16 GB, a 36 GB M3 Pro MacBook, two RTX 3090s) who chose their hardware
once (localStorage "llmcards.hardware"), at desktop and phone widths.

What the page shows for Llama 3.1 8B is compared with `llmcards plan` run as a command (the
test registry's card, the setup's GPU, count and RAM, the quantization and context the page
shows), and the quantization is checked to be the rule's: the one with the next more bits
does not fit on the GPU(s) by the same command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, TEST_REGISTRY

from generator.site import fmt

MODEL = "meta/llama-3.1-8b"
GIB_AS_GB = 2**30 / 10**9          # the setups' RAM is in GiB; --ram-gb takes 10^9 bytes
# (setup id, --gpu, --gpus, --ram-gb): the setups of generator/site/setups.py, written out
READERS = [("rtx-4060-ti-16gb-x1", "rtx-4060-ti-16gb", 1, 32 * GIB_AS_GB),
           ("apple-m3-pro-36gb-x1", "apple-m3-pro-36gb", 1, None),
           ("rtx-3090-x2", "rtx-3090", 2, 64 * GIB_AS_GB)]
QUANTS = ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"]    # most bits first
WIDTHS = (1366, 390)


def cli_plan(gpu: str, gpus: int, ram_gb: float | None, *options: str) -> dict:
    """`llmcards plan` (python -m generator plan) for the test registry's Llama 3.1 8B, as JSON."""
    cmd = [sys.executable, "-m", "generator", "plan", MODEL, "--registry", str(TEST_REGISTRY), "--engine", "llama.cpp",
           "--gpu", gpu, "--gpus", str(gpus), "--format", "json", *options]
    if ram_gb is not None:
        cmd += ["--ram-gb", repr(ram_gb)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def choose(page, site: str, setup: str, engine: str = "llama.cpp") -> None:
    """The reader's choice, as the site stores it, before the page loads."""
    page.goto(site)
    page.evaluate("c => localStorage.setItem('llmcards.hardware', JSON.stringify(c))",
                  {"setup": setup, "engine": engine})


def row_cells(page, card_id: str) -> list[str]:
    sel = f'#whatrun-rows tr[data-id="{card_id}"]'
    page.wait_for_selector(sel)
    return page.eval_on_selector(sel, "tr => Array.from(tr.cells).map(c => c.innerText.replace(/\\s+/g, ' ').trim())")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("setup,gpu,gpus,ram_gb", READERS, ids=[r[0] for r in READERS])
def test_a_reader_sees_what_llmcards_plan_says(page, site, setup, gpu, gpus, ram_gb, width):
    page.set_viewport_size({"width": width, "height": 900})
    choose(page, site, setup)
    page.goto(site + "what-can-i-run/")
    page.wait_for_selector(f'#whatrun-setup-label:text-is("{_label(page, setup)}")')
    cells = row_cells(page, MODEL)
    name, size, fits, quant, context, memory, speed, rank, released = cells
    assert name.startswith("Llama 3.1 8B")
    assert fits == "Fits on the GPU"
    assert quant in QUANTS
    plan = cli_plan(gpu, gpus, ram_gb, "--quant", quant, "--context", "8192")
    assert plan["fits"] is True
    assert memory == fmt.gb(sum(d["total_bytes"] for d in plan["devices"]))
    assert context == fmt.tokens(plan["max_context_that_fits"])
    assert speed == fmt.rate(plan["speed"]["decode_tokens_per_s_upper_bound"])
    # the rule: the quantization with the next more bits does not fit with every layer on the GPU(s)
    if quant != QUANTS[0]:
        better = QUANTS[QUANTS.index(quant) - 1]
        trial = cli_plan(gpu, gpus, ram_gb, "--quant", better, "--context", "8192",
                         "--n-gpu-layers", "999", "--cpu-moe-layers", "0")
        assert trial["fits"] is False
    # above the fold: the list starts within the first screen (on a desktop, this model's row is in it)
    first = "#whatrun-rows tr" if width < 500 else f'#whatrun-rows tr[data-id="{MODEL}"]'
    assert page.eval_on_selector(first, "tr => tr.getBoundingClientRect().top") < 900 - 60
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll_width <= inner_width
    page.screenshot(path=str(_shot_dir() / f"whatrun-{setup}-{width}.png"))


def _label(page, setup: str) -> str:
    return page.eval_on_selector(f'#whatrun-setup option[value="{setup}"]', "o => o.textContent")


def _shot_dir():
    from pathlib import Path
    d = Path(os.environ.get("LLMCARDS_SCREENSHOTS", "")) if os.environ.get("LLMCARDS_SCREENSHOTS") else None
    if d is None:
        import tempfile
        d = Path(tempfile.gettempdir()) / "llmcards-screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_sort_filter_and_change_hardware(page, site):
    choose(page, site, "rtx-4060-ti-16gb-x1")
    page.goto(site + "what-can-i-run/")
    row_cells(page, MODEL)

    def ids():
        return page.eval_on_selector_all("#whatrun-rows tr", "trs => trs.map(tr => tr.dataset.id)")

    size = page.locator('th[data-key="total"] button')
    size.click()
    assert page.get_attribute('th[data-key="total"]', "aria-sort") == "ascending"
    assert page.get_attribute('th[data-key="rank"]', "aria-sort") is None
    totals = page.eval_on_selector_all("#whatrun-rows tr td:nth-child(2)", "tds => tds.map(td => td.textContent)")
    size.click()
    assert page.get_attribute('th[data-key="total"]', "aria-sort") == "descending"
    assert page.eval_on_selector_all("#whatrun-rows tr td:nth-child(2)",
                                     "tds => tds.map(td => td.textContent)") == list(reversed(totals)) or len(totals) < 2
    before = ids()
    page.click(".llmc-whatrun-filters summary")
    page.select_option('#whatrun-form select[name="organization"]', "Meta")
    assert all(i.startswith("meta/") for i in ids()) and len(ids()) <= len(before)
    page.select_option('#whatrun-form select[name="organization"]', "")
    page.check('#whatrun-form input[name="all"]')
    assert len(ids()) == 4           # the test registry's four cards, fitting or not
    # another setup: the list reloads and the choice is stored for every page
    page.select_option("#whatrun-setup", "rtx-3090-x2")
    page.wait_for_selector('#whatrun-setup-label:has-text("RTX 3090")')
    stored = page.evaluate("JSON.parse(localStorage.getItem('llmcards.hardware'))")
    assert stored == {"version": 2, "setup": "rtx-3090-x2", "engine": "llama.cpp"}
    page.select_option("#whatrun-engine", "vllm")
    page.wait_for_selector('#whatrun-engine-label:text-is("vLLM")')
    cells = row_cells(page, MODEL)
    assert cells[3].split(" · ")[0] in ("BF16", "FP8", "AWQ-4bit")
    # vLLM on a Mac: said in words, not an empty list
    page.select_option("#whatrun-setup", "apple-m3-pro-36gb-x1")
    page.wait_for_selector("#whatrun-count:has-text('does not run on this hardware')")
    # ("also list models that do not fit" is still ticked: every row says why)
    assert set(page.eval_on_selector_all("#whatrun-rows tr td:nth-child(3)", "tds => tds.map(t => t.textContent)")) \
        == {"Not supported"}


def test_without_a_choice_the_default_setup_is_shown(page, site):
    page.goto(site + "what-can-i-run/")
    cells = row_cells(page, MODEL)
    assert "RTX 4090" in page.inner_text("#whatrun-setup-label")
    assert cells[2] == "Fits on the GPU"


def test_models_index_memory_column_and_fit_filter(page, site):
    choose(page, site, "rtx-4060-ti-16gb-x1")
    page.goto(site + "models/")
    page.wait_for_selector("#index-fit:not([hidden])")
    page.wait_for_selector('#models-table th[data-key="mem"]')
    assert "RTX 4060 Ti 16GB" in page.inner_text('#models-table th[data-key="mem"]')
    data = json.loads(page.evaluate("fetch('../api/fit/rtx-4060-ti-16gb-x1.json').then(r => r.text())"))
    llama = next(m for m in data["models"] if m["id"] == MODEL)["engines"]["llama.cpp"]
    cell = page.inner_text(f'#models-table tr[data-id="{MODEL}"] td.llmc-fit-mem')
    assert cell == f"{fmt.gb(llama['bytes'])} · {llama['quant']}"
    page.select_option("#index-fits", "gpu")
    shown = page.eval_on_selector_all("#models-table tbody tr:not([hidden])", "trs => trs.map(tr => tr.dataset.id)")
    expected = sorted(m["id"] for m in data["models"] if m["engines"]["llama.cpp"]["fit"] == "yes")
    assert sorted(shown) == expected
    # sorting by the new column works with the keyboard (Space as well as Enter)
    page.focus('#models-table th[data-key="mem"]')
    page.keyboard.press(" ")
    assert page.get_attribute('#models-table th[data-key="mem"]', "aria-sort") == "ascending"


def test_the_browser_lists_what_the_build_rendered(page, site, browser):
    """Without JavaScript the page shows the default setup as the build rendered it
    (generator/site/whatrun.row); with it, whatrun.js redraws the same rows from api/fit: the
    two must read the same, cell for cell."""
    def cells(pg):
        return pg.eval_on_selector_all("#whatrun-rows tr", "trs => trs.map(tr => Array.from(tr.cells).map("
                                       "c => c.innerText.replace(/\\s+/g, ' ').trim()))")
    static = browser.new_context(java_script_enabled=False)
    try:
        no_js = static.new_page()
        no_js.goto(site + "what-can-i-run/")
        built = cells(no_js)
        assert no_js.is_hidden("#whatrun-form")
    finally:
        static.close()
    page.goto(site + "what-can-i-run/")
    page.wait_for_selector("#whatrun-count:has-text('listed')")
    assert built and cells(page) == built
