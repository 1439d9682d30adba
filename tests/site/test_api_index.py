"""index_entry: one card's entry of api/models.json (site/api.md, "ENTRY"), as a pure function.

Expected values are written out by hand from the cards and the catalogs (site/methodology.md:
0.5 GB overhead per device; n devices hold M bytes when M + n x 0.5e9 <= n x usable).
"""

from __future__ import annotations

from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site.exports import index_entry
from helpers import INCOMPLETE_CARD, REGISTRY, ROOT


def _derived(path):
    card = load_file(path).data
    return card, derive(card, load_catalogs(ROOT / "schema"))


def test_incomplete_card_sizes_from_the_declared_count():
    card, derived = _derived(INCOMPLETE_CARD)
    entry = index_entry(card, derived, has_plans=False)
    assert entry["parameters"] == {"declared_total": 400_000_000_000, "declared_active": 17_000_000_000,
                                   "total": 400_000_000_000, "active": 17_000_000_000, "basis": "declared"}
    assert entry["architecture_complete"] is False and entry["context_length"] is None
    assert entry["modalities"] == {"input": ["text", "image", "video"], "output": ["text"]}
    # 400e9 x 16 / 8 = 800e9 (BF16); 400e9 x 4.5 / 8 = 225e9 (Q4_K_M, 4.5 bits a weight in the catalog);
    # no KV cache, so no total
    assert entry["memory"] == {"BF16": {"weights_bytes": 800_000_000_000, "total_bytes": None},
                               "Q4_K_M": {"weights_bytes": 225_000_000_000, "total_bytes": None}}
    # RTX 4090 (24e9 usable): 800 / 23.5 = 34.04 -> 35, 225 / 23.5 = 9.57 -> 10;
    # H100 (80e9): 800 / 79.5 = 10.06 -> 11, 225 / 79.5 = 2.83 -> 3; no speed without the layout
    assert entry["fit"] == [
        {"gpu": "rtx-4090", "devices": {"BF16": 35, "Q4_K_M": 10},
         "decode_tokens_per_s_upper_bound": {"BF16": None, "Q4_K_M": None}},
        {"gpu": "h100-sxm-80gb", "devices": {"BF16": 11, "Q4_K_M": 3},
         "decode_tokens_per_s_upper_bound": {"BF16": None, "Q4_K_M": None}}]
    assert entry["plans_url"] is None and entry["record_url"] == "api/models/example/unreleased-moe.json"
    assert entry["url"] == "models/example/unreleased-moe/"


def test_without_derived_figures_the_facts_remain():
    card, _ = _derived(INCOMPLETE_CARD)
    entry = index_entry(card, None, has_plans=True)
    assert entry["memory"] is None and entry["fit"] is None and entry["reference_context"] is None
    assert entry["parameters"] == {"declared_total": 400_000_000_000, "declared_active": 17_000_000_000,
                                   "total": None, "active": None, "basis": None}
    assert entry["plans_url"] == "api/plans/example/unreleased-moe.json"
    assert entry["name"] == "Unreleased MoE" and entry["status"] == "unreleased"


def test_native_quantization_first_and_rows_without_a_file_left_out():
    # gpt-oss ships MXFP4 (registry card: release.quantization); Llama 3.1 8B is a plain BF16
    # release, and MXFP4 (routed experts only) has no file for a dense model
    gpt, gpt_derived = _derived(REGISTRY / "openai" / "gpt-oss-20b.yaml")
    entry = index_entry(gpt, gpt_derived, has_plans=True)
    assert entry["native_quantization"] == "MXFP4" and list(entry["memory"]) == ["MXFP4", "BF16", "Q4_K_M"]
    assert all(list(f["devices"]) == ["MXFP4", "BF16", "Q4_K_M"] for f in entry["fit"])
    llama, llama_derived = _derived(REGISTRY / "meta" / "llama-3.1-8b.yaml")
    entry = index_entry(llama, llama_derived, has_plans=True)
    assert entry["native_quantization"] == "BF16" and list(entry["memory"]) == ["BF16", "Q4_K_M"]


def test_a_gpu_the_catalog_lacks_is_left_out():
    card, derived = _derived(INCOMPLETE_CARD)
    derived = dict(derived, hardware=[h for h in derived["hardware"] if h["gpu"] != "rtx-4090"])
    assert [f["gpu"] for f in index_entry(card, derived, has_plans=False)["fit"]] == ["h100-sxm-80gb"]
