"""The GPU tiers are written once (generator/site/pages.GPU_TIERS): the model page's
legends, the chart caption, the table cells and the calculator's data all follow it.

Each test renders the model page's lower part for a real card, once with the tiers as
they are and once with a different constant, and reads the tiers back from the HTML.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages, render

HERE = Path(__file__).resolve().parent
CARD = HERE / "registry" / "meta" / "llama-3.1-8b.yaml"
INCOMPLETE = HERE / "extra" / "example" / "unreleased-moe.yaml"   # weights-only table and its legend


def model_rest_html(path: Path = CARD) -> str:
    card = load_file(path).data
    assert card is not None
    details = pages.model_details(card, derive(card, load_catalogs()), ranks=None, coding_category=None,
                                  last_change=None, edit_url=None)
    return render.render("model_rest.html", m=details, base="../../../")


def legend(text: str, what: str = "cell") -> list[str]:
    """The tier labels of the legend in the VRAM (or weights-only) paragraph, in order."""
    para = re.search(rf"Each {what} is marked with the smallest common GPU memory it fits: (.*?)\(GB", text)
    assert para, "VRAM legend not found"
    return re.findall(r'<span class="llmc-tier" data-tier="([^"]+)">\1</span>', para.group(1))


def calculator_tiers(text: str) -> list[list[object]]:
    m = re.search(r'<form class="llmc-calc" id="llmc-calc"[^>]* data-tiers="([^"]+)"', text)
    assert m, "calculator form without data-tiers"
    tiers: list[list[object]] = json.loads(html.unescape(m.group(1)))
    return tiers


def caption(text: str) -> str:
    m = re.search(r"<figcaption>.*?(Dashed lines: .*?)</figcaption>", text)
    assert m
    return m.group(1)


def cell_tiers(text: str) -> set[str]:
    table = text.split('id="vram-table"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<td class="llmc-tier" data-tier="([^"]+)"', table))


def test_page_shows_the_tiers_of_the_constant():
    text = model_rest_html()
    sizes = [8, 12, 16, 24, 32, 48, 80, 141]
    assert legend(text) == [f"{gb} GB" for gb in sizes] + ["more"]
    assert "more</span> (above 141 GB: several GPUs, or a Mac with more unified memory)" in text
    assert calculator_tiers(text) == [[gb * 10**9, f"{gb} GB"] for gb in sizes]
    assert "Dashed lines: 8, 12, 16, 24, 32, 48, 80 and 141 GB GPUs, and an 8 × 80 GB node for models larger " \
        "than 141 GB." == caption(text)
    # Llama 3.1 8B: Q4_K_M at 1K is 5.9 GB of the review's figures, so an 8 GB card holds it;
    # BF16 (16.06 GB of weights alone) needs the 24 GB tier or more.
    table = text.split('id="vram-table"', 1)[1].split("</table>", 1)[0]
    q4 = re.search(r'<th scope="row">(?:<abbr[^>]*>)?Q4_K_M(?:</abbr>)?</th>(.*?)</tr>', table)
    assert q4 and re.findall(r'data-tier="([^"]+)"', q4.group(1))[0] == "8 GB"
    bf16 = re.search(r'<th scope="row">(?:<abbr[^>]*>)?BF16(?:</abbr>)?(?: <span[^>]*>[^<]*</span>)?</th>(.*?)</tr>', table)
    assert bf16 and not {"8 GB", "12 GB", "16 GB"} & set(re.findall(r'data-tier="([^"]+)"', bf16.group(1)))
    assert cell_tiers(text) <= set(legend(text))


def test_changing_the_constant_changes_every_place(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pages, "GPU_TIERS", (("16 GB", 16 * 10**9), ("40 GB", 40 * 10**9)))
    text = model_rest_html()
    assert legend(text) == ["16 GB", "40 GB", "more"]
    assert text.count('data-tier="16 GB">16 GB</span>') == 1   # one legend (no weights-only table here)
    assert calculator_tiers(text) == [[16_000_000_000, "16 GB"], [40_000_000_000, "40 GB"]]
    assert caption(text) == ("Dashed lines: 16 and 40 GB GPUs, and an 8 × 80 GB node "
                             "for models larger than 40 GB.")
    # Llama 3.1 8B at BF16 needs 16.06 GB for the weights alone, so the VRAM table uses
    # the larger tier and "more" (its 128K BF16 cell is above 40 GB) as well as 16 GB.
    assert cell_tiers(text) == {"16 GB", "40 GB", "more"}


def test_weights_only_legend_follows_the_constant(monkeypatch: pytest.MonkeyPatch):
    assert legend(model_rest_html(INCOMPLETE), "total") == ["8 GB", "12 GB", "16 GB", "24 GB", "32 GB", "48 GB",
                                                            "80 GB", "141 GB", "more"]
    monkeypatch.setattr(pages, "GPU_TIERS", (("16 GB", 16 * 10**9), ("40 GB", 40 * 10**9)))
    assert legend(model_rest_html(INCOMPLETE), "total") == ["16 GB", "40 GB", "more"]
