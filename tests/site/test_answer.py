"""The model page's "Run it" answer (generator/site/answer.py), its table of contents
(render.toc_tokens), the native format in the tables (pages.featured / vram_table) and the
quantization glossary (generator/site/glossary.py), without a browser."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers import ROOT

from generator.calc.catalogs import load_catalogs
from generator.site import answer, glossary, pages, render, setups


def test_short_labels_for_the_header_button():
    assert answer.short_label("NVIDIA GeForce RTX 4060 Ti 16GB", 1) == "RTX 4060 Ti 16GB"
    assert answer.short_label("NVIDIA GeForce RTX 3090", 2) == "2× RTX 3090"
    assert answer.short_label("NVIDIA H100 SXM 80GB", 8) == "8× H100 SXM 80GB"
    assert answer.short_label("Apple M3 Pro, 36 GB unified", 1) == "M3 Pro, 36 GB unified"


def test_header_setups_cover_the_three_readers_and_leave_out_none():
    rows = answer.hardware_setups(load_catalogs(ROOT / "schema"))
    ids = [r["id"] for r in rows]
    assert {"rtx-4060-ti-16gb-x1", "apple-m3-pro-36gb-x1", "rtx-3090-x2"} <= set(ids)
    assert "none" not in ids and len(ids) == len(set(ids))
    assert all(r["label"] and r["group"] and r["short"] for r in rows)
    # every setup offered has a plan in the plans files (the same list, in the same order)
    if not hasattr(setups, "public_setups"):
        assert ids == [s.id for s in setups.SETUPS if s.id != "none"]
    assert answer.hardware_setups(None) == []


def test_entry_answer_words_one_plan():
    # a hand-made entry: two GPUs of 25,318,832,210 bytes and 20 GiB of 64 GiB RAM used
    entry = {"status": "ok", "reason": None, "plan": {
        "fits": True, "max_context_that_fits": 65536, "command": "llama-server -m x.gguf -c 32768",
        "settings": {"quant": "Q4_K_M", "context": 32768, "kv_dtype": "F16", "tensor_parallel": 1},
        "devices": [{"name": "CUDA0", "total_bytes": 3_761_099_520, "capacity_bytes": 25_318_832_210},
                    {"name": "CUDA1", "total_bytes": 24_639_674_880, "capacity_bytes": 25_318_832_210}],
        "host": {"total_bytes": 20 * 2**30},
        "offload": {"moved": "routed experts of layers 0-23 to system RAM (--n-cpu-moe 24)"},
        "speed": {"decode_tokens_per_s_upper_bound": 31.147}}}
    a = answer.entry_answer(entry, 64 * 2**30)
    assert a["state"] == "fits" and a["verdict"] == "Fits"
    assert (a["quant"], a["context"], a["max_context"], a["kv"], a["tp"]) == ("Q4_K_M", "32K", "64K", "F16", None)
    # 3,761,099,520 B = 3.76 GB; 24,639,674,880 B = 24.6 GB; 25,318,832,210 B = 25.3 GB;
    # 20 GiB = 21,474,836,480 B = 21.5 GB; 64 GiB = 68,719,476,736 B = 68.7 GB; capacities also in GiB:
    # 25,318,832,210 B / 2^30 = 23.58 GiB; 64 GiB = 64.0 GiB
    assert a["devices"] == [["CUDA0", "3.76 GB of 25.3 GB (23.6 GiB)"], ["CUDA1", "24.6 GB of 25.3 GB (23.6 GiB)"],
                            ["System RAM", "21.5 GB of 68.7 GB (64.0 GiB)"]]
    assert a["offload"] == "routed experts of layers 0-23 to system RAM (--n-cpu-moe 24)"
    assert a["decode"] == "31 tok/s" and a["command"] == "llama-server -m x.gguf -c 32768"
    # a best-choice record (entries with "choice") names its quantization and reason
    chosen = answer.entry_answer(dict(entry, choice={"quant": "Q5_K_M", "why": "largest that fits",
                                                     "fit": "offload"}), None)
    assert chosen["quant"] == "Q5_K_M" and chosen["why"] == "largest that fits"
    assert chosen["verdict"] == "Fits with offload to system RAM"
    assert chosen["devices"][-1] == ["System RAM", "21.5 GB"]
    # hardware given and no context fits (max_context_that_fits null): "none", not "unknown"
    nothing = answer.entry_answer({"status": "ok", "reason": None, "plan": {**entry["plan"], "fits": False,
                                                                            "max_context_that_fits": None}}, None)
    assert nothing["max_context"] == "none"
    no_hardware = answer.entry_answer({"status": "ok", "reason": None, "plan": {**entry["plan"], "fits": None,
                                                                                "max_context_that_fits": None}}, None)
    assert no_hardware["max_context"] == "unknown"
    unsupported = answer.entry_answer({"status": "unsupported", "reason": "no Metal backend", "plan": None}, None)
    assert unsupported == {"state": "unsupported", "verdict": "Not supported: no Metal backend"}


def test_answers_carry_the_meaning_of_each_quantization_named():
    record = {"engines": ["llama.cpp"], "setups": [{"id": "none", "gpu": None}, {"id": "a", "gpu": "x", "ram_bytes": None}],
              "plans": {"a": {"llama.cpp": {"status": "ok", "plan": {"fits": False, "settings": {"quant": "Q4_K_M"}}}},
                        "none": {"llama.cpp": {"status": "ok", "plan": {"fits": None}}}}}
    out = answer.answers(record)
    assert list(out["setups"]) == ["a"]                 # no hardware: not an answer for a setup
    assert out["setups"]["a"]["llama.cpp"]["verdict"] == "Does not fit"
    assert list(out["meanings"]) == ["Q4_K_M"] and "4-bit" in out["meanings"]["Q4_K_M"]


def test_table_of_contents_from_headings():
    html = ('<h1 id="t">Title</h1><h2 id="run-it">Run it</h2><p>x</p><h2 id="req">System <em>requirements</em></h2>'
            '<h3 id="calc">VRAM calculator</h3><h3 id="hw">Hardware fit</h3><h2 id="specs">Specs</h2><h4 id="n">no</h4>')
    assert render.toc_tokens(html) == [
        {"level": 2, "id": "run-it", "name": "Run it", "children": []},
        {"level": 2, "id": "req", "name": "System requirements", "children": [
            {"level": 3, "id": "calc", "name": "VRAM calculator", "children": []},
            {"level": 3, "id": "hw", "name": "Hardware fit", "children": []}]},
        {"level": 2, "id": "specs", "name": "Specs", "children": []}]


def test_native_format_is_always_a_featured_column():
    quants = ["FP32", "BF16", "FP8", "Q8_0", "Q4_K_M", "MXFP4", "Q2_K"]
    assert pages.featured(quants) == ["BF16", "FP8", "Q8_0", "Q4_K_M", "Q2_K"]
    assert pages.featured(quants, "MXFP4") == ["MXFP4", "BF16", "FP8", "Q8_0", "Q4_K_M", "Q2_K"]
    assert pages.featured(quants, "FP8") == ["BF16", "FP8", "Q8_0", "Q4_K_M", "Q2_K"]   # already there
    assert pages.native_quant({"release": {"quantization": "MXFP4"}}) == "MXFP4"
    assert pages.native_quant({}) is None


def test_announced_not_released():
    facts = dict(pages.header_facts({"status": "unreleased", "release_date": "2025-04-05"}, None))
    assert facts["Announced"] == "2025-04-05" and "Release date" not in facts
    assert "Release date" in dict(pages.header_facts({"status": "released", "release_date": "2025-04-05"}, None))


def test_every_quantization_has_a_meaning_and_the_glossary_is_current():
    catalog = yaml.safe_load((ROOT / "schema" / "quantizations.yaml").read_text(encoding="utf-8"))
    ids = [q["id"] for q in catalog["quantizations"]]
    meanings = glossary.meanings()
    assert list(meanings) == ids
    assert all(q.get("summary") for q in catalog["quantizations"]), "every quantization needs a summary line"
    page = Path(ROOT / "site" / "glossary.md").read_text(encoding="utf-8")
    assert page == glossary.page(), "site/glossary.md is stale: run python -m generator.site.glossary"
    for q in ids:
        assert f">{q}</span>" in page


def test_vram_rows_grouped_by_file_format_native_first():
    rows = [{"quantization": q, "native": q == "MXFP4", "cells": []}
            for q in ("FP32", "BF16", "FP16", "FP8", "Q8_0", "Q4_K_M", "MXFP4")]
    groups = pages.vram_groups(rows, "MXFP4")
    # the catalog says which are safetensors (FP32, BF16, FP8, MXFP4) and which GGUF (FP16, Q8_0, Q4_K_M)
    assert [[r["quantization"] for r in g["rows"]] for g in groups] == [
        ["MXFP4", "BF16", "FP8", "FP32"], ["FP16", "Q8_0", "Q4_K_M"]]
    assert groups[0]["label"].startswith("Checkpoints") and groups[1]["label"].startswith("GGUF")
    # without a native format in the first group's kind, GGUF stays second; a native GGUF leads
    rows = [dict(r, native=r["quantization"] == "Q8_0") for r in rows]
    assert [g["label"][:4] for g in pages.vram_groups(rows, "Q8_0")] == ["GGUF", "Chec"]
