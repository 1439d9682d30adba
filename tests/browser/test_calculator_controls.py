"""The model page calculator's context and batch controls in chromium: the slider steps
through context presets (1K, 2K, 4K ... the model's maximum), the number field next to it
takes any whole number and keeps the slider in step, and an invalid context or batch shows
a message and no result (the page never computes from a value it made up).

Llama 3.1 8B in the test registry has a maximum context of 131,072 tokens.
"""

from __future__ import annotations

import re

import pytest

MODEL = "models/meta/llama-3.1-8b/"
NOT_COMPUTED = "not computed"


def _open(page, site, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + MODEL)
    page.wait_for_selector("#calc-total[data-bytes]:not([data-bytes=''])")


def _vram_js(page, context: int, batch: int) -> int:
    """vram.js's total for the page's own coefficients and current selects."""
    return page.evaluate("""([c, b]) => {
        const calc = JSON.parse(document.getElementById('llmc-calc-data').textContent);
        const q = document.getElementById('calc-quantization').value;
        const kv = document.getElementById('calc-kv').value;
        return window.LLMCardsVRAM.compute(calc, q, kv, c, b).total_bytes; }""", [context, batch])


def _type(page, selector: str, text: str) -> None:
    # as a user types: clear the field, then key presses (each one an input event)
    page.fill(selector, "")
    if text:
        page.type(selector, text)


def _state(page) -> dict:
    return page.evaluate("""() => ({
        context: document.getElementById('calc-context').value,
        slider: document.getElementById('calc-context-slider').value,
        valuetext: document.getElementById('calc-context-slider').getAttribute('aria-valuetext'),
        bytes: document.getElementById('calc-total').dataset.bytes,
        total: document.getElementById('calc-total').textContent,
        fit: document.getElementById('calc-fit').textContent,
        parts: document.querySelectorAll('#calc-parts tr').length,
        contextError: document.getElementById('calc-context-error').textContent,
        batchError: document.getElementById('calc-batch-error').textContent,
    })""")


def test_slider_steps_through_presets_by_keyboard(page, site):
    _open(page, site)
    slider = page.locator("#calc-context-slider")
    # 1K .. 64K are powers of two below the maximum, then the maximum (128K): 8 stops
    assert slider.get_attribute("min") == "0" and slider.get_attribute("max") == "7"
    assert _state(page)["context"] == "1024" and slider.input_value() == "0"
    assert slider.get_attribute("aria-valuetext") == "1K tokens"
    # reach the slider with the keyboard: Tab from the KV-cache select
    page.focus("#calc-kv")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "calc-context-slider"
    expected = [(2048, "2K"), (4096, "4K"), (8192, "8K"), (16384, "16K"), (32768, "32K"), (65536, "64K"),
                (131072, "128K"), (131072, "128K")]   # the last press stays at the maximum
    for context, label in expected:
        page.keyboard.press("ArrowRight")
        s = _state(page)
        assert (s["context"], s["valuetext"]) == (str(context), f"{label} tokens")
        assert int(s["bytes"]) == _vram_js(page, context, 1)
    page.keyboard.press("ArrowLeft")
    assert _state(page)["context"] == "65536"
    page.keyboard.press("Home")
    assert _state(page)["context"] == "1024"
    page.keyboard.press("End")
    assert _state(page)["context"] == "131072"
    assert page.locator("#calc-context-value").inner_text() == "131,072"


def test_presets_end_at_a_maximum_that_is_not_a_power_of_two(page, site):
    # the same page, served with a maximum context of 100,000 tokens
    def rewrite(route):
        body = route.fetch().text()
        body, n = re.subn(r'"max_context": ?131072', '"max_context": 100000', body)
        assert n == 1
        body = body.replace('data-max-context="131072"', 'data-max-context="100000"')
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
    page.route(site + MODEL, rewrite)
    _open(page, site)
    assert page.locator("#calc-context").get_attribute("max") == "100000"
    slider = page.locator("#calc-context-slider")
    seen = []
    slider.focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
        seen.append(int(page.locator("#calc-context").input_value()))
    assert seen == [2048, 4096, 8192, 16384, 32768, 65536, 100000, 100000]
    assert slider.get_attribute("aria-valuetext") == "100K tokens"   # fmt.tokens: 100,000 = 100 x 1,000


