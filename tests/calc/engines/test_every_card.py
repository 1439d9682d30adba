"""`llmcards plan` works for every registry card, with both engines: the issue's "Done when".

Beyond "no exception", each plan is held to what its own numbers must satisfy whatever the
engine rules are (sums and the fit verdict), and the llama.cpp weights are held to the
calculator's engine-agnostic weight table (the same files, split between GPU and system RAM).
The rules themselves are tested against hand computations and engine logs in test_llamacpp.py,
test_vllm.py and tests/calc/test_engine_accuracy.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pytest

from generator.calc import engines as E
from generator.calc.catalogs import load_catalogs
from generator.calc.memory import weight_bytes
from generator.calc.native import as_stored
from generator.calc.tensors import inventory
from generator.load import load_file

ROOT = Path(__file__).resolve().parents[3]
CARDS = sorted((ROOT / "registry").glob("*/*.yaml"))
CATALOGS = load_catalogs()
# (gpu, count): needs only; one 24 GB card (llama.cpp offloads to RAM); 8 x 80 GB.
SETUPS = ((None, None), ("rtx-4090", 1), ("h100-sxm-80gb", 8))


def _card(path: Path) -> Mapping[str, Any]:
    loaded = load_file(path, str(path))
    assert loaded.ok and isinstance(loaded.data, dict)
    return loaded.data


def _plan(card: Mapping[str, Any], engine: str, gpu: str | None, count: int | None,
          options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    hw = E.hardware(CATALOGS, gpu, count, 64 if gpu else None)
    return E.plan(card, CATALOGS, engine, dict(options or {}), hw)


def _check_sums(plan: Mapping[str, Any]) -> None:
    for d in plan["devices"]:
        parts = d["weights_bytes"] + d["kv_cache_bytes"] + d["compute_buffer_bytes"] + d["overhead_bytes"]
        assert d["total_bytes"] == parts, d
        assert min(d["weights_bytes"], d["kv_cache_bytes"], d["compute_buffer_bytes"], d["overhead_bytes"]) >= 0
    h = plan["host"]
    assert h["total_bytes"] == h["weights_bytes"] + h["kv_cache_bytes"] + h["compute_buffer_bytes"]


@pytest.mark.parametrize("path", CARDS, ids=[f"{p.parent.name}/{p.stem}" for p in CARDS])
@pytest.mark.parametrize("engine", ["llama.cpp", "vllm", "vllm 0.34"])
def test_every_card_gets_a_plan_or_a_reason(path: Path, engine: str) -> None:
    card = _card(path)
    # "vllm 0.34": vLLM's newest release line, which no default plan takes
    engine, options = ("vllm", {"vllm_version": "0.34"}) if engine == "vllm 0.34" else (engine, {})
    for gpu, count in SETUPS:
        plan = _plan(card, engine, gpu, count, options)
        assert plan["engine"] == engine and plan["model"] == card["id"]
        if not plan["supported"]:
            assert plan["unsupported_reason"], plan
            continue
        _check_sums(plan)
        # the program, after any environment settings (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0)
        program = next(word for word in plan["command"].split() if "=" not in word)
        assert program in ("llama-server", "vllm")
        if gpu is None:
            assert plan["fits"] is None and all(d["capacity_bytes"] is None for d in plan["devices"])
        elif plan["fits"]:
            # a plan that says it fits: every device's total within what the engine may use there
            assert all(d["total_bytes"] <= d["capacity_bytes"] for d in plan["devices"]), plan["devices"]


@pytest.mark.parametrize("path", CARDS, ids=[f"{p.parent.name}/{p.stem}" for p in CARDS])
def test_llamacpp_weights_on_gpu_and_in_ram_are_the_files_weights(path: Path) -> None:
    """GPU + system-RAM weights = the calculator's weight bytes for the same quantization as stored.

    llama.cpp loads every tensor of the GGUF once, on a GPU or in system RAM, but not
    ``parameters.extra`` (vision towers ship in a separate mmproj file; MTP layers are not
    loaded). A model with tied embeddings holds the shared matrix twice: the input lookup in
    system RAM and the output projection on the GPU (llama-model.cpp: output falls back to a
    copy of token_embd), so then the GPU alone holds the file's bytes and RAM the lookup copy.
    Gemma 3n's per-layer embedding table is another lookup that stays in RAM.
    """
    card = _card(path)
    plan = _plan(card, "llama.cpp", None, None)
    if not plan["supported"]:
        pytest.skip(plan["unsupported_reason"])
    quant = CATALOGS.quantization(plan["settings"]["quant"])
    extra = int((card.get("parameters") or {}).get("extra") or 0)
    file = weight_bytes(inventory(card), as_stored(card, quant), CATALOGS, extra)
    on_gpu = sum(d["weights_bytes"] for d in plan["devices"])
    in_ram = plan["host"]["weights_bytes"]
    if card["architecture"].get("tied_embeddings"):
        # file.input_embedding is 0 for a tied model, but for Gemma 3n's per-layer table, a
        # second lookup table that stays in RAM too (llamacpp/layers.py layer_weights).
        assert on_gpu == file.total - file.extra - file.input_embedding and 0 < in_ram < on_gpu
    else:
        assert on_gpu + in_ram == file.total - file.extra
        assert in_ram == file.input_embedding  # the token lookup table stays in RAM
