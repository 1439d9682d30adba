"""Custom hardware in "My hardware", in chromium: a reader who owns none of the 32 common setups
picks their GPU model and count with their system RAM (or a Mac by chip and memory size) once,
and the model pages and "What can I run?" answer for it, worked out in the browser
(site/assets/js/fit-rule.js on the engine modules), with what ``llmcards plan ... --format json``
prints for the same hardware and the options the rule chooses.

The expected values: the options come from generator/site/fit.py's rule (plans._entry, the Python
side, independent of the JavaScript) for ``engines.hardware(catalogs, gpu, count, ram_gb)``, and
every number shown is then taken from the CLI's JSON for those options, formatted with fmt.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

import pytest

from helpers import TEST_REGISTRY, load_test_card

from generator.calc import engines
from generator.cli import main
from generator.site import fit, fmt, plans, setups, whatrun

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "mobile": {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True},
}
MODELS = ("meta/llama-3.1-8b", "mistralai/mixtral-8x7b", "meta/llama-2-7b")
SHOTS = os.environ.get("LLMCARDS_SCREENSHOTS")   # where test_readers.py keeps its screenshots (a CI artifact)
# (reader, gpu, count, system RAM in GB, engine)
READERS = (
    ("1x-rtx-4070-super-32gb", "rtx-4070-super", 1, 32, "llama.cpp"),
    ("3x-rtx-3090-vllm", "rtx-3090", 3, 64, "vllm"),
    ("3x-rtx-3090-llamacpp", "rtx-3090", 3, 64, "llama.cpp"),
)


def _rule(card_id: str, catalogs: Any, gpu: str, count: int, ram: float | None, engine: str,
          ram_class: str | None = None) -> dict[str, Any]:
    """The Python rule's entry (plans._entry) for the custom setup."""
    hw = engines.hardware(catalogs, gpu, count, ram, ram_class)
    assert hw.gpu is not None
    return plans._entry(load_test_card(card_id), catalogs, engine, setups.Setup("custom", gpu, count, None, hw.gpu.get("host_memory")), hw)


