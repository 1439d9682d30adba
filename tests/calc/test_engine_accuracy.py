"""Engine accuracy: the plans against engines' printed numbers (issue 10's bounds), the published page,
and the harness itself.

Two parts:
* the harness (tests/calc/engine_cases/cases.py, bench/engine_accuracy.py) on its own fixture cases
  (engine_cases/fixtures/harness.yaml) with the stand-in engines of tests/fake_engines.py: the
  expected numbers are worked out by hand from the fakes' rules, in each test;
* the real cases (engine_cases/*.yaml) against the real engine modules: every case gets a plan,
  every bound of issue 10 holds, and site/engine-accuracy.md is what the code gives today. Missing
  case files or engine modules fail these tests with a message saying what to merge; nothing skips.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import yaml

import fake_engines
from engine_cases import cases as C
from generator.calc import engines as E
from generator.calc.catalogs import load_catalogs

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(C.__file__).parent / "fixtures" / "harness.yaml"
MIB, GIB = 2**20, 2**30


def _bench():
    spec = importlib.util.spec_from_file_location("engine_accuracy_bench", ROOT / "bench" / "engine_accuracy.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def fixture_results(monkeypatch):
    fake_engines.force_fakes(monkeypatch)
    res = C.run_all(C.load_cases([FIXTURE]), load_catalogs())
    return {r.case.id: r for r in res}


# -- the harness, on its fixture -------------------------------------------------------------------

def test_measured_numbers_become_bytes_in_the_cases_unit():
    llama, vllm, _, _ = C.load_cases([FIXTURE])
    assert C.measured_values(llama) == {"device_weights": 3232 * MIB, "device_kv_cache": 256 * MIB,
                                        "device_compute_buffer": 40 * MIB}
    # GiB: 1.5625 GiB = 1,677,721,600 bytes; tokens stay tokens
    assert C.measured_values(vllm) == {"weights": 1_677_721_600, "kv_cache_tokens": 16000,
                                       "activation_peak": GIB, "non_torch": GIB // 4}


def test_a_case_becomes_the_request_llmcards_plan_would_build(monkeypatch):
    fake_engines.force_fakes(monkeypatch)
    llama, vllm, _, cpu = C.load_cases([FIXTURE])
    req = C.request(llama, load_catalogs())
    assert req.engine == "llama.cpp" and req.card["id"] == "meta/llama-3.1-8b"
    # settings and quant read by the engine's parsers ("off" checked as a choice, numbers as numbers)
    assert req.options == {"context": 8192, "ubatch": 256, "flash_attn": "off", "parallel": 1, "quant": "Q4_K_M"}
    hw = req.hardware
    assert (hw.gpu["id"], hw.count, hw.ram_bytes) == ("rtx-4090", 2, None)
    assert hw.memory_bytes == round(23.58 * 2**30) == 25_318_832_210
    req = C.request(vllm, load_catalogs())
    assert req.options["enforce_eager"] is True and req.options["tensor_parallel"] == 2
    assert (req.hardware.gpu, req.hardware.count, req.hardware.memory_bytes) == (None, 2, None)
    # a CPU-only run (gpus: 0) is planned as `llmcards plan --cpu-only` (no GPU)
    req = C.request(cpu, load_catalogs())
    assert req.options["cpu_only"] is True and (req.hardware.gpu, req.hardware.count) == (None, 1)


def test_points_compare_each_printed_number_and_the_sums(fixture_results):
    r = fixture_results["fake-llamacpp-8b-ub256"]
    assert r.failure is None
    got = {p.component: (p.predicted, p.measured) for p in r.points}
    # fake llama.cpp on 32 layers: weights 32 x 100 MiB; KV 32 x 1 KiB x 8,192 tokens; compute 64 MiB x 256 / 512
    assert got == {"device_weights": (3200 * MIB, 3232 * MIB), "device_kv_cache": (256 * MIB, 256 * MIB),
                   "device_compute_buffer": (32 * MIB, 40 * MIB),
                   "total": ((3200 + 256 + 32) * MIB, (3232 + 256 + 40) * MIB)}
    err = {p.component: p.error_pct for p in r.points}
    assert err["device_weights"] == pytest.approx(-32 / 3232 * 100)  # -0.990%
    assert err["device_kv_cache"] == 0
    assert err["device_compute_buffer"] == pytest.approx(-20.0)
    total = next(p for p in r.points if p.component == "total")
    assert total.error == -40 * MIB


def test_a_number_the_plan_does_not_give_is_unpredicted_not_dropped(fixture_results):
    r = fixture_results["fake-vllm-8b-tp2"]
    got = {p.component: p.predicted for p in r.points}
    # fake vLLM: weights 3,200 MiB / TP 2 = 1,600 MiB; KV tokens 4 x 4,096; no activation or non-torch figure
    assert not r.case.hardware_known and r.case.needs_memory_size("kv_cache_tokens")
    assert not r.case.needs_memory_size("activation_peak")
    assert got == {"weights": 1600 * MIB, "kv_cache_tokens": 16384, "activation_peak": None, "non_torch": None,
                   "non_kv": None}
    assert next(p for p in r.points if p.component == "kv_cache_tokens").error_pct == pytest.approx(2.4)
    assert math.isnan(next(p for p in r.points if p.component == "non_kv").error_pct)


def test_a_setting_the_engine_refuses_is_a_failed_case(fixture_results):
    r = fixture_results["fake-vllm-8b-tp3"]
    assert r.plan is None and r.points == []
    assert r.failure.startswith("PlanError: --tensor-parallel: 3 does not divide the 32 attention heads")


def test_summary_per_engine_and_component(fixture_results):
    s = {(x.engine, x.component): x for x in C.summarize(list(fixture_results.values()))}
    w = s[("llama.cpp", "device_weights")]
    assert (w.count, w.unpredicted, w.worst_case) == (1, 0, "fake-llamacpp-8b-ub256")
    assert w.median_pct == w.worst_pct == pytest.approx(0.990099, abs=1e-6)
    assert s[("llama.cpp", "total")].median_abs_bytes == 40 * MIB
    a = s[("vllm", "activation_peak")]
    assert (a.count, a.unpredicted) == (0, 1) and math.isnan(a.median_pct)


def test_targets_flag_a_single_case_beyond_the_bound(fixture_results):
    points = {p.component: p for p in fixture_results["fake-llamacpp-8b-ub256"].points}
    assert C.target_for("llama.cpp", "device_compute_buffer").beyond(points["device_compute_buffer"])  # 20% >= 15%
    assert not C.target_for("llama.cpp", "device_weights").beyond(points["device_weights"])  # 0.99% < 5%
    assert not C.target_for("llama.cpp", "total").beyond(points["total"])  # 40 MiB < 128 MiB


def test_case_file_problems_are_all_listed(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""cases:
  - {id: a, engine: ollama, engine_version: null, model: meta/llama-3.1-8b, quant: Q4_K_M, hardware: {},
     settings: {}, unit: MB, measured: {device_weights: "4403 MiB"}, source: github.com/x}
  - {id: b, engine: vllm, model: meta/llama-3.1-8b}
  - {id: c, engine: vllm, engine_version: null, model: m/x, quant: BF16, hardware: {}, settings: {}, unit: GiB,
     measured: {weights: 1.0}, source: "https://x", extra: 1}
  - {id: d, engine: vllm, engine_version: null, model: m/x, quant: BF16, hardware: {}, settings: {}, unit: GiB,
     measured: {weights: 1.0}, source: "https://x"}
  - {id: d, engine: vllm, engine_version: null, model: m/x, quant: BF16, hardware: {}, settings: {}, unit: GiB,
     measured: {weights: 1.0}, source: "https://x"}
""")
    with pytest.raises(C.CaseError) as exc:
        C.load_cases([bad])
    lines = str(exc.value).splitlines()
    assert lines == [
        "bad.yaml: cases[0] (a): engine 'ollama': choose from llama.cpp, vllm",
        "bad.yaml: cases[0] (a): unit 'MB': choose from MiB, GiB",
        "bad.yaml: cases[0] (a): measured.device_weights: a number (a list of numbers for *_per_gpu), got '4403 MiB'",
        "bad.yaml: cases[0] (a): source: the URL where the log is public",
        *(f"bad.yaml: cases[1] (b): missing {k!r}" for k in
          ("engine_version", "quant", "hardware", "settings", "unit", "measured", "source")),
        "bad.yaml: cases[2] (c): unknown key 'extra'",
        "bad.yaml: cases[4] (d): id repeats the case in bad.yaml",
    ]


