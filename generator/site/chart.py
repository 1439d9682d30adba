"""SVG line chart of VRAM against context length, made at build time (no JS library).

Pure: data in, SVG text out. Every text node is escaped.
"""

from __future__ import annotations

import math
from html import escape

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
            return m * exp
    return 10 * exp


def vram_chart(series: dict[str, list[tuple[int, int]]], capacities: list[tuple[str, int]],
               title: str) -> str:
    """series: quantization -> [(context tokens, total bytes)]; capacities: (label, bytes)."""
    points = [p for s in series.values() for p in s]
    if not points:
        return ""
    xs = sorted({x for x, _ in points})
    lx0, lx1 = math.log2(xs[0]), math.log2(xs[-1])
    if lx1 == lx0:
        lx1 = lx0 + 1
    top_data = max(y for _, y in points) / 1e9
    # capacities below the data, plus the first one above it (the headroom line)
    below = [(lab, b) for lab, b in sorted(capacities, key=lambda c: c[1]) if b / 1e9 <= top_data]
    above = [(lab, b) for lab, b in sorted(capacities, key=lambda c: c[1]) if b / 1e9 > top_data][:1]
    visible_caps = below + above
    ymax = _nice_max(max([top_data] + [b / 1e9 for _, b in visible_caps]))
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: int) -> float:
        return LEFT + (math.log2(x) - lx0) / (lx1 - lx0) * pw

    def py(gbytes: float) -> float:
        return TOP + ph - gbytes / ymax * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="llmc-chart" viewBox="0 0 {W} {H}" '
           f'role="img" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>",
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#9e9e9e"/>']
    for i in range(5):
        g = ymax * i / 4
        y = py(g)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{g:g}</text>')
    for x in xs:
        out.append(f'<text x="{px(x):.1f}" y="{TOP + ph + 16}" text-anchor="middle" font-size="11">'
                   f"{escape(fmt.tokens(x))}</text>")
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{H - 6}" text-anchor="middle" font-size="12">'
               "Context length (tokens, log scale)</text>")
    out.append(f'<text x="14" y="{TOP + ph / 2:.1f}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">VRAM (GB)</text>')
    for label, b in visible_caps:
        y = py(b / 1e9)
        out.append(f'<line class="llmc-cap" x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#757575" stroke-dasharray="5 4"/>')
        out.append(f'<text x="{LEFT + 4}" y="{y - 3:.1f}" font-size="10" fill="#616161">{escape(label)}</text>')
    for i, (name, pts) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{px(x):.1f},{py(y / 1e9):.1f}" for x, y in sorted(pts))
        out.append(f'<polyline class="llmc-series" fill="none" stroke="{color}" stroke-width="2" '
                   f'points="{coords}"><title>{escape(name)}</title></polyline>')
        ly = TOP + 14 + i * 16
        out.append(f'<line x1="{W - RIGHT + 10}" x2="{W - RIGHT + 28}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{color}" stroke-width="3"/>')
        out.append(f'<text x="{W - RIGHT + 32}" y="{ly}" font-size="11">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