def _cli_plan(card_id: str, gpu: str, count: int, ram: float | None, engine: str, options: Mapping[str, Any],
              ram_class: str | None = None) -> dict[str, Any]:
    """`llmcards plan <card> --engine E --gpu G --gpus N [--ram-gb R] [--ram-class C] <the rule's options> --format json`."""
    argv = ["plan", str(TEST_REGISTRY / f"{card_id}.yaml"), "--engine", engine, "--gpu", gpu, "--gpus", str(count)]
    if ram is not None:
        argv += ["--ram-gb", str(ram)]
    if ram_class is not None:
        argv += ["--ram-class", ram_class]
    for name, value in options.items():
        argv += [engines.flag(name), str(value)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--format", "json"]) == 0, argv
    return json.loads(out.getvalue())


def _expected_answer(card_id: str, catalogs: Any, gpu: str, count: int, ram: float | None, engine: str,
                     ram_class: str | None = None) -> dict[str, Any]:
    e = _rule(card_id, catalogs, gpu, count, ram, engine, ram_class)
    if e["status"] != "ok":
        return {"state": e["status"], "reason": e["reason"]}
    choice = e["choice"]
    plan = _cli_plan(card_id, gpu, count, ram, engine, choice["options"], ram_class)
    devices = [f"{d['name']}: {fmt.gb(d['total_bytes'])} of {fmt.capacity(d['capacity_bytes'])}" for d in plan["devices"]]
    if plan["host"]["total_bytes"]:
        devices.append(f"System RAM: {fmt.gb(plan['host']['total_bytes'])}" + (f" of {fmt.capacity(int(ram * 10**9))}" if ram else ""))
    verdict = {True: "Fits", False: "Does not fit"}[plan["fits"]]
    if plan["fits"] and choice["fit"] == "offload":
        verdict = "Fits with offload to system RAM"
    return {"state": "ok", "verdict": verdict, "quant": plan["settings"]["quant"], "context": fmt.tokens(plan["settings"]["context"]),
            "max_context": fmt.tokens(plan["max_context_that_fits"]), "memory": " · ".join(devices),
            "decode": f"at most {fmt.rate(plan['speed']['decode_tokens_per_s_upper_bound'])} (upper bound)",
            "command": plan["command"], "why": choice["why"], "fit": choice["fit"], "tp": plan["settings"].get("tensor_parallel")}


def _pick_gpu(page: Any, gpu: str, count: int, ram: float | None, engine: str, ram_class: str | None = None) -> None:
    """Through the header's dialog, by keyboard where a reader would type."""
    page.click("#llmc-hw-open")
    page.check('#llmc-hw-dialog input[name=kind][value="gpu"]')
    page.wait_for_selector("#llmc-hw-gpu-part:not([hidden])")
    page.select_option("#llmc-hw-gpu", gpu)
    page.fill("#llmc-hw-count", str(count))
    page.fill("#llmc-hw-ram", "" if ram is None else str(ram))
    if ram_class is not None:
        page.select_option("#llmc-hw-ram-class", ram_class)
    page.check(f'#llmc-hw-dialog input[name=engine][value="{engine}"]')
    page.click("#llmc-hw-save")
    assert not page.locator("#llmc-hw-dialog").is_visible()


def _facts(page: Any, engine: str) -> dict[str, str]:
    pairs = page.eval_on_selector_all(f'.llmc-answer-chosen .llmc-answer-plan[data-engine="{engine}"] .llmc-answer-facts div',
                                      "els => els.map(e => [e.querySelector('dt').textContent, "
                                      "e.querySelector('dd').textContent])")
    return dict(pairs)


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("reader,gpu,count,ram,engine", READERS, ids=[r[0] for r in READERS])
def test_custom_setup_answers_on_every_model_page(browser, site, catalogs, reader, gpu, count, ram, engine, size):
    context = browser.new_context(**VIEWPORTS[size])
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    width, height = VIEWPORTS[size]["viewport"]["width"], VIEWPORTS[size]["viewport"]["height"]
    try:
        page.goto(site + f"models/{MODELS[0]}/")
        _pick_gpu(page, gpu, count, ram, engine)
        stored = json.loads(page.evaluate("localStorage.getItem('llmcards.hardware')"))
        assert {k: stored[k] for k in ("version", "setup", "engine", "gpu", "count", "ram_gb")} == \
            {"version": 2, "setup": "custom", "engine": engine, "gpu": gpu, "count": count, "ram_gb": ram}
        shown = set()
        for card_id in MODELS:
            page.goto(site + f"models/{card_id}/")          # chosen once: every page answers for it
            page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
            want = _expected_answer(card_id, catalogs, gpu, count, ram, engine)
            block = page.locator(f'.llmc-answer-chosen .llmc-answer-plan[data-engine="{engine}"]').first
            assert want["state"] == "ok", want
            assert " ".join(block.locator(".llmc-answer-verdict").inner_text().split()) == want["verdict"], card_id
            facts = _facts(page, engine)
            assert facts["Quantization"] == want["quant"], card_id
            ctx = want["context"] + (f" (longest that fits: {want['max_context']})"
                                     if want["max_context"] not in (want["context"], fmt.UNKNOWN) else "")
            assert facts["Context"] == ctx, card_id
            assert facts["Memory per device"] == want["memory"], card_id
            assert facts["Decode speed"] == want["decode"], card_id
            assert (", tensor parallel " + str(want["tp"]) in facts["Engine"]) == bool(want["tp"] and want["tp"] > 1)
            assert block.locator(".llmc-answer-why").inner_text() == want["why"], card_id
            assert block.locator(".llmc-answer-command code").inner_text() == want["command"], card_id
            assert block.get_by_role("button", name="Copy command").is_visible()
            shown.add(want["fit"])
            # above the fold, and no sideways scroll
            box = block.locator(".llmc-answer-facts dd").first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, (card_id, box)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / (re.sub(r"[^a-z0-9.-]+", "-", f"custom-{reader}-{size}-{card_id}") + ".png")))
        # the header names the choice
        assert page.locator("#llmc-hw-current").inner_text() == (f"{count}× RTX 3090" if gpu == "rtx-3090" else "RTX 4070 SUPER")
        if reader == "1x-rtx-4070-super-32gb":
            assert shown == {"yes", "offload"}      # Mixtral 8x7B needs system RAM on a 12 GB card
        if reader == "3x-rtx-3090-vllm":
            assert "yes" in shown
        assert not errors, errors
    finally:
        context.close()


