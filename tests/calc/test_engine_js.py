"""site/assets/js/engine-llamacpp.js gives exactly the numbers of llama.cpp's plan.

The live calculator on model pages runs llama.cpp's plan in the browser on data that Python
exports (generator/site/calc_inputs.py). This runs the JavaScript under node for EVERY registry
card over a grid of settings (quantizations, contexts, KV cache types, slots, flash attention,
-ngl / --n-cpu-moe given or auto) and setups (no GPU, small and large GPUs, several GPUs,
Apple and AMD devices) and requires the same numbers as engines.plan(): every device's bytes,
the host, fits, the longest context that fits, the offload and the llama-server command;
for refused settings the same option is named. engines.plan's rules are pinned by hand and
against engines' printed numbers in tests/calc/engines/ and tests/calc/test_engine_accuracy.py.
In CI (LLMCARDS_REQUIRE_NODE) a missing node fails the test (the node_exe fixture).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.calc import engines, max_context_of
from generator.calc.catalogs import load_catalogs
from generator.site.calc_inputs import engine_inputs, gpu_table, rle
from generator.validate import load_registry

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site" / "assets" / "js" / "engine-llamacpp.js"
# What the calculator shows and the test compares: every number of the plan, the speed bounds and
# their basis (the text `llmcards plan` prints) included.
FIELDS = ("settings", "devices", "host", "kv_cache_bytes_per_token", "fits", "max_context_that_fits",
          "offload", "components", "command", "speed")
# (gpu, count, system RAM in GB or None): without RAM the host is not checked
SETUPS = (None, ("rtx-3060-12gb", 1, None), ("rtx-4060-ti-16gb", 1, 32), ("rtx-3090", 2, 64),
          ("apple-m3-pro-36gb", 1, None), ("rx-7900-xtx", 3, 12.5), ("h100-sxm-80gb", 8, 2048))


def _settings(max_ctx: int | None, quants: list[str], default_q: str) -> list[dict[str, Any]]:
    """A grid over every control of the calculator (each line varies one or two of them)."""
    top = max_ctx or 131_072

    def ctx(n: int) -> int:
        return min(n, top)

    other = next((q for q in ("Q8_0", "Q2_K", "BF16") if q in quants and q != default_q), default_q)
    grid: list[dict[str, Any]] = [
        {"quant": default_q, "context": ctx(8192)},
        {"quant": default_q},  # context: the training context
        {"quant": default_q, "context": 1},
        {"quant": default_q, "context": ctx(300)},  # below 512: n_ubatch follows n_ctx
        {"quant": other, "context": ctx(32_768), "kv_dtype": "Q8_0"},
        {"quant": default_q, "context": ctx(16_384), "kv_type_k": "Q8_0", "kv_type_v": "Q4_0"},
        {"quant": default_q, "context": ctx(4096), "flash_attn": "off"},
        {"quant": default_q, "context": ctx(12_000), "parallel": 1},
        {"quant": default_q, "context": 3 * ctx(5000), "parallel": 3},
        {"quant": default_q, "context": ctx(8192), "n_gpu_layers": 5},
        {"quant": default_q, "context": ctx(8192), "cpu_moe_layers": 3},
        {"quant": default_q, "context": ctx(8192), "n_gpu_layers": 0, "cpu_moe_layers": 0},
        {"quant": default_q, "context": ctx(8192), "n_gpu_layers": 999, "cpu_moe_layers": 0},  # all: may not fit
        {"quant": other, "context": ctx(65_536), "kv_dtype": "Q4_0", "parallel": 2},
    ]
    return grid


def _errors(max_ctx: int | None, default_q: str) -> list[dict[str, Any]]:
    """Settings the engine refuses: the JavaScript must name the same option."""
    bad: list[dict[str, Any]] = [{"quant": default_q, "context": 4096, "flash_attn": "off", "kv_type_v": "Q8_0"}]
    if max_ctx:
        bad += [{"quant": default_q, "context": max_ctx + 1},
                {"quant": default_q, "context": 2 * max_ctx + 2, "parallel": 2}]
    return bad


def _python(card: dict[str, Any], catalogs: Any, options: dict[str, Any], setup: Any) -> dict[str, Any]:
    hw = engines.hardware(catalogs, *setup) if setup else engines.hardware(catalogs)
    try:
        p = engines.plan(card, catalogs, "llama.cpp", options, hw)
    except engines.PlanError as e:
        return {"error": e.option}
    return {k: p[k] for k in FIELDS}


def _node(node_exe: str, script: str, js: Path, payload: dict[str, Any]) -> Any:
    """What ``script`` prints when node runs it on ``js`` with ``payload`` as its standard input."""
    out = subprocess.run([node_exe, "-e", script, str(js)], input=json.dumps(payload), capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def _assert_runs_equal(jobs: list[dict[str, Any]], got: Any, expected: list[list[Any]], name: Any) -> None:
    """Every run of every card: the JavaScript answer equals the Python one (``name`` labels a card)."""
    assert len(got) == len(jobs) >= 55
    for job, g, e in zip(jobs, got, expected, strict=True):
        for run, gi, ei in zip(job["runs"], g, e, strict=True):
            assert gi == ei, (name(job), run)


NODE = """
const E = require(process.argv[1]);
const fields = %s;
const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const gpus = Object.fromEntries(jobs.gpus.map(g => [g.id, g]));
process.stdout.write(JSON.stringify(jobs.cards.map(j => j.runs.map(([s, setup]) => {
  const r = E.plan(j.data, s, setup ? gpus[setup[0]] : null, setup ? setup[1] : 1, setup ? setup[2] : null);
  if (r.error) return {error: r.error.option};
  return Object.fromEntries(fields.map(f => [f, r[f]]));
}))));
"""


@pytest.fixture(scope="module")
def cases() -> tuple[list[dict[str, Any]], list[list[Any]], list[dict[str, Any]]]:
    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors and len(cards) >= 60
    jobs, expected = [], []
    for c in cards:
        card = c.data
        data = engine_inputs(card, catalogs)
        if data["unsupported"]:
            continue
        quants = list(data["quants"])
        dq = data["default_quant"]
        mx = max_context_of(card)
        runs: list[Any] = []
        for setup in SETUPS:
            for s in _settings(mx, quants, dq) + _errors(mx, dq):
                runs.append([s, setup])
        # every quantization with a file, at one setting on one GPU and without hardware
        for q in quants:
            for setup in (None, ("rtx-4060-ti-16gb", 1, None)):
                runs.append([{"quant": q, "context": min(8192, mx or 8192)}, setup])
        jobs.append({"id": card["id"], "data": data, "runs": runs})
        expected.append([_python(card, catalogs, dict(s), setup) for s, setup in runs])
    return jobs, expected, gpu_table(catalogs)


def test_js_plan_equals_python_on_every_card(cases: Any, node_exe: str) -> None:
    jobs, expected, gpus = cases
    payload = {"gpus": gpus, "cards": [{"data": j["data"], "runs": j["runs"]} for j in jobs]}
    got = _node(node_exe, NODE % json.dumps(list(FIELDS)), JS, payload)
    _assert_runs_equal(jobs, got, expected, lambda job: job["id"])
    # The grid reaches every branch the calculator shows: fits and does not, offload chosen by
    # the search (experts and layers), a longest context below the maximum, refused settings.
    flat = [x for e in expected for x in e]
    plans = [x for x in flat if "error" not in x]
    assert sum(len(e) for e in expected) > 5000
    assert {p["fits"] for p in plans} == {True, False, None}
    assert any(p["offload"]["cpu_moe_layers"] and "does not fit" not in p["offload"]["moved"] for p in plans)
    assert any("-ngl" in p["offload"]["moved"] and p["fits"] for p in plans)
    assert any(p["max_context_that_fits"] and p["max_context_that_fits"] < p["settings"]["context"] for p in plans)
    # refused: a context above the maximum, a quantized V without flash attention, --n-cpu-moe on a dense model
    assert {x["error"] for x in flat if "error" in x} == {"--context", "--kv-type-v", "--cpu-moe-layers"}
    assert any(p["fits"] is False and all(d["total_bytes"] <= d["capacity_bytes"] for d in p["devices"])
               for p in plans)  # the host over the given RAM
    assert any(len(p["devices"]) == 8 for p in plans) and any(p["settings"]["swa_cells"] for p in plans)
    # the speed bound's branches: no GPU; GPUs only; a share read from system RAM at the memory class's
    # bandwidth (the "GB" figures of its basis written as Python writes them); a GPU without FP16 figures
    bases = [p["speed"]["basis"] for p in plans]
    assert "no hardware given" in bases
    assert any(p["speed"]["decode_tokens_per_s_upper_bound"] and "system RAM" not in p["speed"]["basis"] for p in plans)
    assert any("per token from system RAM at" in b for b in bases)
    assert any(p["speed"]["prefill_tokens_per_s_upper_bound"] for p in plans)


# --- llama.cpp --cpu-only -----------------------------------------------------------------------

# (system RAM in GB or None, system-memory class id or None): `llmcards plan --cpu-only --ram-gb N
# --ram-class C`. A laptop's 8 and 16 GB (many models do not fit), a desktop's 64 GB, a server's
# 1,536 GB (everything fits), and no RAM or class given (fit unknown, no speed bound).
CPU_SETUPS = ((None, None), (8, "ddr4-dual"), (16, "ddr5-dual"), (64, "ddr5-dual"), (64, None),
              (1536, "server-12ch-ddr5"), (24.5, "server-8ch-ddr4"))

CPU_NODE = """
const E = require(process.argv[1]);
const fields = %s;
const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const classes = jobs.host_memory;   // api/calc/gpus.json host_memory, what the site's picker reads
process.stdout.write(JSON.stringify(jobs.cards.map(j => j.runs.map(([s, ram, cls, gpu]) => {
  const bw = cls ? classes[cls].bandwidth_bytes_per_s : null;
  const r = E.plan(j.data, Object.assign({cpu_only: true}, s), gpu ? {id: gpu} : null, 1, ram, bw);
  if (r.error) return {error: r.error.option};
  return Object.fromEntries(fields.map(f => [f, r[f]]));
}))));
"""


def _cpu_settings(max_ctx: int | None, quants: list[str], default_q: str) -> list[dict[str, Any]]:
    """The calculator's controls that apply without a GPU, and the two a CPU-only plan refuses."""
    top = max_ctx or 131_072
    other = next((q for q in ("Q8_0", "Q2_K", "BF16") if q in quants and q != default_q), default_q)
    return [
        {"quant": default_q, "context": min(8192, top)},
        {"quant": default_q},  # the training context: long contexts decide "fits" on small machines
        {"quant": other, "context": min(32_768, top), "kv_dtype": "Q8_0"},
        {"quant": default_q, "context": min(4096, top), "flash_attn": "off"},
        {"quant": default_q, "context": 3 * min(5000, top), "parallel": 3},
        {"quant": default_q, "context": min(8192, top), "n_gpu_layers": 0, "cpu_moe_layers": "auto"},
        {"quant": default_q, "context": min(8192, top), "n_gpu_layers": 5},        # refused: --n-gpu-layers
        {"quant": default_q, "context": min(8192, top), "cpu_moe_layers": 2},      # refused: --cpu-moe-layers
    ]