def test_field_moves_the_slider_and_result_equals_vram_js(page, site):
    _open(page, site)
    page.select_option("#calc-quantization", "Q8_0")
    page.select_option("#calc-kv", "Q8_0")
    _type(page, "#calc-batch", "2")
    # any whole number: the slider rests on the largest preset not above it
    for typed, index, label in [("3000", "1", "2K"), ("8192", "3", "8K"), ("500", "0", "1K"),
                                ("131072", "7", "128K"), ("100001", "6", "64K")]:
        _type(page, "#calc-context", typed)
        s = _state(page)
        assert (s["slider"], s["valuetext"]) == (index, f"{label} tokens"), typed
        assert s["bytes"] and int(s["bytes"]) == _vram_js(page, int(typed), 2), typed
        assert s["contextError"] == "" and s["batchError"] == ""
    assert page.locator("#calc-context-value").inner_text() == "100,001"
    # from a typed value, the next arrow press goes to the next preset up
    _type(page, "#calc-context", "3000")
    page.focus("#calc-context-slider")
    page.keyboard.press("ArrowRight")
    assert _state(page)["context"] == "4096"
    assert int(_state(page)["bytes"]) == _vram_js(page, 4096, 2)
    # the number field comes after the slider in the tab order, then the batch field
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "calc-context"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "calc-batch"


@pytest.mark.parametrize("field,value", [
    ("context", ""), ("context", "0"), ("context", "-3"), ("context", "1.5"), ("context", "131073"),
    ("context", "1e3"), ("batch", ""), ("batch", "0"), ("batch", "-3"), ("batch", "2.5"), ("batch", "5000"),
])
def test_invalid_input_shows_a_message_and_no_result(page, site, field, value):
    _open(page, site)
    _type(page, "#calc-context", "8192")
    valid = _state(page)
    assert valid["bytes"] and valid["parts"] == 4
    selector, other = ("#calc-context", "#calc-batch") if field == "context" else ("#calc-batch", "#calc-context")
    _type(page, selector, value)
    s = _state(page)
    message = s[f"{field}Error"]
    limit = "131,072" if field == "context" else "1,024"
    assert "whole number" in message and limit in message, message
    assert s["contextError" if field == "batch" else "batchError"] == ""
    # the field says it is invalid and points at its message
    box = page.locator(selector)
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == f"calc-{field}-error"
    assert page.locator(f"#calc-{field}-error").get_attribute("aria-live") == "polite"
    assert page.locator(f"#calc-{field}-error").is_visible()
    assert page.locator(other).get_attribute("aria-invalid") is None
    # no result at all: not the previous one, not one from a clamped or defaulted value
    assert s["bytes"] == "" and s["fit"] == "" and s["parts"] == 0
    assert s["total"].startswith(NOT_COMPUTED), s["total"]
    assert s["context"] == "8192" or field == "context"    # the input is left as typed
    # a valid value again: the message goes and the result comes back
    _type(page, selector, "8192" if field == "context" else "1")
    s = _state(page)
    assert s["contextError"] == s["batchError"] == ""
    assert box.get_attribute("aria-invalid") is None
    assert int(s["bytes"]) == int(valid["bytes"]) == _vram_js(page, 8192, 1)


def test_controls_fit_a_phone_screen(page, site):
    _open(page, site, width=360)
    _type(page, "#calc-batch", "0")   # with a message showing too
    for sel in ("#calc-quantization", "#calc-kv", "#calc-context-slider", "#calc-context", "#calc-batch",
                "#calc-batch-error", "#calc-total"):
        box = page.locator(sel).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 360, (sel, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
