"""The "Will it run?" panel in chromium: the hardware picker redraws both engines' plans from
api/plans/<id>.json (site/assets/js/plan.js), the choice survives a reload (localStorage), and
card text in a plan stays text. The site is built with a hand-written stand-in for the engines'
plan() (tests/fake_plans.py); the page fixture fails a test on any console error.
"""

from __future__ import annotations

import json

import pytest

from fake_plans import fake_plan
from helpers import TEST_REGISTRY, built_and_served
from hostile import ORG, make_registry, text_payload

from generator.calc import engines
from generator.site import plans

MODEL = "models/meta/llama-3.1-8b/"
RESULTS = "#plan-results"


@pytest.fixture(scope="module")
def plan_site(tmp_path_factory, browser):
    out = tmp_path_factory.mktemp("plan-panel") / "public"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engines, "plan", fake_plan)
        yield from built_and_served(TEST_REGISTRY, out)


def _text(page, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def _pick(page, setup: str) -> None:
    page.select_option("#plan-setup", setup)
    page.wait_for_selector(f'{RESULTS}[data-setup="{setup}"]:not([aria-busy])', state="attached")


def _engine(page, engine: str) -> str:
    return _text(page, f'{RESULTS} .llmc-plan[data-engine="{engine}"]')


def _facts(page, engine: str) -> dict[str, str]:
    """The facts list of an engine's block as written (innerText would show the CSS upper case)."""
    pairs = page.eval_on_selector_all(f'{RESULTS} [data-engine="{engine}"] .llmc-plan-facts div',
                                      "els => els.map(e => [e.querySelector('dt').textContent, "
                                      "e.querySelector('dd').textContent])")
    return dict(pairs)


def test_picker_changes_the_panel(page, plan_site):
    page.goto(plan_site + MODEL)
    assert page.is_visible("#plan-setup") and not page.is_visible("#plan-setup-name")
    assert page.eval_on_selector(RESULTS, "e => e.dataset.setup") == "rtx-4090-x1"
    served = _text(page, RESULTS)                 # rendered at build (the template)
    assert "Fits" in served and "GPU 0 16.0 GB" in served

    _pick(page, "h100-sxm-80gb-x8")
    # the fake: llama.cpp splits 16e9 bytes of weights over the 8 GPUs (2.00 GB each); vLLM fits on one (TP 1)
    assert page.locator(f'{RESULTS} [data-engine="llama.cpp"] tbody tr:not(.llmc-plan-host)').count() == 8
    assert page.locator(f'{RESULTS} [data-engine="vllm"] tbody tr:not(.llmc-plan-host)').count() == 1
    # the capacity also in GiB: 80e9 B / 2^30 = 74.51 GiB
    assert "GPU 7 2.00 GB 1.00 GB 0.50 GB 0.25 GB 3.75 GB 80.0 GB (74.5 GiB)" in _engine(page, "llama.cpp")
    assert "GPU 0 16.0 GB 1.00 GB 0.50 GB 0.25 GB 17.8 GB 80.0 GB (74.5 GiB)" in _engine(page, "vllm")
    facts = _facts(page, "vllm")
    assert facts["Max concurrency"] == "3.25×" and facts["Decode speed, upper bound"] == "58 tok/s"

    _pick(page, "apple-128gb-x1")
    assert _engine(page, "vllm").startswith("vLLM Not supported: apple-128gb: vLLM has no Metal backend")
    assert page.locator(f'{RESULTS} [data-engine="vllm"] table').count() == 0

    _pick(page, "none")
    assert "Memory needed (no hardware chosen)" in _engine(page, "llama.cpp")
    assert _facts(page, "llama.cpp")["Decode speed, upper bound"] == "unknown"

    # back to the default: plan.js writes exactly what the template wrote
    _pick(page, "rtx-4090-x1")
    assert _text(page, RESULTS) == served


def test_a_plan_that_does_not_fit_has_no_speed_and_no_copy_button(page, plan_site):
    # the fake: Mixtral's 90 GB of weights on one 24 GB RTX 4090 do not fit in either engine
    page.goto(plan_site + "models/mistralai/mixtral-8x7b/")
    served = _text(page, RESULTS)                 # rendered at build (the template)
    for engine in ("llama.cpp", "vllm"):
        block = f'{RESULTS} [data-engine="{engine}"]'
        assert page.eval_on_selector(block, "e => e.dataset.state") == "no-fit"
        assert "Decode speed, upper bound" not in _facts(page, engine)
        assert _facts(page, engine)["Max context that fits"] == "none"       # hardware given: not "unknown"
        assert "Prefill speed, upper bound" not in _facts(page, engine)
        assert "bandwidth / bytes per token" not in _engine(page, engine)      # the speed basis
        assert page.locator(f"{block} .llmc-copy").count() == 0
        assert plans.NO_FIT_COMMAND in _engine(page, engine)
        assert "serve mistralai/mixtral-8x7b" in _engine(page, engine)        # the command, for its flags
    # eight H100s hold it (llama.cpp's layer split): speed and copy button are back
    _pick(page, "h100-sxm-80gb-x8")
    assert page.eval_on_selector(f'{RESULTS} [data-engine="llama.cpp"]', "e => e.dataset.state") == "fits"
    assert _facts(page, "llama.cpp")["Decode speed, upper bound"] == "58 tok/s"
    assert page.locator(f'{RESULTS} [data-engine="llama.cpp"] .llmc-copy').count() == 1
    assert plans.NO_FIT_COMMAND not in _engine(page, "llama.cpp")
    # plan.js writes exactly what the template wrote for the plan that does not fit
    _pick(page, "rtx-4090-x1")
    assert _text(page, RESULTS) == served


def test_choice_persists_across_reload_and_pages(page, plan_site):
    page.goto(plan_site + MODEL)
    _pick(page, "rtx-3090-x2")
    # the panel's picker sets the reader's hardware for every page (assets/js/hardware.js)
    assert json.loads(page.evaluate("localStorage.getItem('llmcards.hardware')")) == \
        {"version": 2, "setup": "rtx-3090-x2", "engine": "llama.cpp"}   # the stored shape, version 2
    page.reload()
    # the panel loads the plans file when it comes near the screen (plan.js): scroll to it
    page.locator("#will-it-run").scroll_into_view_if_needed()
    page.wait_for_selector(f'{RESULTS}[data-setup="rtx-3090-x2"]:not([aria-busy])', state="attached")
    assert page.input_value("#plan-setup") == "rtx-3090-x2"
    assert "GPU 1 8.00 GB" in _engine(page, "llama.cpp")
    # another model page opens on the same hardware
    page.goto(plan_site + "models/mistralai/mixtral-8x7b/")
    page.locator("#will-it-run").scroll_into_view_if_needed()
    page.wait_for_selector(f'{RESULTS}[data-setup="rtx-3090-x2"]:not([aria-busy])', state="attached")
    assert page.input_value("#plan-setup") == "rtx-3090-x2"


def test_copy_button_answers(page, plan_site):
    page.goto(plan_site + MODEL)
    button = page.locator(f'{RESULTS} [data-engine="llama.cpp"] .llmc-copy')
    assert button.is_visible() and button.inner_text() == "Copy"
    button.click()
    page.wait_for_function("b => b.textContent !== 'Copy'", arg=button.element_handle())
    assert button.inner_text() in ("Copied", "Select and copy")


HOOKS = "window.__xss = []; window.alert = (m) => { window.__xss.push('alert:' + m); };"


@pytest.fixture(scope="module")
def hostile_plan_site(tmp_path_factory, browser):
    reg = make_registry(tmp_path_factory.mktemp("hostile-plans") / "registry")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engines, "plan", fake_plan)
        yield from built_and_served(reg, reg.parent / "public")


def test_card_text_in_plans_stays_text(page, hostile_plan_site):
    page.add_init_script(HOOKS)
    page.goto(hostile_plan_site + f"models/{ORG}/model-1/")
    name = text_payload("name", 1)
    for setup in ("none", "rtx-3090-x2"):          # drawn by plan.js from the JSON file
        _pick(page, setup)
        block = page.locator(f'{RESULTS} [data-engine="llama.cpp"]')
        assert name in block.locator("code").inner_text()
        block.locator("summary").click()
        assert block.locator("li").inner_text() == f"<b>{name}</b> & co"
        assert block.locator("b, img, svg, script").count() == 0
    page.wait_for_timeout(300)                       # let image errors and load events fire
    assert page.evaluate("window.__xss") == []