def test_mac_by_chip_and_memory(page, site, catalogs):
    """The 36 GB MacBook reader picks "Apple M3 Pro" and "36 GB": llama.cpp answers as `llmcards
    plan` does (no offload on unified memory); vLLM says it does not run there and points to llama.cpp."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + f"models/{MODELS[0]}/")
    page.click("#llmc-hw-open")
    page.check('#llmc-hw-dialog input[name=kind][value="unified"]')
    page.wait_for_selector("#llmc-hw-unified-part:not([hidden])")
    page.select_option("#llmc-hw-chip", "Apple M3 Pro")
    memories = page.eval_on_selector_all("#llmc-hw-memory option", "os => os.map(o => [o.value, o.textContent])")
    assert ["apple-m3-pro-36gb", "36 GB"] in memories
    page.select_option("#llmc-hw-memory", "apple-m3-pro-36gb")
    page.check('#llmc-hw-dialog input[name=engine][value="vllm"]')
    page.click("#llmc-hw-save")
    page.wait_for_selector('#llmc-answer-body[data-state="ready"]')
    assert page.evaluate("LLMCardsHardware.get().ram_gb") is None
    vllm = page.locator('.llmc-answer-chosen .llmc-answer-plan[data-engine="vllm"]')
    assert vllm.locator(".llmc-answer-verdict").inner_text().startswith("Not supported: apple-m3-pro-36gb: vLLM's GPU engine")
    want = _expected_answer(MODELS[0], catalogs, "apple-m3-pro-36gb", 1, None, "llama.cpp")
    other = page.locator('.llmc-answer-chosen .llmc-answer-plan[data-engine="llama.cpp"]')
    assert other.locator(".llmc-answer-command code").inner_text() == want["command"]
    assert _facts(page, "llama.cpp")["Memory per device"] == want["memory"]


def test_wrong_fields_keep_the_dialog_open(page, site):
    """A count of 9 or an empty RAM is refused next to the field; nothing is stored."""
    page.goto(site + f"models/{MODELS[0]}/")
    page.click("#llmc-hw-open")
    page.check('#llmc-hw-dialog input[name=kind][value="gpu"]')
    page.wait_for_selector("#llmc-hw-gpu-part:not([hidden])")
    page.fill("#llmc-hw-count", "9")
    page.fill("#llmc-hw-ram", "")
    page.click("#llmc-hw-save")
    assert page.locator("#llmc-hw-dialog").is_visible()
    assert page.locator("#llmc-hw-count-error").inner_text() == "A whole number from 1 to 8."
    assert page.get_attribute("#llmc-hw-count", "aria-invalid") == "true"
    assert page.get_attribute("#llmc-hw-ram", "aria-invalid") == "true"
    assert page.evaluate("localStorage.getItem('llmcards.hardware')") is None
    page.fill("#llmc-hw-count", "2")
    page.fill("#llmc-hw-ram", "64")
    page.keyboard.press("Enter")                  # the form submits from the keyboard too
    page.wait_for_function("() => !document.getElementById('llmc-hw-dialog').open")
    assert page.evaluate("LLMCardsHardware.get().count") == 2


@pytest.mark.parametrize("reader,gpu,count,ram,engine", READERS[:2], ids=[r[0] for r in READERS[:2]])
def test_what_can_i_run_for_a_custom_setup(page, site, catalogs, reader, gpu, count, ram, engine):
    """Every listed row is the Python rule's summary (api/fit's shape) in whatrun.row's words, and
    its memory, context and speed bound are `llmcards plan`'s for the options chosen."""
    page.goto(site + f"models/{MODELS[0]}/")
    _pick_gpu(page, gpu, count, ram, engine)
    page.goto(site + "what-can-i-run/")
    page.wait_for_selector('#whatrun-form[data-state="ready"]')
    assert page.locator("#whatrun-setup").input_value() == "custom"
    label = page.evaluate("LLMCardsHardware.get().label")
    assert page.locator("#whatrun-setup-label").inner_text() == label
    page.click("#whatrun-form details summary")     # the filters are folded
    page.check('#whatrun-form input[name="all"]')
    cells = page.eval_on_selector_all("#whatrun-rows tr", "trs => trs.map(tr => [tr.dataset.id, "
                                      "Array.from(tr.cells).slice(1).map(c => c.textContent)])")
    rows = dict(cells)
    assert len(rows) == 4       # the test registry's cards
    for card_id in MODELS:
        e = _rule(card_id, catalogs, gpu, count, ram, engine)
        summary = fit.summary(e)
        want = whatrun.row({"id": card_id, "name": "", "engines": {engine: summary}}, engine, None)
        got = rows[card_id]
        assert got[1:5] == [want["fit_text"], want["quant"] + (f" · {want['tp_text']}" if want["tp_text"] else ""),
                            want["context_text"], want["memory_text"]], card_id
        assert got[5] == want["speed_text"], card_id
        plan = _cli_plan(card_id, gpu, count, ram, engine, e["choice"]["options"])
        assert want["memory_text"] == fmt.gb(sum(d["total_bytes"] for d in plan["devices"]))
        assert want["context_text"] == fmt.tokens(plan["max_context_that_fits"])
        assert want["speed_text"] == fmt.rate(plan["speed"]["decode_tokens_per_s_upper_bound"])
    ms = page.get_attribute("#whatrun-table", "data-computed-ms")
    assert ms is not None and float(ms) < 5000


