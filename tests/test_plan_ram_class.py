"""`llmcards plan --ram-class`: the system memory's class, read at its bandwidth when llama.cpp keeps
weights in system RAM (the header's picker offers it for custom hardware, and the site's answer
must equal the CLI's for the same inputs)."""

from __future__ import annotations

import json
from pathlib import Path

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
CARD = str(ROOT / "registry" / "openai" / "gpt-oss-120b.yaml")
# gpt-oss-120b (about 63 GB at MXFP4) on one 24 GB card with 128 GB RAM: most experts in system RAM
ARGS = ["plan", CARD, "--engine", "llama.cpp", "--gpu", "rtx-4090", "--ram-gb", "128", "--context", "8192",
        "--format", "json"]


def _plan(capsys, extra: list[str]) -> dict:
    assert main([*ARGS, *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_ram_class_changes_only_the_speed_bound(capsys):
    usual = _plan(capsys, [])
    same = _plan(capsys, ["--ram-class", "ddr5-dual"])     # the RTX 4090's usual class (schema/gpus.yaml)
    server = _plan(capsys, ["--ram-class", "server-12ch-ddr5"])
    assert usual == same
    assert usual["host"]["weights_bytes"] > 0            # offloaded: system RAM is read per token
    for key in ("devices", "host", "fits", "max_context_that_fits", "offload", "command"):
        assert server[key] == usual[key], key
    # 12 channels of DDR5-4800 (460.8 GB/s) against two of DDR5-5600 (89.6 GB/s): faster decode
    assert server["speed"]["decode_tokens_per_s_upper_bound"] > usual["speed"]["decode_tokens_per_s_upper_bound"]


def test_unknown_class_and_no_gpu_are_usage_errors(capsys):
    assert main([*ARGS, "--ram-class", "ddr9"]) == 2
    err = capsys.readouterr().err
    assert "--ram-class: 'ddr9': unknown system-memory class; choose from ddr4-dual, ddr5-dual" in err
    assert "apple-unified" not in err                    # no bandwidth of its own: not offered
    assert main(["plan", CARD, "--engine", "llama.cpp", "--ram-class", "ddr5-dual"]) == 2
    assert "--ram-class: needs --gpu GPU_ID" in capsys.readouterr().err
