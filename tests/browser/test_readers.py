"""The three readers of issue 11's "Done when", in chromium: each picks their hardware once, in the
header's "My hardware" dialog, and then every model page they open answers for it above the fold,
at desktop (1280 x 800) and phone (390 x 844) sizes, with what ``llmcards plan`` says for that
setup: the same quantization, context, verdict, memory per device and launch command.

The expected values come from generator.calc.engines.plan, called here for the setup's hardware
(generator.site.setups.hardware, what ``llmcards plan --gpu --gpus --ram-gb`` builds) with the
options the site's plans record names; the page's text comes from the answer box
(generator/site/answer.py + site/assets/js/answer.js). Screenshots of every first view are
saved under $LLMCARDS_SCREENSHOTS when it is set (the Pages workflow keeps them as an artifact).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

import pytest

from helpers import get, load_test_card

from generator.calc import engines
from generator.site import fmt, setups

# (reader, setup id, engine): the three of the issue; one reader uses vLLM so both engines are covered
READERS = (
    ("rtx-4060-ti-16gb", "rtx-4060-ti-16gb-x1", "llama.cpp"),
    ("macbook-36gb", "apple-m3-pro-36gb-x1", "llama.cpp"),
    ("2x-rtx-3090", "rtx-3090-x2", "vllm"),
)
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "mobile": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
MODELS = ("meta/llama-3.1-8b", "mistralai/mixtral-8x7b", "meta/llama-2-7b")
SHOTS = os.environ.get("LLMCARDS_SCREENSHOTS")


def _setup(setup_id: str) -> setups.Setup:
    return next(s for s in setups.SETUPS if s.id == setup_id)


def _options(engine: str, recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The options the site planned with: the record's choice of options when it makes one (plans
    entries with "choice", the best way to run the model there), else the engine defaults of
    generator/site/setups.py and the tensor-parallel size the record settled on (vLLM)."""
    choice = recorded.get("choice") or {}
    if isinstance(choice.get("options"), Mapping):
        return dict(choice["options"])
    options = dict(setups.ENGINE_OPTIONS[engine])
    plan = recorded.get("plan") or {}
    tp = (plan.get("settings") or {}).get("tensor_parallel")
    if engine == "vllm" and isinstance(tp, int):
        options["tensor_parallel"] = tp
    return options


