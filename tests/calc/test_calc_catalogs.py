"""schema/gpus.yaml: system-memory classes, GPU throughput, and located errors for bad entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.calc.catalogs import CatalogError, load_catalogs

ROOT = Path(__file__).resolve().parents[2]
FILES = ("quantizations.yaml", "quantizations.schema.json", "gpus.yaml", "gpus.schema.json")


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


def _copy(tmp_path: Path, edit=None) -> Path:
    for name in FILES:
        text = (ROOT / "schema" / name).read_text()
        if name == "gpus.yaml" and edit is not None:
            new = edit(text)
            assert new != text  # the edit applied
            text = new
        (tmp_path / name).write_text(text)
    return tmp_path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _index(gid: str) -> int:
    """The place of GPU ``gid`` in the catalog (error lines name it as gpus[i])."""
    return next(i for i, g in enumerate(load_catalogs().gpus) if g["id"] == gid)


def _in_entry(gid: str, old: str, new: str):
    """An edit of the first ``old`` inside GPU ``gid``'s entry (entries start with "- {id: ...")."""
    def edit(text: str) -> str:
        start = text.index(f"- {{id: {gid},")
        at = text.index(old, start)
        assert at < text.find("\n  - {id: ", start + 1), f"{old!r} is not in {gid}'s entry"
        return text[:at] + new + text[at + len(old):]
    return edit


def test_host_memory_classes_by_hand(catalogs):
    # Peak bandwidth of one socket: channels x transfers per second x 8 bytes per transfer.
    expected = {
        "ddr4-dual": 2 * 3200 * 10**6 * 8,  # 51.2 GB/s
        "ddr5-dual": 2 * 5600 * 10**6 * 8,  # 89.6 GB/s
        "server-8ch-ddr4": 8 * 3200 * 10**6 * 8,  # 204.8 GB/s (EPYC 7003)
        "server-8ch-ddr5": 8 * 4800 * 10**6 * 8,  # 307.2 GB/s (Xeon 4th gen)
        "server-12ch-ddr5": 12 * 4800 * 10**6 * 8,  # 460.8 GB/s (EPYC 9004 Genoa)
    }
    for cid, bw in expected.items():
        c = catalogs.host_memory_class(cid)
        assert c is not None and c["bandwidth_bytes_per_s"] == bw, cid
        assert c["source"]["url"].startswith("https://")
    assert expected["ddr4-dual"] == 51_200_000_000 and expected["server-12ch-ddr5"] == 460_800_000_000
    # Unified memory: no bandwidth of its own (a plan reads at the GPU's).
    assert catalogs.host_memory_class("apple-unified")["bandwidth_bytes_per_s"] is None
    assert catalogs.host_memory_class("nope") is None


def test_every_gpu_names_a_class_and_states_throughput(catalogs):
    for g in catalogs.gpus:
        assert catalogs.host_memory_class(g["host_memory"]) is not None, g["id"]
        if g["vendor"] == "Apple":
            # Metal's working-set limit, with its source; Apple states no tensor throughput.
            assert g["host_memory"] == "apple-unified" and g["usable_percent"] in (66, 75), g["id"]
            assert "recommendedMaxWorkingSetSize" in g["usable_source"]["title"]
            assert g["fp16_tflops"] is None
        elif g["fp16_tflops"] is not None:
            assert g["fp16_tflops"] > 0 and g["fp16_tflops_source"]["url"].startswith("https://"), g["id"]
    by_id = {g["id"]: g for g in catalogs.gpus}
    # Dense, not the sparse figure the vendors print first: H100 SXM 1,979 with sparsity.
    assert by_id["h100-sxm-80gb"]["fp16_tflops"] == 1979 / 2
    assert by_id["a100-80gb"]["fp16_tflops"] == 312
    # The same rule for the entries added with the consumer catalog: L4 242 with sparsity,
    # H100 NVL and H200 NVL 1,671 with sparsity; L40S and MI325X print the dense figure too.
    assert by_id["l4"]["fp16_tflops"] == 242 / 2
    assert by_id["h100-nvl-94gb"]["fp16_tflops"] == by_id["h200-nvl-141gb"]["fp16_tflops"] == 1671 / 2
    assert by_id["l40s"]["fp16_tflops"] == 362.05 and by_id["mi325x"]["fp16_tflops"] == 1307.4
    # No vendor figure, no number: GeForce cards outside the architecture whitepapers' tables.
    assert by_id["rtx-4060-ti-16gb"]["fp16_tflops"] is None


