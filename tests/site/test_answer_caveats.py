"""The "Run it" answer (generator/site/answer.py) says what its command really does, without a
browser: a vLLM command that names the published checkpoint while the plan loads another one
carries a visible caveat; a plan that does not fit shows no speed bound and no command; and the
engines that cannot run a model on any hardware (closed weights) are named with their reason, for
custom hardware on a page without the engines' inputs (site/assets/js/answer.js)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import ROOT, load_test_card

from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import answer, plans

CLOSED_CARD = ROOT / "tests" / "cards" / "valid" / "openai" / "gpt-5.yaml"
COMMAND = ("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve org/Model-7B --max-model-len 8192 "
           "--gpu-memory-utilization 0.92")


@pytest.fixture(scope="module")
def catalogs() -> Any:
    return load_catalogs(ROOT / "schema")


def _vllm_entry(quant: str, fits: bool | None = True, command: str = COMMAND) -> dict[str, Any]:
    return {"status": "ok", "reason": None,
            "plan": {"fits": fits, "max_context_that_fits": 8192, "command": command,
                     "settings": {"quant": quant, "context": 8192, "kv_dtype": "auto", "tensor_parallel": 1},
                     "devices": [{"name": "GPU 0", "total_bytes": 20 * 10**9, "capacity_bytes": 24 * 10**9}],
                     "host": {"total_bytes": 0}, "speed": {"decode_tokens_per_s_upper_bound": 50.2}},
            "choice": {"quant": quant, "fit": "yes" if fits else "no", "why": f"{quant}: the best checkpoint that fits"}}


def _record(published: str | None, quant: str, fits: bool | None = True) -> dict[str, Any]:
    """A plans record: the "none" setup (the model as published) and one setup with ``quant`` planned."""
    none = {"llama.cpp": {"status": "ok", "plan": {"fits": None, "settings": {"quant": "Q8_0"}}},
            "vllm": ({"status": "ok", "plan": {"fits": None, "settings": {"quant": published}}}
                     if published else {"status": "unavailable", "reason": "x", "plan": None})}
    return {"engines": ["llama.cpp", "vllm"],
            "setups": [{"id": "none", "gpu": None}, {"id": "a", "gpu": "x", "ram_bytes": None}],
            "plans": {"none": none,
                      "a": {"llama.cpp": _vllm_entry("Q4_K_M", fits, "llama-server -m x.gguf"),
                            "vllm": _vllm_entry(quant, fits)}}}


# -- defect 1: a checkpoint published apart from the one the command names --------------------

@pytest.mark.parametrize("published,quant,note", [
    ("BF16", "AWQ-4bit", "Needs a checkpoint of this model in AWQ-4bit, published apart: "
                         "put its repository in place of org/Model-7B."),
    ("BF16", "GPTQ-4bit", "Needs a checkpoint of this model in GPTQ-4bit, published apart: "
                          "put its repository in place of org/Model-7B."),
    ("BF16", "INT8", "Needs a checkpoint of this model in INT8, published apart: "
                     "put its repository in place of org/Model-7B."),
    ("FP8", "BF16", "Needs a checkpoint of this model in BF16, published apart: "
                    "put its repository in place of org/Model-7B."),     # BF16 of an FP8 model
    ("MXFP4", "FP8", "Needs a checkpoint of this model in FP8, published apart: "
                     "put its repository in place of org/Model-7B."),    # FP8 of an MXFP4 model
    ("BF16", "BF16", None),        # the checkpoint as published
    ("FP8", "FP8", None),
    ("BF16", "FP8", None),         # the published BF16 weights converted as they load (--quantization fp8)
    (None, "AWQ-4bit", None),      # no plan says what is published: no caveat made up
])
def test_a_checkpoint_published_apart_is_said_beside_the_command(published, quant, note):
    out = answer.answers(_record(published, quant))["setups"]["a"]
    assert out["vllm"]["checkpoint"] == note
    assert out["vllm"]["command"] == COMMAND           # the command itself is the plan's
    assert out["llama.cpp"]["checkpoint"] is None      # a GGUF command names its file, not the repository


def test_checkpoint_note_without_a_repository_in_the_command():
    assert answer.checkpoint_note("AWQ-4bit", "BF16", "python -m vllm.entrypoints.api_server") == (
        "Needs a checkpoint of this model in AWQ-4bit, published apart: put its repository in place of the one "
        "the command names.")
    assert answer.checkpoint_note("AWQ-4bit", "BF16", None) is None


def test_caveat_follows_the_planner_on_real_plans(catalogs):
    """Mixtral 8x7B (BF16) on the common setups: vLLM picks BF16, FP8 (converted at load) or AWQ-4bit
    (published apart); the answer's caveat is there exactly where the plan's own assumptions say
    the checkpoint is published apart, and names the repository of the command."""
    record = plans.model_plans(load_test_card("mistralai/mixtral-8x7b"), catalogs).record
    assert record is not None
    out = answer.answers(record)["setups"]
    seen = set()
    for setup, row in record["plans"].items():
        entry = row["vllm"]
        if setup == "none" or entry["status"] != "ok" or entry["plan"]["fits"] is not True:
            continue
        plan = entry["plan"]
        apart = any("published apart" in a for a in plan["assumptions"])
        note = out[setup]["vllm"]["checkpoint"]
        assert bool(note) == apart, (setup, plan["settings"]["quant"], note)
        if note:
            repo = plan["command"].split("vllm serve ", 1)[1].split()[0]
            assert note == (f"Needs a checkpoint of this model in {plan['settings']['quant']}, published apart: "
                            f"put its repository in place of {repo}.")
        seen.add((plan["settings"]["quant"], apart))
    assert {("AWQ-4bit", True), ("FP8", False)} <= seen, seen


# -- defect 2: no speed bound and no command for a plan that does not fit ----------------------

def test_a_plan_that_does_not_fit_has_no_speed_and_no_command():
    out = answer.answers(_record("BF16", "AWQ-4bit", fits=False))["setups"]["a"]
    for engine in ("llama.cpp", "vllm"):
        a = out[engine]
        assert a["state"] == "no-fit" and a["verdict"] == "Does not fit"
        assert a["decode"] is None and a["command"] is None and a["checkpoint"] is None, engine
        # what it would take stays: the quantization, memory per device and why (24e9 B = 22.35 GiB)
        assert a["quant"] and a["devices"] == [["GPU 0", "20.0 GB of 24.0 GB (22.4 GiB)"]] and a["why"]
    fits = answer.answers(_record("BF16", "AWQ-4bit", fits=True))["setups"]["a"]["vllm"]
    assert fits["decode"] == "50 tok/s" and fits["command"] == COMMAND
    unknown = answer.answers(_record("BF16", "BF16", fits=None))["setups"]["a"]["vllm"]
    assert unknown["state"] == "unknown" and unknown["command"] == COMMAND    # not known not to run


# -- defect 3: engines that cannot run the model on any hardware --------------------------------

def test_closed_weights_are_unsupported_on_any_hardware(catalogs):
    card = load_file(CLOSED_CARD).data
    assert card is not None and card["open_weights"] is False
    record = plans.model_plans(card, catalogs).record
    assert record is not None
    out = answer.answers(record)
    assert out["unsupported"] == {
        "llama.cpp": "the weights are not published, so there is no GGUF file to load",
        "vllm": "vLLM loads published checkpoints; this model's weights are not published"}
    # the same reason every common setup gives (answer.js says it for custom hardware)
    for setup, row in out["setups"].items():
        for engine, reason in out["unsupported"].items():
            assert row[engine] == {"state": "unsupported", "verdict": f"Not supported: {reason}"}, (setup, engine)


def test_an_open_model_is_unsupported_nowhere(catalogs):
    record = plans.model_plans(load_test_card("meta/llama-3.1-8b"), catalogs).record
    assert record is not None
    out = answer.answers(record)
    # vLLM on Apple silicon is a reason of the hardware, not of the model
    assert any(row.get("vllm", {}).get("state") == "unsupported" for row in out["setups"].values())
    assert out["unsupported"] == {}
    assert answer.answers(None)["unsupported"] == {}
