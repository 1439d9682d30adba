"""api/calc/: the engine inputs for custom hardware (generator/site/exports.write_calc).

The browser works out the best way to run every model on custom hardware from these two files
(site/assets/js/fit-rule.js; tests/calc/test_fit_rule_js.py compares its choices with the Python
rule). Here: what the files hold, and that they stay small enough to load on demand.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from generator.calc import engines
from generator.calc.catalogs import load_catalogs
from generator.site import calc_inputs, exports, fit
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]


def test_write_calc(tmp_path: Path) -> None:
    catalogs = load_catalogs()
    cards = [c.data for c in load_registry(ROOT / "registry")[0]]
    written = exports.write_calc(tmp_path, cards, catalogs)
    assert written == ["api/calc/gpus.json", "api/calc/models.json"]
    gpus = json.loads((tmp_path / "api/calc/gpus.json").read_text(encoding="utf-8"))
    models = json.loads((tmp_path / "api/calc/models.json").read_text(encoding="utf-8"))
    # every catalog GPU, with what `llmcards plan --gpu ID` sizes it by
    assert [g["id"] for g in gpus["gpus"]] == [str(g["id"]) for g in catalogs.gpus]
    row = next(g for g in gpus["gpus"] if g["id"] == "rtx-3090")
    hw = engines.hardware(catalogs, "rtx-3090", 1)
    assert row["device_memory_bytes"] == engines.device_memory(hw)
    assert row["ram_bandwidth_bytes_per_s"] == 51_200_000_000     # dual-channel DDR4-3200: 2 x 8 B x 3.2 GT/s
    assert row["unified"] is False and row["chip"] is None
    mac = next(g for g in gpus["gpus"] if g["id"] == "apple-m3-pro-36gb")
    assert mac["unified"] is True and mac["chip"] == "Apple M3 Pro"
    assert gpus["rule"]["context"] == fit.CONTEXT and gpus["rule"]["gguf_quants"] == list(fit.GGUF_QUANTS)
    # every card, in id order, with both engines' calculator inputs
    ids = sorted(str(c["id"]) for c in cards)
    assert list(models["models"]) == ids
    card = next(c for c in cards if c["id"] == "meta/llama-3.1-8b")
    own = calc_inputs.engine_inputs(card, catalogs)
    # the engine's basis is written once, not per model
    assert models["bases"] == {"llama.cpp": own.pop("basis"), "vllm": calc_inputs.vllm_inputs(card, catalogs)["basis"]}
    assert models["models"]["meta/llama-3.1-8b"]["llama.cpp"] == own
    # the size the pages load on demand (measured for the report: 1.63 MB, 154 KB gzip for 175 cards;
    # 2.24 MB, 190 KB for 190 cards before vLLM's current line (0.34) joined the default one: 2.38 MB,
    # 205 KB, 12.5 KB a card; 2.49 MB, 13.1 KB a card once the 0.34 line plans the hybrid models too)
    raw = (tmp_path / "api/calc/models.json").read_bytes()
    assert len(raw) / len(ids) < 13_500
    assert len(gzip.compress(raw)) < 250_000
