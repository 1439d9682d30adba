"""SVG line chart of VRAM against context length, made at build time (no JS library).

Pure: data in, SVG text out. Every text node is escaped.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from generator.site import fmt

PALETTE = ("#3f51b5", "#e65100", "#2e7d32", "#ad1457", "#00838f", "#6d4c41", "#5e35b1", "#827717")
W, H = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 16, 44


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return float(m * exp)
    return float(10 * exp)


LABEL_GAP = 11  # px: capacity lines closer than this share one label


def _cap_label_groups(lines: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """(label, y) per capacity line -> one (text, y) per group of lines closer than LABEL_GAP.

    Lines are taken bottom-up; a group's label sits at its highest line and
    reads '24 / 48 / 80 GB', so labels never overlap.
    """
    groups: list[list[tuple[str, float]]] = []
    for label, y in sorted(lines, key=lambda ly: -ly[1]):
        if groups and groups[-1][-1][1] - y < LABEL_GAP:
            groups[-1].append((label, y))
        else:
            groups.append([(label, y)])
    out = []
    for g in groups:
        labels = [lab for lab, _ in g]
        if len(labels) > 1 and all(lab.endswith(" GB") for lab in labels):
            text = " / ".join(lab[:-3] for lab in labels) + " GB"
        else:
            text = " / ".join(labels)
        out.append((text, g[-1][1]))
    return out


def _describe(series: dict[str, list[tuple[int, int]]], caps: list[tuple[str, int]]) -> str:
    """Text equivalent of the chart for screen readers (the <desc> element)."""
    parts = []
    for name, pts in series.items():
        pts = sorted(pts)
        parts.append(f"{name}: {fmt.gb(pts[0][1])} at {fmt.tokens(pts[0][0])} tokens to "
                     f"{fmt.gb(pts[-1][1])} at {fmt.tokens(pts[-1][0])} tokens")
    text = "; ".join(parts) + "."
    if caps:
        text += " Dashed lines: " + ", ".join(lab for lab, _ in caps) + "."
    return text


def vram_chart(series: dict[str, list[tuple[int, int]]], capacities: list[tuple[str, int]],
               title: str, node: tuple[str, int] | None = None) -> Markup:
    """series: quantization -> [(context tokens, total bytes)]; capacities: (label, bytes).

    node: a multi-GPU capacity (e.g. 8 x 80 GB), drawn only when the data is above
    the largest capacity and the node fits in the axis range the data sets.
    """
    points = [p for s in series.values() for p in s]
    if not points:
        return Markup("")
    xs = sorted({x for x, _ in points})
    lx0, lx1 = math.log2(xs[0]), math.log2(xs[-1])
    if lx1 == lx0:
        lx1 = lx0 + 1
    top_data = max(y for _, y in points) / 1e9
    caps = sorted(capacities, key=lambda c: c[1])
    # capacities below the data, plus the first one above it (the headroom line)
    below = [(lab, b) for lab, b in caps if b / 1e9 <= top_data]
    above = [(lab, b) for lab, b in caps if b / 1e9 > top_data][:1]
    visible_caps = below + above
    ymax = _nice_max(max([top_data] + [b / 1e9 for _, b in visible_caps]))
    if node is not None and caps and top_data > caps[-1][1] / 1e9 and node[1] / 1e9 <= ymax:
        visible_caps.append(node)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: int) -> float:
        return LEFT + (math.log2(x) - lx0) / (lx1 - lx0) * pw

    def py(gbytes: float) -> float:
        return TOP + ph - gbytes / ymax * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="llmc-chart" viewBox="0 0 {W} {H}" '
           'role="img" aria-labelledby="vram-chart-title vram-chart-desc">',
           f'<title id="vram-chart-title">{escape(title)}</title>',
           f'<desc id="vram-chart-desc">{escape(_describe(series, visible_caps))}</desc>',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#9e9e9e"/>']
    for i in range(5):
        g = ymax * i / 4
        y = py(g)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{g:,g}</text>')
    for x in xs:
        out.append(f'<text x="{px(x):.1f}" y="{TOP + ph + 16}" text-anchor="middle" font-size="11">'
                   f"{escape(fmt.tokens(x))}</text>")
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 6}" text-anchor="middle" font-size="12">'
               "Context length (tokens, log scale)</text>")
    out.append(f'<text x="14" y="{TOP + ph / 2:.1f}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">VRAM (GB)</text>')
    lines = []
    for label, b in visible_caps:
        y = py(b / 1e9)
        lines.append((label, y))
        out.append(f'<line class="llmc-cap" x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#757575" stroke-dasharray="5 4"/>')
    # Capacity labels sit in the right margin, level with their line, where no
    # series is drawn; the legend rows below skip the heights they take.
    label_ys = []
    for text, y in _cap_label_groups(lines):
        label_ys.append(y)
        out.append(f'<text class="llmc-cap-label" x="{LEFT + pw + 6}" y="{y + 3.5:.1f}" '
                   f'font-size="10" fill="#616161">{escape(text)}</text>')
    ly = TOP + 10
    for i, (name, pts) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{px(x):.1f},{py(y / 1e9):.1f}" for x, y in sorted(pts))
        out.append(f'<polyline class="llmc-series" fill="none" stroke="{color}" stroke-width="2" '
                   f'points="{coords}"><title>{escape(name)}</title></polyline>')
        while any(abs(ly - 4 - y) < LABEL_GAP + 2 for y in label_ys):
            ly += 4
        out.append(f'<line x1="{W - RIGHT + 10}" x2="{W - RIGHT + 28}" y1="{ly - 4:.1f}" y2="{ly - 4:.1f}" '
                   f'stroke="{color}" stroke-width="3"/>')
        out.append(f'<text x="{W - RIGHT + 32}" y="{ly:.1f}" font-size="11">{escape(name)}</text>')
        ly += 16
    out.append("</svg>")
    return Markup("\n".join(out))   # every text in it is escaped above