def test_js_cpu_only_plan_equals_python_on_every_card(node_exe: str) -> None:
    """The site's "CPU only" choice: every card, RAM sizes that fit and do not, each memory class."""
    from generator.site.exports import calc_gpus

    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors
    jobs, expected, kinds = [], [], []
    for c in cards:
        card = c.data
        data = engine_inputs(card, catalogs)
        if data["unsupported"]:
            continue
        mx = max_context_of(card)
        runs: list[Any] = [[s, ram, cls, None] for ram, cls in CPU_SETUPS
                           for s in _cpu_settings(mx, list(data["quants"]), data["default_quant"])]
        runs.append([{"quant": data["default_quant"], "context": min(8192, mx or 8192)}, 64, "ddr5-dual", "rtx-3090"])
        exp = []
        for s, ram, cls, gpu in runs:
            try:
                hw = engines.hardware(catalogs, gpu, None, ram, cls, cpu_only=True)
                p = engines.plan(card, catalogs, "llama.cpp", {**s, "cpu_only": True}, hw)
                exp.append({k: p[k] for k in FIELDS})
            except engines.PlanError as e:
                exp.append({"error": e.option})
        jobs.append({"data": data, "runs": runs})
        expected.append(exp)
        arch = card["architecture"]
        kinds.append((arch.get("type"), bool(data["n_swa"]), bool(data["rs_seq"]), arch["attention"].get("structure")))
    payload = {"host_memory": calc_gpus(catalogs)["host_memory"], "cards": jobs}
    got = _node(node_exe, CPU_NODE % json.dumps(list(FIELDS)), JS, payload)
    _assert_runs_equal(jobs, got, expected, lambda job: job["data"]["model"])
    # The cards cover dense, MoE, sliding-window, hybrid (recurrent state) and MLA models ...
    assert {k[0] for k in kinds} >= {"dense", "moe"} and any(k[1] for k in kinds) and any(k[2] for k in kinds)
    assert any(k[3] == "MLA" for k in kinds)
    flat = [x for e in expected for x in e]
    plans = [x for x in flat if "error" not in x]
    # ... and every outcome: fits, does not fit, not judged (no RAM given); refused options
    assert {p["fits"] for p in plans} == {True, False, None}
    assert {x["error"] for x in flat if "error" in x} == {"--n-gpu-layers", "--cpu-moe-layers", "--cpu-only"}
    assert all(p["devices"] == [] and p["settings"]["cpu_only"] and p["settings"]["n_gpu_layers"] == 0 for p in plans)
    assert any(p["max_context_that_fits"] and p["max_context_that_fits"] < p["settings"]["context"] for p in plans)
    assert any(p["speed"]["decode_tokens_per_s_upper_bound"] for p in plans)
    assert any(p["speed"]["decode_tokens_per_s_upper_bound"] is None and "give --ram-class" in p["speed"]["basis"]
               for p in plans)


