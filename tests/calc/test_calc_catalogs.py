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
            assert g["host_memory"] == "apple-unified" and g["usable_percent"] == 75
            assert "recommendedMaxWorkingSetSize" in g["usable_source"]["title"]
            assert g["fp16_tflops"] is None
        else:
            assert g["fp16_tflops"] > 0 and g["fp16_tflops_source"]["url"].startswith("https://"), g["id"]
    by_id = {g["id"]: g for g in catalogs.gpus}
    # Dense, not the sparse figure the vendors print first: H100 SXM 1,979 with sparsity.
    assert by_id["h100-sxm-80gb"]["fp16_tflops"] == 1979 / 2
    assert by_id["a100-80gb"]["fp16_tflops"] == 312


def test_unknown_class_reference_is_a_located_error(tmp_path):
    d = _copy(tmp_path, lambda t: t.replace("host_memory: ddr5-dual,", "host_memory: ddr9-quad,", 1))
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    line = _line_of(d / "gpus.yaml", "ddr9-quad")
    message = str(exc.value)
    # rtx-4090 is the second GPU; the error points at the value's line.
    assert re.search(rf"gpus\.yaml:{line}:\d+: gpus\[1\]\.host_memory: unknown host_memory class 'ddr9-quad'; "
                     r"choose from ddr4-dual, ddr5-dual, ", message), message
    assert len(exc.value.errors) == 1


def test_duplicate_class_and_missing_sources_are_located_errors(tmp_path):
    def edit(t: str) -> str:
        t = t.replace("  - {id: ddr5-dual,", "  - {id: ddr4-dual,", 1)
        t = t.replace("usable_percent: 100,", "usable_percent: 90,", 1)  # rtx-3090: no usable_source
        return t

    d = _copy(tmp_path, edit)
    with pytest.raises(CatalogError) as exc:
        load_catalogs(d)
    lines = [e.format() for e in exc.value.errors]
    assert any(re.search(r"gpus\.yaml:\d+:\d+: host_memory\[1\]\.id: duplicate host_memory class id 'ddr4-dual'", x)
               for x in lines), lines
    assert any("gpus[0].usable_percent: below 100 needs a usable_source" in x for x in lines), lines
    # rtx-4090 named ddr5-dual, which no longer exists
    assert any("gpus[1].host_memory: unknown host_memory class 'ddr5-dual'" in x for x in lines), lines


def test_schema_refuses_sparse_nonsense_and_missing_fields(tmp_path):
    d = _copy(tmp_path, lambda t: t.replace("fp16_tflops: 142,", "fp16_tflops: -1,", 1))
    with pytest.raises(CatalogError, match=r"gpus\.yaml:\d+:\d+: gpus\[0\]\.fp16_tflops: "):
        load_catalogs(d)
    (tmp_path / "b").mkdir()
    d2 = _copy(tmp_path / "b", lambda t: t.replace(" host_memory: ddr4-dual,", "", 1))
    with pytest.raises(CatalogError, match=r"gpus\.yaml:\d+:\d+: gpus\[0\]\.host_memory: required key is missing"):
        load_catalogs(d2)


def test_methodology_table_lists_the_catalog_classes(catalogs):
    page = (ROOT / "site" / "methodology.md").read_text(encoding="utf-8")
    for c in catalogs.host_memory:
        line = next(ln for ln in page.splitlines() if ln.startswith(f"| `{c['id']}` |"))
        bw = c["bandwidth_bytes_per_s"]
        want = "the GPU's own bandwidth" if bw is None else f"{bw / 1e9:.1f} GB/s"
        assert line.rstrip().endswith(f"| {want} |"), line
