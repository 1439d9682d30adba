"""The "best way to run" rule (generator/site/fit.py) and what the site exports of it (api/fit).

The rule is tested twice: with a stand-in planner whose memory figures are written out here
by hand (so every expected choice is a hand computation), and on real cards with the real
engines, where the expectations are hand-worked lower bounds and the rule's own definition
checked through generator.calc.engines.plan (the figures ``llmcards plan`` prints).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from helpers import ROOT, TEST_REGISTRY, build

from generator.calc import engines
from generator.calc.catalogs import load_catalogs
from generator.calc.engines import Hardware, PlanError
from generator.load import load_file
from generator.site import fit, fmt, setups, whatrun

GB = 10**9
CAT = load_catalogs()


def _card(card_id: str) -> dict[str, Any]:
    org, name = card_id.split("/")
    return dict(load_file(ROOT / "registry" / org / f"{name}.yaml", f"{name}.yaml").data)


def _gpu(memory_gb: int, vendor: str = "NVIDIA", usable: int = 100) -> dict[str, Any]:
    return {"id": f"test-{memory_gb}gb", "name": "Test GPU", "vendor": vendor, "memory_bytes": memory_gb * GB,
            "bandwidth_bytes_per_s": 10**12, "usable_percent": usable}


# -- the rule, on a stand-in planner -------------------------------------------------------------
#
# The stand-in: a model of P parameters needs P x bits / 8 bytes of weights (bits per weight from
# schema/quantizations.yaml) plus 1 GB (cache, buffers, overhead) per GPU it uses. llama.cpp
# with every layer on the GPU fits when that is within the GPU's memory; with automatic offload
# when it is within the GPU's memory plus the system RAM. vLLM splits the weights over its
# tensor-parallel size.

PARAMS = 8 * GB   # an "8B" model


def stand_in(card: Mapping[str, Any], catalogs: Any, engine: str, options: Mapping[str, Any],
             hw: Hardware) -> dict[str, Any]:
    quant = options.get("quant") or ("Q4_K_M" if engine == "llama.cpp" else "BF16")
    if quant == "Q3_K_M" and card.get("no_q3"):
        raise PlanError("--quant", "no Q3_K_M file")
    bits = float(catalogs.quantization(quant)["bits_per_weight"])
    weights = int(PARAMS * bits / 8)
    gpu = hw.gpu
    if engine == "vllm" and gpu is not None and gpu["vendor"] == "Apple":
        raise PlanError("--gpu", "no Metal")
    tp = int(options.get("tensor_parallel") or 1) if engine == "vllm" else max(1, hw.count)
    per_gpu = weights // tp + GB
    all_on_gpu = options.get("n_gpu_layers") == fit.ALL_ON_GPU["n_gpu_layers"]
    if gpu is None:
        fits = None
    elif engine == "vllm" or all_on_gpu:
        fits = per_gpu <= gpu["memory_bytes"]
    else:
        fits = weights + tp * GB <= tp * gpu["memory_bytes"] + (hw.ram_bytes or 0)
    moved = "nothing: every layer on the GPU" if fits is None or per_gpu <= (gpu or {}).get("memory_bytes", 0) \
        else "the first layers to the CPU"
    return {"supported": True, "settings": {"quant": quant, "context": options.get("context"),
                                            "tensor_parallel": tp if engine == "vllm" else None},
            "devices": [{"weights_bytes": weights // tp, "kv_cache_bytes": GB, "total_bytes": per_gpu}] * tp,
            "host": {"weights_bytes": 0, "kv_cache_bytes": 0, "total_bytes": 0}, "fits": fits,
            "max_context_that_fits": 4096 if fits else None,
            "offload": {"moved": moved} if engine == "llama.cpp" else None,
            "speed": {"decode_tokens_per_s_upper_bound": 10.0}}


CARD = {"id": "test/eight-b", "context_length": 4096}


def test_context_is_8k_or_the_model_maximum():
    assert fit.context_for({"context_length": 131072}) == 8192
    assert fit.context_for(CARD) == 4096
    assert fit.context_for({}) == 8192


def test_quantizations_are_tried_most_bits_first():
    # bits per weight in schema/quantizations.yaml: Q8_0 8.5, Q6_K 6.5625, Q5_K_M 5.5, Q4_K_M 4.5,
    # Q3_K_M 3.4375, Q2_K 2.625
    assert fit.gguf_quants(CAT) == ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"]


def test_llamacpp_takes_the_most_bits_that_fit_on_an_8_gb_gpu():
    # Q8_0: 8e9 x 8.5 / 8 = 8.5 GB + 1 GB = 9.5 GB > 8 GB; Q6_K: 8e9 x 6.5625 / 8 = 6.5625 GB + 1 GB
    # = 7.5625 GB <= 8 GB: Q6_K, every layer on the GPU
    best = fit.best_llamacpp(CARD, CAT, Hardware(_gpu(8), 1, 32 * GB, None), False, planner=stand_in)
    assert best.fit == fit.YES
    assert best.options == {"quant": "Q6_K", "context": 4096}
    assert best.choice()["offload"] is False


def test_llamacpp_offloads_when_nothing_fits_on_the_gpu():
    # 3 GB: even Q2_K (8e9 x 2.625 / 8 = 2.625 GB + 1 GB = 3.625 GB) does not fit on the GPU;
    # with 32 GB of RAM, Q8_0 (9.5 GB <= 3 + 32 GB) would fit with offload, but offloaded runs
    # start at Q4_K_M (fit.OFFLOAD_QUANTS): Q4_K_M (8e9 x 4.5 / 8 = 4.5 GB + 1 GB) fits with offload
    best = fit.best_llamacpp(CARD, CAT, Hardware(_gpu(3), 1, 32 * GB, None), False, planner=stand_in)
    assert (best.fit, best.options["quant"], best.choice()["offload"]) == (fit.OFFLOAD, "Q4_K_M", True)
    # 2 GB of RAM: Q4_K_M (5.5 GB > 3 + 2 GB) does not fit, Q3_K_M (8e9 x 3.4375 / 8 + 1 GB = 4.4375 GB) does
    best = fit.best_llamacpp(CARD, CAT, Hardware(_gpu(3), 1, 2 * GB, None), False, planner=stand_in)
    assert (best.fit, best.options["quant"]) == (fit.OFFLOAD, "Q3_K_M")


def test_unified_memory_has_no_offload():
    best = fit.best_llamacpp(CARD, CAT, Hardware(_gpu(3, "Apple"), 1, None, None), True, planner=stand_in)
    assert best.fit == fit.NO
    assert best.options == {"quant": "Q2_K", "context": 4096, **fit.ALL_ON_GPU}
    assert "unified memory" in best.why


def test_nothing_fits_even_with_offload():
    # 1 GB GPU + 1 GB RAM: Q2_K needs 2.625 + 1 = 3.625 GB > 2 GB
    best = fit.best_llamacpp(CARD, CAT, Hardware(_gpu(1), 1, 1 * GB, None), False, planner=stand_in)
    assert (best.fit, best.options) == (fit.NO, {"quant": "Q2_K", "context": 4096})


def test_a_quantization_without_a_file_is_skipped():
    # 5 GB: Q4_K_M (4.5 GB + 1 GB = 5.5 GB) does not fit; Q3_K_M (3.4375 + 1 = 4.4375 GB) would,
    # but this model has no Q3_K_M file: Q2_K
    card = {**CARD, "no_q3": True}
    best = fit.best_llamacpp(card, CAT, Hardware(_gpu(5), 1, None, None), False, planner=stand_in)
    assert (best.fit, best.options["quant"]) == (fit.YES, "Q2_K")


def test_vllm_prefers_the_published_checkpoint_on_the_fewest_gpus():
    assert fit.checkpoints(CARD, CAT) == ["BF16", "FP8", "AWQ-4bit"]
    assert fit.checkpoints({"release": {"quantization": "FP8"}}, CAT) == ["FP8", "AWQ-4bit"]
    assert fit.checkpoints({"release": {"quantization": "MXFP4"}, "architecture": {"type": "moe"}}, CAT) == ["MXFP4"]
    # BF16: 8e9 x 16 / 8 = 16 GB + 1 GB = 17 GB: not on one 12 GB GPU; over 2: 8 + 1 = 9 GB <= 12 GB
    best = fit.best_vllm(CARD, CAT, Hardware(_gpu(12), 2, None, None), [1, 2], planner=stand_in)
    assert (best.fit, best.options) == (fit.YES, {"quant": "BF16", "tensor_parallel": 2, "context": 4096})
    # one 12 GB GPU: BF16 no; FP8 8 + 1 = 9 GB <= 12 GB
    best = fit.best_vllm(CARD, CAT, Hardware(_gpu(12), 1, None, None), [1], planner=stand_in)
    assert best.options["quant"] == "FP8" and best.fit == fit.YES
    # one 4 GB GPU: AWQ 8e9 x 4.15625 / 8 = 4.16 GB + 1 GB > 4 GB: nothing; the last answer is AWQ on 1 GPU
    best = fit.best_vllm(CARD, CAT, Hardware(_gpu(4), 1, None, None), [1], planner=stand_in)
    assert (best.fit, best.options["quant"]) == (fit.NO, "AWQ-4bit")
    with pytest.raises(PlanError) as err:
        fit.best_vllm(CARD, CAT, Hardware(_gpu(64, "Apple"), 1, None, None), [1], planner=stand_in)
    assert err.value.option == "--gpu"


# -- the rule on real cards, with the real engines ----------------------------------------------

def _hw(setup_id: str) -> tuple[setups.Setup, Hardware]:
    s = setups.by_id(setup_id)
    assert s is not None
    hw = setups.hardware(s, CAT)
    assert hw is not None
    return s, hw


def test_llama_31_8b_on_an_8_gb_rtx_4060_by_hand():
    """Llama 3.1 8B (8,030,261,248 parameters; 32 layers, 8 KV heads of 128) on an RTX 4060 (8e9 bytes):

    Q6_K: weights >= 8.03e9 x 6.5625 / 8 = 6.587 GB; F16 KV cache at 8,192 tokens = 32 layers x 2 (K, V)
    x 8 heads x 128 x 2 bytes x 8,192 = 1.074 GB; overhead 0.5 GB: 8.16 GB > 8.0 GB before any compute
    buffer, so Q6_K (and Q8_0) cannot fit. Q5_K_M: 8.03e9 x 5.5 / 8 = 5.52 GB + 1.074 + 0.5 = 7.10 GB,
    0.9 GB left for the compute buffer (llama.cpp reserves about 0.5 GB at a 512-token ubatch).
    """
    card = _card("meta/llama-3.1-8b")
    s, hw = _hw("rtx-4060-x1")
    best = fit.best_llamacpp(card, CAT, hw, setups.unified(s))
    assert (best.fit, best.options) == (fit.YES, {"quant": "Q5_K_M", "context": 8192})
    # the hand bound above, from the plan's own parts: Q6_K's weights + cache + overhead exceed 8e9
    q6 = engines.plan(card, CAT, "llama.cpp", {"quant": "Q6_K", "context": 8192, **fit.ALL_ON_GPU}, hw)
    d = q6["devices"][0]
    assert d["weights_bytes"] >= 8_030_261_248 * 6.5625 / 8 - 0.6e9   # the input embedding stays on the host
    assert d["kv_cache_bytes"] == 32 * 2 * 8 * 128 * 2 * 8192
    assert q6["fits"] is False


@pytest.mark.parametrize("setup_id", ["rtx-4060-ti-16gb-x1", "apple-m3-pro-36gb-x1", "rtx-3090-x2", "rtx-4060-x1"])
@pytest.mark.parametrize("card_id", ["meta/llama-3.1-8b", "mistralai/mixtral-8x7b", "openai/gpt-oss-20b",
                                     "meta/llama-3.1-70b"])
def test_the_choice_is_the_rule(card_id, setup_id):
    """What the rule says, checked through engines.plan: the chosen quantization fits as the choice
    says, the one with the next more bits does not (on the GPU alone), and the options reproduce
    the exported plan. Also: the pruning (llamacpp_needs, vllm_weights) changes no answer."""
    card = _card(card_id)
    s, hw = _hw(setup_id)
    best = fit.best_llamacpp(card, CAT, hw, setups.unified(s))
    unpruned = fit.best_llamacpp(card, CAT, hw, setups.unified(s), needs={q: 0 for q in fit.GGUF_QUANTS})
    assert (unpruned.fit, unpruned.options) == (best.fit, best.options)
    quants = fit.gguf_quants(CAT)
    q = best.options["quant"]
    better = quants[:quants.index(q)]
    for b in better:      # every quantization with more bits does not fit on the GPU alone
        trial = engines.plan(card, CAT, "llama.cpp", {"quant": b, "context": 8192, **fit.ALL_ON_GPU}, hw)
        assert trial["fits"] is False, b
    again = engines.plan(card, CAT, "llama.cpp", best.options, hw)
    assert again["devices"] == best.plan["devices"] and again["max_context_that_fits"] == best.plan["max_context_that_fits"]
    if best.fit == fit.YES:
        assert again["fits"] is True and again["offload"]["moved"].startswith("nothing")
    elif best.fit == fit.OFFLOAD:
        assert again["fits"] is True and not again["offload"]["moved"].startswith("nothing")
    else:
        assert again["fits"] is False
    sizes = setups.tensor_parallel_sizes(s.count)
    try:
        v = fit.best_vllm(card, CAT, hw, sizes, fit.vllm_weights(card, CAT))
    except PlanError as exc:
        assert exc.option == "--gpu" and setups.unified(s)
        return
    v_unpruned = fit.best_vllm(card, CAT, hw, sizes)
    assert (v_unpruned.fit, v_unpruned.options) == (v.fit, v.options)
    assert engines.plan(card, CAT, "vllm", v.options, hw)["fits"] is (v.fit == fit.YES)


@pytest.mark.parametrize("card_id, setup_id", [
    # a large input embedding, which llama.cpp keeps in host memory with every layer on the GPU (Aya
    # Expanse's and Command R's 256K vocabularies, 1.6-2.1 GB at Q2_K-Q4_K_M), and Gemma 3n's per-layer
    # embeddings, kept there too: pruning by the sum of both parts skipped quantizations that fit
    ("cohere/aya-expanse-32b", "apple-m4-24gb-x1"),
    ("cohere/c4ai-command-r-v01", "rtx-5090-x1"),
    ("google/gemma-3n-e4b-it", "rtx-4060-x1"),
])
def test_pruning_counts_only_what_the_gpus_hold(card_id, setup_id):
    card = _card(card_id)
    s, hw = _hw(setup_id)
    best = fit.best_llamacpp(card, CAT, hw, setups.unified(s))
    unpruned = fit.best_llamacpp(card, CAT, hw, setups.unified(s), needs={q: fit.UNKNOWN_NEED for q in fit.GGUF_QUANTS})
    assert (best.fit, best.options) == (unpruned.fit, unpruned.options)
    assert best.fit == fit.YES and best.plan["fits"] is True
    # the prune's bound is a true lower bound: what the GPUs hold in the chosen plan is at least it
    need = fit.llamacpp_needs(card, CAT)[best.options["quant"]]
    assert need is not None
    held = sum(d["weights_bytes"] + d["kv_cache_bytes"] for d in best.plan["devices"])
    assert held >= need.on_gpus and need.total > need.on_gpus


def test_public_setups_for_the_picker():
    public = setups.public_setups(CAT)
    assert 25 <= len(public) <= 35
    assert {"rtx-4060-ti-16gb-x1", "apple-m3-pro-36gb-x1", "rtx-3090-x2", "rtx-4090-x1"} <= {s["id"] for s in public}
    by_id = {g["id"]: g for g in CAT.gpus}
    for s in public:
        assert set(s) == {"id", "label", "group", "gpu", "gpus", "ram_bytes", "memory_bytes"}
        assert s["group"] in setups.GROUPS
        assert s["memory_bytes"] == by_id[s["gpu"]]["memory_bytes"]
        # unified memory (Apple, Ryzen AI Max) has no separate RAM
        assert (s["ram_bytes"] is None) is (by_id[s["gpu"]].get("host_memory") == "apple-unified")
    # the picker's groups appear in GROUPS order, each once
    groups = [s["group"] for s in public]
    firsts = sorted(set(groups), key=groups.index)
    assert firsts == [g for g in setups.GROUPS if g in firsts]
    assert all(groups.index(g) + groups.count(g) - 1 == len(groups) - 1 - groups[::-1].index(g) for g in firsts)
    # 3090 x 2: 64 GiB of DDR4 (what the setup says, in bytes)
    assert next(s for s in public if s["id"] == "rtx-3090-x2")["ram_bytes"] == 64 * 2**30


# -- api/fit and the page ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fit_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("fit") / "public"
    assert build(TEST_REGISTRY, out) == 0
    yield out


def _read(site: Path, rel: str) -> Any:
    return json.loads((site / rel).read_text(encoding="utf-8"))


def test_api_fit_has_one_small_file_per_setup(fit_site: Path):
    public = setups.public_setups(CAT)
    index = _read(fit_site, "api/fit/index.json")
    assert index["default"] == "rtx-4090-x1" and index["engine"] == "llama.cpp" and index["context"] == 8192
    assert [s["id"] for s in index["setups"]] == [s["id"] for s in public]
    assert {"rtx-4060-ti-16gb-x1", "apple-m3-pro-36gb-x1", "rtx-3090-x2"} <= {s["id"] for s in public}
    assert sorted(p.name for p in (fit_site / "api/fit").iterdir()) == sorted(
        ["index.json"] + [f"{s['id']}.json" for s in public])
    for s in public:
        path = fit_site / "api/fit" / f"{s['id']}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["setup"] == s and data["api_version"] == 1
        ids = [m["id"] for m in data["models"]]
        assert ids == ["example/hostile-model", "meta/llama-2-7b", "meta/llama-3.1-8b", "mistralai/mixtral-8x7b"]
        # compact: well under 1 KB per model
        assert path.stat().st_size < 1000 * len(ids), (s["id"], path.stat().st_size)
        for m in data["models"]:
            assert set(m) == {"id", "name", "organization", "license", "open_weights", "modalities", "release_date",
                              "total", "active", "rank", "engines"}
            assert set(m["engines"]) == {"llama.cpp", "vllm"}
            for e in m["engines"].values():
                assert e["fit"] in ("yes", "offload", "no", "unsupported", "unavailable")


def test_api_fit_agrees_with_the_plans_files(fit_site: Path):
    plans_file = _read(fit_site, "api/plans/meta/llama-3.1-8b.json")
    for s in setups.public_setups(CAT):
        data = _read(fit_site, f"api/fit/{s['id']}.json")
        m = next(x for x in data["models"] if x["id"] == "meta/llama-3.1-8b")
        for engine, summary in m["engines"].items():
            entry = plans_file["plans"][s["id"]][engine]
            if entry["status"] != "ok":
                assert summary == {"fit": entry["status"]}
                continue
            plan = entry["plan"]
            assert summary["quant"] == plan["settings"]["quant"] == entry["choice"]["quant"]
            assert summary["bytes"] == sum(d["total_bytes"] for d in plan["devices"])
            assert summary["max_context"] == plan["max_context_that_fits"]
            assert summary["tps"] == plan["speed"]["decode_tokens_per_s_upper_bound"]
            assert summary["fit"] == entry["choice"]["fit"]
            assert (summary["fit"] in ("yes", "offload")) is (plan["fits"] is True)


@pytest.mark.parametrize("setup_id", [s.id for s in setups.SETUPS if s.gpu])
def test_the_page_rows_render_for_every_setup(fit_site: Path, setup_id: str):
    data = _read(fit_site, f"api/fit/{setup_id}.json")
    for engine in setups.ENGINES:
        for m in data["models"]:
            r = whatrun.row(m, engine, data["ranked"])
            s = m["engines"][engine]
            assert r["fit_text"] == whatrun.FIT_TEXT[s["fit"]]
            assert r["memory_text"] == fmt.gb(s.get("bytes"))
            assert r["speed_text"] == fmt.rate(s.get("tps"))
            # the longest context: a number where it fits, "none" where it does not fit at any context
            if s.get("max_context"):
                assert r["context_text"] == fmt.tokens(s["max_context"])
            elif s["fit"] == "no":
                assert r["context_text"] == "none"


def test_a_model_that_does_not_fit_has_no_context_not_an_unknown_one():
    row = whatrun.row({"id": "x/y", "name": "Y", "engines": {"llama.cpp": {"fit": "no", "max_context": None}}},
                      "llama.cpp", None)
    assert row["context_text"] == "none"
    unsupported = whatrun.row({"id": "x/y", "name": "Y", "engines": {"vllm": {"fit": "unsupported"}}}, "vllm", None)
    assert unsupported["context_text"] == "unknown"


def test_the_page_lists_what_runs_on_the_default_setup(fit_site: Path):
    html = (fit_site / "what-can-i-run" / "index.html").read_text(encoding="utf-8")
    data = _read(fit_site, "api/fit/rtx-4090-x1.json")
    running = [m for m in data["models"] if m["engines"]["llama.cpp"]["fit"] in ("yes", "offload")]
    assert running, "nothing runs on an RTX 4090 in the test registry"
    body = html[html.index('id="whatrun-rows"'):html.index("</tbody>")]
    assert body.count("<tr ") == len(running)
    for m in running:
        assert f'data-id="{m["id"]}"' in body
        assert f"../models/{m['id']}/" in body
    # the rule is written on the page, with its context
    assert "8,192 tokens" in html and "most bits per weight" in html
    # sortable headers are buttons; the table has a caption and a focusable, labelled scroll region
    assert 'aria-sort="ascending"><button type="button">Rank</button>' in html
    assert '<caption id="whatrun-caption">' in html and 'role="region" aria-labelledby="whatrun-caption"' in html
    assert 'href="what-can-i-run/"' in (fit_site / "index.html").read_text(encoding="utf-8")   # in the navigation