def test_g3_is_pythons_3g(node_exe: str) -> None:
    # the speed basis writes bytes as format(x / 1e9, ".3g"): ties on the exact double go to even
    xs = [1.125, 1.135, 0.000123456, 1234.5, 999.6, 50.0, 0.5, 12.25, 100.0, 1e-05, 2.675, 0.0, 7.0, 123.0]
    script = f"const E = require({json.dumps(str(JS))}); process.stdout.write(JSON.stringify({json.dumps(xs)}.map(E.g3)));"
    got = json.loads(subprocess.run([node_exe, "-e", script], capture_output=True, text=True, check=True).stdout)
    assert got == [format(x, ".3g") for x in xs] and got[:2] == ["1.12", "1.14"]


def test_rle_round_trips() -> None:
    assert rle([3, 3, 3, 5, 3]) == [[3, 3], [5, 1], [3, 1]]
    assert rle([]) == []


def test_exported_data_is_small(cases: Any) -> None:
    # The data the page carries for its calculator (measured for the report): per model, the
    # largest today is Llama 4 Maverick's (alternating dense and MoE layers).
    jobs, _, gpus = cases
    sizes = sorted(len(json.dumps(j["data"], separators=(",", ":"))) for j in jobs)
    assert sizes[-1] < 40_000 and sizes[len(sizes) // 2] < 10_000
    # Carried once per model page, so it grows with the catalog: 127 B a GPU before the speed fields
    # (bandwidths, FP16 throughput), 230 B with them (87 GPUs: 20.0 KB, 1.6 KB gzipped), 246 B with the
    # unified-memory machines' RAM (unified_ram_bytes on 43 of them: 21.4 KB). The page's whole first view
    # is held under 200 KB by tests/browser/test_page_weight.py.
    assert len(json.dumps(gpus, separators=(",", ":"))) < 250 * len(gpus)


def test_first_quantization_is_the_native_checkpoint_where_a_gguf_of_it_exists() -> None:
    # gpt-oss ships MXFP4 experts (release.quantization: MXFP4) and llama.cpp loads that file type;
    # DeepSeek-V3 ships FP8, which no GGUF holds, so llama.cpp's default Q4_K_M comes first;
    # Llama 3.1 8B ships BF16: Q4_K_M too.
    catalogs = load_catalogs()
    cards = {c.data["id"]: c.data for c in load_registry(ROOT / "registry")[0]}
    firsts = {cid: engine_inputs(cards[cid], catalogs)["default_quant"]
              for cid in ("openai/gpt-oss-120b", "deepseek/deepseek-v3", "meta/llama-3.1-8b")}
    assert firsts == {"openai/gpt-oss-120b": "MXFP4", "deepseek/deepseek-v3": "Q4_K_M", "meta/llama-3.1-8b": "Q4_K_M"}
    assert cards["openai/gpt-oss-120b"]["release"]["quantization"] == "MXFP4"
    assert cards["deepseek/deepseek-v3"]["release"]["quantization"] == "FP8"


# --- vLLM -------------------------------------------------------------------------------------

JS_VLLM = ROOT / "site" / "assets" / "js" / "engine-vllm.js"
VLLM_FIELDS = ("settings", "devices", "host", "kv_cache_bytes_per_token", "fits", "max_context_that_fits",
               "kv_cache_capacity_tokens", "max_concurrency", "components", "command", "speed")
# Consumer, data-center (small and large batch defaults: an A100 keeps the small ones), AMD,
# Blackwell (its own MXFP4 padding), several GPUs, and an Apple machine (refused).
VLLM_SETUPS = (None, ("rtx-4090", 1), ("rtx-3090", 2), ("a100-80gb", 4), ("h100-sxm-80gb", 1),
               ("h100-sxm-80gb", 8), ("mi300x", 1), ("b200", 2), ("apple-m3-pro-36gb", 1))


def _vllm_settings(most: int | None, quants: list[str]) -> list[dict[str, Any]]:
    top = most or 131_072
    grid: list[dict[str, Any]] = [
        {}, {"context": min(8192, top)}, {"context": min(1000, top), "kv_dtype": "fp8"},
        {"context": min(32_768, top), "parallel": 4}, {"tensor_parallel": 1}, {"tensor_parallel": 2},
        {"tensor_parallel": 3}, {"gpu_memory_utilization": 0.5, "context": min(4096, top)},
        {"gpu_memory_utilization": 0.97}, {"context": top + 1}, {"context": 17},
        {"vllm_version": "0.21"}, {"cudagraph_estimate": "off"},
        # the current releases' line (Model Runner V2 only, 64-token blocks), which the site offers too
        {"vllm_version": "0.34"}, {"vllm_version": "0.34", "context": min(8192, top), "kv_dtype": "fp8"},
        {"vllm_version": "0.34", "tensor_parallel": 2, "gpu_memory_utilization": 0.8},
        {"vllm_version": "0.34", "model_runner": "v2"}, {"vllm_version": "0.34", "context": top + 1},
    ]
    grid += [{"quant": q, "context": min(8192, top)} for q in quants]
    # an FP32 checkpoint on the current line: a hybrid model's FP32 state changes its 64-token-based block
    grid += [{"vllm_version": "0.34", "quant": "FP32", "context": min(8192, top)} for q in quants if q == "FP32"]
    return grid


VLLM_NODE = """
const E = require(process.argv[1]);
const fields = %s;
const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(jobs.cards.map(j => j.runs.map(([s, setup]) => {
  const r = E.plan(j.data, s, setup ? jobs.gpus[setup[0]] : null, setup ? setup[1] : 1);
  if (r.error) return {error: r.error.option};
  if (r.supported === false) return {unsupported: r.unsupported_reason};
  return Object.fromEntries(fields.map(f => [f, r[f]]));
}))));
"""


def test_js_vllm_plan_equals_python_on_every_card(node_exe: str) -> None:
    from generator.site.calc_inputs import vllm_gpu_fields, vllm_inputs

    catalogs = load_catalogs()
    cards, errors = load_registry(ROOT / "registry")
    assert not errors
    gpus = {gid: {"id": gid, **row} for gid, row in vllm_gpu_fields(catalogs).items()}
    jobs, expected = [], []
    for c in cards:
        data = vllm_inputs(c.data, catalogs)
        if data["unsupported"]:
            continue
        runs = [[s, setup] for setup in VLLM_SETUPS for s in _vllm_settings(data["most"], list(data["quants"]))]
        exp = []
        for s, setup in runs:
            hw = engines.hardware(catalogs, *setup) if setup else engines.hardware(catalogs)
            try:
                p = engines.plan(c.data, catalogs, "vllm", dict(s), hw)
                exp.append({k: p[k] for k in VLLM_FIELDS} if p["supported"] else {"unsupported": p["unsupported_reason"]})
            except engines.PlanError as e:
                exp.append({"error": e.option})
        jobs.append({"id": c.data["id"], "data": data, "runs": runs})
        expected.append(exp)
    script = VLLM_NODE % json.dumps(list(VLLM_FIELDS))
    payload = {"gpus": gpus, "cards": [{"data": j["data"], "runs": j["runs"]} for j in jobs]}
    got = _node(node_exe, script, JS_VLLM, payload)
    _assert_runs_equal(jobs, got, expected, lambda job: job["id"])
    flat = [x for e in expected for x in e]
    plans = [x for x in flat if "error" not in x and "unsupported" not in x]
    assert {p["fits"] for p in plans} == {True, False, None}
    assert {x["error"] for x in flat if "error" in x} >= {"--context", "--tensor-parallel", "--gpu"}
    assert any(p["max_context_that_fits"] and p["max_context_that_fits"] < p["settings"]["context"] for p in plans)
    assert any(p["settings"]["max_num_seqs"] == 1024 for p in plans) and any(len(p["devices"]) == 8 for p in plans)
    assert any("perfect scaling over 8 GPUs" in p["speed"]["basis"] for p in plans)
    assert any(p["speed"]["prefill_tokens_per_s_upper_bound"] for p in plans)
    # the site's data holds only the default release line: another one is refused, naming the option
    other = {"gpus": gpus, "cards": [{"data": jobs[0]["data"], "runs": [[{"vllm_version": "0.11"}, None]]}]}
    assert _node(node_exe, script, JS_VLLM, other) == [[{"error": "--vllm-version"}]]
    # the default line (0.21) plans Model Runner V1 with the CUDA graph estimate off, and its command says so;
    # the current line (0.34) Model Runner V2 with v0.34's extensible KV cache off
    v21 = [p for p in plans if p["settings"]["vllm_version"] == "0.21"]
    v34 = [p for p in plans if p["settings"]["vllm_version"] == "0.34"]
    assert v21 and all(p["command"].startswith("VLLM_USE_V2_MODEL_RUNNER=0 VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 "
                                               "vllm serve ") for p in v21)
    assert v34 and all(p["command"].startswith("VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0 vllm serve ")
                       and p["command"].endswith(" --no-enable-extensible-kv-cache")
                       and p["settings"]["model_runner"] == "v2" for p in v34)
    assert any(p["settings"]["max_num_batched_tokens"] == 16384 for p in v34)   # the B200s
    assert any("unsupported" in x for x in flat)   # models the 0.34 line does not plan say why
    # on is the CLI's (upper bounds); the browser refuses it, naming the option
    on = {"gpus": gpus, "cards": [{"data": jobs[0]["data"], "runs": [[{"cudagraph_estimate": "on"}, None]]}]}
    assert _node(node_exe, script, JS_VLLM, on) == [[{"error": "--cudagraph-estimate"}]]
    # so is Model Runner V2
    v2 = {"gpus": gpus, "cards": [{"data": jobs[0]["data"], "runs": [[{"model_runner": "v2"}, None]]}]}
    assert _node(node_exe, script, JS_VLLM, v2) == [[{"error": "--model-runner"}]]


def test_round2_is_pythons_round() -> None:
    # ties on the exact double go to even, as Python's round(x, 2) does; 0.125 and 0.375 are exact
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found")
    xs = [0.125, 0.375, 2.675, 1.005, 0.5, 3 / 7, 10.0, 123.455, 0.015625 * 3]
    script = (f"const E = require({json.dumps(str(JS_VLLM))});"
              f"process.stdout.write(JSON.stringify({json.dumps(xs)}.map(E.round2)));")
    got = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    assert got == [round(x, 2) for x in xs] and got[:2] == [0.12, 0.38]
