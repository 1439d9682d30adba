"""The hardware tables group their rows by product line (pages.GPU_GROUPS): with ~85 catalog
GPUs a flat list is unreadable. Every catalog GPU belongs to a named group, each group is one
run of rows in catalog order, and the model page renders one tbody with a heading per group."""

from __future__ import annotations

import re
from pathlib import Path

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import pages, render

CARD = Path(__file__).resolve().parent / "registry" / "meta" / "llama-3.1-8b.yaml"
HEADINGS = ["NVIDIA GeForce", "NVIDIA RTX workstation", "NVIDIA data center", "AMD Radeon", "AMD Instinct",
            "AMD Ryzen AI Max (unified memory)", "Intel Arc", "Apple silicon (one Mac per device)"]


def test_every_catalog_gpu_is_in_one_named_contiguous_group():
    names = [g["name"] for g in load_catalogs().gpus]
    runs = pages.gpu_groups(names)
    assert [r["label"] for r in runs] == HEADINGS   # each once, in this order: no "Other", no split line
    assert runs[0]["start"] == 0 and runs[-1]["end"] == len(names)
    assert all(a["end"] == b["start"] for a, b in zip(runs, runs[1:], strict=False))


def test_group_of_a_name_by_hand():
    assert pages.gpu_group("NVIDIA GeForce RTX 4060 Ti 16GB") == "NVIDIA GeForce"
    assert pages.gpu_group("NVIDIA RTX 6000 Ada Generation") == "NVIDIA RTX workstation"
    assert pages.gpu_group("NVIDIA H100 NVL 94GB") == "NVIDIA data center"
    assert pages.gpu_group("AMD Ryzen AI Max+ 395, 128 GB unified memory") == "AMD Ryzen AI Max (unified memory)"
    assert pages.gpu_group("Apple M3 Pro, 36 GB unified memory") == "Apple silicon (one Mac per device)"
    assert pages.gpu_group("Something else") == "Other"
    assert pages.gpu_groups(["A", "NVIDIA GeForce x", "NVIDIA GeForce y", "B"]) == [
        {"label": "Other", "start": 0, "end": 1}, {"label": "NVIDIA GeForce", "start": 1, "end": 3},
        {"label": "Other", "start": 3, "end": 4}]


def test_model_page_renders_one_tbody_per_group():
    catalogs = load_catalogs()
    card = load_file(CARD).data
    details = pages.model_details(card, derive(card, catalogs), ranks=None, coding_category=None,
                                  last_change=None, edit_url=None)
    text = render.render("model_rest.html", m=details, base="../../../")
    for table_id in ("hardware-table", "decode-table"):
        table = text.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
        assert re.findall(r'<th scope="rowgroup" colspan="\d+">([^<]+)</th>', table) == HEADINGS, table_id
        assert table.count("<tbody>") == len(HEADINGS)
        rows = re.findall(r'<th scope="row">([^<]+)</th>', table)
        assert len(rows) == len(catalogs.gpus)
        # rows keep the catalog order under their heading: the RTX 4060 Ti 16GB sits under GeForce
        geforce = table.split("NVIDIA GeForce</th>", 1)[1].split("</tbody>", 1)[0]
        assert "NVIDIA GeForce RTX 4060 Ti 16GB (16.0 GB)" in geforce and "Apple" not in geforce
