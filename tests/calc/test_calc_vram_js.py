"""site/assets/js/vram.js gives exactly the numbers of the Python calculator."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from calc_refmodels import reference_models
from generator.calc import derive, vram_at
from generator.calc.catalogs import load_catalogs
from generator.calc.memory import activations_bytes, kv_cache_bytes, kv_groups, activation_width
from generator.importers.hf import card_draft

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site" / "assets" / "js" / "vram.js"
CASES = [
    ("Q4_K_M", "F16", 8192, 1),
    ("Q8_0", "Q8_0", 131072, 4),
    ("BF16", "Q4_0", 1000, 3),
    ("IQ2_XXS", "FP8", 2_000_000, 16),
    ("FP32", "BF16", 1, 1),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_matches_python():
    catalogs = load_catalogs()
    wanted = {"llama-3.1-8b", "gemma-3-4b", "deepseek-v2-lite", "llama-4-scout-17b-16e", "gpt-oss-20b", "gpt2"}
    jobs, expected = [], []
    for m in reference_models():
        if m["_file"] not in wanted:
            continue
        card = card_draft(m["config"], "ref/" + m["_file"])
        d = derive(card, catalogs)
        groups, width = kv_groups(card), activation_width(card)
        for q, kv, ctx, b in CASES:
            row = vram_at(d, q, kv, ctx, b)
            # vram_at must agree with the memory module it summarises
            assert row["kv_cache_bytes"] == kv_cache_bytes(groups, ctx, b, tuple(d["calculator"]["kv_dtypes"][kv]))
            assert row["activations_bytes"] == activations_bytes(width, ctx, b)
            jobs.append({"calc": d["calculator"], "args": [q, kv, ctx, b]})
            expected.append({k: row[k] for k in ("weights_bytes", "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes")})
    script = (
        f"const v = require({json.dumps(str(JS))});"
        "const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(jobs.map(j => v.compute(j.calc, ...j.args))));"
    )
    out = subprocess.run(["node", "-e", script], input=json.dumps(jobs), capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == expected
    assert len(expected) == 30


def test_table_rows_equal_vram_at():
    catalogs = load_catalogs()
    m = next(x for x in reference_models() if x["_file"] == "gemma-3-4b")
    d = derive(card_draft(m["config"], "ref/gemma-3-4b"), catalogs)
    for row in d["vram"]:
        assert row == vram_at(d, row["quantization"], row["kv_dtype"], row["context"], row["batch"])