def test_a_case_outside_the_modelled_versions_is_published_apart_and_not_summarized(tmp_path, monkeypatch):
    fake_engines.force_fakes(monkeypatch)
    # the fixture's TP=2 case twice: once as printed, once from a log that proves the V0 engine
    # (engine_generation), which the fake vLLM's outside_basis() does not model
    tp2 = next(c for c in yaml.safe_load(FIXTURE.read_text())["cases"] if c["id"] == "fake-vllm-8b-tp2")
    cases = tmp_path / "v0.yaml"
    cases.write_text(yaml.safe_dump({"cases": [tp2, {**tp2, "id": "fake-vllm-v0", "engine_version": None, "engine_generation": "V0"}]}))
    res = C.run_all(C.load_cases([cases]), load_catalogs())
    by_id = {r.case.id: r for r in res}
    assert by_id["fake-vllm-8b-tp2"].outside is None
    assert by_id["fake-vllm-v0"].outside == "fake: V0 engine"
    assert [r.case.id for r in C.inside(res)] == ["fake-vllm-8b-tp2"]
    # a rule with its own basis: the fake's activation rule does not follow version 0.0-fake, so that
    # one point of the modelled case is published but left out of the summary
    tp2 = by_id["fake-vllm-8b-tp2"]
    assert {p.component: p.outside for p in tp2.points}["activation_peak"] == "fake: activation rule starts at 0.1"
    assert "activation_peak" not in {p.component for p in C.inside(res)[0].points}
    assert "non_kv" not in {p.component for p in C.inside(res)[0].points}  # a sum with that part in it
    assert {p.component for p in C.inside(res)[0].points} >= {"weights", "kv_cache_tokens"}
    # the V0 case still has its points (published), but only the modelled case is in the summary
    assert by_id["fake-vllm-v0"].points
    w = {(s.engine, s.component): s for s in C.summarize(C.inside(res))}[("vllm", "weights")]
    assert (w.count, w.worst_case) == (1, "fake-vllm-8b-tp2")
    page = _bench().markdown(res, C.summarize(C.inside(res)))
    apart = page.split("## Cases outside the modelled versions", 1)[1].split("## Cases\n", 1)[0]
    assert "- [fake-vllm-v0](https://example.org/fake-vllm) (V0): fake: V0 engine" in apart
    assert ("- [fake-vllm-8b-tp2](https://example.org/fake-vllm): activation_peak, non_kv only: "
            "fake: activation rule starts at 0.1") in apart
    assert "V0 (outside the modelled versions)" in page


