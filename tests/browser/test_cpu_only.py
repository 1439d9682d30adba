""""CPU only (no GPU)" in "My hardware", in chromium: a reader without a GPU gives the system RAM
and its type once, and a model page's answer and "Will it run?" panel show llama.cpp's CPU-only
plan, and for vLLM that it needs a GPU, with no numbers.

The expected values: the options come from generator/site/fit.py's CPU-only rule (plans._entry
with cpu_only, the Python side, independent of the JavaScript); every number shown is then taken
from what ``llmcards plan <card> --engine llama.cpp --cpu-only --ram-gb N --ram-class C`` prints
(--format json) with those options, worded by plans.plan_view / fmt.py.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from helpers import TEST_REGISTRY, load_test_card

from generator.calc import engines
from generator.cli import main
from generator.site import fit, fmt, plans, setups

from tests.browser.test_custom_hardware import _facts, _panel

# (card, system RAM in GB, memory class, whether the rule's plan fits): a desktop with 64 GB of
# DDR5 runs Llama 3.1 8B; 8 GB of DDR4 holds no Mixtral 8x7B file (Q2_K alone is over 15 GB).
CASES = (("meta/llama-3.1-8b", 64, "ddr5-dual", True), ("mistralai/mixtral-8x7b", 8, "ddr4-dual", False))


def _cli_cpu_plan(catalogs: Any, card_id: str, ram: float, ram_class: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rule's entry for the card, and `llmcards plan ... --cpu-only` with its options (JSON)."""
    hw = engines.hardware(catalogs, None, None, ram, ram_class, cpu_only=True)
    entry = plans._entry(load_test_card(card_id), catalogs, "llama.cpp", setups.Setup("cpu", None), hw, cpu_only=True)
    assert entry["status"] == "ok", entry
    argv = ["plan", str(TEST_REGISTRY / f"{card_id}.yaml"), "--engine", "llama.cpp", "--cpu-only",
            "--ram-gb", str(ram), "--ram-class", ram_class]
    for name, value in entry["choice"]["options"].items():
        if name != "cpu_only":
            argv += [engines.flag(name), str(value)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--format", "json"]) == 0, argv
    return entry, json.loads(out.getvalue())


def _pick_cpu_by_keyboard(page: Any, ram: float, ram_class: str, engine: str) -> None:
    """The header's dialog, by keyboard: arrow keys through the kinds to "CPU only", Tab to the RAM."""
    page.click("#llmc-hw-open")
    page.focus('#llmc-hw-dialog input[name=kind][value="common"]')
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.is_checked('#llmc-hw-dialog input[name=kind][value="cpu"]')
    page.wait_for_selector("#llmc-hw-cpu-part:not([hidden])")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "llmc-hw-cpu-ram"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(str(ram))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "llmc-hw-cpu-class"
    page.select_option("#llmc-hw-cpu-class", ram_class)
    page.check(f'#llmc-hw-dialog input[name=engine][value="{engine}"]')
    page.click("#llmc-hw-save")
    assert not page.locator("#llmc-hw-dialog").is_visible()


@pytest.mark.parametrize("card_id,ram,ram_class,fits", CASES, ids=[c[0].split("/")[1] for c in CASES])
def test_cpu_only_plans_on_a_model_page(page, site, catalogs, card_id, ram, ram_class, fits):
    entry, plan = _cli_cpu_plan(catalogs, card_id, ram, ram_class)
    assert plan["fits"] is fits and plan["devices"] == [] and plan["settings"]["cpu_only"] is True
    page.goto(site + f"models/{card_id}/")
    _pick_cpu_by_keyboard(page, ram, ram_class, "llama.cpp")
    stored = json.loads(page.evaluate("localStorage.getItem('llmcards.hardware')"))
    assert stored["cpu_only"] is True and stored["ram_gb"] == ram and stored["ram_class"] == ram_class
    assert stored["label"].startswith(f"CPU only, {ram} GB RAM")

    # the answer at the top: llama.cpp's CPU-only plan, all of it in system RAM
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    facts = _facts(page, "llama.cpp")
    assert facts["Quantization"] == plan["settings"]["quant"] == entry["choice"]["quant"]
    assert facts["Memory per device"] == f"System RAM: {fmt.gb(plan['host']['total_bytes'])} of {fmt.capacity(int(ram * 10**9))}"
    if fits:
        assert facts["Decode speed"] == f"at most {fmt.rate(plan['speed']['decode_tokens_per_s_upper_bound'])} (upper bound)"
        assert page.text_content('.llmc-answer-chosen .llmc-answer-plan[data-engine="llama.cpp"] code') == plan["command"]
    else:   # a plan that does not fit: no speed bound, no command to copy (the panel below has both)
        assert "Decode speed" not in facts
        assert page.locator('.llmc-answer-chosen .llmc-answer-plan[data-engine="llama.cpp"] code').count() == 0

    # "Will it run?": the llama.cpp plan in full, as plans.plan_view words the CLI's plan; vLLM: no numbers
    page.locator("#will-it-run").scroll_into_view_if_needed()
    page.wait_for_selector('#plan-results[data-setup="custom"]:not([aria-busy]) .llmc-plan')
    shown = {b["engine"]: b for b in _panel(page)}
    v = plans.plan_view("llama.cpp", {"status": "ok", "plan": plan}, True, int(ram * 10**9))
    b = shown["llama.cpp"]
    assert b["verdict"] == ("Fits" if fits else "Does not fit") == v["verdict"]
    assert b["settings"] == v["settings"] and b["settings"].startswith("CPU only (no GPU) · ")
    assert b["rows"] == [[v["host"]["name"], *v["host"]["cells"]]]
    assert b["rows"][0][5] == fmt.gb(plan["host"]["total_bytes"]) and b["rows"][0][6] == fmt.capacity(int(ram * 10**9))
    assert [tuple(f) for f in b["facts"]] == [tuple(f) for f in v["facts"]]
    assert b["offload"] == v["offload"] and b["basis"] == v["speed_basis"] and b["command"] == plan["command"]
    # a plan that fits names its speed basis; one that does not has none, and its command comes with the note
    assert (b["basis"], b["command_note"]) == ((plan["speed"]["basis"], None) if fits else (None, plans.NO_FIT_COMMAND))
    vllm = shown["vllm"]
    assert vllm["verdict"] == "Not supported: " + fit.NEEDS_GPU["vllm"] and "needs a GPU" in vllm["verdict"]
    assert vllm["rows"] == [] and vllm["facts"] == [] and vllm["command"] is None

    # the choice persists: a reload shows the same plans for the same hardware
    page.reload()
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    assert page.evaluate("LLMCardsHardware.get().cpu_only") is True
    assert _facts(page, "llama.cpp")["Memory per device"] == facts["Memory per device"]
    page.click("#llmc-hw-open")
    assert page.is_checked('#llmc-hw-dialog input[name=kind][value="cpu"]')
    assert page.input_value("#llmc-hw-cpu-ram") == str(ram) and page.input_value("#llmc-hw-cpu-class") == ram_class


def test_cpu_only_with_vllm_chosen_says_it_needs_a_gpu(page, site):
    """A reader who picks vLLM without a GPU is told so, and shown what llama.cpp does instead."""
    page.goto(site + "models/meta/llama-3.1-8b/")
    _pick_cpu_by_keyboard(page, 32, "ddr5-dual", "vllm")
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    verdict = page.text_content('.llmc-answer-chosen .llmc-answer-plan[data-engine="vllm"] .llmc-answer-verdict')
    assert verdict == "Not supported: " + fit.NEEDS_GPU["vllm"]
    assert page.locator('.llmc-answer-chosen .llmc-answer-plan[data-engine="llama.cpp"]').count() == 1


def test_cpu_part_of_the_dialog_is_accessible(page, site):
    """axe on the dialog with the CPU part shown and its RAM field marked wrong: no serious or
    critical violation; every field of the part has a label."""
    from tests.browser.test_a11y import BLOCKING, run_axe

    page.goto(site + "models/meta/llama-3.1-8b/")
    page.click("#llmc-hw-open")
    page.check('#llmc-hw-dialog input[name=kind][value="cpu"]')
    page.wait_for_selector("#llmc-hw-cpu-part:not([hidden])")
    page.fill("#llmc-hw-cpu-ram", "0")
    page.click("#llmc-hw-save")
    assert page.locator("#llmc-hw-dialog").is_visible()
    assert page.get_attribute("#llmc-hw-cpu-ram", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "llmc-hw-cpu-ram"
    assert page.get_by_label("System RAM type").filter(visible=True).get_attribute("id") == "llmc-hw-cpu-class"
    assert page.get_by_label("CPU only (no GPU): system RAM and its type").is_checked()
    blocking = [v for v in run_axe(page, "#llmc-hw-dialog") if v["impact"] in BLOCKING]
    assert not blocking, blocking


def test_live_calculator_cpu_only_equals_llmcards_plan(page, site, catalogs):
    """The live calculator's "CPU only (no GPU)": every number equals engines.plan with --cpu-only
    for the inputs set, the command shown is that plan's, and vLLM says it needs a GPU."""
    from tests.browser.test_calculator_controls import HOST_ROWS, _cli_plan, _open_engine, _shown, _type

    card_id = "meta/llama-3.1-8b"
    _open_engine(page, site, f"models/{card_id}/")
    page.select_option("#ecalc-gpu", "cpu")
    page.wait_for_selector("#ecalc-ram-class-field:not([hidden])")
    _type(page, "#ecalc-ram", "64")
    page.select_option("#ecalc-ram-class", "server-8ch-ddr5")
    s = _shown(page)
    assert s["state"] == "", s
    hw = engines.hardware(catalogs, None, None, 64, "server-8ch-ddr5", cpu_only=True)
    want = engines.plan(load_test_card(card_id), catalogs, "llama.cpp",
                        {"quant": "Q4_K_M", "context": 8192, "cpu_only": True}, hw)
    assert _cli_plan(s["cli"]) == want          # the command shown is this plan
    assert "--cpu-only" in s["cli"].split() and "--ram-class server-8ch-ddr5" in s["cli"]
    assert s["names"] == ["System RAM"] and want["devices"] == []
    for row in HOST_ROWS:
        assert s["rows"][row][-1] == want["host"][row], row
    assert int(s["total"]) == want["host"]["total_bytes"] and s["fits"] == "true"
    assert s["maxctx"] == str(want["max_context_that_fits"]) and s["server"] == want["command"]
    assert float(s["decode"]) == want["speed"]["decode_tokens_per_s_upper_bound"] and s["basis"] == f"How: {want['speed']['basis']}."
    page.select_option("#ecalc-engine", "vllm")
    page.wait_for_function("() => document.getElementById('ecalc-total').textContent.includes('needs a GPU')")
    assert page.text_content("#ecalc-total") == fit.NEEDS_GPU["vllm"] + "."
    assert page.is_hidden("#ecalc-ram-class-field")


def test_what_can_i_run_cpu_only(page, site, catalogs):
    """"What can I run?" for a machine without a GPU: each row is the Python CPU-only rule's summary,
    "yes" worded as fitting in system RAM, and the memory shown is the system RAM the plan needs."""
    from generator.site import whatrun

    ram, cls = 16, "ddr5-dual"
    page.goto(site + "models/meta/llama-3.1-8b/")
    _pick_cpu_by_keyboard(page, ram, cls, "llama.cpp")
    page.goto(site + "what-can-i-run/")
    page.wait_for_selector('#whatrun-form[data-state="ready"]')
    assert page.locator("#whatrun-setup").input_value() == "custom"
    assert page.locator("#whatrun-setup-label").inner_text() == page.evaluate("LLMCardsHardware.get().label")
    page.click("#whatrun-form details summary")
    page.check('#whatrun-form input[name="all"]')
    rows = dict(page.eval_on_selector_all("#whatrun-rows tr", "trs => trs.map(tr => [tr.dataset.id, "
                                          "Array.from(tr.cells).slice(1).map(c => c.textContent)])"))
    hw = engines.hardware(catalogs, None, None, ram, cls, cpu_only=True)
    seen = set()
    for card_id in ("meta/llama-3.1-8b", "mistralai/mixtral-8x7b", "meta/llama-2-7b"):
        e = plans._entry(load_test_card(card_id), catalogs, "llama.cpp", setups.Setup("cpu", None), hw, cpu_only=True)
        summary = fit.summary(e)
        want = whatrun.row({"id": card_id, "name": "", "engines": {"llama.cpp": summary}}, "llama.cpp", None)
        got = rows[card_id]
        fit_text = "Fits in system RAM (CPU only)" if summary["fit"] == "yes" else want["fit_text"]
        assert got[1:4] == [fit_text, want["quant"], want["context_text"]], card_id
        assert summary["bytes"] is None and got[4] == fmt.gb(summary["host_bytes"]), card_id   # no device: the RAM
        assert got[5] == want["speed_text"], card_id
        seen.add(summary["fit"])
    assert seen == {"yes", "no"}      # 16 GB holds the 7-8B models, not Mixtral 8x7B
