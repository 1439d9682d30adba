"""site/assets/js/fit-rule.js makes generator/site/fit.py's choice for custom hardware.

The header's picker takes any catalog GPU x count (or a unified-memory machine) with the
reader's system RAM; for such a setup the browser picks the best way to run each model with
fit-rule.js on the engine modules and the api/calc exports. This runs it under node over a
sample of registry cards x custom setups x both engines and requires what the Python rule
(fit.best_llamacpp / fit.best_vllm through plans._entry, independent code) gives for the same
``engines.hardware(catalogs, gpu, count, ram_gb)`` (what ``llmcards plan --gpu --gpus --ram-gb``
builds): the same status, the same choice (quantization, context, tensor parallel, offload,
fit, options, reason), the same plan (every device's bytes, the host, fits, the longest context,
the command, the decode speed bound) and the same api/fit summary. Two cases are also
written out by hand below.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.calc import engines
from generator.calc.catalogs import load_catalogs
from generator.site import exports, fit, plans, setups
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site" / "assets" / "js" / "fit-rule.js"
PLAN_FIELDS = ("settings", "devices", "host", "fits", "max_context_that_fits", "offload", "command")
# Custom setups (gpu, count, system RAM in GB or None, system-memory class or None: the GPU's
# usual one): the readers of the issue (a 12 GB card with 32 GB RAM, three 3090s), small cards
# that need offload (one with a server's memory), a card without RAM given (no offload), unified
# memory (Apple: vLLM does not run; Ryzen AI Max), AMD, a data-center node.
CUSTOM = (("rtx-4070-super", 1, 32, None), ("rtx-3090", 3, 64, None), ("rtx-4060-ti-16gb", 1, 32, None),
          ("rtx-3060-12gb", 1, 16, None), ("rtx-4060", 1, 64, "server-8ch-ddr5"), ("rtx-4060", 2, None, None),
          ("apple-m3-pro-36gb", 1, None, None), ("ryzen-ai-max-plus-395-128gb", 1, None, None),
          ("rx-7900-xtx", 2, 96, None), ("h100-sxm-80gb", 6, 1024, None), ("rtx-5090", 1, 24.5, None),
          ("apple-m4-24gb", 1, None, None), ("rtx-4090", 3, 128, "ddr5-dual"),
          ("rtx-3060-12gb", 1, 0.001, None))   # RAM too small even for the input embedding
# Cards always in the sample (native MXFP4 / FP8, MoE offload, sliding window, hybrid state,
# vision tower); every 4th registry card besides.
ALWAYS = ("meta/llama-3.1-8b", "meta/llama-3.1-70b", "openai/gpt-oss-20b", "openai/gpt-oss-120b",
          "deepseek/deepseek-v3", "ai21labs/jamba-1.5-mini", "google/gemma-3-27b", "qwen/qwen3-30b-a3b",
          # input embeddings kept in host memory (a 256K vocabulary; Gemma 3n's per-layer table)
          "cohere/aya-expanse-32b", "google/gemma-3n-e4b-it")

# One script for both kinds of setup: SETUP turns a setup row of the job into what the pages pass.
NODE_TEMPLATE = """
const R = require(process.argv[1]);
const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const fields = job.fields;
process.stdout.write(JSON.stringify(job.cards.map(c => job.setups.map(row => job.engines.map(engine => {
  const setup = R.customSetup(job.gpus, SETUP);   // as the pages do
  const e = R.entry(job.gpus.rule, c.data, engine, setup);
  const plan = e.plan && e.status === 'ok' ? Object.fromEntries(fields.map(f => [f, e.plan[f]])) : null;
  if (plan) { plan.decode = e.plan.speed.decode_tokens_per_s_upper_bound; plan.speed_basis = e.plan.speed.basis; }
  return {status: e.status, reason: e.reason, choice: e.choice, plan: plan, summary: R.summary(e)};
})))));
"""
NODE = NODE_TEMPLATE.replace("SETUP", "{gpu: row[0], count: row[1], ram_gb: row[2], ram_class: row[3]}")


def _summarised(e: dict[str, Any]) -> dict[str, Any]:
    """What the test compares of one plans._entry result (the same fields the node script returns)."""
    plan = None
    if e["status"] == "ok":
        plan = {k: e["plan"][k] for k in PLAN_FIELDS}
        plan["decode"] = e["plan"]["speed"]["decode_tokens_per_s_upper_bound"]
        plan["speed_basis"] = e["plan"]["speed"]["basis"]
    return {"status": e["status"], "reason": e["reason"], "choice": e["choice"], "plan": plan,
            "summary": fit.summary(e)}


def _run_node(node_exe: str, script: str, setup_rows: Any, sample: list[str], by_id: dict[str, Any],
              catalogs: Any) -> Any:
    """fit-rule.js's answers for every sampled card x setup row x engine."""
    job = {"gpus": exports.calc_gpus(catalogs), "setups": setup_rows, "engines": list(setups.ENGINES),
           "fields": list(PLAN_FIELDS),
           "cards": [{"id": i, "data": exports.calc_model(by_id[i], catalogs)} for i in sample]}
    out = subprocess.run([node_exe, "-e", script, str(JS)], input=json.dumps(job), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def _assert_same(sample: list[str], setup_rows: Any, got: Any, expected: Any) -> None:
    for cid, g_card, e_card in zip(sample, got, expected, strict=True):
        for setup, g_setup, e_setup in zip(setup_rows, g_card, e_card, strict=True):
            for engine, g, e in zip(setups.ENGINES, g_setup, e_setup, strict=True):
                assert g == e, (cid, setup, engine)


def _python(card: dict[str, Any], catalogs: Any, engine: str, gpu: str, count: int, ram: float | None,
            ram_class: str | None = None) -> dict[str, Any]:
    hw = engines.hardware(catalogs, gpu, count, ram, ram_class)
    assert hw.gpu is not None
    setup = setups.Setup("custom", gpu, count, None, hw.gpu.get("host_memory"))
    return _summarised(plans._entry(card, catalogs, engine, setup, hw))


@pytest.fixture(scope="module")
def run(node_exe: str) -> tuple[list[str], list[Any], list[Any]]:
    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors
    ids = sorted(c.data["id"] for c in cards)
    by_id = {c.data["id"]: c.data for c in cards}
    sample = sorted(set(ids[::4]) | {i for i in ALWAYS if i in by_id})
    assert len(sample) >= 45
    got = _run_node(node_exe, NODE, CUSTOM, sample, by_id, catalogs)
    expected = [[[_python(by_id[i], catalogs, e, *s) for e in setups.ENGINES] for s in CUSTOM] for i in sample]
    return sample, got, expected


def test_js_choice_equals_python_rule(run: Any) -> None:
    sample, got, expected = run
    _assert_same(sample, CUSTOM, got, expected)
    # The sample reaches every outcome of the rule.
    flat = [x for c in expected for s in c for x in s]
    fits = {x["summary"]["fit"] for x in flat}
    assert fits == {"yes", "offload", "no", "unsupported"}, fits
    assert any(x["choice"] and x["choice"]["tensor_parallel"] == 2 and x["choice"]["fit"] == "yes" for x in flat)
    assert sum(1 for x in flat if x["plan"] and x["plan"]["decode"]) > 200
    # the setup with its own system-memory class offloads somewhere, so its bandwidth is read
    fast = CUSTOM.index(("rtx-4060", 1, 64, "server-8ch-ddr5"))
    assert any(c[fast][0]["choice"] and c[fast][0]["choice"]["fit"] == "offload" for c in expected)


def test_hand_checked_cases(run: Any) -> None:
    """Two answers worked out by hand, independent of both implementations.

    Llama 3.1 8B (32 layers, 8 KV heads of 128 dims, F16 cache) on one RTX 3090 (24 GB) with
    llama.cpp: Q8_0 (8.5 bits per weight, the most the rule tries) is 8.03e9 x 8.5 / 8 = 8.5 GB
    of weights, far below 24 GB: Q8_0, on the GPU, at 8,192 tokens. Its KV cache is
    8,192 cells x 32 layers x 2 (K and V) x 8 x 128 values x 2 bytes = 1,073,741,824 bytes.

    Llama 3.1 70B (64 attention heads) on three RTX 3090 with vLLM: tensor parallel must divide
    the 64 heads, so 3 is never tried (sizes 1, 2); BF16 is 2 x 70.6e9 = 141 GB and FP8 70.6 GB,
    both over 2 x 24 GB, so the choice is the 4-bit AWQ checkpoint.
    """
    sample, got, _ = run
    i = sample.index("meta/llama-3.1-70b")
    vllm_3090 = got[i][CUSTOM.index(("rtx-3090", 3, 64, None))][setups.ENGINES.index("vllm")]
    assert vllm_3090["choice"]["quant"] == "AWQ-4bit"
    assert vllm_3090["choice"]["tensor_parallel"] in (1, 2)
    catalogs = load_catalogs()
    cards = {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}
    e = _python(cards["meta/llama-3.1-8b"], catalogs, "llama.cpp", "rtx-3090", 1, 64)
    assert e["choice"]["quant"] == "Q8_0" and e["choice"]["fit"] == "yes" and e["choice"]["context"] == 8192
    assert e["plan"]["devices"][0]["kv_cache_bytes"] == 8192 * 32 * 2 * 8 * 128 * 2 == 1_073_741_824
    # The same model on a 12 GB RTX 3060 with 0.001 GB (1,000,000 bytes) of RAM: llama.cpp keeps the input
    # embedding (128,256 x 4,096 = 525e6 weights, about 0.17 GB even at Q2_K's 2.625 bits) in host memory,
    # more than the RAM, while every layer would fit the GPU: the RAM is what fails, not the GPU.
    tiny = _python(cards["meta/llama-3.1-8b"], catalogs, "llama.cpp", "rtx-3060-12gb", 1, 0.001)
    assert tiny["choice"]["fit"] == "no"
    assert tiny["choice"]["why"] == "does not fit even at Q2_K: what llama.cpp keeps in system RAM is more than the RAM given"
    assert tiny["plan"]["host"]["total_bytes"] > 1_000_000 > 0
    assert all(d["total_bytes"] <= d["capacity_bytes"] for d in tiny["plan"]["devices"])


# --- "CPU only": a machine without a GPU (`llmcards plan --cpu-only --ram-gb N --ram-class C`) ---

# (system RAM in GB, system-memory class): a laptop, desktops, servers.
CPU = ((8, "ddr4-dual"), (16, "ddr5-dual"), (64, "ddr5-dual"), (256, "server-8ch-ddr5"),
       (1536, "server-12ch-ddr5"))

CPU_NODE = NODE_TEMPLATE.replace("SETUP", "{cpu_only: true, gpu: null, count: 1, ram_gb: row[0], ram_class: row[1]}")


def _python_cpu(card: dict[str, Any], catalogs: Any, engine: str, ram: float, ram_class: str) -> dict[str, Any]:
    hw = engines.hardware(catalogs, None, None, ram, ram_class, cpu_only=True)
    return _summarised(plans._entry(card, catalogs, engine, setups.Setup("cpu", None), hw, cpu_only=True))


def test_js_cpu_only_choice_equals_python_rule(node_exe: str) -> None:
    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors
    by_id = {c.data["id"]: c.data for c in cards}
    ids = sorted(by_id)
    sample = sorted(set(ids[1::4]) | {i for i in ALWAYS if i in by_id})
    got = _run_node(node_exe, CPU_NODE, CPU, sample, by_id, catalogs)
    expected = [[[_python_cpu(by_id[i], catalogs, e, *s) for e in setups.ENGINES] for s in CPU] for i in sample]
    _assert_same(sample, CPU, got, expected)
    flat = [x for c in expected for s in c for x in s]
    llama = [x for x in flat if x["plan"] is not None]
    assert {x["summary"]["fit"] for x in llama} == {"yes", "no"}
    assert {x["choice"]["quant"] for x in llama} >= {"Q4_K_M", "Q2_K"}
    assert all(x["plan"]["devices"] == [] and "--cpu-only" not in x["plan"]["command"] for x in llama)
    # vLLM: no plan, the reason says it needs a GPU
    i = setups.ENGINES.index("vllm")
    assert all(s[i]["status"] == "unsupported" and s[i]["plan"] is None and "needs a GPU" in s[i]["reason"]
               for c in expected for s in c)


def test_cpu_only_hand_checked() -> None:
    """Llama 3.1 8B on a CPU with 64 GB of DDR5: Q4_K_M (4.9 GB of weights per its GGUF; the rule
    tries Q4_K_M first) at 8,192 tokens fits, so the choice is Q4_K_M. The KV cache is
    8,192 cells x 32 layers x 2 x 8 x 128 values x 2 bytes = 1,073,741,824 bytes, all in system RAM.
    The decode bound is 89.6 GB/s (dual-channel DDR5-5600: 2 channels x 8 bytes x 5,600 MT/s) over
    the bytes one token reads: more than 4.6e9 (the weights less the token-embedding table, which
    a token reads one row of) and at most the 4.92e9-byte file plus that 1.07e9-byte cache, so
    between 89.6 / 5.99 = 14.96 and 89.6 / 4.6 = 19.5 tokens/s."""
    catalogs = load_catalogs()
    cards = {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}
    e = _python_cpu(cards["meta/llama-3.1-8b"], catalogs, "llama.cpp", 64, "ddr5-dual")
    assert e["choice"]["quant"] == "Q4_K_M" and e["choice"]["fit"] == "yes" and e["choice"]["context"] == 8192
    assert e["plan"]["host"]["kv_cache_bytes"] == 8192 * 32 * 2 * 8 * 128 * 2
    assert 89.6e9 / (4.92e9 + 1.074e9) < e["plan"]["decode"] < 89.6e9 / 4.6e9