def test_page_links_every_case_and_lists_those_beyond_the_target(fixture_results):
    bench = _bench()
    res = list(fixture_results.values())
    page = bench.markdown(res, C.summarize(res))
    for r in res:
        assert f"[{r.case.id}]({r.case.source})" in page
    beyond = page.split("## Cases beyond the target", 1)[1].split("## Cases\n", 1)[0]
    assert ("- [fake-llamacpp-8b-ub256](https://example.org/fake-llamacpp): device_compute_buffer predicted "
            "32.00 MiB, measured 40.00 MiB (-20.00%; target worst < 15%). Case notes: a case note") in beyond
    assert "- [fake-vllm-8b-tp3](https://example.org/fake-vllm-tp3): no plan (PlanError: --tensor-parallel: 3" in beyond
    assert "device_weights" not in beyond
    assert "| llama.cpp | device_weights | 1 | 0 | 0.99% | 0.99% |" in page


def test_model_classes_read_the_card_architecture():
    # what the makers publish: Llama 3.1 8B is a dense GQA model; DeepSeek-R1 a 256-expert MoE with
    # latent attention (MLA); Gemma 3 has sliding-window layers; Granite 4.0-H Small interleaves
    # Mamba-2 layers with attention and has MoE FFNs; Nemotron-H 8B is dense with Mamba-2 layers
    card = lambda m: C._card(m, C.REGISTRY)  # noqa: E731
    assert C.model_classes(card("meta/llama-3.1-8b")) == ("dense",)
    assert C.model_classes(card("deepseek/deepseek-r1")) == ("MoE", "MLA")
    assert C.model_classes(card("google/gemma-3-12b")) == ("dense", "sliding window")
    assert C.model_classes(card("ibm-granite/granite-4.0-h-small")) == ("MoE", C.RECURRENT)
    assert C.model_classes(card("nvidia/nemotron-h-8b-base-8k")) == ("dense", C.RECURRENT)