def test_custom_part_of_the_dialog_is_accessible(page, site):
    """axe on the open dialog with the GPU part shown and with a field marked wrong, at 360 px:
    no serious or critical violation, no sideways scroll; Escape closes it and focus returns."""
    from tests.browser.test_a11y import BLOCKING, run_axe

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site + f"models/{MODELS[0]}/")
    page.click("#llmc-hw-open")
    page.check('#llmc-hw-dialog input[name=kind][value="gpu"]')
    page.wait_for_selector("#llmc-hw-gpu-part:not([hidden])")
    page.fill("#llmc-hw-count", "0")
    page.click("#llmc-hw-save")
    blocking = [v for v in run_axe(page, "#llmc-hw-dialog") if v["impact"] in BLOCKING]
    assert not blocking, blocking
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.check('#llmc-hw-dialog input[name=kind][value="unified"]')
    page.wait_for_selector("#llmc-hw-unified-part:not([hidden])")
    blocking = [v for v in run_axe(page, "#llmc-hw-dialog") if v["impact"] in BLOCKING]
    assert not blocking, blocking
    page.keyboard.press("Escape")
    assert not page.locator("#llmc-hw-dialog").is_visible()
    assert page.evaluate("document.activeElement.id") == "llmc-hw-open"


def test_models_index_and_compare_for_a_custom_setup(page, site, catalogs):
    """The index's memory column and "fits my hardware" filter, and compare's hardware rows, for
    1 x RTX 4070 SUPER with 32 GB RAM: the Python rule's summaries (Mixtral 8x7B needs offload)."""
    gpu, count, ram, engine = "rtx-4070-super", 1, 32, "llama.cpp"
    page.goto(site + f"models/{MODELS[0]}/")
    _pick_gpu(page, gpu, count, ram, engine)
    want = {cid: fit.summary(_rule(cid, catalogs, gpu, count, ram, engine)) for cid in MODELS}
    assert want["mistralai/mixtral-8x7b"]["fit"] == "offload" and want["meta/llama-3.1-8b"]["fit"] == "yes"
    page.goto(site + "models/")
    page.wait_for_selector('#index-fit[data-state="ready"]')
    assert page.locator("#index-setup").input_value() == "custom"
    cells = dict(page.eval_on_selector_all("#models-table tbody tr", "trs => trs.map(tr => [tr.dataset.id, "
                                           "(tr.querySelector('td.llmc-fit-mem') || {}).textContent])"))
    for cid, s in want.items():
        assert cells[cid] == f"{fmt.gb(s['bytes'])} · {s['quant']}" + (" (offload)" if s["fit"] == "offload" else ""), cid
    page.select_option("#index-fits", "gpu")          # on the GPU alone: Mixtral is left out
    shown = page.eval_on_selector_all("#models-table tbody tr:not([hidden])", "trs => trs.map(tr => tr.dataset.id)")
    assert "meta/llama-3.1-8b" in shown and "mistralai/mixtral-8x7b" not in shown
    page.goto(site + "compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b")
    page.wait_for_selector("#compare-fit-row")
    row = page.eval_on_selector("#compare-fit-row", "tr => Array.from(tr.cells).map(c => c.textContent)")
    label = page.evaluate("LLMCardsHardware.get().label")
    assert row[0].startswith(f"Runs on {label} (llama.cpp)")
    texts = {"yes": "Fits on the GPU", "offload": "Fits with offload to RAM"}
    for cell, cid in zip(row[1:], MODELS[:2], strict=True):
        assert cell.startswith(f"{texts[want[cid]['fit']]} · {want[cid]['quant']}"), cid
    assert page.locator("#compare-setup").input_value() == "custom"


