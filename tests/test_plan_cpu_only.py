"""`llmcards plan --engine llama.cpp --cpu-only`: a machine without a GPU (a CPU build of llama.cpp)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.cli import main

CARD = "meta/llama-3.1-8b"
GB = 10**9


def _plan(capsys: Any, extra: list[str]) -> dict[str, Any]:
    assert main(["plan", CARD, "--engine", "llama.cpp", "--cpu-only", "--quant", "Q4_K_M", "--context", "8192",
                 "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_everything_is_in_system_ram(capsys):
    p = _plan(capsys, ["--ram-gb", "16"])
    assert p["devices"] == [] and p["settings"]["cpu_only"] is True and p["settings"]["n_gpu_layers"] == 0
    host = p["host"]
    # the KV cache of 8,192 cells x 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes (F16) = 1 GiB
    assert host["kv_cache_bytes"] == 8192 * 32 * 8 * 128 * 2 * 2 == 2**30
    # the CPU runs the whole graph: its compute buffer holds at least the logits of one 512-token ubatch,
    # 512 x 128,256 x 4 bytes (F32), plus the 4 sequences' output buffer of 128,256 x 4 bytes each
    assert host["compute_buffer_bytes"] >= 512 * 128256 * 4 + 4 * 128256 * 4
    assert host["total_bytes"] == host["weights_bytes"] + host["kv_cache_bytes"] + host["compute_buffer_bytes"]
    assert p["fits"] is True and p["max_context_that_fits"] is not None


def test_fits_is_judged_against_the_ram(capsys):
    small = _plan(capsys, ["--ram-gb", "4"])       # a 4.6 GiB Q4_K_M file does not fit in 4 GB
    assert small["fits"] is False and small["max_context_that_fits"] is None
    unknown = _plan(capsys, [])
    assert unknown["fits"] is None and unknown["max_context_that_fits"] is None
    # the longest context that fits grows with the RAM, one 128 KiB KV cell a token
    a = _plan(capsys, ["--ram-gb", "12"])["max_context_that_fits"]
    b = _plan(capsys, ["--ram-gb", "16"])["max_context_that_fits"]
    assert a is not None and b is not None and a < b


def test_decode_bound_reads_system_memory(capsys):
    none = _plan(capsys, [])["speed"]
    assert none["decode_tokens_per_s_upper_bound"] is None and "--ram-class" in none["basis"]
    dual = _plan(capsys, ["--ram-class", "ddr5-dual"])
    server = _plan(capsys, ["--ram-class", "server-12ch-ddr5"])
    d, s = dual["speed"]["decode_tokens_per_s_upper_bound"], server["speed"]["decode_tokens_per_s_upper_bound"]
    # the same bytes a token, read at 89.6 GB/s (2 x 8 B x 5.6 GT/s) against 12 channels of DDR5-4800
    # (12 x 8 B x 4.8 GT/s = 460.8 GB/s)
    assert s / d == pytest.approx(460.8 / 89.6)
    # a token reads at least the 4.3 GiB of repeating-layer and output weights the file holds and the 1 GiB
    # of KV of one 8,192-token sequence: the bound is below 89.6e9 / 5.3 GiB
    assert d < 89.6 * GB / (5.3 * 2**30)
    assert dual["speed"]["prefill_tokens_per_s_upper_bound"] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["--engine", "llama.cpp", "--cpu-only", "--gpu", "rtx-4090"],
     "llmcards plan: --cpu-only: plans a machine without a GPU; drop --gpu or --cpu-only"),
    (["--engine", "llama.cpp", "--cpu-only", "--n-gpu-layers", "5"],
     "llmcards plan: --n-gpu-layers: 5: --cpu-only keeps every layer in system RAM; allowed: 0 or auto"),
    (["--engine", "vllm", "--cpu-only"], "llmcards plan: --cpu-only: is a llama.cpp option; vllm takes"),
])
def test_bad_combinations_name_the_option(capsys, argv: list[str], message: str):
    assert main(["plan", CARD, *argv]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_table_says_there_is_no_gpu(capsys):
    assert main(["plan", CARD, "--engine", "llama.cpp", "--cpu-only", "--ram-gb", "32", "--quant", "Q4_K_M",
                 "--context", "8192"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{CARD}: llama.cpp plan on a machine without a GPU (32 GB RAM)"
    assert "\n  GPU" not in out and "host (system RAM)" in out and "fits: yes at context 8,192" in out
