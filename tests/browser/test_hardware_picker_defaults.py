"""The first values of "My hardware"'s custom parts, in chromium: "Any GPU" opens on an RTX 4090 with
the system RAM type such a machine usually has, "CPU only" on 32 GB of dual-channel DDR5 (a current
desktop or laptop), not on the first option of each list; a stored custom choice shows its own values,
and what a reader set and left in the dialog is kept when it opens again.
"""

from __future__ import annotations

import json
from typing import Any

PAGE = "models/meta/llama-3.1-8b/"


def _open_kind(page: Any, kind: str) -> None:
    page.click("#llmc-hw-open")
    page.check(f'#llmc-hw-dialog input[name=kind][value="{kind}"]')
    page.wait_for_selector(f"#llmc-hw-{kind}-part:not([hidden])")


def _store(page: Any, site: str, choice: dict[str, Any]) -> None:
    page.goto(site)
    page.evaluate("c => localStorage.setItem('llmcards.hardware', c)", json.dumps(choice))
    page.goto(site + PAGE)


def test_any_gpu_opens_on_an_rtx_4090(page, site, catalogs):
    """Nothing stored: the GPU part shows 1 x RTX 4090 with 32 GB of its usual RAM type, and saving it
    untouched stores that GPU (the first option of the list is the RTX 3060 12GB)."""
    usual = next(g["host_memory"] for g in catalogs.gpus if g["id"] == "rtx-4090")
    page.goto(site + PAGE)
    _open_kind(page, "gpu")
    first = page.eval_on_selector("#llmc-hw-gpu", "s => s.options[0].value")
    assert first != "rtx-4090"           # the default is not merely the list's first option
    assert page.input_value("#llmc-hw-gpu") == "rtx-4090"
    assert page.input_value("#llmc-hw-count") == "1" and page.input_value("#llmc-hw-ram") == "32"
    assert page.input_value("#llmc-hw-ram-class") == usual == "ddr5-dual"
    page.click("#llmc-hw-save")
    stored = page.evaluate("LLMCardsHardware.get()")
    assert (stored["gpu"], stored["count"], stored["ram_gb"], stored["ram_class"]) == ("rtx-4090", 1, 32, None)


def test_cpu_only_opens_on_dual_channel_ddr5(page, site):
    """Nothing stored: "CPU only" shows 32 GB of dual-channel DDR5 (the first option is DDR4-3200),
    and saving it untouched stores that class."""
    page.goto(site + PAGE)
    _open_kind(page, "cpu")
    assert page.eval_on_selector("#llmc-hw-cpu-class", "s => s.options[0].value") == "ddr4-dual"
    assert page.input_value("#llmc-hw-cpu-class") == "ddr5-dual"
    assert page.input_value("#llmc-hw-cpu-ram") == "32"
    page.click("#llmc-hw-save")
    stored = page.evaluate("LLMCardsHardware.get()")
    assert stored["cpu_only"] is True and stored["ram_gb"] == 32 and stored["ram_class"] == "ddr5-dual"
    assert stored["label"] == "CPU only, 32 GB RAM (Desktop, dual-channel DDR5-5600)"


def test_a_stored_choice_wins_over_the_defaults(page, site):
    """A stored custom GPU or CPU-only choice opens on its own values; the other part still opens on
    its defaults."""
    _store(page, site, {"version": 2, "setup": "custom", "engine": "llama.cpp", "gpu": "rtx-3060-12gb", "count": 2,
                        "ram_gb": 48, "ram_class": "ddr4-dual"})
    page.click("#llmc-hw-open")
    page.wait_for_selector("#llmc-hw-gpu-part:not([hidden])")
    assert page.is_checked('#llmc-hw-dialog input[name=kind][value="gpu"]')
    assert page.input_value("#llmc-hw-gpu") == "rtx-3060-12gb"
    assert page.input_value("#llmc-hw-count") == "2" and page.input_value("#llmc-hw-ram") == "48"
    assert page.input_value("#llmc-hw-ram-class") == "ddr4-dual"
    page.check('#llmc-hw-dialog input[name=kind][value="cpu"]')
    page.wait_for_selector("#llmc-hw-cpu-part:not([hidden])")
    assert page.input_value("#llmc-hw-cpu-class") == "ddr5-dual"

    _store(page, site, {"version": 2, "setup": "custom", "engine": "llama.cpp", "cpu_only": True, "gpu": None,
                        "count": 1, "ram_gb": 24, "ram_class": "ddr4-dual", "label": "CPU only, 24 GB RAM", "short": "CPU only"})
    page.click("#llmc-hw-open")
    page.wait_for_selector("#llmc-hw-cpu-part:not([hidden])")
    assert page.input_value("#llmc-hw-cpu-class") == "ddr4-dual" and page.input_value("#llmc-hw-cpu-ram") == "24"
    page.check('#llmc-hw-dialog input[name=kind][value="gpu"]')
    page.wait_for_selector("#llmc-hw-gpu-part:not([hidden])")
    assert page.input_value("#llmc-hw-gpu") == "rtx-4090"


def test_what_the_reader_left_in_the_dialog_is_kept(page, site):
    """The defaults are first values only: a GPU and RAM type picked, then the dialog closed without
    saving, are there when it opens again."""
    page.goto(site + PAGE)
    _open_kind(page, "gpu")
    page.select_option("#llmc-hw-gpu", "rtx-3090")
    page.check('#llmc-hw-dialog input[name=kind][value="cpu"]')
    page.wait_for_selector("#llmc-hw-cpu-part:not([hidden])")
    page.select_option("#llmc-hw-cpu-class", "server-8ch-ddr5")
    page.keyboard.press("Escape")
    assert not page.locator("#llmc-hw-dialog").is_visible()
    _open_kind(page, "gpu")
    assert page.input_value("#llmc-hw-gpu") == "rtx-3090"
    page.check('#llmc-hw-dialog input[name=kind][value="cpu"]')
    assert page.input_value("#llmc-hw-cpu-class") == "server-8ch-ddr5"


def test_ram_in_labels_keeps_small_amounts(page, site):
    """The RAM in a setup's label: two decimals at most, grouped; below 1 GB three significant figures,
    so that 0.001 GB of RAM is not labelled "0 GB RAM" beside an answer that it is too small."""
    page.goto(site + PAGE)
    labels = page.evaluate("""() => [64, 24.5, 1500, 0.001, 0.5, 0.12345].map(
        r => LLMCardsHardware.customLabel({name: "NVIDIA GeForce RTX 3060 12GB", memory_bytes: 12e9}, 1, r, null)[0])""")
    assert labels == [f"1 × NVIDIA GeForce RTX 3060 12GB + {text} GB RAM"
                      for text in ("64", "24.5", "1,500", "0.001", "0.5", "0.123")]
