"""Phone widths (360-414 px): no page scrolls sideways; wide tables scroll inside their own
wrapper; the VRAM chart keeps readable labels."""

from __future__ import annotations

import pytest

from helpers import PAGE_TYPES

PAGES = PAGE_TYPES
WIDTHS = (360, 390, 414)

# The elements that reach past the right edge of the screen and are not inside an element
# that clips or scrolls them: what makes the page itself scroll sideways.
OVERFLOWING = """() => {
  const W = document.documentElement.clientWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 0.5) continue;
    let p = el.parentElement, contained = false;
    for (; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { contained = true; break; }
    }
    if (!contained) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.classList[0] || ''} right=${Math.round(r.right)}`);
  }
  return out.slice(0, 10);
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_no_horizontal_scroll(page, site, path, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    if path.startswith("compare/"):
        page.wait_for_selector("#compare-table:not([hidden])")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll_width <= inner_width, (
        f"/{path} at {width} px is {scroll_width} px wide; past the edge: {page.evaluate(OVERFLOWING)}")


def test_wide_tables_scroll_inside_their_wrapper(page, site):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(site + "models/meta/llama-3.1-8b/")
    page.wait_for_load_state("networkidle")
    for table in ("#hardware-table", "#param-table", "#vram-table"):
        wrap = page.locator(f".llmc-scroll:has({table})")
        assert wrap.count() == 1, f"{table} has no scroll wrapper"
        # the wrapper is no wider than the screen; the table inside may be
        assert wrap.evaluate("el => el.getBoundingClientRect().right") <= 360
    assert page.locator(".llmc-scroll:has(#hardware-table)").evaluate("el => el.scrollWidth > el.clientWidth")


def test_chart_labels_stay_readable_on_a_phone(page, site):
    # The chart is drawn with 11-12 px labels in a 640-unit-wide view box; squeezed into a
    # 360 px screen they would be about 6 px. On a phone it keeps its drawn width and
    # scrolls sideways inside its figure instead.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(site + "models/meta/llama-3.1-8b/")
    page.wait_for_load_state("networkidle")
    heights = page.eval_on_selector_all("#vram-chart svg text", "ts => ts.map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 10, heights
    figure = page.locator("#vram-chart")
    assert figure.evaluate("el => el.getBoundingClientRect().right") <= 360
    assert figure.evaluate("el => el.scrollWidth > el.clientWidth")
