"""Page data: formatting, GPU tiers, VRAM grid, spec rows, safe JSON embedding."""

import json

from generator.site import fmt, pages
from generator.site.chart import vram_chart


def test_param_formatting():
    # Llama 3.1 8B has 8,030,261,248 parameters (published safetensors count).
    assert fmt.params(8_030_261_248) == "8.03B"
    assert fmt.exact(8_030_261_248) == "8,030,261,248"
    assert fmt.params(46_702_792_704) == "46.7B"      # Mixtral 8x7B
    assert fmt.params(405_000_000_000) == "405B"
    assert fmt.params(1_500_000_000_000) == "1.50T"
    assert fmt.params(None) == "unknown"


def test_tokens_and_bytes():
    assert fmt.tokens(131072) == "128K"      # 128 * 1024
    assert fmt.tokens(1048576) == "1M"
    assert fmt.tokens(32000) == "32K"
    assert fmt.tokens(4000) == "4K"
    assert fmt.tokens(3000) == "3K"
    assert fmt.tokens(1500) == "1,500"
    assert fmt.gb(5_902_058_752) == "5.90 GB"
    assert fmt.gb(17_049_683_200) == "17.0 GB"
    assert fmt.gb(None) == "unknown"


def test_gpu_tiers_boundaries():
    # Tiers are decimal GB like the catalog: 8, 12, 16, 24, 32, 48, 80, 141, then "more".
    # A figure equal to a tier's size fits it; one byte more takes the next tier.
    assert pages.tier_of(8_000_000_000) == "8 GB"
    assert pages.tier_of(8_000_000_001) == "12 GB"
    assert pages.tier_of(16_000_000_000) == "16 GB"
    assert pages.tier_of(24_000_000_000) == "24 GB"
    assert pages.tier_of(24_000_000_001) == "32 GB"
    assert pages.tier_of(32_000_000_001) == "48 GB"
    assert pages.tier_of(80_000_000_000) == "80 GB"
    assert pages.tier_of(80_000_000_001) == "141 GB"
    assert pages.tier_of(141_000_000_000) == "141 GB"
    assert pages.tier_of(141_000_000_001) == "more"
    assert pages.tier_of(None) == "unknown"
    # The review's Llama 3.1 8B cells: Q4_K_M at 1K, 5.90 GB, now marks an 8 GB card;
    # BF16 at 1K, 17.0 GB, a 24 GB one (both were "24 GB" before); a 10 GB total a 12 GB card.
    assert pages.tier_of(5_902_058_752) == "8 GB"
    assert pages.tier_of(17_049_683_200) == "24 GB"
    assert pages.tier_of(10_000_000_000) == "12 GB"
    assert [label for label, _ in pages.GPU_TIERS] == ["8 GB", "12 GB", "16 GB", "24 GB", "32 GB", "48 GB",
                                                      "80 GB", "141 GB"]


def test_vram_table_grid_and_tiers():
    derived = {"vram": [
        {"quantization": "BF16", "context": 8192, "batch": 1, "kv_dtype": "F16", "total_bytes": 30_000_000_000},
        {"quantization": "BF16", "context": 1024, "batch": 1, "kv_dtype": "F16", "total_bytes": 20_000_000_000},
        {"quantization": "Q4_K_M", "context": 1024, "batch": 1, "kv_dtype": "F16", "total_bytes": 6_000_000_000},
        {"quantization": "Q4_K_M", "context": 8192, "batch": 1, "kv_dtype": "F16", "total_bytes": 90_000_000_000},
        # other batches are not part of the grid
        {"quantization": "BF16", "context": 8192, "batch": 4, "kv_dtype": "F16", "total_bytes": 1},
    ]}
    t = pages.vram_table(derived)
    assert t["contexts"] == ["1K", "8K"]
    assert [r["quantization"] for r in t["rows"]] == ["BF16", "Q4_K_M"]
    assert [c["tier"] for c in t["rows"][0]["cells"]] == ["24 GB", "32 GB"]   # 20 GB, 30 GB
    assert [c["text"] for c in t["rows"][1]["cells"]] == ["6.00 GB", "90.0 GB"]
    assert [c["tier"] for c in t["rows"][1]["cells"]] == ["8 GB", "141 GB"]   # 6 GB, 90 GB