def test_system_memory_class(page, site, catalogs):
    """1 x RTX 4060 (8 GB) with 64 GB of a server's 8-channel DDR5: Mixtral 8x7B runs offloaded, and
    its speed bound is `llmcards plan --ram-class server-8ch-ddr5`'s (the class shows in the label)."""
    gpu, count, ram, engine, cls = "rtx-4060", 1, 64, "llama.cpp", "server-8ch-ddr5"
    card_id = "mistralai/mixtral-8x7b"
    page.goto(site + f"models/{card_id}/")
    _pick_gpu(page, gpu, count, ram, engine, cls)
    stored = page.evaluate("LLMCardsHardware.get()")
    assert stored["ram_class"] == cls and "8-channel DDR5" in stored["label"]
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    want = _expected_answer(card_id, catalogs, gpu, count, ram, engine, cls)
    usual = _expected_answer(card_id, catalogs, gpu, count, ram, engine)
    assert want["fit"] == "offload" and want["decode"] != usual["decode"]
    facts = _facts(page, engine)
    assert facts["Decode speed"] == want["decode"] and facts["Memory per device"] == want["memory"]
    # back to the GPU's usual class: nothing extra stored
    page.click("#llmc-hw-open")
    assert page.locator("#llmc-hw-ram-class").input_value() == cls
    page.select_option("#llmc-hw-ram-class", "ddr5-dual")
    page.click("#llmc-hw-save")
    # the choice is stored and the answer redrawn in the same step (hardware.js set(), then its event)
    page.wait_for_function("() => LLMCardsHardware.get().ram_class === null")
    page.wait_for_selector('#llmc-answer-body[data-state="ready"]')
    assert _facts(page, engine)["Decode speed"] == usual["decode"]


def _panel(page: Any) -> dict[str, Any]:
    """What the "Will it run?" panel shows, per engine block."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#plan-results .llmc-plan')).map(b => ({
        engine: b.dataset.engine,
        verdict: b.querySelector('.llmc-plan-verdict').textContent,
        settings: (b.querySelector('.llmc-plan-settings') || {}).textContent || null,
        rows: Array.from(b.querySelectorAll('.llmc-plan-devices tbody tr')).map(
            tr => Array.from(tr.children).map(c => c.textContent)),
        facts: Array.from(b.querySelectorAll('.llmc-plan-facts div')).map(
            d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent]),
        offload: (b.querySelector('.llmc-plan-offload') || {}).textContent || null,
        basis: (b.querySelector('.llmc-plan-facts + .llmc-plan-note:not(.llmc-plan-command-note)') || {}).textContent || null,
        command_note: (b.querySelector('.llmc-plan-command-note') || {}).textContent || null,
        command: (b.querySelector('.llmc-plan-command code') || {}).textContent || null}))""")


@pytest.mark.parametrize("card_id", ["mistralai/mixtral-8x7b", "meta/llama-3.1-8b"])
def test_will_it_run_panel_shows_the_custom_plans_in_full(page, site, catalogs, card_id):
    """"Will it run? Both engines in detail" follows custom hardware too: a "Your hardware" option,
    and for both engines the rule's plan with every figure, as plans.plan_view words the Python
    rule's entry (plans._entry) for the same hardware, 3 x RTX 3090 with 64 GB of RAM."""
    gpu, count, ram = "rtx-3090", 3, 64
    page.goto(site + f"models/{card_id}/")
    _pick_gpu(page, gpu, count, ram, "llama.cpp")
    page.locator("#will-it-run").scroll_into_view_if_needed()
    page.wait_for_selector('#plan-results[data-setup="custom"]:not([aria-busy]) .llmc-plan')
    label = page.evaluate("LLMCardsHardware.get().label")
    assert label.startswith("3 × ") and "RTX 3090" in label and "64 GB RAM" in label, label
    assert page.eval_on_selector("#plan-setup", "s => [s.value, s.selectedOptions[0].textContent]") == ["custom", label]
    shown = {b["engine"]: b for b in _panel(page)}
    assert set(shown) == {"llama.cpp", "vllm"}
    for engine in ("llama.cpp", "vllm"):
        v = plans.plan_view(engine, _rule(card_id, catalogs, gpu, count, ram, engine), True, ram * 10**9)
        b = shown[engine]
        assert b["verdict"] == v["verdict"], (engine, b["verdict"])
        assert b["settings"] == v["settings"], engine
        want_rows = [[d["name"], *d["cells"]] for d in v["devices"]] + ([[v["host"]["name"], *v["host"]["cells"]]] if v["host"] else [])
        assert b["rows"] == want_rows, engine
        assert [tuple(f) for f in b["facts"]] == [tuple(f) for f in v["facts"]], engine
        assert b["offload"] == v["offload"], engine
        assert b["basis"] == v["speed_basis"], engine
        assert b["command"] == v["command"] and b["command_note"] == v["command_note"], engine
    # picking a common setup in the panel leaves the custom option behind
    page.select_option("#plan-setup", "rtx-4090-x1")
    page.wait_for_selector('#plan-results[data-setup="rtx-4090-x1"]')
    assert page.locator('#plan-setup option[value="custom"]').count() == 0
