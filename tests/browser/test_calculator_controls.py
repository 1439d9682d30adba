"""The model page calculators' controls in chromium.

The formula calculator (#llmc-calc): the slider steps through context presets (1K, 2K, 4K ...
the model's maximum), the number field next to it takes any whole number and keeps the slider
in step, and an invalid context or batch shows a message and no result (the page never
computes from a value it made up).

The live engine calculator (#ecalc, llama.cpp's plan in the browser): the same context
controls, engine, GPU and count, system RAM, quantization, K and V cache types, flash
attention, parallel sequences and offload; an invalid value shows a message next to its
field; and the numbers shown equal `llmcards plan` run with the command the page shows.

Llama 3.1 8B in the test registry has a maximum context of 131,072 tokens.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.site import fmt

from helpers import TEST_REGISTRY

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
    # the first context is 8K, the context of the hardware-fit and compare figures (review P10)
    assert _state(page)["context"] == "8192" and slider.input_value() == "3"
    assert slider.get_attribute("aria-valuetext") == "8K tokens"
    # reach the slider with the keyboard: Tab from the KV-cache select
    page.focus("#calc-kv")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "calc-context-slider"
    page.keyboard.press("Home")
    assert _state(page)["context"] == "1024"
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
        # only the formula calculator's data (the engine calculator's has a max_context too)
        start = body.index('id="llmc-calc-data">')
        tail, n = re.subn(r'"max_context": ?131072', '"max_context": 100000', body[start:])
        assert n == 1
        body = body[:start] + tail
        body = body.replace('data-max-context="131072"', 'data-max-context="100000"')
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
    page.route(site + MODEL, rewrite)
    _open(page, site)
    assert page.locator("#calc-context").get_attribute("max") == "100000"
    slider = page.locator("#calc-context-slider")
    seen = []
    slider.focus()
    page.keyboard.press("Home")
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


# --- the live engine calculator (#ecalc) -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("weights_bytes", "kv_cache_bytes", "compute_buffer_bytes", "overhead_bytes", "total_bytes", "capacity_bytes")
HOST_ROWS = ("weights_bytes", "kv_cache_bytes", "compute_buffer_bytes", "total_bytes")


def _open_engine(page, site, model=MODEL, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + model)
    page.wait_for_selector("#ecalc-total[data-bytes]:not([data-bytes=''])")


def _set_engine(page, **controls) -> None:
    """Selects by option value, text fields as typed ("gpu", "quant", "ctk", "ctv", "fa" are selects)."""
    for name, value in controls.items():
        sel = f"#ecalc-{name}"
        if name in ("engine", "gpu", "quant", "ctk", "ctv", "fa", "kvdtype", "release"):
            page.select_option(sel, value)
        else:
            _type(page, sel, str(value))


def _shown(page) -> dict:
    return page.evaluate("""() => {
        const rows = {};
        document.querySelectorAll('#ecalc-devices tbody tr').forEach(tr => {
            rows[tr.dataset.row] = [...tr.querySelectorAll('td')].map(td => td.dataset.bytes === undefined ? null : Number(td.dataset.bytes));
        });
        const f = document.getElementById('ecalc');
        return {
            names: [...document.querySelectorAll('#ecalc-devices thead th')].slice(1).map(th => th.textContent),
            rows, total: document.getElementById('ecalc-total').dataset.bytes,
            totalText: document.getElementById('ecalc-total').textContent,
            fits: f.dataset.fits, state: f.dataset.state || '',
            maxctx: document.getElementById('ecalc-maxctx').dataset.tokens,
            offload: document.getElementById('ecalc-offload').textContent,
            cli: document.getElementById('ecalc-cli').textContent,
            server: document.getElementById('ecalc-server').textContent,
            decode: document.getElementById('ecalc-speed').dataset.decode,
            prefill: document.getElementById('ecalc-speed').dataset.prefill,
            speedText: document.getElementById('ecalc-speed').textContent,
            basis: document.getElementById('ecalc-speed-basis').textContent,
        };
    }""")


def _cli_plan(command: str) -> dict:
    """Runs the `llmcards plan ...` command the page shows, on the test registry, as JSON."""
    words = command.split()
    assert words[:2] == ["llmcards", "plan"], command
    out = subprocess.run([sys.executable, "-m", "generator", *words[1:], "--format", "json",
                          "--registry", str(TEST_REGISTRY)],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout)


CASES = [
    # (model page, controls): defaults; quantized caches and two slots; a MoE model offloading its
    # experts to fit 16 GB with RAM checked; a layer split over two GPUs without flash attention;
    # no GPU; an AMD card with fixed -ngl.
    (MODEL, {}),
    (MODEL, {"gpu": "rtx-3060-12gb", "quant": "Q8_0", "ctk": "Q8_0", "ctv": "Q4_0", "context": "65536",
             "parallel": "2"}),
    ("models/mistralai/mixtral-8x7b/", {"gpu": "rtx-4060-ti-16gb", "ram": "64", "context": "16384"}),
    ("models/mistralai/mixtral-8x7b/", {"gpu": "rtx-3090", "count": "2", "ngl": "20", "fa": "off",
                                        "context": "30000"}),
    ("models/meta/llama-2-7b/", {"gpu": ""}),
    ("models/meta/llama-2-7b/", {"gpu": "rx-7900-xtx", "ngl": "12", "ram": "0.05", "quant": "Q5_K_M"}),
    # vLLM: tensor parallel over the GPUs given; an FP8 cache, several sequences and a lower
    # utilization; a MoE model in FP8 on one large GPU (vLLM's larger batch defaults); no GPU
    (MODEL, {"engine": "vllm", "gpu": "rtx-3090", "count": "2", "context": "20000"}),
    (MODEL, {"engine": "vllm", "gpu": "rtx-4090", "kvdtype": "fp8", "seqs": "3", "util": "0.8",
             "quant": "FP8", "tp": "1"}),
    ("models/mistralai/mixtral-8x7b/", {"engine": "vllm", "gpu": "h100-sxm-80gb", "quant": "FP8"}),
    ("models/meta/llama-2-7b/", {"engine": "vllm", "gpu": ""}),
    # vLLM 0.34 and later (the current releases' line): Model Runner V2, 64-token blocks; on one H100,
    # and a MoE model over two GPUs with an FP8 cache
    (MODEL, {"engine": "vllm", "gpu": "h100-sxm-80gb", "release": "0.34"}),
    ("models/mistralai/mixtral-8x7b/", {"engine": "vllm", "gpu": "rtx-3090", "count": "2", "release": "0.34",
                                        "kvdtype": "fp8", "context": "8192"}),
]


@pytest.mark.parametrize("model,controls", CASES)
def test_engine_calculator_equals_llmcards_plan(page, site, model, controls):
    _open_engine(page, site, model)
    _set_engine(page, **controls)
    s = _shown(page)
    assert s["state"] == "", s
    p = _cli_plan(s["cli"])
    # the command carries the inputs as set
    # the first context: 8,192 tokens, or the model's maximum when smaller (Llama 2: 4,096)
    first = 4096 if "llama-2-7b" in model else 8192
    vllm = controls.get("engine") == "vllm"
    assert p["engine"] == ("vllm" if vllm else "llama.cpp")
    if vllm:   # the checkpoint as shipped: BF16 for these models
        want = {"quant": controls.get("quant", "BF16"), "context": int(controls.get("context", first)),
                "kv_dtype": controls.get("kvdtype", "auto"), "parallel": int(controls.get("seqs", 1)),
                # vLLM's own default from v0.20.0 (config/cache.py), which the field starts at
                "gpu_memory_utilization": float(controls.get("util", 0.92)),
                # the release line: v0.21-v0.33 unless the reader picks v0.34 and later
                "vllm_version": controls.get("release", "0.21")}
    else:
        want = {"quant": controls.get("quant", "Q4_K_M"), "context": int(controls.get("context", first)),
                "kv_type_k": controls.get("ctk", "F16"), "kv_type_v": controls.get("ctv", "F16")}
    assert {k: p["settings"][k] for k in want} == want
    assert ("--gpu" in s["cli"]) == (controls.get("gpu") != "")
    # every number shown equals the CLI's (vLLM keeps nothing in system RAM: no host column)
    host = [] if vllm else ["System RAM"]
    assert s["names"] == [d["name"] for d in p["devices"]] + host
    for row in ROWS:
        assert s["rows"][row][:len(p["devices"])] == [d[row] for d in p["devices"]], row
    for row in HOST_ROWS if not vllm else ():
        assert s["rows"][row][-1] == p["host"][row], row
    assert int(s["total"]) == sum(d["total_bytes"] for d in p["devices"])
    assert s["fits"] == ("" if p["fits"] is None else str(p["fits"]).lower())
    assert s["maxctx"] == ("" if p["max_context_that_fits"] is None else str(p["max_context_that_fits"]))
    if vllm:
        assert p["offload"] is None and f"tensor parallel {p['settings']['tensor_parallel']}." in s["offload"]
        if p["kv_cache_capacity_tokens"] is not None:
            assert f"{p['kv_cache_capacity_tokens']:,} tokens, {p['max_concurrency']:g} requests" in s["offload"]
    else:
        assert " ".join(p["offload"]["flags"]) in s["offload"] and p["offload"]["moved"] in s["offload"]
    assert s["server"] == p["command"]
    # the speed bounds `llmcards plan` prints (decode and prefill per sequence), the same numbers and basis
    sp = p["speed"]
    for key, shown in (("decode_tokens_per_s_upper_bound", s["decode"]), ("prefill_tokens_per_s_upper_bound", s["prefill"])):
        assert (None if shown == "" else float(shown)) == sp[key], key
    if controls.get("gpu") == "":
        assert s["speedText"] == "Choose a GPU for the speed bounds." and s["basis"] == ""
    else:
        assert sp["decode_tokens_per_s_upper_bound"] is not None
        assert f"decode ≤ {fmt.rate(sp['decode_tokens_per_s_upper_bound'])}" in s["speedText"]
        assert f"prefill ≤ {fmt.rate(sp['prefill_tokens_per_s_upper_bound'])}" in s["speedText"]
        assert s["basis"] == f"How: {sp['basis']}."


def test_engine_calculator_defaults_and_context_presets(page, site):
    _open_engine(page, site)
    assert page.locator("#ecalc-engine").input_value() == "llama.cpp"
    assert not page.locator("#ecalc-engine option[value=vllm]").is_disabled()
    assert page.locator("#ecalc-tp").is_hidden() and page.locator("#ecalc-ngl").is_visible()
    assert page.locator("#ecalc-quant").input_value() == "Q4_K_M"   # no native checkpoint: llama.cpp's default
    assert page.locator("#ecalc-context").input_value() == "8192"
    slider = page.locator("#ecalc-context-slider")
    assert slider.get_attribute("max") == "7" and slider.input_value() == "3"   # 1K..64K, 128K
    assert slider.get_attribute("aria-valuetext") == "8K tokens"
    assert page.locator("#ecalc-total").get_attribute("aria-live") == "polite"
    assert page.locator("#ecalc-moe-field").is_hidden()   # a dense model: no experts to offload
    slider.focus()
    page.keyboard.press("End")
    assert page.locator("#ecalc-context").input_value() == "131072"
    assert _cli_plan(_shown(page)["cli"])["settings"]["context"] == 131072
    _type(page, "#ecalc-context", "3000")
    assert slider.input_value() == "1" and page.locator("#ecalc-context-value").inner_text() == "3,000"
    # no GPU: the count is not asked for, nothing is checked against a capacity
    page.select_option("#ecalc-gpu", "")
    assert page.locator("#ecalc-count").is_disabled() and _shown(page)["fits"] == ""


@pytest.mark.parametrize("field,value,says", [
    ("context", "0", "whole number"), ("context", "abc", "whole number"), ("context", "131073", "maximum"),
    ("count", "0", "from 1 to 64"), ("count", "65", "from 1 to 64"), ("ram", "lots", "number of GB"),
    ("parallel", "x", "auto or a whole number"), ("parallel", "0", "auto or a whole number"),
    ("ngl", "-1", "auto or a whole number"), ("ngl", "2.5", "auto or a whole number"),
])
def test_engine_calculator_invalid_value_shows_a_message_next_to_its_field(page, site, field, value, says):
    _open_engine(page, site)
    _type(page, f"#ecalc-{field}", value)
    box, err = page.locator(f"#ecalc-{field}"), page.locator(f"#ecalc-{field}-error")
    assert says in err.inner_text() and err.is_visible()
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby") == f"ecalc-{field}-error"
    s = _shown(page)
    assert s["state"] == "invalid" and s["total"] == "" and s["totalText"].startswith(NOT_COMPUTED)
    assert s["cli"] == "" and s["rows"] == {}
    _type(page, f"#ecalc-{field}", {"context": "8192", "count": "1", "ram": "", "parallel": "auto",
                                    "ngl": "auto"}[field])
    assert err.inner_text() == "" and box.get_attribute("aria-invalid") is None and _shown(page)["total"]


def test_engine_calculator_refusals_of_the_engine_go_next_to_the_field(page, site):
    _open_engine(page, site)
    # a quantized V cache needs flash attention (llama.cpp refuses -fa off -ctv q8_0)
    page.select_option("#ecalc-fa", "off")
    page.select_option("#ecalc-ctv", "Q8_0")
    assert "needs flash attention" in page.locator("#ecalc-ctv-error").inner_text()
    assert _shown(page)["state"] == "invalid"
    page.select_option("#ecalc-fa", "auto")
    assert page.locator("#ecalc-ctv-error").inner_text() == "" and _shown(page)["state"] == ""
    # -c is shared by explicit slots: 3 slots may hold 3 x 131,072 tokens, not more
    _type(page, "#ecalc-parallel", "3")
    _type(page, "#ecalc-context", str(3 * 131072))
    assert _shown(page)["state"] == "" and page.locator("#ecalc-context-error").inner_text() == ""
    _type(page, "#ecalc-context", str(3 * 131072 + 3))
    assert "maximum" in page.locator("#ecalc-context-error").inner_text()


def test_engine_calculator_fits_a_phone_screen(page, site):
    _open_engine(page, site, "models/mistralai/mixtral-8x7b/", width=360)
    _set_engine(page, gpu="h100-sxm-80gb", count="8", parallel="x")  # a message showing too
    _set_engine(page, parallel="auto")
    for sel in ("#ecalc-engine", "#ecalc-gpu", "#ecalc-count", "#ecalc-quant", "#ecalc-context-slider",
                "#ecalc-context", "#ecalc-parallel", "#ecalc-ngl", "#ecalc-moe", "#ecalc-total"):
        box = page.locator(sel).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 360, (sel, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_engine_calculator_switches_engines_and_their_controls(page, site):
    _open_engine(page, site)
    _set_engine(page, quant="Q8_0")
    page.select_option("#ecalc-engine", "vllm")
    # vLLM's own controls and checkpoints; llama.cpp's hidden
    assert page.locator("#ecalc-tp").is_visible() and page.locator("#ecalc-util").is_visible()
    assert page.locator("#ecalc-ngl").is_hidden() and page.locator("#ecalc-ctk").is_hidden()
    quants = page.eval_on_selector_all("#ecalc-quant option", "os => os.map(o => o.value)")
    assert "BF16" in quants and "Q4_K_M" not in quants and page.locator("#ecalc-quant").input_value() == "BF16"
    assert "--engine vllm" in _shown(page)["cli"]
    # a tensor-parallel size the heads do not allow (32 query, 8 key/value heads): a message next to it
    _type(page, "#ecalc-tp", "3")
    assert "allowed: 1, 2, 4, 8" in page.locator("#ecalc-tp-error").inner_text()
    assert _shown(page)["state"] == "invalid"
    _type(page, "#ecalc-tp", "auto")
    _type(page, "#ecalc-util", "1.5")
    assert "at most 1" in page.locator("#ecalc-util-error").inner_text()
    _type(page, "#ecalc-util", "0.9")
    # back to llama.cpp: the quantization chosen there is kept
    page.select_option("#ecalc-engine", "llama.cpp")
    assert page.locator("#ecalc-quant").input_value() == "Q8_0" and page.locator("#ecalc-tp").is_hidden()
    assert "--engine llama.cpp" in _shown(page)["cli"] and _shown(page)["state"] == ""