def test_unknown_class_reference_is_a_located_error(tmp_path):
    d = _copy(tmp_path, _in_entry("rtx-4090", "host_memory: ddr5-dual,", "host_memory: ddr9-quad,"))
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    line = _line_of(d / "gpus.yaml", "ddr9-quad")
    message = str(exc.value)
    # rtx-4090 got the bad class; the error names its place and points at the value's line.
    assert re.search(rf"gpus\.yaml:{line}:\d+: gpus\[{_index('rtx-4090')}\]\.host_memory: unknown host_memory class 'ddr9-quad'; "
                     r"choose from ddr4-dual, ddr5-dual, ", message), message
    assert len(exc.value.errors) == 1


def test_duplicate_class_and_missing_sources_are_located_errors(tmp_path):
    def edit(t: str) -> str:
        t = t.replace("  - {id: ddr5-dual,", "  - {id: ddr4-dual,", 1)
        return _in_entry("rtx-3090", "usable_percent: 100,", "usable_percent: 90,")(t)  # no usable_source

    d = _copy(tmp_path, edit)
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    lines = [e.format() for e in exc.value.errors]
    assert any(re.search(r"gpus\.yaml:\d+:\d+: host_memory\[1\]\.id: duplicate host_memory class id 'ddr4-dual'", x)
               for x in lines), lines
    assert any(f"gpus[{_index('rtx-3090')}].usable_percent: below 100 needs a usable_source" in x
               for x in lines), lines
    # rtx-4090 named ddr5-dual, which no longer exists (so do all later consumer cards)
    assert any(f"gpus[{_index('rtx-4090')}].host_memory: unknown host_memory class 'ddr5-dual'" in x
               for x in lines), lines


def test_schema_refuses_sparse_nonsense_and_missing_fields(tmp_path):
    d = _copy(tmp_path, _in_entry("rtx-3090", "fp16_tflops: 142,", "fp16_tflops: -1,"))
    with pytest.raises(CatalogError, match=rf"gpus\.yaml:\d+:\d+: gpus\[{_index('rtx-3090')}\]\.fp16_tflops: "):
        load_catalogs(d)
    (tmp_path / "b").mkdir()
    d2 = _copy(tmp_path / "b", _in_entry("rtx-3090", " host_memory: ddr4-dual,", ""))
    with pytest.raises(CatalogError,
                       match=rf"gpus\.yaml:\d+:\d+: gpus\[{_index('rtx-3090')}\]\.host_memory: required key is missing"):
        load_catalogs(d2)


def test_methodology_table_lists_the_catalog_classes(catalogs):
    page = (ROOT / "site" / "methodology.md").read_text(encoding="utf-8")
    for c in catalogs.host_memory:
        line = next(ln for ln in page.splitlines() if ln.startswith(f"| `{c['id']}` |"))
        bw = c["bandwidth_bytes_per_s"]
        want = "the GPU's own bandwidth" if bw is None else f"{bw / 1e9:.1f} GB/s"
        assert line.rstrip().endswith(f"| {want} |"), line


# --- The consumer catalog (issue 11.1): what people own, every entry sourced ---

