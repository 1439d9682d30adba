"""The GPU catalog's driver-reported memory (reported_memory_bytes), which vLLM plans size on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.calc.catalogs import CatalogError, load_catalogs

ROOT = Path(__file__).resolve().parents[3]
FILES = ("quantizations.yaml", "quantizations.schema.json", "gpus.yaml", "gpus.schema.json")
GiB = 2**30


def _index(gid: str) -> int:
    """The place of GPU ``gid`` in the catalog (error lines name it as gpus[i])."""
    return next(i for i, g in enumerate(load_catalogs().gpus) if g["id"] == gid)


def _copy(tmp_path: Path, gid: str, old: str, new: str) -> Path:
    """The catalogs with the first ``old`` inside GPU ``gid``'s entry replaced by ``new``."""
    for name in FILES:
        text = (ROOT / "schema" / name).read_text()
        if name == "gpus.yaml":
            start = text.index(f"- {{id: {gid},")
            at = text.index(old, start)
            assert at < text.find("\n  - {id: ", start + 1), f"{old!r} is not in {gid}'s entry"
            text = text[:at] + new + text[at + len(old):]
        (tmp_path / name).write_text(text)
    return tmp_path


def test_reported_figures_are_what_the_logs_print() -> None:
    by_id = {g["id"]: g for g in load_catalogs().gpus}
    # The printed GiB figures of the cited logs, to the byte of the rounding used.
    assert by_id["h100-sxm-80gb"]["reported_memory_bytes"] == round(79.18 * GiB)
    assert by_id["a100-40gb"]["reported_memory_bytes"] == round(39.50 * GiB)
    assert by_id["a100-80gb"]["reported_memory_bytes"] == round(79.25 * GiB)
    assert by_id["rtx-5090"]["reported_memory_bytes"] == round(31.37 * GiB)
    assert by_id["rtx-3090"]["reported_memory_bytes"] == round(23.58 * GiB)
    assert by_id["rtx-4090"]["reported_memory_bytes"] == round(23.99 * GiB)
    for g in by_id.values():
        if g.get("reported_memory_bytes") is not None:
            assert g["reported_memory_source"]["url"].startswith("https://"), g["id"]


def test_reported_memory_without_source_is_a_located_error(tmp_path: Path) -> None:
    # rx-7900-xtx (no figure) gets one without a source.
    d = _copy(tmp_path, "rx-7900-xtx", "reported_memory_bytes: null,", "reported_memory_bytes: 25300000000,")
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    lines = [e.format() for e in exc.value.errors]
    assert any(re.search(rf"gpus\.yaml:\d+:\d+: gpus\[{_index('rx-7900-xtx')}\]\.reported_memory_bytes: a driver-reported memory needs "
                         r"its reported_memory_source", x) for x in lines), lines


def test_reported_memory_far_from_the_vendor_figure_is_refused(tmp_path: Path) -> None:
    # 23.58 GiB typed as 2.358 GiB: off by 10x, not a driver's reading of 24 GB.
    d = _copy(tmp_path, "rtx-3090", "reported_memory_bytes: 25318832210,", "reported_memory_bytes: 2531883221,")
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    lines = [e.format() for e in exc.value.errors]
    assert any(f"gpus[{_index('rtx-3090')}].reported_memory_bytes: 2,531,883,221 is not within 10% of memory_bytes" in x
               for x in lines), lines