def _expected(card_id: str, setup_id: str, engine: str, catalogs: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """What `llmcards plan` gives for this card on this setup, as the answer box words it."""
    setup = _setup(setup_id)
    hw = setups.hardware(setup, catalogs)
    assert hw is not None
    recorded = record["plans"][setup_id][engine]
    plan = engines.plan(load_test_card(card_id), catalogs, engine, _options(engine, recorded), hw)
    settings = plan["settings"]
    devices = [f"{d['name']}: {fmt.gb(d['total_bytes'])} of {fmt.capacity(d['capacity_bytes'])}" for d in plan["devices"]]
    if (plan.get("host") or {}).get("total_bytes"):
        used = fmt.gb(plan["host"]["total_bytes"])      # a Mac's RAM size is its unified memory: no second figure
        devices.append(f"System RAM: {used}" + (f" of {fmt.capacity(hw.ram_bytes)}" if hw.ram_bytes is not None else ""))
    verdict = {True: "Fits", False: "Does not fit"}[plan["fits"]]
    if plan["fits"] and (recorded.get("choice") or {}).get("fit") == "offload":
        verdict = "Fits with offload to system RAM"
    return {"verdict": verdict, "quant": settings["quant"],
            "context": fmt.tokens(settings["context"]), "command": plan["command"], "memory": " · ".join(devices)}


def _pick_hardware(page: Any, setup_id: str, engine: str) -> None:
    """Through the header control, as a reader would."""
    page.click("#llmc-hw-open")
    dialog = page.locator("#llmc-hw-dialog")
    assert dialog.is_visible()
    page.select_option("#llmc-hw-setup", setup_id)
    page.check(f'#llmc-hw-dialog input[name=engine][value="{engine}"]')
    page.click("#llmc-hw-save")
    assert not dialog.is_visible()


def _facts(page: Any) -> dict[str, str]:
    pairs = page.eval_on_selector_all(".llmc-answer-chosen .llmc-answer-plan:first-of-type .llmc-answer-facts div",
                                      "els => els.map(e => [e.querySelector('dt').textContent, "
                                      "e.querySelector('dd').textContent])")
    return dict(pairs)


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("reader,setup_id,engine", READERS, ids=[r[0] for r in READERS])
def test_reader_sees_the_answer_first(browser, site, catalogs, reader, setup_id, engine, size):
    context = browser.new_context(**VIEWPORTS[size])
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    height = VIEWPORTS[size]["viewport"]["height"]
    try:
        page.goto(site + f"models/{MODELS[0]}/")
        _pick_hardware(page, setup_id, engine)
        stored = json.loads(page.evaluate("localStorage.getItem('llmcards.hardware')"))
        assert stored == {"version": 2, "setup": setup_id, "engine": engine}   # hardware.js: the stored shape, version 2
        for card_id in MODELS:
            page.goto(site + f"models/{card_id}/")          # chosen once: every page answers for it
            page.wait_for_selector(f'#llmc-answer-body[data-setup="{setup_id}"] .llmc-answer-chosen')
            record = json.loads(get(site + f"api/plans/{card_id}.json") or "null")
            want = _expected(card_id, setup_id, engine, catalogs, record)
            block = page.locator(f'.llmc-answer-chosen .llmc-answer-plan[data-engine="{engine}"]')
            assert " ".join(block.locator(".llmc-answer-verdict").inner_text().split()) == want["verdict"]
            facts = _facts(page)
            assert facts["Quantization"] == want["quant"], card_id
            assert facts["Context"].split(" (")[0] == want["context"], card_id
            assert facts["Memory per device"] == want["memory"], card_id
            assert block.locator(".llmc-answer-command code").inner_text() == want["command"], card_id
            # above the fold: the verdict and the quantization sit in the first viewport
            for sel in (".llmc-answer-verdict", ".llmc-answer-facts dd"):
                box = block.locator(sel).first.bounding_box()
                assert box is not None and box["y"] + box["height"] <= height, (card_id, sel, box)
            assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[size]["viewport"]["width"]
            if SHOTS:
                out = Path(SHOTS)
                out.mkdir(parents=True, exist_ok=True)
                name = re.sub(r"[^a-z0-9.-]+", "-", f"{reader}-{size}-{card_id}")
                page.screenshot(path=str(out / f"{name}.png"))
        assert not errors, errors
    finally:
        context.close()


def test_copy_button_says_copied(browser, site):
    """The launch command's copy button copies it and says so in a status region."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.rstrip("/"))
    page = context.new_page()
    try:
        page.goto(site + f"models/{MODELS[0]}/")
        _pick_hardware(page, "rtx-4060-ti-16gb-x1", "llama.cpp")
        button = page.get_by_role("button", name="Copy command")
        button.click()
        status = page.locator(".llmc-answer-chosen .llmc-copy-status").first
        page.wait_for_function("s => s.textContent !== ''", arg=status.element_handle())
        assert status.inner_text() == "Copied" and status.get_attribute("role") == "status"
        command = page.locator(".llmc-answer-command code").first.inner_text()
        assert page.evaluate("navigator.clipboard.readText()") == command
    finally:
        context.close()


def test_no_hardware_answer_and_forgetting(browser, site):
    """Without a choice the answer names the smallest GPU per format; "Forget" returns to it;
    a stored value from an older page (a bare setup id) or a broken one is tolerated."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(site + f"models/{MODELS[0]}/")
        none = page.locator("#llmc-answer-none")
        assert none.is_visible()
        # Llama 3.1 8B at 8K: Q4_K_M is 6.84 GB in the review's measurements (site-review.md P10),
        # under the 8 GB of an RTX 4060, the smallest card of the catalog
        text = " ".join(none.inner_text().split())
        assert "4-bit Q4_K_M: 6.84 GB · 1 ×" in text
        _pick_hardware(page, "rtx-3090-x2", "llama.cpp")
        assert not none.is_visible()
        page.click("#llmc-hw-open")
        page.click("#llmc-hw-clear")
        assert none.is_visible() and page.evaluate("localStorage.getItem('llmcards.hardware')") is None
        # the bare id the first picker stored, then garbage: the first is read, the second ignored
        page.evaluate("localStorage.setItem('llmcards.hardware', 'rtx-3090-x2')")
        page.reload()
        common = {"setup": "rtx-3090-x2", "engine": "llama.cpp", "gpu": "rtx-3090", "count": 2, "custom": False}
        assert page.evaluate("LLMCardsHardware.get()") == common
        # the {setup, engine} of the first version of the stored shape reads the same
        page.evaluate("localStorage.setItem('llmcards.hardware', JSON.stringify({setup: 'rtx-3090-x2', engine: 'vllm'}))")
        page.reload()
        assert page.evaluate("LLMCardsHardware.get()") == {**common, "engine": "vllm"}
        page.evaluate("localStorage.setItem('llmcards.hardware', '{\"setup\": 7')")
        page.reload()
        assert page.evaluate("LLMCardsHardware.get()") is None and none.is_visible()
        # the control is on every page, not only model pages
        page.goto(site)
        assert page.locator("#llmc-hw-open").is_visible()
    finally:
        context.close()