def test_page_counts_cases_per_class_and_says_which_class_no_log_checks(tmp_path, monkeypatch):
    fake_engines.force_fakes(monkeypatch)
    bench = _bench()
    cases = C.load_cases([FIXTURE])  # four cases, all of Llama 3.1 8B: two llama.cpp, two vLLM
    section = bench.markdown(C.run_all(cases, load_catalogs()), []).split("## Cases per model class", 1)[1]
    section = section.split("## Cases beyond the target", 1)[0]
    assert "| dense | 2 | 2 |" in section and "| MoE | 0 | 0 |" in section
    assert "| state space / linear attention | 0 | 0 |" in section
    assert "No llama.cpp or vllm case has a state space / linear attention model" in section
    # one llama.cpp case of a hybrid model: the row counts it and only vLLM is named as uncovered
    raw = next(c for c in yaml.safe_load(FIXTURE.read_text())["cases"] if c["id"] == "fake-llamacpp-8b-ub256")
    hybrid = tmp_path / "hybrid.yaml"
    hybrid.write_text(yaml.safe_dump({"cases": [{**raw, "id": "fake-granite", "model": "ibm-granite/granite-4.0-h-small"}]}))
    page = bench.markdown(C.run_all(C.load_cases([FIXTURE, hybrid]), load_catalogs()), [])
    assert "| state space / linear attention | 1 | 0 |" in page and "| MoE | 1 | 0 |" in page
    assert "No vllm case has a state space / linear attention model" in page
    assert "No llama.cpp or vllm case" not in page


# -- the real cases and engines ---------------------------------------------------------------------

def _require_engines() -> None:
    missing = []
    for name, module in E.ENGINES.items():
        try:
            E.engine_module(name)
        except ImportError:
            missing.append(f"{name} ({module}: merge its engine branch)")
    if missing:
        pytest.fail("engine modules missing: " + ", ".join(missing))


@pytest.fixture(scope="module")
def real():
    files = C.case_files()
    if not files:
        pytest.fail(f"no case files in {C.CASE_DIR} (merge branches cases-llamacpp and cases-vllm)")
    _require_engines()
    res = C.run_all(C.load_cases(), load_catalogs())
    return res, C.summarize(C.inside(res))


def test_cases_cover_both_engines_and_issue_10s_count(real):
    res, _ = real
    engines_seen = {r.case.engine for r in res}
    assert engines_seen == set(E.ENGINES), f"cases for {sorted(engines_seen)} only"
    assert len(res) >= 40, f"{len(res)} cases; issue 10 asks for at least 40"


def test_every_case_gets_a_plan(real):
    res, _ = real
    failed = [f"{r.case.id}: {r.failure}" for r in res if r.failure]
    assert not failed, "\n".join(failed)