def test_every_entry_is_sourced_and_positive(catalogs):
    ids = [g["id"] for g in catalogs.gpus]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for g in catalogs.gpus:
        assert g["memory_bytes"] > 0 and g["bandwidth_bytes_per_s"] > 0, g["id"]
        assert g["source"]["title"].strip() and g["source"]["url"].startswith("https://"), g["id"]
        assert g["name"].strip() and g["vendor"] in {"NVIDIA", "AMD", "Intel", "Apple"}, g["id"]
        if g["fp16_tflops"] is not None:
            assert g["fp16_tflops_source"]["url"].startswith("https://"), g["id"]
        if g["usable_percent"] < 100:
            assert g["usable_source"]["url"].startswith("https://"), g["id"]
        if g["vendor"] == "Apple":
            assert g["usable_percent"] < 100 and g["usable_source"]["title"], g["id"]


def test_duplicate_gpu_id_is_a_located_error(tmp_path):
    d = _copy(tmp_path, _in_entry("rtx-4090", "{id: rtx-4090,", "{id: rtx-3090,"))
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    # the second rtx-3090 (once rtx-4090) is named, at the line and column of its id's value
    line = _line_of(d / "gpus.yaml", "RTX 4090 specifications") - 1
    col = (d / "gpus.yaml").read_text().splitlines()[line - 1].index("rtx-3090") + 1
    assert [e.format() for e in exc.value.errors] == [
        f"{d / 'gpus.yaml'}:{line}:{col}: gpus[{_index('rtx-4090')}].id: duplicate GPU id 'rtx-3090'"]


def test_catalog_covers_what_people_own(catalogs):
    # The cards issue 11 names, by id, with the memory each is sold with (vendor GB).
    want = {
        "rtx-3060-12gb": 12, "rtx-3060-ti": 8, "rtx-3070": 8, "rtx-3080-10gb": 10, "rtx-3080-12gb": 12,
        "rtx-3080-ti": 12, "rtx-4060": 8, "rtx-4060-ti-8gb": 8, "rtx-4060-ti-16gb": 16, "rtx-4070": 12,
        "rtx-4070-super": 12, "rtx-4070-ti": 12, "rtx-4070-ti-super": 16, "rtx-4080": 16, "rtx-4080-super": 16,
        "rtx-5060-ti-8gb": 8, "rtx-5060-ti-16gb": 16, "rtx-5070": 12, "rtx-5070-ti": 16, "rtx-5080": 16,
        "rtx-a6000": 48, "rtx-6000-ada": 48, "rtx-pro-6000-blackwell": 96, "l4": 24, "l40s": 48,
        "h100-pcie-80gb": 80, "h100-nvl-94gb": 94, "h200-nvl-141gb": 141,
        "rx-7900-xtx": 24, "rx-7900-xt": 20, "rx-7800-xt": 16, "mi250x": 128, "mi325x": 256,
        "arc-a770-16gb": 16, "arc-b580": 12, "ryzen-ai-max-plus-395-128gb": 128,
        # ids published before the consumer catalog keep their names
        "rtx-3090": 24, "rtx-4090": 24, "rtx-5090": 32, "a100-40gb": 40, "a100-80gb": 80, "h100-sxm-80gb": 80,
        "h200-141gb": 141, "b200": 180, "mi300x": 192,
        "apple-64gb": 64, "apple-128gb": 128, "apple-192gb": 192, "apple-512gb": 512,
    }
    by_id = {g["id"]: g for g in catalogs.gpus}
    assert {i: by_id[i]["memory_bytes"] for i in want if i in by_id} == {i: gb * 10**9 for i, gb in want.items()}


