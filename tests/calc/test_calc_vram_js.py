"""site/assets/js/vram.js gives exactly the numbers of the Python calculator.

vram.js repeats only the arithmetic of generator/calc/memory.py over the
``calculator`` block that derive() exports; this runs it under node for every
registry card (and some reference configs) over a grid of inputs and compares it
with vram_at(), whose formulas tests/calc/test_calc_memory.py pins by hand.
In CI (LLMCARDS_REQUIRE_NODE set by .ci/run) a missing node fails the test (the node_exe fixture).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from calc_refmodels import reference_models
from generator.calc import derive, hardware_at, vram_at
from generator.calc.catalogs import load_catalogs
from generator.importers.hf import card_draft
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site" / "assets" / "js" / "vram.js"
FIELDS = ("weights_bytes", "kv_cache_bytes", "activations_bytes", "overhead_bytes", "total_bytes")
BATCHES = (1, 3)


def _contexts(max_context: int | None) -> list[int]:
    # 1 token, odd sizes around the micro-batch (512 tokens; x3 crosses it) and common
    # sliding windows (128, 4096), and the model's maximum (or a large value when it has none).
    top = max_context or 1_000_000
    return sorted({1, 7, 513, 4097, 32769, top})


@pytest.fixture(scope="module")
def derived_cards() -> list[dict[str, Any]]:
    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors and len(cards) >= 60
    out = [derive(c.data, catalogs) for c in cards]
    wanted = {"llama-3.1-8b", "gemma-3-4b", "deepseek-v2-lite", "llama-4-scout-17b-16e", "gpt-oss-20b", "gpt2"}
    out += [derive(card_draft(m["config"], "ref/" + m["_file"]), catalogs)
            for m in reference_models() if m["_file"] in wanted]
    return out


def test_js_matches_python_on_every_card(derived_cards: list[dict[str, Any]], node_exe: str) -> None:
    node = node_exe
    jobs, expected = [], []
    for d in derived_cards:
        calc = d["calculator"]
        args = [[q, kv, ctx, b] for q in calc["weights_bytes"] for kv in calc["kv_dtypes"]
                for ctx in _contexts(d["max_context"]) for b in BATCHES]
        jobs.append({"calc": calc, "args": args})
        expected.append([[vram_at(d, *a)[k] for k in FIELDS] for a in args])
    script = (
        f"const v = require({json.dumps(str(JS))});"
        f"const fields = {json.dumps(list(FIELDS))};"
        "const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(jobs.map(j => j.args.map(a => {"
        " const r = v.compute(j.calc, ...a); return fields.map(f => r[f]); }))));"
    )
    out = subprocess.run([node, "-e", script], input=json.dumps(jobs), capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert len(got) == len(expected) >= 66
    for d, g, e in zip(derived_cards, got, expected, strict=True):
        assert g == e, d["id"]
    # The grid really covers unknown and known KV caches and many sizes.
    assert any(not d["calculator"]["kv_known"] for d in derived_cards)
    assert sum(len(e) for e in expected) > 40_000


def test_table_rows_and_hardware_equal_the_query_functions(derived_cards: list[dict[str, Any]]) -> None:
    # derive()'s precomputed rows and hardware block are vram_at()/hardware_at() at their inputs.
    catalogs = load_catalogs()
    for d in derived_cards:
        for row in d["vram"]:
            assert row == vram_at(d, row["quantization"], row["kv_dtype"], row["context"], row["batch"])
        assert d["hardware"] == hardware_at(d, catalogs, "F16", d["reference_context"], 1), d["id"]