def test_every_printed_number_is_predicted(real):
    res, _ = real
    missing = [f"{r.case.id}: {p.component}" for r in res for p in r.points if p.predicted is None
               and (r.case.hardware_known or not r.case.needs_memory_size(p.component))]
    assert not missing, "the plan gives no number for:\n" + "\n".join(missing)


# Issue 10's targets the cases do not meet yet (issue 10 stays open for them; site/engine-accuracy.md
# says "no" in its "met" column). For each, the errors the cases show today (python
# bench/engine_accuracy.py): the test fails if they get worse, and fails once the target is met,
# so that its line here is removed and the target itself is asserted again.
# Only the bound a target misses is relaxed here; its other bounds are asserted as issue 10 states them.
NOT_MET_YET: dict[tuple[str, str], dict[str, float]] = {
    # one case: gpt-oss-120b on H100 at utilization 0.95 on the Marlin MXFP4 fallback (vLLM issue #27508):
    # +9.45%, 165 MiB on a 1.7 GiB cache (case notes). The Qwen3-235B FP8 TP=4 run that missed by 23% is
    # outside the rules since its date proves a build before v0.11.0 (PR #25359: NCCL memory inside the
    # budget); 0.3-0.9 GiB of its gap stays unexplained (site/engine-vllm.md).
    ("vllm", "kv_cache_memory"): {"worst_pct": 9.5},
    # Model Runner V2 (v0.27.1), one WSL2 machine's bench series whose logs show only the KV size: five
    # starts print 0.9-1.8 GiB less KV than planned (Qwen2.5-7B BF16 +33.6%, Qwen3-14B FP8 +30.9%,
    # Qwen2.5-7B FP8 +8.8%, Qwen3-8B AWQ at 0.90 +7.0%, Qwen2.5-7B GPTQ +5.8%); about what a start
    # without a torch.compile cache costs in the paired cold and warm runs (1.0 GiB), which their logs
    # neither show nor rule out. The same machine's warm or unlabelled starts agree within 0.4%.
    ("vllm", "kv_cache_tokens"): {"worst_pct": 34},
}


@pytest.mark.parametrize("target", C.TARGETS, ids=[f"{t.engine}-{t.component}" for t in C.TARGETS])
def test_issue_10_bounds(real, target):
    res, summary = real
    s = next((x for x in summary if (x.engine, x.component) == (target.engine, target.component)), None)
    if s is None and target.component.endswith("_per_gpu"):
        pytest.skip(f"no case prints {target.engine} {target.component} (the sum's bound is tested)")
    if s is None or s.count == 0:
        printed = 0 if s is None else s.unpredicted
        pytest.fail(f"{target.engine} {target.component}: the cases print {printed} such numbers, the plans predict none")
    where = f"{target.engine} {target.component} ({target.wording}) over {s.count} cases"
    today = NOT_MET_YET.get((target.engine, target.component))
    if today is not None:
        assert target.shortfalls(s), f"{where}: the target is met now; remove its NOT_MET_YET line"
        target = target._replace(**today)  # the missed bound at today's figure; the others as stated
    if target.median_pct is not None:
        assert s.median_pct < target.median_pct, f"{where}: median |error| {s.median_pct:.2f}%"
    if target.worst_pct is not None:
        assert s.worst_pct < target.worst_pct, f"{where}: worst |error| {s.worst_pct:.2f}% ({s.worst_case})"
    if target.median_abs_bytes is not None:
        assert s.median_abs_bytes < target.median_abs_bytes, f"{where}: median |error| {s.median_abs_bytes / MIB:.1f} MiB"


def test_published_page_is_what_the_code_gives(real):
    page = ROOT / "site" / "engine-accuracy.md"
    fix = "python bench/engine_accuracy.py --markdown > site/engine-accuracy.md"
    assert page.is_file(), f"{page} is missing: {fix}"
    bench = _bench()
    res, summary = real
    assert page.read_text(encoding="utf-8") == bench.markdown(res, summary), f"the page is out of date: {fix}"
