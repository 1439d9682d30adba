"""axe-core on every page type of the built site, at a desktop and a phone width: no
serious or critical violation. Also: a visible focus ring on the calculator's controls.

axe-core comes from the PyPI package axe-playwright-python (test extra in pyproject.toml),
which ships axe.min.js inside the wheel: nothing is fetched at test time. Only that file is
used; it is injected into the page and run with its default rule set.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

import pytest

from helpers import PAGE_TYPES

PAGES = PAGE_TYPES
WIDTHS = {"desktop": 1280, "mobile": 390}
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    try:
        return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        msg = "axe-playwright-python is not installed (pip install -e '.[test]')"
        if os.environ.get("LLMCARDS_REQUIRE_BROWSER"):
            pytest.fail(msg + "; LLMCARDS_REQUIRE_BROWSER is set")
        pytest.skip(msg)


def run_axe(page, context: str = "document") -> list[dict]:
    """axe-core's violations for ``context`` (a CSS selector, or the whole document)."""
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "ctx => axe.run(ctx === 'document' ? document : {include: [ctx]}, {resultTypes: ['violations']})",
        context)
    return result["violations"]


def summary(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]]
        lines.append(f"{v['id']} ({v['impact']}, {len(targets)} nodes): {v['help']}\n    "
                     + "\n    ".join(targets[:8]))
    return "\n".join(lines)


def open_page(page, site: str, path: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    if path.startswith("compare/"):
        page.wait_for_selector("#compare-table:not([hidden])")


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_no_serious_axe_violations(page, site, path, width):
    open_page(page, site, path, width)
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on /{path} at {width} px:\n{summary(blocking)}"


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_weights_only_model_page_has_no_serious_axe_violations(page, incomplete_site, width):
    # the other kind of model page: architecture incomplete, figures from the declared
    # counts, engine plans unavailable (their verdicts in the warning colours)
    open_page(page, incomplete_site, "models/example/unreleased-moe/", width)
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the weights-only model page at {width} px:\n{summary(blocking)}"


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_open_search_with_results_has_no_serious_axe_violations(page, site, width):
    open_page(page, site, "", width)
    page.click("label.md-header__button[for=__search]" if width < 960 else ".md-search__input")
    page.fill(".md-search__input", "llama")
    page.wait_for_selector(".md-search-result__item")
    blocking = [v for v in run_axe(page, ".md-search") if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the open search at {width} px:\n{summary(blocking)}"


def test_scrolling_table_is_reachable_by_keyboard(page, site):
    # On a phone the hardware-fit table is wider than the screen: its wrapper scrolls and
    # must take focus (with a name), so a keyboard can scroll to the hidden columns.
    open_page(page, site, "models/meta/llama-3.1-8b/", 390)
    wrap = page.locator(".llmc-scroll:has(#hardware-table)")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.get_attribute("tabindex") == "0"
    assert wrap.get_attribute("role") == "region"
    assert wrap.get_attribute("aria-label") == "Hardware fit (scrolls sideways)"
    # on a wide screen it fits, and is no extra tab stop (model pages have a table of contents
    # beside the content, so 1280 px leaves the table too little room)
    page.set_viewport_size({"width": 1600, "height": 900})
    page.wait_for_function("!document.querySelector('.llmc-scroll:has(#hardware-table)').hasAttribute('tabindex')")


@pytest.mark.parametrize("control", ["#calc-context-slider", "#calc-context", "#calc-batch", "#calc-quantization"])
def test_calculator_controls_show_a_focus_ring(page, site, control):
    open_page(page, site, "models/meta/llama-3.1-8b/", 1280)
    # reach the control by keyboard (Tab from the control before it), so :focus-visible applies
    page.focus(control)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == control[1:]
    style = page.eval_on_selector(control, "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert not style.startswith("none") and not style.endswith(" 0px"), style


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_hardware_dialog_and_answer_have_no_serious_axe_violations(page, site, width):
    # the header's "My hardware" dialog while open, then a model page answering for the choice
    open_page(page, site, "models/meta/llama-3.1-8b/", width)
    page.click("#llmc-hw-open")
    page.select_option("#llmc-hw-setup", "rtx-3090-x2")
    blocking = [v for v in run_axe(page, "#llmc-hw-dialog") if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the open hardware dialog at {width} px:\n{summary(blocking)}"
    page.click("#llmc-hw-save")
    page.wait_for_selector(".llmc-answer-chosen")
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on a model page with its answer at {width} px:\n{summary(blocking)}"


# The dark theme (review P15: the site had none): the slate scheme, chosen by the reader's system
# setting (prefers-color-scheme: dark), on every page type, at both widths.
@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_dark_theme_has_no_serious_axe_violations(page, site, path, width):
    page.emulate_media(color_scheme="dark")
    open_page(page, site, path, width)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on /{path} at {width} px, dark theme:\n{summary(blocking)}"


@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_dark_theme_search_and_weights_only_page(page, site, incomplete_site, width):
    page.emulate_media(color_scheme="dark")
    open_page(page, incomplete_site, "models/example/unreleased-moe/", width)
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the weights-only model page at {width} px, dark theme:\n{summary(blocking)}"
    open_page(page, site, "", width)
    page.click("label.md-header__button[for=__search]" if width < 960 else ".md-search__input")
    page.fill(".md-search__input", "llama")
    page.wait_for_selector(".md-search-result__item")
    blocking = [v for v in run_axe(page, ".md-search") if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the open search at {width} px, dark theme:\n{summary(blocking)}"


def test_theme_toggle_switches_and_is_remembered(page, site):
    # light by default here; the header's toggle switches to the dark scheme, kept across pages
    open_page(page, site, "", 1280)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
    page.click("label[title='Switch to the dark theme']")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    open_page(page, site, "models/", 1280)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"



@pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))
def test_dark_theme_hardware_dialog_and_answer(page, site, width):
    page.emulate_media(color_scheme="dark")
    open_page(page, site, "models/meta/llama-3.1-8b/", width)
    page.click("#llmc-hw-open")
    page.select_option("#llmc-hw-setup", "rtx-3090-x2")
    blocking = [v for v in run_axe(page, "#llmc-hw-dialog") if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on the open hardware dialog at {width} px, dark theme:\n{summary(blocking)}"
    page.click("#llmc-hw-save")
    page.wait_for_selector(".llmc-answer-chosen")
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on a model page with its answer at {width} px, dark theme:\n{summary(blocking)}"


@pytest.mark.parametrize("path", ["models/", "leaderboard/", "compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b", "models/meta/", "what-can-i-run/",
                                  "models/meta/llama-3.1-8b/"])
def test_first_tab_reaches_a_skip_link(page, site, path):
    # review (accessibility, site-wide): "There is no skip link: the first Tab lands on the header logo".
    open_page(page, site, path, 1280)
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert "md-skip" in focused[0].split(), focused
    target = focused[1].split("#", 1)[1]
    assert page.locator(f"[id='{target}']").count() == 1
