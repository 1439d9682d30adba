"""VRAM chart capacity lines and labels; the home-page overview."""

import re

from generator.site import overview
from generator.site.chart import vram_chart

CAPS = [("24 GB", 24 * 10**9), ("48 GB", 48 * 10**9), ("80 GB", 80 * 10**9)]
NODE = ("8 × 80 GB node", 640 * 10**9)


def _labels(svg: str) -> list[tuple[str, float]]:
    return [(text, float(y)) for y, text in
            re.findall(r'<text class="llmc-cap-label" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)]


def test_large_model_merges_close_labels_and_draws_node_line():
    # A 1.4 TB model: the axis runs to 1,500 GB over a 260 px plot, so the
    # 24, 48 and 80 GB lines are 4 to 14 px above the bottom (closer than 11 px
    # to each other) and share one label; 640 GB (the node) is 111 px up.
    svg = vram_chart({"BF16": [(1024, 1_370 * 10**9), (131072, 1_400 * 10**9)]}, CAPS, "t", node=NODE)
    labels = _labels(svg)
    assert [t for t, _ in labels] == ["24 / 48 / 80 GB", "8 × 80 GB node"]
    assert abs(labels[0][1] - labels[1][1]) >= 11
    assert svg.count('class="llmc-cap"') == 4          # four dashed lines
    assert "<desc" in svg and "Dashed lines: 24 GB, 48 GB, 80 GB, 8 × 80 GB node." in svg


def test_small_model_has_separate_labels_and_no_node():
    # Up to 34 GB: the 24 GB line and the first line above the data (48 GB); axis to 50 GB.
    svg = vram_chart({"BF16": [(1024, 17 * 10**9), (131072, 34 * 10**9)]}, CAPS, "t", node=NODE)
    assert [t for t, _ in _labels(svg)] == ["24 GB", "48 GB"]
    assert "node" not in svg


def test_node_line_only_when_in_range():
    # 185 GB: axis to 200 GB; 640 GB is out of range and is not drawn.
    svg = vram_chart({"BF16": [(1024, 142 * 10**9), (131072, 185 * 10**9)]}, CAPS, "t", node=NODE)
    assert [t for t, _ in _labels(svg)] == ["24 GB", "48 GB", "80 GB"]
    labels = sorted(y for _, y in _labels(svg))
    assert all(b - a >= 11 for a, b in zip(labels, labels[1:], strict=False))


def _row(i, org, date, ctx, total, arch="dense", open_weights=True):
    return {"id": f"{org}/m{i}", "name": f"M{i}", "organization": org.title(), "org_slug": org,
            "release_date": date, "context": ctx, "context_text": str(ctx), "total": total,
            "total_text": str(total), "arch": arch, "open_weights": open_weights}


def test_overview_counts_and_lists():
    rows = [_row(1, "a", "2024-05", 8192, 7 * 10**9),
            _row(2, "a", "2025-01-20", 131072, 70 * 10**9, arch="moe"),
            _row(3, "b", "2025", 32768, None, open_weights=False),
            _row(4, "c", "", None, 400 * 10**9)]
    o = overview.overview(rows, limit=2)
    assert o["models"] == 4
    assert [(g["slug"], g["count"]) for g in o["organizations"]] == [("a", 2), ("b", 1), ("c", 1)]
    assert o["open_weights"] == 3
    assert o["moe"] == 1
    # "2025-01-20" > "2025" > "2024-05"; M4 has no date
    assert [r["name"] for r in o["newest"]] == ["M2", "M3"]
    assert [r["name"] for r in o["longest_context"]] == ["M2", "M3"]
    assert [r["name"] for r in o["largest"]] == ["M4", "M2"]