def test_unknown_specs_say_unknown_and_expert_rows_of_dense_models_left_out():
    card = {"id": "x/y", "name": "Y", "architecture": {"type": "dense", "attention": {}, "experts": None}}
    rows = dict(pages.spec_rows(card, None))
    assert rows["Hidden size"] == "unknown"
    assert "Experts" not in rows             # a dense model has no experts: the row does not apply (review P15)
    assert rows["Head dim"] == "unknown"


def test_head_dim_from_hidden_size():
    # Llama 3.1 8B: hidden 4096 / 32 heads = 128 when head_dim is not given
    card = {"id": "x/y", "name": "Y", "architecture": {"type": "dense", "hidden_size": 4096,
                                                       "attention": {"heads": 32, "head_dim": None}}}
    assert dict(pages.spec_rows(card, None))["Head dim"] == "128"


def test_json_for_script_cannot_close_the_tag():
    data = {"name": "</script><script>alert(1)</script>", "amp": "a&b", "comment": "<!-- x -->",
            "lines": "a\u2028b\u2029c"}
    text = pages.json_for_script(data)
    # nothing that ends the script element, opens a comment or an entity, or ends a JS line
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text, forbidden
    assert json.loads(text) == data


def test_param_check_column():
    card = {"parameters": {"total": 100, "active": None}}
    derived = {"parameters": {"basis": "architecture", "total": 100, "active": 100}}
    rows = pages.param_rows(card, derived)
    assert rows[0]["check"] == "matches"
    derived["parameters"]["total"] = 103
    assert pages.param_rows(card, derived)[0]["check"] == "differs by +3"


def test_chart_draws_one_line_per_series_and_escapes():
    svg = vram_chart({"Q4<x>": [(1024, 5 * 10**9), (8192, 7 * 10**9)]}, [("24 GB", 24 * 10**9)], "t & t")
    assert svg.startswith("<svg") and svg.count("<polyline") == 1
    assert "Q4&lt;x&gt;" in svg and "t &amp; t" in svg
    # capacities: the first one above the data is drawn (headroom), higher ones are not
    svg = vram_chart({"a": [(1024, 30 * 10**9)]}, [("24 GB", 24 * 10**9), ("48 GB", 48 * 10**9),
                                                   ("80 GB", 80 * 10**9)], "t")
    assert "24 GB" in svg and "48 GB" in svg and "80 GB" not in svg


def test_hardware_tables_from_per_gpu_maps():
    # Two GPUs, three quantizations in catalog order; Q2_K's size is unknown, so it gets no column.
    derived = {
        "reference_context": 8192,
        "weights": [{"quantization": "BF16", "weights_bytes": 16_000_000_000},
                    {"quantization": "Q4_K_M", "weights_bytes": 5_000_000_000},
                    {"quantization": "Q2_K", "weights_bytes": None}],
        "hardware": [
            {"gpu": "rtx-4090", "name": "RTX 4090", "memory_bytes": 24_000_000_000,
             "devices": {"BF16": 1, "Q4_K_M": 1, "Q2_K": None},
             "decode_tokens_per_s_upper_bound": {"BF16": 62.4, "Q4_K_M": 180.6, "Q2_K": None}},
            {"gpu": "tiny", "name": "Tiny", "memory_bytes": 8_000_000_000,
             "devices": {"BF16": 3, "Q4_K_M": None, "Q2_K": None},
             "decode_tokens_per_s_upper_bound": {"BF16": 1234.56, "Q4_K_M": None, "Q2_K": None}},
        ],
    }
    t = pages.hardware_tables(derived)
    assert t["quantizations"] == ["BF16", "Q4_K_M"]
    assert t["context"] == "8K"
    # "devices", not "GPUs": the catalog also lists Apple machines with unified memory
    assert t["fit"][0] == {"gpu": "RTX 4090 (24.0 GB)", "cells": ["1 device", "1 device"]}
    assert t["fit"][1]["cells"] == ["3 devices", "more than 64"]   # None: past the calculator's 64
    # Display rounding happens here: 62.4 -> "62", 1,234.56 over 3 devices -> "1,235 (3×)".
    assert t["speed"][0]["cells"] == ["≤ 62 tok/s", "≤ 181 tok/s"]
    assert t["speed"][1]["cells"] == ["≤ 1,235 tok/s (3×)", "n/a"]   # no fit, no speed bound
    assert pages.hardware_tables({"hardware": []}) is None