def test_gddr_bandwidth_is_bus_width_times_data_rate(catalogs):
    # Peak bandwidth = bus width (bits) / 8 x per-pin data rate (Gbps), from each vendor's
    # memory interface and speed; the catalog holds the vendor's stated GB/s.
    by_id = {g["id"]: g for g in catalogs.gpus}
    by_hand = {
        "rtx-3060-12gb": 192 / 8 * 15,      # 360 GB/s
        "rtx-3080-10gb": 320 / 8 * 19,      # 760
        "rtx-3080-ti": 384 / 8 * 19,        # 912
        "rtx-4060-ti-16gb": 128 / 8 * 18,   # 288
        "rtx-4070-ti-super": 256 / 8 * 21,  # 672
        "rtx-4080": 256 / 8 * 22.4,         # 716.8
        "rtx-5060-ti-16gb": 128 / 8 * 28,   # 448
        "rtx-5070-ti": 256 / 8 * 28,        # 896
        "rtx-5080": 256 / 8 * 30,           # 960
        "rx-7900-xtx": 384 / 8 * 20,        # 960
        "rx-7800-xt": 256 / 8 * 19.5,       # 624
        "arc-b580": 192 / 8 * 19,           # 456
        "arc-a770-16gb": 256 / 8 * 17.5,    # 560
        "ryzen-ai-max-plus-395-128gb": 256 / 8 * 8,  # LPDDR5X-8000 on a 256-bit bus: 256
        "apple-m1-8gb": 128 / 8 * 4.266,    # LPDDR4X-4266 on a 128-bit bus: 68.256
    }
    assert {i: by_id[i]["bandwidth_bytes_per_s"] for i in by_hand} == {i: round(v * 1e9) for i, v in by_hand.items()}


def test_apple_entries_cover_each_size_with_metal_share(catalogs):
    # Apple's configurations (tech specs): chip -> (GB/s, memory sizes sold).
    sold = {
        "M1": (68.256, [8, 16]), "M1 Pro": (200, [16, 32]), "M1 Max": (400, [32, 64]), "M1 Ultra": (800, [64, 128]),
        "M2": (100, [8, 16, 24]), "M2 Pro": (200, [16, 32]), "M2 Max": (400, [32, 64, 96]),
        "M2 Ultra": (800, [64, 128, 192]), "M3": (100, [8, 16, 24]), "M3 Pro": (150, [18, 36]),
        "M3 Max (30-core GPU)": (300, [36, 96]), "M3 Max (40-core GPU)": (400, [48, 64, 128]),
        "M3 Ultra": (819, [96, 256, 512]), "M4": (120, [16, 24, 32]), "M4 Pro": (273, [24, 48, 64]),
        "M4 Max (32-core GPU)": (410, [36]), "M4 Max (40-core GPU)": (546, [48, 64, 128]),
    }
    found: dict[str, list[int]] = {}
    for g in catalogs.gpus:
        if g["vendor"] != "Apple":
            continue
        chip = g["name"].removeprefix("Apple ").split(",")[0]
        bw, _ = sold[chip]
        assert g["bandwidth_bytes_per_s"] == round(bw * 10**9), g["id"]
        gb = g["memory_bytes"] // 10**9
        found.setdefault(chip, []).append(gb)
        # Metal's working set: 2/3 of RAM (printed on 16 and 32 GB Macs) up to 36 GB, 3/4 above.
        assert g["usable_percent"] == (66 if gb <= 36 else 75), g["id"]
    assert {c: sorted(v) for c, v in found.items()} == {c: s for c, (_, s) in sold.items()}


def test_unified_memory_at_100_percent_is_a_located_error(tmp_path):
    # A Mac whose GPU would get all its RAM: Metal's working set is a share (66 or 75 here).
    d = _copy(tmp_path, _in_entry("apple-m4-24gb", "usable_percent: 66,", "usable_percent: 100,"))
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    line = _line_of(d / "gpus.yaml", "{id: apple-m4-24gb,")
    assert [e.format() for e in exc.value.errors] == [
        f"{d / 'gpus.yaml'}:{line}:{(d / 'gpus.yaml').read_text().splitlines()[line - 1].index('100,') + 1}: "
        f"gpus[{_index('apple-m4-24gb')}].usable_percent: a unified-memory machine (host_memory apple-unified) "
        "gives the GPU only a share of its RAM: give that share (Apple: Metal's recommendedMaxWorkingSetSize) "
        "below 100, with its usable_source"]
