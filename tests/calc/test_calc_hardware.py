"""Hardware fit and decode-speed ceilings: the formulas by hand, and the derive() block's shape."""

from __future__ import annotations

from fractions import Fraction

import pytest

from calc_refmodels import reference_models
from generator.calc import derive
from generator.calc.catalogs import load_catalogs
from generator.calc.hardware import MAX_DEVICES, decode_ceilings, fewest_devices
from generator.importers.hf import card_draft

OVERHEAD = 500_000_000  # 0.5 GB per device (methodology page)
MODELS = {m["_file"]: m for m in reference_models()}


@pytest.fixture(scope="module")
def catalogs():
    return load_catalogs()


@pytest.fixture(scope="module")
def llama(catalogs):
    return derive(card_draft(MODELS["llama-3.1-8b"]["config"], "ref/llama-3.1-8b"), catalogs)


def test_fewest_devices_boundaries_by_hand():
    room = 24_000_000_000 - OVERHEAD  # a 24 GB card less its own overhead: 23.5e9 for the model
    sizes = [0, 23_500_000_000, 23_500_000_001, 47_000_000_000, 47_000_000_001, None,
             64 * 23_500_000_000, 64 * 23_500_000_000 + 1]
    assert fewest_devices(sizes, room) == [1, 1, 2, 2, 3, None, 64, None]
    assert MAX_DEVICES == 64
    # A device that cannot hold its own overhead holds nothing.
    assert fewest_devices([1, None], 0) == [None, None]


def test_decode_ceilings_by_hand_and_unrounded():
    # 936 GB/s / 18 GB per token = 52 tokens/s; 3.35 TB/s / 40 GB = 83.75 on 2 devices as on 1:
    # split by layers, each token's 40 GB are read half on one device, then half on the other.
    assert decode_ceilings([18_000_000_000, 40_000_000_000], [1, 2], 936_000_000_000)[0] == 52.0
    assert decode_ceilings([40_000_000_000], [2], 3_350_000_000_000) == [83.75]
    assert decode_ceilings([40_000_000_000] * 3, [1, 2, 59], 3_350_000_000_000) == [83.75] * 3
    # Unknown device count or nothing read per token: no ceiling.
    assert decode_ceilings([0, 10, 10], [1, None, 1], 100) == [None, None, 10.0]
    # Not rounded: the double nearest to the exact quotient (what IEEE division gives in any language).
    assert decode_ceilings([3], [1], 1_000_000_000_000) == [float(Fraction(10**12, 3))]


def test_llama_8b_fit_and_speed_by_hand(llama):
    hw = {h["gpu"]: h for h in llama["hardware"]}
    # Reference context 8,192 tokens. FP32 weights: 8,030,261,248 parameters x 4 bytes = 32,121,044,992;
    # F16 KV cache: 2 x 8 KV heads x 128 x 32 layers x 8,192 x 2 bytes = 1,073,741,824; so the model
    # needs over 33.19e9 bytes plus activations (well under 6e9): an RTX 4090 (23.5e9 for the model
    # after 0.5e9 overhead) needs 2; an A100 40GB (39.5e9) needs 1.
    assert llama["reference_context"] == 8192
    assert hw["rtx-4090"]["devices"]["FP32"] == 2
    assert hw["a100-40gb"]["devices"]["FP32"] == 1
    assert hw["rtx-4090"]["devices"]["BF16"] == 1  # 16.06e9 + 1.07e9 + activations < 23.5e9
    # BF16 decode: active weights leave out the untied input embedding (128,256 x 4,096 x 2 bytes):
    # 16,060,522,496 - 1,050,673,152 + 1,073,741,824 = 16,083,591,168 bytes per token.
    expected = float(Fraction(3_350_000_000_000, 16_083_591_168))  # H100 SXM: 3.35 TB/s
    assert hw["h100-sxm-80gb"]["decode_tokens_per_s_upper_bound"]["BF16"] == expected
    assert round(expected, 1) == 208.3


def test_hardware_block_shape(llama, catalogs):
    quants = [w["quantization"] for w in llama["weights"]]
    assert [h["gpu"] for h in llama["hardware"]] == [g["id"] for g in catalogs.gpus]
    for h in llama["hardware"]:
        assert set(h) == {"gpu", "name", "memory_bytes", "usable_bytes", "bandwidth_bytes_per_s",
                          "devices", "decode_tokens_per_s_upper_bound"}
        # Both maps are keyed by quantization in catalog order, the order of "weights".
        assert list(h["devices"]) == quants
        assert list(h["decode_tokens_per_s_upper_bound"]) == quants


