"""Words for readers that the review asked for (site-review.md section 3 and P11)."""

from __future__ import annotations

import re

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages
from generator.site.render import render
from helpers import ROOT, TEST_REGISTRY


def test_vram_cells_say_their_tier_in_words():
    # section 3: "the fit tier is shown by background colour. Text appears only in the title tooltip"
    card = load_file(TEST_REGISTRY / "meta" / "llama-3.1-8b.yaml").data
    details = pages.model_details(card, derive(card, load_catalogs()), ranks=None, coding_category=None,
                                  last_change=None, edit_url=None)
    html = render("model_rest.html", m=details, base="../../../")
    table = html[html.index('id="vram-table"'):html.index("</table>", html.index('id="vram-table"'))]
    cells = re.findall(r'<td class="llmc-tier" data-tier="([^"]+)"[^>]*>(.*?)</td>', table)
    assert cells
    for tier, body in cells:
        words = f"(more than {pages.GPU_TIERS[-1][0]})" if tier == "more" else f"(fits {tier})"
        assert f'<span class="llmc-visually-hidden"> {words}</span>' in body, (tier, body)


def test_methodology_opens_with_a_plain_summary():
    # P11: "it opens with source paths (generator/calc/, assets/js/vram.js) and has no plain-language summary"
    text = (ROOT / "site" / "methodology.md").read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]
    assert "**In short:**" in head and len(re.findall(r"^\d\. ", head, re.M)) == 5
    assert "generator/" not in head and ".js" not in head and "`" not in head
