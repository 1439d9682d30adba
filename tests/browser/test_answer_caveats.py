"""The "Run it" answer in chromium says what its command really does, for a common setup (the
answers the build embeds, generator/site/answer.py) and for custom hardware (worked out by
site/assets/js/answer.js), in the same words:

- a vLLM command that names the published checkpoint while the plan loads one published apart
  (AWQ-4bit of a BF16 model) carries a visible caveat right beside it;
- a plan that does not fit shows no speed bound and no command to copy;
- a model whose weights are not published says "Not supported" with the engines' reason for
  custom hardware too, as for a common setup (its page has no live calculator, so no engine inputs).

The expected values come from the Python side: answer.answers on the plans record
(plans.model_plans), and answer.entry_answer / plans.plan_view on the Python rule's entry
(plans._entry) for the custom hardware.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from helpers import ROOT, TEST_REGISTRY, built_and_served, load_test_card

from generator.load import load_file
from generator.site import answer, fit, plans

from tests.browser.test_cpu_only import _pick_cpu_by_keyboard
from tests.browser.test_custom_hardware import _facts, _panel, _pick_gpu, _rule

CLOSED_CARD = ROOT / "tests" / "cards" / "valid" / "openai" / "gpt-5.yaml"
CLOSED = "openai/gpt-5"
BOX = ".llmc-answer-chosen"


@pytest.fixture(scope="module")
def closed_site(tmp_path_factory, browser):
    """The test registry plus a model whose weights are not published (GPT-5)."""
    reg = tmp_path_factory.mktemp("closed") / "registry"
    shutil.copytree(TEST_REGISTRY, reg)
    (reg / "openai").mkdir()
    shutil.copyfile(CLOSED_CARD, reg / "openai" / CLOSED_CARD.name)
    yield from built_and_served(reg, reg.parent / "public")


def _record(card: dict[str, Any], catalogs: Any) -> dict[str, Any]:
    record = plans.model_plans(card, catalogs).record
    assert record is not None
    return record


def _common(page: Any, url: str, setup: str, engine: str) -> None:
    """Open ``url`` with a common setup chosen (what the header's picker stores)."""
    page.goto(url)
    page.evaluate("([s, e]) => LLMCardsHardware.set({setup: s, engine: e})", [setup, engine])
    page.wait_for_selector(f'#llmc-answer-body[data-setup="{setup}"] {BOX}')


def _block(page: Any, engine: str) -> Any:
    return page.locator(f'{BOX} .llmc-answer-plan[data-engine="{engine}"]').first


# -- a checkpoint published apart from the one the command names -----------------------------------

def _caveat(page: Any, engine: str) -> str | None:
    """The caveat's text, checked to sit in the command's box, before the command, and visible."""
    block = _block(page, engine)
    caveat = block.locator(".llmc-answer-command > .llmc-answer-checkpoint")
    if caveat.count() == 0:
        assert block.locator(".llmc-answer-checkpoint").count() == 0
        return None
    assert caveat.is_visible()
    order = block.locator(".llmc-answer-command").evaluate("c => Array.from(c.children).map(e => e.tagName)")
    assert order[:2] == ["P", "PRE"], order
    return caveat.inner_text()


def test_checkpoint_published_apart_is_said_beside_the_command(page, closed_site, catalogs):
    """Mixtral 8x7B (published in BF16) with vLLM: AWQ-4bit on one RTX 5090, a checkpoint the command
    does not name; FP8 on an A100 80GB is the published one converted as it loads (no caveat)."""
    card_id = "mistralai/mixtral-8x7b"
    record = _record(load_test_card(card_id), catalogs)
    want = answer.answers(record)["setups"]
    url = closed_site + f"models/{card_id}/"

    _common(page, url, "rtx-5090-x1", "vllm")
    assert want["rtx-5090-x1"]["vllm"]["quant"] == "AWQ-4bit"
    note = want["rtx-5090-x1"]["vllm"]["checkpoint"]
    assert note and note.startswith("Needs a checkpoint of this model in AWQ-4bit, published apart: "
                                    "put its repository in place of ")
    assert _caveat(page, "vllm") == note
    repo = note.rsplit(" ", 1)[1].rstrip(".")
    assert f"vllm serve {repo} " in _block(page, "vllm").locator(".llmc-answer-command code").inner_text()

    _common(page, url, "a100-80gb-x1", "vllm")
    assert want["a100-80gb-x1"]["vllm"]["quant"] == "FP8" and want["a100-80gb-x1"]["vllm"]["checkpoint"] is None
    assert "--quantization fp8" in _block(page, "vllm").locator(".llmc-answer-command code").inner_text()
    assert _caveat(page, "vllm") is None

    # custom hardware, worked out in the browser: the same words as the Python answer
    _pick_gpu(page, "rtx-5090", 1, 64, "vllm")
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    published = record["plans"]["none"]["vllm"]["plan"]["settings"]["quant"]
    mine = answer.entry_answer(_rule(card_id, catalogs, "rtx-5090", 1, 64, "vllm"), 64 * 10**9, published)
    assert mine["quant"] == "AWQ-4bit" and mine["checkpoint"] == note
    assert _caveat(page, "vllm") == mine["checkpoint"]
    assert _block(page, "vllm").locator(".llmc-answer-command code").inner_text() == mine["command"]


# -- a plan that does not fit: no speed bound, no command --------------------------------------------

def _assert_not_runnable(page: Any, engine: str, want: dict[str, Any]) -> None:
    block = _block(page, engine)
    assert block.locator(".llmc-answer-verdict").inner_text() == want["verdict"] == "Does not fit"
    facts = _facts(page, engine)
    assert "Decode speed" not in facts, facts
    assert facts["Quantization"] == want["quant"]
    assert facts["Memory per device"] == " · ".join(f"{d[0]}: {d[1]}" for d in want["devices"])
    assert block.locator(".llmc-answer-command").count() == 0
    assert block.get_by_role("button", name="Copy command").count() == 0
    assert block.locator(".llmc-answer-why").inner_text() == want["why"]


def test_a_plan_that_does_not_fit_has_no_speed_and_no_command(page, closed_site, catalogs):
    """Llama 3.1 8B with vLLM on an 8 GB RTX 4060: not even AWQ-4bit fits."""
    card_id = "meta/llama-3.1-8b"
    want = answer.answers(_record(load_test_card(card_id), catalogs))["setups"]["rtx-4060-x1"]["vllm"]
    assert want["state"] == "no-fit"
    _common(page, closed_site + f"models/{card_id}/", "rtx-4060-x1", "vllm")
    _assert_not_runnable(page, "vllm", want)
    # llama.cpp runs it there: its block keeps its speed bound and command
    other = _block(page, "llama.cpp")
    assert other.get_by_role("button", name="Copy command").is_visible()
    assert "Decode speed" in _facts(page, "llama.cpp")

    _pick_gpu(page, "rtx-4060", 1, 32, "vllm")
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    entry = _rule(card_id, catalogs, "rtx-4060", 1, 32, "vllm")
    assert entry["plan"]["fits"] is False
    _assert_not_runnable(page, "vllm", answer.entry_answer(entry, 32 * 10**9, "BF16"))


# -- closed weights on custom hardware ----------------------------------------------------------------

def test_closed_weights_on_custom_hardware_say_not_supported(page, closed_site, catalogs):
    card = load_file(CLOSED_CARD).data
    common = answer.answers(_record(card, catalogs))["setups"]["rtx-4090-x1"]
    url = closed_site + f"models/{CLOSED}/"
    _common(page, url, "rtx-4090-x1", "llama.cpp")
    assert _block(page, "llama.cpp").locator(".llmc-answer-verdict").inner_text() == common["llama.cpp"]["verdict"]

    _pick_gpu(page, "rtx-4090", 1, 64, "llama.cpp")
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    block = _block(page, "llama.cpp")
    assert block.get_attribute("data-state") == "unsupported"
    assert block.locator(".llmc-answer-verdict").inner_text() == common["llama.cpp"]["verdict"] == (
        "Not supported: the weights are not published, so there is no GGUF file to load")
    assert page.locator(f"{BOX} .llmc-answer-facts").count() == 0
    # the panel in full: both engines, as plans.plan_view words the Python rule's entries
    page.locator("#will-it-run").scroll_into_view_if_needed()
    page.wait_for_selector('#plan-results[data-setup="custom"]:not([aria-busy]) .llmc-plan')
    shown = {b["engine"]: b["verdict"] for b in _panel(page)}
    assert shown == {e: plans.plan_view(e, plans._entry(card, catalogs, e, *_custom(catalogs, "rtx-4090", 1, 64)),
                                        True)["verdict"] for e in ("llama.cpp", "vllm")}
    assert shown["vllm"] == common["vllm"]["verdict"]

    # a machine without a GPU: vLLM needs one first (fit.NEEDS_GPU), as the Python rule says
    _pick_cpu_by_keyboard(page, 64, "ddr5-dual", "vllm")
    page.wait_for_selector('#llmc-answer-body[data-setup="custom"][data-state="ready"]')
    assert _block(page, "vllm").locator(".llmc-answer-verdict").inner_text() == f"Not supported: {fit.NEEDS_GPU['vllm']}"
    page.wait_for_selector('#plan-results[data-setup="custom"]:not([aria-busy]) .llmc-plan')
    assert {b["engine"]: b["verdict"] for b in _panel(page)} == {
        "llama.cpp": common["llama.cpp"]["verdict"], "vllm": f"Not supported: {fit.NEEDS_GPU['vllm']}"}


def _custom(catalogs: Any, gpu: str, count: int, ram: float) -> tuple[Any, Any]:
    """plans._entry's setup and hardware for a custom choice (as test_custom_hardware._rule)."""
    from generator.calc import engines
    from generator.site import setups

    hw = engines.hardware(catalogs, gpu, count, ram)
    assert hw.gpu is not None
    return setups.Setup("custom", gpu, count, None, hw.gpu.get("host_memory")), hw