def test_fit_agrees_with_vram_rows(llama):
    # The documented relation: M = the vram row's total less overhead; n devices when M + n*overhead <= n*usable.
    ref = llama["reference_context"]
    totals = {r["quantization"]: r["total_bytes"] for r in llama["vram"]
              if r["context"] == ref and r["batch"] == 1 and r["kv_dtype"] == "F16"}
    for h in llama["hardware"]:
        for q, n in h["devices"].items():
            m = totals[q] - OVERHEAD
            assert n is not None
            assert m + n * OVERHEAD <= n * h["usable_bytes"]
            assert n == 1 or m + (n - 1) * OVERHEAD > (n - 1) * h["usable_bytes"]


def test_unknown_size_gives_no_fit_and_no_speed(catalogs):
    d = derive({"id": "x/unknown", "parameters": {"total": None, "active": None, "extra": 0}}, catalogs)
    for h in d["hardware"]:
        assert set(h["devices"].values()) == {None}
        assert set(h["decode_tokens_per_s_upper_bound"].values()) == {None}


def test_too_large_for_64_devices(catalogs):
    # 10^15 parameters declared (no architecture): even Q2_K needs far more than 64 x 24 GB.
    d = derive({"id": "x/huge", "parameters": {"total": 10**15, "active": None, "extra": 0}}, catalogs)
    rtx = next(h for h in d["hardware"] if h["gpu"] == "rtx-3090")
    assert set(rtx["devices"].values()) == {None}
    assert set(rtx["decode_tokens_per_s_upper_bound"].values()) == {None}


def test_table_shortcuts_equal_gpu_fit_per_gpu(catalogs):
    # hardware_table() skips per-value checks when every size is known (one device at every
    # quantization, or several); each entry must still equal gpu_fit() and n * bandwidth / b
    # divided as Python ints (correctly rounded), also for reads past 2**53.
    from generator.calc.hardware import gpu_fit, hardware_table

    from generator.calc.plan import plan_of

    plan = plan_of(catalogs)
    ids = plan.ids
    n = len(ids)
    cases = [
        ([7_000_000_000 + 977 * i for i in range(n)], [3_000_000_000 + 1_231 * i for i in range(n)]),  # fits one device
        ([900_000_000_000 + 10**9 * i for i in range(n)], [10**11 + 7 * i for i in range(n)]),  # several devices
        ([10**9] * n, [2**53 + 3 + i for i in range(n)]),  # reads past 2**53: int division
    ]
    for sizes, reads in cases:
        table = hardware_table(plan.gpus, ids, sizes, reads)
        assert table == [gpu_fit(g, ids, sizes, reads) for g in plan.gpus]
        for entry, g in zip(table, plan.gpus, strict=True):
            for q, b in zip(ids, reads, strict=True):
                devices = entry["devices"][q]
                assert entry["decode_tokens_per_s_upper_bound"][q] == (None if devices is None else g.bandwidth / b)


def test_many_small_gpus_are_not_faster_than_one_big_one(catalogs):
    # Llama 3.1 405B in BF16: 405,853,388,800 parameters x 2 bytes = 811.7e9 bytes of weights (plus a
    # little KV cache and activations at 8K). An RTX 3090 holds 23.5e9 of model: 35 or more of them;
    # an H200 (140.5e9): 6 or more. Split by layers, each token still streams all ~810e9 active bytes
    # through one device after another, so the bound is one device's bandwidth over those bytes:
    # 936e9 / 810e9 ~ 1.2 tok/s on 3090s, 4.8e12 / 810e9 ~ 5.9 tok/s on H200s; not n x that.
    from pathlib import Path

    import yaml

    card = yaml.safe_load((Path(__file__).resolve().parents[2] / "registry/meta/llama-3.1-405b.yaml").read_text())
    hw = {h["gpu"]: h for h in derive(card, catalogs)["hardware"]}
    n_3090, n_h200 = hw["rtx-3090"]["devices"]["BF16"], hw["h200-141gb"]["devices"]["BF16"]
    assert n_3090 >= 35 and 6 <= n_h200 < n_3090
    s_3090 = hw["rtx-3090"]["decode_tokens_per_s_upper_bound"]["BF16"]
    s_h200 = hw["h200-141gb"]["decode_tokens_per_s_upper_bound"]["BF16"]
    assert 1.0 < s_3090 < 1.2 and 5.5 < s_h200 < 6.0
    assert s_3090 * 4.8e12 == pytest.approx(s_h200 * 936e9)  # the ratio of the bandwidths, nothing else
