"""Engine plans on the site: api/plans/<org>/<model>.json and the "Will it run?" panel.

The engines are written elsewhere (generator.calc.engines.plan is a stub on this branch), so
these tests put a hand-written stand-in in its place (tests/fake_plans.py) and check the
site's side: which files are written, their shape, the panel's text, escaping, and that a
failing plan or the stub itself never breaks the build.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from fake_plans import fake_plan
from helpers import ROOT, TEST_REGISTRY, build
from hostile import ORG, make_registry, text_payload

from generator.calc import engines
from generator.calc.catalogs import load_catalogs
from generator.load import load_file
from generator.site import plans, setups

CARDS = ("example/hostile-model", "meta/llama-2-7b", "meta/llama-3.1-8b", "mistralai/mixtral-8x7b")


@pytest.fixture(scope="module")
def plan_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("plans") / "public"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engines, "plan", fake_plan)
        assert build(TEST_REGISTRY, out) == 0
    yield out


def _plans(site: Path, card_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "api" / "plans" / f"{card_id}.json").read_text(encoding="utf-8"))
    return data


class _Text(HTMLParser):
    """The text of the element with ``id`` (elements separated by a space) and every tag inside it."""

    def __init__(self, html: str, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.id, self.depth, self.text, self.tags = element_id, 0, "", []  # type: ignore[var-annotated]
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == self.id:
            self.tags.append((tag, dict(attrs)))
            self.text += " "          # cells and items read apart, as a browser lays them out
            if tag not in ("br", "img", "input", "meta", "link"):
                self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text += data


def _panel(site: Path, card_id: str) -> _Text:
    return _Text((site / "models" / card_id / "index.html").read_text(encoding="utf-8"), "will-it-run")


def test_every_setup_resolves_in_the_catalog():
    catalogs = load_catalogs()
    assert len({s.id for s in setups.SETUPS}) == len(setups.SETUPS)
    assert setups.DEFAULT_SETUP in {s.id for s in setups.SETUPS}
    for s in setups.SETUPS:
        assert setups.hardware(s, catalogs) is not None, f"{s.id}: GPU {s.gpu} is not in schema/gpus.yaml"


def test_one_plans_file_per_model_with_every_setup_and_engine(plan_site: Path):
    written = sorted(str(p.relative_to(plan_site / "api" / "plans"))[:-len(".json")]
                     for p in (plan_site / "api" / "plans").rglob("*.json"))
    assert written == list(CARDS)
    for card_id in CARDS:
        data = _plans(plan_site, card_id)
        assert data["id"] == card_id and data["api_version"] == engines.API_VERSION
        assert data["default_setup"] == "rtx-4090-x1"
        assert [s["id"] for s in data["setups"]] == [s.id for s in setups.SETUPS]
        assert set(data["plans"]) == {s.id for s in setups.SETUPS}
        for row in data["plans"].values():
            assert set(row) == {"llama.cpp", "vllm"}
            for entry in row.values():
                assert entry["status"] in ("ok", "unsupported", "unavailable")
    data = _plans(plan_site, "meta/llama-3.1-8b")
    rtx = next(s for s in data["setups"] if s["id"] == "rtx-4090-x1")
    assert rtx == {"id": "rtx-4090-x1", "gpu": "rtx-4090", "gpus": 1, "ram_bytes": 64 * 2**30,
                   "label": "1 × NVIDIA GeForce RTX 4090 (24 GB) + 64 GiB RAM", "group": "NVIDIA GeForce"}
    # the fake refuses vLLM on an Apple GPU (a PlanError on --gpu, as the vLLM engine does): unsupported, reason kept
    apple = data["plans"]["apple-128gb-x1"]["vllm"]
    assert apple == {"status": "unsupported", "reason": "apple-128gb: vLLM has no Metal backend", "plan": None,
                     "choice": None}
    # vLLM takes the fewest GPUs that fit: 16 GB of (fake) weights fit one H100 of the eight
    eight = data["plans"]["h100-sxm-80gb-x8"]["vllm"]
    assert eight["status"] == "ok" and eight["plan"]["settings"]["tensor_parallel"] == 1
    assert len(eight["plan"]["devices"]) == 1
    # the fake's Mixtral: 90 GB; TP 1 does not fit (91.75 GB > 80 GB), TP 2 is refused, TP 4 fits
    big = _plans(plan_site, "mistralai/mixtral-8x7b")["plans"]
    assert big["h100-sxm-80gb-x8"]["vllm"]["plan"]["settings"]["tensor_parallel"] == 4
    assert len(big["h100-sxm-80gb-x8"]["vllm"]["plan"]["devices"]) == 4
    # on two RTX 3090s nothing fits (TP 2 refused): the plan of the largest size made, TP 1, says so
    two = big["rtx-3090-x2"]["vllm"]
    assert two["status"] == "ok" and two["plan"]["settings"]["tensor_parallel"] == 1
    assert two["plan"]["fits"] is False
    # llama.cpp: the best plan (generator/site/fit.py). The fake ignores the quantization, so the
    # first one tried (Q8_0, the most bits) fits with every layer on the GPU, at 8,192 tokens
    # (the card's maximum is 131,072); "no hardware" keeps the engine's defaults
    entry = data["plans"]["rtx-4090-x1"]["llama.cpp"]
    assert entry["choice"] == {"quant": "Q8_0", "context": 8192, "tensor_parallel": None, "offload": False,
                               "fit": "yes", "options": {"quant": "Q8_0", "context": 8192},
                               "why": entry["choice"]["why"]}
    assert entry["plan"]["settings"]["n_gpu_layers"] == 999
    assert "n_gpu_layers" not in data["plans"]["none"]["llama.cpp"]["plan"]["settings"]
    assert data["plans"]["none"]["llama.cpp"]["choice"]["fit"] is None
    # the fake's Mixtral needs 90 + 1 + 2 GB of weights and cache: more than a 4090 and its 64 GiB
    # of RAM (24 + 68.7 GB) hold, so no quantization is tried there: the fewest bits, "no"
    assert big["rtx-4090-x1"]["llama.cpp"]["choice"]["fit"] == "no"
    assert big["rtx-4090-x1"]["llama.cpp"]["choice"]["quant"] == "Q2_K"


def test_tensor_parallel_sizes_to_try():
    assert [setups.tensor_parallel_sizes(n) for n in (1, 2, 6, 8)] == [[1], [1, 2], [1, 2, 4, 6], [1, 2, 4, 8]]


def test_model_page_renders_the_default_setup(plan_site: Path):
    panel = _panel(plan_site, "meta/llama-3.1-8b")
    text = " ".join(panel.text.split())
    # the fake's numbers, formatted by hand: 16e9 B -> 16.0 GB; 16e9 + 1e9 + 0.5e9 + 0.25e9 = 17.75e9 -> 17.8 GB
    # (halves up); capacity 24e9 -> 24.0 GB = 22.35 GiB; 57.6 tok/s -> 58 tok/s; 3.44 -> 3.4 tok/s; 3.254 -> 3.25×
    for expected in ("Will it run?", "1 × NVIDIA GeForce RTX 4090 (24 GB) + 64 GiB RAM", "llama.cpp", "vLLM",
                     "Fits Q8_0 · 8K context · F16 KV cache Device Weights", "GPU 0 16.0 GB 1.00 GB 0.50 GB 0.25 GB 17.8 GB 24.0 GB (22.4 GiB)",
                     # host: overhead does not apply; capacity is the setup's 64 GiB = 68.72e9 B -> 68.7 GB
                     "System RAM 2.00 GB 0.00 GB 0.00 GB n/a 2.00 GB 68.7 GB (64.0 GiB)",
                     "Offloaded to system RAM: host weights 2.00 GB · n gpu layers 30",
                     "Max context that fits 32K", "KV cache capacity 123,456 tokens", "Max concurrency 3.25×",
                     "Decode speed, upper bound 58 tok/s", "Prefill speed, upper bound 3.4 tok/s",
                     "serve meta/llama-3.1-8b --alias 'Llama 3.1 8B' --ngl 1", "Rules follow vllm fake b1."):
        assert expected in text, expected
    hrefs = [a.get("href") for t, a in panel.tags if t == "a"]
    page_dir = plan_site / "models" / "meta" / "llama-3.1-8b"
    json_link = next(h for h in hrefs if h and h.endswith(".json"))
    assert (page_dir / json_link).resolve() == (plan_site / "api/plans/meta/llama-3.1-8b.json").resolve()
    for page in ("engine-llamacpp", "engine-vllm", "engine-accuracy"):
        assert f"../../../{page}/" in hrefs
    # the picker lists every setup, the default selected; it waits hidden for plan.js
    options = [a for t, a in panel.tags if t == "option"]
    assert [o["value"] for o in options] == [s.id for s in setups.SETUPS]
    assert [o["value"] for o in options if "selected" in o] == ["rtx-4090-x1"]
    assert any(t == "select" and "hidden" in a for t, a in panel.tags)


def test_panel_is_near_the_top_and_out_of_search(plan_site: Path):
    html = (plan_site / "models/meta/llama-3.1-8b/index.html").read_text(encoding="utf-8")
    # the answer ("Run it") comes first, under the title; the engines' detail after the description
    assert html.index('id="run-it"') < html.index('id="facts"') < html.index('id="description"') \
        < html.index('id="will-it-run"') < html.index('id="system-requirements"')
    index = json.loads((plan_site / "search/search_index.json").read_text(encoding="utf-8"))
    docs = [d for d in index["docs"] if d["location"].startswith("models/meta/llama-3.1-8b/")]
    assert docs and not any("Will it run" in d["text"] or "Run it" in d["text"] or "tok/s" in d["text"] for d in docs)


def test_tables_name_the_engine_defaults_they_assume(plan_site: Path):
    text = " ".join(_Text((plan_site / "models/meta/llama-3.1-8b/index.html").read_text(encoding="utf-8"),
                          "engine-defaults").text.split())
    # site/methodology.md: llama.cpp's default micro-batch 512, flash attention, 0.5 GB overhead per device
    assert text.startswith("Engine-agnostic figures with llama.cpp's defaults: micro-batch (--ubatch-size) "
                           "512 tokens, flash attention on, F16 KV cache, and 0.50 GB of runtime overhead per device.")


def test_card_text_in_a_plan_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # the fake carries the card's name into the command line and the assumptions
    reg = make_registry(tmp_path / "registry")
    monkeypatch.setattr(engines, "plan", fake_plan)
    assert build(reg, tmp_path / "public") == 0
    name = text_payload("name", 1)
    panel = _panel(tmp_path / "public", f"{ORG}/model-1")
    assert {t for t, _ in panel.tags} <= {"section", "h2", "h3", "p", "label", "select", "option", "span", "div",
                                         "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "pre",
                                         "code", "button", "details", "summary", "ul", "li", "a", "script"}
    assert not any(t == "script" and "src" not in a for t, a in panel.tags)   # only the three script files
    assert f"<b>{name}</b> & co" in panel.text                # the reader sees the exact text, escaped once
    assert f"--alias '{name}'" in panel.text
    data = _plans(tmp_path / "public", f"{ORG}/model-1")
    assert data["plans"]["none"]["vllm"]["plan"]["assumptions"] == [f"<b>{name}</b> & co"]


def _failing_plan(card: Mapping[str, Any], catalogs: Any, engine: str, options: Mapping[str, Any],
                  hardware: engines.Hardware) -> dict[str, Any]:
    gpu = hardware.gpu["id"] if hardware.gpu else None
    if card["id"] == "meta/llama-2-7b" and engine == "vllm" and gpu == "rtx-3090":
        raise ZeroDivisionError("engine bug")
    if card["id"] == "mistralai/mixtral-8x7b" and engine == "llama.cpp" and gpu is None:
        raise engines.PlanError("--context", "must be at most 32768 (fake)")
    return fake_plan(card, catalogs, engine, options, hardware)


def test_a_failing_plan_does_not_break_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setattr(engines, "plan", _failing_plan)
    out = tmp_path / "public"
    assert build(TEST_REGISTRY, out, quiet=False) == 0
    err = capsys.readouterr().err
    bug = _plans(out, "meta/llama-2-7b")["plans"]["rtx-3090-x2"]["vllm"]
    assert bug == {"status": "unavailable", "reason": "internal error: ZeroDivisionError: engine bug", "plan": None,
                   "choice": None}
    refused = _plans(out, "mistralai/mixtral-8x7b")["plans"]["none"]["llama.cpp"]
    assert refused == {"status": "unavailable", "reason": "--context: must be at most 32768 (fake)", "plan": None,
                       "choice": None}
    assert _plans(out, "meta/llama-2-7b")["plans"]["rtx-3090-x2"]["llama.cpp"]["status"] == "ok"
    # the build log names the card, the engine, the setup and the reason
    assert "meta/llama-2-7b: plans unavailable: vllm on rtx-3090-x1: internal error: ZeroDivisionError: engine bug; " \
           "vllm on rtx-3090-x2: internal error: ZeroDivisionError: engine bug" in err
    assert "mistralai/mixtral-8x7b: plans unavailable: llama.cpp on none: --context: must be at most 32768" in err
    assert "meta/llama-3.1-8b" not in err


def test_failing_default_setup_says_why_in_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engines, "plan", _failing_plan)
    monkeypatch.setattr(setups, "DEFAULT_SETUP", "rtx-3090-x2")
    assert build(TEST_REGISTRY, tmp_path / "public") == 0
    text = " ".join(_panel(tmp_path / "public", "meta/llama-2-7b").text.split())
    assert "vLLM No plan: internal error: ZeroDivisionError: engine bug" in text
    assert "llama.cpp Fits" in text


def _stub(*args: Any) -> dict[str, Any]:
    raise NotImplementedError    # what generator.calc.engines.plan did before the engines were written


def test_stub_plan_skips_plans_with_one_log_line(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engines, "plan", _stub)
    out = tmp_path / "public"
    assert build(TEST_REGISTRY, out, quiet=False) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "llmcards:" in line]
    assert lines == ["WARNING -  llmcards: engine plans skipped for 4 cards: "
                     "generator.calc.engines.plan is not implemented yet"]
    assert not (out / "api" / "plans").exists()
    html = (out / "models/meta/llama-3.1-8b/index.html").read_text(encoding="utf-8")
    assert 'id="will-it-run"' not in html and "plan.js" not in html


def test_an_engine_that_declines_the_card_is_unsupported_everywhere(monkeypatch: pytest.MonkeyPatch):
    def declines(card: Mapping[str, Any], catalogs: Any, engine: str, options: Mapping[str, Any],
                 hardware: engines.Hardware) -> dict[str, Any]:
        if engine == "vllm":
            return {"engine": "vllm", "engine_basis": "b1", "supported": False, "unsupported_reason": "no MLA"}
        return fake_plan(card, catalogs, engine, options, hardware)

    monkeypatch.setattr(engines, "plan", declines)
    card = {"id": "x/y", "name": "Y"}
    result = plans.model_plans(card, load_catalogs())
    assert result.problems == ()                 # declining a card is an answer, not a failure
    assert result.record is not None
    assert {row["vllm"]["status"] for row in result.record["plans"].values()} == {"unsupported"}
    assert {row["vllm"]["reason"] for row in result.record["plans"].values()} == {"no MLA"}


def test_plan_view_texts():
    entry = {"status": "ok", "reason": None, "plan": {
        "fits": None, "settings": {"quant": "FP8", "context": 32768, "kv_dtype": "auto", "tensor_parallel": 2},
        "offload": {"moved": "routed experts of layers 0-26 to system RAM (--n-cpu-moe 27)", "n_gpu_layers": 37}}}
    view = plans.plan_view("vllm", entry, has_hardware=True)
    assert (view["state"], view["verdict"]) == ("unknown", "Fit unknown")
    assert view["settings"] == "FP8 · 32K context · auto KV cache · tensor parallel 2"
    assert view["offload"] == "Offload: routed experts of layers 0-26 to system RAM (--n-cpu-moe 27)"
    assert plans.plan_view("vllm", entry, has_hardware=False)["verdict"] == "Memory needed (no hardware chosen)"


def test_plan_view_of_a_plan_that_does_not_fit_has_no_speed_and_marks_its_command():
    plan = {"fits": False, "max_context_that_fits": None, "command": "llama-server -m x.gguf -c 8192",
            "speed": {"decode_tokens_per_s_upper_bound": 12.5, "prefill_tokens_per_s_upper_bound": 900.0,
                      "basis": "bandwidth / bytes per token"}}
    view = plans.plan_view("llama.cpp", {"status": "ok", "reason": None, "plan": plan})
    assert (view["state"], view["verdict"]) == ("no-fit", "Does not fit")
    assert view["facts"] == [("Max context that fits", "none")]      # hardware given: no context fits, not "unknown"
    assert view["speed_basis"] is None
    assert view["command"] == "llama-server -m x.gguf -c 8192"     # kept for its flags
    assert view["command_note"] == plans.NO_FIT_COMMAND
    fits = plans.plan_view("llama.cpp", {"status": "ok", "reason": None, "plan": {**plan, "fits": True}})
    assert dict(fits["facts"])["Decode speed, upper bound"] == "13 tok/s"   # two significant figures
    assert (fits["speed_basis"], fits["command_note"]) == ("bandwidth / bytes per token", None)


def test_plan_view_of_an_unsupported_entry_has_no_numbers():
    entry = {"status": "unsupported", "reason": "no <MLA> yet", "plan": {"engine_basis": "b1", "supported": False}}
    view = plans.plan_view("vllm", entry)
    assert (view["state"], view["verdict"], view["devices"], view["facts"]) == (
        "unsupported", "Not supported: no <MLA> yet", [], [])


def test_serve_refresh_replans_only_the_edited_card(tmp_path: Path, registry_copy: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from generator.commands.build import _plugins_with
    from helpers import ROOT

    monkeypatch.setattr(engines, "plan", fake_plan)
    site = tmp_path / "served"
    cfg = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site),
                      plugins=_plugins_with(ROOT / "mkdocs.yml", {"registry": str(registry_copy)}))
    cfg.plugins.on_startup(command="serve", dirty=False)
    try:
        mkdocs_build(cfg)
        plugin = cfg.plugins["llmcards"]
        assert plugin.memo.counts["planned"] == 4
        other = site / "api/plans/meta/llama-2-7b.json"
        other.unlink()               # if refresh() wrote it again, it would be back
        path = registry_copy / "meta/llama-3.1-8b.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("\nname: Llama 3.1 8B\n",
                                                                 "\nname: Llama 3.1 8B Edited\n", 1), encoding="utf-8")
        assert plugin.refresh() is True
        assert plugin.memo.counts["planned"] == 1
        edited = _plans(site, "meta/llama-3.1-8b")
        assert edited["plans"]["none"]["vllm"]["plan"]["assumptions"] == ["<b>Llama 3.1 8B Edited</b> & co"]
        assert "&lt;b&gt;Llama 3.1 8B Edited&lt;/b&gt; &amp; co" in (
            site / "models/meta/llama-3.1-8b/index.html").read_text(encoding="utf-8")
        assert not other.exists()
    finally:
        cfg.plugins.on_shutdown()


@pytest.mark.parametrize("engine", setups.ENGINES)
def test_site_setups_size_devices_as_the_command_line_does(engine):
    """A site setup and `llmcards plan --gpu ...` give each engine the same device memory: the
    driver-reported total where the catalog has one (an H100 reports 79.18 GiB, llm-d's logs),
    not the vendor's 80e9 bytes. The site builds its Hardware itself; the CLI through
    engines.hardware(); both go through engines.device_memory."""
    cat = load_catalogs()
    card = load_file(ROOT / "registry" / "meta" / "llama-3.1-8b.yaml", "llama-3.1-8b.yaml").data
    setup = next(s for s in setups.SETUPS if s.id == "h100-sxm-80gb-x1")
    site = engines.plan(card, cat, engine, {"context": 8192}, setups.hardware(setup, cat))
    cli = engines.plan(card, cat, engine, {"context": 8192}, engines.hardware(cat, "h100-sxm-80gb", 1))
    # an H100 is 100% usable: each device's capacity is the whole reported memory, for both engines
    assert {d["capacity_bytes"] for d in site["devices"] + cli["devices"]} == {round(79.18 * 2**30)}
